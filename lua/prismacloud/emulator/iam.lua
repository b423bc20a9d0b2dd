-- prismacloud.emulator.iam: permission groups (PermissionGroupsMicroService.json)
-- and access keys (AccessKeys.json), over the identity store of
-- prismacloud.emulator.users.
--
--   GET|POST /authz/v1/permission_group, GET|PUT|DELETE /authz/v1/permission_group/{id}, GET /authz/v1/feature
--   GET|POST /access_keys, GET|DELETE /access_keys/{id}, PATCH /access_keys/{id}/status/{status}
--
-- Permission groups answer as documented: 201 on create and 204 on update
-- and delete, without a body; the reference names 4XX only, so the errors
-- use the API's common keys: 404 not_found for an unknown id, 400
-- missing_required_parameter / invalid_parameter_value for a bad body (an
-- unknown feature or operation too), 409 duplicate_name, and 400
-- invalid_parameter_value for changing a default group or deleting one a
-- role uses. A role uses a custom group by naming it as its roleType.
--
-- Access keys: a System Admin sees every key, others their own. Errors as
-- documented: 400 user_inactive_or_not_exist for an unknown key or caller,
-- 403 unauthorized_to_use_access_keys when the owner may not have keys, 400
-- invalid_access_key_name / invalid_access_key_name_length /
-- invalid_expiry_access_key / already_have_two_access_keys, 409
-- duplicate_access_key_name, 400 empty_access_key_status_provided for a
-- status that is not a boolean. An expired key cannot be activated (400
-- invalid_expiry_access_key). A new key's secret is returned once and kept
-- nowhere.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local users = require "prismacloud.emulator.users"

local M = {}

local array = api.array

M.MAX_KEYS = 2
M.MAX_KEY_NAME = 100

local function present(v)
  return type(v) == "string" and not v:match("^%s*$")
end

--------------------------------------------------------------------------
-- Permission groups.
--------------------------------------------------------------------------

-- The roles using a group: {[role id] = role name}.
local function associated_roles(iam, g)
  local out = {}
  for _, r in ipairs(iam.roles:list()) do
    if r.roleType == g.name then out[r.id] = r.name end
  end
  return out
end

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
  if not present(b.name) then return nil, 400, "missing_required_parameter", "name" end
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

local function group_routes(router, app)
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

--------------------------------------------------------------------------
-- Access keys.
--------------------------------------------------------------------------

-- The status of a key now: expired once past expiresOn.
local function key_status(k)
  if k.expiresOn > 0 and k.expiresOn <= api.now_ms() then return "expired" end
  return k.status
end

local function key_view(iam, k)
  local owner = iam.users.by_id[k.username:lower()]
  local role = owner and iam.roles.by_id[owner.defaultRoleId]
  return {
    id = k.id, name = k.name, username = k.username, createdBy = k.createdBy, createdTs = k.createdTs,
    expiresOn = k.expiresOn, lastUsedTime = k.lastUsedTime, status = key_status(k),
    role = role and {id = role.id, name = role.name} or json.null, roleType = role and role.roleType or json.null,
  }
end

-- The caller's user record and whether they are a System Admin; or nil and an error response.
local function caller(req, iam, app)
  local id = users.caller(app, req)
  local u = id and iam.users.by_id[id]
  if not u or not u.enabled then return nil, api.fail(req, 400, "user_inactive_or_not_exist", api.user_of(req)) end
  if not u.accessKeysAllowed then
    return nil, api.fail(req, 403, "unauthorized_to_use_access_keys", api.user_of(req))
  end
  local admin = false
  for _, rid in ipairs(u.roleIds) do
    local r = iam.roles.by_id[rid]
    admin = admin or (r ~= nil and r.roleType == "System Admin")
  end
  return u, admin
end

-- The key of params.id the caller may see, or nil and an error response.
local function visible_key(req, params, app)
  local iam = users.store(app)
  local u, admin = caller(req, iam, app)
  if not u then return nil, admin end
  local k = iam.keys.by_id[params.id]
  if not k or not (admin or k.username:lower() == (u.email or u.username):lower()) then
    return nil, api.fail(req, 400, "user_inactive_or_not_exist", params.id)
  end
  return k
end

local function key_routes(router, app)
  router:add("GET", "/access_keys", function(req)
    local iam = users.store(app)
    local u, admin = caller(req, iam, app)
    if not u then return admin end
    local me = (u.email or u.username):lower()
    local out = array{}
    for _, k in ipairs(iam.keys:list()) do
      if admin or k.username:lower() == me then out[#out + 1] = key_view(iam, k) end
    end
    return api.json(200, out)
  end)

  router:add("POST", "/access_keys", function(req)
    local iam = users.store(app)
    local u, bad = caller(req, iam, app)
    if not u then return bad end
    local b
    b, bad = api.body(req, true)
    if not b then return bad end
    if not present(b.name) then return api.fail(req, 400, "invalid_access_key_name", "name") end
    if #b.name > M.MAX_KEY_NAME then return api.fail(req, 400, "invalid_access_key_name_length", "name") end
    if not b.name:match("^[%w _%-%.@]+$") then return api.fail(req, 400, "invalid_access_key_name", "name") end
    local expires = 0
    if b.expiresOn ~= nil and b.expiresOn ~= json.null and b.expiresOn ~= 0 then
      expires = math.tointeger(b.expiresOn)
      if not expires or expires <= api.now_ms() then
        return api.fail(req, 400, "invalid_expiry_access_key", "expiresOn")
      end
    end
    local owner = u.email or u.username
    if b.serviceAccountName ~= nil then
      local svc = type(b.serviceAccountName) == "string" and iam.users.by_id[b.serviceAccountName:lower()]
      if not svc or svc.type ~= "SERVICE_ACCOUNT" then
        return api.fail(req, 400, "user_inactive_or_not_exist", tostring(b.serviceAccountName))
      end
      owner = svc.username
    end
    local count = 0
    for _, k in ipairs(iam.keys:list()) do
      if k.username:lower() == owner:lower() then
        count = count + 1
        if k.name:lower() == b.name:lower() then return api.fail(req, 409, "duplicate_access_key_name", b.name) end
      end
    end
    if count >= M.MAX_KEYS then return api.fail(req, 400, "already_have_two_access_keys", owner) end
    return api.json(200, users.new_key(app, iam, b.name, owner, expires, u.email or u.username))
  end)

  router:add("GET", "/access_keys/:id", function(req, params)
    local k, bad = visible_key(req, params, app)
    if not k then return bad end
    return api.json(200, {id = k.id, name = k.name, expiresOn = k.expiresOn})
  end)

  router:add("DELETE", "/access_keys/:id", function(req, params)
    local k, bad = visible_key(req, params, app)
    if not k then return bad end
    users.store(app).keys:delete(k.id)
    return api.empty(200)
  end)

  router:add("PATCH", "/access_keys/:id/status/:status", function(req, params)
    local on = api.bool(params.status)
    if type(on) ~= "boolean" then return api.fail(req, 400, "empty_access_key_status_provided", "status") end
    local k, bad = visible_key(req, params, app)
    if not k then return bad end
    if on and key_status(k) == "expired" then return api.fail(req, 400, "invalid_expiry_access_key", k.id) end
    k.status = on and "active" or "inactive"
    return api.empty(200)
  end)
end

function M.register(router, app)
  group_routes(router, app)
  key_routes(router, app)
end

return M
