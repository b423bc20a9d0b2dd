/*
 * pc_retry: the one retry policy of the client: which outcomes are retried,
 * full-jitter exponential backoff, Retry-After, deadlines and sleeping.
 * Plain C: no Lua, no allocation.
 */
#ifndef PC_RETRY_H
#define PC_RETRY_H

#include <stdint.h>

#include <curl/curl.h>

typedef struct pc_retry_policy {
  int retries;          /* extra attempts after the first */
  double backoff_base;  /* seconds: the first retry waits up to this */
  double backoff_cap;   /* seconds: no computed wait is longer */
  double deadline;      /* seconds for the whole request, retries included; 0 = none */
} pc_retry_policy;

/* Whether an HTTP status is worth sending again; 500 only when idempotent. */
int pc_retry_status(long status, int idempotent);

/* Whether a libcurl failure is worth sending again (resets, refused, timeouts, TLS handshakes). */
int pc_retry_transport(CURLcode rc);

/* The full-jitter wait before retry number `retry` (1-based): uniform in
 * [0, min(cap, base * 2^(retry-1))]. `rng` is the caller's generator state. */
double pc_retry_backoff(const pc_retry_policy *p, int retry, uint64_t *rng);

/* Parses a Retry-After value: delay-seconds or an HTTP-date (against the
 * wall clock `now`). Returns seconds >= 0, or -1 when absent or unreadable. */
double pc_retry_after(const char *value, double now);

/* Seconds on a monotonic clock. */
double pc_now_monotonic(void);

/* Seconds on the wall clock (for HTTP dates and JWT claims). */
double pc_now_wall(void);

/* Sleeps `seconds` (resumes after signals). */
void pc_sleep(double seconds);

/* Seeds a generator state from the clock and an address. */
uint64_t pc_rng_seed(const void *salt);

#endif
