/*
 * pc_url: base-URL normalising and request-URL building (path and query
 * percent-encoding). Everything is appended to caller-owned pc_bufs, so a
 * raised Lua error leaks nothing.
 */
#ifndef PC_URL_H
#define PC_URL_H

#include <lua.h>

#include "pc_buf.h"

/* [-0, +0, v] Normalises the base URL `s` into `out` (cleared first):
 * adds https:// when no scheme is given, keeps http:// and https://,
 * strips trailing slashes. Refuses other schemes, control characters and
 * spaces, user-info (user:password@), a query or fragment, an empty host,
 * and http:// to a host other than loopback unless `allow_http`. Raises
 * "bad option 'url' (...)" without echoing the URL. */
void pc_url_base(lua_State *L, const char *s, int allow_http, pc_buf *out);

/* [-0, +0, e] Appends `path` to `out`, percent-encoding bytes that may not
 * appear in a path (spaces, quotes, non-ASCII...). Keeps '%' so that an
 * already-encoded path passes unchanged, and a '?' starts a raw query string.
 * Raises when the path does not start with '/', holds control characters,
 * or holds a "." or ".." segment (which would climb out of its place: a
 * value that is only dots must be sent encoded, "%2E").
 * Returns 1 when the path carried its own query string. */
int pc_url_path(lua_State *L, const char *path, size_t len, pc_buf *out);

/* [-0, +0, e] Appends the query table at `idx` (name -> string | number |
 * boolean | array of those) as "?a=1&b=x" (or "&..." when `has_query`),
 * names sorted so that URLs are stable; arrays repeat the name. */
void pc_url_query(lua_State *L, int idx, int has_query, pc_buf *out);

/* Appends `s` percent-encoded (RFC 3986 unreserved bytes stay as they are). */
int pc_url_escape(pc_buf *out, const char *s, size_t len);

#endif
