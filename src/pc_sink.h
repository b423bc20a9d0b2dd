/*
 * pc_sink: streaming a success body to a file (request option `output`).
 *
 * A 2xx body goes to a temporary file beside the target (`<output>.XXXXXX`,
 * mode 0600) as it arrives, and is renamed over the target only when the
 * whole exchange succeeded, so a failed or retried download leaves nothing
 * behind and the target is never half-written. Any other status is
 * buffered and decoded as usual (it is an error body); a 204 leaves the
 * target alone. Memory used: libcurl's receive buffer plus stdio's,
 * whatever the size of the file. Plain C: no Lua; nothing here raises.
 */
#ifndef PC_SINK_H
#define PC_SINK_H

#include "pc_xfer.h"

/* Removes any temporary file of slot x and readies it for a new exchange. */
void pc_sink_reset(pc_xfer *x);

/* Called at the first body bytes when x->output is set: a 2xx status
 * streams to a new temporary file beside x->output, anything else is
 * buffered. */
void pc_sink_decide(pc_xfer *x);

/* The write path while streaming: n on success, 0 (a write error for
 * libcurl) with sink_errno set on failure. */
size_t pc_sink_write(pc_xfer *x, const char *p, size_t n);

/* Finishes a successful download: closes the temporary file and renames it
 * over x->output (an empty body makes an empty file). Returns 1, or 0 with
 * sink_errno set and the temporary file removed. */
int pc_sink_commit(pc_xfer *x);

#endif
