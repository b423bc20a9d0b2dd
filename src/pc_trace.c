/*
 * pc_trace.c: the verbose trace (client option `trace`).
 *
 * When a client has a trace function, libcurl runs verbose and its debug
 * callback writes one text line per event into the slot's trace buffer,
 * already redacted: "* " connection notes, "> " request header lines, "< "
 * response header lines, and for bodies only their size ("> [123 bytes of
 * body]"), never their content (a login body holds the secret, its response
 * the token). Values of the headers that carry credentials are replaced by
 * "<redacted>". After each exchange the lines go to the trace function, one
 * call per line, under pcall, outside any libcurl callback.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_client.h"

/* Header names whose values are never shown. */
static const char *const SECRET_HEADERS[] = {"x-redlock-auth", "authorization",
                                             "proxy-authorization", "cookie", "set-cookie",
                                             "x-api-key", NULL};

/* Whether the header line (name: value) carries a credential. */
static int secret_header(const char *line, size_t len) {
  const char *colon = memchr(line, ':', len);
  size_t n;
  int i;
  if (!colon) return 0;
  n = (size_t)(colon - line);
  for (i = 0; SECRET_HEADERS[i]; i++)
    if (strlen(SECRET_HEADERS[i]) == n && strncasecmp(line, SECRET_HEADERS[i], n) == 0) return 1;
  return 0;
}

/* Appends "<prefix><line>\n" to the trace, redacting a credential's value
 * and replacing control characters. Never touches Lua; on out-of-memory the
 * line is dropped. */
static void add_line(pc_xfer *x, const char *prefix, const char *line, size_t len) {
  size_t i;
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
  if (len == 0) return;
  if (!pc_buf_adds(&x->trace, prefix)) return;
  if (secret_header(line, len)) {
    const char *colon = memchr(line, ':', len);
    pc_buf_add(&x->trace, line, (size_t)(colon - line));
    pc_buf_adds(&x->trace, ": <redacted>\n");
    return;
  }
  for (i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)line[i];
    if (!pc_buf_addc(&x->trace, ch < 0x20 || ch == 0x7f ? '?' : (char)ch)) return;
  }
  pc_buf_addc(&x->trace, '\n');
}

/* Adds every line of a block (header blocks come whole or a line at a time). */
static void add_block(pc_xfer *x, const char *prefix, const char *data, size_t len) {
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t n = nl ? (size_t)(nl - data) + 1 : len;
    add_line(x, prefix, data, n);
    data += n;
    len -= n;
  }
}

/* Emits the pending body-size line of one direction. */
static void add_body_size(pc_xfer *x, const char *prefix, curl_off_t *count) {
  char line[64];
  if (*count <= 0) return;
  snprintf(line, sizeof line, "[%lld bytes of body]", (long long)*count);
  add_line(x, prefix, line, strlen(line));
  *count = 0;
}

int pc_trace_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  (void)easy;
  switch (type) {
    case CURLINFO_TEXT:
      add_block(x, "* ", data, size);
      break;
    case CURLINFO_HEADER_OUT:
      add_block(x, "> ", data, size);
      break;
    case CURLINFO_DATA_OUT:
      x->trace_out += (curl_off_t)size;
      break;
    case CURLINFO_HEADER_IN:
      add_body_size(x, "> ", &x->trace_out);
      add_block(x, "< ", data, size);
      break;
    case CURLINFO_DATA_IN:
      x->trace_in += (curl_off_t)size;
      break;
    default: /* TLS records: nothing readable */
      break;
  }
  return 0;
}

int pc_trace_enable(pc_xfer *x) {
  int ok = curl_easy_setopt(x->easy, CURLOPT_DEBUGFUNCTION, pc_trace_debug) == CURLE_OK;
  ok &= curl_easy_setopt(x->easy, CURLOPT_DEBUGDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(x->easy, CURLOPT_VERBOSE, 1L) == CURLE_OK;
  return ok;
}

void pc_trace_flush(lua_State *L, pc_client *c, pc_xfer *x, int self) {
  const char *p, *end;
  add_body_size(x, "> ", &x->trace_out);
  add_body_size(x, "< ", &x->trace_in);
  if (x->trace.len == 0) return;
  lua_getiuservalue(L, self, 1);
  lua_getfield(L, -1, "hooks");
  lua_getfield(L, -1, "trace"); /* user value, hooks, function: fetched once for every line */
  p = x->trace.data;
  end = p + x->trace.len;
  while (lua_type(L, -1) == LUA_TFUNCTION && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    lua_pushvalue(L, -1);
    lua_pushlstring(L, p, (size_t)(nl - p));
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
      c->stats.hook_errors++;
      lua_warning(L, "prismacloud: trace function failed: ", 1);
      lua_warning(L, luaL_tolstring(L, -1, NULL), 0);
      lua_pop(L, 2);
      break;
    }
    p = nl + 1;
  }
  lua_pop(L, 3);
  pc_buf_reset(&x->trace);
  if (c->closed) luaL_error(L, "the client was closed by a hook during a request");
}
