/* pc_util.c: small helpers shared by the C core; see pc_util.h. */
#include "pc_util.h"

/* A volatile function pointer keeps the compiler from eliding the wipe. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void pc_wipe(void *p, size_t n) {
  if (p && n) wipe_memset(p, 0, n);
}
