-- prismacloud.emulator.integrations: integrations (IntegrationsMicroService.json) under
-- /api/v1/tenant/{prismaId}, and Integrations Pull; another tenant's Prisma ID is 403
-- invalid_prisma_id. Notification templates, which send through them, are
-- notification_templates.lua's.
--
--   GET    .../integration/channels     supported types
--   GET    .../integration              ?ids=&type= (comma lists) &onlyEnabled= (default true)
--   POST   .../integration              create
--   GET|PUT|PATCH|DELETE .../integration/{id}
--   POST   .../integration/test[?id=]   test a configuration
--   GET    .../integration/securityhub/accounts, .../securityhub/regions/{accountId}
--          the onboarded AWS accounts {id: name}; an account's regions {regions}
--          (400 invalid_id for an account that is not an onboarded AWS one)
--
-- Integrations Pull (IntegrationsPull.json), for Okta, Qualys and Tenable (integrationType and the
-- type query as the reference spells them: OKTA_IDP, QUALYS, TENABLE):
--   GET /integration[?type=], GET /integration/name?type=[&onlyEnabled=]
--   POST /integration (200, no body), GET|PUT|DELETE /integration/{id}
--   POST /integration/test[?id=]  200 {success, statusCode, tests, errorMessages}
--
-- Errors (x-redlock-status + the EventsApiError body {status, message,
-- timestamp, subErrors}), keys as the Integrations documentation names them:
-- 400 invalid_integration_name, missing_integration_type,
-- invalid_integration_type, missing_integration_config,
-- invalid_integration_config (subject: the field the type's documented
-- configuration lacks, or an immutable field changed),
-- integration_name_already_exists, invalid_id (an unknown id),
-- conflict_deleting_integration (an alert rule or template still uses it).
--
-- A test fails (400 integration_test_failed, subject: the field) when an
-- endpoint of the configuration points nowhere valid: a URL-like field
-- (…Url, …Uri, url, domain) that is not https:// (where a scheme is
-- expected), or whose host is empty, "localhost", or under a reserved
-- top-level domain that never resolves (.invalid, .test, .example, .localhost).
-- The Pull test answers 200 with success = false and the same key in
-- errorMessages. Seeded deterministically: INTEGRATIONS integrations, one Pull
-- integration per Pull type.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local SALT = 410
M.SALT = SALT -- notification_templates.lua's salts follow it

-- The types the tenant API serves (Okta, Qualys and Tenable are Integrations Pull only).
M.CHANNELS = {"amazon_sqs", "aws_sdl", "aws_s3", "aws_security_hub", "azure_service_bus_queue", "demisto",
              "google_cscc", "jira", "microsoft_teams", "pager_duty", "service_now", "slack", "snowflake",
              "splunk", "webhook"}
local CHANNEL = {}
for _, t in ipairs(M.CHANNELS) do CHANNEL[t] = true end
local IMMUTABLE = {service_now = {"hostUrl"}, azure_service_bus_queue = {"accountId", "connectionString"}}

