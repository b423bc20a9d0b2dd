/* pc_client.c: the Client userdata: state, options, lifecycle, the
 * re-entrancy rule; see pc_client.h. */
#include "pc_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pc_clock.h"
#include "pc_jwt.h"
#include "pc_trace.h"
#include "pc_url.h"
#include "pc_util.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 120000L
#define DEFAULT_MAX_BODY ((size_t)256 << 20)
#define DEFAULT_MAX_DECODED ((size_t)1 << 30)
#define DEFAULT_MAX_RATIO 100.0
#define DEFAULT_MAX_RETRY_AFTER 120.0
#define DEFAULT_RETRIES 6
#define DEFAULT_BACKOFF_BASE 1.0
#define DEFAULT_BACKOFF_CAP 30.0
#define MAX_SECONDS (86400.0 * 365)

/* ---- lifecycle ---------------------------------------------------------- */

/* Releases everything the client owns; safe to call twice. */
static void client_release(pc_client *c) {
  int i;
  for (i = 0; i < c->pool_size; i++) {
    if (c->multi && c->pool[i].easy) curl_multi_remove_handle(c->multi, c->pool[i].easy);
    pc_xfer_release(&c->pool[i]);
  }
  free(c->pool);
  c->pool = NULL;
  c->pool_size = 0;
  if (c->multi) curl_multi_cleanup(c->multi);
  c->multi = NULL;
  pc_xfer_release(&c->main);
  if (c->share) curl_share_cleanup(c->share);
  c->share = NULL;
  pc_buf_free(&c->base);
  pc_buf_free(&c->auth_url);
  pc_buf_wipe(&c->auth_body);
  pc_buf_wipe(&c->token);
  pc_buf_wipe(&c->access_key);
  pc_buf_wipe(&c->secret_key);
  pc_buf_wipe(&c->customer_name);
  pc_buf_wipe(&c->prisma_id);
  pc_buf_wipe(&c->scratch);
  c->closed = 1;
}

pc_client *pc_client_check(lua_State *L, int idx) {
  pc_client *c = (pc_client *)luaL_checkudata(L, idx, PC_CLIENT_MT);
  if (c->closed) luaL_error(L, "attempt to use a closed client");
  return c;
}

/* Cancels every slot after an error unwound an exchange. */
static void abandon_all(pc_client *c) {
  int i;
  for (i = 0; i < c->pool_size; i++) {
    if (c->multi && c->pool[i].easy) curl_multi_remove_handle(c->multi, c->pool[i].easy);
    pc_xfer_abandon(&c->pool[i]);
  }
  pc_xfer_abandon(&c->main);
  pc_buf_wipe(&c->auth_body);
}

int pc_client_exclusive(lua_State *L, pc_client *c, lua_CFunction body) {
  int n = lua_gettop(L), status;
  if (c->busy) return luaL_error(L, PC_REENTRY_MSG);
  /* checked again here: the caller's options may have run Lua (an __index)
   * after its own check, and that Lua may have closed the client */
  if (c->closed) return luaL_error(L, "attempt to use a closed client");
  lua_pushcfunction(L, body);
  lua_insert(L, 1);
  c->busy = 1;
  status = lua_pcall(L, n, LUA_MULTRET, 0);
  c->busy = 0;
  if (status != LUA_OK) {
    abandon_all(c);
    return lua_error(L);
  }
  return lua_gettop(L);
}

/* client:close(), __gc, __close: [-0, +0, v] idempotent release; refused
 * (raises) while the client carries an exchange, i.e. from its own hooks. */
static int client_close(lua_State *L) {
  pc_client *c = (pc_client *)luaL_checkudata(L, 1, PC_CLIENT_MT);
  if (c->busy) return luaL_error(L, PC_REENTRY_MSG);
  client_release(c);
  return 0;
}

/* __tostring: [-0, +1, m] type, host and state; never a secret (the base
 * URL holds no user-info: pc_url_base refuses it). */
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

