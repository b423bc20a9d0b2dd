-- Account groups and cloud accounts: list both, then create, rename and delete a group. It
-- changes the tenant, so it runs against the local emulator, or against a tenant only with
-- PC_EXAMPLES_WRITE=1; DRY_RUN=1 only prints what would be sent (anywhere). The group is deleted
-- even when a step fails. Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  local dry = os.getenv("DRY_RUN") == "1" and {dry_run = true} or nil
  if not dry then example.writes(client, "creates, renames and deletes an account group") end

  local accounts = check("listing cloud accounts", client.cloud_accounts:names())
  print(("%d cloud accounts, e.g. %s"):format(#accounts, accounts[1] and accounts[1].name or "-"))
  local groups = check("listing account groups", client.account_groups:list())
  print(("%d account groups"):format(#groups))

  local name = "example-group-" .. os.time()
  local body = {name = name, description = "made by examples/account_groups.lua",
                accountIds = {accounts[1] and accounts[1].id}}
  if dry then
    local request = check("creating a group (dry run)", client.account_groups:create(body, dry))
    print(("would send %s %s"):format(request.method, request.path))
    return
  end

  -- whatever happens next, no group of this name is left behind
  local _ <close> = example.cleanup("deleting " .. name, function()
    local left, err = client.account_groups:by_name(name)
    if left then
      check("deleting it", client.account_groups:delete(left.id))
    elseif err then
      check("looking it up", nil, err)
    end
  end)
  check("creating a group", client.account_groups:create(body))
  local group = check("finding the new group", client.account_groups:by_name(name))
  print(("created %s (%s)"):format(group.name, group.id))
  group.description = "renamed by the example"
  check("updating it", client.account_groups:update(group.id, group))
  print("updated it; it is deleted on the way out")
end)
