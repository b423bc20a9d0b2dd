/* pc_retry.c: retry policy, backoff and clocks; see pc_retry.h. */
#include "pc_retry.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int pc_retry_status(long status, int idempotent) {
  return status == 429 || status == 502 || status == 503 || status == 504 ||
         (status == 500 && idempotent);
}

int pc_retry_transport(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT: case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_PARTIAL_FILE: case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
      return 1;
    default:
      return 0;
  }
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

double pc_retry_after(const char *value, double now) {
  char *end;
  double v;
  time_t t;
  if (!value || !*value) return -1;
  while (*value == ' ') value++;
  if (*value >= '0' && *value <= '9') {
    v = strtod(value, &end);
    while (*end == ' ') end++;
    return *end == '\0' && v >= 0 ? v : -1;
  }
  t = curl_getdate(value, NULL);
  if (t == (time_t)-1) return -1;
  v = (double)t - now;
  return v > 0 ? v : 0;
}

double pc_now_monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double pc_now_wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pc_sleep(double seconds) {
  struct timespec ts;
  if (!(seconds > 0)) return;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

uint64_t pc_rng_seed(const void *salt) {
  uint64_t s = (uint64_t)(uintptr_t)salt ^ (uint64_t)(pc_now_monotonic() * 1e9) ^
               ((uint64_t)(pc_now_wall() * 1e6) << 17);
  return s ? s : 1;
}
