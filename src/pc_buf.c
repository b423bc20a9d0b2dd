/* pc_buf.c: growable byte buffers; see pc_buf.h. */
#include "pc_buf.h"

#include <stdint.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "pc_util.h"

/* Grows capacity geometrically so that `extra` bytes and a NUL fit. */
int pc_buf_grow(pc_buf *b, size_t extra) {
  size_t need, cap;
  char *p;
  if (extra > SIZE_MAX - b->len - 1) return 0;
  need = b->len + extra + 1;
  if (need <= b->cap) return 1;
  cap = b->cap ? b->cap : 256;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  p = realloc(b->data, cap);
  if (!p) return 0;
  b->data = p;
  b->cap = cap;
  return 1;
}

void pc_buf_free(pc_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void pc_buf_wipe(pc_buf *b) {
  if (b->data) pc_wipe(b->data, b->cap);
  pc_buf_free(b);
}

#define PC_BUF_BOX "prismacloud.Buffer"

/* __gc and __close of a boxed buffer: [-0, +0] frees its memory. */
static int box_gc(lua_State *L) {
  /* wiped: a box may hold header lines or a body with a credential, and an
   * error may leave it to the collector before its owner could wipe it */
  pc_buf_wipe((pc_buf *)luaL_checkudata(L, 1, PC_BUF_BOX));
  return 0;
}

pc_buf *pc_buf_box(lua_State *L) {
  pc_buf *b = (pc_buf *)lua_newuserdatauv(L, sizeof *b, 0);
  b->data = NULL;
  b->len = b->cap = 0;
  if (luaL_newmetatable(L, PC_BUF_BOX)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, -2);
  return b;
}
