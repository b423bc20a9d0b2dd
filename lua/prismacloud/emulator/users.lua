-- prismacloud.emulator.users: users (UserProfile.json) and roles (UserRoles.json).
--
--   GET /v2/user, GET /v2/user/{email}, POST /v2/user, PUT /v2/user/{email}, DELETE /user/{email}
--   GET /user/role, GET /user/role/{id}, POST /user/role, PUT /user/role/{id}, DELETE /user/role/{id}
--
-- Errors as documented: POST /v2/user answers 409 duplicate_user_name for
-- an email in use (emails compare without case) and 400 with
-- empty_user_profile_provided, missing_email, wrong_email_format,
-- missing_first_name, missing_required_parameter, missing_time_zone,
-- invalid_time_zone, no_role_assigned_to_user, invalid_user_role,
-- default_role_not_belonging_to_user_role_list or exceeding_role_limit_number;
-- an unknown user is 400 user_inactive_or_not_exist, deleting the caller
-- 403 cannot_delete_own_profile. Roles: 400 invalid_user_role_name,
-- invalid_user_role_type, invalid_account_group_ids,
-- user_role_name_already_exists, invalid_id, and
-- cannot_delete_role_users_associated. Writes answer 200 with no body, as
-- documented. The store lives in the tenant state, seeded with four roles
-- and the generated users.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.emulator.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = json.array

M.MAX_ROLES = 10
M.ROLE_TYPES = {
  ["System Admin"] = true, ["Account Group Admin"] = true, ["Account Group Read Only"] = true,
  ["Cloud Provisioning Admin"] = true, ["Account and Cloud Provisioning Admin"] = true,
  ["Build and Deploy Security"] = true, ["Developer"] = true,
}
local SALT = 300

--------------------------------------------------------------------------
-- The store.
--------------------------------------------------------------------------

local function store(app)
  local st = app.state
  if st.iam then return st.iam end
  local w = st.world
  local roles, users = state_mod.new_store(), state_mod.new_store()
  local at = w.anchor_ms - 60 * data.DAY_MS
  local seeds = {{"System Admin", "System Admin", {}}, {"Account Group Admin", "Account Group Admin", nil},
                 {"Account Group Read Only", "Account Group Read Only", nil}, {"Developer", "Developer", nil}}
  for k, s in ipairs(seeds) do
    local id = data.uuid(w.seed, SALT, k)
    local groups = {}
    if not s[3] then groups = {st.groups.order[1]} end
    roles:put(id, {id = id, name = s[1], roleType = s[2], description = s[1] .. " role", accountGroupIds = groups,
                   resourceListIds = {}, codeRepositoryIds = {}, restrictDismissalAccess = false,
                   lastModifiedBy = "Prisma Cloud System Admin", lastModifiedTs = at})
  end
  local admin = roles.order[1]
  for k, email in ipairs(data.USERS) do
    if email:find("@", 1, true) then
      local first = email:match("^(%w+)")
      first = first:sub(1, 1):upper() .. first:sub(2)
      users:put(email:lower(), {
        email = email, firstName = first, lastName = "Example", timeZone = "UTC", enabled = true,
        roleIds = {admin}, defaultRoleId = admin, accessKeysAllowed = true, lastLoginTs = at + k * 3600000,
        lastModifiedBy = "Prisma Cloud System Admin", lastModifiedTs = at,
      })
    end
  end
  st.iam = {roles = roles, users = users}
  return st.iam
end

local function role_flags(r)
  return {onlyAllowCIAccess = false, onlyAllowComputeAccess = false, onlyAllowReadAccess =
          r.roleType == "Account Group Read Only", hasDefenderPermissions = r.roleType == "System Admin"}
end

