--- prismacloud.account_groups: the account group family (`client.account_groups`).
--
--   local g = client.account_groups:create{name = "prod", accountIds = {"123456789012"}}
--   for g in client.account_groups:each() do print(g.name, g.cloudAccountCount) end
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

-- The list options: {details = false} leaves the accounts out.
local LIST_OPTS = filters.define{params = {details = {"excludeCloudAccountDetails", "negated"}}}

--- Every account group (with account details unless {details = false}).
-- syntax: groups, err = client.account_groups:list([{details = false}])
function F:list(opts)
  return self.client:call("get-account-groups", {query = LIST_OPTS:query(opts, "list")})
end

--- The account groups one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for group in client.account_groups:each([{details = false}]) do ... end
function F:each(opts)
  return pager.items(self.client, pager.single{op = "get-account-groups", query = LIST_OPTS:query(opts, "each")})
end

-- get, create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-account-group", create = "add-account-group",
  delete = "delete-account-group", fetch = true,
  names = function(self) return self.client:call("get-account-group-name") end,
}

--- One account group by id.
-- syntax: group, err = client.account_groups:get(id)
F.get = crud.get

--- Creates an account group {name, description, accountIds}.
-- syntax: group, err = client.account_groups:create(group [, {dry_run = true}])
F.create = crud.create

--- Replaces an account group, and returns it as read back after (PUT /cloud/group/{id} answers
-- without a body); a dry run returns the PUT. When the PUT succeeded but reading the group back
-- failed: nil, err with err.written = true ("updated; reading it back failed: ...").
-- syntax: group, err = client.account_groups:update(id, group [, {dry_run = true}])
function F:update(id, group, opts)
  verbs.check_id(id, 1, "update")
  verbs.check_table(group, 2, "update")
  opts = verbs.options(opts, verbs.DRY_RUN, "update")
  local ok, err = verbs.call(self.client, "update-account-group", {id = id, body = group}, opts)
  if ok ~= true then return ok, err end -- nil, err; the request of a dry run; a body the API sent
  local read, read_err = self:get(id)
  if read == nil then return verbs.written(read_err) end
  return read
end

--- Deletes an account group.
-- syntax: ok, err = client.account_groups:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The account group with exactly this name (GET /cloud/group/name, then the group):
-- group, or nil when there is none, or nil, err.
-- syntax: group, err = client.account_groups:by_name(name)
F.by_name = crud.by_name

--- Account group ids and names {id, name, autoCreated}, optionally of one cloud type only.
-- syntax: names, err = client.account_groups:names([cloud_type])
function F:names(cloud_type)
  if cloud_type == nil then return self.client:call("get-account-group-name") end
  if type(cloud_type) ~= "string" then
    error(("bad argument #1 to 'names' (cloud type string expected, got %s)"):format(type(cloud_type)), 2)
  end
  return self.client:call("get-account-group-name-by-cloudType", {cloud_type = cloud_type:lower()})
end

return F