int pc_client_set_token(lua_State *L, pc_client *c, const char *token, size_t len, int issued) {
  if (!pc_jwt_header_safe(token, len)) return 0;
  pc_buf_wipe(&c->token);
  if (!pc_buf_add(&c->token, token, len)) luaL_error(L, "not enough memory");
  c->token_t0 = pc_now_monotonic();
  c->token_gen++;
  c->token_life = pc_jwt_lifetime(L, &c->scratch, token, len, issued);
  c->token_exp_wall = pc_now_wall() + c->token_life;
  return 1;
}

/* ---- options ------------------------------------------------------------ */

/* [-0, +0, v] Raises "bad option 'k' (<want> expected, got <type>)" unless the value on top has type t. */
static void check_option_type(lua_State *L, const char *key, int t) {
  if (lua_type(L, -1) != t)
    luaL_error(L, "bad option '%s' (%s expected, got %s)", key, lua_typename(L, t),
               luaL_typename(L, -1));
}

/* [-0, +0, v] Reads a positive number of seconds (at most a year) from the top. */
static double option_seconds(lua_State *L, const char *key) {
  lua_Number s;
  check_option_type(L, key, LUA_TNUMBER);
  s = lua_tonumber(L, -1);
  if (!(s > 0 && s <= MAX_SECONDS))
    luaL_error(L, "bad option '%s' (positive number of seconds, at most a year, expected)", key);
  return s;
}

/* [-0, +0, v] Reads a positive number of seconds from the top and returns milliseconds (>= 1). */
static long option_ms(lua_State *L, const char *key) {
  long ms = (long)(option_seconds(L, key) * 1000.0 + 0.5);
  return ms > 0 ? ms : 1;
}

/* [-0, +0, v] Reads a number of seconds >= 0 (at most a year) from the top. */
static double option_number(lua_State *L, const char *key) {
  lua_Number v;
  check_option_type(L, key, LUA_TNUMBER);
  v = lua_tonumber(L, -1);
  if (!(v >= 0 && v <= MAX_SECONDS))
    luaL_error(L, "bad option '%s' (number from 0 to a year of seconds expected)", key);
  return v;
}

/* [-0, +0, v] Reads a positive integer from the top. */
static size_t option_size(lua_State *L, const char *key) {
  if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) <= 0)
    luaL_error(L, "bad option '%s' (positive integer expected)", key);
  return (size_t)lua_tointeger(L, -1);
}

/* [-0, +0, v] Copies the string on top into a client-owned buffer. */
static void option_secret(lua_State *L, const char *key, pc_buf *dst) {
  size_t len;
  const char *s;
  check_option_type(L, key, LUA_TSTRING);
  s = lua_tolstring(L, -1, &len);
  pc_buf_wipe(dst);
  if (!pc_buf_add(dst, s, len)) luaL_error(L, "not enough memory");
}

/* [-0, +0, v] Sets a string libcurl option from the value on top (libcurl
 * copies it); refuses control characters, which could end a header line. */
