-- prismacloud.emulator.account_groups: the account group family (AccountGroups.json).
--
--   GET /cloud/group, GET /cloud/group/name    lists
--   GET /cloud/group/name/{cloud_type}         the groups holding an account of that cloud
--   GET /cloud/group/{id}                      one group
--   POST /cloud/group                          create {name, accountIds, description}
--   PUT /cloud/group/{id}                      update
--   DELETE /cloud/group/{id}                   delete
--
-- Errors as documented: 400 invalid_account_group_name,
-- account_group_name_already_exists, invalid_account_ids, invalid_id; 409
-- cannot_delete_an_account_group_associated_with_cloud_accounts when a
-- cloud account would be left in no group.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

-- The cloud types of GET /cloud/group/name/{cloud_type}.
local CLOUD_TYPES = {aws = true, azure = true, gcp = true, alibaba_cloud = true, oci = true}

-- A group as the API returns it, with its accounts' details unless excluded.
local function view(st, g, exclude_details)
  local out = api.copy(g)
  out.cloudAccountCount = #g.accountIds
  if not exclude_details then
    local infos, accounts = array{}, array{}
    for _, id in ipairs(g.accountIds) do
      local a = st.accounts.by_id[id]
      if a then
        infos[#infos + 1] = {accountId = a.accountId, cloudType = a.cloudType, lastModifiedBy = a.lastModifiedBy}
        accounts[#accounts + 1] = {id = a.accountId, name = a.name, type = a.cloudType:lower()}
      end
    end
    out.cloudAccountInfos, out.accounts = infos, accounts
    out.alertRules = array{}
  end
  return out
end

-- Checks a create/update body against the other groups; nil, or an error response.
local function validate(st, req, body, self_id)
  if type(body.name) ~= "string" or not body.name:find("%S") or #body.name > 300 then
    return api.fail(req, 400, "invalid_account_group_name", "name", "account group name is required")
  end
  for _, g in ipairs(st.groups:list()) do
    if g.id ~= self_id and g.name:lower() == body.name:lower() then
      return api.fail(req, 400, "account_group_name_already_exists", body.name, "account group name already exists")
    end
  end
  local ids = body.accountIds
  if ids == nil or ids == json.null then return nil end
  if type(ids) ~= "table" or (next(ids) ~= nil and ids[1] == nil) then
    return api.fail(req, 400, "invalid_account_ids", "accountIds")
  end
  for _, id in ipairs(ids) do
    if not st.accounts.by_id[id] then return api.fail(req, 400, "invalid_account_ids", tostring(id)) end
  end
  return nil
end

-- The stored group for a validated body.
local function from_body(body, id, req, base)
  local ids = array{}
  local seen = {}
  for _, x in ipairs(type(body.accountIds) == "table" and body.accountIds or (base and base.accountIds) or {}) do
    if not seen[x] then
      seen[x] = true
      ids[#ids + 1] = x
    end
  end
  local description = body.description
  if type(description) ~= "string" then description = base and base.description or "" end
  return {
    id = id, name = body.name, description = description, accountIds = ids,
    autoCreated = base and base.autoCreated or false,
    lastModifiedBy = api.user_of(req), lastModifiedTs = api.now_ms(),
  }
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/cloud/group", function(req)
    local st = app.state
    local exclude = api.query(req, "excludeCloudAccountDetails") == "true"
    local out = array{}
    for _, g in ipairs(st.groups:list()) do out[#out + 1] = view(st, g, exclude) end
    return api.json(200, out)
  end)

  router:add("GET", "/cloud/group/name", function()
    local out = array{}
    for _, g in ipairs(app.state.groups:list()) do
      out[#out + 1] = {id = g.id, name = g.name, autoCreated = g.autoCreated}
    end
    return api.json(200, out)
  end)

  router:add("GET", "/cloud/group/name/:cloud_type", function(req, params)
    local st = app.state
    local cloud = params.cloud_type:upper()
    if not CLOUD_TYPES[params.cloud_type] then
      return api.fail(req, 400, "invalid_parameter_value", "cloud_type", "unknown cloud type " .. params.cloud_type)
    end
    local out = array{}
    for _, g in ipairs(st.groups:list()) do
      for _, id in ipairs(g.accountIds) do
        local a = st.accounts.by_id[id]
        if a and a.cloudType == cloud then
          out[#out + 1] = {id = g.id, name = g.name, autoCreated = g.autoCreated}
          break
        end
      end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/cloud/group/:id", function(req, params)
    local st = app.state
    local g = st.groups.by_id[params.id]
    if not g then return api.fail(req, 400, "invalid_id", params.id, "no account group " .. params.id) end
    return api.json(200, view(st, g, false))
  end)

  router:add("POST", "/cloud/group", function(req)
    local st = app.state
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = validate(st, req, body) or api.missing_required(req)
    if err then return err end
    st.next_group = (st.next_group or 0) + 1
    local id = data.uuid(st.world.seed, 1000 + data.SALT.group, st.next_group)
    local g = from_body(body, id, req)
    st.groups:put(id, g)
    state_mod.touch(st)
    return api.json(200, view(st, g, false))
  end)

  router:add("PUT", "/cloud/group/:id", function(req, params)
    local st = app.state
    local base = st.groups.by_id[params.id]
    if not base then return api.fail(req, 400, "invalid_id", params.id, "no account group " .. params.id) end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = validate(st, req, body, params.id) or api.missing_required(req)
    if err then return err end
    local g = from_body(body, params.id, req, base)
    st.groups:put(params.id, g)
    state_mod.touch(st)
    return api.empty(200) -- documented without a body
  end)

  router:add("DELETE", "/cloud/group/:id", function(req, params)
    local st = app.state
    local g = st.groups.by_id[params.id]
    if not g then return api.fail(req, 400, "invalid_id", params.id, "no account group " .. params.id) end
    -- Every cloud account must stay in some group.
    local elsewhere = {}
    for _, other in ipairs(st.groups:list()) do
      if other.id ~= g.id then
        for _, id in ipairs(other.accountIds) do elsewhere[id] = true end
      end
    end
    for _, id in ipairs(g.accountIds) do
      if not elsewhere[id] then
        return api.fail(req, 409, "cannot_delete_an_account_group_associated_with_cloud_accounts", params.id)
      end
    end
    st.groups:delete(params.id)
    state_mod.touch(st)
    return api.empty(200)
  end)
end

return M
