-- Audit logs of the last 24 hours, grouped by user. Credentials from the
-- environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local entries, e = client.audit_logs:list("24h")
if not entries then
  io.stderr:write("reading audit logs failed: ", tostring(e), "\n")
  os.exit(1)
end
local by_user = {}
for _, entry in ipairs(entries) do
  local user = entry.user or "?"
  by_user[user] = (by_user[user] or 0) + 1
end
print(("%d audit log entries in the last 24 hours"):format(#entries))
for user, n in pairs(by_user) do print(("  %-40s %d"):format(user, n)) end
