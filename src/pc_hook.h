/*
 * pc_hook: the one way the core calls the user's Lua functions during an
 * exchange: the hooks (on_request, on_response, on_retry, on_token), the
 * pacing function (rate_limit) and the trace function. Every call runs
 * under lua_pcall; a failure (an error whose value cannot even be turned
 * into a string included) is counted in stats().hook_errors, kept as
 * user value field last_hook_error, reported with lua_warning, and never
 * propagated. The functions live in the client's user value (field hooks);
 * the client is busy meanwhile (see pc_client.h), so they cannot change it.
 */
#ifndef PC_HOOK_H
#define PC_HOOK_H

#include <lua.h>

#include "pc_client.h"

/* [-0, +0, -] Whether hook `name` of the client at `self` is set, so that
 * callers build its argument only then. */
int pc_hook_wanted(lua_State *L, int self, const char *name);

/* [-1, +0, m] Calls hook `name` of the client at `self` with the table on
 * top, which it pops. */
void pc_hook_call(lua_State *L, pc_client *c, int self, const char *name);

/* [-0, +0, m] Asks the pacing function (option rate_limit), if any, how
 * many seconds to wait before sending (method, path); the answer is a
 * reservation, so ask once per attempt. Returns seconds in [0, 3600]; a
 * failing function, or an answer that is not a finite number, means no
 * wait (and the former counts as a hook error). */
double pc_hook_pace(lua_State *L, pc_client *c, int self, const char *method, const char *path,
                    size_t plen);

/* [-0, +0, m] Hands the pending trace lines of slot x to the trace
 * function of the client at `self`, one call per line, and empties the
 * buffer (a failing call ends the delivery of that exchange's lines). */
void pc_hook_trace(lua_State *L, pc_client *c, int self, pc_xfer *x);

#endif
