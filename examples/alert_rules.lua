-- Alert rules: which are on, what they watch and where they notify; then a new rule checked with
-- a dry run (nothing is sent). Read-only. Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  local rules = check("listing alert rules", client.alert_rules:list())
  print(("%d alert rules"):format(#rules))
  for _, rule in ipairs(rules) do
    local scope = rule.scanAll and "all policies" or ("%d policies"):format(#(rule.policies or {}))
    local channels = table.concat(rule.notificationChannels or {}, ", ")
    print(("  [%s] %-28s %-14s %s"):format(rule.enabled and "on " or "off", rule.name, scope,
      channels ~= "" and ("-> " .. channels) or ""))
  end

  local groups = check("listing account groups", client.account_groups:list{details = false})
  if not groups[1] then return print("no account group to target") end
  local request = check("preparing a rule", client.alert_rules:create({
    name = "Example: every policy, first account group", description = "made by examples/alert_rules.lua",
    enabled = true, scanAll = true, allowAutoRemediate = false,
    target = {accountGroups = {groups[1].id}},
  }, {dry_run = true}))
  local fields = 0
  for _ in pairs(request.body) do fields = fields + 1 end
  print(("a dry run would send %s %s with %d fields"):format(request.method, request.path, fields))
end)
