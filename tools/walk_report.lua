#!/usr/bin/env lua5.4
--- tools/walk_report.lua: measures how an emulator answers the API reference. It starts the
-- emulator of a checkout (this one by default, or another: an older commit, to compare), walks the
-- whole catalog through the client (spec/support/walk.lua) and checks every answer against the
-- reference here, in the client (prismacloud.schema; the reference's own defects waived), so the
-- emulator measured needs no referee of its own. Prints the table of issue 14.
--
--   make && LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 tools/walk_report.lua [ROOT]
package.path = "./spec/?.lua;./?.lua;" .. package.path
local prismacloud = require "prismacloud"
local catalog = require "prismacloud.catalog"
local schema = require "prismacloud.schema"
local json = require "prismacloud.json"
local process = require "prismacloud.emulator.process"
local walk = require "support.walk"

local root = arg[1] or "."
local emu = assert(process.start{script = root .. "/bin/prismacloud-emulator", lua = "lua5.4",
  args = {"--port", "0", "--alerts", "50", "--policies", "40", "--resources", "60", "--csv-delay-ms", "0"},
  lua_path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;;", timeout = 20})
local client = prismacloud.new{url = emu.url, access_key = "test-key", secret_key = "test-secret", retries = 0,
                               timeout = 20}
assert(client:login())
local login = client:request("POST", "/login", {body = {username = "test-key", password = "test-secret"},
                                                auth = false}).body

-- client:call through client:request, so that every answer's body is at hand to check.
local last
local function call(id, args)
  local req = catalog.prepare(id, args)
  local res, err = client:request(req.method, req.path, {query = req.query, body = req.body, headers = req.headers})
  last = res
  if not res then return nil, err end
  if res.status >= 200 and res.status < 300 then return res.body == nil and true or res.body end
  local message = type(res.body) == "table" and (res.body.message or (type(res.body.error) == "table"
    and res.body.error.message)) or tostring(res.body)
  return nil, {status = res.status, message = message}
end

local counts = {routed = 0, no_route = 0, clean = 0, broken = 0, ok = 0}
local broken = {}
walk.run(client, login, function(r)
  local res = last
  local no_route = res and res.status == 404 and type(res.body) == "table"
    and res.body.message == "No message available"
  if no_route then
    counts.no_route = counts.no_route + 1
    return
  end
  counts.routed = counts.routed + 1
  if r.ok then counts.ok = counts.ok + 1 end
  local text = res and res.body
  if text ~= nil and (res.headers["content-type"] or ""):find("json", 1, true) then text = json.encode(text) end
  local bad = {}
  if res then
    for _, v in ipairs(schema.check_response(r.id, res.status, res.headers["content-type"], text)) do
      if not v.waived then bad[#bad + 1] = v.where .. " " .. v.pointer .. ": " .. v.message end
    end
  end
  if #bad > 0 then
    counts.broken = counts.broken + 1
    broken[#broken + 1] = ("%s (HTTP %s): %s"):format(r.id, tostring(res and res.status), bad[1])
  else
    counts.clean = counts.clean + 1
  end
end, call, {username = "test-key", password = "test-secret"})
client:close()
emu.stop()

print(("emulator: %s"):format(root))
print(("operations with a route                     %d of 545"):format(counts.routed))
print(("  answered with a 2xx                       %d"):format(counts.ok))
print(("operations answered with no violation       %d"):format(counts.clean))
print(("operations whose answers break the reference %d (beyond the reference's own defects)"):format(counts.broken))
print(("operations answered 404 (no route)          %d"):format(counts.no_route))
if os.getenv("VERBOSE") then
  for _, line in ipairs(broken) do print("  " .. line) end
end
