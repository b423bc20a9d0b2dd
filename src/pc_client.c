/* pc_client.c: the Client userdata: options, requests, close; see pc_client.h. */
#include "pc_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "pc_error.h"
#include "pc_json.h"
#include "pc_url.h"
#include "pc_util.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_MAX_BODY ((size_t)512 << 20)

/* ---- lifecycle ---------------------------------------------------------- */

/* Frees a header list after zeroing every line (one of them holds the token). */
static void free_headers(struct curl_slist **list) {
  struct curl_slist *h;
  for (h = *list; h; h = h->next) pc_wipe(h->data, strlen(h->data));
  curl_slist_free_all(*list);
  *list = NULL;
}

/* Releases everything the client owns; safe to call twice. */
static void client_release(pc_client *c) {
  free_headers(&c->req_headers);
  if (c->easy) curl_easy_cleanup(c->easy);
  if (c->share) curl_share_cleanup(c->share);
  c->easy = NULL;
  c->share = NULL;
  pc_buf_free(&c->base);
  pc_buf_free(&c->url);
  pc_buf_wipe(&c->body);
  pc_buf_wipe(&c->resp);
  pc_buf_free(&c->resp_headers);
  pc_buf_wipe(&c->token);
  pc_buf_wipe(&c->access_key);
  pc_buf_wipe(&c->secret_key);
  c->closed = 1;
}

/* [-0, +0, v] Returns the client at `idx`; raises when it is closed. */
static pc_client *check_client(lua_State *L, int idx) {
  pc_client *c = (pc_client *)luaL_checkudata(L, idx, PC_CLIENT_MT);
  if (c->closed) luaL_error(L, "attempt to use a closed client");
  return c;
}

/* client:close(), __gc, __close: [-0, +0, -] idempotent release. */
static int client_close(lua_State *L) {
  client_release((pc_client *)luaL_checkudata(L, 1, PC_CLIENT_MT));
  return 0;
}

/* __tostring: [-0, +1, m] type, host and state; never a secret. */
static int client_tostring(lua_State *L) {
  pc_client *c = (pc_client *)luaL_checkudata(L, 1, PC_CLIENT_MT);
  if (c->closed) {
    lua_pushfstring(L, "%s (closed): %p", PC_CLIENT_MT, (void *)c);
  } else {
    const char *host = strstr(c->base.data, "://") + 3;
    lua_pushfstring(L, "%s (%s, %s): %p", PC_CLIENT_MT, host,
                    c->token.len ? "open, token held" : "open, no token", (void *)c);
  }
  return 1;
}

/* ---- options ------------------------------------------------------------ */

/* [-0, +0, e] Raises "bad option 'k' (<want> expected, got <type>)" unless the value on top has type t. */
static void check_option_type(lua_State *L, const char *key, int t) {
  if (lua_type(L, -1) != t)
    luaL_error(L, "bad option '%s' (%s expected, got %s)", key, lua_typename(L, t),
               luaL_typename(L, -1));
}

/* [-0, +0, e] Reads a positive number of seconds from the top and returns milliseconds. */
static long option_ms(lua_State *L, const char *key) {
  lua_Number s;
  check_option_type(L, key, LUA_TNUMBER);
  s = lua_tonumber(L, -1);
  if (!(s > 0 && s <= 86400.0 * 365))
    luaL_error(L, "bad option '%s' (positive number of seconds expected)", key);
  return (long)(s * 1000.0 + 0.5) > 0 ? (long)(s * 1000.0 + 0.5) : 1;
}

/* [-0, +0, e] Copies the string on top into a client-owned buffer. */
static void option_secret(lua_State *L, const char *key, pc_buf *dst) {
  size_t len;
  const char *s;
  check_option_type(L, key, LUA_TSTRING);
  s = lua_tolstring(L, -1, &len);
  pc_buf_wipe(dst);
  if (!pc_buf_add(dst, s, len)) luaL_error(L, "not enough memory");
}

/* [-0, +0, e] Sets a string libcurl option from the value on top (libcurl copies it). */
static void option_curl_string(lua_State *L, pc_client *c, const char *key, CURLoption opt) {
  check_option_type(L, key, LUA_TSTRING);
  if (curl_easy_setopt(c->easy, opt, lua_tostring(L, -1)) != CURLE_OK)
    luaL_error(L, "bad option '%s' (not supported by this libcurl)", key);
}