local function role_view(app, iam, r)
  local groups = array{}
  for _, gid in ipairs(r.accountGroupIds) do
    local g = app.state.groups.by_id[gid]
    if g then groups[#groups + 1] = {id = g.id, name = g.name} end
  end
  local users = array{}
  for _, u in ipairs(iam.users:list()) do
    for _, rid in ipairs(u.roleIds) do
      if rid == r.id then users[#users + 1] = u.email end
    end
  end
  return {
    id = r.id, name = r.name, description = r.description, roleType = r.roleType,
    accountGroupIds = array(api.copy(r.accountGroupIds)), accountGroups = groups,
    resourceListIds = array(api.copy(r.resourceListIds)), resourceLists = array{},
    codeRepositoryIds = array(api.copy(r.codeRepositoryIds)), codeRepositories = array{},
    associatedUsers = users, restrictDismissalAccess = r.restrictDismissalAccess,
    additionalAttributes = role_flags(r), lastModifiedBy = r.lastModifiedBy, lastModifiedTs = r.lastModifiedTs,
  }
end

local function user_view(iam, u)
  local roles = array{}
  for _, rid in ipairs(u.roleIds) do
    local r = iam.roles.by_id[rid]
    if r then
      local f = role_flags(r)
      roles[#roles + 1] = {id = r.id, name = r.name, type = r.roleType, onlyAllowCIAccess = f.onlyAllowCIAccess,
                           onlyAllowComputeAccess = f.onlyAllowComputeAccess,
                           onlyAllowReadAccess = f.onlyAllowReadAccess}
    end
  end
  local default = iam.roles.by_id[u.defaultRoleId]
  return {
    email = u.email, firstName = u.firstName, lastName = u.lastName,
    displayName = u.firstName .. " " .. u.lastName, timeZone = u.timeZone, enabled = u.enabled,
    roleIds = array(api.copy(u.roleIds)), defaultRoleId = u.defaultRoleId, roles = roles,
    activeRole = default and {id = default.id, name = default.name} or json.null,
    accessKeysAllowed = u.accessKeysAllowed, lastLoginTs = u.lastLoginTs, lastModifiedBy = u.lastModifiedBy,
    lastModifiedTs = u.lastModifiedTs,
  }
end

--------------------------------------------------------------------------
-- Validation.
--------------------------------------------------------------------------

local function present(v)
  return type(v) == "string" and not v:match("^%s*$")
end

local function valid_zone(tz)
  return tz == "UTC" or tz == "GMT" or tz:match("^%u%a+/[%a_%-]+$") ~= nil
    or tz:match("^%u%a+/[%a_%-]+/[%a_%-]+$") ~= nil
end

-- Checks a user body; partial for PUT. Returns nil, or status, key, subject.
local function check_user(iam, b, partial)
  if next(b) == nil then return 400, "empty_user_profile_provided" end
  if not partial then
    if not present(b.email) then return 400, "missing_email", "email" end
    if not b.email:match("^[^@%s]+@[^@%s]+%.[^@%s]+$") then return 400, "wrong_email_format", "email" end
  end
  if not partial or b.firstName ~= nil then
    if not present(b.firstName) or #b.firstName > 300 then return 400, "missing_first_name", "firstName" end
  end
  if not partial or b.lastName ~= nil then
    if not present(b.lastName) or #b.lastName > 300 then return 400, "missing_required_parameter", "lastName" end
  end
  if not partial or b.timeZone ~= nil then
    if not present(b.timeZone) then return 400, "missing_time_zone", "timeZone" end
    if not valid_zone(b.timeZone) then return 400, "invalid_time_zone", "timeZone" end
  end
  if not partial or b.roleIds ~= nil then
    if type(b.roleIds) ~= "table" or #b.roleIds == 0 then return 400, "no_role_assigned_to_user", "roleIds" end
    if #b.roleIds > M.MAX_ROLES then return 400, "exceeding_role_limit_number", "roleIds" end
    for _, rid in ipairs(b.roleIds) do
      if not iam.roles.by_id[rid] then return 400, "invalid_user_role", tostring(rid) end
    end
  end
  if not partial or b.defaultRoleId ~= nil then
    if not present(b.defaultRoleId) then return 400, "missing_required_parameter", "defaultRoleId" end
  end
  for _, k in ipairs{"enabled", "accessKeysAllowed"} do
    if b[k] ~= nil and type(b[k]) ~= "boolean" then return 400, "invalid_parameter_value", k end
  end
  return nil
end

-- Checks a role body. Returns nil, or status, key, subject.
local function check_role(app, iam, b, self_id)
  if not present(b.name) then return 400, "invalid_user_role_name", "name" end
  for _, r in ipairs(iam.roles:list()) do
    if r.id ~= self_id and r.name:lower() == b.name:lower() then
      return 400, "user_role_name_already_exists", b.name
    end
  end
  if not M.ROLE_TYPES[b.roleType] then return 400, "invalid_user_role_type", "roleType" end
  if type(b.accountGroupIds) ~= "table" then return 400, "invalid_account_group_ids", "accountGroupIds" end
  for _, gid in ipairs(b.accountGroupIds) do
    if not app.state.groups.by_id[gid] then return 400, "invalid_account_group_ids", tostring(gid) end
  end
  for _, k in ipairs{"resourceListIds", "codeRepositoryIds"} do
    if b[k] ~= nil and b[k] ~= json.null and type(b[k]) ~= "table" then
      return 400, "invalid_parameter_value", k
    end
  end
  return nil
end

local function list_of(v)
  local out = {}
  if type(v) == "table" then
    for i, x in ipairs(v) do out[i] = x end
  end
  return out
end

--------------------------------------------------------------------------
-- Routes.
--------------------------------------------------------------------------

local function by(req)
  return req.claims and req.claims.sub or "unknown"
end

local function user_routes(router, app)
  router:add("GET", "/v2/user", function()
    local iam = store(app)
    local out = array{}
    for _, u in ipairs(iam.users:list()) do out[#out + 1] = user_view(iam, u) end
    return api.json(200, out)
  end)

  router:add("GET", "/v2/user/:id", function(req, params)
    local iam = store(app)
    local u = iam.users.by_id[params.id:lower()]
    if not u then return api.fail(req, 400, "user_inactive_or_not_exist", params.id) end
    return api.json(200, user_view(iam, u))
  end)

  router:add("POST", "/v2/user", function(req)
    local iam = store(app)
    local b, bad = api.body(req)
    if not b then return bad end
    local status, key, subject = check_user(iam, b, false)
    if status then return api.fail(req, status, key, subject) end
    if iam.users.by_id[b.email:lower()] then return api.fail(req, 409, "duplicate_user_name", b.email) end
    local roles = list_of(b.roleIds)
    local found = false
    for _, rid in ipairs(roles) do found = found or rid == b.defaultRoleId end
    if not found then return api.fail(req, 400, "default_role_not_belonging_to_user_role_list", "defaultRoleId") end
    iam.users:put(b.email:lower(), {
      email = b.email, firstName = b.firstName, lastName = b.lastName, timeZone = b.timeZone,
      enabled = b.enabled ~= false, roleIds = roles, defaultRoleId = b.defaultRoleId,
      accessKeysAllowed = b.accessKeysAllowed == true, lastLoginTs = 0, lastModifiedBy = by(req),
      lastModifiedTs = api.now_ms(),
    })
    return api.empty(200)
  end)

  router:add("PUT", "/v2/user/:id", function(req, params)
    local iam = store(app)
    local u = iam.users.by_id[params.id:lower()]
    if not u then return api.fail(req, 400, "user_inactive_or_not_exist", params.id) end
    local b, bad = api.body(req)
    if not b then return bad end
    local status, key, subject = check_user(iam, b, true)
    if status then return api.fail(req, status, key, subject) end
    if b.email ~= nil and (type(b.email) ~= "string" or b.email:lower() ~= params.id:lower()) then
      return api.fail(req, 400, "invalid_parameter_value", "email", "the email of a user cannot change")
    end
    local new = api.copy(u)
    for _, k in ipairs{"firstName", "lastName", "timeZone", "enabled", "accessKeysAllowed", "defaultRoleId"} do
      if b[k] ~= nil then new[k] = b[k] end
    end
    if b.roleIds ~= nil then new.roleIds = list_of(b.roleIds) end
    local found = false
    for _, rid in ipairs(new.roleIds) do found = found or rid == new.defaultRoleId end
    if not found then return api.fail(req, 400, "default_role_not_belonging_to_user_role_list", "defaultRoleId") end
    new.lastModifiedBy, new.lastModifiedTs = by(req), api.now_ms()
    iam.users:put(params.id:lower(), new)
    return api.empty(200)
  end)

  router:add("DELETE", "/user/:id", function(req, params)
    local iam = store(app)
    local id = params.id:lower()
    if not iam.users.by_id[id] then return api.fail(req, 400, "user_inactive_or_not_exist", params.id) end
    if req.claims and tostring(req.claims.sub):lower() == id then
      return api.fail(req, 403, "cannot_delete_own_profile", params.id)
    end
    iam.users:delete(id)
    return api.empty(200)
  end)
end

local function role_routes(router, app)
  router:add("GET", "/user/role", function()
    local iam = store(app)
    local out = array{}
    for _, r in ipairs(iam.roles:list()) do out[#out + 1] = role_view(app, iam, r) end
    return api.json(200, out)
  end)

  router:add("GET", "/user/role/:id", function(req, params)
    local iam = store(app)
    local r = iam.roles.by_id[params.id]
    if not r then return api.fail(req, 400, "invalid_id", params.id) end
    return api.json(200, role_view(app, iam, r))
  end)

  local function save(req, id, old)
    local iam = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    local status, key, subject = check_role(app, iam, b, id)
    if status then return api.fail(req, status, key, subject) end
    iam.roles:put(id, {
      id = id, name = b.name, roleType = b.roleType,
      description = type(b.description) == "string" and b.description or (old and old.description or ""),
      accountGroupIds = list_of(b.accountGroupIds), resourceListIds = list_of(b.resourceListIds),
      codeRepositoryIds = list_of(b.codeRepositoryIds), restrictDismissalAccess = b.restrictDismissalAccess == true,
      lastModifiedBy = by(req), lastModifiedTs = api.now_ms(),
    })
    return api.empty(200)
  end

  router:add("POST", "/user/role", function(req)
    local iam = store(app)
    iam.next = (iam.next or 100) + 1
    return save(req, data.uuid(app.state.world.seed, SALT, iam.next))
  end)

  router:add("PUT", "/user/role/:id", function(req, params)
    local iam = store(app)
    local r = iam.roles.by_id[params.id]
    if not r then return api.fail(req, 400, "invalid_id", params.id) end
    return save(req, params.id, r)
  end)

  router:add("DELETE", "/user/role/:id", function(req, params)
    local iam = store(app)
    local r = iam.roles.by_id[params.id]
    if not r then return api.fail(req, 400, "invalid_id", params.id) end
    for _, u in ipairs(iam.users:list()) do
      for _, rid in ipairs(u.roleIds) do
        if rid == r.id then return api.fail(req, 400, "cannot_delete_role_users_associated", r.id) end
      end
    end
    iam.roles:delete(r.id)
    return api.empty(200)
  end)
end

function M.register(router, app)
  role_routes(router, app)
  user_routes(router, app)
end

return M
