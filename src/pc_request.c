/*
 * pc_request.c: client:request, the one chokepoint every call goes through:
 * builds the request, makes sure a token is held, sends, refreshes the token
 * once after a 401, retries what is worth retrying with backoff, and calls
 * the hooks. See pc_client.h.
 */
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_client.h"
#include "pc_error.h"
#include "pc_json.h"
#include "pc_retry.h"
#include "pc_url.h"

/* Stack slots of client:request. */
enum { SELF = 1, METHOD, PATH, OPTS, QUERY, BODY, HEADERS, FIRST_FREE };

typedef struct request {
  const char *method, *path;
  const char *body;     /* NULL: no body */
  size_t blen;
  int idempotent;       /* a 500 may be retried */
  int auth;             /* send (and obtain) a token */
  long timeout_ms;      /* per attempt */
  pc_retry_policy policy;
} request;

/* ---- hooks ---- */

/* [-0, +1, -] Pushes hook `name` from the client's user value (or nil); returns its type. */
static int push_hook(lua_State *L, int self, const char *name) {
  lua_getiuservalue(L, self, 1);
  if (lua_getfield(L, -1, "hooks") != LUA_TTABLE) {
    lua_pop(L, 2);
    lua_pushnil(L);
    return LUA_TNIL;
  }
  lua_getfield(L, -1, name);
  lua_replace(L, -3);
  lua_pop(L, 1);
  return lua_type(L, -1);
}

int pc_hook_wanted(lua_State *L, int self, const char *name) {
  int t = push_hook(L, self, name);
  lua_pop(L, 1);
  return t == LUA_TFUNCTION;
}

void pc_hook_call(lua_State *L, pc_client *c, int self, const char *name) {
  if (push_hook(L, self, name) != LUA_TFUNCTION) {
    lua_pop(L, 2);
    return;
  }
  lua_insert(L, -2);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    c->stats.hook_errors++;
    lua_pushfstring(L, "hook %s failed: %s", name, luaL_tolstring(L, -1, NULL));
    lua_getiuservalue(L, self, 1);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "last_hook_error");
    lua_pop(L, 1);
    lua_warning(L, "prismacloud: ", 1);
    lua_warning(L, lua_tostring(L, -1), 0);
    lua_pop(L, 3);
  }
  if (c->closed) luaL_error(L, "the client was closed by a hook during a request");
}

/* [-0, +1, m] Pushes the common part of a hook argument. */
static void hook_arg(lua_State *L, const request *r, int attempt) {
  lua_createtable(L, 0, 6);
  lua_pushstring(L, r->method);
  lua_setfield(L, -2, "method");
  lua_pushstring(L, r->path);
  lua_setfield(L, -2, "path");
  lua_pushinteger(L, attempt);
  lua_setfield(L, -2, "attempt");
}

/* ---- options ---- */

/* Maps a method name to its canonical spelling; NULL when not supported. */
static const char *canonical_method(const char *m) {
  static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
  int i;
  for (i = 0; methods[i]; i++)
    if (strcasecmp(m, methods[i]) == 0) return methods[i];
  return NULL;
}

