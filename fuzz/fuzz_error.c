/* fuzz_error.c: the error reader (x-redlock-status header, error bodies).
 * Input: a status byte pair, then the header value and the body separated
 * by the first NUL. The error must always have a string kind and message. */
#include "../src/pc_error.h"
#include "../src/pc_json.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  int top = lua_gettop(L);
  long status;
  const char *rest, *nul;
  size_t hlen, blen;
  char err[64];
  if (size < 2) return 0;
  status = 100 + (data[0] << 8 | data[1]) % 500;
  rest = (const char *)data + 2;
  nul = memchr(rest, '\0', size - 2);
  hlen = nul ? (size_t)(nul - rest) : size - 2;
  blen = nul ? size - 2 - hlen - 1 : 0;
  lua_createtable(L, 0, 2);
  lua_pushlstring(L, rest, hlen);
  lua_setfield(L, -2, "x-redlock-status");
  lua_pushliteral(L, "req-1");
  lua_setfield(L, -2, "x-request-id");
  if (!(nul && pc_json_decode(L, nul + 1, blen, err, sizeof err)))
    lua_pushlstring(L, nul ? nul + 1 : "", blen);
  pc_error_push_http(L, status, top + 1, top + 2, "GET", "/fuzz");
  FUZZ_CHECK(lua_gettop(L) == top + 3);
  FUZZ_CHECK(lua_getfield(L, -1, "kind") == LUA_TSTRING);
  FUZZ_CHECK(lua_getfield(L, -2, "message") == LUA_TSTRING);
  FUZZ_CHECK(lua_getfield(L, -3, "status") == LUA_TNUMBER);
  fuzz_settle(L, top);
  return 0;
}
