/*
 * pc_request.c: the life of one request (see pc_request.h) and
 * client:request, the chokepoint every sequential call goes through.
 */
#include "pc_request.h"

#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_auth.h"
#include "pc_clock.h"
#include "pc_error.h"
#include "pc_hook.h"
#include "pc_interrupt.h"
#include "pc_json.h"
#include "pc_url.h"

#define MAX_SECONDS (86400.0 * 365)

/* ---- options ---- */

/* Maps a method name to its canonical spelling; NULL when not supported. */
static const char *canonical_method(const char *m) {
  static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
  int i;
  for (i = 0; methods[i]; i++)
    if (strcasecmp(m, methods[i]) == 0) return methods[i];
  return NULL;
}

/* [-0, +0, v] Reads a number of seconds option from field k of opts: in
 * [min, a year], or (min, a year] when `strict`; def when absent. */
static double seconds_option(lua_State *L, int opts, const char *k, double def, double min,
                             int strict) {
  double v;
  if (lua_getfield(L, opts, k) == LUA_TNIL) {
    lua_pop(L, 1);
    return def;
  }
  if (lua_type(L, -1) != LUA_TNUMBER)
    luaL_error(L, "bad request option '%s' (number expected, got %s)", k, luaL_typename(L, -1));
  v = lua_tonumber(L, -1);
  if ((strict ? !(v > min) : !(v >= min)) || !(v <= MAX_SECONDS))
    luaL_error(L, "bad request option '%s' (out of range: %s0 to a year of seconds)", k,
               strict ? "more than " : "");
  lua_pop(L, 1);
  return v;
}

/* [-0, +0, v] Reads a boolean option from field k of opts. */
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
    "deadline", "max_retry_after", "idempotent", "auth", "output", NULL};

/* [-0, +1, m] Pushes the request option names (REQUEST_KEYS) as an array of
 * strings: core.request_options, so that the Lua layer checks option keys
 * against this one list. */
void pc_req_push_options(lua_State *L) {
  int i;
  lua_newtable(L);
  for (i = 0; REQUEST_KEYS[i]; i++) {
    lua_pushstring(L, REQUEST_KEYS[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* [-0, +0, v] Raises on an unknown key in the options at opts. */
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
    if (!known) {
      lua_pushvalue(L, -1);
      luaL_error(L, "unknown request option '%s'", luaL_tolstring(L, -1, NULL));
    }
  }
}

/* [-0, +0, v] Reads the per-request policy and flags of the options at opts. */
static void read_policy(lua_State *L, pc_req *r, int opts) {
  const pc_retry_policy *d = &r->policy;
  if (lua_getfield(L, opts, "retries") != LUA_TNIL) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 100)
      luaL_error(L, "bad request option 'retries' (integer from 0 to 100 expected)");
    r->policy.retries = (int)lua_tointeger(L, -1);
  }
  lua_pop(L, 1);
  r->policy.backoff_base = seconds_option(L, opts, "backoff_base", d->backoff_base, 0, 0);
  r->policy.backoff_cap = seconds_option(L, opts, "backoff_cap", d->backoff_cap, 0, 0);
  r->policy.deadline = seconds_option(L, opts, "deadline", d->deadline, 0, 1);
  r->policy.max_retry_after = seconds_option(L, opts, "max_retry_after", d->max_retry_after, 0, 0);
  r->timeout_ms =
      (long)(seconds_option(L, opts, "timeout", (double)r->timeout_ms / 1000.0, 0, 1) * 1000.0);
  if (r->timeout_ms < 1) r->timeout_ms = 1;
  r->auth = bool_option(L, opts, "auth", 1);
  r->idempotent = bool_option(L, opts, "idempotent", r->idempotent);
}

