/*
 * pc_request.c: the life of one request (see pc_request.h) and
 * client:request, the chokepoint every sequential call goes through:
 * builds the request, makes sure a token is held, sends, refreshes the
 * token once after a 401, retries what is worth retrying with backoff, and
 * calls the hooks.
 */
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_client.h"
#include "pc_error.h"
#include "pc_json.h"
#include "pc_request.h"
#include "pc_retry.h"
#include "pc_url.h"

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
static void hook_arg(lua_State *L, const pc_req *r, int attempt) {
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

/* [-0, +0, e] Reads a number option >= min (or > min when `strict`) from field k of opts. */
static double num_option(lua_State *L, int opts, const char *k, double def, double min,
                         int strict) {
  double v;
  if (lua_getfield(L, opts, k) == LUA_TNIL) {
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

/* [-0, +0, e] Reads a boolean option from field k of opts. */
static int bool_option(lua_State *L, int opts, const char *k, int def) {
  int t = lua_getfield(L, opts, k), v = def;
  if (t == LUA_TBOOLEAN) v = lua_toboolean(L, -1);
  else if (t != LUA_TNIL)
    luaL_error(L, "bad request option '%s' (boolean expected, got %s)", k, luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

static const char *const REQUEST_KEYS[] = {
    "query", "body", "headers", "timeout", "retries", "backoff_base", "backoff_cap",
    "deadline", "idempotent", "auth", "output", NULL};

/* [-0, +0, e] Raises on an unknown key in the options at opts. */
static void check_request_keys(lua_State *L, int opts, int target) {
  lua_pushnil(L);
  while (lua_next(L, opts)) {
    int known = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      int i;
      for (i = 0; REQUEST_KEYS[i]; i++) known |= strcmp(k, REQUEST_KEYS[i]) == 0;
      known |= target && (strcmp(k, "method") == 0 || strcmp(k, "path") == 0);
    }
    if (!known) luaL_error(L, "unknown request option '%s'", luaL_tolstring(L, -1, NULL));
  }
}

/* [-0, +0, e] Raises unless field k of opts is nil or has type t. */
static void check_field_type(lua_State *L, int opts, const char *k, int t) {
  int have = lua_getfield(L, opts, k);
  if (have != LUA_TNIL && have != t)
    luaL_error(L, "bad request option '%s' (%s expected, got %s)", k, lua_typename(L, t),
               luaL_typename(L, -1));
  lua_pop(L, 1);
}

void pc_req_read(lua_State *L, pc_client *c, pc_req *r, int method_idx, int path_idx, int opts,
                 int target) {
  memset(r, 0, sizeof *r);
  if (lua_type(L, method_idx) != LUA_TSTRING)
    luaL_error(L, "bad request method (string expected, got %s)", luaL_typename(L, method_idx));
  r->method = canonical_method(lua_tostring(L, method_idx));
  if (!r->method) luaL_error(L, "bad request method: method must be GET, POST, PUT, PATCH or DELETE");
  if (lua_type(L, path_idx) != LUA_TSTRING)
    luaL_error(L, "bad argument 'path' (string expected, got %s)", luaL_typename(L, path_idx));
  r->path = lua_tolstring(L, path_idx, &r->path_len);
  r->policy = c->policy;
  r->timeout_ms = c->timeout_ms;
  r->auth = 1;
  r->idempotent = strcmp(r->method, "GET") == 0;
  if (!opts) return;
  check_request_keys(L, opts, target);
  check_field_type(L, opts, "query", LUA_TTABLE);
  check_field_type(L, opts, "headers", LUA_TTABLE);
  r->policy.retries = (int)num_option(L, opts, "retries", c->policy.retries, 0, 0);
  r->policy.backoff_base = num_option(L, opts, "backoff_base", c->policy.backoff_base, 0, 0);
  r->policy.backoff_cap = num_option(L, opts, "backoff_cap", c->policy.backoff_cap, 0, 0);
  r->policy.deadline = num_option(L, opts, "deadline", c->policy.deadline, 0, 1);
  r->timeout_ms = (long)(num_option(L, opts, "timeout", (double)c->timeout_ms / 1000.0, 0, 1) * 1000.0);
  if (r->timeout_ms < 1) r->timeout_ms = 1;
  r->auth = bool_option(L, opts, "auth", 1);
  r->idempotent = bool_option(L, opts, "idempotent", r->idempotent);
  if (lua_getfield(L, opts, "output") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
      luaL_error(L, "bad request option 'output' (file name expected, got %s)", luaL_typename(L, -1));
    r->output = lua_tostring(L, -1); /* alive in the caller's options for the whole request */
  }
  lua_pop(L, 1);
}

void pc_req_build(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, int opts, int body) {
  int has_query = 0;
  pc_buf_reset(&x->url);
  if (!pc_buf_add(&x->url, c->base.data, c->base.len)) luaL_error(L, "not enough memory");
  has_query = pc_url_path(L, r->path, r->path_len, &x->url);
  r->body = NULL;
  r->blen = 0;
  if (!opts) return;
  if (lua_getfield(L, opts, "query") == LUA_TTABLE) pc_url_query(L, -1, has_query, &x->url);
  lua_pop(L, 1);
  if (body) lua_pushvalue(L, body);
  else lua_getfield(L, opts, "body");
  if (lua_type(L, -1) == LUA_TSTRING) {
    /* the string stays alive in the caller's table for the whole request */
    r->body = lua_tolstring(L, -1, &r->blen);
  } else if (!lua_isnil(L, -1)) {
    pc_buf_reset(&x->body);
    pc_json_encode(L, -1, &x->body);
    r->body = x->body.data;
    r->blen = x->body.len;
  }
  lua_pop(L, 1);
}

/* ---- headers ---- */

/* RFC 9110 token characters, the only ones a header name may hold. */
static int is_tchar(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

enum { HAVE_ACCEPT = 1, HAVE_CONTENT_TYPE = 2, HAVE_AUTH = 4 };

/* [-0, +0, e] Adds the caller's headers (table at idx), checked against
 * injection: names must be tokens, values free of CR, LF and NUL. Returns
 * which of the default headers the caller supplied. */
static int add_user_headers(lua_State *L, pc_xfer *x, int idx) {
  int have = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
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
    pc_headers_add(L, x, name, nlen, value, vlen);
    lua_pop(L, 2);
  }
  return have;
}

/* [-0, +0, e] Builds the header list of one attempt (the token may have changed). */
static void build_headers(lua_State *L, pc_client *c, pc_xfer *x, const pc_req *r, int opts) {
  int have = 0;
  pc_headers_free(&x->req_headers);
  if (opts) {
    if (lua_getfield(L, opts, "headers") == LUA_TTABLE) have = add_user_headers(L, x, lua_gettop(L));
    lua_pop(L, 1);
  }
  if (!(have & HAVE_ACCEPT)) pc_headers_add(L, x, "Accept", 6, "application/json", 16);
  if (!(have & HAVE_CONTENT_TYPE) &&
      (r->body || (strcmp(r->method, "GET") && strcmp(r->method, "DELETE"))))
    pc_headers_add(L, x, "Content-Type", 12, "application/json", 16);
  if (!(have & HAVE_AUTH) && r->auth && c->token.len)
    pc_headers_add(L, x, "x-redlock-auth", 14, c->token.data, c->token.len);
  pc_headers_add(L, x, "Expect", 6, "", 0); /* no 100-continue round trip */
}

/* ---- one attempt ---- */

int pc_req_begin(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, int self, int opts) {
  long timeout_ms = r->timeout_ms;
  if (r->policy.deadline > 0) {
    double left = r->policy.deadline - (pc_now_monotonic() - r->t0);
    if (left <= 0) {
      pc_error_push(L, "timeout", "the request's deadline passed");
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "retryable");
      pc_error_setstr(L, "method", r->method);
      pc_error_setstr(L, "path", r->path);
      return 0;
    }
    if (left * 1000.0 < (double)timeout_ms) timeout_ms = (long)(left * 1000.0) + 1;
  }
  if (r->auth && !pc_auth_ensure(L, c, self)) return 0;
  build_headers(L, c, x, r, opts);
  if (pc_hook_wanted(L, self, "on_request")) {
    hook_arg(L, r, r->attempt);
    pc_hook_call(L, c, self, "on_request");
  }
  curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  r->token_gen = c->token_gen;
  pc_transfer_prepare(x, x->url.data, r->method, r->body, r->blen);
  x->output = r->output;
  return 1;
}

double pc_req_pace(lua_State *L, pc_client *c, const pc_req *r, int self) {
  double wait = 0;
  if (!pc_hook_wanted(L, self, "rate_limit")) return 0;
  lua_getiuservalue(L, self, 1);
  lua_getfield(L, -1, "hooks");
  lua_getfield(L, -1, "rate_limit");
  lua_pushstring(L, r->method);
  lua_pushlstring(L, r->path, r->path_len);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    c->stats.hook_errors++;
    lua_warning(L, "prismacloud: rate_limit function failed: ", 1);
    lua_warning(L, luaL_tolstring(L, -1, NULL), 0);
    lua_pop(L, 1);
  } else if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) > 0) {
    wait = lua_tonumber(L, -1);
  }
  lua_pop(L, 3);
  if (c->closed) luaL_error(L, "the client was closed by a hook during a request");
  return wait;
}

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

