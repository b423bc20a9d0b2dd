--- prismacloud.integrations: the integration family (`client.integrations`), on the tenant API
-- (/api/v1/tenant/{prismaId}/integration); Okta, Qualys and Tenable integrations, which only
-- Integrations Pull (/integration) serves, go there by type (or with {pull = true} by id). Their
-- types are sent as the reference spells them, OKTA_IDP, QUALYS and TENABLE (F.PULL_TYPES), whether
-- given so or as okta (or okta_idp), qualys and tenable; answers carry the reference's spelling.
--
--   local hook = assert(client.integrations:create(client.integrations.webhook{
--     name = "ops webhook", url = "https://hooks.example.com/prisma", authToken = "s3cret"}))
--   assert(client.integrations:test(hook.id))
--   for i in client.integrations:each{type = "slack"} do print(i.name) end
--
-- Every body's integrationConfig is checked against its type's documented
-- fields (docs/api-integration-config.md, kept as data in F.TYPES) before
-- anything is sent; a missing field raises naming the type and the field.
-- Types not in F.TYPES pass unchecked. The tenant's Prisma ID is the client's
-- (client:prisma_id, learnt once per client from the session).
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"
local errors = require "prismacloud.errors"

local F = verbs.family()
local check_string = verbs.check_string

-- What integrationConfig must hold, per integrationType (docs/api-integration-config.md):
--   required       fields every config needs; an entry {"a", "b"} is satisfied by either
--   test_required  replaces `required` when testing (the webhook test needs only the URL)
--   together       groups of fields: one present needs the others
--   when           {field =, value =, require = {...}}: fields needed when config[field] == value
--   prefix         {field = "text"}: a documented required start of a value
--   pull           served by Integrations Pull (/integration), not the tenant API
F.TYPES = {
  amazon_sqs = {
    required = {"queueUrl"}, together = {{"accessKey", "secretKey"}, {"roleArn", "externalId"}},
    when = {{field = "moreInfo", value = true, require = {{"accessKey", "roleArn"}}}},
  },
  aws_s3 = {required = {"s3Uri", "region", "roleArn", "externalId"}},
  aws_sdl = {required = {"s3Uri", "region", "roleArn", "externalId"}},
  aws_security_hub = {required = {"accountId", {"regions", "region"}}},
  azure_service_bus_queue = {required = {"queueUrl", {"accountId", "connectionString"}}},
  demisto = {
    required = {"hostUrl", "apiKey", "demistoVersion"},
    when = {{field = "demistoVersion", value = "8.0", require = {"apiKeyID"}}},
  },
  google_cscc = {required = {"orgId", "sourceId"}},
  microsoft_teams = {required = {"url"}},
  OKTA_IDP = {required = {"domain", "apiToken"}, pull = true},
  pager_duty = {required = {"integrationKey"}},
  QUALYS = {required = {"login", "baseUrl", "password"}, pull = true},
  service_now = {required = {"hostUrl", "login", "password", "tables"}},
  slack = {required = {"webhookUrl"}, prefix = {webhookUrl = "https://hooks.slack.com/"}},
  snowflake = {required = {"hostUrl", "pipename", "stagingIntegrationId", "privateKey"}},
  splunk = {required = {"authToken", "url"}},
  TENABLE = {required = {"accessKey", "secretKey"}, pull = true},
  webhook = {
    required = {"url", "authToken"}, test_required = {"url"},
    when = {{field = "isCustomPayloadEnabled", value = true, require = {"customPayloads"}}},
  },
}

-- The Integrations Pull types as the reference spells them (OKTA_IDP, QUALYS, TENABLE), by every
-- spelling a caller may use: the reference's, and the lower-case names (okta, okta_idp, qualys, tenable).
F.PULL_TYPES = {OKTA_IDP = "OKTA_IDP", okta = "OKTA_IDP", okta_idp = "OKTA_IDP", QUALYS = "QUALYS",
                qualys = "QUALYS", TENABLE = "TENABLE", tenable = "TENABLE"}

-- A type as the API spells it (a Pull type's lower-case name mapped to the reference's).
local function spelled(itype)
  return F.PULL_TYPES[itype] or itype
