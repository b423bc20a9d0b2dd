/* fuzz_trace.c: the trace's redaction, on everything libcurl may hand the
 * debug callback (connection notes, request and response header blocks,
 * in any chunks) with up to four masked strings. Properties:
 *  - no masked string appears in the trace (they are 8 to 40 hex digits,
 *    which nothing the redactor writes can form);
 *  - after a credential header name and its ':' comes " <redacted>";
 *  - every line starts with "* ", "> " or "< " and holds no control byte
 *    (C0, DEL, or C1 written as UTF-8).
 * Input: a byte n (secrets: n % 5), each secret as a length byte and that
 * many bytes (mapped to hex digits), then chunks [type][len][bytes]. */
#include <strings.h>

#include "../src/pc_trace.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char HEXD[] = "0123456789abcdef";
static const char *const NAMES[] = {"x-redlock-auth", "authorization", "proxy-authorization",
                                    "cookie", "set-cookie", "x-api-key", NULL};

static int name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* Checks one output line (without its '\n'). */
static void check_line(const char *p, size_t n) {
  size_t i, k;
  FUZZ_CHECK(n >= 2 && (p[0] == '*' || p[0] == '>' || p[0] == '<') && p[1] == ' ');
  for (i = 0; i < n; i++) {
    FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
    if ((unsigned char)p[i] == 0xC2 && i + 1 < n)
      FUZZ_CHECK((unsigned char)p[i + 1] < 0x80 || (unsigned char)p[i + 1] > 0x9F); /* no C1 */
  }
  for (i = 2; i < n; i++) {
    if (name_char(p[i - 1])) continue;
    for (k = 0; NAMES[k]; k++) {
      size_t m = strlen(NAMES[k]), j;
      if (n - i < m || strncasecmp(p + i, NAMES[k], m) != 0) continue;
      for (j = i + m; j < n && (p[j] == ' ' || p[j] == '\t'); j++) {
      }
      if (j < n && p[j] == ':') FUZZ_CHECK(n - j >= 12 && memcmp(p + j, ": <redacted>", 12) == 0);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const curl_infotype TYPES[] = {CURLINFO_TEXT, CURLINFO_HEADER_OUT, CURLINFO_HEADER_IN,
                                        CURLINFO_DATA_OUT, CURLINFO_DATA_IN};
  char secrets[4][41];
  size_t lens[4], pos = 1, i;
  int n, k;
  pc_xfer x;
  const char *p, *end;
  if (size < 1) return 0;
  memset(&x, 0, sizeof x);
  n = data[0] % 5;
  for (k = 0; k < n; k++) {
    size_t len;
    if (pos >= size) return 0;
    len = 8 + data[pos++] % 33;
    if (pos + len > size) return 0;
    for (i = 0; i < len; i++) secrets[k][i] = HEXD[data[pos + i] & 15];
    secrets[k][len] = '\0';
    lens[k] = len;
    pos += len;
    FUZZ_CHECK(pc_trace_mask(&x, secrets[k], len));
  }
  while (pos + 3 <= size) {
    curl_infotype t = TYPES[data[pos] % 5];
    size_t len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    pc_trace_debug(NULL, t, (char *)data + pos, len, &x);
    pos += len;
  }
  pc_trace_finish(&x);
  p = x.trace.data;
  end = p ? p + x.trace.len : p;
  while (p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    FUZZ_CHECK(nl != NULL);
    check_line(p, (size_t)(nl - p));
    p = nl + 1;
  }
  for (k = 0; k < n && x.trace.data; k++) {
    const char *s = x.trace.data;
    size_t left = x.trace.len;
    while (left >= lens[k]) {
      const char *hit = memchr(s, secrets[k][0], left - lens[k] + 1);
      if (!hit) break;
      FUZZ_CHECK(memcmp(hit, secrets[k], lens[k]) != 0);
      left -= (size_t)(hit - s) + 1;
      s = hit + 1;
    }
  }
  pc_buf_free(&x.trace);
  return 0;
}
