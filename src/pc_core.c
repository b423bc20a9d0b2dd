/*
 * pc_core.c: luaopen_prismacloud_core, the only exported symbol.
 * The module table holds: new, Client (methods), client_mt, Error, http_error,
 * json = {encode, decode, null, array_mt, empty_array}, request_options (the
 * option names client:request takes), curl_version, _VERSION.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <curl/curl.h>
#include <lauxlib.h>
#include <lua.h>

#include "pc_auth.h"
#include "pc_client.h"
#include "pc_clock.h"
#include "pc_error.h"
#include "pc_fs.h"
#include "pc_interrupt.h"
#include "pc_json.h"
#include "pc_parallel.h"
#include "pc_request.h"
#include "pc_util.h"

static pthread_mutex_t curl_init_lock = PTHREAD_MUTEX_INITIALIZER;
static int curl_init_done;
static CURLcode curl_init_result = CURLE_FAILED_INIT;
static char curl_version_text[64]; /* curl_version_info writes static data: read it once */

/* Keeps this module, and with it libcurl and the TLS libraries under it,
 * mapped until the process ends, even after the lua_State that loaded it
 * closes and dlcloses it: their process-wide state (curl_global_init, thread-
 * local blocks, key destructors, atexit handlers) would otherwise point into
 * unmapped code, and a later lua_State would initialise libcurl a second
 * time. A second handle opened with RTLD_NODELETE, deliberately never closed.
 * Nothing happens when the module is linked into the program itself. */
static void pin_module(void) {
  Dl_info self;
  if (dladdr((void *)&pin_module, &self) && self.dli_fname)
    (void)dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

/* The one piece of process-wide state: libcurl's global init, done once
 * whatever the number of lua_States or threads loading the module. A mutex
 * rather than pthread_once, so that race checkers (helgrind, TSan) see the
 * happens-before edge for every later loader, not only the first. */
static CURLcode init_curl(void) {
  CURLcode rc;
  pthread_mutex_lock(&curl_init_lock);
  if (!curl_init_done) {
    pin_module();
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
    /* curl_version_info, not curl_version: the latter initialises LDAP and
     * SASL just to print their versions, leaking their one-off allocations. */
    snprintf(curl_version_text, sizeof curl_version_text, "%s",
             curl_version_info(CURLVERSION_NOW)->version);
    curl_init_done = 1;
  }
  rc = curl_init_result;
  pthread_mutex_unlock(&curl_init_lock);
  return rc;
}

/* core.monotime(): [-0, +1, -] seconds on a monotonic clock (for pacing and timing). */
static int core_monotime(lua_State *L) {
  lua_pushnumber(L, pc_now_monotonic());
  return 1;
}

/* core.sleep(seconds): [-0, +1, v] sleeps (0 to a day of seconds; blocks
 * the whole lua_State); true, or false when a signal cut it short. */
static int core_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s <= PC_SLEEP_MAX, 1, "seconds from 0 to 86400 expected");
  lua_pushboolean(L, pc_sleep(s));
  return 1;
}

/* The client methods that carry exchanges (the rest live in pc_client.c). */
static const luaL_Reg exchanges[] = {
    {"request", pc_request},
    {"parallel", pc_parallel},
    {"login", pc_auth_login_method},
    {NULL, NULL},
};

PC_EXPORT int luaopen_prismacloud_core(lua_State *L);

/* [-0, +1, e] Builds and returns the module table. */
int luaopen_prismacloud_core(lua_State *L) {
  CURLcode rc = init_curl();
  if (rc != CURLE_OK) return luaL_error(L, "libcurl global init failed: %s", curl_easy_strerror(rc));
  lua_newtable(L);
  pc_client_register(L, exchanges);
  pc_error_register(L);
  pc_fs_register(L);
  pc_interrupt_register(L);
  lua_newtable(L);
  pc_json_register(L);
  lua_setfield(L, -2, "json");
  pc_req_push_options(L);
  lua_setfield(L, -2, "request_options");
  lua_pushcfunction(L, core_monotime);
  lua_setfield(L, -2, "monotime");
  lua_pushcfunction(L, core_sleep);
  lua_setfield(L, -2, "sleep");
  lua_pushstring(L, curl_version_text);
  lua_setfield(L, -2, "curl_version");
  lua_pushliteral(L, PC_VERSION);
  lua_setfield(L, -2, "_VERSION");
  return 1;
}