-- The seeded integrations: {type, name, config, enabled}.
local SEEDS = {
  {"slack", "Slack secops channel", {webhookUrl = "https://hooks.slack.com/services/T0001/B0001/abcdef"}},
  {"webhook", "Ops webhook", {url = "https://hooks.acme-corp.io/prisma", authToken = "seeded-token"}},
  {"splunk", "Splunk HEC", {url = "https://splunk.acme-corp.io:8088/services/collector", authToken = "hec-token",
                            sourceType = "_json"}},
  {"service_now", "ServiceNow ITSM", {hostUrl = "https://acme.service-now.com", login = "prisma",
                                      password = "seeded", tables = {{incident = true}, {sn_si_incident = false},
                                                                     {em_event = false}}}},
  {"jira", "Jira SEC project", {hostUrl = "https://acme.atlassian.net", projectKey = "SEC"}},
  {"pager_duty", "PagerDuty on-call", {integrationKey = "0123456789abcdef0123456789abcdef"}},
  {"microsoft_teams", "Teams cloud alerts", {url = "https://acme.webhook.office.com/webhookb2/seeded"}},
  {"amazon_sqs", "SQS alert queue", {queueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/prisma"}},
  {"webhook", "Legacy webhook", {url = "https://legacy.acme-corp.io/hook", authToken = "old"}, false},
  {"slack", "Slack sandbox channel", {webhookUrl = "https://hooks.slack.com/services/T0001/B0002/ghijkl"}, false},
}
M.INTEGRATIONS = #SEEDS
-- The Pull types as IntegrationsPull.json spells them (IntegrationModel's enum).
local PULL_TYPES = {OKTA_IDP = true, QUALYS = true, TENABLE = true}
local PULL_SEEDS = {
  {"OKTA_IDP", "Okta identity", {domain = "acme.okta.com", apiToken = "seeded"}},
  {"QUALYS", "Qualys scanner", {login = "prisma", baseUrl = "qualysapi.qualys.com", password = "seeded"}},
  {"TENABLE", "Tenable vulnerabilities", {accessKey = "seeded-access", secretKey = "seeded-secret"}},
}

--------------------------------------------------------------------------
-- Stores (made on first use; rebuilt with the state).
--------------------------------------------------------------------------

-- The integration store of the state (seeded on first use): SEEDS.
function M.store(app)
  local st = app.state
  if st.integrations then return st.integrations end
  local w = st.world
  local store = state_mod.new_store()
  for k, s in ipairs(SEEDS) do
    local id = data.uuid(w.seed, SALT, k)
    local at = w.anchor_ms - (40 - k) * data.DAY_MS
    store:put(id, {
      id = id, name = s[2], description = "Seeded " .. s[1] .. " integration", integrationType = s[1],
      integrationConfig = api.deep_copy(s[3]), enabled = s[4] ~= false,
      createdBy = data.USERS[k % 3 + 1], createdTs = at, lastModifiedBy = data.USERS[k % 3 + 1], lastModifiedTs = at,
      customerId = data.CUSTOMER_ID,
    })
  end
  st.integrations = store
  return store
end

-- The Integrations Pull store of the state (seeded on first use): PULL_SEEDS.
function M.pull_store(app)
  local st = app.state
  if st.pull_integrations then return st.pull_integrations end
  local w = st.world
  local store = state_mod.new_store()
  for k, s in ipairs(PULL_SEEDS) do
    local id = data.uuid(w.seed, SALT + 2, k)
    local at = w.anchor_ms - (50 - k) * data.DAY_MS
    store:put(id, {
      id = id, name = s[2], description = "Seeded " .. s[1] .. " integration", integrationType = s[1],
      integrationConfig = api.deep_copy(s[3]), enabled = true, status = "GREEN", valid = true,
      createdBy = data.USERS[1], createdTs = at, lastModifiedBy = data.USERS[1], lastModifiedTs = at,
    })
  end
  st.pull_integrations = store
  return store
end

--------------------------------------------------------------------------
-- What each type's integrationConfig holds, as the reference's configuration page says
-- (docs/api-integration-config.md): the emulator's own reading of it, never the client's.
-- required: every entry present ({"a", "b"}: either); test: what a test needs instead;
-- together: one present needs the others; when: {field, value, require}; prefix: a required start.
--------------------------------------------------------------------------

local CONFIG = {
  amazon_sqs = {required = {"queueUrl"}, together = {{"accessKey", "secretKey"}, {"roleArn", "externalId"}},
                when = {{"moreInfo", true, {{"accessKey", "roleArn"}}}}},
  aws_s3 = {required = {"s3Uri", "region", "roleArn", "externalId"}},
  aws_sdl = {required = {"s3Uri", "region", "roleArn", "externalId"}},
  aws_security_hub = {required = {"accountId", {"regions", "region"}}},
  azure_service_bus_queue = {required = {"queueUrl", {"accountId", "connectionString"}}},
  demisto = {required = {"hostUrl", "apiKey", "demistoVersion"}, when = {{"demistoVersion", "8.0", {"apiKeyID"}}}},
  google_cscc = {required = {"orgId", "sourceId"}},
  microsoft_teams = {required = {"url"}},
  OKTA_IDP = {required = {"domain", "apiToken"}},
  pager_duty = {required = {"integrationKey"}},
  QUALYS = {required = {"login", "baseUrl", "password"}},
  service_now = {required = {"hostUrl", "login", "password", "tables"}},
  slack = {required = {"webhookUrl"}, prefix = {webhookUrl = "https://hooks.slack.com/"}},
  snowflake = {required = {"hostUrl", "pipename", "stagingIntegrationId", "privateKey"}},
  splunk = {required = {"authToken", "url"}},
  TENABLE = {required = {"accessKey", "secretKey"}},
  webhook = {required = {"url", "authToken"}, test = {"url"},
             when = {{"isCustomPayloadEnabled", true, {"customPayloads"}}}},
}

-- Whether config has a value for field (not empty, not null).
local function present(config, field)
  local v = config[field]
  return v ~= nil and v ~= "" and v ~= json.null
end

-- The first entry of a list that config lacks ("integrationConfig.<field>"), or nil.
local function lacking(config, entries)
  for _, entry in ipairs(entries or {}) do
    local any = false
    for _, field in ipairs(type(entry) == "table" and entry or {entry}) do any = any or present(config, field) end
    if not any then
      return "integrationConfig." .. (type(entry) == "table" and table.concat(entry, "|") or entry)
    end
  end
  return nil
end

-- Why config does not fit its type: the field and a message, or nil.
local function check_config(itype, config, purpose)
  local spec = CONFIG[itype]
  if not spec then return nil end
  local gap = lacking(config, purpose == "test" and spec.test or spec.required)
  for _, group in ipairs(spec.together or {}) do
    if not gap and (present(config, group[1]) or present(config, group[2])) then gap = lacking(config, group) end
  end
  for _, rule in ipairs(spec.when or {}) do
    if not gap and config[rule[1]] == rule[2] then gap = lacking(config, rule[3]) end
  end
  if gap then return gap, ("integration type '%s': %s is required"):format(itype, gap) end
  for field, start in pairs(spec.prefix or {}) do
    if type(config[field]) ~= "string" or config[field]:sub(1, #start) ~= start then
      return "integrationConfig." .. field, ("integration type '%s': integrationConfig.%s must start with %s")
        :format(itype, field, start)
    end
  end
  return nil
end

--------------------------------------------------------------------------
-- Errors and checks.
--------------------------------------------------------------------------

local STATUS_TEXT = {[400] = "400 BAD_REQUEST", [403] = "403 FORBIDDEN", [404] = "404 NOT_FOUND"}

-- An error: x-redlock-status header and an EventsApiError body.
local function fail(req, status, key, subject, message)
  local res = api.fail(req, status, key, subject, message)
  res.body = json.encode({status = STATUS_TEXT[status] or tostring(status), message = message or key,
                          debugMessage = key, timestamp = api.now_ms(), subErrors = array{}})
  return res
end
M.fail = fail

-- Whether v is a JSON object (or an empty table).
local function is_object(v)
  return type(v) == "table" and getmetatable(v) ~= json.array_mt and (next(v) == nil or v[1] == nil)
end
M.is_object = is_object

-- A name as the schemas allow: 5 to 100 characters, starting with a letter or digit.
local function good_name(name)
  return type(name) == "string" and #name >= 5 and #name <= 100 and name:find("^[A-Za-z0-9]") ~= nil
end
M.good_name = good_name

-- Top-level domains that never resolve.
local RESERVED = {invalid = true, test = true, example = true, localhost = true}

-- Where an endpoint of a configuration points nowhere valid: the field, or nil.
local function unreachable(config)
  local fields = {}
  for k in pairs(config) do fields[#fields + 1] = k end
  table.sort(fields)
  for _, k in ipairs(fields) do
    local v = config[k]
    local urlish = k == "url" or k == "domain" or k:find("Ur[li]$")
    if urlish and type(v) == "string" then
      local scheme, rest = v:match("^(%a[%w+.-]*)://(.*)$")
      if k == "baseUrl" or k == "domain" then rest = rest or v
      elseif scheme ~= "https" and not (scheme == "s3" and k == "s3Uri") then return k end
      local host = (rest or ""):match("^([^/:?#]*)"):lower()
      local tld = host:match("([^.]+)%.?$")
      if host == "" or RESERVED[host] or (tld and RESERVED[tld]) then return k end
    end
  end
  return nil
end

-- A test of config: nil when its endpoints point somewhere valid, else a 400
-- integration_test_failed naming the first field that does not.
local function test_failure(req, config)
  local field = unreachable(config)
  if not field then return nil end
  return fail(req, 400, "integration_test_failed", "integrationConfig." .. field,
    ("cannot reach %s"):format(tostring(config[field])))
end
M.test_failure = test_failure

-- Checks an integration body for create, update (base: the stored one) or test; nil, or an error.
local function check_integration(app, req, body, purpose, base, pull)
  if not good_name(body.name) then
    return fail(req, 400, "invalid_integration_name", "name", "name must be 5 to 100 characters")
  end
  local itype = body.integrationType
  if base then
    if itype ~= nil and itype ~= base.integrationType then
      return fail(req, 400, "invalid_integration_type", tostring(itype), "the type of an integration cannot change")
    end
    itype = base.integrationType
  elseif itype == nil or itype == json.null or itype == "" then
    return fail(req, 400, "missing_integration_type", "integrationType")
  elseif not (pull and PULL_TYPES or CHANNEL)[itype] then
    return fail(req, 400, "invalid_integration_type", tostring(itype))
  end
  local config = body.integrationConfig
  if not is_object(config) then return fail(req, 400, "missing_integration_config", "integrationConfig") end
  local field, message = check_config(itype, config, purpose)
  if field then return fail(req, 400, "invalid_integration_config", field, message) end
  for _, f in ipairs(base and IMMUTABLE[itype] or {}) do
    if config[f] ~= base.integrationConfig[f] then
      return fail(req, 400, "invalid_integration_config", "integrationConfig." .. f, f .. " cannot change")
    end
  end
  if purpose ~= "test" then
    for _, other in ipairs((pull and M.pull_store or M.store)(app):list()) do
      if other.id ~= (base and base.id) and other.name:lower() == body.name:lower() then
        return fail(req, 400, "integration_name_already_exists", body.name)
      end
    end
  end
  return nil
end

--------------------------------------------------------------------------
-- Routes.
--------------------------------------------------------------------------

-- What may send through an integration, which then cannot be deleted: functions app -> {[id] =
-- true}, each added by its module as it loads (alert_rules.lua, notification_templates.lua).
local referrers = {}

-- Adds a referrer: references(app) gives the ids of the integrations it uses.
function M.add_referrer(references)
  referrers[#referrers + 1] = references
end

-- The lookup of the routes' {id}: store(app) holds the items, noun names them in the error.
-- Gives function(req, id) -> item, or nil and a 400 invalid_id.
local function finder(app, store, noun)
  return function(req, id)
    local item = store(app).by_id[id]
    if not item then return nil, fail(req, 400, "invalid_id", id, ("no %s %s"):format(noun, id)) end
    return item
  end
end
M.finder = finder

-- The wrapper of the tenant API's handlers: another tenant's Prisma ID is refused (403).
function M.tenant(app)
  return function(fn)
    return function(req, params, ...)
      if params.prismaId ~= app.config.prisma_id then
        return fail(req, 403, "invalid_prisma_id", params.prismaId, "not this tenant's Prisma ID")
      end
      return fn(req, params, ...)
    end
  end
end

-- The routes of integrations under base, each wrapped in tenant.
local function integration_routes(router, app, tenant, base)
  router:add("GET", base .. "/channels", tenant(function() return api.json(200, array(api.copy(M.CHANNELS))) end))

  router:add("GET", base .. "/securityhub/accounts", tenant(function()
    local out = {}
    for _, a in ipairs(app.state.accounts:list()) do
      if a.cloudType == "AWS" then out[a.accountId] = a.name end
    end
    return api.json(200, out)
  end))

  router:add("GET", base .. "/securityhub/regions/:accountId", tenant(function(req, params)
    local a = app.state.accounts.by_id[params.accountId]
    if not a or a.cloudType ~= "AWS" then return fail(req, 400, "invalid_id", params.accountId) end
    local regions, h = array{}, data.hash(app.state.world.seed, SALT + 3, a.index)
    for k, r in ipairs(data.REGIONS.AWS) do
      if k == 1 or data.roll(h, 2, k) == 0 then regions[#regions + 1] = r[2] end
    end
    return api.json(200, {regions = regions})
  end))

  router:add("GET", base, tenant(function(req)
    local ids, kinds = api.query_set(req, "ids"), api.query_set(req, "type")
    local only = api.bool(api.query(req, "onlyEnabled"))
    if only == "bad" then return fail(req, 400, "invalid_param_value", "onlyEnabled") end
    if only == nil then only = true end
    local out = array{}
    for _, i in ipairs(M.store(app):list()) do
      if (not ids or ids[i.id]) and (not kinds or kinds[i.integrationType]) and (not only or i.enabled) then
        out[#out + 1] = i
      end
    end
    return api.json(200, out)
  end))

  router:add("POST", base, tenant(function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_integration(app, req, body, "create")
    if err then return err end
    local st = app.state
    st.next_integration = (st.next_integration or 0) + 1
    local id = data.uuid(st.world.seed, SALT + 10, st.next_integration)
    local who, now = api.user_of(req), api.now_ms()
    local description = type(body.description) == "string" and body.description or ""
    local item = {id = id, name = body.name, description = description,
                  integrationType = body.integrationType, integrationConfig = body.integrationConfig,
                  enabled = body.enabled ~= false, createdBy = who, createdTs = now, lastModifiedBy = who,
                  lastModifiedTs = now, customerId = data.CUSTOMER_ID}
    M.store(app):put(id, item)
    return api.json(200, item)
  end))

  router:add("POST", base .. "/test", tenant(function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local id = api.query(req, "id")
    local stored = id and M.store(app).by_id[id]
    if id and not stored then return fail(req, 400, "invalid_id", id) end
    local err = check_integration(app, req, body, "test")
    if err then return err end
    return test_failure(req, body.integrationConfig) or api.empty(200)
  end))

  local existing = finder(app, M.store, "integration")

  router:add("GET", base .. "/:id", tenant(function(req, params)
    local item, err = existing(req, params.id)
    return item and api.json(200, item) or err
  end))

  router:add("PUT", base .. "/:id", tenant(function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_integration(app, req, body, "update", item)
    if err then return err end
    local new = api.copy(item)
    new.name, new.integrationConfig = body.name, body.integrationConfig
    if type(body.description) == "string" then new.description = body.description end
    if type(body.enabled) == "boolean" then new.enabled = body.enabled end
    new.lastModifiedBy, new.lastModifiedTs = api.user_of(req), api.now_ms()
    M.store(app):put(item.id, new)
    return api.json(200, new)
  end))

  router:add("PATCH", base .. "/:id", tenant(function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    local body, bad = api.body(req, true)
    if not body then return bad end
    if type(body.enabled) ~= "boolean" then return fail(req, 400, "missing_required_param", "enabled") end
    item.enabled = body.enabled
    item.lastModifiedBy, item.lastModifiedTs = api.user_of(req), api.now_ms()
    return api.empty(200)
  end))

  router:add("DELETE", base .. "/:id", tenant(function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    local used = false
    for _, references in ipairs(referrers) do used = references(app)[item.id] or used end
    if used then
      return fail(req, 400, "conflict_deleting_integration", item.id, "an alert rule or template uses it")
    end
    M.store(app):delete(item.id)
    return api.empty(200)
  end))
end

-- Integrations Pull: Okta, Qualys and Tenable, without a Prisma ID.
local function pull_routes(router, app)
  local base = "/integration"
  local existing = finder(app, M.pull_store, "integration")

  router:add("GET", base, function(req)
    local kind = api.query(req, "type")
    if kind ~= nil and not PULL_TYPES[kind] then return fail(req, 400, "invalid_integration_type", kind) end
    local out = array{}
    for _, i in ipairs(M.pull_store(app):list()) do
      if kind == nil or i.integrationType == kind then out[#out + 1] = i end
    end
    return api.json(200, out)
  end)

  router:add("GET", base .. "/name", function(req)
    local kind = api.query(req, "type")
    if not PULL_TYPES[kind] then return fail(req, 400, "invalid_integration_type", tostring(kind)) end
    local only = api.bool(api.query(req, "onlyEnabled"))
    if only == "bad" then return fail(req, 400, "invalid_param_value", "onlyEnabled") end
    local out = array{}
    for _, i in ipairs(M.pull_store(app):list()) do
      if i.integrationType == kind and (not only or i.enabled) then out[#out + 1] = {id = i.id, name = i.name} end
    end
    return api.json(200, out)
  end)

  router:add("POST", base, function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_integration(app, req, body, "create", nil, true)
    if err then return err end
    local st = app.state
    st.next_pull = (st.next_pull or 0) + 1
    local id = data.uuid(st.world.seed, SALT + 12, st.next_pull)
    local who, now = api.user_of(req), api.now_ms()
    M.pull_store(app):put(id, {
      id = id, name = body.name, description = type(body.description) == "string" and body.description or "",
      integrationType = body.integrationType, integrationConfig = body.integrationConfig,
      enabled = body.enabled ~= false, status = "GREEN", valid = true, createdBy = who, createdTs = now,
      lastModifiedBy = who, lastModifiedTs = now,
    })
    return api.empty(200)
  end)

  router:add("POST", base .. "/test", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local id = api.query(req, "id")
    if id and not M.pull_store(app).by_id[id] then return fail(req, 400, "invalid_id", id) end
    local err = check_integration(app, req, body, "test", nil, true)
    if err then return err end
    local field = unreachable(body.integrationConfig)
    local test = {key = "connectivity", description = "Reach the configured endpoint", success = field == nil}
    local messages = array{}
    if field then
      test.errorMessage = ("cannot reach %s"):format(tostring(body.integrationConfig[field]))
      messages[1] = {i18nKey = "integration_test_failed", severity = "ERROR", subject = "integrationConfig." .. field}
    end
    return api.json(200, {success = field == nil, statusCode = 200, tests = array{test}, errorMessages = messages})
  end)

  router:add("GET", base .. "/:id", function(req, params)
    local item, err = existing(req, params.id)
    return item and api.json(200, item) or err
  end)

  router:add("PUT", base .. "/:id", function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_integration(app, req, body, "update", item, true)
    if err then return err end
    item.name, item.integrationConfig = body.name, body.integrationConfig
    if type(body.description) == "string" then item.description = body.description end
    if type(body.enabled) == "boolean" then item.enabled = body.enabled end
    item.lastModifiedBy, item.lastModifiedTs = api.user_of(req), api.now_ms()
    return api.empty(200)
  end)

  router:add("DELETE", base .. "/:id", function(req, params)
    local item, missing = existing(req, params.id)
    if not item then return missing end
    M.pull_store(app):delete(item.id)
    return api.empty(200)
  end)
end

-- Adds the routes above.
function M.register(router, app)
  integration_routes(router, app, M.tenant(app), "/api/v1/tenant/:prismaId/integration")
  pull_routes(router, app)
end

return M
