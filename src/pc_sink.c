/* pc_sink.c: streaming a success body to a file; see pc_sink.h. */
/* realpath(3) is an X/Open function: glibc declares it only with _XOPEN_SOURCE. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc_sink.h"

/* Closes and removes the temporary file, if any (a target written in place
 * is only closed); keeps err. */
static void discard(pc_sink *sk) {
  if (sk->file) fclose(sk->file);
  sk->file = NULL;
  free(sk->target);
  sk->target = NULL;
  sk->direct = 0;
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

/* Opens what the body goes to, from what sk->output names now: a device or
 * FIFO in place (it exists: no O_CREAT, no truncation of anything else);
 * else a temporary file beside the file to replace, which is the link's
 * target for a link. Returns 1, or 0 with err set. */
static int open_target(pc_sink *sk) {
  struct stat st, lst;
  const char *dest = sk->output;
  size_t n;
  int fd;
  if (stat(sk->output, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      sk->err = EISDIR;
      return 0;
    }
    if (!S_ISREG(st.st_mode)) {
      fd = open(sk->output, O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0 || !(sk->file = fdopen(fd, "wb"))) {
        sk->err = errno;
        if (fd >= 0) close(fd);
        return 0;
      }
      sk->direct = 1;
      return 1;
    }
    if (lstat(sk->output, &lst) == 0 && S_ISLNK(lst.st_mode)) {
      sk->target = realpath(sk->output, NULL);
      if (!sk->target) {
        sk->err = errno;
        return 0;
      }
      dest = sk->target;
    }
  }
  n = strlen(dest);
  sk->tmp = malloc(n + 8);
  if (!sk->tmp) {
    sk->err = ENOMEM;
    return 0;
  }
  memcpy(sk->tmp, dest, n);
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
  open_target(sk); /* on failure the first write reports err */
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
  if (!sk->file && !sk->err && !open_target(sk)) return 0; /* an empty body: an empty file */
  if (!sk->file) return 0;
  if (fclose(sk->file) != 0) {
    sk->file = NULL;
    sk->err = errno;
    discard(sk);
    return 0;
  }
  sk->file = NULL;
  if (sk->direct) { /* written in place: nothing to rename */
    sk->direct = 0;
    return 1;
  }
  if (rename(sk->tmp, sk->target ? sk->target : sk->output) != 0) {
    sk->err = errno;
    discard(sk);
    return 0;
  }
  free(sk->tmp);
  sk->tmp = NULL;
  free(sk->target);
  sk->target = NULL;
  return 1;
}
