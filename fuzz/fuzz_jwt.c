/* fuzz_jwt.c: the JWT reader on arbitrary tokens: never crashes, leaves
 * the stack as it was, returns a lifetime in [0, 1e9] (never 0 for a token
 * the server issued), and calls header-safe exactly the visible ASCII ones. */
#include <math.h>

#include "../src/pc_jwt.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  pc_buf scratch = PC_BUF_INIT;
  int top = lua_gettop(L), issued, safe = size > 0 && size <= PC_JWT_MAX_LEN;
  char *copy = malloc(size ? size : 1);
  double life;
  size_t i;
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  for (issued = 0; issued <= 1; issued++) {
    life = pc_jwt_lifetime(L, &scratch, copy, size, issued);
    FUZZ_CHECK(!isnan(life) && life >= 0 && life <= 1e9);
    if (issued) FUZZ_CHECK(life > 0);
    FUZZ_CHECK(lua_gettop(L) == top);
  }
  for (i = 0; i < size; i++) safe &= data[i] >= 0x21 && data[i] <= 0x7e;
  FUZZ_CHECK(pc_jwt_header_safe(copy, size) == safe);
  free(copy);
  pc_buf_free(&scratch);
  fuzz_settle(L, top);
  return 0;
}
