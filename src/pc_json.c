/*
 * pc_json.c: the JSON <-> Lua 5.4 codec of prismacloud.core; see pc_json.h.
 *
 * Mapping: object <-> plain table (string keys), array <-> table carrying the
 * array metatable (registry key PC_ARRAY_MT), null <-> lightuserdata NULL (the
 * same value as cjson.null), integer <-> math.type "integer", float <-> "float".
 *
 * The encoder raises Lua errors (luaL_error) and allocates nothing of its own:
 * its cycle stack lives in a struct on the C stack and the output buffer is
 * owned by the caller. The decoder never raises on bad input: it restores the
 * Lua stack and reports "<problem> at byte offset N"; only memory errors raise.
 * No mutable global state: the only statics are constant tables.
 */
#include "pc_json.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "pc_buf.h"
#include "pc_util.h"

#if LUA_MAXINTEGER < 9223372036854775807LL
#error "pc_json.c assumes 64-bit Lua integers"
#endif

/* The address of this constant is the empty_array sentinel (never written). */
static const char empty_array_tag = 0;
#define EMPTY_ARRAY ((void *)(uintptr_t)&empty_array_tag)

/* Byte classes shared by both directions:
 * 0 = plain ASCII, copied as is;
 * 1 = '"', '\\' or a control character (escaped by the encoder; the decoder
 *     ends the string, starts an escape or rejects it);
 * 2 = a byte >= 0x80, the start (or not) of a UTF-8 sequence to validate. */
static const unsigned char byte_class[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static const char hex_digits[] = "0123456789abcdef";

#define PC_STR_(x) #x
#define PC_STR(x) PC_STR_(x)
#define DEPTH_TEXT PC_STR(PC_JSON_MAX_DEPTH) /* "1000" */

#define IS_DIGIT(c) ((unsigned)((c) - '0') < 10u)

/* No stack effect. Length (2..4) of the strictly valid UTF-8 sequence that
 * starts at p (a byte >= 0x80) and ends before `end`, or 0 when it is invalid:
 * truncated, overlong, a surrogate (U+D800..DFFF) or above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t avail = (size_t)(end - p);
  if (c < 0xC2) return 0; /* stray continuation byte or overlong C0/C1 */
  if (c < 0xE0) return (avail >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && p[1] > 0x9F) return 0; /* surrogate */
    return 3;
  }
  if (c < 0xF5) {
    if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
        (p[3] & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && p[1] > 0x8F) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

/* Little-endian GCC and clang: the first flagged byte of a word is found
 * with one count-trailing-zeros instead of a byte loop. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PC_SCAN_CTZ 1
#endif

/* No stack effect. A mask with the high bit set in the bytes of w that are
 * not plain (byte_class 0): '"', '\\', a control character or a byte
 * >= 0x80; 0 when all 8 are plain. The zero-byte tests may also flag a
 * plain byte above (after) a flagged one, never before it: the lowest
 * flag is exact. */
static inline uint64_t word_special(uint64_t w) {
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
  return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | w) & highs;
}

/* No stack effect. The first byte in [p, end) that is not plain, or end:
 * 8 bytes at a time while whole words are plain. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *end) {
  while (end - p >= 8) {
    uint64_t w, m;
    memcpy(&w, p, 8);
    m = word_special(w);
    if (m) {
#ifdef PC_SCAN_CTZ
      return p + (__builtin_ctzll(m) >> 3);
#else
      break;
#endif
    }
    p += 8;
  }
  while (p < end && byte_class[*p] == 0) p++;
  return p;
}

/* ------------------------------------------------------------------------ */
/* Encoder                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct enc {
  lua_State *L;
  pc_buf *out;  /* owned by the caller */
  int mt;       /* absolute stack index of the array metatable */
  int depth;    /* tables on the current path */
  const void *path[PC_JSON_MAX_DEPTH + 1]; /* those tables, for cycle checks */
} enc;

/* [-0, +0, e] Raises the out-of-memory error of the encoder. */
static void enc_oom(enc *e) {
  luaL_error(e->L, "json encode: not enough memory");
}

#define PUT(e, s, n) \
  do { if (!pc_buf_add((e)->out, (s), (n))) enc_oom(e); } while (0)
#define PUTC(e, c) \
  do { if (!pc_buf_addc((e)->out, (char)(c))) enc_oom(e); } while (0)
#define PUTLIT(e, s) PUT(e, s, sizeof(s) - 1)

static void enc_value(enc *e, int idx);

/* No stack effect. Appends `str` (n bytes) to `out` as a JSON string:
 * escapes '"', '\\' and control characters, validates UTF-8, copies plain
 * runs in one go. Returns 1, 0 when memory runs out, -1 on invalid UTF-8
 * (the caller decides what to do with the partial output). */
