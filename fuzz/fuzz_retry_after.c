/* fuzz_retry_after.c: the Retry-After reader on arbitrary values: -1 or a
 * number of seconds in [0, 1e9], never NaN or infinite; delay-seconds
 * (digits, optional spaces around) read exactly; a value that starts with
 * anything but a digit or space is a date or nothing. */
#include <math.h>

#include "../src/pc_retry.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  double v, want = 0;
  size_t i, digits = 0, j = 0;
  int only_digits = 1;
  if (!s) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  v = pc_retry_after(s, 1.7e9);
  FUZZ_CHECK(!isnan(v) && !isinf(v) && (v == -1 || (v >= 0 && v <= PC_RETRY_AFTER_MAX)));
  /* strlen: the parser stops at a NUL like any C string reader */
  while (s[j] == ' ' || s[j] == '\t') j++;
  for (i = j; s[i] >= '0' && s[i] <= '9'; i++, digits++)
    if (want < PC_RETRY_AFTER_MAX) want = want * 10 + (s[i] - '0');
  for (; s[i] == ' ' || s[i] == '\t'; i++) {
  }
  only_digits = digits > 0 && s[i] == '\0';
  if (only_digits) FUZZ_CHECK(v == (want < PC_RETRY_AFTER_MAX ? want : PC_RETRY_AFTER_MAX));
  else if (digits > 0) FUZZ_CHECK(v == -1); /* "1e400", "0x2", "2.5", "5s" */
  free(s);
  return 0;
}
