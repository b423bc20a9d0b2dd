/*
 * pc_fs: the few facts about files the Lua layer needs and Lua cannot get:
 * who owns a file and its permission bits (the profile checks of
 * prismacloud.config, done as OpenSSH checks its config), the effective user,
 * and a private file for the REPL's history. Module functions:
 *   core.file_info(path)    -> {uid, mode, type, link, real} | nil, message, errno
 *   core.euid()             -> the effective user id
 *   core.private_file(path) -> true | nil, message, errno
 */
#ifndef PC_FS_H
#define PC_FS_H

#include <lua.h>

/* [-0, +0, m] Sets file_info, euid and private_file in the table on top. */
void pc_fs_register(lua_State *L);

#endif
