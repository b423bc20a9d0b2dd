/* pc_auth.c: the JWT lifecycle; see pc_auth.h. */
#include "pc_auth.h"

#include <string.h>

#include <lauxlib.h>

#include "pc_clock.h"
#include "pc_error.h"
#include "pc_exchange.h"
#include "pc_hook.h"
#include "pc_json.h"

#define RENEW_AT 0.8 /* share of the lifetime after which we renew */

int pc_auth_can_login(const pc_client *c) { return c->access_key.len > 0 && c->secret_key.len > 0; }

/* Seconds since the token arrived. */
static double token_age(const pc_client *c) { return pc_now_monotonic() - c->token_t0; }

/* [-0, +0, m] Stores what a login (or an extend) says about the session
 * into the user value's `session` table: customer_names, customers
 * ({name, prisma_id} each) and roles. The response body is on top; a body
 * without customerNames leaves the session as it was. */
static void keep_session(lua_State *L, int self) {
  int body = lua_gettop(L), names, customers;
  lua_Integer i, n;
  if (lua_getfield(L, body, "customerNames") != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  n = (lua_Integer)lua_rawlen(L, -1);
  lua_getiuservalue(L, self, 1);
  lua_createtable(L, 0, 4);
  lua_createtable(L, n < 1000 ? (int)n : 1000, 0);
  names = lua_gettop(L);
  lua_createtable(L, n < 1000 ? (int)n : 1000, 0);
  customers = lua_gettop(L);
  for (i = 1; i <= n; i++) {
    if (lua_rawgeti(L, body + 1, i) == LUA_TTABLE) {
      lua_createtable(L, 0, 2);
      if (lua_getfield(L, -2, "customerName") == LUA_TSTRING) {
        lua_pushvalue(L, -1);
        lua_rawseti(L, names, (lua_Integer)lua_rawlen(L, names) + 1);
      }
      lua_setfield(L, -2, "name");
      lua_getfield(L, -2, "prismaId");
      lua_setfield(L, -2, "prisma_id");
      lua_rawseti(L, customers, (lua_Integer)lua_rawlen(L, customers) + 1);
    }
    lua_pop(L, 1);
  }
  lua_setfield(L, -3, "customers");
  lua_setfield(L, -2, "customer_names");
  lua_getfield(L, body, "roles");
  lua_setfield(L, -2, "roles");
  lua_setfield(L, -2, "session");
  lua_pop(L, 2);
}

/* [-0, +0, m] Calls on_token with {event =, expires_in =}. */
static void token_hook(lua_State *L, pc_client *c, int self, const char *event) {
  if (!pc_hook_wanted(L, self, "on_token")) return;
  lua_createtable(L, 0, 2);
  lua_pushstring(L, event);
  lua_setfield(L, -2, "event");
  lua_pushnumber(L, c->token_life);
  lua_setfield(L, -2, "expires_in");
  pc_hook_call(L, c, self, "on_token");
}

/* Builds the login body {"username","password","customerName"?,"prismaId"?}
 * into c->auth_body. Returns 0 when a field is not valid UTF-8 or memory runs out. */
static int login_body(pc_client *c) {
  pc_buf *b = &c->auth_body;
  pc_buf_reset(b);
  if (!(pc_buf_adds(b, "{\"username\":") &&
        pc_json_add_string(b, c->access_key.data, c->access_key.len) &&
        pc_buf_adds(b, ",\"password\":") &&
        pc_json_add_string(b, c->secret_key.data, c->secret_key.len)))
    return 0;
  if (c->customer_name.len && !(pc_buf_adds(b, ",\"customerName\":") &&
                                pc_json_add_string(b, c->customer_name.data, c->customer_name.len)))
    return 0;
  if (c->prisma_id.len && !(pc_buf_adds(b, ",\"prismaId\":") &&
                            pc_json_add_string(b, c->prisma_id.data, c->prisma_id.len)))
    return 0;
  return pc_buf_addc(b, '}');
}

/* [-0, +1, m] Pushes an auth error about `path` with `message`. */
static void auth_error(lua_State *L, const char *message, long status, const char *method,
                       const char *path) {
  pc_error_push(L, "auth", message);
  if (status > 0) pc_error_setint(L, "status", status);
  pc_error_setstr(L, "method", method);
  pc_error_setstr(L, "path", path);
}

/* [-0, +(0|1), e] One login (POST /login) or extend (GET /auth_token/extend)
 * exchange on the main slot. On success adopts the new token and returns
 * 1; else pushes the error and returns 0. */
static int auth_exchange(lua_State *L, pc_client *c, int self, int login) {
  pc_exchange e;
  CURLcode rc;
  long status;
  size_t tlen;
  const char *tok;
  int base = lua_gettop(L);

  memset(&e, 0, sizeof e);
  e.method = login ? "POST" : "GET";
  e.path = login ? "/login" : "/auth_token/extend";
  e.path_len = strlen(e.path);
  pc_buf_reset(&c->auth_url);
  if (!(pc_buf_add(&c->auth_url, c->base.data, c->base.len) && pc_buf_adds(&c->auth_url, e.path)))
    return luaL_error(L, "not enough memory");
  e.rq.url = c->auth_url.data;
  e.rq.method = e.method;
  e.rq.resendable = 1; /* a login or extend sent twice does no harm */
  e.rq.timeout_ms = c->timeout_ms;
  e.send_token = !login;
  if (login) {
    if (!login_body(c)) {
      pc_buf_wipe(&c->auth_body);
      auth_error(L, "access_key, secret_key, customer_name and prisma_id must be valid UTF-8", 0,
                 e.method, e.path);
      return 0;
    }
    e.rq.body = c->auth_body.data;
    e.rq.blen = c->auth_body.len;
    c->stats.logins++;
  } else {
    c->stats.extends++;
  }
  pc_exchange_begin(L, c, &c->main, &e);
  rc = curl_easy_perform(c->main.easy);
  pc_buf_wipe(&c->auth_body);
  status = pc_exchange_end(L, c, &c->main, &e, rc, self);
  if (status == 0) return 0;
  if (status != 200) {
    lua_getfield(L, -1, "headers");
    lua_getfield(L, -2, "body");
    pc_error_push_http(L, status, -2, -1, e.method, e.path);
    lua_replace(L, base + 1);
    lua_settop(L, base + 1);
    return 0;
  }
  lua_getfield(L, -1, "body");
  if (lua_type(L, -1) != LUA_TTABLE || lua_getfield(L, -1, "token") != LUA_TSTRING ||
      lua_rawlen(L, -1) == 0) {
    lua_settop(L, base);
    auth_error(L, "the response holds no token", status, e.method, e.path);
    return 0;
  }
  tok = lua_tolstring(L, -1, &tlen);
  if (!pc_client_set_token(L, c, tok, tlen, 1)) {
    lua_settop(L, base);
    auth_error(L, "the response holds a token that cannot travel in a header "
                  "(control characters or spaces, or longer than 64 KiB): refused", status, e.method, e.path);
    return 0;
  }
  lua_pop(L, 1);
  keep_session(L, self);
  lua_settop(L, base);
  token_hook(L, c, self, login ? "login" : "extend");
  return 1;
}

/* [-0, +(0|1), e] Logs in now. Returns 1, or pushes an error and returns 0. */
static int login(lua_State *L, pc_client *c, int self) {
  if (!pc_auth_can_login(c)) {
    pc_error_push(L, "auth", "no access_key and secret_key to log in with");
    return 0;
  }
  return auth_exchange(L, c, self, 1);
}

int pc_auth_ensure(lua_State *L, pc_client *c, int self) {
  double age;
  if (c->token.len == 0) return pc_auth_can_login(c) ? login(L, c, self) : 1;
  age = token_age(c);
  if (age >= c->token_life) {
    if (pc_auth_can_login(c)) return login(L, c, self);
    pc_error_push(L, "auth", "the token has expired and no access_key/secret_key are set to log in again");
    return 0;
  }
  if (age >= RENEW_AT * c->token_life) {
    if (auth_exchange(L, c, self, 0)) return 1;
    if (pc_auth_can_login(c)) {
      lua_pop(L, 1); /* the extend error */
      return login(L, c, self);
    }
    lua_pop(L, 1); /* still valid: go on with it */
  }
  return 1;
}

int pc_auth_refresh(lua_State *L, pc_client *c, int self) {
  if (c->token.len && token_age(c) < c->token_life) {
    if (auth_exchange(L, c, self, 0)) return 1;
    if (!pc_auth_can_login(c)) return 0;
    lua_pop(L, 1);
  }
  return login(L, c, self);
}

/* [-1, +(1|2), e] The body of client:login, run with the client busy. */
static int login_now(lua_State *L) {
  pc_client *c = (pc_client *)lua_touserdata(L, 1);
  if (login(L, c, 1)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int pc_auth_login_method(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  lua_settop(L, 1);
  return pc_client_exclusive(L, c, login_now);
}
