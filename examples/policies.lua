-- Policies: list the enabled high-severity ones, export them all to a JSON file, and look one up
-- by name. Read-only (the export goes to EXPORT, else to a temporary file removed at the end).
-- Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local prismacloud = require "prismacloud"
local check = example.check

example.run(function(client)
  local high = check("listing policies", client.policies:list{severity = "high", enabled = true})
  print(("%d enabled high-severity policies"):format(#high))

  local all = check("listing every policy", client.policies:list())
  local path = os.getenv("EXPORT") or os.tmpname()
  local _ <close> = example.cleanup("removing " .. path, function()
    if not os.getenv("EXPORT") then os.remove(path) end
  end)
  local f = check("writing " .. path, io.open(path, "w"))
  f:write(prismacloud.json.encode(all)) -- integers and empty arrays survive the round trip
  f:close()
  print(("exported %d policies to %s"):format(#all, path))

  if all[1] then
    local found = check("finding a policy by name", client.policies:by_name(all[1].name))
    print(("by name: %q -> %s (%s)"):format(all[1].name, found.policyId, found.severity))
  end
end)