void pc_req_read(lua_State *L, pc_client *c, pc_req *r, int method_idx, int path_idx, int opts,
                 int target, pc_buf *url, pc_buf *body) {
  int has_query;
  memset(r, 0, sizeof *r);
  if (lua_type(L, method_idx) != LUA_TSTRING)
    luaL_error(L, "bad request method (string expected, got %s)", luaL_typename(L, method_idx));
  r->ex.method = canonical_method(lua_tostring(L, method_idx));
  if (!r->ex.method)
    luaL_error(L, "bad request method: method must be GET, POST, PUT, PATCH or DELETE");
  if (lua_type(L, path_idx) != LUA_TSTRING)
    luaL_error(L, "bad argument 'path' (string expected, got %s)", luaL_typename(L, path_idx));
  r->ex.path = lua_tolstring(L, path_idx, &r->ex.path_len);
  r->policy = c->policy;
  r->timeout_ms = c->timeout_ms;
  r->auth = 1;
  r->idempotent = strcmp(r->ex.method, "GET") == 0;
  if (opts) {
    check_request_keys(L, opts, target);
    read_policy(L, r, opts);
  }
  /* the URL: base, path, query */
  pc_buf_reset(url);
  if (!pc_buf_add(url, c->base.data, c->base.len)) luaL_error(L, "not enough memory");
  has_query = pc_url_path(L, r->ex.path, r->ex.path_len, url);
  if (opts) {
    /* each option is read once and checked as read: an __index function
     * may answer differently each time it is asked */
    int t = lua_getfield(L, opts, "query");
    if (t == LUA_TTABLE) pc_url_query(L, -1, has_query, url);
    else if (t != LUA_TNIL)
      luaL_error(L, "bad request option 'query' (table expected, got %s)", luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  r->ex.rq.url = url->data;
  /* anchor 1: the body */
  if (opts) lua_getfield(L, opts, "body");
  else lua_pushnil(L);
  if (lua_type(L, -1) == LUA_TSTRING) {
    r->ex.rq.body = lua_tolstring(L, -1, &r->ex.rq.blen);
  } else if (!lua_isnil(L, -1)) {
    pc_buf_reset(body);
    pc_json_encode(L, -1, body);
    r->ex.rq.body = body->data;
    r->ex.rq.blen = body->len;
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  /* anchor 2: the caller's header lines */
  if (opts) lua_getfield(L, opts, "headers");
  else lua_pushnil(L);
  r->ex.have = pc_exchange_read_headers(L, -1);
  lua_remove(L, -2);
  if (lua_type(L, -1) == LUA_TSTRING) r->ex.headers = lua_tolstring(L, -1, &r->ex.hlen);
  /* anchor 3: the output file */
  if (opts) lua_getfield(L, opts, "output");
  else lua_pushnil(L);
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0)
      luaL_error(L, "bad request option 'output' (file name expected, got %s)", luaL_typename(L, -1));
    if (strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1))
      luaL_error(L, "bad request option 'output' (file name holds a NUL byte)");
    r->ex.rq.output = lua_tostring(L, -1);
  }
  r->ex.rq.method = r->ex.method;
  r->ex.rq.resendable = r->idempotent;
}

/* ---- one attempt ---- */

/* [-0, +1, m] Pushes the common part of a hook argument. */
static void hook_arg(lua_State *L, const pc_req *r) {
  lua_createtable(L, 0, 6);
  lua_pushstring(L, r->ex.method);
  lua_setfield(L, -2, "method");
  lua_pushlstring(L, r->ex.path, r->ex.path_len);
  lua_setfield(L, -2, "path");
  lua_pushinteger(L, r->attempt);
  lua_setfield(L, -2, "attempt");
}

/* [-0, +1, m] Pushes an error of `kind` with the request's method and path. */
static void request_error(lua_State *L, const pc_req *r, const char *kind, const char *message,
                          int retryable) {
  pc_error_push(L, kind, message);
  lua_pushboolean(L, retryable);
  lua_setfield(L, -2, "retryable");
  pc_error_setstr(L, "method", r->ex.method);
  lua_pushlstring(L, r->ex.path, r->ex.path_len);
  lua_setfield(L, -2, "path");
}

void pc_req_push_interrupted(lua_State *L, const pc_req *r) {
  request_error(L, r, "interrupted", "a signal interrupted the wait before the next attempt", 0);
  lua_pushinteger(L, r->attempt);
  lua_setfield(L, -2, "attempts");
}

int pc_req_begin(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, int self) {
  long timeout_ms = r->timeout_ms;
  if (r->policy.deadline > 0) {
    double left = r->policy.deadline - (pc_now_monotonic() - r->t0);
    if (left <= 0) {
      request_error(L, r, "timeout", "the request's deadline passed", 1);
      return 0;
    }
    if (left * 1000.0 < (double)timeout_ms) timeout_ms = (long)(left * 1000.0) + 1;
  }
  if (r->auth && !pc_auth_ensure(L, c, self)) return 0;
  if (pc_hook_wanted(L, self, "on_request")) {
    hook_arg(L, r);
    pc_hook_call(L, c, self, "on_request");
  }
  r->ex.send_token = r->auth;
  r->ex.rq.timeout_ms = timeout_ms;
  r->token_gen = c->token_gen;
  pc_exchange_begin(L, c, x, &r->ex);
  return 1;
}

long pc_req_end(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, CURLcode rc, int self) {
  r->rc = rc;
  return pc_exchange_end(L, c, x, &r->ex, rc, self);
}

/* [-0, +0, -] Retry-After of the response on top, in seconds; -1 when absent. */
static double retry_after_of(lua_State *L) {
  double v = -1;
  int top = lua_gettop(L);
  if (lua_getfield(L, -1, "headers") == LUA_TTABLE &&
      lua_getfield(L, -1, "retry-after") == LUA_TSTRING)
    v = pc_retry_after(lua_tostring(L, -1), pc_now_wall());
  lua_settop(L, top);
  return v;
}

/* [-0, +0, -] The `retryable` field of the error on top. */
static int error_retryable(lua_State *L) {
  int yes = lua_getfield(L, -1, "retryable") == LUA_TBOOLEAN && lua_toboolean(L, -1);
  lua_pop(L, 1);
  return yes;
}

/* [-0, +0, m] Sets field "attempts" of the table on top. */
static void set_attempts(lua_State *L, int attempt) {
  lua_pushinteger(L, attempt);
  lua_setfield(L, -2, "attempts");
}

