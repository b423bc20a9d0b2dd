/*
 * pc_json: JSON <-> Lua mapping.
 * - null is lightuserdata NULL (the same value as cjson.null);
 * - decoded arrays carry the array metatable (registry key PC_ARRAY_MT) and
 *   encode back as [] even when empty; empty_array (a lightuserdata) encodes as [];
 * - integers stay integers, floats stay floats.
 */
#ifndef PC_JSON_H
#define PC_JSON_H

#include <stddef.h>

#include <lua.h>

#include "pc_buf.h"

#define PC_JSON_MAX_DEPTH 1000
#define PC_ARRAY_MT "prismacloud.array_mt"

/* [-0, +0, e] Appends the JSON text of the value at `idx` to `out`.
 * Raises a Lua error (naming the problem) on values JSON cannot carry:
 * NaN/inf, invalid UTF-8, sparse or mixed tables, cycles, depth > 1000,
 * functions/userdata. `out` must be owned by something that outlives the
 * error (a client, or a pc_buf_box). */
void pc_json_encode(lua_State *L, int idx, pc_buf *out);

/* [-0, +(1|0), m] Decodes the `len` bytes at `s` (need not be NUL-terminated).
 * On success pushes the value and returns 1. On malformed input pushes nothing,
 * writes "<problem> at byte offset N" into err[errlen] and returns 0.
 * Raises only on memory errors. */
int pc_json_decode(lua_State *L, const char *s, size_t len, char *err, size_t errlen);

/* [-0, +(1|0), m] Like pc_json_decode, with a cap on the estimated memory
 * of the decoded Lua values (bytes; each value, table, string and object
 * member is charged what it costs a 64-bit Lua 5.4). Returns 1 (pushed), 0
 * (malformed; err set) or -1 (over the cap; err set, nothing pushed). */
int pc_json_decode_capped(lua_State *L, const char *s, size_t len, size_t cap, char *err,
                          size_t errlen);

/* No stack effect. Appends the `len` bytes at `s` to `out` as a quoted,
 * escaped JSON string. Returns 0 (having appended nothing useful) when
 * `s` is not valid UTF-8 or memory runs out; never raises. For building
 * bodies in C from secrets that must not become Lua strings. */
int pc_json_add_string(pc_buf *out, const char *s, size_t len);

/* [-0, +0, m] Sets encode, decode, null, array_mt and empty_array in the table on top. */
void pc_json_register(lua_State *L);

#endif
