-- The main job of `make demo`: log in and talk to the API. With PC_URL,
-- PC_IDENTITY and PC_SECRET set it talks to that tenant; otherwise it starts
-- the local emulator and stops it at the end.
local prismacloud = require "prismacloud"

local function start_emulator()
  local pidfile = os.tmpname()
  local out = os.tmpname()
  os.execute(("sh -c 'echo $$ > %s; exec lua5.4 bin/prismacloud-emulator --port 0' > %s 2>/dev/null &")
    :format(pidfile, out))
  for _ = 1, 100 do
    local f = io.open(out)
    local line = f and f:read("l")
    if f then f:close() end
    local url = line and line:match("^listening (%S+)")
    if url then
      local p = io.open(pidfile)
      local pid = p:read("n")
      p:close()
      os.remove(pidfile)
      os.remove(out)
      return url, function() os.execute("kill " .. pid) end
    end
    os.execute("sleep 0.05")
  end
  error("the emulator did not start")
end

local url, key, secret = os.getenv("PC_URL"), os.getenv("PC_IDENTITY"), os.getenv("PC_SECRET")
local stop = function() end
if not (url and key and secret) then
  url, stop = start_emulator()
  key, secret = "test-key", "test-secret"
  print("no PC_URL/PC_IDENTITY/PC_SECRET: using the local emulator at " .. url)
end

local ok, failure = pcall(function()
  local client <close> = prismacloud.new{url = url, access_key = key, secret_key = secret}
  print(tostring(client))
  assert(client:login())
  local session = client:session()
  print(("logged in: customers %s, roles %s, token valid for %.0f s"):format(
    table.concat(session.customer_names or {}, ", "), table.concat(session.roles or {}, ", "),
    session.expires_in))

  local path = os.getenv("PC_URL") and "/cloud/name" or "/v2/ping"
  local body, err = client:send("GET", path)
  if not body then error(tostring(err), 0) end
  print(("GET %s -> %s"):format(path, prismacloud.json.encode(body)))

  local anon <close> = prismacloud.new{url = url}
  local _, refused = anon:send("GET", path)
  print("without credentials: " .. tostring(refused))

  local s = client:stats()
  print(("stats: %d requests, %d logins, %d retries"):format(s.requests, s.logins, s.retries))
end)
stop()
if not ok then
  io.stderr:write("demo failed: ", tostring(failure), "\n")
  os.exit(1)
end
