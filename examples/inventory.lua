-- The asset inventory by cloud account, and the first failing resources of the scan results.
-- Read-only. Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")

example.run(function(client)
  local snap = example.check("reading the inventory", client.inventory:summary{group_by = "cloud.account"})
  local s = snap.summary
  print(("%d resources: %d passed, %d failed, %d unscanned"):format(s.totalResources, s.passedResources,
    s.failedResources, s.unscannedResources))
  for _, g in ipairs(snap.groupedAggregates or {}) do
    print(("  %-30s %5d total %5d failed"):format(g.accountName or "?", g.totalResources, g.failedResources))
  end

  print("failing resources:")
  for r in client.resources:scan_info{scan_status = "failed", page_size = 100, max_items = 5} do
    local policies = {}
    for _, p in ipairs(r.scannedPolicies or {}) do
      if not p.passed then policies[#policies + 1] = p.name end
    end
    print(("  %-40s %s"):format(r.name, table.concat(policies, "; ")))
  end
end)
