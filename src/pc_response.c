/* pc_response.c: a finished transfer as Lua values; see pc_response.h. */
#include "pc_response.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_error.h"
#include "pc_json.h"
#include "pc_retry.h"
#include "pc_sink.h"

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

int pc_response_push(lua_State *L, pc_xfer *x, long status, const char *method, const char *path,
                     size_t max_decoded) {
  int json = 0;
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  pc_response_push_headers(L, &x->resp_headers);
  if (lua_getfield(L, -1, "content-type") == LUA_TSTRING) json = is_json_type(lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_setfield(L, -2, "headers");
  if (x->sink.output && PC_SINK_STATUS(status)) { /* streamed to the file: no body */
    lua_pushstring(L, x->sink.output);
    lua_setfield(L, -2, "output");
    lua_pushinteger(L, (lua_Integer)x->sink.len);
    lua_setfield(L, -2, "size");
    return 1;
  }
  if (x->resp.len == 0) return 1; /* no body: res.body is nil */
  if (json) {
    char err[160];
    int ok = pc_json_decode_capped(L, x->resp.data, x->resp.len, max_decoded, err, sizeof err);
    if (ok == 1) {
      lua_setfield(L, -2, "body");
      return 1;
    }
    if (status >= 200 && status < 300) {
      lua_pop(L, 1);
      pc_error_push(L, "decode", "");
      if (ok < 0)
        lua_pushfstring(L, "response body too large to decode: over max_decoded (%I bytes)",
                        (lua_Integer)max_decoded);
      else
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

/* The error kind of a libcurl failure. */
static const char *transport_kind(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE: case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED: case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED: case CURLE_USE_SSL_FAILED:
      return "tls";
    default:
      return "transport";
  }
}

void pc_response_push_failure(lua_State *L, pc_xfer *x, CURLcode rc, const char *method,
                              const char *path) {
  int transient = pc_retry_transient(0, rc);
  if (x->sink.err) {
    pc_error_push(L, "io", "");
    lua_pushfstring(L, "cannot write '%s': %s", x->sink.output, strerror(x->sink.err));
    lua_setfield(L, -2, "message");
    pc_error_setstr(L, "output", x->sink.output);
    transient = 0;
  } else if (x->cut == PC_CUT_BUDGET) {
    pc_error_push(L, "transport", "");
    lua_pushfstring(L, "response body larger than max_body (%I bytes buffered at once)",
                    (lua_Integer)x->budget->max);
    lua_setfield(L, -2, "message");
    transient = 0;
  } else if (x->cut == PC_CUT_RATIO) {
    pc_error_push(L, "transport", "");
    lua_pushfstring(L, "response body decompresses more than %d times its size (max_ratio): refused",
                    (int)x->max_ratio);
    lua_setfield(L, -2, "message");
    transient = 0;
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    pc_error_push(L, "interrupted", "interrupted (SIGINT) during the transfer");
    transient = 0;
  } else if (x->resend_refused) {
    pc_error_push(L, "transport",
                  "the connection closed without an answer after the request went out; "
                  "it was not sent again because it is not idempotent");
  } else {
    pc_error_push(L, transport_kind(rc), x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
  }
  /* bytes written in place (a device, a FIFO) cannot be taken back: sending
   * again would write the body a second time after the first part */
  if (x->sink.direct && x->sink.len > 0) transient = 0;
  pc_error_setint(L, "code", (lua_Integer)rc);
  pc_error_setstr(L, "method", method);
  pc_error_setstr(L, "path", path);
  lua_pushboolean(L, transient);
  lua_setfield(L, -2, "retryable");
  pc_sink_reset(&x->sink);
}
