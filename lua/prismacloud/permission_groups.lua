--- prismacloud.permission_groups: the permission group family (`client.permission_groups`).
--
--   local features = client.permission_groups:features()
--   client.permission_groups:create{name = "Readers", features = {{featureName = "alerts",
--                                   operations = {READ = true}}}}
--   for g in client.permission_groups:each{roles = true} do print(g.name, g.type) end
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

-- create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  create = "save", update = "update", delete = "deletePermissionGroup",
  names = function(self) return self.client:call("getAll") end,
}

-- The options {roles =, features =}: includeAssociatedRoles, includeFeatures.
local LIST_OPTS = filters.define{params = {roles = {"includeAssociatedRoles", "value"},
                                           features = {"includeFeatures", "value"}}}
local GET_OPTS = filters.define{params = {roles = {"includeAssociatedRoles", "value"}}}

--- Every permission group, default and custom (with roles and features when asked).
-- syntax: groups, err = client.permission_groups:list([{roles = true, features = true}])
function F:list(opts)
  return self.client:call("getAll", {query = LIST_OPTS:query(opts, "list")})
end

--- The permission groups one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for group in client.permission_groups:each([{roles = true, features = true}]) do ... end
function F:each(opts)
  local query = LIST_OPTS:query(opts, "each")
  return pager.items(self.client, pager.single{op = "getAll", query = query})
end

--- One permission group by id.
-- syntax: group, err = client.permission_groups:get(id [, {roles = true}])
function F:get(id, opts)
  verbs.check_id(id, 1, "get")
  return self.client:call("get_1", {id = id, query = GET_OPTS:query(opts, "get")})
end

--- Adds a custom permission group {name, description, features = {{featureName, operations}}}.
-- syntax: ok, err = client.permission_groups:create(group [, {dry_run = true}])
F.create = crud.create

--- Replaces a custom permission group.
-- syntax: ok, err = client.permission_groups:update(id, group [, {dry_run = true}])
F.update = crud.update

--- Deletes a custom permission group.
-- syntax: ok, err = client.permission_groups:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The feature names a custom permission group can grant.
-- syntax: names, err = client.permission_groups:features()
function F:features()
  return self.client:call("getFeatures")
end

--- The permission group with exactly this name: group, or nil when there is none, or nil, err.
-- syntax: group, err = client.permission_groups:by_name(name)
F.by_name = crud.by_name

return F