static int add_json_string(pc_buf *out, const char *str, size_t n) {
  const unsigned char *p = (const unsigned char *)str, *end = p + n;
  const unsigned char *run = p;
  char esc[6];
  if (!pc_buf_grow(out, n + 2) || !pc_buf_addc(out, '"')) return 0;
  for (;;) {
    unsigned c;
    size_t k = 2;
    p = scan_plain(p, end);
    if (p >= end) break;
    c = *p;
    if (c >= 0x80) {
      if ((k = utf8_seq(p, end)) == 0) return -1;
      p += k;
      continue;
    }
    if (p > run && !pc_buf_add(out, run, (size_t)(p - run))) return 0;
    esc[0] = '\\';
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex_digits[c >> 4];
        esc[5] = hex_digits[c & 15];
        k = 6;
    }
    if (!pc_buf_add(out, esc, k)) return 0;
    run = ++p;
  }
  if (p > run && !pc_buf_add(out, run, (size_t)(p - run))) return 0;
  return pc_buf_addc(out, '"');
}

/* [-0, +0, e] add_json_string into the encoder's output, raising on failure. */
static void enc_string(enc *e, const char *str, size_t n) {
  int r = add_json_string(e->out, str, n);
  if (r < 0) luaL_error(e->L, "json encode: cannot encode invalid UTF-8 in string");
  if (r == 0) enc_oom(e);
}

/* No stack effect. Writes the decimal text of v into buf (>= 21 bytes),
 * returns its length. */
static size_t fmt_integer(char *buf, lua_Integer v) {
  char tmp[24];
  size_t n = 0, i = 0;
  lua_Unsigned u = v < 0 ? 0u - (lua_Unsigned)v : (lua_Unsigned)v;
  do {
    tmp[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  if (v < 0) buf[i++] = '-';
  while (n) buf[i++] = tmp[--n];
  return i;
}

/* No stack effect. Writes the shortest %.14g..%.17g text of the finite x
 * that reads back as x, with a '.' decimal point whatever the locale, and
 * ".0" added to integral values so that they decode as floats again.
 * buf must hold 40 bytes; returns the length. */
static size_t fmt_float(char *buf, double x) {
  int prec, n = 0, i, integral = 1;
  for (prec = 14; prec <= 17; prec++) {
    n = snprintf(buf, 32, "%.*g", prec, x);
    if (prec == 17 || strtod(buf, NULL) == x) break;
  }
  if (n < 0 || n >= 32) n = 31; /* cannot happen for finite doubles */
  for (i = 0; i < n; i++) {
    char c = buf[i];
    if (c == ',') buf[i] = c = '.';
    if (c == '.' || c == 'e' || c == 'E') integral = 0;
  }
  if (integral) {
    buf[n++] = '.';
    buf[n++] = '0';
  }
  buf[n] = '\0';
  return (size_t)n;
}

/* [-0, +0, e] Appends the number at idx: integers as decimal, floats as
 * fmt_float text; NaN and infinities raise. */
static void enc_number(enc *e, int idx) {
  char buf[40];
  size_t n;
  if (lua_isinteger(e->L, idx)) {
    n = fmt_integer(buf, lua_tointeger(e->L, idx));
  } else {
    double x = (double)lua_tonumber(e->L, idx);
    if (isnan(x) || isinf(x))
      luaL_error(e->L, "json encode: cannot encode NaN or infinity");
    n = fmt_float(buf, x);
  }
  PUT(e, buf, n);
}

/* [-0, +0, e] Appends elements 1..n of the table at idx as a JSON array
 * (nil holes become null). */
static void enc_array(enc *e, int idx, lua_Integer n) {
  lua_State *L = e->L;
  lua_Integer i;
  PUTC(e, '[');
  for (i = 1; i <= n; i++) {
    if (i > 1) PUTC(e, ',');
    lua_rawgeti(L, idx, i);
    enc_value(e, lua_gettop(L));
    lua_pop(L, 1);
  }
  PUTC(e, ']');
}

/* [-0, +0, e] Appends the table at idx: an array when it carries the array
 * metatable or has exactly the keys 1..n, an object when all keys are
 * strings, {} when empty; raises on cycles, depth, sparse or mixed keys. */
static void enc_table(enc *e, int idx) {
  lua_State *L = e->L;
  const void *self = lua_topointer(L, idx);
  int i;
  for (i = 0; i < e->depth; i++)
    if (e->path[i] == self)
      luaL_error(L, "json encode: cannot encode a table that contains itself (cycle)");
  if (e->depth >= PC_JSON_MAX_DEPTH)
    luaL_error(L, "json encode: cannot encode: nesting deeper than " DEPTH_TEXT);
  e->path[e->depth++] = self;
  luaL_checkstack(L, 4, "json encode: nesting too deep");

  if (lua_getmetatable(L, idx)) {
    int is_array = lua_rawequal(L, -1, e->mt);
    lua_pop(L, 1);
    if (is_array) {
      enc_array(e, idx, (lua_Integer)lua_rawlen(L, idx));
      e->depth--;
      return;
    }
  }

  lua_pushnil(L);
  if (!lua_next(L, idx)) {
    PUTLIT(e, "{}");
  } else if (lua_type(L, -2) == LUA_TSTRING) {
    /* object: one pass, every key must be a string */
    int first = 1;
    PUTC(e, '{');
    do {
      size_t klen;
      const char *k;
      if (lua_type(L, -2) != LUA_TSTRING)
        luaL_error(L, "json encode: cannot encode table with mixed or non-string keys");
      if (!first) PUTC(e, ',');
      first = 0;
      k = lua_tolstring(L, -2, &klen); /* a string already: no conversion */
      enc_string(e, k, klen);
      PUTC(e, ':');
      enc_value(e, lua_gettop(L));
      lua_pop(L, 1);
    } while (lua_next(L, idx));
    PUTC(e, '}');
  } else {
    /* array candidate: keys must be exactly 1..n */
    lua_Integer count = 0, max = 0;
    do {
      lua_Integer k = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
      if (k <= 0)
        luaL_error(L, "json encode: cannot encode table with mixed or non-string keys");
      if (k > max) max = k;
      count++;
      lua_pop(L, 1);
    } while (lua_next(L, idx));
    if (max != count) luaL_error(L, "json encode: cannot encode sparse array");
    enc_array(e, idx, count);
  }
  e->depth--;
}

/* [-0, +0, e] Appends the value at the absolute index idx. */
static void enc_value(enc *e, int idx) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      PUTLIT(e, "null");
      break;
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, idx)) PUTLIT(e, "true");
      else PUTLIT(e, "false");
      break;
    case LUA_TNUMBER:
      enc_number(e, idx);
      break;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      enc_string(e, s, n);
      break;
    }
    case LUA_TTABLE:
      enc_table(e, idx);
      break;
    case LUA_TLIGHTUSERDATA: {
      void *p = lua_touserdata(L, idx);
      if (p == NULL) PUTLIT(e, "null");
      else if (p == EMPTY_ARRAY) PUTLIT(e, "[]");
      else luaL_error(L, "json encode: cannot encode a light userdata");
      break;
    }
    default:
      luaL_error(L, "json encode: cannot encode a %s", luaL_typename(L, idx));
  }
}

