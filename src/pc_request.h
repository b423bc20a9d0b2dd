/*
 * pc_request: the life of one API request, shared by client:request
 * (pc_request.c, one at a time on the main slot) and client:parallel
 * (pc_parallel.c, many at once on curl multi): options, URL and body,
 * headers, token, hooks, and the decision after each outcome (done,
 * replay after a token refresh, or retry after a wait).
 */
#ifndef PC_REQUEST_H
#define PC_REQUEST_H

#include <lua.h>

#include "pc_client.h"
#include "pc_retry.h"

typedef struct pc_req {
  const char *method, *path;  /* strings owned by the caller's arguments or spec table */
  size_t path_len;
  const char *body;           /* NULL: no body; else a Lua string or the slot's body buffer */
  size_t blen;
  int idempotent;             /* a 500 may be retried */
  int auth;                   /* send (and obtain) a token */
  long timeout_ms;            /* per attempt */
  pc_retry_policy policy;
  int attempt;                /* attempts made so far */
  int refreshed;              /* the one refresh after a 401 is spent */
  unsigned token_gen;         /* token generation the last attempt carried */
  double t0;                  /* monotonic start, for the deadline */
  double not_before;          /* parallel: earliest start of the next attempt */
  int paced;                  /* parallel: this attempt's pacing wait is already reserved */
  const char *output;         /* option output: stream a 2xx body to this file; NULL: none */
} pc_req;

/* What to do after an outcome. */
enum { PC_DONE, PC_REPLAY, PC_RETRY };

/* [-0, +0, e] Reads method, path and the request options of the table at
 * `opts` (0: none) into r. `target` allows the keys method and path (the
 * specs of client:parallel). Raises on misuse, naming the option. */
void pc_req_read(lua_State *L, pc_client *c, pc_req *r, int method_idx, int path_idx, int opts,
                 int target);

/* [-0, +0, e] Writes the URL (base, path, query of `opts`) into slot x and
 * points r->body at the body: the value at `body` when not 0 (a string the
 * caller keeps alive), else field body of `opts` (a string is used as it
 * is, anything else is JSON-encoded into the slot). */
void pc_req_build(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, int opts, int body);

/* [-0, +0, e] Asks the pacing function (option rate_limit), if any, how
 * long to wait before sending r; the answer is a reservation, so ask once
 * per attempt. Returns seconds >= 0. A failing function counts as a hook
 * error and means no wait. */
double pc_req_pace(lua_State *L, pc_client *c, const pc_req *r, int self);

/* [-0, +(0|1), e] Starts attempt r->attempt on slot x: checks the deadline,
 * makes sure of the token, builds the headers (caller's from `opts`),
 * calls on_request and prepares the easy handle. Returns 1 when the
 * exchange can be performed; else pushes an error and returns 0. */
int pc_req_begin(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, int self, int opts);

/* [-0, +1, m] Pushes the outcome of the finished exchange on slot x: the
 * response, or the transport or decode error; returns the HTTP status (0
 * for an error). */
long pc_req_outcome(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, CURLcode rc);

/* [-1, +(0|1), e] Decides on the outcome on top (a response when status > 0,
 * else an error). PC_DONE leaves the final outcome on top (with `attempts`
 * set, on_response called); PC_REPLAY and PC_RETRY pop it, the latter with
 * *wait set and on_retry called. */
int pc_req_settle(lua_State *L, pc_client *c, pc_req *r, int self, long status, double *wait);

/* client:parallel(requests [, {concurrency = n}]) */
int pc_parallel(lua_State *L);

#endif
