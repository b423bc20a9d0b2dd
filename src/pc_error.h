/*
 * pc_error: the structured error objects of the library (`prismacloud.Error`).
 * An error is a plain table with the metatable registered under PC_ERROR_MT:
 * kind, status, code, message, method, path, request_id, details, retryable, attempts.
 */
#ifndef PC_ERROR_H
#define PC_ERROR_H

#include <lua.h>

#define PC_ERROR_MT "prismacloud.Error"

/* [-0, +1, m] Pushes a new error table with kind and message set. */
void pc_error_push(lua_State *L, const char *kind, const char *message);

/* [-0, +0, m] Sets field `name` of the error on top to string `s` (skipped when NULL). */
void pc_error_setstr(lua_State *L, const char *name, const char *s);

/* [-0, +0, m] Sets field `name` of the error on top to integer `v`. */
void pc_error_setint(lua_State *L, const char *name, lua_Integer v);

/* [-0, +1, m] Pushes the error that describes an HTTP response which is not
 * a success: `status`, the headers table at `headers` and the body at `body`
 * (decoded JSON, a raw string or nil). Reads the API's three error shapes:
 * {"error":{code,message}}, Spring {status,error,message,path} and the
 * x-redlock-status header ([{i18nKey,severity,subject}], decoded into `details`). */
void pc_error_push_http(lua_State *L, long status, int headers, int body,
                        const char *method, const char *path);

/* Maps an HTTP status to an error kind (auth, forbidden, not_found, ...). */
const char *pc_error_kind_for_status(long status);

/* [-0, +0, m] Registers the error metatable and sets `Error` and
 * `http_error` in the table on top. */
void pc_error_register(lua_State *L);

#endif