/* [-0, +1, m] Pushes the array metatable, creating it in the registry under
 * PC_ARRAY_MT when it does not exist yet. */
static void push_array_mt(lua_State *L) {
  if (luaL_getmetatable(L, PC_ARRAY_MT) != LUA_TTABLE) {
    lua_pop(L, 1);
    luaL_newmetatable(L, PC_ARRAY_MT);
  }
}

/* [-0, +0, e] See pc_json.h. The array metatable sits on the stack for the
 * duration; the cycle stack is in `e` on the C stack, so an error leaks
 * nothing (`out` belongs to the caller). */
void pc_json_encode(lua_State *L, int idx, pc_buf *out) {
  enc e;
  idx = lua_absindex(L, idx);
  luaL_checkstack(L, 4, "json encode");
  push_array_mt(L);
  e.L = L;
  e.out = out;
  e.mt = lua_gettop(L);
  e.depth = 0;
  enc_value(&e, idx);
  lua_pop(L, 1);
}

/* No stack effect. See pc_json.h. On failure the bytes appended so far
 * (possibly part of a secret) are wiped and `out` gets its old length back. */
int pc_json_add_string(pc_buf *out, const char *s, size_t len) {
  size_t old = out->len;
  if (add_json_string(out, s, len) == 1) return 1;
  if (out->data != NULL) {
    pc_wipe(out->data + old, out->len - old);
    out->len = old;
    out->data[old] = '\0';
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Decoder                                                                  */
/* ------------------------------------------------------------------------ */

/* Items kept on the Lua stack before their table is created with the right
 * size; longer containers then grow the table item by item. At depth 1000
 * this bounds the stack to ~256k slots, well under LUAI_MAXSTACK. */
#define DEC_ARR_STACK 256 /* array elements */
#define DEC_OBJ_STACK 128 /* object members (2 slots each) */
#define DEC_HINT_MAX 64   /* largest size an object is created with before its end */

typedef struct dec {
  lua_State *L;
  const unsigned char *p;     /* next byte to read */
  const unsigned char *start; /* the input (not owned) */
  const unsigned char *end;   /* one past its last byte: never read */
  int depth;                  /* open arrays and objects */
  int mt;                     /* absolute stack index of the array metatable */
  const char *msg;            /* problem, set on failure */
  const unsigned char *at;    /* offending byte, set on failure */
  size_t budget;              /* estimated bytes of Lua values still allowed */
  int over;                   /* the budget ran out (not a syntax error) */
  struct strcache *sc;        /* recent short strings (see strcache below) */
  int slot;                   /* cache slot of the last string pushed, or -1 */
  int sct;                    /* absolute stack index of the table holding them */
} dec;

/* A cache of recent short strings, per lua_State (in the registry): a page
 * of alerts repeats the same few dozen keys and values thousands of times,
 * and pushing a cached string (compare the bytes, fetch from an array
 * slot) skips Lua's hashing and interning, or for longer strings the
 * allocation. Direct-mapped; the table in its user value holds the strings,
 * so the pointers here stay valid; a slot is replaced whole. */
#define SC_SLOTS 512
#define SC_MAX_KEY 64   /* object keys up to this many bytes are cached */
#define SC_MAX_VALUE 24 /* string values up to this many */
#define PC_STRCACHE "prismacloud.json_strings"

struct strcache {
  const char *p[SC_SLOTS];
  size_t n[SC_SLOTS];
  /* per slot, as the first key of an object: the member count of the
   * last such object (0: none yet), the size the next one is created with */
  unsigned char members[SC_SLOTS];
  /* per slot, as an object key: 1 + the slot of the key that followed it
   * last time (0: none), the key the next member is tried against first */
  unsigned short next[SC_SLOTS];
};

/* Estimated memory of decoded values (64-bit Lua 5.4): a stack or table
 * slot, a table header, a string header, an extra hash-node share. */
#define COST_VALUE 16
#define COST_TABLE 56
#define COST_STRING 24
#define COST_MEMBER 16

/* No stack effect. Charges n estimated bytes; 0 (a failure) when the
 * budget would run out. */
static inline int dec_charge(struct dec *d, size_t n, const unsigned char *at) {
  if (n > d->budget) {
    d->over = 1;
    d->msg = "decoded value over the size limit";
    d->at = at;
    return 0;
  }
  d->budget -= n;
  return 1;
}

/* No stack effect. Records a syntax error; returns 0 for `return dec_fail()`. */
static int dec_fail(dec *d, const char *msg, const unsigned char *at) {
  d->msg = msg;
  d->at = at;
  return 0;
}

#define dec_eof(d) dec_fail((d), "unexpected end of input", (d)->end)

/* No stack effect. First byte at or after p that is not JSON whitespace. */
static inline const unsigned char *skip_ws(const unsigned char *p,
                                           const unsigned char *end) {
  while (p < end && *p <= ' ' &&
         (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static int dec_value(dec *d);

/* No stack effect. Value of the 4 hex digits at p (known to be in bounds),
 * or -1. */
static long hex4(const unsigned char *p) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    unsigned c = p[i];
    v <<= 4;
    if (IS_DIGIT(c)) v |= (long)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (long)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (long)(c - 'A' + 10);
    else return -1;
  }
  return v;
}

/* [-0, +(1|0), m] Finishes a string that contains escapes. `run` is the
 * start of its content, p the first backslash. Uses a luaL_Buffer (its
 * slot is the only thing pushed while it is live); on failure it is left
 * on the stack for pc_json_decode's lua_settop to close. */
static int dec_string_esc(dec *d, const unsigned char *run,
                          const unsigned char *p) {
  const unsigned char *end = d->end;
  luaL_Buffer b;
  luaL_buffinit(d->L, &b);
  for (;;) {
    unsigned c;
    p = scan_plain(p, end);
    if (p >= end) return dec_eof(d);
    c = *p;
    if (c >= 0x80) {
      size_t k = utf8_seq(p, end);
      if (k == 0) return dec_fail(d, "invalid UTF-8", p);
      p += k;
      continue;
    }
    if (p > run) luaL_addlstring(&b, (const char *)run, (size_t)(p - run));
    if (c == '"') {
      if (!dec_charge(d, COST_STRING + luaL_bufflen(&b), p)) return 0;
      luaL_pushresult(&b);
      d->p = p + 1;
      return 1;
    }
    if (c != '\\') return dec_fail(d, "control character in string", p);
    if (p + 1 >= end) return dec_eof(d);
    switch (p[1]) {
      case '"': luaL_addchar(&b, '"'); break;
      case '\\': luaL_addchar(&b, '\\'); break;
      case '/': luaL_addchar(&b, '/'); break;
      case 'b': luaL_addchar(&b, '\b'); break;
      case 'f': luaL_addchar(&b, '\f'); break;
      case 'n': luaL_addchar(&b, '\n'); break;
      case 'r': luaL_addchar(&b, '\r'); break;
      case 't': luaL_addchar(&b, '\t'); break;
      case 'u': {
        char u8[4];
        long cp;
        size_t n;
        if (end - p < 6) return dec_eof(d);
        if ((cp = hex4(p + 2)) < 0) return dec_fail(d, "invalid \\u escape", p);
        if (cp >= 0xDC00 && cp <= 0xDFFF) return dec_fail(d, "lone surrogate", p);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo;
          if (end - p < 12) { /* input ends within the expected pair */
            if ((end - p > 6 && p[6] != '\\') || (end - p > 7 && p[7] != 'u'))
              return dec_fail(d, "lone surrogate", p);
            return dec_eof(d);
          }
          if (p[6] != '\\' || p[7] != 'u') return dec_fail(d, "lone surrogate", p);
          if ((lo = hex4(p + 8)) < 0) return dec_fail(d, "invalid \\u escape", p + 6);
          if (lo < 0xDC00 || lo > 0xDFFF) return dec_fail(d, "lone surrogate", p);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        if (cp < 0x80) {
          u8[0] = (char)cp;
          n = 1;
        } else if (cp < 0x800) {
          u8[0] = (char)(0xC0 | (cp >> 6));
          u8[1] = (char)(0x80 | (cp & 0x3F));
          n = 2;
        } else if (cp < 0x10000) {
          u8[0] = (char)(0xE0 | (cp >> 12));
          u8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
          u8[2] = (char)(0x80 | (cp & 0x3F));
          n = 3;
        } else {
          u8[0] = (char)(0xF0 | (cp >> 18));
          u8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
          u8[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
          u8[3] = (char)(0x80 | (cp & 0x3F));
          n = 4;
        }
        luaL_addlstring(&b, u8, n);
        p += 4; /* the 2 below make the 6 of \uXXXX */
        break;
      }
      default:
        return dec_fail(d, "invalid escape", p);
    }
    p += 2;
    run = p;
  }
}

/* No stack effect. Whether the n bytes at a and b are equal, for the short
 * strings of the cache: whole words, the last one overlapping, never a
 * byte past either end (cheaper than a call to memcmp). */
static inline int same_bytes(const char *a, const unsigned char *b, size_t n) {
  uint64_t x, y;
  size_t i;
  if (n < 8) {
    for (i = 0; i < n; i++)
      if ((unsigned char)a[i] != b[i]) return 0;
    return 1;
  }
  for (i = 0; i + 8 < n; i += 8) {
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y) return 0;
  }
  memcpy(&x, a + n - 8, 8);
  memcpy(&y, b + n - 8, 8);
  return x == y;
}

/* [-0, +1, m] Pushes the n bytes at s (n >= 1), from the string cache
 * when they are there, else as a new string that then takes its slot;
 * d->slot says which slot. */
static void push_cached(dec *d, const unsigned char *s, size_t n) {
  struct strcache *sc = d->sc;
  unsigned slot = ((unsigned)n * 131u + s[0] * 31u + s[n >> 1] * 7u + s[n - 1]) & (SC_SLOTS - 1);
  d->slot = (int)slot;
  if (sc->n[slot] == n && same_bytes(sc->p[slot], s, n)) {
    lua_rawgeti(d->L, d->sct, (lua_Integer)slot + 1);
    return;
  }
  lua_pushlstring(d->L, (const char *)s, n);
  lua_pushvalue(d->L, -1);
  lua_rawseti(d->L, d->sct, (lua_Integer)slot + 1);
  sc->p[slot] = lua_tostring(d->L, -1);
  sc->n[slot] = n;
  sc->members[slot] = 0; /* another string: its hint starts over */
}

/* [-0, +(0|1), m] Pushes the object key at d->p when it is the cached
 * string of `slot` followed by its closing quote (then the bytes are known
 * plain: they were scanned when cached); returns 0, pushing nothing, when
 * it is not. */
static int dec_predicted_key(dec *d, int slot) {
  const unsigned char *p = d->p + 1;
  size_t n = d->sc->n[slot];
  if (n == 0 || (size_t)(d->end - p) <= n || p[n] != '"' || !same_bytes(d->sc->p[slot], p, n)) return 0;
  if (!dec_charge(d, COST_STRING + n, p)) return 0; /* the slow path then fails the same way */
  lua_rawgeti(d->L, d->sct, (lua_Integer)slot + 1);
  d->slot = slot;
  d->p = p + n + 1;
  return 1;
}

/* [-0, +(1|0), m] Parses the string whose opening quote is at d->p (an
 * object key when `key`). Without escapes it is pushed straight from the
 * input, or from the string cache when short. */
static int dec_string(dec *d, int key) {
  const unsigned char *p = d->p + 1, *end = d->end, *run = p;
  for (;;) {
    unsigned c;
    p = scan_plain(p, end);
    if (p >= end) return dec_eof(d);
    c = *p;
    if (c == '"') {
      size_t n = (size_t)(p - run);
      if (!dec_charge(d, COST_STRING + n, run)) return 0;
      if (n > 0 && n <= (key ? SC_MAX_KEY : SC_MAX_VALUE)) {
        push_cached(d, run, n);
      } else {
        lua_pushlstring(d->L, (const char *)run, n);
        d->slot = -1;
      }
      d->p = p + 1;
      return 1;
    }
    if (c >= 0x80) {
      size_t k = utf8_seq(p, end);
      if (k == 0) return dec_fail(d, "invalid UTF-8", p);
      p += k;
      continue;
    }
    if (c == '\\') {
      d->slot = -1;
      return dec_string_esc(d, run, p);
    }
    return dec_fail(d, "control character in string", p);
  }
}

/* [-0, +(1|0), m] Parses the number at d->p with the strict JSON grammar.
 * Integer text that fits 64 bits becomes an integer; anything else a float
 * (converted from a NUL-terminated copy: on the C stack when short, else a
 * malloc'd copy freed before anything can raise). */
static int dec_number(dec *d) {
  const unsigned char *s = d->p, *p = s, *end = d->end, *digits;
  int neg = 0, is_float = 0;
  size_t ndig, len;
  char small[64], *text;
  lua_Number x;
  lua_Unsigned v = 0; /* the integer part, accumulated as it is scanned (used up to 19 digits) */

  if (*p == '-') {
    neg = 1;
    if (++p >= end) return dec_eof(d);
  }
  digits = p;
  if (*p == '0') {
    p++;
    if (p < end && IS_DIGIT(*p)) return dec_fail(d, "leading zero in number", p);
  } else if (IS_DIGIT(*p)) {
    while (p < end && IS_DIGIT(*p)) v = v * 10 + (lua_Unsigned)(*p++ - '0'); /* wraps past 19 */
  } else {
    return dec_fail(d, "invalid number", p);
  }
  ndig = (size_t)(p - digits);
  if (p < end && *p == '.') {
    if (++p >= end) return dec_eof(d);
    if (!IS_DIGIT(*p)) return dec_fail(d, "invalid number", p);
    while (p < end && IS_DIGIT(*p)) p++;
    is_float = 1;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    if (++p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end) return dec_eof(d);
    if (!IS_DIGIT(*p)) return dec_fail(d, "invalid number", p);
    while (p < end && IS_DIGIT(*p)) p++;
    is_float = 1;
  }
  d->p = p;

  if (!is_float && ndig <= 19) { /* 19 digits always fit in 64 unsigned bits */
    if (!neg && v <= (lua_Unsigned)LUA_MAXINTEGER) {
      lua_pushinteger(d->L, (lua_Integer)v);
      return 1;
    }
    if (neg && v <= (lua_Unsigned)LUA_MAXINTEGER + 1u) {
      lua_pushinteger(d->L, v == 0 ? 0 : -(lua_Integer)(v - 1) - 1);
      return 1;
    }
  }

  len = (size_t)(p - s);
  text = len < sizeof small ? small : (char *)malloc(len + 1);
  if (text == NULL) return luaL_error(d->L, "json decode: not enough memory");
  memcpy(text, s, len);
  text[len] = '\0';
  len = lua_stringtonumber(d->L, text);
  if (len == 0) { /* strtod wants the locale's decimal point: retry with it */
    char *dot = strchr(text, '.');
    if (dot != NULL) {
      *dot = localeconv()->decimal_point[0];
      len = lua_stringtonumber(d->L, text);
    }
  }
  if (text != small) free(text);
  if (len == 0) return dec_fail(d, "invalid number", s);
  x = lua_tonumber(d->L, -1); /* integer text past 64 bits is a float here */
  lua_pop(d->L, 1);
  if (isinf(x)) return dec_fail(d, "number out of range", s);
  lua_pushnumber(d->L, x);
  return 1;
}

/* No stack effect. Checks that the literal `lit` (n bytes, first one already
 * matched) is at d->p and moves past it. */
static int dec_literal(dec *d, const char *lit, size_t n) {
  const unsigned char *p = d->p;
  size_t i;
  if ((size_t)(d->end - p) >= n && memcmp(p, lit, n) == 0) {
    d->p = p + n;
    return 1;
  }
  for (i = 1; i < n; i++) {
    if (p + i >= d->end) return dec_eof(d);
    if (p[i] != (unsigned char)lit[i]) return dec_fail(d, "invalid literal", p + i);
  }
  return 0; /* not reached */
}

/* [-n, +1, m] Replaces the n values above `base` by one table holding them
 * as items 1..n, created with exactly that array size. */
static void arr_collect(lua_State *L, int base, int n) {
  int i;
  lua_createtable(L, n, 0);
  lua_rotate(L, base + 1, 1); /* the table goes below its items */
  for (i = n; i > 0; i--) lua_rawseti(L, base + 1, i);
}

/* [-2n, +1, m] Replaces the n key/value pairs above `base` by one table
 * holding them, created with that hash size (later duplicates win). */
static void obj_collect(lua_State *L, int base, int n) {
  int i;
  lua_createtable(L, 0, n);
  for (i = 1; i <= n; i++) {
    lua_pushvalue(L, base + 2 * i - 1);
    lua_pushvalue(L, base + 2 * i);
    lua_rawset(L, -3);
  }
  lua_replace(L, base + 1);
  lua_settop(L, base + 1);
}

/* [-0, +(1|0), m] Parses the array whose '[' is at d->p; the table gets the
 * array metatable. Items wait on the stack until the size is known (room
 * for them is made once, not per item). */
static int dec_array(dec *d) {
  lua_State *L = d->L;
  const unsigned char *p = d->p, *end = d->end;
  int base = lua_gettop(L), n = 0;
  lua_Integer i = 0; /* > 0 once the table exists (long arrays) */
  if (++d->depth > PC_JSON_MAX_DEPTH)
    return dec_fail(d, "nesting deeper than " DEPTH_TEXT, p);
  if (!dec_charge(d, COST_TABLE, p)) return 0;
  p = skip_ws(p + 1, end);
  if (p < end && *p == ']') {
    lua_createtable(L, 0, 0);
  } else {
    luaL_checkstack(L, DEC_ARR_STACK + 8, "json decode");
    for (;;) {
      d->p = p;
      if (!dec_value(d)) return 0;
      if (i) {
        lua_rawseti(L, base + 1, ++i);
      } else if (++n == DEC_ARR_STACK) {
        arr_collect(L, base, n);
        i = n;
      }
      p = skip_ws(d->p, end);
      if (p >= end) return dec_eof(d);
      if (*p == ',') {
        p = skip_ws(p + 1, end);
        continue;
      }
      if (*p == ']') break;
      return dec_fail(d, "expected ',' or ']'", p);
    }
    if (!i) arr_collect(L, base, n);
  }
  lua_pushvalue(L, d->mt);
  lua_setmetatable(L, -2);
  d->p = p + 1;
  d->depth--;
  return 1;
}

/* [-0, +(1|0), m] Parses the object whose '{' is at d->p into a plain table.
 * When its first key is in the string cache with a member count from an
 * earlier object (see strcache), the table is created at once with that
 * size (at most DEC_HINT_MAX, charged to the budget up front) and members
 * go straight into it; otherwise they wait on the stack until the size is
 * known. A wrong guess only costs Lua a resize. Later duplicates win. */
static int dec_object(dec *d) {
  lua_State *L = d->L;
  const unsigned char *p = d->p, *end = d->end;
  int base = lua_gettop(L), n = 0, direct = 0, first = -1, prepaid = 0, prev = -1;
  if (++d->depth > PC_JSON_MAX_DEPTH)
    return dec_fail(d, "nesting deeper than " DEPTH_TEXT, p);
  if (!dec_charge(d, COST_TABLE, p)) return 0;
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') {
    lua_createtable(L, 0, 0);
  } else {
    luaL_checkstack(L, 2 * DEC_OBJ_STACK + 8, "json decode");
    for (;;) {
      if (p >= end) return dec_eof(d);
      if (*p != '"') return dec_fail(d, "expected string key", p);
      d->p = p;
      if (!(prev >= 0 && d->sc->next[prev] && dec_predicted_key(d, d->sc->next[prev] - 1)) &&
          !dec_string(d, 1))
        return 0;
      if (prev >= 0 && d->slot >= 0) d->sc->next[prev] = (unsigned short)(d->slot + 1);
      prev = d->slot;
      if (n == 0 && !direct && (first = d->slot) >= 0 && d->sc->members[first] > 0) {
        prepaid = d->sc->members[first];
        if (!dec_charge(d, (size_t)prepaid * COST_MEMBER, p)) return 0;
        lua_createtable(L, 0, prepaid);
        lua_insert(L, -2); /* below the first key */
        direct = 1;
      }
      p = skip_ws(d->p, end);
      if (p >= end) return dec_eof(d);
      if (*p != ':') return dec_fail(d, "expected ':'", p);
      if (n >= prepaid && !dec_charge(d, COST_MEMBER, p)) return 0;
      d->p = skip_ws(p + 1, end);
      if (!dec_value(d)) return 0;
      n++;
      if (direct) {
        lua_rawset(L, base + 1);
      } else if (n == DEC_OBJ_STACK) {
        obj_collect(L, base, n);
        direct = 1;
      }
      p = skip_ws(d->p, end);
      if (p >= end) return dec_eof(d);
      if (*p == ',') {
        p = skip_ws(p + 1, end);
        continue;
      }
      if (*p == '}') break;
      return dec_fail(d, "expected ',' or '}'", p);
    }
    if (!direct) obj_collect(L, base, n);
    /* the slot may hold another string by now: then the hint goes to it, harmlessly */
    if (first >= 0) d->sc->members[first] = (unsigned char)(n < DEC_HINT_MAX ? n : DEC_HINT_MAX);
  }
  d->p = p + 1;
  d->depth--;
  return 1;
}

/* [-0, +(1|0), m] Parses the value at d->p (whitespace already skipped). */
static int dec_value(dec *d) {
  const unsigned char *p = d->p;
  if (p >= d->end) return dec_eof(d);
  if (!dec_charge(d, COST_VALUE, p)) return 0;
  switch (*p) {
    case '"':
      return dec_string(d, 0);
    case '{':
      return dec_object(d);
    case '[':
      return dec_array(d);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return dec_number(d);
    case 't':
      if (!dec_literal(d, "true", 4)) return 0;
      lua_pushboolean(d->L, 1);
      return 1;
    case 'f':
      if (!dec_literal(d, "false", 5)) return 0;
      lua_pushboolean(d->L, 0);
      return 1;
    case 'n':
      if (!dec_literal(d, "null", 4)) return 0;
      lua_pushlightuserdata(d->L, NULL);
      return 1;
    default:
      return dec_fail(d, "unexpected character", p);
  }
}

/* [-0, +1, m] Pushes the table of this lua_State's string cache (made on
 * first use and kept in the registry) and returns the cache. */
static struct strcache *push_strcache(lua_State *L) {
  struct strcache *sc;
  if (lua_getfield(L, LUA_REGISTRYINDEX, PC_STRCACHE) != LUA_TUSERDATA) {
    lua_pop(L, 1);
    sc = (struct strcache *)lua_newuserdatauv(L, sizeof *sc, 1);
    memset(sc, 0, sizeof *sc);
    lua_createtable(L, SC_SLOTS, 0);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, PC_STRCACHE);
  }
  sc = (struct strcache *)lua_touserdata(L, -1);
  lua_getiuservalue(L, -1, 1);
  lua_remove(L, -2);
  return sc;
}

/* [-0, +(1|0), m] See pc_json.h. The input is borrowed, never read past
 * s+len; the array metatable and the string cache's table are kept at
 * fixed slots during the parse. */
int pc_json_decode_capped(lua_State *L, const char *s, size_t len, size_t cap,
                          char *err, size_t errlen) {
  dec d;
  int top = lua_gettop(L);
  const unsigned char *p;
  luaL_checkstack(L, 8, "json decode");
  push_array_mt(L);
  d.sc = push_strcache(L);
  d.sct = top + 2;
  d.slot = -1;
  d.L = L;
  d.start = (const unsigned char *)s;
  d.end = d.start + len;
  d.depth = 0;
  d.mt = top + 1;
  d.msg = "invalid JSON";
  d.at = d.start;
  d.budget = cap;
  d.over = 0;
  d.p = skip_ws(d.start, d.end);
  if (!dec_value(&d)) goto fail;
  p = skip_ws(d.p, d.end);
  if (p != d.end) {
    dec_fail(&d, "trailing characters", p);
    goto fail;
  }
  lua_replace(L, top + 1); /* the value where the metatable was, */
  lua_settop(L, top + 1);  /* and the cache's table gone */
  return 1;
fail:
  lua_settop(L, top); /* also closes a pending luaL_Buffer box */
  if (err != NULL && errlen > 0)
    snprintf(err, errlen, "%s at byte offset %zu", d.msg,
             (size_t)(d.at - d.start));
  return d.over ? -1 : 0;
}

int pc_json_decode(lua_State *L, const char *s, size_t len, char *err,
                   size_t errlen) {
  return pc_json_decode_capped(L, s, len, (size_t)-1, err, errlen) == 1;
}

/* ------------------------------------------------------------------------ */
/* Lua functions                                                            */
/* ------------------------------------------------------------------------ */

/* encode(value) -> string. [-0, +1, e] The output is built in a boxed
 * pc_buf marked to-be-closed, so a raised error frees it at once. */
static int l_encode(lua_State *L) {
  pc_buf *b;
  int n = lua_gettop(L);
  if (n != 1) return luaL_error(L, "json encode: expected 1 argument, got %d", n);
  b = pc_buf_box(L);
  lua_toclose(L, 2);
  pc_json_encode(L, 1, b);
  lua_pushlstring(L, b->data, b->len);
  pc_buf_free(b);
  return 1;
}

/* decode(string) -> value. [-0, +1, e] Raises "json decode: <problem> at
 * byte offset N" on malformed input, like cjson.decode. */
static int l_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char err[128];
  if (!pc_json_decode(L, s, len, err, sizeof err))
    return luaL_error(L, "json decode: %s", err);
  return 1;
}

/* [-0, +0, m] See pc_json.h. Creates the array metatable (registry key
 * PC_ARRAY_MT, only __name set) when it does not exist yet. */
void pc_json_register(lua_State *L) {
  luaL_checkstack(L, 3, "json register");
  lua_pushcfunction(L, l_encode);
  lua_setfield(L, -2, "encode");
  lua_pushcfunction(L, l_decode);
  lua_setfield(L, -2, "decode");
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  push_array_mt(L);
  lua_setfield(L, -2, "array_mt");
  lua_pushlightuserdata(L, EMPTY_ARRAY);
  lua_setfield(L, -2, "empty_array");
}
