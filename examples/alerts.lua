-- Alerts: count open ones by severity over the last week, show the newest,
-- and preview (dry run) dismissing one. Credentials from the environment or
-- a profile (PC_URL, PC_IDENTITY, PC_SECRET; see README "Configuration").
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local by_severity, total, newest = {}, 0, nil
local ok, failure = pcall(function()
  for alert in client.alerts:each{status = "open", time_range = "7d", detailed = true, max_items = 2000} do
    total = total + 1
    local severity = alert.policy and alert.policy.severity or "unknown"
    by_severity[severity] = (by_severity[severity] or 0) + 1
    if not newest or alert.alertTime > newest.alertTime then newest = alert end
  end
end)
if not ok then
  io.stderr:write("listing alerts failed: ", tostring(failure), "\n")
  os.exit(1)
end
print(("open alerts in the last 7 days (first %d):"):format(total))
for severity, n in pairs(by_severity) do print(("  %-8s %d"):format(severity, n)) end

if newest then
  local alert, e = client.alerts:get(newest.id)
  if not alert then
    io.stderr:write("get failed: ", tostring(e), "\n")
    os.exit(1)
  end
  print(("newest: %s on %s (%s)"):format(alert.id, alert.resource and alert.resource.name or "?",
    os.date("!%Y-%m-%d %H:%M", alert.alertTime // 1000)))
  local request = assert(client.alerts:dismiss({alert.id}, "accepted risk", {dry_run = true}))
  print(("dismissing it would send %s %s"):format(request.method, request.path))
end
