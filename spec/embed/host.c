/*
 * host.c: a small program that embeds Lua the way tools do, to prove the
 * module is safe there: two threads, each with its own lua_State, each
 * loading prismacloud and making requests at the same time. Then, with
 * both states closed, it checks that the core stayed loaded (libcurl's
 * process-wide state and its thread-local blocks must outlive the states)
 * and that a third state loads it again and works.
 * usage: host <url> <requests-per-thread>   (run from the repository root)
 * Exit status 0 when every state succeeded; prints one line per state.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static const char *url;
static int requests;

static const char CHUNK[] =
    "package.path = './lua/?.lua;./lua/?/init.lua;' .. package.path\n"
    "package.cpath = './?.so;' .. package.cpath\n"
    "local url, n, id = ...\n"
    "local prismacloud = require 'prismacloud'\n"
    "local c <close> = prismacloud.new{url = url, access_key = 'test-key', secret_key = 'test-secret'}\n"
    "for i = 1, n do\n"
    "  local body = assert(c:send('GET', '/_test/echo', {query = {t = id, i = i}}))\n"
    "  assert(body.query.i == tostring(i) and body.query.t == tostring(id))\n"
    "end\n"
    "local results = c:parallel({{method = 'GET', path = '/v2/ping'}, {method = 'GET', path = '/v2/ping'}})\n"
    "assert(results[1].status == 200 and results[2].status == 200)\n"
    "return c:stats().requests\n";

/* Runs CHUNK in a fresh state; stores 0 (ok) or 1 in *arg. */
static void *worker(void *arg) {
  int *status = (int *)arg, id = *status;
  lua_State *L = luaL_newstate();
  *status = 1;
  if (!L) return NULL;
  luaL_openlibs(L);
  if (luaL_loadstring(L, CHUNK) == LUA_OK) {
    lua_pushstring(L, url);
    lua_pushinteger(L, requests);
    lua_pushinteger(L, id);
    if (lua_pcall(L, 3, 1, 0) == LUA_OK) {
      printf("thread %d: %lld requests\n", id, (long long)lua_tointeger(L, -1));
      *status = 0;
    }
  }
  if (*status) fprintf(stderr, "thread %d: %s\n", id, lua_tostring(L, -1));
  lua_close(L);
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t t[2];
  int status[2] = {1, 2}, i;
  if (argc != 3) {
    fprintf(stderr, "usage: %s <url> <requests-per-thread>\n", argv[0]);
    return 2;
  }
  url = argv[1];
  requests = atoi(argv[2]);
  for (i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, worker, &status[i]) != 0) return 1;
  for (i = 0; i < 2; i++) pthread_join(t[i], NULL);
  if (status[0] || status[1]) return 1;
  /* RTLD_NOLOAD: a handle only if the library is still mapped */
  if (!dlopen("./prismacloud/core.so", RTLD_NOW | RTLD_NOLOAD)) {
    fprintf(stderr, "the core was unloaded when its last lua_State closed\n");
    return 1;
  }
  printf("core still loaded\n");
  status[0] = 3;
  worker(&status[0]);
  return status[0];
}
