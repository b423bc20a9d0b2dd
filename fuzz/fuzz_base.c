/* fuzz_base.c: the base-URL reader on arbitrary strings (first byte: allow
 * http to any host or not). Either it raises, or the URL is http(s)://,
 * has a host, no user-info, no control byte or space, no query, no
 * trailing '/', and http:// only to a loopback host unless allowed. */
#include <strings.h>

#include "../src/pc_url.h"
#include "fuzz_common.h"

/* [-0, +0, e] reads the URL at 1 into the buffer at 3, allow_http at 2. */
static int base(lua_State *L) {
  pc_url_base(L, lua_tostring(L, 1), lua_toboolean(L, 2), (pc_buf *)lua_touserdata(L, 3));
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  pc_buf out = PC_BUF_INIT;
  int allow, top = lua_gettop(L);
  if (size < 1) return 0;
  allow = data[0] & 1;
  lua_pushcfunction(L, base);
  lua_pushlstring(L, (const char *)data + 1, size - 1);
  if (memchr(data + 1, '\0', size - 1)) { /* a C string ends at NUL: test what the reader sees */
    lua_pop(L, 1);
    lua_pushstring(L, (const char *)data + 1);
  }
  lua_pushboolean(L, allow);
  lua_pushlightuserdata(L, &out);
  if (lua_pcall(L, 3, 0, 0) == LUA_OK) {
    const char *u = out.data, *auth, *host_end;
    size_t i, alen;
    int http;
    FUZZ_CHECK(u != NULL);
    http = strncmp(u, "http://", 7) == 0;
    FUZZ_CHECK(http || strncmp(u, "https://", 8) == 0);
    for (i = 0; i < out.len; i++) FUZZ_CHECK((unsigned char)u[i] > 0x20 && u[i] != 0x7f);
    FUZZ_CHECK(out.len == strlen(u) && u[out.len - 1] != '/');
    auth = u + (http ? 7 : 8);
    alen = strcspn(auth, "/");
    FUZZ_CHECK(alen > 0 && memchr(auth, '@', alen) == NULL && strchr(u, '?') == NULL &&
               strchr(u, '#') == NULL);
    if (http && !allow) {
      host_end = auth[0] == '[' ? memchr(auth, ']', alen) + 1 : auth + strcspn(auth, ":/");
      FUZZ_CHECK((host_end - auth == 9 && strncasecmp(auth, "localhost", 9) == 0) ||
                 (host_end - auth > 10 && strncasecmp(host_end - 10, ".localhost", 10) == 0) ||
                 (host_end - auth == 5 && memcmp(auth, "[::1]", 5) == 0) ||
                 strncmp(auth, "127.", 4) == 0);
    }
  } else {
    lua_pop(L, 1);
  }
  pc_buf_free(&out);
  fuzz_settle(L, top);
  return 0;
}