/* [-0, +0, e] Applies every option of the table at `idx` to c, strictly:
 * an unknown key or a value of the wrong type raises, naming the key. */
static void apply_options(lua_State *L, pc_client *c, int idx) {
  int have_url = 0;
  long connect_ms = DEFAULT_CONNECT_TIMEOUT_MS, timeout_ms = DEFAULT_TIMEOUT_MS;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad option key (string expected, got %s)", luaL_typename(L, -2));
    k = lua_tostring(L, -2);
    if (strcmp(k, "url") == 0) {
      check_option_type(L, k, LUA_TSTRING);
      pc_url_base(L, lua_tostring(L, -1), &c->base);
      have_url = 1;
    } else if (strcmp(k, "access_key") == 0) {
      option_secret(L, k, &c->access_key);
    } else if (strcmp(k, "secret_key") == 0) {
      option_secret(L, k, &c->secret_key);
    } else if (strcmp(k, "token") == 0) {
      option_secret(L, k, &c->token);
    } else if (strcmp(k, "verify") == 0) {
      check_option_type(L, k, LUA_TBOOLEAN);
      curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, (long)lua_toboolean(L, -1));
      curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, lua_toboolean(L, -1) ? 2L : 0L);
    } else if (strcmp(k, "cafile") == 0) {
      option_curl_string(L, c, k, CURLOPT_CAINFO);
    } else if (strcmp(k, "capath") == 0) {
      option_curl_string(L, c, k, CURLOPT_CAPATH);
    } else if (strcmp(k, "cert") == 0) {
      option_curl_string(L, c, k, CURLOPT_SSLCERT);
    } else if (strcmp(k, "key") == 0) {
      option_curl_string(L, c, k, CURLOPT_SSLKEY);
    } else if (strcmp(k, "proxy") == 0) {
      option_curl_string(L, c, k, CURLOPT_PROXY);
    } else if (strcmp(k, "user_agent") == 0) {
      option_curl_string(L, c, k, CURLOPT_USERAGENT);
    } else if (strcmp(k, "connect_timeout") == 0) {
      connect_ms = option_ms(L, k);
    } else if (strcmp(k, "timeout") == 0) {
      timeout_ms = option_ms(L, k);
    } else if (strcmp(k, "max_body") == 0) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) <= 0)
        luaL_error(L, "bad option '%s' (positive integer expected)", k);
      c->max_body = (size_t)lua_tointeger(L, -1);
    } else {
      luaL_error(L, "unknown option '%s'", k);
    }
    lua_pop(L, 1);
  }
  if (!have_url) luaL_error(L, "missing option 'url'");
  curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
}

/* Sets the options that hold for every request of the client. */
static int setup_easy(pc_client *c) {
  CURL *e = c->easy;
  int ok = 1;
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  ok &= curl_easy_setopt(e, CURLOPT_SHARE, c->share) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, pc_response_write) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, c) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, pc_response_header) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERDATA, c) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK; /* all built-in: gzip, br, zstd */
  ok &= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_USERAGENT, "prismacloud-lua/" PC_VERSION) == CURLE_OK;
  return ok;
}

/* core.new(opts): [-0, +1, e] creates a client. The userdata is complete and
 * empty before anything can fail, so __gc frees whatever was set. */
static int client_new(lua_State *L) {
  pc_client *c;
  luaL_checktype(L, 1, LUA_TTABLE);
  c = (pc_client *)lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c);
  c->max_body = DEFAULT_MAX_BODY;
  c->closed = 1; /* until the handles exist */
  luaL_setmetatable(L, PC_CLIENT_MT);
  c->easy = curl_easy_init();
  c->share = curl_share_init();
  if (!c->easy || !c->share) return luaL_error(L, "cannot create a libcurl handle");
  c->closed = 0;
  if (!setup_easy(c)) return luaL_error(L, "libcurl lacks a required feature");
  apply_options(L, c, 1);
  return 1;
}

/* ---- requests ----------------------------------------------------------- */

/* Maps a method name to its canonical spelling; NULL when not supported. */
static const char *canonical_method(const char *m) {
  static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
  int i;
  for (i = 0; methods[i]; i++)
    if (strcasecmp(m, methods[i]) == 0) return methods[i];
  return NULL;
}

