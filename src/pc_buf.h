/*
 * pc_buf: a growable byte buffer (malloc-owned), reused across requests.
 * All functions return 1 on success and 0 when memory runs out; they never
 * touch a lua_State, so they are safe inside libcurl callbacks.
 */
#ifndef PC_BUF_H
#define PC_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct pc_buf {
  char *data;   /* owned; NULL until the first append */
  size_t len;   /* bytes in use */
  size_t cap;   /* bytes allocated */
} pc_buf;

#define PC_BUF_INIT {NULL, 0, 0}

/* Makes room for `extra` more bytes (plus one for a trailing NUL). */
int pc_buf_grow(pc_buf *b, size_t extra);

/* Appends n bytes; keeps data NUL-terminated. */
static inline int pc_buf_add(pc_buf *b, const void *p, size_t n) {
  if (b->cap - b->len <= n && !pc_buf_grow(b, n)) return 0;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 1;
}

/* Appends one byte. */
static inline int pc_buf_addc(pc_buf *b, char c) {
  if (b->cap - b->len <= 1 && !pc_buf_grow(b, 1)) return 0;
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
  return 1;
}

static inline int pc_buf_adds(pc_buf *b, const char *s) {
  return pc_buf_add(b, s, strlen(s));
}

/* Empties the buffer but keeps its memory for reuse. */
static inline void pc_buf_reset(pc_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

/* Frees the memory; the buffer is empty and usable again afterwards. */
void pc_buf_free(pc_buf *b);

/* Wipes the bytes with zeros (for secrets) and frees them. */
void pc_buf_wipe(pc_buf *b);

struct lua_State;
/* Pushes a userdata that owns a fresh pc_buf and frees it in __gc/__close;
 * returns that buffer. Used where a Lua error may unwind mid-build. */
pc_buf *pc_buf_box(struct lua_State *L);

#endif