end

-- A field counts when set, not "" and not JSON null (a light userdata). Plain
-- Lua, so the emulator checks bodies with the same table.
local function present(config, field)
  local v = config[field]
  return v ~= nil and v ~= "" and type(v) ~= "userdata"
end

-- The first unmet entry of a list of required entries: its description, or nil.
local function first_missing(config, entries)
  for _, entry in ipairs(entries or {}) do
    if type(entry) == "string" then
      if not present(config, entry) then return "integrationConfig." .. entry end
    else
      local any = false
      for _, field in ipairs(entry) do any = any or present(config, field) end
      if not any then return "one of integrationConfig." .. table.concat(entry, ", integrationConfig.") end
    end
  end
  return nil
end

--- Why an integrationConfig does not fit its type's documented fields: nil when it fits (or the
-- type is not one F.TYPES knows), else the field and a message naming type and field.
-- syntax: field, message = integrations.check_config(integration_type, config [, "test"])
function F.check_config(itype, config, purpose)
  local spec = F.TYPES[spelled(itype)]
  if not spec then return nil end
  local function fail(field, what)
    return field, ("integration type '%s': %s %s"):format(itype, field, what)
  end
  if type(config) ~= "table" then return fail("integrationConfig", "is required (a table)") end
  local required = purpose == "test" and spec.test_required or spec.required
  local gap = first_missing(config, required)
  if gap then return fail(gap, "is required") end
  for _, group in ipairs(spec.together or {}) do
    local any = false
    for _, field in ipairs(group) do any = any or present(config, field) end
    if any then
      gap = first_missing(config, group)
      if gap then return fail(gap, "is required with integrationConfig." .. table.concat(group, "/")) end
    end
  end
  for _, rule in ipairs(spec.when or {}) do
    if config[rule.field] == rule.value then
      gap = first_missing(config, rule.require)
      if gap then
        return fail(gap, ("is required when integrationConfig.%s is %s"):format(rule.field, tostring(rule.value)))
      end
    end
  end
  for field, start in pairs(spec.prefix or {}) do
    local v = config[field]
    if type(v) ~= "string" or v:sub(1, #start) ~= start then
      return fail("integrationConfig." .. field, "must start with " .. start)
    end
  end
  return nil
end

--- Checks an integration body (integrationType, integrationConfig) before it is sent; raises naming
-- the type and the missing field. Returns the body.
-- syntax: body = integrations.validate(body [, "test"])
function F.validate(body, purpose, level)
  level = (level or 1) + 1
  if type(body) ~= "table" then
    error(("bad integration (table expected, got %s)"):format(type(body)), level)
  end
  local itype = body.integrationType
  if itype == nil and purpose == "update" then return body end -- the update body may leave the type out
  if type(itype) ~= "string" or itype == "" then
    error("bad integration (integrationType string expected, got " .. type(itype) .. ")", level)
  end
  local _, message = F.check_config(itype, body.integrationConfig, purpose)
  if message then error(message, level) end
  return body
end

-- Constructors: an integration body from {name =, description =, enabled =, <config fields>}.
local BODY_FIELDS = {name = true, description = true, enabled = true}

local function build(itype, t)
  if type(t) ~= "table" then error(("bad argument #1 to '%s' (table expected, got %s)"):format(itype, type(t)), 3) end
  local body = {integrationType = itype, integrationConfig = {}, enabled = true}
  for k, v in pairs(t) do
    if BODY_FIELDS[k] then body[k] = v else body.integrationConfig[k] = v end
  end
  return F.validate(body, nil, 3)
end

--- The body of any integration type: {name =, description =, enabled =} plus the type's config fields.
-- syntax: body = integrations.body(integration_type, {name =, <config fields>})
function F.body(itype, t)
  if type(itype) ~= "string" then
    error(("bad argument #1 to 'body' (string expected, got %s)"):format(type(itype)), 2)
  end
  return build(itype, t)
end

--- A webhook integration body (url, authToken; isCustomPayloadEnabled, customPayloads).
-- syntax: body = integrations.webhook{name =, url =, authToken = [, description =, enabled =]}
function F.webhook(t) return build("webhook", t) end

--- A Slack integration body (webhookUrl starting https://hooks.slack.com/).
-- syntax: body = integrations.slack{name =, webhookUrl = [, description =, enabled =]}
function F.slack(t) return build("slack", t) end

--- A Splunk HTTP event collector integration body (url, authToken; sourceType).
-- syntax: body = integrations.splunk{name =, url =, authToken = [, sourceType =]}
function F.splunk(t) return build("splunk", t) end

--- A Microsoft Teams integration body (url).
-- syntax: body = integrations.microsoft_teams{name =, url = [, description =, enabled =]}
function F.microsoft_teams(t) return build("microsoft_teams", t) end

--- A PagerDuty integration body (integrationKey).
-- syntax: body = integrations.pager_duty{name =, integrationKey = [, description =, enabled =]}
function F.pager_duty(t) return build("pager_duty", t) end

--- A ServiceNow integration body (hostUrl, login, password, tables).
-- syntax: body = integrations.service_now{name =, hostUrl =, login =, password =, tables = {{incident = true}}}
function F.service_now(t) return build("service_now", t) end

--- The tenant's Prisma ID used in /api/v1/tenant/{prismaId} paths: sets it when given, else
-- learns it once per client (client:prisma_id: the prisma_id option, else the session's customer list).
-- syntax: id, err = client.integrations:prisma_id([id])
function F:prisma_id(id)
  if id ~= nil then check_string(id, 1, "prisma_id") end
  return self.client:prisma_id(id)
end

--------------------------------------------------------------------------
-- Verbs.
--------------------------------------------------------------------------

-- by_name: the shared name lookup (verbs.crud) over the list.
local crud = verbs.crud{names = function(self, _, filter) return self:list(filter) end}

-- The list filter of the tenant API {type =, ids =, only_enabled =}: every integration unless only_enabled.
local FILTER_SET = filters.define{what = "integration",
  params = {type = {"type", "csv"}, ids = {"ids", "csv"}, only_enabled = {"onlyEnabled", "boolean"}},
  defaults = {onlyEnabled = "false"}}

-- Okta, Qualys and Tenable integrations live in the Integrations Pull API (/integration, no Prisma ID).
local function is_pull(itype)
  local spec = F.TYPES[spelled(itype)]
  return spec ~= nil and spec.pull == true
end

-- The query of a list filter {type =, ids =, only_enabled =}, and whether it goes to the Pull API;
-- the tenant API is asked for every integration unless only_enabled.
local function query_of(filter, fname)
  if filter ~= nil and type(filter) ~= "table" then
    error(("bad argument #1 to '%s' (filter table expected, got %s)"):format(fname, type(filter)), 3)
  end
  filter = filter or {}
  local kinds = filter.type
  if type(kinds) == "table" and #kinds == 1 then kinds = kinds[1] end
  if type(kinds) == "string" and is_pull(kinds) then
    for k in pairs(filter) do
      if k ~= "type" then
        error(("filter '%s' to '%s' does not apply to %s integrations"):format(k, fname, kinds), 3)
      end
    end
    return {type = spelled(kinds)}, true
  end
  local query = FILTER_SET:query(filter, fname, 3)
  for t in (query.type or ""):gmatch("[^,]+") do
    if is_pull(t) then error(("list %s integrations on their own: %s{type = '%s'}"):format(t, fname, t), 3) end
  end
  return query, false
end

-- Operation ids per verb: {tenant API, Integrations Pull}.
local OPS = {
  list = {"get-all-integrations-v1", "get-all-integrations"}, get = {"get-integration-v1", "get-integration-by-id"},
  create = {"create-integration-v1", "save-integration"}, update = {"update-integration-v1", "update-integration"},
  delete = {"delete-integration-v1", "delete-integration"}, test = {"test-integration-v1", "test-integration"},
  state = {"update-integration-state-v1"},
}

-- Sends a verb's operation: the Pull one (its body's type as the reference spells it, in a copy),
-- or the tenant one with the Prisma ID in its path (or returns the request on a dry run).
local function send(self, verb, pull, args, opts)
  if pull then
    local body = args.body
    if type(body) == "table" and spelled(body.integrationType) ~= body.integrationType then
      local copy = {}
      for k, v in pairs(body) do copy[k] = v end
      copy.integrationType = spelled(body.integrationType)
      args.body = copy
    end
    return verbs.call(self.client, OPS[verb][2], args, opts)
  end
  local prisma_id, err = self.client:prisma_id()
  if not prisma_id then return nil, err end
  args.prismaId = prisma_id
  return verbs.call(self.client, OPS[verb][1], args, opts)
end

local PULL = {pull = true}
local PULL_DRY = {pull = true, dry_run = true}

-- The Pull API's test answer {success, tests, errorMessages} as true, or nil, err.
local function pull_test_result(body, send_err)
  if body == nil then return nil, send_err end
  if type(body) ~= "table" or body.success ~= false then return true end
  local why = {}
  for _, t in ipairs(body.tests or {}) do
    if t.success == false then why[#why + 1] = t.errorMessage or t.description or t.key end
  end
  local first = type(body.errorMessages) == "table" and body.errorMessages[1] or {}
  local err = errors.new("invalid_request", "integration test failed: " .. (#why > 0 and table.concat(why, "; ") or
    tostring(first.i18nKey or "no reason given")))
  err.code, err.details = first.i18nKey, body.errorMessages
  return nil, err
end

--- Integrations, all or filtered {type = "slack" or {...}, ids = {...}, only_enabled = true}. Okta,
-- Qualys and Tenable ones (Integrations Pull) are listed one type at a time: list{type = "OKTA_IDP"}.
-- syntax: integrations, err = client.integrations:list([{type =, ids =, only_enabled =}])
function F:list(filter)
  local query, pull = query_of(filter, "list")
  return send(self, "list", pull, {query = query})
end

--- The integrations one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for integration in client.integrations:each([filter]) do ... end
function F:each(filter, paging)
  local query, pull = query_of(filter, "each")
  local args
  if not pull then
    args = function() -- learnt on the first :next(), whose nil, err says when it cannot be
      local prisma_id, err = self.client:prisma_id()
      if not prisma_id then return nil, err end
      return {prismaId = prisma_id}
    end
  end
  return pager.items(self.client, pager.single{op = OPS.list[pull and 2 or 1], args = args, query = query}, paging)
end

--- One integration by id ({pull = true}: an Okta, Qualys or Tenable one).
-- syntax: integration, err = client.integrations:get(id [, {pull = true}])
function F:get(id, opts)
  check_string(id, 1, "get")
  opts = verbs.options(opts, PULL, "get")
  return send(self, "get", opts.pull, {id = id})
end

--- Creates an integration {name, integrationType, integrationConfig, description, enabled}; the
-- config is checked against the type's documented fields first. Okta, Qualys and Tenable go to
-- Integrations Pull, which answers without a body (true).
-- syntax: integration, err = client.integrations:create(integration [, {dry_run = true}])
function F:create(integration, opts)
  F.validate(integration, "create", 2)
  opts = verbs.options(opts, verbs.DRY_RUN, "create")
  return send(self, "create", is_pull(integration.integrationType), {body = integration}, opts)
end

--- Replaces an integration {name, integrationConfig, description, enabled} (its type cannot change).
-- syntax: integration, err = client.integrations:update(id, integration [, {dry_run = true, pull = true}])
function F:update(id, integration, opts)
  check_string(id, 1, "update")
  F.validate(integration, "update", 2)
  opts = verbs.options(opts, PULL_DRY, "update")
  local pull = opts.pull or is_pull(integration.integrationType)
  return send(self, "update", pull, {id = id, body = integration}, opts)
end

--- Enables or disables an integration (PATCH {enabled}; a Pull one is read and sent back changed).
-- syntax: ok, err = client.integrations:set_enabled(id, enabled [, {dry_run = true, pull = true}])
function F:set_enabled(id, enabled, opts)
  check_string(id, 1, "set_enabled")
  verbs.check_boolean(enabled, 2, "set_enabled")
  opts = verbs.options(opts, PULL_DRY, "set_enabled")
  if not opts.pull then
    return send(self, "state", false, {id = id, body = {enabled = enabled}}, opts)
  end
  local stored, err = verbs.table_body(self.client, self:get(id, PULL))
  if not stored then return nil, err end
  stored.enabled = enabled
  return send(self, "update", true, {id = id, body = stored}, opts)
end

--- Deletes an integration.
-- syntax: ok, err = client.integrations:delete(id [, {dry_run = true, pull = true}])
function F:delete(id, opts)
  check_string(id, 1, "delete")
  opts = verbs.options(opts, PULL_DRY, "delete")
  return send(self, "delete", opts.pull, {id = id}, opts)
end

--- Tests an integration: a body {name, integrationType, integrationConfig} before creating it, or
-- the id of an existing one (its stored settings are sent). true, or nil, err saying why it failed.
-- syntax: ok, err = client.integrations:test(integration_or_id [, {dry_run = true, pull = true}])
function F:test(what, opts)
  opts = verbs.options(opts, PULL_DRY, "test")
  local query
  if type(what) == "string" and what ~= "" then
    local stored, err = verbs.table_body(self.client, self:get(what, opts.pull and PULL or nil))
    if not stored then return nil, err end
    query = {id = what}
    what = {name = stored.name, integrationType = stored.integrationType, integrationConfig = stored.integrationConfig}
  elseif type(what) ~= "table" then
    error(("bad argument #1 to 'test' (integration table or id expected, got %s)"):format(type(what)), 2)
  end
  F.validate(what, "test", 2)
  local pull = opts.pull or is_pull(what.integrationType)
  if not pull or opts.dry_run then return send(self, "test", pull, {query = query, body = what}, opts) end
  return pull_test_result(send(self, "test", pull, {query = query, body = what}, opts))
end

--- The integration with exactly this name (of a type, for Okta, Qualys and Tenable ones):
-- integration, or nil when there is none, or nil, err.
-- syntax: integration, err = client.integrations:by_name(name [, {type = "OKTA_IDP"}])
F.by_name = crud.by_name

--- Ids and names of one type's Okta, Qualys or Tenable integrations (GET /integration/name).
-- syntax: list, err = client.integrations:names(integration_type [, {only_enabled = true}])
function F:names(itype, opts)
  if type(itype) ~= "string" then
    error(("bad argument #1 to 'names' (string expected, got %s)"):format(type(itype)), 2)
  end
  opts = verbs.options(opts, {only_enabled = true}, "names")
  local query = {type = spelled(itype)}
  if opts.only_enabled ~= nil then
    if type(opts.only_enabled) ~= "boolean" then error("bad option 'only_enabled' to 'names' (boolean expected)", 2) end
    query.onlyEnabled = tostring(opts.only_enabled)
  end
  return self.client:call("get-all-integrations-metadata", {query = query})
end

--- The AWS accounts with Security Hub enabled: a table {[account id] = account name}.
-- syntax: accounts, err = client.integrations:security_hub_accounts()
function F:security_hub_accounts()
  local prisma_id, err = self.client:prisma_id()
  if not prisma_id then return nil, err end
  return self.client:call("get-security-hub-accounts-v1", {prismaId = prisma_id})
end

--- The Security Hub enabled regions of an AWS account: an array of region ids ("us-east-1", ...).
-- syntax: regions, err = client.integrations:security_hub_regions(account_id)
function F:security_hub_regions(account_id)
  check_string(account_id, 1, "security_hub_regions")
  local prisma_id, err = self.client:prisma_id()
  if not prisma_id then return nil, err end
  local body
  body, err = verbs.table_body(self.client, self.client:call("get-security-hub-region-by-account-id-v1",
    {prismaId = prisma_id, accountId = account_id}))
  if body == nil then return nil, err end
  return body.regions or {}
end

--- The integration types the tenant API supports (GET .../integration/channels): an array of names.
-- syntax: types, err = client.integrations:types()
function F:types()
  local prisma_id, err = self.client:prisma_id()
  if not prisma_id then return nil, err end
  return self.client:call("get-supported-integration-channels-v1", {prismaId = prisma_id})
end

return F
