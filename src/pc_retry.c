/* pc_retry.c: the retry decision, backoff and Retry-After; see pc_retry.h. */
#include "pc_retry.h"

/* Failures after which the server cannot have acted on the request: the
 * connection never carried it. */
static int never_sent(CURLcode rc) {
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR;
}

int pc_retry_transient(long status, CURLcode rc) {
  if (status > 0) return status == 429 || status == 502 || status == 503 || status == 504;
  switch (rc) {
    case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT: case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_PARTIAL_FILE: case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_SEND_FAIL_REWIND:
      return 1;
    default:
      return 0;
  }
}

int pc_retry_allowed(long status, CURLcode rc, int idempotent, double retry_after, int timeouts) {
  if (status > 0) {
    if (status == 429 || (status == 503 && retry_after >= 0)) return 1;
    return idempotent && (status == 500 || status == 502 || status == 503 || status == 504);
  }
  if (never_sent(rc)) return 1;
  if (!idempotent) return 0;
  if (rc == CURLE_OPERATION_TIMEDOUT) return timeouts < 1;
  return pc_retry_transient(0, rc);
}

/* xorshift64*: a small per-client generator; no global state. */
static uint64_t next_random(uint64_t *s) {
  uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

double pc_retry_backoff(const pc_retry_policy *p, int retry, uint64_t *rng) {
  double ceiling = p->backoff_base;
  int i;
  for (i = 1; i < retry && ceiling < p->backoff_cap; i++) ceiling *= 2;
  if (ceiling > p->backoff_cap) ceiling = p->backoff_cap;
  return ceiling * (double)(next_random(rng) >> 11) / 9007199254740992.0; /* [0, 1) * ceiling */
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

double pc_retry_after(const char *value, double now) {
  double v = 0;
  time_t t;
  if (!value) return -1;
  while (is_ows(*value)) value++;
  if (*value == '\0') return -1;
  if (*value >= '0' && *value <= '9') {
    for (; *value >= '0' && *value <= '9'; value++)
      if (v < PC_RETRY_AFTER_MAX) v = v * 10 + (*value - '0');
    while (is_ows(*value)) value++;
    if (*value != '\0') return -1;
    return v < PC_RETRY_AFTER_MAX ? v : PC_RETRY_AFTER_MAX;
  }
  t = curl_getdate(value, NULL);
  if (t == (time_t)-1) return -1;
  v = (double)t - now;
  if (!(v > 0)) return 0;
  return v < PC_RETRY_AFTER_MAX ? v : PC_RETRY_AFTER_MAX;
}
