--- prismacloud.emulator.process: runs bin/prismacloud-emulator as a child process and stops it
-- by its PID. Shared by `make demo`, the REPL's --emulator and the specs' server helper.
--
--   local emu = assert(process.start{script = "bin/prismacloud-emulator", args = {"--alerts", "2000"}})
--   emu.url, emu.ca, emu.pid       -- ca with --tls
--   emu.stderr()                   -- what it wrote to stderr so far
--   emu.stop()                     -- SIGTERM, then SIGKILL if it lingers; idempotent
--
-- The emulator is told to watch this process (--watch-pid), so it also stops when we die; it
-- runs in its own session, so the terminal's signals (Ctrl-C) do not reach it.
local core = require "prismacloud.core"

local M = {}

M.START_TIMEOUT = 10 -- seconds to wait for the "listening" line
M.STOP_TIMEOUT = 5   -- seconds to wait for the process to exit after a signal

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a")
  f:close()
  return data
end

--- This process's id (from /proc), or nil where there is no /proc.
-- syntax: pid = process.own_pid()
function M.own_pid()
  local stat = read_file("/proc/self/stat")
  return stat and tonumber(stat:match("^(%d+)"))
end

--- Whether the process runs (a zombie counts as gone: it may not be our child to reap).
-- syntax: yes = process.alive(pid)
function M.alive(pid)
  local stat = read_file(("/proc/%d/stat"):format(pid))
  if stat then return stat:match("^%d+ %b() (%a)") ~= "Z" end
  if read_file("/proc/self/stat") then return false end
  return os.execute(("kill -0 %d 2>/dev/null"):format(pid)) == true
end

--- Waits up to timeout seconds for pid to exit: true when it did.
-- syntax: gone = process.wait_exit(pid, timeout)
function M.wait_exit(pid, timeout)
  local deadline = core.monotime() + timeout
  while M.alive(pid) do
    if core.monotime() > deadline then return false end
    core.sleep(0.01)
  end
  return true
end

-- Removes the temporary files of a start.
local function remove_files(files)
  for _, path in pairs(files) do os.remove(path) end
end

--- Starts the emulator with its command-line arguments and waits until it listens.
-- opts: script (path of bin/prismacloud-emulator), args (its arguments; --port 0 is added
-- unless a --port is there), tls (wait for its CA file too), lua (interpreter, default the
-- running one or lua5.4), lua_path (LUA_PATH for it, default package.path), timeout.
-- Returns {url, ca, pid, stderr, stop}, or nil and a message with the emulator's stderr.
-- syntax: emu, err = process.start{script =, args = {...}, tls =, timeout =}
function M.start(opts)
  if type(opts) ~= "table" or type(opts.script) ~= "string" then
    error("bad argument #1 to 'start' (table with a script path expected)", 2)
  end
  if not read_file(opts.script) then return nil, "cannot find the emulator script " .. opts.script end
  local args, has_port = {}, false
  for i, a in ipairs(opts.args or {}) do
    args[i] = shell_quote(a)
    has_port = has_port or a == "--port"
  end
  if not has_port then args[#args + 1] = "--port 0" end
  local watch = M.own_pid()
  if watch then args[#args + 1] = "--watch-pid " .. watch end
  local base = os.tmpname()
  local files = {base = base, pid = base .. ".pid", out = base .. ".out", err = base .. ".err"}
  local lua = opts.lua or (arg and arg[-1]) or "lua5.4"
  -- `exec` makes the shell's $$ the emulator's own pid
  local inner = ("echo $$ > %s; LUA_PATH=%s; export LUA_PATH; exec %s %s %s < /dev/null > %s 2> %s")
    :format(shell_quote(files.pid), shell_quote(opts.lua_path or package.path), shell_quote(lua),
      shell_quote(opts.script), table.concat(args, " "), shell_quote(files.out), shell_quote(files.err))
  -- its own session (setsid, from util-linux): a Ctrl-C typed at the terminal of the
  -- process that started it (the REPL's prompt) goes to that process group, not to it
  local setsid = os.execute("command -v setsid > /dev/null 2>&1") and "setsid " or ""
  if not os.execute(("%ssh -c %s > /dev/null 2>&1 &"):format(setsid, shell_quote(inner))) then
    remove_files(files)
    return nil, "cannot run the emulator"
  end
  local deadline = core.monotime() + (opts.timeout or M.START_TIMEOUT)
  local pid, url, ca
  while true do
    pid = pid or tonumber(read_file(files.pid) or "")
    local out = read_file(files.out) or ""
    url, ca = out:match("listening (%S+)\n"), out:match("\nca (%S+)\n")
    if url and (ca or not opts.tls) then
      -- the pid file is written before the emulator starts, but this loop may
      -- have read it (empty) just before that and the output just after
      pid = pid or tonumber(read_file(files.pid) or "")
      if pid then break end
    end
    local dead = pid and not M.alive(pid)
    if dead or core.monotime() > deadline then
      if pid and not dead then os.execute(("kill -KILL %d 2>/dev/null"):format(pid)) end
      local err = (read_file(files.err) or ""):gsub("%s+$", "")
      remove_files(files)
      return nil, ("the emulator %s; stderr:\n%s"):format(dead and "exited before listening"
        or ("did not print 'listening' within %gs"):format(opts.timeout or M.START_TIMEOUT), err)
    end
    core.sleep(0.005)
  end
  local err_file = files.err
  files.err = nil
  remove_files(files)
  local stopped = false
  return {url = url, ca = ca, pid = pid,
    stderr = function() return read_file(err_file) or "" end,
    stop = function()
      if stopped then return end
      stopped = true
      os.execute(("kill -TERM %d 2>/dev/null"):format(pid))
      if not M.wait_exit(pid, M.STOP_TIMEOUT) then
        os.execute(("kill -KILL %d 2>/dev/null"):format(pid))
        M.wait_exit(pid, M.STOP_TIMEOUT)
      end
      os.remove(err_file)
    end}
end

return M
