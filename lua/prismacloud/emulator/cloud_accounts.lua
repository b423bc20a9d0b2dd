-- prismacloud.emulator.cloud_accounts: the cloud account family
-- (CloudAccountOnboardingMicroServices.json).
--
--   GET /cloud                          accounts, with their account groups
--   GET /cloud/name                     {id, name, cloudType} (onlyActive, cloudType, accountGroupIds)
--   GET /cloud/{cloud_type}/{id}        one account
--   PATCH /cloud/{id}/status/{enabled}  enable or disable
--   GET /cloud/type, GET /cloud/{id}/owners, POST /cloud/name
--   POST /cas/v1/{aws,azure,gcp}_account, POST /cloud/{alibaba_cloud,oci}      onboard (200, no body)
--   PUT /cas/v1/{aws,azure,gcp}_account/{id}, PUT /cloud/{cloud_type}/{id}   update
--   PATCH /cloud/{cloud_type}/{id}      enabled, groupIds (405 cloud_account_already_enabled/disabled)
--   DELETE /cloud/{cloud_type}/{id}     offboard (404 invalid_account_id_format, invalid_cloud_type)
--   POST /cas/v1/cloud_account/status/{aws,azure,gcp}, POST /cloud/status/{cloud_type}
--                                       an onboarding trial run: the status of each capability
--   GET /account/{id}/config/status     capabilities in warning or error
--
-- Onboarding errors as documented: 400 duplicate_cloud_account_name, duplicate_cloud_account,
-- cannot_select_zero_account_groups, invalid_account_group_ids, invalid_account_id_format; 404
-- invalid_account_type (invalid_account_id_format for AWS ids).
--
-- Register after the account group family: /cloud/group/{id} must win over
-- /cloud/{cloud_type}/{id}.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

