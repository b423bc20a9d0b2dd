/*
 * pc_auth.c: the JWT lifecycle: login, extend, lifetime from the token's
 * claims, proactive renewal at 80% of the lifetime, refresh after a 401.
 * See pc_client.h. Secrets never become Lua strings: the login body is
 * built in C into a buffer that is wiped after use.
 */
#include <string.h>

#include <lauxlib.h>

#include "pc_client.h"
#include "pc_error.h"
#include "pc_json.h"
#include "pc_retry.h"

#define DEFAULT_TOKEN_LIFE 600.0 /* the API's documented JWT lifetime */
#define RENEW_AT 0.8             /* share of the lifetime after which we renew */

int pc_auth_can_login(const pc_client *c) { return c->access_key.len > 0 && c->secret_key.len > 0; }

/* Decodes base64url (no padding needed) into out; returns 0 on bad input. */
static int base64url_decode(const char *s, size_t len, pc_buf *out) {
  unsigned acc = 0;
  int bits = 0;
  size_t i;
  pc_buf_reset(out);
  if (!pc_buf_grow(out, len)) return 0;
  for (i = 0; i < len; i++) {
    char ch = s[i];
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '-' || ch == '+') v = 62;
    else if (ch == '_' || ch == '/') v = 63;
    else if (ch == '=') break;
    else return 0;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->data[out->len++] = (char)((acc >> bits) & 0xFF);
    }
  }
  out->data[out->len] = '\0';
  return 1;
}

/* [-0, +0, m] Reads a numeric claim of the decoded payload on top; -1 when absent. */
static double claim(lua_State *L, const char *name) {
  double v = -1;
  if (lua_type(L, -1) == LUA_TTABLE) {
    if (lua_getfield(L, -1, name) == LUA_TNUMBER) v = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return v;
}

double pc_auth_token_lifetime(lua_State *L, pc_buf *scratch, const char *tok, size_t len) {
  const char *p1 = memchr(tok, '.', len), *p2;
  char err[64];
  double exp, iat, life = DEFAULT_TOKEN_LIFE;
  if (!p1) return life;
  p2 = memchr(p1 + 1, '.', len - (size_t)(p1 + 1 - tok));
  if (!p2 || !base64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), scratch)) return life;
  if (!pc_json_decode(L, scratch->data, scratch->len, err, sizeof err)) {
    pc_buf_reset(scratch);
    return life;
  }
  pc_buf_reset(scratch);
  exp = claim(L, "exp");
  iat = claim(L, "iat");
  lua_pop(L, 1);
  if (exp > 0 && iat > 0 && exp > iat) life = exp - iat;
  else if (exp > 0) life = exp - pc_now_wall();
  return life > 0 ? life : 0;
}

void pc_auth_set_token(lua_State *L, pc_client *c, const char *token, size_t len) {
  pc_buf_wipe(&c->token);
  if (!pc_buf_add(&c->token, token, len)) luaL_error(L, "not enough memory");
  c->token_t0 = pc_now_monotonic();
  c->token_gen++;
  c->token_life = pc_auth_token_lifetime(L, &c->auth_body, token, len);
  c->token_exp_wall = pc_now_wall() + c->token_life;
}

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
  lua_createtable(L, (int)n, 0);
  names = lua_gettop(L);
  lua_createtable(L, (int)n, 0);
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

/* [-0, +0, e] Calls on_token with {event =, expires_in =}. */
static void token_hook(lua_State *L, pc_client *c, int self, const char *event) {
  if (!pc_hook_wanted(L, self, "on_token")) return;
  lua_createtable(L, 0, 2);
  lua_pushstring(L, event);
  lua_setfield(L, -2, "event");
  lua_pushnumber(L, c->token_life);
  lua_setfield(L, -2, "expires_in");
  pc_hook_call(L, c, self, "on_token");
}

/* [-0, +0, e] Builds the login body {"username","password","customerName"?,"prismaId"?}. */
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

