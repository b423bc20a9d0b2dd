/* pc_error.c: structured error objects; see pc_error.h. */
#include "pc_error.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "pc_json.h"
#include "pc_clock.h"
#include "pc_retry.h"

const char *pc_error_kind_for_status(long status) {
  switch (status) {
    case 401: return "auth";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 409: return "conflict";
    case 429: return "rate_limited";
    default: break;
  }
  if (status >= 500) return "server";
  if (status >= 400) return "invalid_request";
  return "server"; /* 1xx/3xx where a success was expected */
}

void pc_error_push(lua_State *L, const char *kind, const char *message) {
  lua_createtable(L, 0, 10);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "retryable");
  lua_pushinteger(L, 1);
  lua_setfield(L, -2, "attempts");
  luaL_setmetatable(L, PC_ERROR_MT);
}

void pc_error_setstr(lua_State *L, const char *name, const char *s) {
  if (!s) return;
  lua_pushstring(L, s);
  lua_setfield(L, -2, name);
}

void pc_error_setint(lua_State *L, const char *name, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, name);
}

/* [-0, +1, -] Pushes t[k] when t (at idx) is a table and the value is a
 * non-empty string, else pushes nothing; returns whether it pushed. */
static int push_string_field(lua_State *L, int idx, const char *k) {
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  if (lua_getfield(L, idx, k) == LUA_TSTRING && lua_rawlen(L, -1) > 0) return 1;
  lua_pop(L, 1);
  return 0;
}

/* [-0, +1, m] Decodes the x-redlock-status header (a JSON array) from the
 * headers table at `headers`; pushes the decoded value, or nil. */
static void push_redlock_details(lua_State *L, int headers) {
  char err[128];
  size_t len;
  const char *s;
  if (lua_type(L, headers) != LUA_TTABLE ||
      lua_getfield(L, headers, "x-redlock-status") != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushnil(L);
    return;
  }
  s = lua_tolstring(L, -1, &len);
  if (pc_json_decode(L, s, len, err, sizeof err)) {
    lua_remove(L, -2);
  } else {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
}

void pc_error_push_http(lua_State *L, long status, int headers, int body,
                        const char *method, const char *path) {
  int details, api_error, top = lua_gettop(L);
  headers = lua_absindex(L, headers);
  body = lua_absindex(L, body);

  push_redlock_details(L, headers);
  details = lua_gettop(L);
  /* The first entry of x-redlock-status, when it is a table. */
  if (lua_type(L, details) == LUA_TTABLE) lua_rawgeti(L, details, 1);
  else lua_pushnil(L);
  /* body.error, the API's own error object. */
  if (lua_type(L, body) == LUA_TTABLE) lua_getfield(L, body, "error");
  else lua_pushnil(L);
  api_error = lua_gettop(L);

  /* message: body.error.message > Spring body.message > i18nKey (subject) > HTTP status */
  if (!push_string_field(L, api_error, "message") && !push_string_field(L, body, "message")) {
    if (push_string_field(L, details + 1, "i18nKey")) {
      if (push_string_field(L, details + 1, "subject")) {
        lua_pushfstring(L, "%s (%s)", lua_tostring(L, -2), lua_tostring(L, -1));
        lua_replace(L, -3);
        lua_pop(L, 1);
      }
    } else if (lua_type(L, body) == LUA_TSTRING && lua_rawlen(L, body) > 0 &&
               lua_rawlen(L, body) <= 200) {
      lua_pushvalue(L, body);
    } else {
      lua_pushfstring(L, "HTTP %d", (int)status);
    }
  }
  pc_error_push(L, pc_error_kind_for_status(status), lua_tostring(L, -1));
  lua_remove(L, -2);

  pc_error_setint(L, "status", status);
  pc_error_setstr(L, "method", method);
  pc_error_setstr(L, "path", path);
  lua_pushboolean(L, status == 429 || status == 502 || status == 503 || status == 504);
  lua_setfield(L, -2, "retryable");

  /* code: body.error.code > i18nKey */
  if (push_string_field(L, api_error, "code") || push_string_field(L, details + 1, "i18nKey"))
    lua_setfield(L, -2, "code");
  lua_pushvalue(L, details);
  lua_setfield(L, -2, "details");
  if (push_string_field(L, headers, "retry-after")) {
    double after = pc_retry_after(lua_tostring(L, -1), pc_now_wall());
    lua_pop(L, 1);
    if (after >= 0) {
      lua_pushnumber(L, after);
      lua_setfield(L, -2, "retry_after");
    }
  }
  {
    static const char *const ids[] = {"x-request-id", "x-amzn-requestid", "x-correlation-id", NULL};
    int i;
    for (i = 0; ids[i]; i++)
      if (push_string_field(L, headers, ids[i])) {
        lua_setfield(L, -2, "request_id");
        break;
      }
  }
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}

/* [-0, +1, m] Field k of the error at index 1 as text: a string, or a
 * number formatted in a copy; NULL for anything else. Reads raw, so no
 * metamethod runs; the value stays on the stack (keeping the text alive). */
static const char *text_field(lua_State *L, const char *k) {
  lua_pushstring(L, k);
  switch (lua_rawget(L, 1)) {
    case LUA_TSTRING:
      return lua_tostring(L, -1);
    case LUA_TNUMBER:
      if (lua_isinteger(L, -1)) lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, -1));
      else lua_pushfstring(L, "%f", (LUAI_UACNUMBER)lua_tonumber(L, -1));
      lua_replace(L, -2);
      return lua_tostring(L, -1);
    default:
      return NULL;
  }
}

