-- Alerts: count open ones by severity over the last week, show the newest, and preview (dry
-- run) dismissing one. Read-only. Credentials from the environment or a profile (PC_URL,
-- PC_IDENTITY, PC_SECRET; see README "Configuration").
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  local by_severity, total, newest = {}, 0, nil
  -- a for-loop over an iterator raises the prismacloud.Error of a failed page: example.run reports it
  for alert in client.alerts:each{status = "open", time_range = "7d", detailed = true, max_items = 2000} do
    total = total + 1
    local severity = alert.policy and alert.policy.severity or "unknown"
    by_severity[severity] = (by_severity[severity] or 0) + 1
    if not newest or alert.alertTime > newest.alertTime then newest = alert end
  end
  print(("open alerts in the last 7 days (first %d):"):format(total))
  for severity, n in pairs(by_severity) do print(("  %-8s %d"):format(severity, n)) end

  if newest then
    local alert = check("getting the newest alert", client.alerts:get(newest.id))
    print(("newest: %s on %s (%s)"):format(alert.id, alert.resource and alert.resource.name or "?",
      os.date("!%Y-%m-%d %H:%M", alert.alertTime // 1000)))
    local request = check("preparing a dismissal", client.alerts:dismiss({alert.id}, "accepted risk", {dry_run = true}))
    print(("dismissing it would send %s %s"):format(request.method, request.path))
  end
end)
