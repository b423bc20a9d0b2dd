-- Account groups and cloud accounts: list both, then create, rename and delete
-- a group (against the emulator; set DRY_RUN=1 against a real tenant to only
-- print what would be sent). Credentials from the environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end
local dry = os.getenv("DRY_RUN") == "1" and {dry_run = true} or nil

local function check(v, e, what)
  if v == nil then
    io.stderr:write(what, " failed: ", tostring(e), "\n")
    os.exit(1)
  end
  return v
end

local accounts = check(client.cloud_accounts:names(), nil, "listing cloud accounts")
print(("%d cloud accounts, e.g. %s"):format(#accounts, accounts[1] and accounts[1].name or "-"))
local groups = check(client.account_groups:list(), nil, "listing account groups")
print(("%d account groups"):format(#groups))

local name = "example-group-" .. os.time()
local created, e = client.account_groups:create({name = name, description = "made by examples/account_groups.lua",
  accountIds = {accounts[1] and accounts[1].id}}, dry)
check(created, e, "creating a group")
if dry then
  print(("would send %s %s"):format(created.method, created.path))
  return
end
local group = check(client.account_groups:by_name(name))
print(("created %s (%s)"):format(group.name, group.id))
group.description = "renamed by the example"
check(client.account_groups:update(group.id, group))
check(client.account_groups:delete(group.id))
print("updated and deleted it again")