/* RFC 9110 token characters, the only ones a header name may hold. */
static int is_tchar(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* [-0, +0, e] Appends "name: value" to the client's request header list. */
static void add_header(lua_State *L, pc_client *c, const char *name, size_t nlen, const char *value,
                       size_t vlen) {
  pc_buf line = PC_BUF_INIT;
  struct curl_slist *next;
  int ok = pc_buf_add(&line, name, nlen) && pc_buf_add(&line, ": ", 2) &&
           pc_buf_add(&line, value, vlen);
  next = ok ? curl_slist_append(c->req_headers, line.data) : NULL;
  pc_buf_wipe(&line);
  if (!next) luaL_error(L, "not enough memory");
  c->req_headers = next;
}

enum { HAVE_ACCEPT = 1, HAVE_CONTENT_TYPE = 2, HAVE_AUTH = 4 };

/* [-0, +0, e] Adds the caller's headers (table at idx), checked for
 * injection: names must be tokens, values free of CR, LF and NUL.
 * Returns which of the default headers the caller supplied. */
static int add_user_headers(lua_State *L, pc_client *c, int idx) {
  int have = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t nlen, vlen, i;
    const char *name, *value;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad header name (string expected, got %s)", luaL_typename(L, -2));
    name = lua_tolstring(L, -2, &nlen);
    for (i = 0; i < nlen; i++)
      if (!is_tchar((unsigned char)name[i])) luaL_error(L, "bad header name '%s'", name);
    if (nlen == 0) luaL_error(L, "bad header name (empty)");
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "bad header '%s' (string expected, got %s)", name, luaL_typename(L, -1));
    lua_pushvalue(L, -1); /* convert a copy, never the key's neighbour in place */
    value = lua_tolstring(L, -1, &vlen);
    for (i = 0; i < vlen; i++)
      if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
        luaL_error(L, "bad header '%s' (CR, LF or NUL in value)", name);
    if (strcasecmp(name, "accept") == 0) have |= HAVE_ACCEPT;
    if (strcasecmp(name, "content-type") == 0) have |= HAVE_CONTENT_TYPE;
    if (strcasecmp(name, "x-redlock-auth") == 0) have |= HAVE_AUTH;
    add_header(L, c, name, nlen, value, vlen);
    lua_pop(L, 2);
  }
  return have;
}

/* Pushes nil and a transport error for libcurl's result `rc`; returns 2. */
static int push_transport_error(lua_State *L, pc_client *c, CURLcode rc, const char *method,
                                const char *path) {
  const char *kind = "transport";
  int retryable = 0;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      kind = "timeout";
      retryable = 1;
      break;
    case CURLE_SSL_CONNECT_ERROR:
      kind = "tls";
      retryable = 1;
      break;
    case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_ISSUER_ERROR: case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND: case CURLE_SSL_ENGINE_SETFAILED: case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED: case CURLE_USE_SSL_FAILED:
      kind = "tls";
      break;
    case CURLE_COULDNT_CONNECT: case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
      retryable = 1;
      break;
    default:
      break;
  }
  lua_pushnil(L);
  if (c->body_too_large) {
    pc_error_push(L, "transport", "");
    lua_pushfstring(L, "response body larger than max_body (%I bytes)", (lua_Integer)c->max_body);
    lua_setfield(L, -2, "message");
  } else {
    pc_error_push(L, kind, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
  }
  pc_error_setint(L, "code", (lua_Integer)rc);
  pc_error_setstr(L, "method", method);
  pc_error_setstr(L, "path", path);
  lua_pushboolean(L, retryable && !c->body_too_large);
  lua_setfield(L, -2, "retryable");
  return 2;
}

/* [-0, +0, e] Sets method and body on the reused easy handle. A body of
 * NULL sends none; POST, PUT and PATCH without a body send an empty one. */
static void set_method(pc_client *c, const char *method, const char *body, size_t blen) {
  CURL *e = c->easy;
  int is_get = strcmp(method, "GET") == 0, is_delete = strcmp(method, "DELETE") == 0;
  if (!body && (is_get || is_delete)) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
  }
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") == 0 || (is_get && !body)
                                                 ? NULL
                                                 : method);
}

static const char *const REQUEST_KEYS[] = {"query", "body", "headers", NULL};

/* [-0, +0, e] Raises on an unknown key in the request options at idx. */
static void check_request_keys(lua_State *L, int idx) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int i, known = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      for (i = 0; REQUEST_KEYS[i]; i++) known |= strcmp(lua_tostring(L, -1), REQUEST_KEYS[i]) == 0;
    if (!known) luaL_error(L, "unknown request option '%s'", luaL_tolstring(L, -1, NULL));
  }
}

