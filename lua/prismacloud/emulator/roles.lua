-- prismacloud.emulator.roles: user roles (UserRoles.json), over the identity store of
-- prismacloud.emulator.users.
--
--   GET /user/role, GET /user/role/{id}, POST /user/role, PUT /user/role/{id}, DELETE /user/role/{id}
--   GET /user/role/name, GET /user/role/type
--
-- Errors as documented: 400 invalid_user_role_name, invalid_user_role_type,
-- invalid_account_group_ids, user_role_name_already_exists, invalid_id, and
-- cannot_delete_role_users_associated. Writes answer 200 with no body. A role's roleType is a
-- default type or the name of a custom permission group.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local users = require "prismacloud.emulator.users"

local M = {}

local array = api.array

-- Role types as GET /user/role/type names them.
local ROLE_TYPE_CODES = {
  ["System Admin"] = "SYSTEM_ADMIN", ["Account Group Admin"] = "ACCOUNT_ADMIN",
  ["Account Group Read Only"] = "ACCOUNT_READ_ONLY", ["Cloud Provisioning Admin"] = "CLOUD_PROVISIONING_ADMIN",
  ["Account and Cloud Provisioning Admin"] = "ACCOUNT_AND_CLOUD_PROVISIONING_ADMIN",
  ["Build and Deploy Security"] = "BUILD_AND_DEPLOY_SECURITY", ["Developer"] = "DEVELOPER",
}

-- Whether name is a role type: a default one or a custom permission group.
local function role_type(iam, name)
  if users.ROLE_TYPES[name] then return true end
  for _, g in ipairs(iam.permission_groups:list()) do
    if g.custom and g.name == name then return true end
  end
  return false
end

-- A role as the API answers it, with its account groups and the users holding it.
local function role_view(app, iam, r)
  local groups = array{}
  for _, gid in ipairs(r.accountGroupIds) do
    local g = app.state.groups.by_id[gid]
    if g then groups[#groups + 1] = {id = g.id, name = g.name} end
  end
  local holders = array{}
  for _, u in ipairs(iam.users:list()) do
    for _, rid in ipairs(u.roleIds) do
      if rid == r.id then holders[#holders + 1] = u.email or u.username end
    end
  end
  return {
    id = r.id, name = r.name, description = r.description, roleType = r.roleType,
    accountGroupIds = array(api.copy(r.accountGroupIds)), accountGroups = groups,
    resourceListIds = array(api.copy(r.resourceListIds)), resourceLists = array{},
    codeRepositoryIds = array(api.copy(r.codeRepositoryIds)), codeRepositories = array{},
    associatedUsers = holders, restrictDismissalAccess = r.restrictDismissalAccess,
    additionalAttributes = users.role_flags(r), lastModifiedBy = r.lastModifiedBy, lastModifiedTs = r.lastModifiedTs,
  }
end

-- Checks a role body. Returns nil, or status, key, subject.
local function check_role(app, iam, b, self_id)
  if not api.present(b.name) then return 400, "invalid_user_role_name", "name" end
  for _, r in ipairs(iam.roles:list()) do
    if r.id ~= self_id and r.name:lower() == b.name:lower() then
      return 400, "user_role_name_already_exists", b.name
    end
  end
  if type(b.roleType) ~= "string" or not role_type(iam, b.roleType) then
    return 400, "invalid_user_role_type", "roleType"
  end
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

-- Adds the routes above.
function M.register(router, app)
  local store = users.store
  router:add("GET", "/user/role", function()
    local iam = store(app)
    local out = array{}
    for _, r in ipairs(iam.roles:list()) do out[#out + 1] = role_view(app, iam, r) end
    return api.json(200, out)
  end)

  router:add("GET", "/user/role/name", function()
    local out = array{}
    for _, r in ipairs(store(app).roles:list()) do out[#out + 1] = {id = r.id, name = r.name} end
    return api.json(200, out)
  end)

  router:add("GET", "/user/role/type", function()
    local out = array{}
    for _, code in pairs(ROLE_TYPE_CODES) do out[#out + 1] = code end
    table.sort(out)
    return api.json(200, out)
  end)

  router:add("GET", "/user/role/:id", function(req, params)
    local iam = store(app)
    local r = iam.roles.by_id[params.id]
    if not r then return api.fail(req, 400, "invalid_id", params.id) end
    return api.json(200, role_view(app, iam, r))
  end)

  -- Stores role id from the request's body (old: the role it replaces): 200, or an error response.
  local function save(req, id, old)
    local iam = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    local status, key, subject = check_role(app, iam, b, id)
    if status then return api.fail(req, status, key, subject) end
    iam.roles:put(id, {
      id = id, name = b.name, roleType = b.roleType,
      description = type(b.description) == "string" and b.description or (old and old.description or ""),
      accountGroupIds = api.list_of(b.accountGroupIds), resourceListIds = api.list_of(b.resourceListIds),
      codeRepositoryIds = api.list_of(b.codeRepositoryIds), restrictDismissalAccess = b.restrictDismissalAccess == true,
      lastModifiedBy = api.user_of(req), lastModifiedTs = api.now_ms(),
    })
    return api.empty(200)
  end

  router:add("POST", "/user/role", function(req)
    local iam = store(app)
    iam.next = (iam.next or 100) + 1
    return save(req, data.uuid(app.state.world.seed, users.SALT, iam.next))
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

return M