long pc_req_outcome(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, CURLcode rc) {
  long status = 0;
  if (rc != CURLE_OK) {
    if (x->sink_errno) pc_sink_push_error(L, x, r->method, r->path);
    else pc_transfer_error(L, x, rc, r->method, r->path);
    pc_sink_reset(x);
    return 0;
  }
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (x->output && PC_SINK_STATUS(status) && !pc_sink_commit(x)) {
    pc_sink_push_error(L, x, r->method, r->path);
    return 0;
  }
  if (!pc_response_push(L, x, status, r->method, r->path)) return 0;
  note_rate_limit(L, c);
  if (status == 429) c->stats.rate_limited++;
  return status;
}

/* [-0, +0, m] Retry-After of the outcome on top, in seconds; -1 when absent. */
static double retry_after_of(lua_State *L, long status) {
  double v = -1;
  if (status > 0) {
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

/* Whether the outcome on top (response when status > 0, else error) may be retried. */
static int retryable(lua_State *L, const pc_req *r, long status) {
  int yes;
  if (status > 0) return pc_retry_status(status, r->idempotent);
  lua_getfield(L, -1, "retryable");
  yes = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return yes;
}

/* [-0, +0, e] Sets field "attempts" of the table on top. */
static void set_attempts(lua_State *L, int attempt) {
  lua_pushinteger(L, attempt);
  lua_setfield(L, -2, "attempts");
}

int pc_req_settle(lua_State *L, pc_client *c, pc_req *r, int self, long status, double *wait) {
  if (status == 401 && r->auth && !r->refreshed && pc_auth_can_login(c)) {
    /* The server refused the token: one refresh, one replay (not a retry).
     * Single flight: when another request already brought a new token
     * since this one was sent, just replay with it. */
    r->refreshed = 1;
    lua_pop(L, 1);
    if (r->token_gen == c->token_gen) {
      c->stats.refreshes++;
      if (!pc_auth_refresh(L, c, self)) return pc_req_settle(L, c, r, self, 0, wait);
    }
    r->attempt--;
    return PC_REPLAY;
  }
  set_attempts(L, r->attempt);
  if (r->attempt <= r->policy.retries && retryable(L, r, status)) {
    double after = retry_after_of(L, status);
    *wait = after >= 0 ? after : pc_retry_backoff(&r->policy, r->attempt, &c->rng);
    if (!(r->policy.deadline > 0 && pc_now_monotonic() - r->t0 + *wait >= r->policy.deadline)) {
      if (pc_hook_wanted(L, self, "on_retry")) {
        hook_arg(L, r, r->attempt);
        lua_pushnumber(L, *wait);
        lua_setfield(L, -2, "wait");
        if (status > 0) {
          lua_pushinteger(L, status);
          lua_setfield(L, -2, "status");
          lua_pushfstring(L, "HTTP %d", (int)status);
        } else {
          lua_getfield(L, -2, "kind");
        }
        lua_setfield(L, -2, "reason");
        pc_hook_call(L, c, self, "on_retry");
      }
      lua_pop(L, 1);
      c->stats.retries++;
      return PC_RETRY;
    }
  }
  if (status > 0 && pc_hook_wanted(L, self, "on_response")) {
    hook_arg(L, r, r->attempt);
    lua_pushinteger(L, status);
    lua_setfield(L, -2, "status");
    lua_pushnumber(L, pc_now_monotonic() - r->t0);
    lua_setfield(L, -2, "elapsed");
    pc_hook_call(L, c, self, "on_response");
  }
  return PC_DONE;
}

/* ---- client:request ---- */

/* client:request(method, path [, opts]): [-0, +(1|2), e] performs one
 * request with the whole policy. Returns the response table for any HTTP
 * status, or nil and an error when no usable response came. Raises only
 * for misuse (bad arguments, a closed client). */
int pc_request(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  pc_xfer *x = &c->main;
  pc_req r;
  int opts = lua_isnoneornil(L, 4) ? 0 : 4, base;
  if (opts) luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  luaL_checktype(L, 2, LUA_TSTRING);
  pc_req_read(L, c, &r, 2, 3, opts, 0);
  pc_req_build(L, c, x, &r, opts, 0);
  r.t0 = pc_now_monotonic();
  base = lua_gettop(L);
  for (;;) {
    long status = 0;
    double wait = 0;
    lua_settop(L, base);
    r.attempt++;
    pc_sleep(pc_req_pace(L, c, &r, 1));
    if (pc_req_begin(L, c, x, &r, 1, opts)) {
      CURLcode rc = curl_easy_perform(x->easy);
      pc_transfer_finish(c, x);
      pc_trace_flush(L, c, x, 1);
      status = pc_req_outcome(L, c, x, &r, rc);
    }
    switch (pc_req_settle(L, c, &r, 1, status, &wait)) {
      case PC_REPLAY:
        continue;
      case PC_RETRY:
        pc_sleep(wait);
        continue;
      default:
        if (status > 0) return 1;
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
  }
}
