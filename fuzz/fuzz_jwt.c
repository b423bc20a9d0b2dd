/* fuzz_jwt.c: the JWT payload reader on arbitrary tokens: never crashes,
 * leaves the stack as it was, returns a lifetime that is a number >= 0. */
#include <math.h>

#include "../src/pc_client.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_state();
  pc_buf scratch = PC_BUF_INIT;
  int top = lua_gettop(L);
  char *copy = malloc(size ? size : 1);
  double life;
  if (!copy) return 0;
  if (size) memcpy(copy, data, size);
  life = pc_auth_token_lifetime(L, &scratch, copy, size);
  FUZZ_CHECK(!isnan(life) && life >= 0);
  FUZZ_CHECK(lua_gettop(L) == top);
  free(copy);
  pc_buf_free(&scratch);
  return 0;
}
