/* pc_parallel: client:parallel, many requests at once on curl multi. */
#ifndef PC_PARALLEL_H
#define PC_PARALLEL_H

#include <lua.h>

/* client:parallel(requests [, {concurrency = n}]) */
int pc_parallel(lua_State *L);

#endif
