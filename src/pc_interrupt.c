/* pc_interrupt.c: an opt-in SIGINT flag for interactive hosts; see pc_interrupt.h. */
#include "pc_interrupt.h"

#include <signal.h>
#include <string.h>

#include <lauxlib.h>

static volatile sig_atomic_t pending;  /* set by the handler */
static volatile sig_atomic_t catching; /* the handler is installed */
static struct sigaction previous;      /* put back when catching ends */
static lua_State *volatile stop_L;     /* the thread that asked: Lua code there stops too */
static int stop_ref = LUA_NOREF;       /* its registry reference, which keeps it alive */
static unsigned stops;                 /* times the stop hook raised */

#define STOP_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT)
#define SENTINEL "prismacloud.interrupts" /* registry key of the owner's sentinel */

/* The hook a SIGINT sets on stop_L: at the next Lua event (a call, a
 * return, an instruction) it removes itself, consumes the interrupt and
 * raises "interrupted", as the standalone interpreter does. */
static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  pending = 0;
  stops++;
  lua_pushliteral(L, "interrupted");
  lua_error(L);
}

/* The SIGINT handler: sets the flag (transfers and waits watch it) and the
 * stop hook (lua_sethook may be called from a signal handler: the
 * interpreter's own SIGINT handling does it). */
static void on_sigint(int sig) {
  lua_State *L = stop_L;
  (void)sig;
  pending = 1;
  if (L) lua_sethook(L, stop_hook, STOP_MASK, 1);
}

int pc_interrupt_pending(void) { return pending != 0; }

void pc_interrupt_clear(void) { pending = 0; }

int pc_interrupt_catching(void) { return catching != 0; }

unsigned pc_interrupt_stops(void) { return stops; }

void pc_interrupt_reraise(void) {
  lua_State *L = stop_L;
  pending = 1;
  if (L) lua_sethook(L, stop_hook, STOP_MASK, 1);
}

/* Removes the handler and forgets the thread (its reference is dropped by
 * the caller, when the state is still open). */
static void uninstall(void) {
  lua_State *L = stop_L;
  if (!catching) return;
  sigaction(SIGINT, &previous, NULL);
  catching = 0;
  if (L && lua_gethook(L) == stop_hook) lua_sethook(L, NULL, 0, 0);
  stop_L = NULL;
  stop_ref = LUA_NOREF;
}

/* __gc of the sentinel: [-0, +0, -] the state that asked is closing (or
 * dropped the sentinel): the handler must not reach its freed thread. */
static int sentinel_gc(lua_State *L) {
  (void)L;
  uninstall();
  return 0;
}

/* core.catch_interrupts(on): [-0, +1, v] installs (true) or removes (false)
 * the SIGINT handler; the calling thread is the one whose Lua code a
 * SIGINT stops. Returns whether a SIGINT was pending (and consumes it). */
static int catch_interrupts(lua_State *L) {
  int on;
  luaL_checktype(L, 1, LUA_TBOOLEAN);
  on = lua_toboolean(L, 1);
  if (on && !catching) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a wait in progress ends at once */
    /* the sentinel first (it may raise: memory), then the handler */
    lua_newuserdatauv(L, 1, 0);
    lua_newtable(L);
    lua_pushcfunction(L, sentinel_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, SENTINEL);
    lua_pushthread(L);
    stop_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    stop_L = L;
    if (sigaction(SIGINT, &sa, &previous) != 0) {
      luaL_unref(L, LUA_REGISTRYINDEX, stop_ref);
      stop_ref = LUA_NOREF;
      stop_L = NULL;
      lua_pushnil(L);
      lua_setfield(L, LUA_REGISTRYINDEX, SENTINEL);
      return luaL_error(L, "cannot install a SIGINT handler");
    }
    catching = 1;
  } else if (!on && catching) {
    int ref = stop_ref;
    uninstall();
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SENTINEL); /* its __gc finds nothing to do */
  }
  lua_pushboolean(L, pending != 0);
  pending = 0;
  return 1;
}

void pc_interrupt_register(lua_State *L) {
  lua_pushcfunction(L, catch_interrupts);
  lua_setfield(L, -2, "catch_interrupts");
}
