-- spec/support/files.lua: the file and shell chores of the specs, in one place.
-- The shell tools run without the sanitizer preload of `make asan` (they are
-- not ours to check, and their leak reports at exit would only be noise).
--
--   local files = require "spec.support.files"
--   files.read(path) --> contents or nil;  files.write(path, data)
--   local dir = files.temp_dir()  -- fresh, mode 700
--   files.listing(dir)            --> sorted names;  files.clear(dir);  files.remove_dir(dir)
--   files.shell_quote(s)
--   files.run(cmd [, may_fail])  -- a shell command; raises when it fails unless may_fail (then: ok)
--   files.run_output(cmd)         --> what a shell command printed on stdout
local M = {}

--- A string quoted for the shell.
function M.shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- The contents of a file, or nil when it cannot be read.
function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a")
  f:close()
  return data
end

--- Writes data to a file (raises when it cannot).
function M.write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

--- A fresh empty directory (mode 700).
function M.temp_dir()
  local p = io.popen("env -u LD_PRELOAD mktemp -d")
  local dir = p:read("l")
  p:close()
  assert(dir and dir ~= "", "mktemp -d failed")
  return dir
end

--- The names in a directory, sorted.
function M.listing(dir)
  local p = io.popen("env -u LD_PRELOAD ls -A " .. M.shell_quote(dir))
  local names = {}
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  table.sort(names)
  return names
end

--- Removes every file in a directory (flat), keeping the directory.
function M.clear(dir)
  for _, name in ipairs(M.listing(dir)) do os.remove(dir .. "/" .. name) end
end

--- Runs a shell command (without the sanitizer preload); raises when it fails, unless may_fail:
-- then returns whether it succeeded (its stderr discarded).
function M.run(cmd, may_fail)
  local ok = os.execute("env -u LD_PRELOAD sh -c " .. M.shell_quote(cmd) .. (may_fail and " 2>/dev/null" or ""))
  if not ok and not may_fail then error("command failed: " .. cmd, 2) end
  return ok == true
end

--- What a shell command (run without the sanitizer preload) printed on stdout.
function M.run_output(cmd)
  local p = io.popen("env -u LD_PRELOAD sh -c " .. M.shell_quote(cmd))
  local out = p:read("a")
  p:close()
  return out
end

--- Removes a directory and everything in it.
function M.remove_dir(dir)
  os.execute("env -u LD_PRELOAD rm -rf " .. M.shell_quote(dir))
end

return M
