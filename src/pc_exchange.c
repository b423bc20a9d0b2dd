/* pc_exchange.c: one HTTP exchange on a slot; see pc_exchange.h. */
#include "pc_exchange.h"

#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_clock.h"
#include "pc_hook.h"
#include "pc_response.h"
#include "pc_sink.h"
#include "pc_trace.h"
#include "pc_util.h"

/* RFC 9110 token characters, the only ones a header name may hold. */
static int is_tchar(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

int pc_exchange_read_headers(lua_State *L, int idx) {
  pc_buf *lines;
  int have = 0, box;
  idx = lua_absindex(L, idx);
  if (lua_isnil(L, idx)) {
    lua_pushnil(L);
    return 0;
  }
  /* checked here, where it is read: an options table with an __index function
   * may give a table to an earlier check and something else now */
  if (lua_type(L, idx) != LUA_TTABLE)
    luaL_error(L, "bad request option 'headers' (table expected, got %s)", luaL_typename(L, idx));
  lines = pc_buf_box(L); /* freed by its __gc whatever happens */
  box = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t nlen, vlen, i;
    const char *name, *value;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad header name (string expected, got %s)", luaL_typename(L, -2));
    name = lua_tolstring(L, -2, &nlen);
    if (nlen == 0) luaL_error(L, "bad header name (empty)");
    for (i = 0; i < nlen; i++)
      if (!is_tchar((unsigned char)name[i])) luaL_error(L, "bad header name '%s'", name);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "bad header '%s' (string expected, got %s)", name, luaL_typename(L, -1));
    lua_pushvalue(L, -1); /* convert a copy, never the table's value in place */
    value = lua_tolstring(L, -1, &vlen);
    for (i = 0; i < vlen; i++)
      if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
        luaL_error(L, "bad header '%s' (CR, LF or NUL in value)", name);
    if (strcasecmp(name, "accept") == 0) have |= PC_HAVE_ACCEPT;
    if (strcasecmp(name, "content-type") == 0) have |= PC_HAVE_CONTENT_TYPE;
    if (strcasecmp(name, "x-redlock-auth") == 0) have |= PC_HAVE_AUTH;
    if (!(pc_buf_add(lines, name, nlen) && pc_buf_add(lines, ": ", 2) &&
          pc_buf_add(lines, value, vlen) && pc_buf_addc(lines, '\n')))
      luaL_error(L, "not enough memory");
    lua_pop(L, 2);
  }
  if (lines->len) lua_pushlstring(L, lines->data, lines->len);
  else lua_pushnil(L);
  pc_wipe(lines->data, lines->len); /* may hold a credential */
  lua_remove(L, box);
  return have;
}

/* Raises the out-of-memory error of header building. */
static void header(lua_State *L, pc_xfer *x, const char *name, size_t nlen, const char *value,
                   size_t vlen) {
  if (!pc_xfer_header(x, name, nlen, value, vlen)) luaL_error(L, "not enough memory");
}

/* [-0, +0, e] Masks the token and the secret key in slot x's trace. The
 * slot masks its own copy: in client:parallel another request may renew the
 * token (freeing the old one) while this transfer still runs. */
static void mask_client_secrets(lua_State *L, pc_client *c, pc_xfer *x) {
  pc_buf *b = &x->secret_copy;
  pc_buf_wipe(b);
  if (!(pc_buf_add(b, c->token.data ? c->token.data : "", c->token.len) &&
        pc_buf_add(b, c->secret_key.data ? c->secret_key.data : "", c->secret_key.len)))
    luaL_error(L, "not enough memory");
  pc_trace_mask(x, b->data, c->token.len);
  pc_trace_mask(x, b->data + c->token.len, c->secret_key.len);
}

/* [-0, +0, e] Adds the caller's validated lines to the list, masking the
 * values of credential headers in the trace when `tracing` (the lines live
 * as long as the request). */
static void add_caller_headers(lua_State *L, pc_xfer *x, const char *p, size_t len, int tracing) {
  const char *end = p + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *colon = memchr(p, ':', (size_t)(nl - p));
    const char *value = colon + 2;
    header(L, x, p, (size_t)(colon - p), value, (size_t)(nl - value));
    if (tracing && pc_trace_secret_name(p, (size_t)(colon - p)))
      pc_trace_mask(x, value, (size_t)(nl - value));
    p = nl + 1;
  }
}

void pc_exchange_begin(lua_State *L, pc_client *c, pc_xfer *x, const pc_exchange *e) {
  int have = e->have;
  pc_xfer_clear_headers(x);
  x->nsecrets = 0;
  if (c->tracing) mask_client_secrets(L, c, x);
  if (e->headers) add_caller_headers(L, x, e->headers, e->hlen, c->tracing);
  if (!(have & PC_HAVE_ACCEPT)) header(L, x, "Accept", 6, "application/json", 16);
  if (!(have & PC_HAVE_CONTENT_TYPE) &&
      (e->rq.body || (strcmp(e->method, "GET") && strcmp(e->method, "DELETE"))))
    header(L, x, "Content-Type", 12, "application/json", 16);
  if (!(have & PC_HAVE_AUTH) && e->send_token && c->token.len)
    header(L, x, "x-redlock-auth", 14, c->token.data, c->token.len);
  header(L, x, "Expect", 6, "", 0); /* no 100-continue round trip */
  pc_xfer_prepare(x, &e->rq);
}

/* [-0, +0, -] Records the X-RateLimit-* headers of the response on top. */
static void note_rate_limit(lua_State *L, pc_client *c) {
  static const char *const names[] = {"x-ratelimit-remaining", "x-ratelimit-replenish-rate",
                                      "x-ratelimit-burst-capacity", "x-ratelimit-requested-tokens"};
  double *fields[4];
  int i, seen = 0;
  fields[0] = &c->rl.remaining;
  fields[1] = &c->rl.replenish_rate;
  fields[2] = &c->rl.burst_capacity;
  fields[3] = &c->rl.requested_tokens;
  lua_getfield(L, -1, "headers");
  for (i = 0; i < 4; i++) {
    if (lua_getfield(L, -1, names[i]) == LUA_TSTRING && lua_stringtonumber(L, lua_tostring(L, -1))) {
      *fields[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
      seen = 1;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (seen) c->rl.updated_at = pc_now_wall();
}

long pc_exchange_end(lua_State *L, pc_client *c, pc_xfer *x, const pc_exchange *e, CURLcode rc,
                     int self) {
  long long sent = 0, received = 0;
  long status = 0;
  pc_xfer_finish(x, &sent, &received);
  c->stats.requests++;
  c->stats.bytes_sent += (lua_Integer)sent;
  c->stats.bytes_received += (lua_Integer)received;
  if (c->tracing) pc_hook_trace(L, c, self, x);
  if (rc != CURLE_OK) {
    pc_response_push_failure(L, x, rc, e->method, e->path);
    pc_xfer_drop_response(x);
    return 0;
  }
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (x->sink.output && PC_SINK_STATUS(status) && !pc_sink_commit(&x->sink)) {
    pc_response_push_failure(L, x, rc, e->method, e->path);
    return 0;
  }
  if (!pc_response_push(L, x, status, e->method, e->path, c->max_decoded)) {
    pc_xfer_drop_response(x);
    return 0;
  }
  pc_xfer_drop_response(x);
  note_rate_limit(L, c);
  if (status == 429) c->stats.rate_limited++;
  return status;
}