int pc_req_settle(lua_State *L, pc_client *c, pc_req *r, int self, long status, double *wait) {
  double after = -1;
  int allowed;
  if (status == 401 && r->auth && !r->refreshed && pc_auth_can_login(c)) {
    /* The server refused the token: one refresh, one replay (not a retry).
     * Single flight: when another request already brought a new token
     * since this one was sent, just replay with it. */
    r->refreshed = 1;
    lua_pop(L, 1);
    if (r->token_gen == c->token_gen) {
      c->stats.refreshes++;
      if (!pc_auth_refresh(L, c, self)) {
        r->rc = CURLE_OK;
        return pc_req_settle(L, c, r, self, 0, wait);
      }
    }
    r->attempt--;
    return PC_REPLAY;
  }
  set_attempts(L, r->attempt);
  if (status == 429 || status >= 500) after = retry_after_of(L); /* where a wait may follow */
  if (status > 0 || r->rc != CURLE_OK)
    allowed = pc_retry_allowed(status, r->rc, r->idempotent, after, r->timeouts);
  else /* no transfer of the request itself: a login that failed, a deadline that passed */
    allowed = error_retryable(L);
  /* a failure that is transient by its code but that the exchange marked
   * final (a body already partly written in place, to a device or FIFO) */
  if (status == 0 && r->rc != CURLE_OK && pc_retry_transient(0, r->rc) && !error_retryable(L)) allowed = 0;
  if (status == 0 && r->rc == CURLE_OPERATION_TIMEDOUT) r->timeouts++;
  if (allowed && r->attempt <= r->policy.retries && after <= r->policy.max_retry_after) {
    *wait = after >= 0 ? after : pc_retry_backoff(&r->policy, r->attempt, &c->rng);
    if (!(r->policy.deadline > 0 && pc_now_monotonic() - r->t0 + *wait >= r->policy.deadline)) {
      if (pc_hook_wanted(L, self, "on_retry")) {
        hook_arg(L, r);
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
    hook_arg(L, r);
    lua_pushinteger(L, status);
    lua_setfield(L, -2, "status");
    lua_pushnumber(L, pc_now_monotonic() - r->t0);
    lua_setfield(L, -2, "elapsed");
    pc_hook_call(L, c, self, "on_response");
  }
  return PC_DONE;
}

/* ---- client:request ---- */

/* [-0, +0, m] Keeps what client:last_response() shows of the outcome on top
 * (a response when status > 0; nothing after an error): the figures in the
 * client, its headers table and the path string (argument 3) in the user
 * value, never the body. The table is made only when asked for. */
static void keep_last_response(lua_State *L, pc_client *c, const pc_req *r, long status) {
  c->last_status = status;
  c->last_attempts = r->attempt;
  c->last_method = r->ex.method;
  if (status <= 0) return;
  lua_getiuservalue(L, 1, 1);
  lua_getfield(L, -2, "headers");
  lua_setfield(L, -2, "last_headers");
  lua_pushvalue(L, 3);
  lua_setfield(L, -2, "last_path");
  lua_pop(L, 1);
}

/* [-4, +(1|2), e] The body of client:request, run with the client busy
 * (arguments: client, method, path, options or nil). */
static int request_now(lua_State *L) {
  pc_client *c = (pc_client *)lua_touserdata(L, 1);
  pc_xfer *x = &c->main;
  pc_req r;
  int opts = lua_istable(L, 4) ? 4 : 0, base;
  pc_req_read(L, c, &r, 2, 3, opts, 0, &x->url, &x->body); /* 5..7: anchors */
  r.t0 = pc_now_monotonic();
  base = lua_gettop(L);
  for (;;) {
    long status = 0;
    double wait = 0;
    lua_settop(L, base);
    r.attempt++;
    if (!pc_sleep(pc_hook_pace(L, c, 1, r.ex.method, r.ex.path, r.ex.path_len))) {
      pc_req_push_interrupted(L, &r);
      break;
    }
    if (pc_req_begin(L, c, x, &r, 1)) {
      CURLcode rc = curl_easy_perform(x->easy);
      status = pc_req_end(L, c, x, &r, rc, 1);
    } else {
      r.rc = CURLE_OK;
    }
    switch (pc_req_settle(L, c, &r, 1, status, &wait)) {
      case PC_REPLAY:
        continue;
      case PC_RETRY:
        if (pc_sleep(wait)) continue;
        pc_req_push_interrupted(L, &r);
        break;
      default:
        keep_last_response(L, c, &r, status);
        if (status > 0) return 1;
        break;
    }
    break;
  }
  keep_last_response(L, c, &r, 0);
  if (r.rc == CURLE_ABORTED_BY_CALLBACK || pc_interrupt_pending()) pc_interrupt_clear(); /* reported */
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/* client:request(method, path [, opts]): [-0, +(1|2), v] performs one
 * request with the whole policy. Returns the response table for any HTTP
 * status, or nil and an error when no usable response came. Raises only
 * for misuse (bad arguments, a closed client, use from its own hooks). */
int pc_request(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TSTRING);
  lua_settop(L, 4);
  return pc_client_exclusive(L, c, request_now);
}
