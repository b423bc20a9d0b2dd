-- bench/stream.lua: one child process of the memory benchmark. It does only
-- one thing, then prints its peak resident set size (VmHWM).
--
--   lua5.4 bench/stream.lua stream BASE_URL   -- follow the page chain from /chain/ to its end
--   lua5.4 bench/stream.lua one BASE_URL      -- fetch and decode the first page only
--   lua5.4 bench/stream.lua download BASE_URL FILE  -- the 20 MB page streamed to FILE (option output)
--   lua5.4 bench/stream.lua small BASE_URL    -- one 10 KB page: the process's own baseline
--
-- Prints "alerts=N pages=P hwm_kb=K seconds=S" (download and small: "bytes=N hwm_kb=K seconds=S").
local prismacloud = require "prismacloud"
local socket = require "socket"

local mode, base = arg[1], arg[2]
local MODES = {stream = true, one = true, download = true, small = true}
assert(MODES[mode] and base, "usage: stream.lua stream|one|download|small BASE_URL [FILE]")

local function hwm_kb()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("a")
  f:close()
  return tonumber(s:match("VmHWM:%s*(%d+)"))
end

local client <close> = prismacloud.new{url = base, retries = 0, timeout = 600}
local t0 = socket.gettime()
if mode == "download" or mode == "small" then
  local path = mode == "download" and "/pages/large.json" or "/pages/small.json"
  local res = assert(client:request("GET", path, {output = mode == "download" and arg[3] or nil}))
  assert(res.status == 200, "HTTP " .. res.status)
  local bytes = res.size or 0 -- the download's size; the baseline's is not used
  io.stdout:write(("bytes=%d hwm_kb=%d seconds=%.3f\n"):format(bytes, hwm_kb(), socket.gettime() - t0))
  return
end
local alerts, pages = 0, 0
local path = "/chain/"
while path do
  local res = assert(client:request("GET", path))
  assert(res.status == 200 and type(res.body) == "table", "bad page at " .. path)
  local items = res.body.items
  for i = 1, #items do
    if math.type(items[i].alertTime) == "integer" then alerts = alerts + 1 end
  end
  pages = pages + 1
  -- The next link the page carries (absent on the last page).
  path = mode == "stream" and res.body.nextPageToken or nil
end
io.stdout:write(("alerts=%d pages=%d hwm_kb=%d seconds=%.3f\n"):format(alerts, pages, hwm_kb(),
  socket.gettime() - t0))
