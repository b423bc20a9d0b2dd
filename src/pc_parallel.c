/*
 * pc_parallel.c: client:parallel, many requests at once on curl multi.
 * Each request lives through the same policy as client:request (token,
 * single-flight refresh, retries with backoff, hooks; see pc_request.h);
 * waits between retries are scheduled, not slept, so other transfers go on.
 * Every request is read and checked before the first is sent; results come
 * back in request order; one failure cancels nothing.
 */
#include "pc_parallel.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "pc_client.h"
#include "pc_clock.h"
#include "pc_hook.h"
#include "pc_interrupt.h"
#include "pc_request.h"

#define MAX_CONCURRENCY 64
#define DEFAULT_CONCURRENCY 8
#define ANCHORS 5 /* per request: path, URL, body, header lines, output file */

/* Per-request state of one parallel call (in a userdata: an error cannot leak it). */
typedef struct job {
  pc_req r;
  int slot;        /* slot carrying it, or -1 */
  int done;
  int started;     /* first attempt begun (t0 set) */
} job;

/* [-0, +0, v] Makes sure the client has a pool of at least n slots and a
 * multi handle. Slots are duplicates of the main handle (same options,
 * same share handle) bound to their own buffers and the client's budget.
 * A smaller pool is replaced, never moved, since libcurl holds pointers
 * into the slots. */
static void ensure_pool(lua_State *L, pc_client *c, int n) {
  pc_xfer *pool;
  int i;
  if (c->pool_size >= n) return;
  for (i = 0; i < c->pool_size; i++) {
    curl_multi_remove_handle(c->multi, c->pool[i].easy);
    pc_xfer_release(&c->pool[i]);
  }
  free(c->pool);
  c->pool = NULL;
  c->pool_size = 0;
  if (!c->multi && !(c->multi = curl_multi_init())) luaL_error(L, "cannot create a libcurl handle");
  curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  pool = (pc_xfer *)calloc((size_t)n, sizeof *pool);
  if (!pool) luaL_error(L, "not enough memory");
  c->pool = pool;
  for (i = 0; i < n; i++) {
    pool[i].easy = curl_easy_duphandle(c->main.easy);
    c->pool_size = i + 1; /* so that close frees what exists */
    if (!pool[i].easy || !pc_xfer_bind(&pool[i], &c->budget))
      luaL_error(L, "cannot create a libcurl handle");
    curl_easy_setopt(pool[i].easy, CURLOPT_PRIVATE, (void *)&pool[i]);
    /* wait for a connection that may multiplex (HTTP/2) rather than open one per slot */
    curl_easy_setopt(pool[i].easy, CURLOPT_PIPEWAIT, 1L);
    pool[i].max_ratio = c->main.max_ratio;
  }
}

/* [-0, +0, v] Reads and checks request spec i (1-based) of the table at
 * `reqs` into job j. Its strings (path, URL, body, header lines, output)
 * are kept in the table at `anchors`, so that nothing the caller or a hook
 * does to the spec tables afterwards can free or change them. */
static void read_spec(lua_State *L, pc_client *c, int reqs, int anchors, lua_Integer i, job *j,
                      pc_buf *url, pc_buf *body) {
  int spec, top;
  lua_Integer a = (i - 1) * ANCHORS;
  if (lua_rawgeti(L, reqs, i) != LUA_TTABLE)
    luaL_error(L, "bad request #%d (table expected, got %s)", (int)i, luaL_typename(L, -1));
  spec = lua_gettop(L);
  lua_getfield(L, spec, "method");
  lua_getfield(L, spec, "path");
  pc_req_read(L, c, &j->r, spec + 1, spec + 2, spec, 1, url, body); /* +3 anchors */
  top = lua_gettop(L);
  lua_pushvalue(L, spec + 2);
  lua_rawseti(L, anchors, a + 1);
  lua_pushlstring(L, url->data, url->len);
  j->r.ex.rq.url = lua_tostring(L, -1);
  lua_rawseti(L, anchors, a + 2);
  if (lua_type(L, top - 2) == LUA_TSTRING) {
    lua_pushvalue(L, top - 2);
  } else if (j->r.ex.rq.body) {
    lua_pushlstring(L, body->data, body->len);
    j->r.ex.rq.body = lua_tostring(L, -1);
  } else {
    lua_pushnil(L);
  }
  lua_rawseti(L, anchors, a + 3);
  lua_pushvalue(L, top - 1);
  lua_rawseti(L, anchors, a + 4);
  lua_pushvalue(L, top);
  lua_rawseti(L, anchors, a + 5);
  lua_settop(L, spec - 1);
  j->slot = -1;
}

