-- prismacloud.emulator.permission_groups: permission groups (PermissionGroupsMicroService.json),
-- over the identity store of prismacloud.emulator.users.
--
--   GET|POST /authz/v1/permission_group, GET|PUT|DELETE /authz/v1/permission_group/{id}, GET /authz/v1/feature
--
-- Permission groups answer as documented: 201 on create and 204 on update
-- and delete, without a body; the reference names 4XX only, so the errors
-- use the API's common keys: 404 not_found for an unknown id, 400
-- missing_required_parameter / invalid_parameter_value for a bad body (an
-- unknown feature or operation too), 409 duplicate_name, and 400
-- invalid_parameter_value for changing a default group or deleting one a
-- role uses. A role uses a custom group by naming it as its roleType.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local users = require "prismacloud.emulator.users"

local M = {}

local array = api.array

-- The roles using a group: {[role id] = role name}.
local function associated_roles(iam, g)
  local out = {}
  for _, r in ipairs(iam.roles:list()) do
    if r.roleType == g.name then out[r.id] = r.name end
  end
  return out
end

-- A group as the API shows it, with the roles using it and its features when asked.
local function group_view(iam, g, with_roles, with_features)
  local v = {
    id = g.id, name = g.name, description = g.description, type = g.type, custom = g.custom,
    acceptAccountGroups = g.acceptAccountGroups, acceptResourceLists = g.acceptResourceLists,
    acceptCodeRepositories = g.acceptCodeRepositories, lastModifiedBy = g.lastModifiedBy,
    lastModifiedTs = g.lastModifiedTs,
  }
  if with_features then v.features = api.deep_copy(g.features) end
  if with_roles then v.associatedRoles = associated_roles(iam, g) end
  return v
end

-- The features of a request body, checked: a list, or nil and status, key, subject.
local function check_group(iam, b, self_id)
  if not api.present(b.name) then return nil, 400, "missing_required_parameter", "name" end
  if b.description ~= nil and type(b.description) ~= "string" then
    return nil, 400, "invalid_parameter_value", "description"
  end
  if type(b.features) ~= "table" or #b.features == 0 then
    return nil, 400, "missing_required_parameter", "features"
  end
  local features = array{}
  for _, f in ipairs(b.features) do
    if type(f) ~= "table" then return nil, 400, "invalid_parameter_value", "features" end
    local known = users.FEATURE_OPS[f.featureName]
    if not known then return nil, 400, "invalid_parameter_value", tostring(f.featureName) end
    if type(f.operations) ~= "table" then return nil, 400, "missing_required_parameter", "operations" end
    local ops = {}
    for op, on in pairs(f.operations) do
      if not known[op] or type(on) ~= "boolean" then
        return nil, 400, "invalid_parameter_value", f.featureName .. "." .. tostring(op)
      end
      ops[op] = on
    end
    features[#features + 1] = {featureName = f.featureName, operations = ops}
  end
  for _, g in ipairs(iam.permission_groups:list()) do
    if g.id ~= self_id and g.name:lower() == b.name:lower() then return nil, 409, "duplicate_name", b.name end
  end
  if users.ROLE_TYPES[b.name] then return nil, 409, "duplicate_name", b.name end
  return features
end

-- An include flag of the query: boolean, nil, or "bad".
local function include(req, name)
  return api.bool(api.query(req, name))
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/authz/v1/feature", function()
    local out = array{}
    for _, f in ipairs(users.FEATURES) do out[#out + 1] = f[1] end
    return api.json(200, out)
  end)

  router:add("GET", "/authz/v1/permission_group", function(req)
    local iam = users.store(app)
    local roles, features = include(req, "includeAssociatedRoles"), include(req, "includeFeatures")
    if roles == "bad" then return api.fail(req, 400, "invalid_parameter_value", "includeAssociatedRoles") end
    if features == "bad" then return api.fail(req, 400, "invalid_parameter_value", "includeFeatures") end
    local out = array{}
    for _, g in ipairs(iam.permission_groups:list()) do out[#out + 1] = group_view(iam, g, roles, features) end
    return api.json(200, out)
  end)

  router:add("GET", "/authz/v1/permission_group/:id", function(req, params)
    local iam = users.store(app)
    local roles = include(req, "includeAssociatedRoles")
    if roles == "bad" then return api.fail(req, 400, "invalid_parameter_value", "includeAssociatedRoles") end
    local g = iam.permission_groups.by_id[params.id]
    if not g then return api.fail(req, 404, "not_found", params.id) end
    return api.json(200, group_view(iam, g, roles, true))
  end)

  local function save(req, id, old)
    local iam = users.store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    local features, status, key, subject = check_group(iam, b, id)
    if not features then return api.fail(req, status, key, subject) end
    if old and old.name ~= b.name then
      for _, r in ipairs(iam.roles:list()) do
        if r.roleType == old.name then r.roleType = b.name end
      end
    end
    iam.permission_groups:put(id, {
      id = id, name = b.name, description = b.description or (old and old.description) or "", type = "Custom",
      custom = true, features = features, acceptAccountGroups = true, acceptResourceLists = false,
      acceptCodeRepositories = false, lastModifiedBy = api.user_of(req), lastModifiedTs = api.now_ms(),
    })
    return api.empty(old and 204 or 201)
  end

  router:add("POST", "/authz/v1/permission_group", function(req)
    local iam = users.store(app)
    iam.next = iam.next + 1
    return save(req, data.uuid(app.state.world.seed, users.SALT + 1, iam.next))
  end)

  -- The custom group of params.id, or nil and an error response.
  local function custom_group(req, params)
    local g = users.store(app).permission_groups.by_id[params.id]
    if not g then return nil, api.fail(req, 404, "not_found", params.id) end
    if not g.custom then
      return nil, api.fail(req, 400, "invalid_parameter_value", params.id, "default permission groups cannot change")
    end
    return g
  end

  router:add("PUT", "/authz/v1/permission_group/:id", function(req, params)
    local g, bad = custom_group(req, params)
    if not g then return bad end
    return save(req, g.id, g)
  end)

  router:add("DELETE", "/authz/v1/permission_group/:id", function(req, params)
    local g, bad = custom_group(req, params)
    if not g then return bad end
    local iam = users.store(app)
    if next(associated_roles(iam, g)) then
      return api.fail(req, 400, "invalid_parameter_value", g.id, "the permission group is used by roles")
    end
    iam.permission_groups:delete(g.id)
    return api.empty(204)
  end)
end

return M
