/* pc_sink.c: streaming a success body to a file; see pc_sink.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc_sink.h"

/* Closes and removes the temporary file, if any; keeps sink_errno. */
static void discard(pc_xfer *x) {
  if (x->sink) fclose(x->sink);
  x->sink = NULL;
  if (x->sink_tmp) {
    unlink(x->sink_tmp);
    free(x->sink_tmp);
    x->sink_tmp = NULL;
  }
}

void pc_sink_reset(pc_xfer *x) {
  discard(x);
  x->sink_state = PC_SINK_UNDECIDED;
  x->sink_len = 0;
  x->sink_errno = 0;
}

/* Creates the temporary file beside x->output. Returns 1, or 0 with sink_errno set. */
static int open_temp(pc_xfer *x) {
  size_t n = strlen(x->output);
  int fd;
  x->sink_tmp = malloc(n + 8);
  if (!x->sink_tmp) {
    x->sink_errno = ENOMEM;
    return 0;
  }
  memcpy(x->sink_tmp, x->output, n);
  memcpy(x->sink_tmp + n, ".XXXXXX", 8);
  fd = mkstemp(x->sink_tmp);
  if (fd < 0) {
    x->sink_errno = errno;
    free(x->sink_tmp);
    x->sink_tmp = NULL;
    return 0;
  }
  x->sink = fdopen(fd, "wb");
  if (!x->sink) {
    x->sink_errno = errno;
    close(fd);
    discard(x);
    return 0;
  }
  return 1;
}

void pc_sink_decide(pc_xfer *x) {
  long status = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (!PC_SINK_STATUS(status)) {
    x->sink_state = PC_SINK_BUFFER; /* an error body: buffered and decoded as usual */
    return;
  }
  x->sink_state = PC_SINK_FILE;
  open_temp(x); /* on failure the first write reports sink_errno */
}

size_t pc_sink_write(pc_xfer *x, const char *p, size_t n) {
  if (!x->sink) return 0;
  if (fwrite(p, 1, n, x->sink) != n) {
    x->sink_errno = errno ? errno : EIO;
    return 0; /* CURLE_WRITE_ERROR */
  }
  x->sink_len += (long long)n;
  return n;
}

int pc_sink_commit(pc_xfer *x) {
  if (!x->sink && !x->sink_errno && !open_temp(x)) return 0; /* an empty body: an empty file */
  if (!x->sink) return 0;
  if (fclose(x->sink) != 0) {
    x->sink = NULL;
    x->sink_errno = errno;
    discard(x);
    return 0;
  }
  x->sink = NULL;
  if (rename(x->sink_tmp, x->output) != 0) {
    x->sink_errno = errno;
    discard(x);
    return 0;
  }
  free(x->sink_tmp);
  x->sink_tmp = NULL;
  return 1;
}