/* Index of the next job to start: a retry whose wait is over, else the
 * next fresh one; -1 when none is ready. *wake gets the earliest pending wait. */
static lua_Integer next_job(job *jobs, lua_Integer n, lua_Integer *fresh, double now, double *wake) {
  lua_Integer i;
  for (i = 0; i < *fresh; i++) {
    if (jobs[i].done || jobs[i].slot >= 0) continue;
    if (jobs[i].r.not_before <= now) return i;
    if (*wake < 0 || jobs[i].r.not_before < *wake) *wake = jobs[i].r.not_before;
  }
  if (*fresh < n) return (*fresh)++;
  return -1;
}

/* [-1, +0, e] Settles the outcome on top for job k: stores a final one in
 * results[k + 1], or schedules the next attempt. Returns 1 when final. */
static int settle(lua_State *L, pc_client *c, job *j, lua_Integer k, long status, int results) {
  double wait = 0;
  switch (pc_req_settle(L, c, &j->r, 1, status, &wait)) {
    case PC_REPLAY:
      j->r.not_before = 0;
      return 0;
    case PC_RETRY:
      j->r.not_before = pc_now_monotonic() + (wait < PC_SLEEP_MAX ? wait : PC_SLEEP_MAX);
      return 0;
    default:
      lua_rawseti(L, results, k + 1);
      j->done = 1;
      return 1;
  }
}

/* [-0, +0, e] Starts job k on free slot s; returns 1 when it is in flight,
 * 0 when it settled at once (no token, deadline passed), -1 when pacing
 * deferred it. */
static int start_job(lua_State *L, pc_client *c, job *jobs, lua_Integer k, int s, int results,
                     lua_Integer *left) {
  pc_xfer *x = &c->pool[s];
  job *j = &jobs[k];
  if (!j->r.paced) {
    double wait = pc_hook_pace(L, c, 1, j->r.ex.method, j->r.ex.path, j->r.ex.path_len);
    if (wait > 0) {
      /* reserved: come back after the wait, without asking again */
      j->r.paced = 1;
      j->r.not_before = pc_now_monotonic() + wait;
      return -1;
    }
  }
  j->r.paced = 0;
  if (!j->started) {
    j->started = 1;
    j->r.t0 = pc_now_monotonic();
  }
  j->r.attempt++;
  if (pc_req_begin(L, c, x, &j->r, 1)) {
    curl_multi_add_handle(c->multi, x->easy);
    j->slot = s;
    return 1;
  }
  j->r.rc = CURLE_OK;
  if (settle(L, c, j, k, 0, results)) (*left)--;
  return 0;
}

/* [-0, +0, m] Ends every job that is neither done nor in flight with the
 * error of an interrupted wait; returns how many it ended. */
static lua_Integer interrupt_waiting(lua_State *L, job *jobs, lua_Integer fresh, lua_Integer n,
                                     int results) {
  lua_Integer k, ended = 0;
  for (k = 0; k < n; k++) {
    if (jobs[k].done || jobs[k].slot >= 0) continue;
    if (k >= fresh) jobs[k].r.attempt = 0;
    pc_req_push_interrupted(L, &jobs[k].r);
    lua_rawseti(L, results, k + 1);
    jobs[k].done = 1;
    ended++;
  }
  return ended;
}

/* [-(2|3), +1, e] The body of client:parallel, run with the client busy
 * (arguments: client, requests, concurrency as an integer). */
