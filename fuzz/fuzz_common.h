/*
 * fuzz_common.h: what the libFuzzer targets share: one lua_State for the
 * whole run (made on first use), with the core module loaded, and a
 * protected call helper. Targets are built by `make fuzz` only.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_prismacloud_core(lua_State *L);

/* The run's state; the core module table is kept in the registry. */
static lua_State *fuzz_state(void) {
  static lua_State *L;
  if (!L) {
    L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "prismacloud.core", luaopen_prismacloud_core, 0);
    lua_pop(L, 1);
  }
  return L;
}

/* [-?, +0, -] Ends one input: the stack back to `top` and a full collection,
 * so that no input leaves garbage for the next one to collect (a finding
 * then reproduces from its input alone). */
static void fuzz_settle(lua_State *L, int top) {
  lua_settop(L, top);
  lua_gc(L, LUA_GCCOLLECT, 0);
}

/* Aborts (a finding) unless cond holds. */
#define FUZZ_CHECK(cond) \
  do { if (!(cond)) abort(); } while (0)

#endif