/* [-0, +0, e] Reads a number option >= min (or > min when `strict`) from field k of OPTS. */
static double num_option(lua_State *L, const char *k, double def, double min, int strict) {
  double v;
  if (lua_getfield(L, OPTS, k) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  if (lua_type(L, -1) != LUA_TNUMBER)
    luaL_error(L, "bad request option '%s' (number expected, got %s)", k, luaL_typename(L, -1));
  v = lua_tonumber(L, -1);
  if (strict ? !(v > min) : !(v >= min)) luaL_error(L, "bad request option '%s' (out of range)", k);
  lua_pop(L, 1);
  return v;
}

/* [-0, +0, e] Reads a boolean option from field k of OPTS. */
static int bool_option(lua_State *L, const char *k, int def) {
  int t = lua_getfield(L, OPTS, k), v = def;
  if (t == LUA_TBOOLEAN) v = lua_toboolean(L, -1);
  else if (t != LUA_TNIL)
    luaL_error(L, "bad request option '%s' (boolean expected, got %s)", k, luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

static const char *const REQUEST_KEYS[] = {
    "query", "body", "headers", "timeout", "retries", "backoff_base", "backoff_cap",
    "deadline", "idempotent", "auth", NULL};

/* [-0, +0, e] Raises on an unknown key in the request options. */
static void check_request_keys(lua_State *L) {
  lua_pushnil(L);
  while (lua_next(L, OPTS)) {
    int known = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      int i;
      for (i = 0; REQUEST_KEYS[i]; i++) known |= strcmp(lua_tostring(L, -1), REQUEST_KEYS[i]) == 0;
    }
    if (!known) luaL_error(L, "unknown request option '%s'", luaL_tolstring(L, -1, NULL));
  }
}

/* [-0, +0, e] Fills r from the arguments and options; builds URL and body. */
static void read_request(lua_State *L, pc_client *c, request *r) {
  size_t plen;
  int has_query;
  r->method = canonical_method(luaL_checkstring(L, METHOD));
  r->path = luaL_checklstring(L, PATH, &plen);
  if (!r->method) luaL_argerror(L, METHOD, "method must be GET, POST, PUT, PATCH or DELETE");
  if (!lua_isnoneornil(L, OPTS)) luaL_checktype(L, OPTS, LUA_TTABLE);
  lua_settop(L, OPTS);
  if (lua_istable(L, OPTS)) {
    check_request_keys(L);
    lua_getfield(L, OPTS, "query");
    lua_getfield(L, OPTS, "body");
    lua_getfield(L, OPTS, "headers");
    r->policy.retries = (int)num_option(L, "retries", c->policy.retries, 0, 0);
    r->policy.backoff_base = num_option(L, "backoff_base", c->policy.backoff_base, 0, 0);
    r->policy.backoff_cap = num_option(L, "backoff_cap", c->policy.backoff_cap, 0, 0);
    r->policy.deadline = num_option(L, "deadline", c->policy.deadline, 0, 1);
    r->timeout_ms = (long)(num_option(L, "timeout", (double)c->timeout_ms / 1000.0, 0, 1) * 1000.0);
    if (r->timeout_ms < 1) r->timeout_ms = 1;
    r->auth = bool_option(L, "auth", 1);
    r->idempotent = bool_option(L, "idempotent", strcmp(r->method, "GET") == 0);
  } else {
    lua_settop(L, HEADERS);
    r->policy = c->policy;
    r->timeout_ms = c->timeout_ms;
    r->auth = 1;
    r->idempotent = strcmp(r->method, "GET") == 0;
  }
  if (!lua_isnil(L, HEADERS) && !lua_istable(L, HEADERS))
    luaL_error(L, "bad request option 'headers' (table expected, got %s)", luaL_typename(L, HEADERS));

  pc_buf_reset(&c->url);
  if (!pc_buf_add(&c->url, c->base.data, c->base.len)) luaL_error(L, "not enough memory");
  has_query = pc_url_path(L, r->path, plen, &c->url);
  if (!lua_isnil(L, QUERY)) {
    if (!lua_istable(L, QUERY))
      luaL_error(L, "bad request option 'query' (table expected, got %s)", luaL_typename(L, QUERY));
    pc_url_query(L, QUERY, has_query, &c->url);
  }

  r->body = NULL;
  r->blen = 0;
  if (lua_type(L, BODY) == LUA_TSTRING) {
    r->body = lua_tolstring(L, BODY, &r->blen); /* stays on the stack during the request */
  } else if (!lua_isnil(L, BODY)) {
    pc_buf_reset(&c->body);
    pc_json_encode(L, BODY, &c->body);
    r->body = c->body.data;
    r->blen = c->body.len;
  }
}

/* ---- headers ---- */

/* RFC 9110 token characters, the only ones a header name may hold. */
static int is_tchar(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

enum { HAVE_ACCEPT = 1, HAVE_CONTENT_TYPE = 2, HAVE_AUTH = 4 };

/* [-0, +0, e] Adds the caller's headers, checked against injection: names
 * must be tokens, values free of CR, LF and NUL. Returns which of the
 * default headers the caller supplied. */
static int add_user_headers(lua_State *L, pc_client *c) {
  int have = 0;
  if (lua_isnil(L, HEADERS)) return 0;
  lua_pushnil(L);
  while (lua_next(L, HEADERS)) {
    size_t nlen, vlen, i;
    const char *name, *value;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad header name (string expected, got %s)", luaL_typename(L, -2));
    name = lua_tolstring(L, -2, &nlen);
    if (nlen == 0) luaL_error(L, "bad header name (empty)");
    for (i = 0; i < nlen; i++)
      if (!is_tchar((unsigned char)name[i])) luaL_error(L, "bad header name '%s'", name);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "bad header '%s' (string expected, got %s)", name, luaL_typename(L, -1));
    lua_pushvalue(L, -1); /* convert a copy, never the table's value in place */
    value = lua_tolstring(L, -1, &vlen);
    for (i = 0; i < vlen; i++)
      if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
        luaL_error(L, "bad header '%s' (CR, LF or NUL in value)", name);
    if (strcasecmp(name, "accept") == 0) have |= HAVE_ACCEPT;
    if (strcasecmp(name, "content-type") == 0) have |= HAVE_CONTENT_TYPE;
    if (strcasecmp(name, "x-redlock-auth") == 0) have |= HAVE_AUTH;
    pc_headers_add(L, c, name, nlen, value, vlen);
    lua_pop(L, 2);
  }
  return have;
}

/* [-0, +0, e] Builds the header list of one attempt (the token may have changed). */
static void build_headers(lua_State *L, pc_client *c, const request *r) {
  int have;
  pc_headers_free(&c->req_headers);
  have = add_user_headers(L, c);
  if (!(have & HAVE_ACCEPT)) pc_headers_add(L, c, "Accept", 6, "application/json", 16);
  if (!(have & HAVE_CONTENT_TYPE) &&
      (r->body || (strcmp(r->method, "GET") && strcmp(r->method, "DELETE"))))
    pc_headers_add(L, c, "Content-Type", 12, "application/json", 16);
  if (!(have & HAVE_AUTH) && r->auth && c->token.len)
    pc_headers_add(L, c, "x-redlock-auth", 14, c->token.data, c->token.len);
  pc_headers_add(L, c, "Expect", 6, "", 0); /* no 100-continue round trip */
}

/* ---- the attempt loop ---- */

/* [-0, +0, m] Records the X-RateLimit-* headers of the response on top. */
static void note_rate_limit(lua_State *L, pc_client *c) {
  static const char *const names[] = {"x-ratelimit-remaining", "x-ratelimit-replenish-rate",
                                      "x-ratelimit-burst-capacity", "x-ratelimit-requested-tokens"};
  double *fields[4];
  int i, seen = 0;
  fields[0] = &c->rl.remaining;
  fields[1] = &c->rl.replenish_rate;
  fields[2] = &c->rl.burst_capacity;
  fields[3] = &c->rl.requested_tokens;
  lua_getfield(L, -1, "headers");
  for (i = 0; i < 4; i++) {
    if (lua_getfield(L, -1, names[i]) == LUA_TSTRING && lua_stringtonumber(L, lua_tostring(L, -1))) {
      *fields[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
      seen = 1;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (seen) c->rl.updated_at = pc_now_wall();
}

/* [-0, +0, m] Retry-After of the response (or error) on top, in seconds; -1 when absent. */
static double retry_after_of(lua_State *L, int is_response) {
  double v = -1;
  if (is_response) {
    lua_getfield(L, -1, "headers");
    if (lua_getfield(L, -1, "retry-after") == LUA_TSTRING)
      v = pc_retry_after(lua_tostring(L, -1), pc_now_wall());
    lua_pop(L, 2);
  } else {
    if (lua_getfield(L, -1, "retry_after") == LUA_TNUMBER) v = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return v;
}

/* [-1, +0, e] Decides whether the outcome on top (a response when
 * is_response, else an error) is retried: if so computes the wait, calls
 * on_retry, pops the outcome, sleeps and returns 1. Otherwise leaves it. */
static int maybe_retry(lua_State *L, pc_client *c, const request *r, int attempt, double t0,
                       int is_response, long status) {
  double wait, after;
  if (attempt > r->policy.retries) return 0;
  if (is_response) {
    if (!pc_retry_status(status, r->idempotent)) return 0;
  } else {
    int retryable;
    lua_getfield(L, -1, "retryable");
    retryable = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!retryable) return 0;
  }
  after = retry_after_of(L, is_response);
  wait = after >= 0 ? after : pc_retry_backoff(&r->policy, attempt, &c->rng);
  if (r->policy.deadline > 0 && pc_now_monotonic() - t0 + wait >= r->policy.deadline) return 0;
  if (pc_hook_wanted(L, SELF, "on_retry")) {
    hook_arg(L, r, attempt);
    lua_pushnumber(L, wait);
    lua_setfield(L, -2, "wait");
    if (is_response) {
      lua_pushinteger(L, status);
      lua_setfield(L, -2, "status");
      lua_pushfstring(L, "HTTP %d", (int)status);
    } else {
      lua_getfield(L, -2, "kind");
    }
    lua_setfield(L, -2, "reason");
    pc_hook_call(L, c, SELF, "on_retry");
  }
  lua_pop(L, 1);
  c->stats.retries++;
  pc_sleep(wait);
  return 1;
}

/* [-0, +0, e] Sets field "attempts" of the table on top. */
static void set_attempts(lua_State *L, int attempt) {
  lua_pushinteger(L, attempt);
  lua_setfield(L, -2, "attempts");
}

int pc_request(lua_State *L) {
  pc_client *c = pc_client_check(L, SELF);
  request r;
  int attempt = 0, refreshed = 0;
  double t0 = pc_now_monotonic();
  read_request(L, c, &r);

  for (;;) {
    long status = 0, timeout_ms = r.timeout_ms;
    CURLcode rc;
    attempt++;
    lua_settop(L, FIRST_FREE - 1);
    if (r.policy.deadline > 0) {
      double left = r.policy.deadline - (pc_now_monotonic() - t0);
      if (left <= 0) {
        pc_error_push(L, "timeout", "the request's deadline passed");
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "retryable");
        pc_error_setstr(L, "method", r.method);
        pc_error_setstr(L, "path", r.path);
        goto failed;
      }
      if (left * 1000.0 < (double)timeout_ms) timeout_ms = (long)(left * 1000.0) + 1;
    }
    curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (r.auth && !pc_auth_ensure(L, c, SELF)) goto failed;
    build_headers(L, c, &r);
    if (pc_hook_wanted(L, SELF, "on_request")) {
      hook_arg(L, &r, attempt);
      pc_hook_call(L, c, SELF, "on_request");
    }
    rc = pc_transfer(c, c->url.data, r.method, r.body, r.blen);
    pc_headers_free(&c->req_headers);
    if (rc != CURLE_OK) {
      pc_transfer_error(L, c, rc, r.method, r.path);
      goto failed;
    }
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    if (!pc_response_push(L, c, status, r.method, r.path)) goto failed;
    note_rate_limit(L, c);
    if (status == 429) c->stats.rate_limited++;

    if (status == 401 && r.auth && !refreshed && pc_auth_can_login(c)) {
      /* the server refused the token: one refresh, one replay (not a retry) */
      refreshed = 1;
      c->stats.refreshes++;
      lua_pop(L, 1);
      if (!pc_auth_refresh(L, c, SELF)) goto failed;
      attempt--;
      continue;
    }
    if (maybe_retry(L, c, &r, attempt, t0, 1, status)) continue;
    set_attempts(L, attempt);
    if (pc_hook_wanted(L, SELF, "on_response")) {
      hook_arg(L, &r, attempt);
      lua_pushinteger(L, status);
      lua_setfield(L, -2, "status");
      lua_pushnumber(L, pc_now_monotonic() - t0);
      lua_setfield(L, -2, "elapsed");
      pc_hook_call(L, c, SELF, "on_response");
    }
    return 1;

  failed: /* the error is on top */
    set_attempts(L, attempt);
    if (maybe_retry(L, c, &r, attempt, t0, 0, 0)) continue;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
}
