-- Alert rules: which are on, what they watch and where they notify; then a
-- new rule checked with a dry run (nothing is sent). Credentials from the
-- environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local rules, e = client.alert_rules:list()
if not rules then
  io.stderr:write("listing alert rules failed: ", tostring(e), "\n")
  os.exit(1)
end
print(("%d alert rules"):format(#rules))
for _, rule in ipairs(rules) do
  local scope = rule.scanAll and "all policies" or ("%d policies"):format(#(rule.policies or {}))
  local channels = table.concat(rule.notificationChannels or {}, ", ")
  print(("  [%s] %-28s %-14s %s"):format(rule.enabled and "on " or "off", rule.name, scope,
    channels ~= "" and ("-> " .. channels) or ""))
end

local groups = assert(client.account_groups:list{details = false})
local request = assert(client.alert_rules:create({
  name = "Example: every policy, first account group", description = "made by examples/alert_rules.lua",
  enabled = true, scanAll = true, allowAutoRemediate = false,
  target = {accountGroups = {groups[1].id}},
}, {dry_run = true}))
print(("a dry run would send %s %s with %d fields"):format(request.method, request.path,
  (function() local n = 0 for _ in pairs(request.body) do n = n + 1 end return n end)()))
