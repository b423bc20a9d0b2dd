--- prismacloud.account_groups: the account group family (`client.account_groups`).
--
--   local g = client.account_groups:create{name = "prod", accountIds = {"123456789012"}}
--   for g in client.account_groups:each() do print(g.name, g.cloudAccountCount) end
local pager = require "prismacloud.pager"

local F = {}
F.__index = F
local DRY = {dry_run = true}

local function list_query(opts, fname)
  opts = pager.options(opts, {details = true}, fname)
  if opts.details == false then return {excludeCloudAccountDetails = true} end
  return nil
end

--- Every account group (with account details unless {details = false}).
-- syntax: groups, err = client.account_groups:list([{details = false}])
function F:list(opts)
  return self.client:call("get-account-groups", {query = list_query(opts, "list")})
end

--- The account groups one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for group in client.account_groups:each([{details = false}]) do ... end
function F:each(opts)
  return pager.items(self.client, pager.single{path = "/cloud/group", query = list_query(opts, "each")})
end

--- One account group by id.
-- syntax: group, err = client.account_groups:get(id)
function F:get(id)
  return self.client:call("get-account-group", {id = id})
end

--- Creates an account group {name, description, accountIds}.
-- syntax: group, err = client.account_groups:create(group [, {dry_run = true}])
function F:create(group, opts)
  opts = pager.options(opts, DRY, "create")
  return pager.call(self.client, "add-account-group", {body = group}, opts)
end

--- Replaces an account group.
-- syntax: group, err = client.account_groups:update(id, group [, {dry_run = true}])
function F:update(id, group, opts)
  opts = pager.options(opts, DRY, "update")
  return pager.call(self.client, "update-account-group", {id = id, body = group}, opts)
end

--- Deletes an account group.
-- syntax: ok, err = client.account_groups:delete(id [, {dry_run = true}])
function F:delete(id, opts)
  opts = pager.options(opts, DRY, "delete")
  return pager.call(self.client, "delete-account-group", {id = id}, opts)
end

--- The account group with exactly this name (GET /cloud/group/name, then the group):
-- group, or nil when there is none, or nil, err.
-- syntax: group, err = client.account_groups:by_name(name)
function F:by_name(name)
  if type(name) ~= "string" then error("bad argument #1 to 'by_name' (string expected)", 2) end
  local names, err = self.client:call("get-account-group-name")
  if not names then return nil, err end
  for _, g in ipairs(names) do
    if g.name == name then return self:get(g.id) end
  end
  return nil
end

return F
