/* fuzz_headers.c: response header parsing on arbitrary header blocks:
 * every name in the table is non-empty, lower-case and free of ':'.
 * (The trace's redaction has its own target, fuzz_trace.c.) */
#include <ctype.h>
#include <string.h>

#include "../src/pc_response.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  pc_buf raw = PC_BUF_INIT;
  int top = lua_gettop(L);
  if (!pc_buf_add(&raw, data, size)) return 0;
  pc_response_push_headers(L, &raw);
  FUZZ_CHECK(lua_gettop(L) == top + 1 && lua_istable(L, -1));
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    size_t n, i;
    const char *k = lua_tolstring(L, -2, &n);
    FUZZ_CHECK(lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING && n > 0);
    for (i = 0; i < n; i++) FUZZ_CHECK(!isupper((unsigned char)k[i]) && k[i] != ':' && k[i] != '\n');
    lua_pop(L, 1);
  }
  fuzz_settle(L, top);
  pc_buf_free(&raw);
  return 0;
}
