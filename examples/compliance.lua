-- Compliance: standards, the requirements of the first one and their sections. Read-only.
-- Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  local standards = check("listing standards", client.compliance:standards())
  print(("%d compliance standards"):format(#standards))
  local first = standards[1]
  if not first then return end
  local requirements = check("listing requirements", client.compliance:requirements(first.id))
  print(("%s: %d requirements"):format(first.name, #requirements))
  for i = 1, math.min(3, #requirements) do
    local r = requirements[i]
    local sections = check("listing sections", client.compliance:sections(r.id))
    print(("  %s %s: %d sections"):format(r.requirementId or "", r.name, #sections))
  end
end)
