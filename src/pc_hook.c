/* pc_hook.c: calling the user's functions during an exchange; see pc_hook.h. */
#include "pc_hook.h"

#include <string.h>

#include <lauxlib.h>

#include "pc_interrupt.h"
#include "pc_trace.h"

#define PACE_MAX 3600.0

/* [-0, +1, -] Pushes function `name` from the hooks of the client at `self`
 * (or nil); returns its type. */
static int push_hook(lua_State *L, int self, const char *name) {
  int t = LUA_TNIL;
  lua_getiuservalue(L, self, 1);
  if (lua_getfield(L, -1, "hooks") == LUA_TTABLE) t = lua_getfield(L, -1, name);
  else lua_pushnil(L);
  lua_replace(L, -3);
  lua_pop(L, 1);
  return t;
}

int pc_hook_wanted(lua_State *L, int self, const char *name) {
  int t = push_hook(L, self, name);
  lua_pop(L, 1);
  return t == LUA_TFUNCTION;
}

/* [-1, +1, e] lua_pcall target: the error value's text (luaL_tolstring,
 * which may run a __tostring that raises). */
static int error_text(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

/* [-1, +0, m] Records the failure whose error value is on top (popped):
 * counts it, keeps "<what> failed: <text>" as last_hook_error and warns. */
static void failed(lua_State *L, pc_client *c, int self, const char *what) {
  int err = lua_gettop(L);
  c->stats.hook_errors++;
  lua_pushcfunction(L, error_text);
  lua_pushvalue(L, err);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, err));
  }
  lua_pushfstring(L, "%s failed: %s", what, lua_tostring(L, -1));
  lua_getiuservalue(L, self, 1);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "last_hook_error");
  lua_pop(L, 1);
  lua_warning(L, "prismacloud: ", 1);
  lua_warning(L, lua_tostring(L, -1), 0);
  lua_settop(L, err - 1);
}

/* [-(n+1), +(r|0), m] Calls the function below its n arguments under
 * pcall. Returns 1 with r results pushed, or 0 with nothing pushed after
 * recording the failure. */
static int protected_call(lua_State *L, pc_client *c, int self, const char *what, int n, int r) {
  unsigned stops = pc_interrupt_stops();
  if (lua_pcall(L, n, r, 0) == LUA_OK) return 1;
  if (pc_interrupt_stops() != stops) { /* a Ctrl-C, not an error of the function */
    lua_pop(L, 1);
    pc_interrupt_reraise();
    return 0;
  }
  failed(L, c, self, what);
  return 0;
}

void pc_hook_call(lua_State *L, pc_client *c, int self, const char *name) {
  luaL_checkstack(L, 8, "hook");
  if (push_hook(L, self, name) != LUA_TFUNCTION) {
    lua_pop(L, 2);
    return;
  }
  lua_insert(L, -2);
  lua_pushfstring(L, "hook %s", name);
  lua_insert(L, -3); /* the name stays alive below the call */
  protected_call(L, c, self, lua_tostring(L, -3), 1, 0);
  lua_pop(L, 1);
}

double pc_hook_pace(lua_State *L, pc_client *c, int self, const char *method, const char *path,
                    size_t plen) {
  double wait = 0;
  luaL_checkstack(L, 8, "hook");
  if (push_hook(L, self, "rate_limit") != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return 0;
  }
  lua_pushstring(L, method);
  lua_pushlstring(L, path, plen);
  if (!protected_call(L, c, self, "rate_limit function", 2, 1)) return 0;
  if (lua_type(L, -1) == LUA_TNUMBER) {
    wait = lua_tonumber(L, -1);
    if (!(wait > 0)) wait = 0; /* also NaN */
    if (wait > PACE_MAX) wait = PACE_MAX;
  }
  lua_pop(L, 1);
  return wait;
}

void pc_hook_trace(lua_State *L, pc_client *c, int self, pc_xfer *x) {
  const char *p, *end;
  pc_trace_finish(x);
  if (x->trace.len == 0) return;
  luaL_checkstack(L, 8, "trace");
  push_hook(L, self, "trace");
  p = x->trace.data;
  end = p + x->trace.len;
  while (lua_type(L, -1) == LUA_TFUNCTION && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    lua_pushvalue(L, -1);
    lua_pushlstring(L, p, (size_t)(nl - p));
    if (!protected_call(L, c, self, "trace function", 1, 0)) break;
    p = nl + 1;
  }
  lua_pop(L, 1);
  pc_buf_reset(&x->trace);
}
