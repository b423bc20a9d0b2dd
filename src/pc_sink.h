/*
 * pc_sink: streaming a success body to a file (request option `output`).
 *
 * A 2xx body goes to a temporary file beside the target (`<output>.XXXXXX`,
 * mode 0600) as it arrives, and is renamed over the target only when the
 * whole exchange succeeded, so a failed or retried download leaves nothing
 * behind and the target is never half-written. A symbolic link is
 * followed: the file it names is replaced and the link stays. A target that
 * exists and is neither a regular file nor a directory (/dev/null, a
 * terminal, a FIFO) cannot be replaced and must not be: the body is written
 * to it in place, and once bytes went there the exchange is not retried.
 * A directory is refused (EISDIR). Any other status is
 * buffered and decoded as usual (it is an error body); a 204 leaves the
 * target alone. Memory used: libcurl's receive buffer plus stdio's,
 * whatever the size of the file. Plain C: no Lua; nothing here raises.
 */
#ifndef PC_SINK_H
#define PC_SINK_H

#include <stddef.h>
#include <stdio.h>

/* Where a body with `output` goes. */
enum { PC_SINK_UNDECIDED, PC_SINK_FILE, PC_SINK_BUFFER };

/* The statuses whose body goes to the output file: 2xx but 204 (No Content
 * says there is no file, so the target is left as it is). */
#define PC_SINK_STATUS(status) ((status) >= 200 && (status) < 300 && (status) != 204)

typedef struct pc_sink {
  const char *output; /* the target (borrowed for the exchange); NULL: no file */
  FILE *file;         /* the temporary file beside it, while streaming */
  char *tmp;          /* its name (malloc'd) */
  char *target;       /* what a link names, renamed over instead of the link (malloc'd); NULL: output */
  int direct;         /* 1: written in place (a device or FIFO), no temporary file */
  long long len;      /* bytes written to it */
  int state;          /* PC_SINK_* of the exchange in flight */
  int err;            /* why creating or writing the file failed (errno); 0: it did not */
} pc_sink;

/* Removes any temporary file and readies the sink for a new exchange (keeps output). */
void pc_sink_reset(pc_sink *s);

/* Called at the first body bytes when s->output is set: a 2xx `status`
 * streams to a new temporary file beside s->output, anything else is
 * buffered. */
void pc_sink_decide(pc_sink *s, long status);

/* The write path while streaming: n on success, 0 (a write error for
 * libcurl) with s->err set on failure. */
size_t pc_sink_write(pc_sink *s, const char *p, size_t n);

/* Finishes a successful download: closes the temporary file and renames it
 * over s->output (an empty body makes an empty file). Returns 1, or 0 with
 * s->err set and the temporary file removed. */
int pc_sink_commit(pc_sink *s);

#endif
