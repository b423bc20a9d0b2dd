/*
 * pc_retry: the one retry decision of the client, keyed by idempotency;
 * full-jitter exponential backoff; Retry-After. Plain C: no Lua, no
 * allocation.
 *
 * An idempotent request is retried after a transient failure: 429, 500,
 * 502, 503, 504, a refused connection, a failed TLS handshake, a reset, an
 * empty or truncated answer, a timeout (one timeout at most is retried: a
 * server that trickles bytes holds a request for two timeouts, not seven).
 * A request that is not idempotent is retried only when the failure proves
 * the server never acted on it: a 429, a 503 carrying Retry-After, a
 * refused connection or a failed TLS handshake. A failed DNS lookup is
 * retried for nobody (it is a typo more often than a hiccup).
 */
#ifndef PC_RETRY_H
#define PC_RETRY_H

#include <stdint.h>

#include <curl/curl.h>

typedef struct pc_retry_policy {
  int retries;            /* extra attempts after the first, 0..100 */
  double backoff_base;    /* seconds: the first retry waits up to this */
  double backoff_cap;     /* seconds: no computed wait is longer */
  double deadline;        /* seconds for the whole request, retries included; 0 = none */
  double max_retry_after; /* seconds: a server asking for a longer wait is not waited for */
} pc_retry_policy;

/* Whether the outcome of an attempt may be sent again: `status` > 0 is an
 * HTTP status, else `rc` is libcurl's failure; `retry_after` is the
 * answer's Retry-After in seconds (-1: none); `timeouts` is how many
 * earlier attempts of the request timed out. */
int pc_retry_allowed(long status, CURLcode rc, int idempotent, double retry_after, int timeouts);

/* Whether a failure is transient, whatever the method: the `retryable`
 * field of the error, for callers who decide themselves. */
int pc_retry_transient(long status, CURLcode rc);

/* The full-jitter wait before retry number `retry` (1-based): uniform in
 * [0, min(cap, base * 2^(retry-1))]. `rng` is the caller's generator state. */
double pc_retry_backoff(const pc_retry_policy *p, int retry, uint64_t *rng);

/* Parses a Retry-After value (RFC 9110: delay-seconds, digits only, or an
 * HTTP-date against the wall clock `now`). Returns seconds >= 0 (at most
 * PC_RETRY_AFTER_MAX), or -1 when absent or unreadable (hex, signs,
 * fractions and exponents are unreadable). */
double pc_retry_after(const char *value, double now);

#define PC_RETRY_AFTER_MAX 1e9

#endif
