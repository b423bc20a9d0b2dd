/* pc_sink.c: streaming a success body to a file; see pc_sink.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc_sink.h"

/* Closes and removes the temporary file, if any; keeps sink_errno. */
static void discard(pc_sink *sk) {
  if (sk->file) fclose(sk->file);
  sk->file = NULL;
  if (sk->tmp) {
    unlink(sk->tmp);
    free(sk->tmp);
    sk->tmp = NULL;
  }
}

void pc_sink_reset(pc_sink *sk) {
  discard(sk);
  sk->state = PC_SINK_UNDECIDED;
  sk->len = 0;
  sk->err = 0;
}

/* Creates the temporary file beside sk->output. Returns 1, or 0 with err set. */
static int open_temp(pc_sink *sk) {
  size_t n = strlen(sk->output);
  int fd;
  sk->tmp = malloc(n + 8);
  if (!sk->tmp) {
    sk->err = ENOMEM;
    return 0;
  }
  memcpy(sk->tmp, sk->output, n);
  memcpy(sk->tmp + n, ".XXXXXX", 8);
  fd = mkstemp(sk->tmp);
  if (fd < 0) {
    sk->err = errno;
    free(sk->tmp);
    sk->tmp = NULL;
    return 0;
  }
  sk->file = fdopen(fd, "wb");
  if (!sk->file) {
    sk->err = errno;
    close(fd);
    discard(sk);
    return 0;
  }
  return 1;
}

void pc_sink_decide(pc_sink *sk, long status) {
  if (!PC_SINK_STATUS(status)) {
    sk->state = PC_SINK_BUFFER; /* an error body: buffered and decoded as usual */
    return;
  }
  sk->state = PC_SINK_FILE;
  open_temp(sk); /* on failure the first write reports err */
}

size_t pc_sink_write(pc_sink *sk, const char *p, size_t n) {
  if (!sk->file) return 0;
  if (fwrite(p, 1, n, sk->file) != n) {
    sk->err = errno ? errno : EIO;
    return 0; /* CURLE_WRITE_ERROR */
  }
  sk->len += (long long)n;
  return n;
}

int pc_sink_commit(pc_sink *sk) {
  if (!sk->file && !sk->err && !open_temp(sk)) return 0; /* an empty body: an empty file */
  if (!sk->file) return 0;
  if (fclose(sk->file) != 0) {
    sk->file = NULL;
    sk->err = errno;
    discard(sk);
    return 0;
  }
  sk->file = NULL;
  if (rename(sk->tmp, sk->output) != 0) {
    sk->err = errno;
    discard(sk);
    return 0;
  }
  free(sk->tmp);
  sk->tmp = NULL;
  return 1;
}
