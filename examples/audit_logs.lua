-- Audit logs of the last 24 hours, grouped by user. Read-only. Credentials from the environment
-- or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")

example.run(function(client)
  local entries = example.check("reading audit logs", client.audit_logs:list("24h"))
  local by_user = {}
  for _, entry in ipairs(entries) do
    local user = entry.user or "?"
    by_user[user] = (by_user[user] or 0) + 1
  end
  print(("%d audit log entries in the last 24 hours"):format(#entries))
  for user, n in pairs(by_user) do print(("  %-40s %d"):format(user, n)) end
end)
