/*
 * pc_request: the life of one API request, shared by client:request (one
 * at a time on the main slot) and client:parallel (many at once on curl
 * multi, pc_parallel.c): options, URL, body and header lines read and
 * checked once, before anything is sent; then per attempt the deadline,
 * the token, on_request and the exchange; then the decision after each
 * outcome (done, replay after a token refresh, or retry after a wait).
 */
#ifndef PC_REQUEST_H
#define PC_REQUEST_H

#include <lua.h>

#include "pc_client.h"
#include "pc_exchange.h"
#include "pc_retry.h"

typedef struct pc_req {
  pc_exchange ex;             /* what each attempt sends (strings anchored by the caller) */
  int idempotent;             /* may be sent again after any transient failure */
  int auth;                   /* send (and obtain) a token */
  long timeout_ms;            /* per attempt */
  pc_retry_policy policy;
  int attempt;                /* attempts made so far */
  int refreshed;              /* the one refresh after a 401 is spent */
  int timeouts;               /* attempts that timed out */
  CURLcode rc;                /* libcurl's result of the last attempt */
  unsigned token_gen;         /* token generation the last attempt carried */
  double t0;                  /* monotonic start, for the deadline */
  double not_before;          /* parallel: earliest start of the next attempt */
  int paced;                  /* parallel: this attempt's pacing wait is already reserved */
} pc_req;

/* What to do after an outcome. */
enum { PC_DONE, PC_REPLAY, PC_RETRY };

/* [-0, +3, v] Reads method, path and the request options of the table at
 * `opts` (0: none) into r, and checks everything a server must never see
 * half of: options (by name and range), path, query, header lines, body.
 * The URL goes into `url`; a table body is JSON-encoded into `body`.
 * Pushes the three strings the request must keep alive (its anchors, nil
 * where absent): the body given as a string, the header lines, the output
 * file name. `target` allows the keys method and path (the specs of
 * client:parallel). Raises on misuse, naming the option. */
void pc_req_read(lua_State *L, pc_client *c, pc_req *r, int method_idx, int path_idx, int opts,
                 int target, pc_buf *url, pc_buf *body);

/* [-0, +(0|1), e] Starts attempt r->attempt on slot x: checks the
 * deadline, makes sure of the token, calls on_request and readies the
 * exchange. Returns 1 when the transfer can be performed; else pushes an
 * error and returns 0. */
int pc_req_begin(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, int self);

/* [-0, +1, m] Pushes the outcome of the finished transfer on slot x (see
 * pc_exchange_end); returns the HTTP status, 0 for an error. */
long pc_req_end(lua_State *L, pc_client *c, pc_xfer *x, pc_req *r, CURLcode rc, int self);

/* [-1, +(0|1), e] Decides on the outcome on top (a response when status >
 * 0, else an error; see pc_retry.h for what is retried). PC_DONE leaves the
 * final outcome on top (with `attempts` set, on_response called);
 * PC_REPLAY and PC_RETRY pop it, the latter with *wait set and on_retry
 * called. */
int pc_req_settle(lua_State *L, pc_client *c, pc_req *r, int self, long status, double *wait);

/* [-0, +1, m] Pushes the error of a wait cut short by a signal. */
void pc_req_push_interrupted(lua_State *L, const pc_req *r);

/* [-0, +1, m] Pushes the names of the request options (core.request_options). */
void pc_req_push_options(lua_State *L);

/* client:request(method, path [, opts]) */
int pc_request(lua_State *L);

#endif
