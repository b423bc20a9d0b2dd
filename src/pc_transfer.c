/* pc_transfer.c: one HTTP exchange on the client's reused easy handle; see pc_client.h. */
#include <string.h>

#include <lauxlib.h>

#include "pc_client.h"
#include "pc_error.h"
#include "pc_retry.h"
#include "pc_util.h"

void pc_headers_free(struct curl_slist **list) {
  struct curl_slist *h;
  for (h = *list; h; h = h->next) pc_wipe(h->data, strlen(h->data));
  curl_slist_free_all(*list);
  *list = NULL;
}

void pc_headers_add(lua_State *L, pc_xfer *x, const char *name, size_t nlen, const char *value,
                    size_t vlen) {
  pc_buf line = PC_BUF_INIT;
  struct curl_slist *next;
  int ok = pc_buf_add(&line, name, nlen) && pc_buf_add(&line, ": ", 2) &&
           pc_buf_add(&line, value, vlen);
  next = ok ? curl_slist_append(x->req_headers, line.data) : NULL;
  pc_buf_wipe(&line);
  if (!next) luaL_error(L, "not enough memory");
  x->req_headers = next;
}

/* Sets method and body on the reused easy handle. A NULL body sends none;
 * POST, PUT and PATCH without a body send an empty one. */
static void set_method(CURL *e, const char *method, const char *body, size_t blen) {
  int is_get = strcmp(method, "GET") == 0, is_delete = strcmp(method, "DELETE") == 0;
  if (!body && (is_get || is_delete)) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
  }
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                   strcmp(method, "POST") == 0 || (is_get && !body) ? NULL : method);
}

void pc_transfer_prepare(pc_xfer *x, const char *url, const char *method, const char *body,
                         size_t blen) {
  curl_easy_setopt(x->easy, CURLOPT_URL, url);
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->req_headers);
  set_method(x->easy, method, body, blen);
  pc_buf_reset(&x->resp);
  pc_buf_reset(&x->resp_headers);
  x->body_too_large = 0;
  x->errbuf[0] = '\0';
  pc_sink_reset(x);
}

void pc_transfer_finish(pc_client *c, pc_xfer *x) {
  curl_off_t n;
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, NULL);
  pc_headers_free(&x->req_headers);
  c->stats.requests++;
  if (curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &n) == CURLE_OK) c->stats.bytes_sent += n;
  c->stats.bytes_received += (lua_Integer)(x->resp.len + x->resp_headers.len) + x->sink_len;
}

CURLcode pc_transfer(pc_client *c, pc_xfer *x, const char *url, const char *method,
                     const char *body, size_t blen) {
  CURLcode rc;
  x->output = NULL; /* login and extend never stream to a file */
  pc_transfer_prepare(x, url, method, body, blen);
  rc = curl_easy_perform(x->easy);
  pc_transfer_finish(c, x);
  return rc;
}

int pc_xfer_bind(pc_xfer *x) {
  CURL *e = x->easy;
  int ok = 1;
  ok &= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, pc_response_write) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, pc_response_header) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_DEBUGDATA, x) == CURLE_OK; /* a duplicated handle had its source's */
  return ok;
}

void pc_xfer_release(pc_xfer *x) {
  pc_sink_reset(x);
  x->output = NULL;
  pc_headers_free(&x->req_headers);
  if (x->easy) curl_easy_cleanup(x->easy);
  x->easy = NULL;
  pc_buf_free(&x->url);
  pc_buf_wipe(&x->body);
  pc_buf_wipe(&x->resp);
  pc_buf_free(&x->resp_headers);
  pc_buf_free(&x->trace);
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

void pc_transfer_error(lua_State *L, pc_xfer *x, CURLcode rc, const char *method,
                       const char *path) {
  if (x->body_too_large) {
    pc_error_push(L, "transport", "");
    lua_pushfstring(L, "response body larger than max_body (%I bytes)", (lua_Integer)x->max_body);
    lua_setfield(L, -2, "message");
  } else {
    pc_error_push(L, transport_kind(rc), x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
  }
  pc_error_setint(L, "code", (lua_Integer)rc);
  pc_error_setstr(L, "method", method);
  pc_error_setstr(L, "path", path);
  lua_pushboolean(L, pc_retry_transport(rc) && !x->body_too_large);
  lua_setfield(L, -2, "retryable");
}
