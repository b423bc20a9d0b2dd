/*
 * pc_response: what one finished transfer becomes in Lua: the response
 * table {status, headers, body}, or the structured error of a transfer that
 * failed (libcurl's failure, a cap the slot enforced, the output file).
 */
#ifndef PC_RESPONSE_H
#define PC_RESPONSE_H

#include <lua.h>

#include "pc_buf.h"
#include "pc_xfer.h"

/* [-0, +1, m] Pushes the response of slot x: a table {status, headers,
 * body}, where body is decoded JSON when the content type says JSON (at
 * most `max_decoded` estimated bytes of Lua values), the raw string
 * otherwise and nil when empty; a body streamed to x->output gives
 * {output =, size =} instead. When a success (2xx) carries malformed or
 * oversized JSON, pushes a `decode` error instead and returns 0; else 1. */
int pc_response_push(lua_State *L, pc_xfer *x, long status, const char *method, const char *path,
                     size_t max_decoded);

/* [-0, +1, m] Parses raw response header lines (status line first) in one
 * pass into a table of lower-cased names; repeated names are joined with
 * ", ". The buffer is lower-cased in place (its owner allows it). */
void pc_response_push_headers(lua_State *L, pc_buf *raw);

/* [-0, +1, m] Pushes the error of a transfer that ended with libcurl's
 * `rc` (not CURLE_OK) on slot x, or of an output file that could not be
 * written: kind transport, timeout, tls or io; `code` = rc; `retryable`
 * says whether the failure is transient. Removes any temporary file. */
void pc_response_push_failure(lua_State *L, pc_xfer *x, CURLcode rc, const char *method,
                              const char *path);

#endif
