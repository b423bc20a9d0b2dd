/* pc_util.h: small helpers shared by the C core. */
#ifndef PC_UTIL_H
#define PC_UTIL_H

#include <stddef.h>
#include <string.h>

/* Every symbol but luaopen_prismacloud_core stays hidden (-fvisibility). */
#define PC_VERSION "0.1.0"

#define PC_EXPORT __attribute__((visibility("default")))

/* Overwrites n bytes with zeros in a way the compiler cannot drop. */
void pc_wipe(void *p, size_t n);

#endif
