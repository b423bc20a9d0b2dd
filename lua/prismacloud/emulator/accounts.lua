-- prismacloud.emulator.accounts: the cloud account family
-- (CloudAccountOnboardingMicroServices.json).
--
--   GET /cloud                          accounts, with their account groups
--   GET /cloud/name                     {id, name, cloudType} (onlyActive, cloudType, accountGroupIds)
--   GET /cloud/{cloud_type}/{id}        one account
--   PATCH /cloud/{id}/status/{enabled}  enable or disable
--
-- Register after the account group family: /cloud/group/{id} must win over
-- /cloud/{cloud_type}/{id}.
local api = require "prismacloud.emulator.api"
local json = require "prismacloud.emulator.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = json.array

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

function M.register(router, app)
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
    local cloud = api.query(req, "cloudType")
    local wanted_groups = api.query_all(req, "accountGroupIds")
    local in_groups
    if #wanted_groups > 0 then
      in_groups = {}
      for _, v in ipairs(wanted_groups) do
        for gid in tostring(v):gmatch("[^,]+") do
          local g = st.groups.by_id[gid]
          if g then
            for _, id in ipairs(g.accountIds) do in_groups[id] = true end
          end
        end
      end
    end
    local out = array{}
    for _, a in ipairs(st.accounts:list()) do
      if (not only_active or a.enabled) and (not cloud or cloud:upper() == a.cloudType)
        and (not in_groups or in_groups[a.accountId]) then
        out[#out + 1] = {id = a.accountId, name = a.name, cloudType = a.cloudType}
      end
    end
    return api.json(200, out)
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
    copy.lastModifiedBy, copy.lastModifiedTs = req.claims and req.claims.sub or "unknown", api.now_ms()
    st.accounts:put(params.id, copy)
    state_mod.touch(st)
    return api.empty(200)
  end)
end

return M
