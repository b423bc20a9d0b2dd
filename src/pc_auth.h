/*
 * pc_auth: the JWT lifecycle: login (POST /login), extend (GET
 * /auth_token/extend), proactive renewal at 80% of the lifetime, refresh
 * after a 401. Both exchanges go through pc_exchange like any request.
 * Secrets never become Lua strings: the login body is built in C into a
 * buffer that is wiped after use.
 */
#ifndef PC_AUTH_H
#define PC_AUTH_H

#include <lua.h>

#include "pc_client.h"

/* Whether the client holds an access key and secret to log in with. */
int pc_auth_can_login(const pc_client *c);

/* [-0, +(0|1), e] Makes sure a usable token is held before a request:
 * logs in when there is none, renews (extend, else login) once 80% of its
 * lifetime has passed, and refuses an expired token that cannot be renewed.
 * `self` is the client's stack index. Returns 1 when ready; else pushes an
 * error and returns 0. */
int pc_auth_ensure(lua_State *L, pc_client *c, int self);

/* [-0, +(0|1), e] Replaces the token after the server refused it (401):
 * extend when it is still valid by our clock, else (or when extend fails)
 * log in. Returns 1 when a new token is held; else pushes an error, 0. */
int pc_auth_refresh(lua_State *L, pc_client *c, int self);

/* client:login(): [-0, +(1|2), e] logs in now; true, or nil and an error. */
int pc_auth_login_method(lua_State *L);

#endif
