/* pc_fs.c: file facts and private files for the Lua layer; see pc_fs.h. */
/* realpath(3) is an X/Open function: glibc declares it only with _XOPEN_SOURCE. */
#define _XOPEN_SOURCE 700

#include "pc_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

/* The name of a file type for Lua: "file", "directory" or "other". */
static const char *type_name(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  return "other";
}

/* core.file_info(path): [-0, +(1|3), e] what open(path) would reach, with
 * symbolic links followed (stat): {uid = owner, mode = permission bits with
 * setuid, setgid and sticky (st_mode & 07777), type = "file" | "directory" |
 * "other", link = whether path itself is a symbolic link (lstat), real = the
 * canonical path (realpath: no link, ".", ".." or double "/" left; absent if
 * it cannot be found)}. On failure nil, "path: reason", errno, like io.open.
 * Allocates nothing outside the Lua stack (realpath writes a stack buffer). */
static int fs_file_info(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st, lst;
  char real[PATH_MAX];
  int is_link;
  if (stat(path, &st) != 0) return luaL_fileresult(L, 0, path);
  is_link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, (lua_Integer)st.st_uid);
  lua_setfield(L, -2, "uid");
  lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
  lua_setfield(L, -2, "mode");
  lua_pushstring(L, type_name(st.st_mode));
  lua_setfield(L, -2, "type");
  lua_pushboolean(L, is_link);
  lua_setfield(L, -2, "link");
  if (realpath(path, real) != NULL) {
    lua_pushstring(L, real);
    lua_setfield(L, -2, "real");
  }
  return 1;
}

/* core.euid(): [-0, +1, -] the effective user id of the process. */
static int fs_euid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)geteuid());
  return 1;
}

/* core.private_file(path): [-0, +(1|3), e] makes path a regular file only its
 * owner can read or write: creates it empty with mode 0600 when missing (in
 * one open(2), so it is never visible with a wider mode), or takes group and
 * other bits away from an existing one (fchmod on the same descriptor). A
 * symbolic link is followed. Returns true, or nil, "path: reason", errno. The
 * descriptor is closed before anything is pushed (nothing can leak on a Lua
 * error). O_NONBLOCK keeps a FIFO from blocking the open. */
static int fs_private_file(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  int fd, err = 0, regular = 1;
  fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return luaL_fileresult(L, 0, path);
  if (fstat(fd, &st) != 0) {
    err = errno;
  } else if (!S_ISREG(st.st_mode)) {
    regular = 0;
  } else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    err = errno;
  }
  close(fd);
  if (!regular) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: not a regular file", path);
    lua_pushinteger(L, EINVAL);
    return 3;
  }
  errno = err;
  return luaL_fileresult(L, err == 0, path);
}

void pc_fs_register(lua_State *L) {
  lua_pushcfunction(L, fs_file_info);
  lua_setfield(L, -2, "file_info");
  lua_pushcfunction(L, fs_euid);
  lua_setfield(L, -2, "euid");
  lua_pushcfunction(L, fs_private_file);
  lua_setfield(L, -2, "private_file");
}
