-- The asset inventory by cloud account, and the first failing resources of
-- the scan results. Credentials from the environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local snap, e = client.inventory:summary{group_by = "cloud.account"}
if not snap then
  io.stderr:write("reading the inventory failed: ", tostring(e), "\n")
  os.exit(1)
end
local s = snap.summary
print(("%d resources: %d passed, %d failed, %d unscanned"):format(s.totalResources, s.passedResources,
  s.failedResources, s.unscannedResources))
for _, g in ipairs(snap.groupedAggregates) do
  print(("  %-30s %5d total %5d failed"):format(g.accountName or "?", g.totalResources, g.failedResources))
end

print("failing resources:")
local failing = client.resources:scan_info{scan_status = "failed", page_size = 100, max_items = 5}
for r in failing do
  local policies = {}
  for _, p in ipairs(r.scannedPolicies or {}) do
    if not p.passed then policies[#policies + 1] = p.name end
  end
  print(("  %-40s %s"):format(r.name, table.concat(policies, "; ")))
end
