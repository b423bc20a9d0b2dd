-- Policies: list the enabled high-severity ones, export them all to a JSON
-- file, and look one up by name. Credentials from the environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local high, e = client.policies:list{severity = "high", enabled = true}
if not high then
  io.stderr:write("listing policies failed: ", tostring(e), "\n")
  os.exit(1)
end
print(("%d enabled high-severity policies"):format(#high))

local all = assert(client.policies:list())
local path = os.getenv("EXPORT") or os.tmpname()
local f = assert(io.open(path, "w"))
f:write(prismacloud.json.encode(all)) -- integers and empty arrays survive the round trip
f:close()
print(("exported %d policies to %s"):format(#all, path))
if not os.getenv("EXPORT") then os.remove(path) end

if all[1] then
  local found = assert(client.policies:by_name(all[1].name))
  print(("by name: %q -> %s (%s)"):format(all[1].name, found.policyId, found.severity))
end
