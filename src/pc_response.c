/* pc_response.c: collecting a response from libcurl and turning it into Lua; see pc_client.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_client.h"
#include "pc_error.h"
#include "pc_json.h"

size_t pc_response_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  size_t n = size * nmemb;
  if (x->output) {
    if (x->sink_state == PC_SINK_UNDECIDED) pc_sink_decide(x);
    if (x->sink_state == PC_SINK_FILE) return pc_sink_write(x, ptr, n);
  }
  if (n > x->max_body - x->resp.len) {
    x->body_too_large = 1;
    return 0; /* CURLE_WRITE_ERROR */
  }
  return pc_buf_add(&x->resp, ptr, n) ? n : 0;
}

size_t pc_response_header(char *ptr, size_t size, size_t nmemb, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  size_t n = size * nmemb;
  /* A new status line (after 100 Continue, a redirect or a proxy CONNECT)
   * starts the headers of the response we keep. */
  if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) pc_buf_reset(&x->resp_headers);
  return pc_buf_add(&x->resp_headers, ptr, n) ? n : 0;
}

void pc_response_push_headers(lua_State *L, pc_buf *raw) {
  char *p, *end;
  lua_createtable(L, 0, 16);
  if (!raw->data) return;
  p = raw->data;
  end = raw->data + raw->len;
  /* skip the status line */
  p = memchr(p, '\n', raw->len);
  if (!p) return;
  p++;
  while (p < end) {
    char *eol = memchr(p, '\n', (size_t)(end - p)), *colon, *ve;
    if (!eol) eol = end;
    ve = eol;
    if (ve > p && ve[-1] == '\r') ve--;
    colon = memchr(p, ':', (size_t)(ve - p));
    if (colon && colon > p) {
      char *q, *v = colon + 1;
      for (q = p; q < colon; q++) *q = (char)tolower((unsigned char)*q);
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      lua_pushlstring(L, p, (size_t)(colon - p));
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TSTRING) {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, -3);
    }
    p = eol + 1;
  }
}

/* Whether a Content-Type names JSON: application/json or any +json type. */
static int is_json_type(const char *ct) {
  const char *semi = strchr(ct, ';');
  size_t n = semi ? (size_t)(semi - ct) : strlen(ct);
  while (n > 0 && ct[n - 1] == ' ') n--;
  return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
         (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

int pc_response_push(lua_State *L, pc_xfer *x, long status, const char *method,
                     const char *path) {
  int json = 0;
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  pc_response_push_headers(L, &x->resp_headers);
  if (lua_getfield(L, -1, "content-type") == LUA_TSTRING) json = is_json_type(lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_setfield(L, -2, "headers");
  if (x->output && PC_SINK_STATUS(status)) { /* streamed to the file: no body */
    lua_pushstring(L, x->output);
    lua_setfield(L, -2, "output");
    lua_pushinteger(L, x->sink_len);
    lua_setfield(L, -2, "size");
    return 1;
  }
  if (x->resp.len == 0) return 1; /* no body: res.body is nil */
  if (json) {
    char err[160];
    if (pc_json_decode(L, x->resp.data, x->resp.len, err, sizeof err)) {
      lua_setfield(L, -2, "body");
      return 1;
    }
    if (status >= 200 && status < 300) {
      lua_pop(L, 1);
      pc_error_push(L, "decode", "");
      lua_pushfstring(L, "invalid JSON in response body: %s", err);
      lua_setfield(L, -2, "message");
      pc_error_setint(L, "status", status);
      pc_error_setstr(L, "method", method);
      pc_error_setstr(L, "path", path);
      return 0;
    }
  }
  lua_pushlstring(L, x->resp.data, x->resp.len);
  lua_setfield(L, -2, "body");
  return 1;
}
