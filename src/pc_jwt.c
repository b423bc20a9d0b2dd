/* pc_jwt.c: reading a JWT's claims; see pc_jwt.h. */
#include "pc_jwt.h"

#include <string.h>

#include "pc_clock.h"
#include "pc_json.h"

int pc_jwt_header_safe(const char *tok, size_t len) {
  size_t i;
  if (len == 0 || len > PC_JWT_MAX_LEN) return 0;
  for (i = 0; i < len; i++)
    if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e) return 0;
  return 1;
}

/* Decodes base64url (no padding needed) into out; returns 0 on bad input. */
static int base64url_decode(const char *s, size_t len, pc_buf *out) {
  unsigned acc = 0;
  int bits = 0;
  size_t i;
  pc_buf_reset(out);
  if (!pc_buf_grow(out, len)) return 0;
  for (i = 0; i < len; i++) {
    char ch = s[i];
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '-' || ch == '+') v = 62;
    else if (ch == '_' || ch == '/') v = 63;
    else if (ch == '=') break;
    else return 0;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->data[out->len++] = (char)((acc >> bits) & 0xFF);
    }
  }
  out->data[out->len] = '\0';
  return 1;
}

/* [-0, +0, -] Reads a numeric claim of the decoded payload on top; -1 when absent. */
static double claim(lua_State *L, const char *name) {
  double v = -1;
  if (lua_type(L, -1) == LUA_TTABLE) {
    if (lua_getfield(L, -1, name) == LUA_TNUMBER) v = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return v;
}

double pc_jwt_lifetime(lua_State *L, pc_buf *scratch, const char *tok, size_t len, int issued) {
  const char *p1 = memchr(tok, '.', len), *p2;
  char err[64];
  double exp, iat, life = -1;
  int ok;
  if (!p1) return PC_JWT_DEFAULT_LIFE;
  p2 = memchr(p1 + 1, '.', len - (size_t)(p1 + 1 - tok));
  if (!p2 || !base64url_decode(p1 + 1, (size_t)(p2 - p1 - 1), scratch)) {
    pc_buf_wipe(scratch);
    return PC_JWT_DEFAULT_LIFE;
  }
  ok = pc_json_decode(L, scratch->data, scratch->len, err, sizeof err);
  pc_buf_wipe(scratch);
  if (!ok) return PC_JWT_DEFAULT_LIFE;
  exp = claim(L, "exp");
  iat = claim(L, "iat");
  lua_pop(L, 1);
  if (exp <= 0) return PC_JWT_DEFAULT_LIFE;
  life = iat > 0 ? exp - iat : exp - pc_now_wall();
  if (!(life > 0)) return issued ? PC_JWT_DEFAULT_LIFE : 0;
  return life < 1e9 ? life : 1e9;
}
