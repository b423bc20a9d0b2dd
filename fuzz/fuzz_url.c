/* fuzz_url.c: the request URL builder. Input: a path, then NUL-separated
 * query name/value pairs. Either it raises (a bad path), or the URL holds
 * no control character, space or raw non-ASCII byte. */
#include "../src/pc_url.h"
#include "fuzz_common.h"

/* [-0, +0, e] builds the URL of (path, query table) into the buffer at arg 3. */
static int build(lua_State *L) {
  size_t plen;
  const char *path = lua_tolstring(L, 1, &plen);
  pc_buf *out = (pc_buf *)lua_touserdata(L, 3);
  int has_query = pc_url_path(L, path, plen, out);
  pc_url_query(L, 2, has_query, out);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  const char *p = (const char *)data, *end = p + size, *nul;
  pc_buf out = PC_BUF_INIT;
  int top = lua_gettop(L);
  size_t i;
  lua_pushcfunction(L, build);
  nul = memchr(p, '\0', size);
  lua_pushlstring(L, p, nul ? (size_t)(nul - p) : size);
  lua_newtable(L);
  p = nul ? nul + 1 : end;
  while (p < end) {
    const char *k = p, *v;
    nul = memchr(p, '\0', (size_t)(end - p));
    v = nul ? nul + 1 : end;
    lua_pushlstring(L, k, (size_t)((nul ? nul : end) - k));
    if (v < end) {
      nul = memchr(v, '\0', (size_t)(end - v));
      lua_pushlstring(L, v, (size_t)((nul ? nul : end) - v));
      p = nul ? nul + 1 : end;
    } else {
      lua_pushboolean(L, 1);
      p = end;
    }
    lua_rawset(L, -3);
  }
  lua_pushlightuserdata(L, &out);
  if (lua_pcall(L, 3, 0, 0) == LUA_OK) {
    for (i = 0; i < out.len; i++) {
      unsigned char c = (unsigned char)out.data[i];
      FUZZ_CHECK(c > 0x20 && c < 0x7f);
    }
  }
  fuzz_settle(L, top);
  pc_buf_free(&out);
  return 0;
}