/* __tostring: [-0, +1, m] "prismacloud: <kind> error: <message> (HTTP n,
 * GET /path, after n attempts, request id x)". Reads the fields raw and
 * takes only strings and numbers, so an error table with odd fields (or
 * fields with metatables) still prints. */
static int error_tostring(lua_State *L) {
  luaL_Buffer b;
  const char *kind, *message, *status, *method, *path, *attempts, *rid;
  int extra = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  kind = text_field(L, "kind");
  message = text_field(L, "message");
  status = text_field(L, "status");
  method = text_field(L, "method");
  path = text_field(L, "path");
  attempts = text_field(L, "attempts");
  rid = text_field(L, "request_id");
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "prismacloud: ");
  luaL_addstring(&b, kind ? kind : "unknown");
  luaL_addstring(&b, " error: ");
  luaL_addstring(&b, message ? message : "(no message)");
  if (status) {
    luaL_addstring(&b, " (HTTP ");
    luaL_addstring(&b, status);
    extra = 1;
  }
  if (method && path) {
    luaL_addstring(&b, extra ? ", " : " (");
    luaL_addstring(&b, method);
    luaL_addchar(&b, ' ');
    luaL_addstring(&b, path);
    extra = 1;
  }
  if (attempts && strcmp(attempts, "1") != 0 && strcmp(attempts, "0") != 0) {
    luaL_addstring(&b, extra ? ", after " : " (after ");
    luaL_addstring(&b, attempts);
    luaL_addstring(&b, " attempts");
    extra = 1;
  }
  if (rid) {
    luaL_addstring(&b, extra ? ", request id " : " (request id ");
    luaL_addstring(&b, rid);
    extra = 1;
  }
  if (extra) luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}

/* __concat: [-2, +1, e] an error joins strings as its text does: err .. "x", "x" .. err. */
static int error_concat(lua_State *L) {
  lua_settop(L, 2);
  luaL_tolstring(L, 1, NULL);
  luaL_tolstring(L, 2, NULL);
  lua_concat(L, 2);
  return 1;
}

/* core.http_error(res, method, path): [-0, +1, m] the error for a response table. */
static int error_from_response(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "status");
  lua_getfield(L, 1, "headers");
  lua_getfield(L, 1, "body");
  pc_error_push_http(L, (long)luaL_checkinteger(L, -3), -2, -1, luaL_optstring(L, 2, NULL),
                     luaL_optstring(L, 3, NULL));
  return 1;
}

void pc_error_register(lua_State *L) {
  luaL_newmetatable(L, PC_ERROR_MT);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, error_concat);
  lua_setfield(L, -2, "__concat");
  lua_setfield(L, -2, "Error");
  lua_pushcfunction(L, error_from_response);
  lua_setfield(L, -2, "http_error");
}
