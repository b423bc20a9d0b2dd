-- prismacloud.emulator.users: users (UserProfile.json), and the tenant's identity store that
-- roles.lua, access_keys.lua and permission_groups.lua serve too: roles, users and service
-- accounts, access keys, permission groups, the SSO bypass list.
--
--   GET /v2/user, GET /v2/user/{email}, POST /v2/user, PUT /v2/user/{email}, DELETE /user/{email}
--   PATCH /user/{email}/status/{enabled}, GET /v3/user, POST /v3/user (users and service accounts)
--   GET /user/name, GET /user/domain, GET|PUT /user/me, GET|PUT /user/saml/bypass
--
-- Errors as documented: POST /v2/user answers 409 duplicate_user_name for
-- an email in use (emails compare without case) and 400 with
-- empty_user_profile_provided, missing_email, wrong_email_format,
-- missing_first_name, missing_required_parameter, missing_time_zone,
-- invalid_time_zone, no_role_assigned_to_user, invalid_user_role,
-- default_role_not_belonging_to_user_role_list or exceeding_role_limit_number;
-- an unknown user is 400 user_inactive_or_not_exist, deleting the caller
-- 403 cannot_delete_own_profile. Writes answer 200 with no body, as
-- documented (a new service account answers its first access key {id,
-- secretKey}, the secret made then and kept nowhere); a v2 PUT that drops
-- the caller's current role is 403 cannot_remove_current_log_in_role.
-- The caller is the user owning the access key the token was
-- issued for (the emulator's own key belongs to the first seeded user, a
-- System Admin): /user/me answers for them, and they cannot delete or
-- disable themselves (403 cannot_delete_own_profile,
-- cannot_disable_own_profile). GET /user/domain answers 400 no_user_added
-- without users, PUT /user/saml/bypass 400 missing_sso_bypass_allowed_users
-- for an empty list. The store lives in the tenant state, seeded with
-- four roles, the generated users, a service account (v3 only; v2 lists
-- user accounts), access keys (the emulator's own among them), the default
-- permission groups and one custom one.
local digest = require "openssl.digest"
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

M.MAX_ROLES = 10
M.ROLE_TYPES = {
  ["System Admin"] = true, ["Account Group Admin"] = true, ["Account Group Read Only"] = true,
  ["Cloud Provisioning Admin"] = true, ["Account and Cloud Provisioning Admin"] = true,
  ["Build and Deploy Security"] = true, ["Developer"] = true,
}
local SALT = 300
M.SALT = SALT

--------------------------------------------------------------------------
-- The store.
--------------------------------------------------------------------------

-- The features a permission group can grant, and the operations of each.
M.FEATURES = {
  {"alerts", {"READ", "UPDATE"}}, {"policies", {"READ", "CREATE", "UPDATE", "DELETE"}},
  {"complianceStandards", {"READ", "CREATE", "UPDATE", "DELETE"}}, {"accountGroups", {"READ", "CREATE", "UPDATE",
  "DELETE"}}, {"cloudAccounts", {"READ", "CREATE", "UPDATE", "DELETE"}}, {"userRoles", {"READ", "CREATE", "UPDATE",
  "DELETE"}}, {"users", {"READ", "CREATE", "UPDATE", "DELETE"}}, {"accessKeys", {"READ", "CREATE", "UPDATE",
  "DELETE"}}, {"trustedIps", {"READ", "CREATE", "UPDATE", "DELETE"}}, {"enterpriseSettings", {"READ", "UPDATE"}},
  {"auditLogs", {"READ"}}, {"investigate", {"READ"}}, {"reports", {"READ", "CREATE", "DELETE"}},
}
M.FEATURE_OPS = {}
for _, f in ipairs(M.FEATURES) do
  local ops = {}
  for _, op in ipairs(f[2]) do ops[op] = true end
  M.FEATURE_OPS[f[1]] = ops
end

-- The features of a default group: everything, or reading only.
local function default_features(read_only)
  local out = array{}
  for _, f in ipairs(M.FEATURES) do
    local ops = {}
    for _, op in ipairs(f[2]) do
      if not read_only or op == "READ" then ops[op] = true end
    end
    out[#out + 1] = {featureName = f[1], operations = ops}
  end
  return out
end

-- The permission groups of world w: one per default role type, and one custom one.
local function seed_permission_groups(w, at)
  local groups = state_mod.new_store()
  local names = {}
  for name in pairs(M.ROLE_TYPES) do names[#names + 1] = name end
  table.sort(names)
  for k, name in ipairs(names) do
    local id = data.uuid(w.seed, SALT + 1, k)
    groups:put(id, {id = id, name = name, description = name .. " permissions", type = "Default", custom = false,
                    features = default_features(name:find("Read Only", 1, true) ~= nil),
                    acceptAccountGroups = name ~= "System Admin", acceptResourceLists = false,
                    acceptCodeRepositories = false, lastModifiedBy = "Prisma Cloud System Admin",
                    lastModifiedTs = at})
  end
  local id = data.uuid(w.seed, SALT + 1, #names + 1)
  groups:put(id, {id = id, name = "Alert Triage", description = "Reads and dismisses alerts", type = "Custom",
                  custom = true, features = array{{featureName = "alerts", operations = {READ = true, UPDATE = true}},
                                                   {featureName = "policies", operations = {READ = true}}},
                  acceptAccountGroups = true, acceptResourceLists = false, acceptCodeRepositories = false,
                  lastModifiedBy = "Prisma Cloud System Admin", lastModifiedTs = at})
  return groups
end

-- The tenant's identity store: roles, users (and service accounts) by
-- lowercased email or name, access keys, permission groups, SSO bypass list.
local function store(app)
  local st = app.state
  if st.iam then return st.iam end
  local w = st.world
  local roles, users, keys = state_mod.new_store(), state_mod.new_store(), state_mod.new_store()
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
  local emails = {}
  for k, email in ipairs(data.USERS) do
    if email:find("@", 1, true) then
      local first = email:match("^(%w+)")
      first = first:sub(1, 1):upper() .. first:sub(2)
      emails[#emails + 1] = email
      users:put(email:lower(), {
        email = email, firstName = first, lastName = "Example", timeZone = "UTC", enabled = true,
        roleIds = {admin}, defaultRoleId = admin, accessKeysAllowed = true, lastLoginTs = at + k * 3600000,
        lastModifiedBy = "Prisma Cloud System Admin", lastModifiedTs = at, type = "USER_ACCOUNT",
      })
    end
  end
  local dev = roles.order[4]
  users:put("svc-scanner", {
    username = "svc-scanner", firstName = "svc-scanner", lastName = "", timeZone = "UTC", enabled = true,
    roleIds = {dev}, defaultRoleId = dev, accessKeysAllowed = true, lastLoginTs = at,
    lastModifiedBy = "Prisma Cloud System Admin", lastModifiedTs = at, type = "SERVICE_ACCOUNT",
  })
  -- Access keys: the emulator's own (its login), one per other user, one expired, the service account's.
  local function key(id, name, owner, status, expires)
    keys:put(id, {id = id, name = name, username = owner, createdBy = owner, createdTs = at, expiresOn = expires,
                  lastUsedTime = status == "active" and at + 3600000 or 0, status = status})
  end
  key(app.config.access_key, "emulator", emails[1], "active", 0)
  key(data.uuid(w.seed, SALT + 2, 1), "bob-automation", emails[2], "active", at + 365 * data.DAY_MS)
  key(data.uuid(w.seed, SALT + 2, 2), "carol-old", emails[3], "expired", at - data.DAY_MS)
  key(data.uuid(w.seed, SALT + 2, 3), "svc-scanner-key", "svc-scanner", "active", 0)
  st.iam = {roles = roles, users = users, keys = keys, permission_groups = seed_permission_groups(w, at),
            sso_bypass = {}, next = 100, secrets = {}}
  return st.iam
end
M.store = store

-- The lowercased store id of the caller (the owner of the token's access
-- key), or nil when the token is for no known user.
function M.caller(app, req)
  local sub = req.claims and req.claims.sub
  if type(sub) ~= "string" then return nil end
  local iam = store(app)
  local k = iam.keys.by_id[sub]
  if k then return k.username:lower() end
  return sub:lower()
end

-- The flags a role gives its users (in role and user views).
local function role_flags(r)
  return {onlyAllowCIAccess = false, onlyAllowComputeAccess = false, onlyAllowReadAccess =
          r.roleType == "Account Group Read Only", hasDefenderPermissions = r.roleType == "System Admin"}
end
M.role_flags = role_flags

-- A user as GET /v2/user answers it, with their roles.
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
    displayName = u.lastName ~= "" and u.firstName .. " " .. u.lastName or u.firstName, timeZone = u.timeZone,
    enabled = u.enabled,
    roleIds = array(api.copy(u.roleIds)), defaultRoleId = u.defaultRoleId, roleId = u.defaultRoleId, roles = roles,
    activeRole = default and {id = default.id, name = default.name} or json.null,
    accessKeysAllowed = u.accessKeysAllowed, lastLoginTs = u.lastLoginTs, lastModifiedBy = u.lastModifiedBy,
    lastModifiedTs = u.lastModifiedTs,
  }
end

--------------------------------------------------------------------------
-- Validation.
--------------------------------------------------------------------------

-- Whether tz looks like a time zone name (UTC, GMT, Area/City).
local function valid_zone(tz)
  return tz == "UTC" or tz == "GMT" or tz:match("^%u%a+/[%a_%-]+$") ~= nil
    or tz:match("^%u%a+/[%a_%-]+/[%a_%-]+$") ~= nil
end

-- Checks a user body; partial for PUT. Returns nil, or status, key, subject.
local function check_user(iam, b, partial)
  if next(b) == nil then return 400, "empty_user_profile_provided" end
  if not partial then
    if not api.present(b.email) then return 400, "missing_email", "email" end
    if not b.email:match("^[^@%s]+@[^@%s]+%.[^@%s]+$") then return 400, "wrong_email_format", "email" end
  end
  if not partial or b.firstName ~= nil then
    if not api.present(b.firstName) or #b.firstName > 300 then return 400, "missing_first_name", "firstName" end
  end
  if not partial or b.lastName ~= nil then
    if not api.present(b.lastName) or #b.lastName > 300 then return 400, "missing_required_parameter", "lastName" end
  end
  if not partial or b.timeZone ~= nil then
    if not api.present(b.timeZone) then return 400, "missing_time_zone", "timeZone" end
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
    if not api.present(b.defaultRoleId) then return 400, "missing_required_parameter", "defaultRoleId" end
  end
  for _, k in ipairs{"enabled", "accessKeysAllowed"} do
    if b[k] ~= nil and type(b[k]) ~= "boolean" then return 400, "invalid_parameter_value", k end
  end
  return nil
end

--------------------------------------------------------------------------
-- Routes.
--------------------------------------------------------------------------

-- A user account (not a service account) by email, or nil.
local function user_of(iam, email)
  local u = iam.users.by_id[email:lower()]
  if u and u.type == "USER_ACCOUNT" then return u end
  return nil
end

-- Whether default is among roles.
local function has_default(roles, default)
  for _, rid in ipairs(roles) do
    if rid == default then return true end
  end
  return false
end

-- The SHA-256 of s, in hex.
local function sha256(s)
  return (digest.new("sha256"):final(s):gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

-- A new access key for owner: {id, secretKey}. The secret is made here and handed out once; only
-- its SHA-256 is kept (iam.secrets), so that the key can log in (M.key_login).
function M.new_key(app, iam, name, owner, expires, creator)
  iam.next = iam.next + 1
  local w = app.state.world
  local id = data.uuid(w.seed, SALT + 2, iam.next)
  local secret = data.uuid(w.seed, SALT + 3, iam.next):gsub("%-", "")
  iam.keys:put(id, {id = id, name = name, username = owner, createdBy = creator, createdTs = api.now_ms(),
                    expiresOn = expires or 0, lastUsedTime = 0, status = "active"})
  iam.secrets[id] = sha256(secret)
  return {id = id, secretKey = secret}
end

--- Whether an access key made through the API (POST /access_keys, a service account) logs in
-- with secret: it exists, is active, has not expired, and the secret is its own.
function M.key_login(app, id, secret)
  local iam = store(app)
  local k = type(id) == "string" and iam.keys.by_id[id]
  if not k or k.status ~= "active" or type(secret) ~= "string" or iam.secrets[id] ~= sha256(secret) then
    return false
  end
  if k.expiresOn and k.expiresOn > 0 and k.expiresOn <= api.now_ms() then return false end
  k.lastUsedTime = api.now_ms()
  return true
end

-- The GET /v3/user view of a user or service account.
local function account_view(iam, u)
  local v = user_view(iam, u)
  v.username = u.username or u.email
  v.type = u.type
  local n = 0
  for _, k in ipairs(iam.keys:list()) do
    if k.username:lower() == v.username:lower() then n = n + 1 end
  end
  v.accessKeysCount = n
  return v
end

-- Adds a user account from a v2 or v3 body; nil, or an error response.
local function add_user(req, iam, b)
  local status, key, subject = check_user(iam, b, false)
  if status then return api.fail(req, status, key, subject) end
  if iam.users.by_id[b.email:lower()] then return api.fail(req, 409, "duplicate_user_name", b.email) end
  local roles = api.list_of(b.roleIds)
  if not has_default(roles, b.defaultRoleId) then
    return api.fail(req, 400, "default_role_not_belonging_to_user_role_list", "defaultRoleId")
  end
  iam.users:put(b.email:lower(), {
    email = b.email, firstName = b.firstName, lastName = b.lastName, timeZone = b.timeZone,
    enabled = b.enabled ~= false, roleIds = roles, defaultRoleId = b.defaultRoleId,
    accessKeysAllowed = b.accessKeysAllowed == true, lastLoginTs = 0, lastModifiedBy = api.user_of(req),
    lastModifiedTs = api.now_ms(), type = "USER_ACCOUNT",
  })
  return nil
end

-- Adds a service account and its first access key from a v3 body.
local function add_service_account(req, app, iam, b)
  if not api.present(b.username) or #b.username > 300 then
    return api.fail(req, 400, "missing_required_parameter", "username")
  end
  if not api.present(b.accessKeyName) then return api.fail(req, 400, "missing_required_parameter", "accessKeyName") end
  if not api.present(b.timeZone) then return api.fail(req, 400, "missing_time_zone", "timeZone") end
  if not valid_zone(b.timeZone) then return api.fail(req, 400, "invalid_time_zone", "timeZone") end
  if not api.present(b.defaultRoleId) then return api.fail(req, 400, "missing_required_parameter", "defaultRoleId") end
  if not iam.roles.by_id[b.defaultRoleId] then return api.fail(req, 400, "invalid_user_role", b.defaultRoleId) end
  local expires = 0
  if b.enableKeyExpiration == true then
    expires = math.tointeger(b.accessKeyExpiration)
    if not expires then return api.fail(req, 400, "missing_required_parameter", "accessKeyExpiration") end
  end
  if iam.users.by_id[b.username:lower()] then return api.fail(req, 409, "duplicate_user_name", b.username) end
  iam.users:put(b.username:lower(), {
    username = b.username, firstName = b.username, lastName = "", timeZone = b.timeZone, enabled = true,
    roleIds = {b.defaultRoleId}, defaultRoleId = b.defaultRoleId, accessKeysAllowed = true, lastLoginTs = 0,
    lastModifiedBy = api.user_of(req), lastModifiedTs = api.now_ms(), type = "SERVICE_ACCOUNT",
  })
  return api.json(200, M.new_key(app, iam, b.accessKeyName, b.username, expires, api.user_of(req)))
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/v2/user", function()
    local iam = store(app)
    local out = array{}
    for _, u in ipairs(iam.users:list()) do
      if u.type == "USER_ACCOUNT" then out[#out + 1] = user_view(iam, u) end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/v3/user", function()
    local iam = store(app)
    local out = array{}
    for _, u in ipairs(iam.users:list()) do out[#out + 1] = account_view(iam, u) end
    return api.json(200, out)
  end)

  router:add("GET", "/v2/user/:id", function(req, params)
    local iam = store(app)
    local u = user_of(iam, params.id)
    if not u then return api.fail(req, 400, "user_inactive_or_not_exist", params.id) end
    return api.json(200, user_view(iam, u))
  end)

  router:add("POST", "/v2/user", function(req)
    local iam = store(app)
    local b, bad = api.body(req)
    if not b then return bad end
    return add_user(req, iam, b) or api.empty(200)
  end)

  router:add("POST", "/v3/user", function(req)
    local iam = store(app)
    local b, bad = api.body(req)
    if not b then return bad end
    if b.type == "SERVICE_ACCOUNT" then return add_service_account(req, app, iam, b) end
    if b.type ~= nil and b.type ~= "USER_ACCOUNT" then return api.fail(req, 400, "invalid_parameter_value", "type") end
    -- the reference documents a CreateUserAccessKeyResponseModel body (no property required);
    -- a user account has no access key: an empty object
    return add_user(req, iam, b) or api.json(200, {})
  end)

  router:add("PUT", "/v2/user/:id", function(req, params)
    local iam = store(app)
    local u = user_of(iam, params.id)
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
    if b.roleIds ~= nil then new.roleIds = api.list_of(b.roleIds) end
    if not has_default(new.roleIds, new.defaultRoleId) then
      return api.fail(req, 400, "default_role_not_belonging_to_user_role_list", "defaultRoleId")
    end
    if M.caller(app, req) == params.id:lower() and not has_default(new.roleIds, u.defaultRoleId) then
      return api.fail(req, 403, "cannot_remove_current_log_in_role", "roleIds")
    end
    new.lastModifiedBy, new.lastModifiedTs = api.user_of(req), api.now_ms()
    iam.users:put(params.id:lower(), new)
    return api.empty(200)
  end)

  router:add("PATCH", "/user/:id/status/:enabled", function(req, params)
    local iam = store(app)
    local u = iam.users.by_id[params.id:lower()]
    if not u then return api.fail(req, 400, "user_inactive_or_not_exist", params.id) end
    local enabled = api.bool(params.enabled)
    if type(enabled) ~= "boolean" then return api.fail(req, 400, "invalid_parameter_value", "enabled") end
    if not enabled and M.caller(app, req) == params.id:lower() then
      return api.fail(req, 403, "cannot_disable_own_profile", params.id)
    end
    local new = api.copy(u)
    new.enabled, new.lastModifiedBy, new.lastModifiedTs = enabled, api.user_of(req), api.now_ms()
    iam.users:put(params.id:lower(), new)
    return api.empty(200)
  end)

  router:add("DELETE", "/user/:id", function(req, params)
    local iam = store(app)
    local id = params.id:lower()
    if not iam.users.by_id[id] then return api.fail(req, 400, "user_inactive_or_not_exist", params.id) end
    if M.caller(app, req) == id then
      return api.fail(req, 403, "cannot_delete_own_profile", params.id)
    end
    iam.users:delete(id)
    for _, k in ipairs(iam.keys:list()) do
      if k.username:lower() == id then iam.keys:delete(k.id) end
    end
    return api.empty(200)
  end)

  router:add("GET", "/user/name", function()
    local iam = store(app)
    local out = array{}
    for _, u in ipairs(iam.users:list()) do
      if u.type == "USER_ACCOUNT" then
        out[#out + 1] = {email = u.email, displayName = user_view(iam, u).displayName}
      end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/user/domain", function(req)
    local iam = store(app)
    local seen, out = {}, array{}
    for _, u in ipairs(iam.users:list()) do
      local domain = u.email and u.email:match("@(.+)$")
      if domain and not seen[domain:lower()] then
        seen[domain:lower()] = true
        out[#out + 1] = domain:lower()
      end
    end
    if #out == 0 then return api.fail(req, 400, "no_user_added") end
    return api.json(200, out)
  end)

  router:add("GET", "/user/me", function(req)
    local iam = store(app)
    local u = iam.users.by_id[M.caller(app, req) or ""]
    if not u then return api.fail(req, 400, "user_inactive_or_not_exist", api.user_of(req)) end
    return api.json(200, user_view(iam, u))
  end)

  router:add("PUT", "/user/me", function(req)
    local iam = store(app)
    local id = M.caller(app, req) or ""
    local u = iam.users.by_id[id]
    if not u then return api.fail(req, 400, "user_inactive_or_not_exist", api.user_of(req)) end
    local b, bad = api.body(req)
    if not b then return bad end
    if b.enabled == false then return api.fail(req, 403, "cannot_disable_own_profile", u.email) end
    local fields = {}
    for _, k in ipairs{"firstName", "lastName", "timeZone", "defaultRoleId"} do fields[k] = b[k] end
    local status, key, subject = check_user(iam, fields, true)
    if status then return api.fail(req, status, key, subject) end
    if fields.defaultRoleId ~= nil and not iam.roles.by_id[fields.defaultRoleId] then
      return api.fail(req, 400, "invalid_user_role", fields.defaultRoleId)
    end
    local new = api.copy(u)
    for k, v in pairs(fields) do new[k] = v end
    if not has_default(new.roleIds, new.defaultRoleId) then
      return api.fail(req, 400, "default_role_not_belonging_to_user_role_list", "defaultRoleId")
    end
    new.lastModifiedBy, new.lastModifiedTs = api.user_of(req), api.now_ms()
    iam.users:put(id, new)
    return api.empty(200)
  end)

  router:add("GET", "/user/saml/bypass", function()
    return api.json(200, array(api.copy(store(app).sso_bypass)))
  end)

  router:add("PUT", "/user/saml/bypass", function(req)
    local iam = store(app)
    local b, bad = api.body(req)
    if not b then return bad end
    if #b == 0 then return api.fail(req, 400, "missing_sso_bypass_allowed_users") end
    local list, seen = {}, {}
    for _, email in ipairs(b) do
      if type(email) ~= "string" then return api.fail(req, 400, "invalid_parameter_value", "email") end
      if not seen[email:lower()] then
        seen[email:lower()] = true
        list[#list + 1] = email
      end
    end
    iam.sso_bypass = list
    return api.empty(200)
  end)
end

return M
