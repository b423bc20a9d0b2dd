/*
 * pc_trace: the verbose trace of a slot (client option `trace`), redacted
 * as it is collected. Plain C: no Lua; nothing here raises.
 *
 * When a client has a trace function, libcurl runs verbose and the debug
 * callback writes one text line per event into the slot's trace buffer:
 * "* " connection notes, "> " request header lines, "< " response header
 * lines, and for bodies only their size ("> [123 bytes of body]"), never
 * their content (a login body holds the secret, its answer the token).
 * Every line is redacted before it is stored, whatever its shape (HTTP/1.1
 * header lines, HTTP/2 notes such as "h2h3 [name: value]" or
 * "[HTTP/2] [1] [name: value]", proxy URLs): the value after any
 * credential header name, the user-info of any URL, and every occurrence
 * of the slot's masked strings become "<redacted>"; control characters
 * (C0, DEL, C1) and bytes that are not UTF-8 become '?'. pc_hook.c hands the lines to the trace function.
 */
#ifndef PC_TRACE_H
#define PC_TRACE_H

#include "pc_xfer.h"

/* Turns the trace on for slot x (libcurl verbose, debug callback). Returns 1 on success. */
int pc_trace_enable(pc_xfer *x);

/* libcurl debug callback (userdata: the slot): appends redacted lines. */
int pc_trace_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata);

/* After the transfer: appends the pending body-size lines. */
void pc_trace_finish(pc_xfer *x);

/* Whether a header name (n bytes) carries a credential: x-redlock-auth,
 * authorization, proxy-authorization, cookie, set-cookie, x-api-key. */
int pc_trace_secret_name(const char *name, size_t n);

/* Masks the n bytes at p in the slot's trace until the transfer finishes
 * (the memory must live that long). Returns 0 when the table is full. */
int pc_trace_mask(pc_xfer *x, const char *p, size_t n);

#endif
