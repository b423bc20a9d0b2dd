/* fuzz_json.c: the JSON decoder on arbitrary bytes. A decode either fails
 * with an offset inside the input and the stack as it was, or succeeds;
 * then encode(value) must decode to a value that encodes identically. */
#include <stdio.h>

#include "../src/pc_json.h"
#include "fuzz_common.h"

/* [-1, +0, e] encode(arg 1) into the boxed buffer at upvalue... kept simple: a pcall'd encode. */
static int encode_to(lua_State *L) {
  pc_json_encode(L, 1, (pc_buf *)lua_touserdata(L, 2));
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  char err[160];
  int top = lua_gettop(L);
  pc_buf a = PC_BUF_INIT, b = PC_BUF_INIT;
  char *copy = malloc(size ? size : 1); /* exactly `size` bytes: ASan sees any over-read */
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  if (!pc_json_decode(L, copy, size, err, sizeof err)) {
    const char *at = strstr(err, " at byte offset ");
    FUZZ_CHECK(lua_gettop(L) == top);
    FUZZ_CHECK(at != NULL && strtoull(at + 16, NULL, 10) <= size);
    free(copy);
    return 0;
  }
  free(copy);
  FUZZ_CHECK(lua_gettop(L) == top + 1);
  lua_pushcfunction(L, encode_to);
  lua_pushvalue(L, -2);
  lua_pushlightuserdata(L, &a);
  if (lua_pcall(L, 2, 0, 0) == LUA_OK) {
    /* what we encode, we decode, and it encodes the same way again */
    FUZZ_CHECK(pc_json_decode(L, a.data, a.len, err, sizeof err));
    lua_pushcfunction(L, encode_to);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &b);
    FUZZ_CHECK(lua_pcall(L, 2, 0, 0) == LUA_OK);
    FUZZ_CHECK(a.len == b.len);
  } else {
    /* only values JSON text can hold but we refuse to write: none expected
     * except deep nesting at the limit and strings with \u0000-free invalid
     * UTF-8 (impossible after a strict decode) */
    const char *msg = lua_tostring(L, -1);
    FUZZ_CHECK(msg && strstr(msg, "nesting deeper"));
    lua_pop(L, 1);
  }
  pc_buf_free(&a);
  pc_buf_free(&b);
  fuzz_settle(L, top);
  return 0;
}