static int parallel_now(lua_State *L) {
  pc_client *c = (pc_client *)lua_touserdata(L, 1);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2), i, fresh = 0, left;
  int conc = (int)lua_tointeger(L, 3), s, active = 0, interrupted = 0;
  int slot_job[MAX_CONCURRENCY];
  const int results = 5, anchors = 6;
  pc_buf *url, *body;
  job *jobs;
  lua_settop(L, 2);
  jobs = (job *)lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *jobs, 0); /* 3 */
  memset(jobs, 0, (size_t)(n > 0 ? n : 1) * sizeof *jobs);
  url = pc_buf_box(L);                                                            /* 4 */
  lua_createtable(L, (int)(n < 1000000 ? n : 1000000), 0);                        /* 5: results */
  lua_createtable(L, (int)(n < 200000 ? n * ANCHORS : 1000000), 0);               /* 6: anchors */
  body = pc_buf_box(L);                                                           /* 7 */
  for (i = 0; i < n; i++) read_spec(L, c, 2, anchors, i + 1, &jobs[i], url, body);
  lua_settop(L, anchors);
  if (n == 0) {
    lua_settop(L, results);
    return 1;
  }
  if (conc > n) conc = (int)n;
  ensure_pool(L, c, conc);
  for (s = 0; s < conc; s++) slot_job[s] = -1;

  left = n;
  while (left > 0) {
    double now = pc_now_monotonic(), wake = -1;
    int running = 0, queued, freed;
    CURLMsg *msg;
    if (pc_interrupt_pending()) { /* a caught Ctrl-C: start nothing more; transfers stop by themselves */
      left -= interrupt_waiting(L, jobs, fresh, n, results);
      fresh = n;
      interrupted = 1;
      if (active == 0) break;
    }
    for (s = 0; s < conc; s++) {
      lua_Integer k;
      if (slot_job[s] >= 0) continue;
      k = next_job(jobs, n, &fresh, now, &wake);
      if (k < 0) break;
      switch (start_job(L, c, jobs, k, s, results, &left)) {
        case 1:
          slot_job[s] = (int)k;
          active++;
          break;
        case -1:
          if (wake < 0 || jobs[k].r.not_before < wake) wake = jobs[k].r.not_before;
          s--; /* the slot is still free */
          break;
        default:
          s--;
          break;
      }
    }
    if (active == 0) {
      if (left > 0 && wake > 0 && !pc_sleep(wake - pc_now_monotonic())) {
        left -= interrupt_waiting(L, jobs, fresh, n, results);
        interrupted = 1;
      }
      continue;
    }
    curl_multi_perform(c->multi, &running);
    freed = 0;
    while ((msg = curl_multi_info_read(c->multi, &queued)) != NULL) {
      CURL *easy = msg->easy_handle;
      CURLcode rc = msg->data.result;
      pc_xfer *x = NULL;
      lua_Integer k;
      long status;
      if (msg->msg != CURLMSG_DONE) continue;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
      curl_multi_remove_handle(c->multi, easy); /* msg is gone from here on */
      s = (int)(x - c->pool);
      k = slot_job[s];
      slot_job[s] = -1;
      active--;
      freed++;
      jobs[k].slot = -1;
      status = pc_req_end(L, c, x, &jobs[k].r, rc, 1);
      if (settle(L, c, &jobs[k], k, status, results)) left--;
    }
    /* a freed slot is refilled before waiting: polling first would hold the
     * next request back for a whole round trip of the ones still in flight */
    if (active > 0 && !freed) {
      int ms = 100;
      if (wake > 0) {
        double until = (wake - pc_now_monotonic()) * 1000.0;
        if (until < ms) ms = until < 0 ? 0 : (int)until + 1;
      }
      curl_multi_poll(c->multi, NULL, 0, ms, NULL);
    }
  }
  if (interrupted) pc_interrupt_clear(); /* reported in the results */
  lua_settop(L, results);
  return 1;
}

/* client:parallel(requests [, {concurrency = n}]): [-0, +1, v] performs
 * every request ({method =, path =, query =, body =, headers =, ...}) with
 * at most n in flight; returns an array with, for request i, its response
 * table or its error. A bad spec raises before anything is sent. */
int pc_parallel(lua_State *L) {
  pc_client *c = pc_client_check(L, 1);
  lua_Integer conc = DEFAULT_CONCURRENCY;
  luaL_checktype(L, 2, LUA_TTABLE);
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "concurrency") != 0) {
        lua_pushvalue(L, -1);
        luaL_error(L, "unknown parallel option '%s'", luaL_tolstring(L, -1, NULL));
      }
    }
    if (lua_getfield(L, 3, "concurrency") != LUA_TNIL) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > MAX_CONCURRENCY)
        luaL_error(L, "bad parallel option 'concurrency' (integer from 1 to %d expected)",
                   MAX_CONCURRENCY);
      conc = lua_tointeger(L, -1);
    }
  }
  lua_settop(L, 2);
  lua_pushinteger(L, conc);
  return pc_client_exclusive(L, c, parallel_now);
}