static void option_curl_string(lua_State *L, pc_client *c, const char *key, CURLoption opt) {
  size_t len, i;
  const char *s;
  check_option_type(L, key, LUA_TSTRING);
  s = lua_tolstring(L, -1, &len);
  for (i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      luaL_error(L, "bad option '%s' (control character at byte %d)", key, (int)i + 1);
  if (curl_easy_setopt(c->main.easy, opt, s) != CURLE_OK)
    luaL_error(L, "bad option '%s' (not supported by this libcurl)", key);
}

/* Functions kept in the user value's hooks table; rate_limit is the pacing
 * function (method, path) -> seconds to wait before sending. */
static const char *const HOOKS[] = {"on_request", "on_response", "on_retry", "on_token",
                                    "rate_limit", "trace", NULL};

/* [-0, +0, v] Applies every option of the table at `idx` to c, strictly:
 * an unknown key or a value of the wrong type raises, naming the key.
 * The client's user-value table must be at `state`. */
static void apply_options(lua_State *L, pc_client *c, int idx, int state) {
  int have_url = 0, allow_http = 0;
  long connect_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  const char *url = NULL;
  int url_slot;
  lua_pushnil(L); /* the URL string, held here: other options may run the collector and
                   * finalizers, which may change the options table */
  url_slot = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad option key (string expected, got %s)", luaL_typename(L, -2));
    k = lua_tostring(L, -2);
    if (strcmp(k, "url") == 0) {
      check_option_type(L, k, LUA_TSTRING);
      lua_pushvalue(L, -1);
      lua_replace(L, url_slot);
      url = lua_tostring(L, url_slot);
      have_url = 1;
    } else if (strcmp(k, "allow_http") == 0) {
      check_option_type(L, k, LUA_TBOOLEAN);
      allow_http = lua_toboolean(L, -1);
    } else if (strcmp(k, "access_key") == 0) {
      option_secret(L, k, &c->access_key);
    } else if (strcmp(k, "secret_key") == 0) {
      option_secret(L, k, &c->secret_key);
    } else if (strcmp(k, "token") == 0) {
      check_option_type(L, k, LUA_TSTRING);
      if (!pc_client_set_token(L, c, lua_tostring(L, -1), lua_rawlen(L, -1), 0))
        luaL_error(L, "bad option 'token' (empty, longer than 64 KiB, or holds a space or control character)");
    } else if (strcmp(k, "verify") == 0) {
      check_option_type(L, k, LUA_TBOOLEAN);
      curl_easy_setopt(c->main.easy, CURLOPT_SSL_VERIFYPEER, (long)lua_toboolean(L, -1));
      curl_easy_setopt(c->main.easy, CURLOPT_SSL_VERIFYHOST, lua_toboolean(L, -1) ? 2L : 0L);
      if (!lua_toboolean(L, -1))
        lua_warning(L, "prismacloud: TLS certificate verification is off (verify = false): "
                       "anyone on the path can read the credentials", 0);
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
      c->timeout_ms = option_ms(L, k);
    } else if (strcmp(k, "customer_name") == 0) {
      option_secret(L, k, &c->customer_name);
    } else if (strcmp(k, "prisma_id") == 0) {
      option_secret(L, k, &c->prisma_id);
    } else if (strcmp(k, "retries") == 0) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 100)
        luaL_error(L, "bad option '%s' (integer from 0 to 100 expected)", k);
      c->policy.retries = (int)lua_tointeger(L, -1);
    } else if (strcmp(k, "backoff_base") == 0) {
      c->policy.backoff_base = option_number(L, k);
    } else if (strcmp(k, "backoff_cap") == 0) {
      c->policy.backoff_cap = option_number(L, k);
    } else if (strcmp(k, "max_retry_after") == 0) {
      c->policy.max_retry_after = option_number(L, k);
    } else if (strcmp(k, "deadline") == 0) {
      c->policy.deadline = option_seconds(L, k);
    } else if (strcmp(k, "max_body") == 0) {
      c->budget.max = option_size(L, k);
    } else if (strcmp(k, "max_decoded") == 0) {
      c->max_decoded = option_size(L, k);
    } else if (strcmp(k, "max_ratio") == 0) {
      check_option_type(L, k, LUA_TNUMBER);
      if (!(lua_tonumber(L, -1) == 0 || (lua_tonumber(L, -1) >= 2 && lua_tonumber(L, -1) <= 1e6)))
        luaL_error(L, "bad option '%s' (0 or a number from 2 to 1e6 expected)", k);
      c->main.max_ratio = lua_tonumber(L, -1);
    } else if (strcmp(k, "rate_limit") == 0 && lua_type(L, -1) == LUA_TBOOLEAN) {
      if (lua_toboolean(L, -1))
        luaL_error(L, "bad option 'rate_limit' (true is resolved by prismacloud.new; "
                      "core.new takes a pacing function)");
    } else {
      int i, hook = 0;
      for (i = 0; HOOKS[i] && !hook; i++) hook = strcmp(k, HOOKS[i]) == 0;
      if (!hook) luaL_error(L, "unknown option '%s'", k);
      check_option_type(L, k, LUA_TFUNCTION);
      lua_getfield(L, state, "hooks");
      lua_pushvalue(L, -2);
      lua_setfield(L, -2, k);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  if (!have_url) luaL_error(L, "missing option 'url'");
  pc_url_base(L, url, allow_http, &c->base);
  lua_pop(L, 1); /* the URL */
  curl_easy_setopt(c->main.easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curl_easy_setopt(c->main.easy, CURLOPT_TIMEOUT_MS, c->timeout_ms);
}

/* Sets the options that hold for every request of the client. Returns 0
 * when libcurl lacks one. */
static int setup_easy(pc_client *c) {
  CURL *e = c->main.easy;
  int ok = 1;
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  ok &= curl_easy_setopt(e, CURLOPT_SHARE, c->share) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= pc_xfer_bind(&c->main, &c->budget);
  ok &= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK; /* all built-in: gzip, br, zstd */
  ok &= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L) == CURLE_OK; /* no dot-segment squashing */
  ok &= curl_easy_setopt(e, CURLOPT_USERAGENT, "prismacloud-lua/" PC_VERSION) == CURLE_OK;
  return ok;
}

