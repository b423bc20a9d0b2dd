-- Compliance: standards, the requirements of the first one and their sections.
-- Credentials from the environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local standards, e = client.compliance:standards()
if not standards then
  io.stderr:write("listing standards failed: ", tostring(e), "\n")
  os.exit(1)
end
print(("%d compliance standards"):format(#standards))
local first = standards[1]
if not first then return end
local requirements = assert(client.compliance:requirements(first.id))
print(("%s: %d requirements"):format(first.name, #requirements))
for i = 1, math.min(3, #requirements) do
  local r = requirements[i]
  local sections = assert(client.compliance:sections(r.id))
  print(("  %s %s: %d sections"):format(r.requirementId or "", r.name, #sections))
end
