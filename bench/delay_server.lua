-- bench/delay_server.lua: a tiny HTTP/1.1 server (cqueues) that answers
-- every request after a fixed delay, for the parallel benchmark (nginx-light
-- has no module that delays a response, so nginx proxies /delay to this).
--
--   lua5.4 bench/delay_server.lua DELAY_MS   -- prints "port N", serves until killed
local cqueues = require "cqueues"
local socket = require "cqueues.socket"

local delay = assert(tonumber(arg[1]), "usage: delay_server.lua DELAY_MS") / 1000
local BODY = '{"ok":true,"items":[{"id":"P-1","alertTime":1736225516707}]}'
local RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s")
  :format(#BODY, BODY)

local server = assert(socket.listen{host = "127.0.0.1", port = 0, reuseaddr = true})
assert(server:listen())
local _, _, port = server:localname()
io.stdout:write("port ", port, "\n")
io.stdout:flush()

-- One connection: requests one after another (keep-alive), each answered after the delay.
local function serve(con)
  con:setmode("tl", "bf")
  while true do
    local line = con:read("*l")
    if not line then break end
    local length = 0
    repeat
      local h = con:read("*l")
      if not h then return con:close() end
      local n = h:lower():match("^content%-length:%s*(%d+)")
      if n then length = tonumber(n) end
    until h == ""
    if length > 0 and not con:read(length) then break end
    cqueues.sleep(delay)
    con:write(RESPONSE)
    con:flush()
  end
  con:close()
end

local cq = cqueues.new()
cq:wrap(function()
  for con in server:clients() do cq:wrap(serve, con) end
end)
while true do
  local ok, err = cq:step()
  if not ok then io.stderr:write("delay_server: ", tostring(err), "\n") end
end
