/* pc_sink.c: streaming a success body to a file; see pc_sink.h. */
/* sigtimedwait and F_DUPFD_CLOEXEC are POSIX.1-2008; glibc declares some of
 * what this file uses only with _XOPEN_SOURCE. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pc_interrupt.h"
#include "pc_sink.h"

/* Closes the target written in place, or closes and removes the temporary
 * file; keeps err. */
static void discard(pc_sink *sk) {
  if (sk->direct) close(sk->fd);
  sk->direct = 0;
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

/* The descriptor a path names when it is, by its very name, one of the
 * process's own open files: /dev/stdout, /dev/stderr, /dev/fd/N or
 * /proc/self/fd/N; else -1. Reopening such a path would start a `>>`
 * redirected file at offset 0, and renaming over it would replace the link.
 * Only the name counts: a link elsewhere whose text is one of these is a
 * link like any other (replaced), never a way into the process's files. */
static int own_descriptor(const char *path) {
  static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/"};
  size_t j;
  if (strcmp(path, "/dev/stdout") == 0) return 1;
  if (strcmp(path, "/dev/stderr") == 0) return 2;
  for (j = 0; j < sizeof dirs / sizeof dirs[0]; j++) {
    size_t k = strlen(dirs[j]);
    const char *d = path + k;
    int v = 0;
    if (strncmp(path, dirs[j], k) != 0 || !*d) continue;
    while (*d >= '0' && *d <= '9') {
      int digit = *d++ - '0';
      if (v > (INT_MAX - digit) / 10) return -1;
      v = v * 10 + digit;
    }
    return *d ? -1 : v;
  }
  return -1;
}

/* Makes fd (owned from here) the target written in place. Returns 1. */
static int in_place(pc_sink *sk, int fd) {
  sk->fd = fd;
  sk->direct = 1;
  return 1;
}

/* Opens what the body goes to, from what sk->output names now (decided on
 * the opened file itself, not on an earlier stat): one of the process's own
 * descriptors, a device or a FIFO is written in place; a regular file, a
 * link (replaced, never followed) or nothing yet gets a temporary file beside
 * it. Returns 1, or 0 with err set. */
static int open_target(pc_sink *sk) {
  struct stat st;
  size_t n;
  int fd = own_descriptor(sk->output);
  if (fd >= 0) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0 || fstat(fd, &st) != 0) {
      sk->err = errno;
      if (fd >= 0) close(fd);
      return 0;
    }
    if (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode)) { /* the same refusals as by path */
      sk->err = S_ISDIR(st.st_mode) ? EISDIR : ENOTSUP;
      close(fd);
      return 0;
    }
    return in_place(sk, fd);
  }
  /* O_NONBLOCK for the open only: a FIFO without a reader fails at once
   * (ENXIO) instead of blocking the exchange, a terminal does not wait for a
   * carrier. No O_CREAT, no O_TRUNC: a regular file is not touched here.
   * O_NOFOLLOW: a link, even to a device, is replaced like any link. */
  fd = open(sk->output, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW); /* a link: ELOOP */
  if (fd >= 0) {
    if (fstat(fd, &st) != 0) {
      sk->err = errno;
      close(fd);
      return 0;
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      int flags;
      if ((flags = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
        sk->err = errno;
        close(fd);
        return 0;
      }
      return in_place(sk, fd);
    }
    close(fd);
    if (!S_ISREG(st.st_mode)) { /* a block device */
      sk->err = ENOTSUP;
      return 0;
    }
  } else {
    /* Only nothing there yet (ENOENT), a link (ELOOP: O_NOFOLLOW) or a
     * regular file this process may not open for writing (it may still
     * replace it) goes on to the temporary file. A FIFO nobody reads (ENXIO),
     * a directory, a device without a driver (ENODEV) or one this process may
     * not open is an error, never a node replaced by a file. */
    int e = errno;
    struct stat lst;
    if (e != ENOENT && e != ELOOP && !(lstat(sk->output, &lst) == 0 && S_ISREG(lst.st_mode))) {
      sk->err = e;
      return 0;
    }
  }
  n = strlen(sk->output);
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
  open_target(sk); /* on failure the first write reports err */
}

/* Writes all n bytes to the target written in place, with SIGPIPE blocked
 * for this thread: a reader that went away gives EPIPE (an io error) instead
 * of the signal ending the process. The SIGPIPE this write raised is taken
 * back; one already pending is left. A signal other than a Ctrl-C the host
 * catches does not cut the write short. A reader that stalls holds the
 * write (and the exchange) as it would hold `curl -o`: the request's timeout
 * covers the network, not the target. Returns 1, or 0 with err set. */
static int write_in_place(pc_sink *sk, const char *p, size_t n) {
  sigset_t pipe_only, saved, pending;
  int was_pending, ok = 1;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigemptyset(&pending);
  sigpending(&pending);
  was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &saved);
  while (n > 0) {
    ssize_t w;
    if (pc_interrupt_pending()) { /* a caught Ctrl-C, also after a short write */
      sk->err = EINTR;
      ok = 0;
      break;
    }
    w = write(sk->fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue; /* the check above decides */
      sk->err = errno;
      ok = 0;
      break;
    }
    p += w;
    n -= (size_t)w;
  }
  if (!ok && sk->err == EPIPE && !was_pending) {
    struct timespec now = {0, 0};
    sigtimedwait(&pipe_only, NULL, &now);
  }
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  return ok;
}

size_t pc_sink_write(pc_sink *sk, const char *p, size_t n) {
  if (sk->direct) {
    if (!write_in_place(sk, p, n)) return 0; /* CURLE_WRITE_ERROR */
  } else {
    if (!sk->file) return 0;
    if (fwrite(p, 1, n, sk->file) != n) {
      sk->err = errno ? errno : EIO;
      return 0;
    }
  }
  sk->len += (long long)n;
  return n;
}

int pc_sink_commit(pc_sink *sk) {
  if (!sk->file && !sk->direct && !sk->err && !open_target(sk)) return 0; /* an empty body: an empty file */
  if (sk->direct) { /* written in place: nothing to rename */
    int rc = close(sk->fd);
    sk->direct = 0;
    if (rc != 0 && errno != EINTR) {
      sk->err = errno;
      return 0;
    }
    return 1;
  }
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