-- The groups holding an account: {groupId, groupName, ...} list and ids.
local function groups_of(st, account_id)
  local infos, ids = array{}, array{}
  for _, g in ipairs(st.groups:list()) do
    for _, id in ipairs(g.accountIds) do
      if id == account_id then
        infos[#infos + 1] = {groupId = g.id, groupName = g.name, autoCreated = g.autoCreated,
                             lastModifiedBy = g.lastModifiedBy}
        ids[#ids + 1] = g.id
        break
      end
    end
  end
  return infos, ids
end

-- An account as GET /cloud lists it.
local function view(st, a, with_groups)
  local out = api.copy(a, {index = true})
  local infos, ids = groups_of(st, a.accountId)
  out.groupIds = ids
  out.associatedAccountGroupsCount = #ids
  if with_groups then
    out.accountGroupInfos = infos
    local groups = array{}
    for _, g in ipairs(infos) do groups[#groups + 1] = {id = g.groupId, name = g.groupName} end
    out.groups = groups
  end
  out.status = a.enabled and "ok" or "disabled"
  out.protectionMode = "MONITOR"
  out.storageScanEnabled = false
  out.numberOfChildAccounts = 0
  out.cloudAccountOwner = a.lastModifiedBy
  out.cloudAccountOwnerCount = 1
  return out
end

--------------------------------------------------------------------------
-- Onboarding.
--------------------------------------------------------------------------

-- Per cloud: the account id format and the accepted account types.
local CLOUDS = {
  aws = {upper = "AWS", id = "^%d%d%d%d%d%d%d%d%d%d%d%d$", types = {account = true, organization = true}},
  azure = {upper = "AZURE", id = "^%x+%-%x+%-%x+%-%x+%-%x+$", types = {account = true, tenant = true}},
  gcp = {upper = "GCP", id = "^[%l][%l%d%-]+$",
         types = {account = true, masterServiceAccount = true, organization = true, workspace_domain = true}},
  alibaba_cloud = {upper = "ALIBABA_CLOUD", id = "^%d+$", types = {account = true}},
  oci = {upper = "OCI", id = "^ocid1%.tenancy%..+$", types = {account = true, tenant = true}},
}

local function nonempty(v) return type(v) == "string" and v ~= "" end

-- The account types of onboarding requests as accounts carry them (the answers' enum).
local ACCOUNT_TYPES = {account = "ACCOUNT", organization = "ORGANIZATION", tenant = "TENANT",
                       masterServiceAccount = "MASTER_SERVICE_ACCOUNT", workspace_domain = "ORGANIZATION"}

-- The account part of an onboarding body: {accountId, accountType, name, enabled, groupIds} and
-- the group ids (groupIds, else defaultAccountGroupId).
local function account_part(cloud, body)
  local a = (cloud == "azure" or cloud == "gcp") and body.cloudAccount or body
  if type(a) ~= "table" then return nil end
  local groups = a.groupIds
  if (groups == nil or groups == json.null) and nonempty(body.defaultAccountGroupId) then
    groups = {body.defaultAccountGroupId}
  end
  return a, groups
end

-- Validates an onboarding body; the account part and its group ids, or nil and an error response.
-- base: the account an update replaces.
local function check_onboarding(req, st, cloud, body, base)
  local def = CLOUDS[cloud]
  local a, groups = account_part(cloud, body)
  if not a then return nil, nil, api.fail(req, 400, "missing_required_parameter", "cloudAccount") end
  local id = base and base.accountId or a.accountId
  if not nonempty(id) or not id:find(def.id) then
    return nil, nil, api.fail(req, cloud == "aws" and 404 or 400, "invalid_account_id_format", tostring(id))
  end
  if a.accountType ~= nil and not def.types[a.accountType] then
    return nil, nil, api.fail(req, cloud == "aws" and 400 or 404, "invalid_account_type", tostring(a.accountType))
  end
  if not nonempty(a.name) then return nil, nil, api.fail(req, 400, "missing_required_parameter", "name") end
  local required = {aws = {"roleArn"}, azure = {"clientId", "key", "tenantId", "environmentType"}}
  for _, field in ipairs(not base and required[cloud] or {}) do
    if not nonempty(body[field]) then return nil, nil, api.fail(req, 400, "missing_required_parameter", field) end
  end
  if cloud == "gcp" and not base and type(body.credentials) ~= "table" then
    return nil, nil, api.fail(req, 400, "missing_required_parameter", "credentials")
  end
  for _, other in ipairs(st.accounts:list()) do
    if not base and other.accountId == id then
      return nil, nil, api.fail(req, 400, "duplicate_cloud_account", id, "the account is already onboarded")
    end
    if other.accountId ~= id and other.name:lower() == a.name:lower() then
      return nil, nil, api.fail(req, 400, "duplicate_cloud_account_name", a.name)
    end
  end
  if type(groups) ~= "table" or #groups == 0 then
    return nil, nil, api.fail(req, 400, "cannot_select_zero_account_groups", "groupIds")
  end
  for _, g in ipairs(groups) do
    if not st.groups.by_id[g] then return nil, nil, api.fail(req, 400, "invalid_account_group_ids", tostring(g)) end
  end
  return a, groups
end

-- Makes the account a member of exactly the given groups (groups are replaced, not edited).
local function set_groups(st, account_id, group_ids)
  local wanted = {}
  for _, g in ipairs(group_ids or {}) do wanted[g] = true end
  for _, g in ipairs(st.groups:list()) do
    local has = false
    local ids = array{}
    for _, id in ipairs(g.accountIds) do
      if id == account_id then has = true else ids[#ids + 1] = id end
    end
    if wanted[g.id] then ids[#ids + 1] = account_id end
    if has ~= (wanted[g.id] == true) then
      local copy = api.copy(g)
      copy.accountIds = ids
      st.groups:put(g.id, copy)
    end
  end
end

-- Stores an onboarded or updated account.
local function store_account(req, st, cloud, a, groups, base)
  local id = base and base.accountId or a.accountId
  local now = api.now_ms()
  local account = base and api.copy(base) or {
    index = #st.accounts.order + 1, accountId = id, cloudType = CLOUDS[cloud].upper, addedOn = now,
    deploymentType = CLOUDS[cloud].upper, enabled = true,
  }
  account.name = a.name
  account.accountType = a.accountType and ACCOUNT_TYPES[a.accountType] or account.accountType or "ACCOUNT"
  if a.enabled ~= nil and a.enabled ~= json.null then account.enabled = a.enabled == true end
  account.lastModifiedTs, account.lastModifiedBy = now, api.user_of(req)
  st.accounts:put(id, account)
  set_groups(st, id, groups)
  state_mod.touch(st)
end

-- The capability statuses of an onboarding trial run.
local function trial(cloud, body)
  local a = account_part(cloud, body) or {}
  local function entry(name, ok, message)
    -- statusMessage: {message, staticMessage (whether the message is a fixed text)}, as the reference has it
    return {name = name, status = ok and "ok" or "error",
            statusMessage = {message = ok and "" or message, staticMessage = not ok}}
  end
  local out = array{}
  if cloud == "aws" then
    local arn_ok = nonempty(a.roleArn) and nonempty(a.accountId)
      and a.roleArn:find("^arn:aws:iam::" .. a.accountId .. ":role/.+") ~= nil
    out[1] = entry("Authentication", arn_ok, "the role ARN does not belong to the account")
  elseif cloud == "azure" then
    out[1] = entry("Authentication", nonempty(body.clientId) and nonempty(body.key) and nonempty(body.tenantId),
      "clientId, key and tenantId are required")
  elseif cloud == "gcp" then
    out[1] = entry("Authentication", type(body.credentials) == "table", "service account credentials are required")
  else
    out[1] = entry("Authentication", nonempty(a.accountId), "accountId is required")
  end
  out[2] = entry("Config", true)
  out[3] = {name = "Flow Logs", status = "warning",
            statusMessage = {message = "no flow logs found", staticMessage = true}}
  return out
end

local function register_onboarding(router, app)
  local function find(req, cloud, id)
    local a = app.state.accounts.by_id[id]
    if not a or a.cloudType ~= CLOUDS[cloud].upper then
      return nil, api.fail(req, 404, "invalid_account_id_format", id, "no " .. cloud .. " account " .. id)
    end
    return a
  end

  local function add(cloud)
    return function(req)
      local st = app.state
      local body, bad = api.body(req, true)
      if not body then return bad end
      local a, groups, err = check_onboarding(req, st, cloud, body)
      if not a then return err end
      store_account(req, st, cloud, a, groups)
      return api.empty(200)
    end
  end

  local function update(cloud, id)
    return function(req)
      local st = app.state
      local base, missing = find(req, cloud, id)
      if not base then return missing end
      local body, bad = api.body(req, true)
      if not body then return bad end
      local a, groups, err = check_onboarding(req, st, cloud, body, base)
      if not a then return err end
      local absent = api.missing_required(req)
      if absent then return absent end
      store_account(req, st, cloud, a, groups, base)
      return api.empty(200)
    end
  end

  local function cloud_param(req, params, only_flat)
    local cloud = params.cloud_type:lower()
    if not CLOUDS[cloud] or (only_flat and cloud ~= "alibaba_cloud" and cloud ~= "oci") then
      return nil, api.fail(req, 404, "invalid_account_type", params.cloud_type)
    end
    return cloud
  end

  for _, cloud in ipairs{"aws", "azure", "gcp"} do
    router:add("POST", "/cas/v1/" .. cloud .. "_account", add(cloud))
    router:add("PUT", "/cas/v1/" .. cloud .. "_account/:id", function(req, params)
      return update(cloud, params.id)(req)
    end)
    router:add("POST", "/cas/v1/cloud_account/status/" .. cloud, function(req)
      local body, bad = api.body(req, true)
      if not body then return bad end
      if not account_part(cloud, body) then return api.fail(req, 400, "bad_request", "cloudAccount") end
      local missing = api.missing_required(req)
      if missing then return missing end
      return api.json(200, trial(cloud, body))
    end)
  end

  router:add("POST", "/cloud/status/:cloud_type", function(req, params)
    if not cloud_param(req, params, true) then return api.fail(req, 400, "bad_request", params.cloud_type) end
    local cloud = params.cloud_type:lower()
    local body, bad = api.body(req, true)
    if not body then return bad end
    return api.json(200, trial(cloud, body))
  end)

  router:add("GET", "/cloud/type", function(req)
    local out = array{}
    local accessible = api.query(req, "onlyAccessible") == "true"
    local have = {}
    for _, a in ipairs(app.state.accounts:list()) do have[a.cloudType:lower()] = true end
    for _, cloud in ipairs{"aws", "azure", "gcp", "alibaba_cloud", "oci"} do
      if not accessible or have[cloud] then out[#out + 1] = cloud end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/cloud/:id/owners", function(req, params)
    local a = app.state.accounts.by_id[params.id]
    if not a then return api.fail(req, 404, "invalid_account_id_format", params.id) end
    return api.json(200, array{a.lastModifiedBy or "Prisma Cloud System Admin"})
  end)

  router:add("GET", "/account/:id/config/status", function(req, params)
    local a = app.state.accounts.by_id[params.id]
    if not a then return api.fail(req, 400, "bad_request", params.id, "no cloud account " .. params.id) end
    local out = array{}
    local h = data.hash(app.state.world.seed, 46, a.index or 0)
    if data.roll(h, 2, 0) == 0 then
      out[#out + 1] = {name = "Flow Logs", status = "warning", message = "no flow logs found",
                       remediation = "Enable flow logs for the account's networks.", subComponents = array{}}
    end
    if not a.enabled then
      out[#out + 1] = {name = "Config", status = "error", message = "the account is disabled",
                       remediation = "Enable the account.", subComponents = array{}}
    end
    return api.json(200, out)
  end)

  router:add("POST", "/cloud/:cloud_type", function(req, params)
    local cloud, bad = cloud_param(req, params, true)
    if not cloud then return bad end
    return add(cloud)(req)
  end)

  router:add("PUT", "/cloud/:cloud_type/:id", function(req, params)
    local cloud, bad = cloud_param(req, params, true)
    if not cloud then return bad end
    return update(cloud, params.id)(req)
  end)

  router:add("PATCH", "/cloud/:cloud_type/:id", function(req, params)
    local st = app.state
    local cloud = params.cloud_type:lower()
    if not CLOUDS[cloud] then return api.fail(req, 404, "invalid_cloud_type", params.cloud_type) end
    local a, missing = find(req, cloud, params.id)
    if not a then return missing end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local enabled = api.bool(body.enabled)
    if enabled == "bad" then return api.fail(req, 400, "invalid_account_patch", "enabled") end
    if enabled ~= nil and enabled == a.enabled then
      return api.fail(req, 405, enabled and "cloud_account_already_enabled" or "cloud_account_already_disabled",
        params.id)
    end
    local groups = body.groupIds
    if groups ~= nil and groups ~= json.null then
      if type(groups) ~= "table" or #groups == 0 then return api.fail(req, 400, "invalid_account_patch", "groupIds") end
      for _, g in ipairs(groups) do
        if not st.groups.by_id[g] then return api.fail(req, 400, "invalid_account_patch", tostring(g)) end
      end
    end
    local copy = api.copy(a)
    if enabled ~= nil then copy.enabled = enabled end
    copy.lastModifiedTs, copy.lastModifiedBy = api.now_ms(), api.user_of(req)
    st.accounts:put(a.accountId, copy)
    if groups ~= nil and groups ~= json.null then set_groups(st, a.accountId, groups) end
    state_mod.touch(st)
    return api.empty(200)
  end)

  router:add("DELETE", "/cloud/:cloud_type/:id", function(req, params)
    local st = app.state
    local cloud = params.cloud_type:lower()
    if not CLOUDS[cloud] then return api.fail(req, 400, "invalid_cloud_type", params.cloud_type) end
    local a, missing = find(req, cloud, params.id)
    if not a then return missing end
    set_groups(st, a.accountId, {})
    st.accounts:delete(a.accountId)
    state_mod.touch(st)
    return api.empty(200)
  end)
end

-- The {id, name, cloudType} of the accounts (only the enabled ones when only_active) of a cloud
-- type (any when nil) in the account groups group_ids (any when empty).
local function account_names(st, only_active, cloud, group_ids)
  local in_groups
  if #group_ids > 0 then
    in_groups = {}
    for _, gid in ipairs(group_ids) do
      local g = st.groups.by_id[gid]
      for _, id in ipairs(g and g.accountIds or {}) do in_groups[id] = true end
    end
  end
  local out = array{}
  for _, a in ipairs(st.accounts:list()) do
    if (not only_active or a.enabled) and (not cloud or cloud:upper() == a.cloudType)
      and (not in_groups or in_groups[a.accountId]) then
      out[#out + 1] = {id = a.accountId, name = a.name, cloudType = a.cloudType}
    end
  end
  return out
end

function M.register(router, app)
  router:add("POST", "/cloud/name", function(req)
    local st = app.state
    local body, bad = api.body(req, true)
    if not body then return bad end
    local missing = api.missing_required(req)
    if missing then return missing end
    local only_active = api.query(req, "onlyActive") == "true"
    local group_ids = type(body.accountGroupIds) == "table" and body.accountGroupIds or {}
    return api.json(200, account_names(st, only_active, api.query(req, "cloudType"), group_ids))
  end)

  register_onboarding(router, app)

  router:add("GET", "/cloud", function(req)
    local st = app.state
    local with_groups = api.query(req, "excludeAccountGroupDetails") ~= "true"
    local out = array{}
    for _, a in ipairs(st.accounts:list()) do out[#out + 1] = view(st, a, with_groups) end
    return api.json(200, out)
  end)

  router:add("GET", "/cloud/name", function(req)
    local st = app.state
    local only_active = api.query(req, "onlyActive") == "true"
    local group_ids = {}
    for _, v in ipairs(api.query_all(req, "accountGroupIds")) do
      for gid in tostring(v):gmatch("[^,]+") do group_ids[#group_ids + 1] = gid end
    end
    return api.json(200, account_names(st, only_active, api.query(req, "cloudType"), group_ids))
  end)

  router:add("GET", "/cloud/:cloud_type/:id", function(req, params)
    local st = app.state
    local a = st.accounts.by_id[params.id]
    if not a or a.cloudType:lower() ~= params.cloud_type:lower() then
      return api.fail(req, 404, "not_found", params.id, "no cloud account " .. params.id)
    end
    local out = view(st, a, api.query(req, "includeGroupInfo") == "true")
    out.features = array{}
    return api.json(200, out)
  end)

  router:add("PATCH", "/cloud/:id/status/:enabled", function(req, params)
    local st = app.state
    local enabled = api.bool(params.enabled)
    if enabled == nil or enabled == "bad" then return api.fail(req, 400, "invalid_account_patch", "enabled") end
    local a = st.accounts.by_id[params.id]
    if not a then return api.fail(req, 404, "invalid_account_id_format", params.id) end
    local copy = api.copy(a)
    copy.enabled = enabled
    copy.lastModifiedBy, copy.lastModifiedTs = api.user_of(req), api.now_ms()
    st.accounts:put(params.id, copy)
    state_mod.touch(st)
    return api.empty(200)
  end)
end

return M