/* [-0, +(0|1), e] One login (POST /login) or extend (GET /auth_token/extend)
 * exchange. On success adopts the new token and returns 1; else pushes the
 * error and returns 0. */
static int auth_exchange(lua_State *L, pc_client *c, int self, int login) {
  const char *path = login ? "/login" : "/auth_token/extend", *method = login ? "POST" : "GET";
  CURLcode rc;
  long status = 0;
  size_t tlen;
  const char *tok;
  int base = lua_gettop(L);

  pc_buf_reset(&c->auth_url);
  if (!(pc_buf_add(&c->auth_url, c->base.data, c->base.len) && pc_buf_adds(&c->auth_url, path)))
    return luaL_error(L, "not enough memory");
  pc_headers_free(&c->main.req_headers);
  pc_headers_add(L, &c->main, "Accept", 6, "application/json", 16);
  pc_headers_add(L, &c->main, "Expect", 6, "", 0);
  if (login) {
    if (!login_body(c)) {
      pc_buf_wipe(&c->auth_body);
      pc_error_push(L, "auth", "access_key, secret_key, customer_name and prisma_id must be valid UTF-8");
      return 0;
    }
    pc_headers_add(L, &c->main, "Content-Type", 12, "application/json", 16);
    c->stats.logins++;
  } else {
    pc_headers_add(L, &c->main, "x-redlock-auth", 14, c->token.data, c->token.len);
    c->stats.extends++;
  }
  rc = pc_transfer(c, &c->main, c->auth_url.data, method, login ? c->auth_body.data : NULL,
                   login ? c->auth_body.len : 0);
  pc_buf_wipe(&c->auth_body);
  pc_trace_flush(L, c, &c->main, self);
  if (rc != CURLE_OK) {
    pc_transfer_error(L, &c->main, rc, method, path);
    return 0;
  }
  curl_easy_getinfo(c->main.easy, CURLINFO_RESPONSE_CODE, &status);
  if (!pc_response_push(L, &c->main, status, method, path)) return 0;
  if (status != 200) {
    lua_getfield(L, -1, "headers");
    lua_getfield(L, -2, "body");
    pc_error_push_http(L, status, -2, -1, method, path);
    lua_replace(L, -4);
    lua_pop(L, 2);
    return 0;
  }
  lua_getfield(L, -1, "body");
  if (lua_type(L, -1) != LUA_TTABLE || lua_getfield(L, -1, "token") != LUA_TSTRING ||
      lua_rawlen(L, -1) == 0) {
    lua_settop(L, base);
    pc_error_push(L, "auth", "the response holds no token");
    pc_error_setint(L, "status", status);
    pc_error_setstr(L, "method", method);
    pc_error_setstr(L, "path", path);
    return 0;
  }
  tok = lua_tolstring(L, -1, &tlen);
  pc_auth_set_token(L, c, tok, tlen);
  lua_pop(L, 1);
  keep_session(L, self);
  lua_settop(L, base);
  token_hook(L, c, self, login ? "login" : "extend");
  return 1;
}

int pc_auth_login(lua_State *L, pc_client *c, int self) {
  if (!pc_auth_can_login(c)) {
    pc_error_push(L, "auth", "no access_key and secret_key to log in with");
    return 0;
  }
  return auth_exchange(L, c, self, 1);
}

int pc_auth_ensure(lua_State *L, pc_client *c, int self) {
  double age;
  if (c->token.len == 0) return pc_auth_can_login(c) ? pc_auth_login(L, c, self) : 1;
  age = token_age(c);
  if (age >= c->token_life) {
    if (pc_auth_can_login(c)) return pc_auth_login(L, c, self);
    pc_error_push(L, "auth", "the token has expired and no access_key/secret_key are set to log in again");
    return 0;
  }
  if (age >= RENEW_AT * c->token_life) {
    if (auth_exchange(L, c, self, 0)) return 1;
    if (pc_auth_can_login(c)) {
      lua_pop(L, 1); /* the extend error */
      return pc_auth_login(L, c, self);
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
  return pc_auth_login(L, c, self);
}
