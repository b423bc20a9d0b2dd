--- prismacloud.roles: the user role family (`client.roles`).
--
--   local r = client.roles:create{name = "Auditors", roleType = "Account Group Read Only",
--                                 accountGroupIds = {group.id}}
--   for role in client.roles:each() do print(role.name, role.roleType) end
--   local admin = client.roles:by_name("System Admin")
local pager = require "prismacloud.pager"

local F = {}
F.__index = F
local DRY = {dry_run = true}

local function check_string(v, n, fname)
  if type(v) ~= "string" or v == "" then
    error(("bad argument #%d to '%s' (string expected, got %s)"):format(n, fname,
      v == "" and "an empty string" or type(v)), 3)
  end
end

local function check_table(v, n, fname)
  if type(v) ~= "table" then
    error(("bad argument #%d to '%s' (table expected, got %s)"):format(n, fname, type(v)), 3)
  end
end

--- Every user role, with its account groups and associated users.
-- syntax: roles, err = client.roles:list()
function F:list()
  return self.client:call("get-user-roles")
end

--- The roles one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for role in client.roles:each([{max_items =}]) do ... end
function F:each(paging)
  return pager.items(self.client, pager.single{path = "/user/role"}, paging)
end

--- One role by id.
-- syntax: role, err = client.roles:get(id)
function F:get(id)
  check_string(id, 1, "get")
  return self.client:call("get-user-role", {id = id})
end

--- Adds a role {name, roleType, accountGroupIds, description, ...}.
-- syntax: ok, err = client.roles:create(role [, {dry_run = true}])
function F:create(role, opts)
  check_table(role, 1, "create")
  opts = pager.options(opts, DRY, "create")
  return pager.call(self.client, "add-user-role", {body = role}, opts)
end

--- Replaces a role (send back what get returned, edited).
-- syntax: ok, err = client.roles:update(id, role [, {dry_run = true}])
function F:update(id, role, opts)
  check_string(id, 1, "update")
  check_table(role, 2, "update")
  opts = pager.options(opts, DRY, "update")
  return pager.call(self.client, "update-user-role", {id = id, body = role}, opts)
end

--- Deletes a role that no user holds.
-- syntax: ok, err = client.roles:delete(id [, {dry_run = true}])
function F:delete(id, opts)
  check_string(id, 1, "delete")
  opts = pager.options(opts, DRY, "delete")
  return pager.call(self.client, "delete-user-role", {id = id}, opts)
end

--- The ids and names of every role ({id, name}).
-- syntax: names, err = client.roles:names()
function F:names()
  return self.client:call("get-user-role-name")
end

--- The role types a role may have ("System Admin", "Account Group Read Only", ...).
-- syntax: types, err = client.roles:types()
function F:types()
  return self.client:call("get-user-role-types")
end

--- The role with exactly this name: role, or nil when there is none, or nil, err.
-- syntax: role, err = client.roles:by_name(name)
function F:by_name(name)
  check_string(name, 1, "by_name")
  local names, err = self.client:call("get-user-role-name")
  if not names then return nil, err end
  for _, r in ipairs(names) do
    if r.name == name then return self:get(r.id) end
  end
  return nil
end

return F