/* core.new(opts): [-0, +1, v] creates a client. The userdata is complete
 * and empty before anything can fail, so __gc frees whatever was set. */
static int client_new(lua_State *L) {
  pc_client *c;
  luaL_checktype(L, 1, LUA_TTABLE);
  c = (pc_client *)lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c);
  c->budget.max = DEFAULT_MAX_BODY;
  c->max_decoded = DEFAULT_MAX_DECODED;
  c->main.max_ratio = DEFAULT_MAX_RATIO;
  c->timeout_ms = DEFAULT_TIMEOUT_MS;
  c->policy.retries = DEFAULT_RETRIES;
  c->policy.backoff_base = DEFAULT_BACKOFF_BASE;
  c->policy.backoff_cap = DEFAULT_BACKOFF_CAP;
  c->policy.max_retry_after = DEFAULT_MAX_RETRY_AFTER;
  c->rl.remaining = c->rl.replenish_rate = c->rl.burst_capacity = c->rl.requested_tokens = -1;
  c->closed = 1; /* until the handles exist */
  luaL_setmetatable(L, PC_CLIENT_MT);
  c->rng = pc_rng_seed(c);
  lua_createtable(L, 0, 3); /* the user value: {hooks = {}, session = nil} */
  lua_newtable(L);
  lua_setfield(L, -2, "hooks");
  lua_setiuservalue(L, -2, 1);
  c->main.easy = curl_easy_init();
  c->share = curl_share_init();
  if (!c->main.easy || !c->share) return luaL_error(L, "cannot create a libcurl handle");
  c->closed = 0;
  if (!setup_easy(c)) return luaL_error(L, "libcurl lacks a required feature");
  lua_getiuservalue(L, 2, 1);
  apply_options(L, c, 1, 3);
  lua_getfield(L, 3, "hooks");
  if (lua_getfield(L, -1, "trace") == LUA_TFUNCTION) {
    if (!pc_trace_enable(&c->main)) return luaL_error(L, "libcurl lacks a required feature (verbose trace)");
    c->tracing = 1;
  }
  lua_pop(L, 3);
  return 1;
}

/* ---- state and counters ------------------------------------------------- */

/* client:session(): [-0, +1, m] what is known of the session; never the token. */
static int client_session(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  double left = c->token_life - (pc_now_monotonic() - c->token_t0);
  lua_createtable(L, 0, 6);
  lua_pushboolean(L, c->token.len > 0 && left > 0);
  lua_setfield(L, -2, "authenticated");
  lua_pushboolean(L, c->access_key.len > 0 && c->secret_key.len > 0);
  lua_setfield(L, -2, "can_login");
  if (c->token.len) {
    lua_pushnumber(L, c->token_exp_wall);
    lua_setfield(L, -2, "expires_at");
    lua_pushnumber(L, left > 0 ? left : 0);
    lua_setfield(L, -2, "expires_in");
    lua_pushnumber(L, c->token_life);
    lua_setfield(L, -2, "lifetime");
  }
  lua_getiuservalue(L, 1, 1);
  if (lua_getfield(L, -1, "session") == LUA_TTABLE) {
    lua_getfield(L, -1, "customer_names");
    lua_setfield(L, -4, "customer_names");
    lua_getfield(L, -1, "customers");
    lua_setfield(L, -4, "customers");
    lua_getfield(L, -1, "roles");
    lua_setfield(L, -4, "roles");
  }
  lua_pop(L, 2);
  if (c->prisma_id.len) {
    lua_pushlstring(L, c->prisma_id.data, c->prisma_id.len);
    lua_setfield(L, -2, "prisma_id");
  }
  return 1;
}

