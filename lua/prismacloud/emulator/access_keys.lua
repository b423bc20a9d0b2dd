-- prismacloud.emulator.access_keys: access keys (AccessKeys.json), over the identity store of
-- prismacloud.emulator.users (which also logs in with them: users.key_login).
--
--   GET|POST /access_keys, GET|DELETE /access_keys/{id}, PATCH /access_keys/{id}/status/{status}
--
-- A System Admin sees every key, others their own. Errors as
-- documented: 400 user_inactive_or_not_exist for an unknown key or caller,
-- 403 unauthorized_to_use_access_keys when the owner may not have keys, 400
-- invalid_access_key_name / invalid_access_key_name_length /
-- invalid_expiry_access_key / already_have_two_access_keys, 409
-- duplicate_access_key_name, 400 empty_access_key_status_provided for a
-- status that is not a boolean. An expired key cannot be activated (400
-- invalid_expiry_access_key). A new key's secret is returned once and kept
-- nowhere.
local api = require "prismacloud.emulator.api"
local json = require "prismacloud.json"
local users = require "prismacloud.emulator.users"

local M = {}

local array = api.array

M.MAX_KEYS = 2
M.MAX_KEY_NAME = 100

-- The status of a key now: expired once past expiresOn.
local function key_status(k)
  if k.expiresOn > 0 and k.expiresOn <= api.now_ms() then return "expired" end
  return k.status
end

-- A key as the API shows it (never its secret).
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

-- Adds the routes above.
function M.register(router, app)
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
    if not api.present(b.name) then return api.fail(req, 400, "invalid_access_key_name", "name") end
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

return M
