/* pc_interrupt.c: an opt-in SIGINT flag for interactive hosts; see pc_interrupt.h. */
#include "pc_interrupt.h"

#include <signal.h>
#include <string.h>

#include <lauxlib.h>

static volatile sig_atomic_t pending;  /* set by the handler */
static volatile sig_atomic_t catching; /* the handler is installed */
static struct sigaction previous;      /* put back when catching ends */
static lua_State *volatile stop_L;     /* the thread that asked: Lua code there stops too */

/* The hook a SIGINT sets on stop_L: at the next Lua event (a call, a
 * return, an instruction) it removes itself, consumes the interrupt and
 * raises "interrupted", as the standalone interpreter does. */
static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  pending = 0;
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
  if (L) lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

int pc_interrupt_pending(void) { return pending != 0; }

void pc_interrupt_clear(void) { pending = 0; }

int pc_interrupt_catching(void) { return catching != 0; }

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
    stop_L = L;
    if (sigaction(SIGINT, &sa, &previous) != 0) {
      stop_L = NULL;
      return luaL_error(L, "cannot install a SIGINT handler");
    }
    catching = 1;
  } else if (!on && catching) {
    sigaction(SIGINT, &previous, NULL);
    catching = 0;
    if (stop_L && lua_gethook(stop_L) == stop_hook) lua_sethook(stop_L, NULL, 0, 0);
    stop_L = NULL;
  }
  lua_pushboolean(L, pending != 0);
  pending = 0;
  return 1;
}

void pc_interrupt_register(lua_State *L) {
  lua_pushcfunction(L, catch_interrupts);
  lua_setfield(L, -2, "catch_interrupts");
}
