--- prismacloud.permission_groups: the permission group family (`client.permission_groups`).
--
--   local features = client.permission_groups:features()
--   client.permission_groups:create{name = "Readers", features = {{featureName = "alerts",
--                                   operations = {READ = true}}}}
--   for g in client.permission_groups:each{roles = true} do print(g.name, g.type) end
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

-- The query of {roles =, features =}: includeAssociatedRoles, includeFeatures.
local function include_query(opts, allowed, fname)
  opts = pager.options(opts, allowed, fname)
  local q = {includeAssociatedRoles = opts.roles, includeFeatures = opts.features}
  return next(q) and q or nil
end
local LIST_OPTS = {roles = true, features = true}

--- Every permission group, default and custom (with roles and features when asked).
-- syntax: groups, err = client.permission_groups:list([{roles = true, features = true}])
function F:list(opts)
  return self.client:call("getAll", {query = include_query(opts, LIST_OPTS, "list")})
end

--- The permission groups one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for group in client.permission_groups:each([{roles = true, features = true}]) do ... end
function F:each(opts)
  local query = include_query(opts, LIST_OPTS, "each")
  return pager.items(self.client, pager.single{path = "/authz/v1/permission_group", query = query})
end

--- One permission group by id.
-- syntax: group, err = client.permission_groups:get(id [, {roles = true}])
function F:get(id, opts)
  check_string(id, 1, "get")
  return self.client:call("get_1", {id = id, query = include_query(opts, {roles = true}, "get")})
end

--- Adds a custom permission group {name, description, features = {{featureName, operations}}}.
-- syntax: ok, err = client.permission_groups:create(group [, {dry_run = true}])
function F:create(group, opts)
  check_table(group, 1, "create")
  opts = pager.options(opts, DRY, "create")
  return pager.call(self.client, "save", {body = group}, opts)
end

--- Replaces a custom permission group.
-- syntax: ok, err = client.permission_groups:update(id, group [, {dry_run = true}])
function F:update(id, group, opts)
  check_string(id, 1, "update")
  check_table(group, 2, "update")
  opts = pager.options(opts, DRY, "update")
  return pager.call(self.client, "update", {id = id, body = group}, opts)
end

--- Deletes a custom permission group.
-- syntax: ok, err = client.permission_groups:delete(id [, {dry_run = true}])
function F:delete(id, opts)
  check_string(id, 1, "delete")
  opts = pager.options(opts, DRY, "delete")
  return pager.call(self.client, "deletePermissionGroup", {id = id}, opts)
end

--- The feature names a custom permission group can grant.
-- syntax: names, err = client.permission_groups:features()
function F:features()
  return self.client:call("getFeatures")
end

--- The permission group with exactly this name: group, or nil when there is none, or nil, err.
-- syntax: group, err = client.permission_groups:by_name(name)
function F:by_name(name)
  check_string(name, 1, "by_name")
  local groups, err = self.client:call("getAll")
  if not groups then return nil, err end
  for _, g in ipairs(groups) do
    if g.name == name then return g end
  end
  return nil
end

return F
