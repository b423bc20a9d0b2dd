/*
 * pc_client: the `prismacloud.Client` userdata. One libcurl easy handle per
 * client, reused for every request (keep-alive), with a share handle for
 * DNS and TLS sessions. Every buffer is owned by the client and reused.
 *
 * The userdata has one user value: a table {hooks = {...}, session = {...}}
 * holding the Lua-side state of the client.
 */
#ifndef PC_CLIENT_H
#define PC_CLIENT_H

#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>
#include <lua.h>

#include "pc_buf.h"
#include "pc_retry.h"

#define PC_CLIENT_MT "prismacloud.Client"

typedef struct pc_stats {
  lua_Integer requests;     /* HTTP exchanges sent, login and extend included */
  lua_Integer retries;      /* attempts after the first */
  lua_Integer refreshes;    /* token refreshes caused by a 401 */
  lua_Integer logins;
  lua_Integer extends;
  lua_Integer rate_limited; /* 429 responses */
  lua_Integer bytes_sent;
  lua_Integer bytes_received;
  lua_Integer hook_errors;
} pc_stats;

typedef struct pc_rate_limit {
  double remaining, replenish_rate, burst_capacity, requested_tokens; /* -1: not seen */
  double updated_at; /* wall clock; 0 before the first rate-limited response */
} pc_rate_limit;

/* One transfer slot: an easy handle and the buffers of the exchange it
 * carries. The client has one for sequential requests and a pool of them
 * for client:parallel. */
typedef struct pc_xfer {
  CURL *easy;                      /* owned */
  struct curl_slist *req_headers;  /* headers of the exchange in flight; wiped when freed */
  pc_buf url;                      /* URL of the request */
  pc_buf body;                     /* encoded JSON body of the request */
  pc_buf resp;                     /* body of the last response */
  pc_buf resp_headers;             /* raw header lines of the last response */
  size_t max_body;                 /* a response body larger than this is refused */
  int body_too_large;              /* set by the write callback */
  char errbuf[CURL_ERROR_SIZE];    /* libcurl's message for the last failure */
  const char *output;              /* request option output: a 2xx body streams to this file
                                      (a Lua string the request keeps alive); NULL: buffered */
  FILE *sink;                      /* the temporary file beside output, while streaming */
  char *sink_tmp;                  /* its name (malloc'd) */
  lua_Integer sink_len;            /* bytes written to it */
  int sink_state;                  /* PC_SINK_* of the exchange in flight */
  int sink_errno;                  /* why creating or writing the file failed; 0: it did not */
  pc_buf trace;                    /* redacted trace lines of the exchange (option trace) */
  curl_off_t trace_out, trace_in;  /* body bytes not yet reported in the trace */
} pc_xfer;

enum { PC_SINK_UNDECIDED, PC_SINK_FILE, PC_SINK_BUFFER };

/* The statuses whose body goes to the output file: 2xx but 204 (No Content
 * says there is no file, so the target is left as it is). */
#define PC_SINK_STATUS(status) ((status) >= 200 && (status) < 300 && (status) != 204)

typedef struct pc_client {
  pc_xfer main;                    /* sequential requests, login and extend */
  pc_xfer *pool;                   /* client:parallel slots (malloc'd), created on first use */
  int pool_size;
  CURLM *multi;                    /* owned; created with the pool */
  CURLSH *share;                   /* owned; DNS cache and TLS sessions */
  pc_buf base;                     /* normalised base URL, e.g. https://api.prismacloud.io */
  pc_buf auth_url;                 /* URL of a login or extend exchange */
  pc_buf auth_body;                /* body of a login (secret: wiped after use) */
  pc_buf token;                    /* the JWT (secret); wiped on close */
  pc_buf access_key;               /* wiped on close */
  pc_buf secret_key;               /* secret; wiped on close */
  pc_buf customer_name, prisma_id; /* optional login fields */
  double token_t0;                 /* monotonic time the token arrived */
  double token_life;               /* its lifetime in seconds */
  double token_exp_wall;           /* its expiry on the wall clock, for session() */
  unsigned token_gen;              /* bumped at every new token (single-flight refresh) */
  pc_retry_policy policy;          /* defaults for every request */
  uint64_t rng;                    /* backoff jitter */
  pc_stats stats;
  pc_rate_limit rl;
  long timeout_ms;                 /* default time for one attempt */
  int closed;
} pc_client;

/* ---- pc_response.c ---- */

/* [-0, +1, m] Pushes the response of the last exchange: a table
 * {status, headers, body}, where body is decoded JSON when the content type
 * says JSON, the raw string otherwise and nil when empty. When a success
 * response (2xx) carries malformed JSON, pushes a `decode` error instead and
 * returns 0; otherwise returns 1. */
int pc_response_push(lua_State *L, pc_xfer *x, long status, const char *method,
                     const char *path);

/* [-0, +1, m] Parses raw response header lines (status line first) in one
 * pass into a table of lower-cased names; repeated names are joined with
 * ", ". The buffer is lower-cased in place (its owner allows it). */
void pc_response_push_headers(lua_State *L, pc_buf *raw);

/* libcurl callbacks that collect the response into the client's buffers.
 * They never touch Lua and never raise. */
size_t pc_response_write(char *ptr, size_t size, size_t nmemb, void *userdata);
size_t pc_response_header(char *ptr, size_t size, size_t nmemb, void *userdata);

/* ---- pc_sink.c: streaming a 2xx body to a file (request option output) ---- */

/* Removes any temporary file of slot x and readies it for a new exchange. Never touches Lua. */
void pc_sink_reset(pc_xfer *x);

