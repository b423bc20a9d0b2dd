-- prismacloud.emulator.notification_templates: notification templates
-- (NotificationTemplatesMicroService.json) for email, Jira and ServiceNow, under
-- /api/v1/tenant/{prismaId} as integrations are (another tenant's Prisma ID is 403
-- invalid_prisma_id); a Jira or ServiceNow template sends through an integration of its type.
--
--   GET    .../template                 ?id=&type= (repeated or comma lists) &enabled=
--   POST   .../template                 create
--   GET|PATCH|DELETE .../template/{id}
--   POST   .../template/test[?id=]      test: the integration's endpoints must point somewhere valid
--
-- Errors as integrations.lua sends them (the EventsApiError body): 400 invalid_template_name,
-- invalid_integration_type, missing_template_config, invalid_integration_id (no integration of the
-- template's type), template_name_already_exists, invalid_id (an unknown id),
-- integration_test_failed. Seeded deterministically: TEMPLATES templates, two over the seeded Jira
-- and ServiceNow integrations.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local integrations = require "prismacloud.emulator.integrations"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local fail = integrations.fail
-- Salts past integrations.lua's: seeded templates, created ones.
local SALT_SEED, SALT_NEW = integrations.SALT + 1, integrations.SALT + 11
local TEMPLATE_TYPES = {email = true, jira = true, service_now = true}

M.TEMPLATES = 4

--------------------------------------------------------------------------
-- The store (made on first use; rebuilt with the state).
--------------------------------------------------------------------------

-- A text field of a template's configuration.
local function field_config(name, value)
  return {fieldName = name, displayName = name, type = "text", required = false, redlockMapping = false,
          value = value}
end

-- The first seeded integration of a type: its id.
local function seeded(app, itype)
  for _, i in ipairs(integrations.store(app):list()) do
    if i.integrationType == itype then return i.id end
  end
end

-- The template store of the state (seeded on first use).
function M.store(app)
  local st = app.state
  if st.templates then return st.templates end
  local w = st.world
  local store = state_mod.new_store()
  local seeds = {
    {"email", "SOC email", nil, {basicConfig = array{field_config("subject", "Prisma Cloud alert")}}},
    {"jira", "Jira SEC bugs", seeded(app, "jira"),
     {basicConfig = array{field_config("project", "SEC"), field_config("issueType", "Bug")}}},
    {"service_now", "ServiceNow incidents", seeded(app, "service_now"),
     {incident = array{field_config("urgency", "2"), field_config("impact", "2")}}},
    {"email", "Weekly digest email", nil, {basicConfig = array{field_config("subject", "Weekly digest")}}, false},
  }
  for k, s in ipairs(seeds) do
    local id = data.uuid(w.seed, SALT_SEED, k)
    local at = w.anchor_ms - (20 - k) * data.DAY_MS
    store:put(id, {
      id = id, name = s[2], integrationType = s[1], integrationId = s[3], templateConfig = s[4],
      enabled = s[5] ~= false, createdBy = data.USERS[k % 3 + 1], createdTs = at,
      lastModifiedBy = data.USERS[k % 3 + 1], lastModifiedTs = at, customerId = data.CUSTOMER_ID,
    })
  end
  st.templates = store
  return store
end

-- The integrations the templates send through: {[integration id] = true}.
function M.references(app)
  local used = {}
  for _, t in ipairs(M.store(app):list()) do
    if t.integrationId then used[t.integrationId] = true end
  end
  return used
end

--------------------------------------------------------------------------
-- Checks and routes.
--------------------------------------------------------------------------

-- Checks a template body for create, update (base: the stored one) or test; nil, or an error.
local function check_template(app, req, body, purpose, base)
  local name = body.name
  if base and name == nil then name = base.name end
  if not integrations.good_name(name) or name:find("[<>!=\n\r]") then
    return fail(req, 400, "invalid_template_name", "name", "name must be 5 to 100 characters, without < > ! =")
  end
  local itype = body.integrationType
  if base and itype == nil then itype = base.integrationType end
  if not TEMPLATE_TYPES[itype] or (base and itype ~= base.integrationType) then
    return fail(req, 400, "invalid_integration_type", tostring(itype))
  end
  local config = body.templateConfig
  if base and config == nil then config = base.templateConfig end
  if not integrations.is_object(config) then return fail(req, 400, "missing_template_config", "templateConfig") end
  local hook_id = body.integrationId
  if base and hook_id == nil then hook_id = base.integrationId end
  if hook_id ~= nil or itype ~= "email" then
    local hook = integrations.store(app).by_id[hook_id]
    if not hook or hook.integrationType ~= itype then
      return fail(req, 400, "invalid_integration_id", tostring(hook_id))
    end
  end
  if purpose ~= "test" then
    for _, other in ipairs(M.store(app):list()) do
      if other.id ~= (base and base.id) and other.name:lower() == name:lower() then
        return fail(req, 400, "template_name_already_exists", name)
      end
    end
  end
  return nil
end

-- Adds the routes above.
function M.register(router, app)
  local tenant, base = integrations.tenant(app), "/api/v1/tenant/:prismaId/template"
  router:add("GET", base, tenant(function(req)
    local ids, kinds = api.query_set(req, "id"), api.query_set(req, "type")
    local enabled = api.bool(api.query(req, "enabled"))
    if enabled == "bad" then return fail(req, 400, "invalid_param_value", "enabled") end
    local out = array{}
    for _, t in ipairs(M.store(app):list()) do
      if (not ids or ids[t.id]) and (not kinds or kinds[t.integrationType]) and
        (enabled == nil or t.enabled == enabled) then
        out[#out + 1] = t
      end
    end
    return api.json(200, out)
  end))

  router:add("POST", base, tenant(function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_template(app, req, body, "create")
    if err then return err end
    local st = app.state
    st.next_template = (st.next_template or 0) + 1
    local id = data.uuid(st.world.seed, SALT_NEW, st.next_template)
    local who, now = api.user_of(req), api.now_ms()
    local item = {id = id, name = body.name, integrationType = body.integrationType,
                  integrationId = body.integrationId, templateConfig = body.templateConfig,
                  enabled = body.enabled ~= false, createdBy = who, createdTs = now, lastModifiedBy = who,
                  lastModifiedTs = now, customerId = data.CUSTOMER_ID}
    M.store(app):put(id, item)
    return api.json(200, item)
  end))

  router:add("POST", base .. "/test", tenant(function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local id = api.query(req, "id")
    if id and not M.store(app).by_id[id] then return fail(req, 400, "invalid_id", id) end
    local err = check_template(app, req, body, "test")
    if err then return err end
    local hook = integrations.store(app).by_id[body.integrationId]
    return hook and integrations.test_failure(req, hook.integrationConfig) or api.empty(200)
  end))

  local existing = integrations.finder(app, M.store, "template")

  router:add("GET", base .. "/:id", tenant(function(req, params)
    local item, err = existing(req, params.id)
    return item and api.json(200, item) or err
  end))

  router:add("PATCH", base .. "/:id", tenant(function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_template(app, req, body, "update", item) or api.missing_required(req)
    if err then return err end
    for _, f in ipairs{"name", "templateConfig", "integrationId"} do
      if body[f] ~= nil then item[f] = body[f] end
    end
    if type(body.enabled) == "boolean" then item.enabled = body.enabled end
    item.lastModifiedBy, item.lastModifiedTs = api.user_of(req), api.now_ms()
    return api.empty(200)
  end))

  router:add("DELETE", base .. "/:id", tenant(function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    M.store(app):delete(item.id)
    return api.empty(200)
  end))
end

integrations.add_referrer(M.references) -- an integration the templates use is not deleted

return M
