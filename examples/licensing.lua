-- Licensed resource usage: workloads per resource type over the last 30 days, the ten heaviest
-- accounts, and credit allocation rules above their alarm threshold. Read-only. Credentials from
-- the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  -- One usage row is enough for the totals: its page carries the workloads per resource type
  -- (stats), the number of accounts (totalRows) and the plan (client.licensing:counts gives the
  -- stats alone).
  local page = check("reading usage counts", client.licensing:usage({time_range = "30d"}, {page_size = 1})).body
  local stats = page.stats or {}
  local types = {}
  for t in pairs(stats) do types[#types + 1] = t end
  table.sort(types)
  print(("%d accounts, plan %s; workloads in the last 30 days:"):format(page.totalRows, tostring(page.planType)))
  for _, t in ipairs(types) do print(("  %-12s %d"):format(t, stats[t])) end

  -- Walk every usage row lazily (one page of 100 at a time), keep the ten largest.
  local top = {}
  local rows = client.licensing:each({time_range = "30d"}, {page_size = 100})
  while true do
    local row, e = rows:next()
    if not row then
      if e then check("reading usage rows", nil, e) end
      break
    end
    top[#top + 1] = {name = row.account.name, cloud = row.cloudType, total = row.total}
    table.sort(top, function(a, b) return a.total > b.total end)
    top[11] = nil
  end
  print("heaviest accounts:")
  for _, a in ipairs(top) do print(("  %-24s %-6s %d"):format(a.name, a.cloud, a.total)) end

  local n = 0
  for rule in client.licensing:rules{threshold = "above"} do
    n = n + 1
    print(("rule %-20s %d of %d credits used (%d%%, alarm at %d%%)"):format(rule.name, rule.usedCredits,
      rule.allocatedCredits, rule.percentage, rule.alarmThreshold))
  end
  print(("%d credit allocation rules above their alarm threshold"):format(n))
end)
