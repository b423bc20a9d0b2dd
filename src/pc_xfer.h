/*
 * pc_xfer: one transfer slot: a libcurl easy handle and the buffers of the
 * exchange it carries, with the libcurl callbacks that fill them. It knows
 * no Lua and no client: everything here is plain C that never raises, so it
 * is safe inside libcurl callbacks. A client has one slot for sequential
 * requests, logins and extends, and a pool of them for client:parallel.
 */
#ifndef PC_XFER_H
#define PC_XFER_H

#include <stdio.h>

#include <curl/curl.h>

#include "pc_buf.h"
#include "pc_sink.h"

/* A cap shared by all the slots of one client: the response bytes they
 * buffer at once (decompressed), whatever the number of slots. */
typedef struct pc_budget {
  size_t max;  /* bytes */
  size_t used; /* bytes buffered now */
} pc_budget;

/* Bytes of one string the trace must never show (points into memory that
 * outlives the transfer: the client's token, a request's header lines). */
typedef struct pc_span {
  const char *p;
  size_t n;
} pc_span;

#define PC_XFER_MAX_SECRETS 8

/* Why a response was cut short by the slot itself. */
enum { PC_CUT_NONE, PC_CUT_BUDGET, PC_CUT_RATIO };

/* Decompressed bytes after which the compression ratio is checked. */
#define PC_RATIO_FLOOR ((size_t)1 << 20)

typedef struct pc_xfer {
  CURL *easy;                      /* owned */
  struct curl_slist *req_headers;  /* headers of the exchange in flight; wiped when freed */
  pc_buf url;                      /* URL of a sequential request */
  pc_buf body;                     /* encoded JSON body of a sequential request */
  pc_buf resp;                     /* body of the response (counted in *budget) */
  pc_buf resp_headers;             /* raw header lines of the response */
  pc_budget *budget;               /* the client's; never NULL once bound */
  double max_ratio;                /* decompressed/received above this is refused; 0: no check */
  int cut;                         /* PC_CUT_* of the exchange in flight */
  char errbuf[CURL_ERROR_SIZE];    /* libcurl's message for the last failure */
  /* a body sent through the read callback (requests that are not idempotent) */
  const char *upload;              /* borrowed for the exchange */
  size_t upload_len, upload_off;
  int resend_refused;              /* libcurl wanted to send the body again; refused */
  pc_sink sink;                    /* a 2xx body streamed to a file (request option output) */
  /* the redacted trace (client option trace; pc_trace.c) */
  pc_buf trace;                    /* lines of the exchange, each ending in '\n' */
  curl_off_t trace_out, trace_in;  /* body bytes not yet reported in the trace */
  pc_span secrets[PC_XFER_MAX_SECRETS]; /* masked wherever they appear in the trace */
  int nsecrets;
  pc_buf secret_copy;              /* the client's secrets as this exchange knew them (wiped) */
} pc_xfer;

/* What one exchange sends. */
typedef struct pc_xfer_request {
  const char *url;     /* NUL-terminated */
  const char *method;  /* GET, POST, PUT, PATCH or DELETE */
  const char *body;    /* NULL: none (POST, PUT and PATCH then send an empty one) */
  size_t blen;
  int resendable;      /* 0: libcurl may not send the body twice on its own (not idempotent) */
  long timeout_ms;     /* for the whole attempt */
  const char *output;  /* stream a 2xx body to this file; NULL: buffer it */
} pc_xfer_request;

/* Sets the slot's callbacks on x->easy (after init or duphandle) and its
 * shared budget. Returns 1, or 0 when libcurl refuses an option. */
int pc_xfer_bind(pc_xfer *x, pc_budget *budget);

/* Frees the slot's handle and buffers, wiping what may hold secrets. */
void pc_xfer_release(pc_xfer *x);

/* Appends "name: value" to the slot's header list. Returns 0 when memory runs out. */
int pc_xfer_header(pc_xfer *x, const char *name, size_t nlen, const char *value, size_t vlen);

/* Frees the header list after zeroing every line (one may hold the token). */
void pc_xfer_clear_headers(pc_xfer *x);

/* Readies the easy handle for one exchange: URL, method, body, timeout,
 * the header list built so far; clears the response of the last one. */
void pc_xfer_prepare(pc_xfer *x, const pc_xfer_request *rq);

/* After the transfer: detaches and wipes the header list; *sent and
 * *received get the bytes of the exchange (headers and bodies). */
void pc_xfer_finish(pc_xfer *x, long long *sent, long long *received);

/* Gives back the response body's memory (and its share of the budget). */
void pc_xfer_drop_response(pc_xfer *x);

/* Cancels whatever the slot was doing (after an error unwound the caller):
 * removes any temporary output file, wipes the header list and the trace. */
void pc_xfer_abandon(pc_xfer *x);

#endif
