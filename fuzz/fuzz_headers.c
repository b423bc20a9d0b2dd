/* fuzz_headers.c: response header parsing on arbitrary header blocks:
 * every name in the table is non-empty, lower-case and free of ':'. The
 * same block through the trace: every line has its prefix, no control
 * character, and a credential header's value is redacted. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../src/pc_client.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds the block to the trace as response headers and checks its lines. */
static void check_trace(const uint8_t *data, size_t size) {
  pc_xfer x;
  const char *p, *end;
  memset(&x, 0, sizeof x);
  pc_trace_debug(NULL, CURLINFO_HEADER_IN, (char *)data, size, &x);
  p = x.trace.data;
  end = p ? p + x.trace.len : p;
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
    FUZZ_CHECK(nl != NULL && nl - p >= 3 && p[0] == '<' && p[1] == ' ');
    for (q = p; q < nl; q++) FUZZ_CHECK((unsigned char)*q >= 0x20 && *q != 0x7f);
    if ((size_t)(nl - p) > 17 && strncasecmp(p + 2, "x-redlock-auth:", 15) == 0)
      FUZZ_CHECK(nl - p >= 12 && memcmp(nl - 12, ": <redacted>", 12) == 0);
    p = nl + 1;
  }
  pc_buf_free(&x.trace);
}

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
  lua_settop(L, top);
  pc_buf_free(&raw);
  check_trace(data, size);
  return 0;
}
