/*
 * pc_client: the `prismacloud.Client` userdata: its state, its options,
 * its lifecycle and the re-entrancy rule.
 *
 * One libcurl easy handle (the main slot) carries sequential requests,
 * logins and extends (keep-alive); client:parallel adds a pool of slots on
 * curl multi; a share handle holds DNS and TLS sessions for all of them.
 * Every buffer is owned by the client and reused.
 *
 * The userdata has one user value: a table {hooks = {...}, session = {...},
 * last_hook_error = ...} holding the Lua-side state of the client.
 *
 * Re-entrancy: while the client carries an exchange (client:request,
 * client:parallel, client:login), its hooks, trace function and pacing
 * function run, and none of them may use the same client to send, log in
 * or close: that raises "client used from its own hook or trace function"
 * (read-only calls, session(), stats(), rate_limit() and tostring, stay
 * allowed). So an exchange never finds its buffers, slots or handles
 * changed under it.
 */
#ifndef PC_CLIENT_H
#define PC_CLIENT_H

#include <stdint.h>

#include <curl/curl.h>
#include <lua.h>
#include <lauxlib.h>

#include "pc_buf.h"
#include "pc_retry.h"
#include "pc_xfer.h"

#define PC_CLIENT_MT "prismacloud.Client"
#define PC_REENTRY_MSG "client used from its own hook or trace function"

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

typedef struct pc_client {
  pc_xfer main;                    /* sequential requests, login and extend */
  pc_xfer *pool;                   /* client:parallel slots (malloc'd), created on first use */
  int pool_size;
  CURLM *multi;                    /* owned; created with the pool */
  CURLSH *share;                   /* owned; DNS cache and TLS sessions */
  pc_budget budget;                /* response bytes buffered at once, all slots together */
  size_t max_decoded;              /* estimated bytes of Lua values one response may decode to */
  pc_buf base;                     /* normalised base URL, e.g. https://api.prismacloud.io */
  pc_buf auth_url;                 /* URL of a login or extend exchange */
  pc_buf auth_body;                /* body of a login (secret: wiped after use) */
  pc_buf token;                    /* the JWT (secret); wiped on close */
  pc_buf access_key;               /* wiped on close */
  pc_buf secret_key;               /* secret; wiped on close */
  pc_buf customer_name, prisma_id; /* optional login fields */
  pc_buf scratch;                  /* a decoded JWT payload, briefly */
  double token_t0;                 /* monotonic time the token arrived */
  double token_life;               /* its lifetime in seconds */
  double token_exp_wall;           /* its expiry on the wall clock, for session() */
  unsigned token_gen;              /* bumped at every new token (single-flight refresh) */
  pc_retry_policy policy;          /* defaults for every request */
  uint64_t rng;                    /* backoff jitter */
  pc_stats stats;
  pc_rate_limit rl;
  long timeout_ms;                 /* default time for one attempt */
  long last_status;                /* client:last_response(): status (0: none), attempts, */
  int last_attempts;               /* method; its headers and path are in the user value */
  const char *last_method;         /* (static) */
  int tracing;                     /* a trace function is set: every slot traces */
  int busy;                        /* an exchange is under way (see the re-entrancy rule) */
  int closed;
} pc_client;

/* [-0, +0, v] Returns the open client at `idx`; raises when it is not a
 * client or is closed. Enough for read-only methods. */
pc_client *pc_client_check(lua_State *L, int idx);

/* [-n, +r, e] Runs `body` with the client c (at index 1) marked busy: the
 * n values on the stack are its arguments, its r results are returned.
 * Raises PC_REENTRY_MSG when c is busy already. When `body` raises, every
 * slot is cancelled (transfers detached, temporary files removed, header
 * lists wiped) before the error goes on, so nothing half-done survives. */
int pc_client_exclusive(lua_State *L, pc_client *c, lua_CFunction body);

/* [-0, +0, m] Adopts `token` (len bytes), given by the caller or `issued`
 * by the server just now: checks that it can travel in a header (visible
 * ASCII only), wipes the old one, reads the lifetime from the JWT's claims
 * (see pc_jwt_lifetime). Returns 0 (keeping the old token) when the token
 * holds a byte that could inject a header. */
int pc_client_set_token(lua_State *L, pc_client *c, const char *token, size_t len, int issued);

/* [-0, +0, m] Builds the Client type in the module table on top: `new`,
 * `Client` (the methods: close, session, stats, rate_limit and those in
 * `more`) and `client_mt`. */
void pc_client_register(lua_State *L, const luaL_Reg *more);

#endif