/* Called at the first body bytes when x->output is set: a 2xx status
 * streams to a new temporary file beside x->output, anything else is
 * buffered. Never touches Lua. */
void pc_sink_decide(pc_xfer *x);

/* libcurl write path while streaming: n on success, 0 (a write error for
 * libcurl) with sink_errno set on failure. */
size_t pc_sink_write(pc_xfer *x, const char *p, size_t n);

/* Finishes a successful download: closes the temporary file and renames it
 * over x->output (an empty body makes an empty file). Returns 1, or 0 with
 * sink_errno set and the temporary file removed. */
int pc_sink_commit(pc_xfer *x);

/* [-0, +1, m] Removes any temporary file and pushes the `io` error naming
 * x->output and sink_errno. */
void pc_sink_push_error(lua_State *L, pc_xfer *x, const char *method, const char *path);

/* ---- pc_trace.c: the verbose trace, redacted (client option trace) ---- */

/* libcurl debug callback: appends redacted lines to the slot's trace buffer. Never touches Lua. */
int pc_trace_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata);

/* Turns the trace on for slot x (libcurl verbose, debug callback). Returns 1 on success. */
int pc_trace_enable(pc_xfer *x);

/* [-0, +0, e] Hands the slot's pending trace lines to the trace function of
 * the client at `self` (one call per line, under pcall; a failure is
 * counted and warned about) and empties the buffer. Raises only when a
 * hook closed the client. */
void pc_trace_flush(lua_State *L, pc_client *c, pc_xfer *x, int self);

/* ---- pc_transfer.c: one HTTP exchange on the client's easy handle ---- */

/* Frees a header list after zeroing every line (one of them may hold the token). */
void pc_headers_free(struct curl_slist **list);

/* [-0, +0, e] Appends "name: value" to the slot's header list. */
void pc_headers_add(lua_State *L, pc_xfer *x, const char *name, size_t nlen, const char *value,
                    size_t vlen);

/* Sets up the slot's easy handle for one exchange: `url`, `method`, body
 * (NULL for none) and its current header list; clears the response buffers. */
void pc_transfer_prepare(pc_xfer *x, const char *url, const char *method, const char *body,
                         size_t blen);

/* Accounts a finished exchange of slot x in the client's stats; detaches the headers. */
void pc_transfer_finish(pc_client *c, pc_xfer *x);

/* Performs one exchange on slot x (prepare, perform, finish). Never touches Lua. */
CURLcode pc_transfer(pc_client *c, pc_xfer *x, const char *url, const char *method,
                     const char *body, size_t blen);

/* [-0, +1, m] Pushes the error for libcurl's result `rc` on slot x. */
void pc_transfer_error(lua_State *L, pc_xfer *x, CURLcode rc, const char *method,
                       const char *path);

/* Sets the per-slot callbacks and buffers on x->easy (after init or duphandle). */
int pc_xfer_bind(pc_xfer *x);

/* Frees a slot's handle and buffers (wiping what may hold secrets). */
void pc_xfer_release(pc_xfer *x);

/* ---- pc_auth.c: the JWT lifecycle ---- */

/* Whether the client holds an access key and secret to log in with. */
int pc_auth_can_login(const pc_client *c);

/* [-0, +(0|1), e] Makes sure a usable token is held before a request:
 * logs in when there is none, renews (extend, else login) once 80% of its
 * lifetime has passed, and refuses an expired token that cannot be renewed.
 * `self` is the client's stack index. Returns 1 when ready; else pushes an
 * error and returns 0. */
int pc_auth_ensure(lua_State *L, pc_client *c, int self);

/* [-0, +(0|1), e] Replaces the token after the server refused it (401):
 * extend when it is still valid by our clock, else (or when extend fails)
 * log in. Returns 1 when a new token is held; else pushes an error, 0. */
int pc_auth_refresh(lua_State *L, pc_client *c, int self);

/* [-0, +(0|1), e] Logs in now. Returns 1, or pushes an error and returns 0. */
int pc_auth_login(lua_State *L, pc_client *c, int self);

/* [-0, +0, m] A JWT's lifetime in seconds from its claims: exp - iat when
 * both are there (immune to a skewed local clock), else exp against the
 * local clock, else the documented 10 minutes; never negative. `scratch`
 * receives the decoded payload and is emptied again. */
double pc_auth_token_lifetime(lua_State *L, pc_buf *scratch, const char *tok, size_t len);

/* [-0, +0, e] Adopts `token` (len bytes) received now: wipes the old one,
 * reads the lifetime from the JWT's claims. */
void pc_auth_set_token(lua_State *L, pc_client *c, const char *token, size_t len);

/* ---- pc_hooks (pc_request.c) ---- */

/* [-1, +0, -] Calls hook `name` (from the user value of the client at
 * `self`) with the table on top, under pcall; pops the table. A failing
 * hook is counted and reported with lua_warning, never propagated. */
void pc_hook_call(lua_State *L, pc_client *c, int self, const char *name);

/* Whether hook `name` is set (so callers build its argument only then). */
int pc_hook_wanted(lua_State *L, int self, const char *name);

/* ---- pc_request.c ---- */

/* client:request(method, path [, opts]) */
int pc_request(lua_State *L);

/* ---- pc_client.c ---- */

/* [-0, +0, v] Returns the client at `idx`; raises when it is closed. */
pc_client *pc_client_check(lua_State *L, int idx);

/* [-0, +0, m] Sets new, the Client methods table and the client metatable in the table on top. */
void pc_client_register(lua_State *L);

#endif
