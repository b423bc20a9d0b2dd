/*
 * pc_exchange: one HTTP exchange on a slot, the same for a request and for
 * a login or extend: the header list (defaults, the caller's validated
 * lines, the token), the trace's masks, the transfer's set-up; then, after
 * the transfer, the accounting, the trace delivery and the outcome pushed
 * as Lua values. Sequential callers perform the transfer between begin and
 * end with curl_easy_perform, client:parallel with curl multi.
 */
#ifndef PC_EXCHANGE_H
#define PC_EXCHANGE_H

#include <lua.h>

#include "pc_client.h"
#include "pc_xfer.h"

/* Default headers the caller's own lines replace. */
enum { PC_HAVE_ACCEPT = 1, PC_HAVE_CONTENT_TYPE = 2, PC_HAVE_AUTH = 4 };

typedef struct pc_exchange {
  const char *method;     /* canonical: GET, POST, PUT, PATCH, DELETE */
  const char *path;       /* as the caller gave it, for errors (alive for the exchange) */
  size_t path_len;
  pc_xfer_request rq;     /* URL, body, resendable, timeout, output */
  const char *headers;    /* the caller's lines ("Name: value\n" each, validated), or NULL */
  size_t hlen;
  int have;               /* PC_HAVE_* those lines supply */
  int send_token;         /* send x-redlock-auth with the client's token */
} pc_exchange;

/* [-0, +1, e] Validates the caller's header table at `idx` (nil: none) and
 * pushes its lines as one string "Name: value\n..." (nil when none);
 * returns the PC_HAVE_* flags. Raises on misuse, before anything is sent:
 * a name that is not an RFC 9110 token, a value that is not a string or
 * number or holds CR, LF or NUL. */
int pc_exchange_read_headers(lua_State *L, int idx);

/* [-0, +0, e] Readies slot x for exchange e (raises only when memory runs out). */
void pc_exchange_begin(lua_State *L, pc_client *c, pc_xfer *x, const pc_exchange *e);

/* [-0, +1, m] After the transfer on slot x ended with `rc`: accounts it,
 * hands the trace lines to the trace function of the client at `self`,
 * and pushes the outcome: the response table (returns its HTTP status), or
 * the error of a failed transfer or of an undecodable success (returns 0). */
long pc_exchange_end(lua_State *L, pc_client *c, pc_xfer *x, const pc_exchange *e, CURLcode rc,
                     int self);

#endif
