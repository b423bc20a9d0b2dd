/* pc_url.c: base-URL normalising and request-URL building; see pc_url.h. */
#include "pc_url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

static const char HEX[] = "0123456789ABCDEF";

/* Raises the out-of-memory error of URL building. */
static void check_mem(lua_State *L, int ok) {
  if (!ok) luaL_error(L, "not enough memory");
}

static int is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

/* Bytes that may stand unencoded in a path: unreserved, sub-delims, ':', '@', '/', '%'. */
static int is_path_char(unsigned char c) {
  return is_unreserved(c) || strchr("!$&'()*+,;=:@/%", c) != NULL;
}

static int is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

/* Appends byte c as it is when `keep` says so, else as %XX; room for 3
 * bytes must have been reserved. */
static void put_byte(pc_buf *out, unsigned char c, int keep) {
  if (keep) {
    out->data[out->len++] = (char)c;
  } else {
    out->data[out->len++] = '%';
    out->data[out->len++] = HEX[c >> 4];
    out->data[out->len++] = HEX[c & 15];
  }
}

int pc_url_escape(pc_buf *out, const char *s, size_t len) {
  size_t i;
  if (!pc_buf_grow(out, len * 3)) return 0;
  for (i = 0; i < len; i++) put_byte(out, (unsigned char)s[i], is_unreserved((unsigned char)s[i]));
  out->data[out->len] = '\0';
  return 1;
}

/* Whether host (n bytes, no port) names this machine: localhost,
 * *.localhost, 127.0.0.0/8 or [::1]. */
static int is_loopback(const char *h, size_t n) {
  size_t i, dots = 0;
  if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) || (n == 5 && memcmp(h, "[::1]", 5) == 0))
    return 1;
  if (n > 10 && strncasecmp(h + n - 10, ".localhost", 10) == 0) return 1;
  if (n < 7 || memcmp(h, "127.", 4) != 0) return 0;
  for (i = 0; i < n; i++) {
    if (h[i] == '.') dots++;
    else if (h[i] < '0' || h[i] > '9') return 0;
  }
  return dots == 3;
}

void pc_url_base(lua_State *L, const char *s, int allow_http, pc_buf *out) {
  size_t len = strlen(s), i, alen, hlen;
  const char *sep = strstr(s, "://"), *auth, *host;
  int http = 0;
  pc_buf_reset(out);
  for (i = 0; i < len; i++)
    if (is_ctl((unsigned char)s[i]) || s[i] == ' ')
      luaL_error(L, "bad option 'url' (control character or space in URL)");
  if (sep) {
    size_t n = (size_t)(sep - s);
    if (!((n == 5 && strncasecmp(s, "https", 5) == 0) || (n == 4 && strncasecmp(s, "http", 4) == 0)))
      luaL_error(L, "bad option 'url' (scheme must be http or https)");
    http = n == 4;
    check_mem(L, pc_buf_adds(out, http ? "http" : "https") && pc_buf_add(out, sep, len - n));
  } else {
    check_mem(L, pc_buf_adds(out, "https://") && pc_buf_add(out, s, len));
  }
  while (out->len > 0 && out->data[out->len - 1] == '/') out->data[--out->len] = '\0';
  auth = strstr(out->data, "://");
  if (!auth || auth[3] == '\0') luaL_error(L, "bad option 'url' (no host in the URL)");
  auth += 3;
  alen = strcspn(auth, "/?#");
  if (memchr(auth, '@', alen))
    luaL_error(L, "bad option 'url' (user-info in a URL is refused: credentials go in "
                  "access_key and secret_key)");
  if (strpbrk(auth, "?#"))
    luaL_error(L, "bad option 'url' (a query or fragment has no place in the base URL)");
  host = auth;
  if (*host == '[') {
    const char *close = memchr(host, ']', alen);
    if (!close || (close + 1 < host + alen && close[1] != ':'))
      luaL_error(L, "bad option 'url' (an IPv6 host must be [address] or [address]:port)");
    hlen = (size_t)(close - host) + 1;
  } else {
    const char *colon = memchr(host, ':', alen);
    hlen = colon ? (size_t)(colon - host) : alen;
  }
  if (hlen == 0) luaL_error(L, "bad option 'url' (no host in the URL)");
  if (http && !allow_http && !is_loopback(host, hlen))
    luaL_error(L, "bad option 'url' (http:// would send the credentials in clear text: "
                  "only a loopback host may use it, unless allow_http = true)");
}