/* client:request(method, path [, {query=, body=, headers=}]):
 * [-0, +(1|2), e] performs one HTTP request. Returns the response table
 * for any HTTP status, or nil and an error for a transport failure.
 * Raises only for misuse (bad arguments, a closed client). */
static int client_request(lua_State *L) {
  pc_client *c = check_client(L, 1);
  const char *method = canonical_method(luaL_checkstring(L, 2));
  size_t plen, blen = 0;
  const char *path = luaL_checklstring(L, 3, &plen), *body = NULL;
  int has_query, have = 0;
  long status = 0;
  CURLcode rc;

  if (!method) return luaL_argerror(L, 2, "method must be GET, POST, PUT, PATCH or DELETE");
  if (!lua_isnoneornil(L, 4)) {
    luaL_checktype(L, 4, LUA_TTABLE);
    check_request_keys(L, 4);
  }
  lua_settop(L, 4);
  if (lua_istable(L, 4)) {
    lua_getfield(L, 4, "query");   /* 5 */
    lua_getfield(L, 4, "body");    /* 6 */
    lua_getfield(L, 4, "headers"); /* 7 */
  } else {
    lua_settop(L, 7);
  }

  /* URL: base + encoded path + sorted, encoded query */
  pc_buf_reset(&c->url);
  if (!pc_buf_add(&c->url, c->base.data, c->base.len)) return luaL_error(L, "not enough memory");
  has_query = pc_url_path(L, path, plen, &c->url);
  if (!lua_isnil(L, 5)) {
    if (!lua_istable(L, 5)) return luaL_error(L, "bad request option 'query' (table expected)");
    pc_url_query(L, 5, has_query, &c->url);
  }

  /* body: a string goes as it is, anything else is encoded as JSON */
  if (lua_type(L, 6) == LUA_TSTRING) {
    body = lua_tolstring(L, 6, &blen);
  } else if (!lua_isnil(L, 6)) {
    pc_buf_reset(&c->body);
    pc_json_encode(L, 6, &c->body);
    body = c->body.data;
    blen = c->body.len;
  }

  /* headers: the caller's, then the defaults they did not override */
  free_headers(&c->req_headers);
  if (!lua_isnil(L, 7)) {
    if (!lua_istable(L, 7)) return luaL_error(L, "bad request option 'headers' (table expected)");
    have = add_user_headers(L, c, 7);
  }
  if (!(have & HAVE_ACCEPT)) add_header(L, c, "Accept", 6, "application/json", 16);
  if (!(have & HAVE_CONTENT_TYPE) && (body || (strcmp(method, "GET") && strcmp(method, "DELETE"))))
    add_header(L, c, "Content-Type", 12, "application/json", 16);
  if (!(have & HAVE_AUTH) && c->token.len)
    add_header(L, c, "x-redlock-auth", 14, c->token.data, c->token.len);
  add_header(L, c, "Expect", 6, "", 0); /* no 100-continue round trip */

  curl_easy_setopt(c->easy, CURLOPT_URL, c->url.data);
  curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->req_headers);
  set_method(c, method, body, blen);
  pc_buf_reset(&c->resp);
  pc_buf_reset(&c->resp_headers);
  c->body_too_large = 0;
  c->errbuf[0] = '\0';

  rc = curl_easy_perform(c->easy);
  free_headers(&c->req_headers);
  curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
  if (rc != CURLE_OK) return push_transport_error(L, c, rc, method, path);
  curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
  return pc_response_push(L, c, status, method, path);
}

void pc_client_register(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"request", client_request},
      {"close", client_close},
      {NULL, NULL},
  };
  static const luaL_Reg meta[] = {
      {"__gc", client_close},
      {"__close", client_close},
      {"__tostring", client_tostring},
      {NULL, NULL},
  };
  luaL_newmetatable(L, PC_CLIENT_MT);
  luaL_setfuncs(L, meta, 0);
  luaL_newlib(L, methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index"); /* metatable.__index = methods */
  lua_setfield(L, -3, "Client");  /* module.Client = methods, for the Lua layer to extend */
  lua_setfield(L, -2, "client_mt");
  lua_pushcfunction(L, client_new);
  lua_setfield(L, -2, "new");
}
