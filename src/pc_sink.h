/*
 * pc_sink: streaming a success body to a file (request option `output`).
 *
 * A 2xx body goes to a temporary file beside the target (`<output>.XXXXXX`,
 * mode 0600) as it arrives, and is renamed over the target only when the
 * whole exchange succeeded, so a failed or retried download leaves nothing
 * behind and the target is never half-written. A symbolic link is replaced
 * as it is, never followed, whatever it names (a link planted where a file
 * is expected must not redirect the write). Written in place instead, since
 * they cannot be replaced and must not be: the process's own descriptors by
 * name (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: a dup, so a
 * `>>` redirection stays an append), character devices and FIFOs (opened
 * without blocking: a FIFO nobody reads is an error, ENXIO). There a failed
 * exchange may leave part of the body, and once bytes went there it is not
 * sent again; a reader that went away is an error (EPIPE), never a SIGPIPE
 * that ends the process. A block device is refused (ENOTSUP), as is a
 * directory (EISDIR), and a node that cannot be opened is an error (never
 * replaced by a file). Any other status is
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
  int fd;             /* the target written in place, when direct */
  int direct;         /* 1: written in place (fd), no temporary file */
  long long len;      /* bytes written to it */
  int state;          /* PC_SINK_* of the exchange in flight */
  int err;            /* why creating or writing the file failed (errno); 0: it did not */
} pc_sink;

/* Removes any temporary file and readies the sink for a new exchange (keeps output). */
void pc_sink_reset(pc_sink *s);

/* Called at the first body bytes when s->output is set: a 2xx `status`
 * streams to s->output (a new temporary file beside it, or the target itself
 * in place), anything else is buffered. */
void pc_sink_decide(pc_sink *s, long status);

/* The write path while streaming: n on success, 0 (a write error for
 * libcurl) with s->err set on failure. */
size_t pc_sink_write(pc_sink *s, const char *p, size_t n);

/* Finishes a successful download: closes the temporary file and renames it
 * over s->output (an empty body makes an empty file), or closes the target
 * written in place. Returns 1, or 0 with s->err set and the temporary file
 * removed. */
int pc_sink_commit(pc_sink *s);

#endif
