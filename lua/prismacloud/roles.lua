--- prismacloud.roles: the user role family (`client.roles`).
--
--   local r = client.roles:create{name = "Auditors", roleType = "Account Group Read Only",
--                                 accountGroupIds = {group.id}}
--   for role in client.roles:each() do print(role.name, role.roleType) end
--   local admin = client.roles:by_name("System Admin")
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"

local F = verbs.family()

-- get, create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-user-role", create = "add-user-role", update = "update-user-role", delete = "delete-user-role",
  fetch = true, names = function(self) return self.client:call("get-user-role-name") end,
}

--- Every user role, with its account groups and associated users.
-- syntax: roles, err = client.roles:list()
function F:list()
  return self.client:call("get-user-roles")
end

--- The roles one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for role in client.roles:each([{max_items =}]) do ... end
function F:each(paging)
  return pager.items(self.client, pager.single{op = "get-user-roles"}, paging)
end

--- One role by id.
-- syntax: role, err = client.roles:get(id)
F.get = crud.get

--- Adds a role {name, roleType, accountGroupIds, description, ...}.
-- syntax: ok, err = client.roles:create(role [, {dry_run = true}])
F.create = crud.create

--- Replaces a role (send back what get returned, edited).
-- syntax: ok, err = client.roles:update(id, role [, {dry_run = true}])
F.update = crud.update

--- Deletes a role that no user holds.
-- syntax: ok, err = client.roles:delete(id [, {dry_run = true}])
F.delete = crud.delete

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
F.by_name = crud.by_name

return F