/* client:stats(): [-0, +1, m] a fresh table of the client's counters. */
static int client_stats(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  const pc_stats *s = &c->stats;
  const struct { const char *name; lua_Integer v; } rows[] = {
      {"requests", s->requests}, {"retries", s->retries}, {"refreshes", s->refreshes},
      {"logins", s->logins}, {"extends", s->extends}, {"rate_limited", s->rate_limited},
      {"bytes_sent", s->bytes_sent}, {"bytes_received", s->bytes_received},
      {"hook_errors", s->hook_errors}};
  size_t i;
  lua_createtable(L, 0, (int)(sizeof rows / sizeof rows[0]) + 1);
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    lua_pushinteger(L, rows[i].v);
    lua_setfield(L, -2, rows[i].name);
  }
  lua_getiuservalue(L, 1, 1);
  lua_getfield(L, -1, "last_hook_error");
  lua_setfield(L, -3, "last_hook_error");
  lua_pop(L, 1);
  return 1;
}

/* client:rate_limit(): [-0, +1, m] the last X-RateLimit-* figures, or nil before any. */
static int client_rate_limit(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  const struct { const char *name; double v; } rows[] = {
      {"remaining", c->rl.remaining}, {"replenish_rate", c->rl.replenish_rate},
      {"burst_capacity", c->rl.burst_capacity}, {"requested_tokens", c->rl.requested_tokens}};
  size_t i;
  if (c->rl.updated_at == 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 5);
  for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    if (rows[i].v < 0) continue;
    if (rows[i].v < 9e15 && rows[i].v == (double)(lua_Integer)rows[i].v)
      lua_pushinteger(L, (lua_Integer)rows[i].v);
    else lua_pushnumber(L, rows[i].v);
    lua_setfield(L, -2, rows[i].name);
  }
  lua_pushnumber(L, c->rl.updated_at);
  lua_setfield(L, -2, "updated_at");
  return 1;
}

/* client:last_response(): [-0, +1, m] {status, headers, attempts, method,
 * path} of the last response client:request (and so send, call and every
 * family verb) received, or nil when the last request got none. Never the
 * body. client:parallel leaves it alone. */
static int client_last_response(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  if (c->last_status <= 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_getiuservalue(L, 1, 1);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, c->last_status);
  lua_setfield(L, -2, "status");
  lua_pushinteger(L, c->last_attempts);
  lua_setfield(L, -2, "attempts");
  lua_pushstring(L, c->last_method);
  lua_setfield(L, -2, "method");
  lua_getfield(L, -2, "last_headers");
  lua_setfield(L, -2, "headers");
  lua_getfield(L, -2, "last_path");
  lua_setfield(L, -2, "path");
  return 1;
}

void pc_client_register(lua_State *L, const luaL_Reg *more) {
  static const luaL_Reg methods[] = {
      {"close", client_close},
      {"session", client_session},
      {"stats", client_stats},
      {"rate_limit", client_rate_limit},
      {"last_response", client_last_response},
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
  luaL_setfuncs(L, more, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index"); /* metatable.__index = methods */
  lua_setfield(L, -3, "Client");  /* module.Client = methods, for the Lua layer to extend */
  lua_setfield(L, -2, "client_mt");
  lua_pushcfunction(L, client_new);
  lua_setfield(L, -2, "new");
}