/* [-0, +0, v] Raises when a segment of the path part (before any '?') is "." or "..". */
static void check_segments(lua_State *L, const char *path, size_t len) {
  size_t i, start = 1;
  for (i = 1; i <= len; i++) {
    if (i == len || path[i] == '/' || path[i] == '?') {
      size_t n = i - start;
      if ((n == 1 && path[start] == '.') || (n == 2 && path[start] == '.' && path[start + 1] == '.'))
        luaL_error(L, "bad argument 'path' (dot segment '%s' at byte %d: encode it as %%2E)",
                   n == 1 ? "." : "..", (int)start + 1);
      if (i == len || path[i] == '?') return;
      start = i + 1;
    }
  }
}

int pc_url_path(lua_State *L, const char *path, size_t len, pc_buf *out) {
  size_t i;
  if (len == 0 || path[0] != '/') luaL_error(L, "bad argument 'path' (must start with '/')");
  check_segments(L, path, len);
  check_mem(L, pc_buf_grow(out, len * 3));
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)path[i];
    if (is_ctl(c)) luaL_error(L, "bad argument 'path' (control character at byte %d)", (int)i + 1);
    if (c == '?') {
      /* the rest is a query string the caller encoded: no control bytes or
       * spaces; '#' (which would cut the URL) and non-ASCII bytes get encoded */
      size_t j;
      check_mem(L, pc_buf_grow(out, (len - i) * 3));
      for (j = i; j < len; j++) {
        unsigned char q = (unsigned char)path[j];
        if (is_ctl(q) || q == ' ')
          luaL_error(L, "bad argument 'path' (control character or space at byte %d)", (int)j + 1);
        put_byte(out, q, q < 0x80 && q != '#');
      }
      out->data[out->len] = '\0';
      return 1;
    }
    put_byte(out, c, is_path_char(c));
  }
  out->data[out->len] = '\0';
  return 0;
}

/* [-0, +0, e] Appends "name=value" for the scalar on top of the stack. */
static void add_pair(lua_State *L, const char *name, size_t nlen, int *first, pc_buf *out) {
  size_t vlen;
  const char *v;
  switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
      v = lua_toboolean(L, -1) ? "true" : "false";
      vlen = strlen(v);
      break;
    case LUA_TNUMBER:
    case LUA_TSTRING:
      v = lua_tolstring(L, -1, &vlen); /* converts a number copy on the stack: fine, it is ours */
      break;
    default:
      luaL_error(L, "bad query value for '%s' (string, number, boolean or array expected, got %s)",
                 name, luaL_typename(L, -1));
      return;
  }
  check_mem(L, pc_buf_addc(out, *first ? '?' : '&'));
  *first = 0;
  check_mem(L, pc_url_escape(out, name, nlen) && pc_buf_addc(out, '=') && pc_url_escape(out, v, vlen));
}

/* qsort comparator over Lua string keys (kept alive by the query table). */
static int cmp_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void pc_url_query(lua_State *L, int idx, int has_query, pc_buf *out) {
  const char *small[32];
  const char **keys = small;
  size_t n = 0, cap = 32, i;
  int first = !has_query, top = lua_gettop(L), anchor, box;
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  /* the keys are held by a table of ours, not only by the caller's: adding
   * pairs allocates, and a finalizer run then may empty the query table */
  lua_newtable(L);
  anchor = lua_gettop(L);
  lua_pushnil(L); /* the boxed key array, once `small` is outgrown */
  box = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "bad query key (string expected, got %s)", luaL_typename(L, -1));
    {
      size_t klen, j;
      const char *k = lua_tolstring(L, -1, &klen);
      for (j = 0; j < klen; j++)
        if (is_ctl((unsigned char)k[j]))
          luaL_error(L, "bad query key (control character at byte %d)", (int)j + 1);
    }
    if (n == cap) {
      /* a boxed userdata holds the bigger array so that an error cannot leak it */
      const char **more;
      cap *= 2;
      more = (const char **)lua_newuserdatauv(L, cap * sizeof *keys, 0);
      memcpy(more, keys, n * sizeof *keys);
      keys = more;
      lua_replace(L, box);
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, anchor, (lua_Integer)n + 1);
    keys[n++] = lua_tostring(L, -1);
  }
  if (n > 1) qsort(keys, n, sizeof *keys, cmp_keys);
  for (i = 0; i < n; i++) {
    size_t nlen = strlen(keys[i]);
    lua_pushlstring(L, keys[i], nlen);
    lua_rawget(L, idx);
    if (lua_type(L, -1) == LUA_TTABLE) {
      lua_Integer j, m = (lua_Integer)lua_rawlen(L, -1);
      for (j = 1; j <= m; j++) {
        lua_rawgeti(L, -1, j);
        add_pair(L, keys[i], nlen, &first, out);
        lua_pop(L, 1);
      }
    } else {
      add_pair(L, keys[i], nlen, &first, out);
    }
    lua_pop(L, 1);
  }
  lua_settop(L, top);
}
