-- spec/support/walk.lua: the whole catalog, operation by operation, through client:call, with
-- minimal valid arguments made from the reference's schemas (prismacloud.schema.synth), the
-- values the reference gives in prose for what its schemas leave open (the time range model,
-- RQL queries), and, for a path parameter a hand-written route does not know, the ids earlier
-- answers named. spec/catalog_walk_spec.lua walks the emulator with it; tools/walk_report.lua
-- measures any emulator (an older one too) with it.
--
--   local walk = require "spec.support.walk"
--   for _, r in ipairs(walk.run(client, login_body)) do print(r.id, r.status, r.route, r.ok) end
local operations = require "prismacloud.operations"
local schema = require "prismacloud.schema"
local synth = require "prismacloud.schema.synth"
local json = require "prismacloud.json"
local defects = require "prismacloud.schema.defects"

local M = {}

-- Where the walk finds the ids it sends: the answers of the operations before. An id a path
-- parameter takes is an item of a collection: by default the path before the parameter (its
-- own parameters left open: "/report/{}"), whose listing (GET) names items and whose creation
-- (POST) makes one; FROM names the collection of a parameter whose items live elsewhere, and
-- {collection, field} the field of its items the parameter takes when not their id.
local FROM = {
  complianceId = "/compliance", requirementId = "/compliance/{}/requirement",
  sectionId = "/compliance/{}/section", lastScheduled = {"/report/{}/history", "lastScheduled"}, prismaId = "/login",
  ["/account/{accountId}"] = {"/cloud", "accountId"},
  -- users are named by their email
  ["/v2/user/{id}"] = {"/v2/user", "email"}, ["/user/{id}"] = {"/v2/user", "email"},
}

-- The collection path of p: its parameters left open.
local function collection(path)
  return (path:gsub("{[^}]*}", "{}"))
end

-- The collection whose items the path parameter name of path takes, and the field they give it.
local function source_of(path, name)
  local before = collection(path:match("^(.-)/{" .. name:gsub("%p", "%%%0") .. "}") or path)
  local from = FROM[before .. "/{" .. name .. "}"] or FROM[name] or before
  if type(from) == "table" then return from[1], from[2] end
  return from
end

-- The items of an answer: itself when a list, else its first list of objects (items, data...).
local function items_of(answer)
  if type(answer) ~= "table" then return {} end
  if answer[1] ~= nil then return answer end
  for _, k in ipairs{"items", "data", "value", "values", "content", "resources", "list"} do
    if type(answer[k]) == "table" and type(answer[k][1]) == "table" then return answer[k] end
  end
  for _, v in pairs(answer) do
    if type(v) == "table" and type(v[1]) == "table" then return v end
  end
  return {}
end

-- The id of one item of the collection at path: its id, else its field named after the collection
-- ("policyId" at /policy), uuid, or the one field that ends in Id.
local function id_of(item, path)
  if type(item) ~= "table" then
    return (type(item) == "string" or math.type(item) == "integer") and item or nil
  end
  local noun = (path or ""):match("([%a_]+)/?$") or ""
  local function usable(v) return type(v) == "string" and v ~= "" or math.type(v) == "integer" end
  for _, k in ipairs{"id", noun .. "Id", noun .. "_id", "uuid", "Id", "ID"} do
    if usable(item[k]) then return item[k] end
  end
  local found
  for k, v in pairs(item) do
    if type(k) == "string" and k:find("Id$") and usable(v) then
      if found then return nil end
      found = v
    end
  end
  return found
end

-- What the walk has learnt so far: pool[collection] = {listed = {...}, made = {...}}, each item
-- {id = its id, item = the object that named it}.
local function remember(pool, path, kind, values)
  local c = pool[collection(path)] or {listed = {}, made = {}}
  pool[collection(path)] = c
  for _, v in ipairs(values) do
    local list = c[kind]
    if #list < 40 then list[#list + 1] = {id = v.id and tostring(v.id), item = v.item} end
  end
end

local function forget(pool, value)
  for _, c in pairs(pool) do
    for _, kind in ipairs{"listed", "made"} do
      for i = #c[kind], 1, -1 do
        local e = c[kind][i]
        if e.id == value or (type(e.item) == "table" and e.item.email == value) then table.remove(c[kind], i) end
      end
    end
  end
end

-- What an entry gives: its id, or its item's field.
local function value_of(e, field)
  if not e then return nil end
  if not field then return e.id end
  local v = type(e.item) == "table" and e.item[field]
  return (type(v) == "string" or math.type(v) == "integer") and tostring(v) or nil
end

-- The value of path parameter name of op: for a read, what a listing named first; for a write or
-- a delete, what the walk made first (a delete deletes what the walk made).
local function pick(pool, op, name)
  for _, x in ipairs(schema.operation(op.id).params.path) do
    if x.name == name and x.schema.enum then return nil end -- its enum says what it may be
  end
  local where, field = source_of(op.path, name)
  local c = pool[where]
  if not c then return nil end
  local first, second = c.listed, c.made
  if op.method ~= "GET" then first, second = c.made, c.listed end
  return value_of(first[1], field) or value_of(second[1], field)
end

-- Values the reference gives in prose (the time range model, docs/api-time-range-model.md, and
-- the descriptions), for parameters whose schema says no more than "string".
local HINTS = {
  timeType = "relative", timeAmount = "1", timeUnit = "day", ["time.type"] = "relative",
  ["time.amount"] = "1", ["time.unit"] = "day", filter = "saved", type = nil,
}

-- The query a search operation takes, by its path.
local function query_for(path)
  if path:find("event") then return "event from cloud.audit_logs where cloud.type = 'aws'" end
  if path == "/search" then return "network from vpc.flow_record where cloud.type = 'aws'" end
  if path:find("permission") or path:find("iam") then return "config from iam where dest.cloud.type = 'AWS'" end
  return "config from cloud.resource where cloud.type = 'aws'"
end

-- Values the reference gives in prose for body properties whose schema says no more than their
-- type: property name -> function(op) -> value.
local BODY_HINTS = {
  query = function(op) return query_for(op.path) end,
  name = function(op) return "walk " .. op.id end,
  description = function() return "made by the catalog walk" end,
  timeZone = function() return "UTC" end,
  email = function() return "walk@example.com" end,
  cloudType = function() return "aws" end,
  policyType = function() return "config" end,
  severity = function() return "low" end,
  timeRange = function() return {type = "relative", value = {amount = 1, unit = "day"}} end,
}

-- Puts the hints into a body made from node (its top level, and the top level of its objects).
local function hint(body, node, op, depth)
  if type(body) ~= "table" or getmetatable(body) == json.array_mt or depth > 2 then return end
  local props = synth.properties_of(node, {}, {})
  for k, p in pairs(props) do
    local h = BODY_HINTS[k]
    if h and not p.enum and not (p.items and p.items.enum) then
      local v = h(op)
      if p.type == "array" and type(v) ~= "table" then v = setmetatable({v}, json.array_mt) end
      -- a hint that breaks the schema is no hint
      if (body[k] ~= nil or k == "timeRange" or k == "query") and #schema.validate(p, v, "request") == 0 then
        body[k] = v
      end
    elseif type(body[k]) == "table" then
      hint(body[k], p, op, depth + 1)
    end
  end
end

-- What a body refers to, or must say, that its schema cannot: operation id -> function(ref) ->
-- the properties to set, ref(collection) giving an id of that collection the walk has seen.
local function list(...) return setmetatable({...}, json.array_mt) end
local function alert_rule(ref)
  return {description = "made by the catalog walk", enabled = true, allowAutoRemediate = false, scanAll = true,
          target = {accountGroups = list(ref("/cloud/group"))}}
end
local function role(ref) return {roleType = "System Admin", accountGroupIds = list(ref("/cloud/group"))} end
local function policy() return {policyType = "config", cloudType = "aws",
  rule = {name = "walk rule", type = "Config", criteria = "config from cloud.resource where cloud.type = 'aws'",
          parameters = {savedSearch = "false"}}}
end
local function resource_list() return {resourceListType = "TAG", members = '[{"env": "walk"}]'} end
local function report(ref) return {cloudType = "aws", type = "COMPLIANCE",
  target = {timeRange = {type = "to_now", value = "epoch"}, complianceStandardIds = list(ref("/compliance")),
            accountGroups = list(ref("/cloud/group"))}}
end
local function user(ref) return {firstName = "Walk", lastName = "Walker", timeZone = "UTC",
  roleIds = list(ref("/user/role")), defaultRoleId = ref("/user/role")}
end
-- An integration, its integrationConfig as the reference's Integration Configurations page
-- (docs/api-integration-config.md) gives it for its type: a webhook ("url", "authToken": required)
-- under /api/v1/tenant, a Tenable one ("accessKey", "secretKey": required) among Integrations Pull
-- (Okta, Qualys, Tenable; IntegrationModel's enum spells it TENABLE).
local function integration() return {name = "walk integration", integrationType = "webhook", enabled = true,
  integrationConfig = {url = "https://example.com/walk", authToken = "walk-token"}}
end
local function pull_integration() return {name = "walk pull integration", integrationType = "TENABLE",
  enabled = true, integrationConfig = {accessKey = "walk-access", secretKey = "walk-secret"}}
end
-- A Jira template, through a Jira integration (a template sends through one of its type).
local function template(_, w) return {integrationType = "jira",
  integrationId = w.find("get-all-integrations-v1", "id", function(i) return i.integrationType == "jira" end)}
end
-- The accounts the walk onboards (their ids in each cloud's format).
local ACCOUNT = {aws = "123456789099", azure = "0b8b6e6a-1a6e-4c1e-9f0e-77a1b2c3d4e5", gcp = "walk-project",
                 alibaba_cloud = "5012345678901234"}
local function aws_account(ref) return {accountId = ACCOUNT.aws, groupIds = list(ref("/cloud/group"))} end
local function azure_account(ref) return {cloudAccount = {name = "walk azure", accountType = "account",
  accountId = ACCOUNT.azure, groupIds = list(ref("/cloud/group"))}} end
local function gcp_account(ref) return {defaultAccountGroupId = ref("/cloud/group"),
  cloudAccount = {name = "walk gcp", accountType = "account", accountId = ACCOUNT.gcp,
                  groupIds = list(ref("/cloud/group"))}, credentials = {type = "service_account"}} end
-- an Alibaba account: the body add-cloud-account's description tables give
local function alibaba_account(ref) return {accountId = ACCOUNT.alibaba_cloud, groupIds = list(ref("/cloud/group")),
  name = "walk alibaba", roleArn = "acs:ram::" .. ACCOUNT.alibaba_cloud .. ":role/walk", enabled = true} end
-- The value of the first key of a filter listing (its filters by name): a filter the route knows.
local function first_key(t)
  local keys = {}
  for k in pairs(type(t) == "table" and t or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys[1]
end
local function filter_of(listing) return function(_, w) return {filterName = first_key(w.answer(listing))} end end
-- Saved inventory filters: a filter name the filter listing gives, and a value its suggestions
-- give ("For filter names, refer to List Filters API. For filter values, refer to List filter
-- suggestions": FilterModel.filters).
local function inventory_filter(_, w)
  local options = w.answer("get-asset-inventory-v2-filters-and-options") or {}
  local names = {}
  for k, v in pairs(options) do
    if type(v) == "table" and type(v.options) == "table" and v.options[1] ~= nil then names[#names + 1] = k end
  end
  table.sort(names)
  local name = names[1]
  return {filters = list({name = name, operator = "=", value = name and tostring(options[name].options[1])})}
end
-- An anomaly trusted list of IP addresses ("ip", its entries' field ipCIDR: AnomaliesTrustedListEntry) for
-- the anomaly policies GET /anomalies/policies names for that type.
local TRUSTED_TYPE = "ip"
local function trusted_list(_, w)
  local policies = {}
  for id in pairs(w.answer("get-policies-anomalies") or {}) do policies[#policies + 1] = id end
  table.sort(policies)
  return {trustedListType = TRUSTED_TYPE, applicablePolicies = list(policies[1]),
          trustedListEntries = list({ipCIDR = "192.0.2.10/32"})}
end
-- An anomaly policy's settings: the disposition and threshold it has (getAnomaliesSettings).
local function anomaly_settings(_, w)
  local now = w.answer("getAnomaliesSettings") or {}
  return {alertDisposition = now.alertDisposition, trainingModelThreshold = now.trainingModelThreshold}
end
-- Single sign-on. SAML: the identity provider's issuer URI and certificate (SsoConfig). OpenID
-- Connect (OAuth2ConfigDetail): the IdP's endpoints are URLs, scopes as its example gives them
-- ("[openid, email, profile]"), turned on ("isActive: True to enable SSO using OIDC"), which its
-- login URL (get-oidc-login-url) needs.
local function saml() return {identityProvider = "https://idp.example.com/saml/walk", enabled = false,
  certificate = "-----BEGIN CERTIFICATE-----\nMIIBwalk\n-----END CERTIFICATE-----"}
end
local function oauth2() return {clientId = "walk-client", clientSecret = "walk-secret",
  issuer = "https://idp.example.com", idpAuthUri = "https://idp.example.com/oauth2/authorize",
  tokenUri = "https://idp.example.com/oauth2/token", scopes = list("openid", "email", "profile"), isActive = true}
end
local function rrn(_, w) return {rrn = w.find("get-resource-scan-info", "rrn")} end
-- an open alert of a policy with a remediation (post-alerts-v2 lists them)
local function remediable(w)
  return w.find("post-alerts-v2", "id", function(a)
    return a.status == "open" and type(a.policy) == "table" and a.policy.remediable == true
  end)
end
local BODY = {
  ["add-alert-rule"] = alert_rule, ["update-alert-rule"] = alert_rule,
  ["add-aws-cloud-account"] = aws_account, ["update-aws-cloud-account"] = aws_account,
  ["add-azure-cloud-account"] = azure_account, ["update-azure-cloud-account"] = azure_account,
  ["add-gcp-cloud-account"] = gcp_account, ["update-gcp-cloud-account"] = gcp_account,
  ["add-cloud-account"] = alibaba_account, ["update-cloud-account"] = alibaba_account,
  ["get-alert-filter-options"] = filter_of("get-alert-filter-and-options"),
  ["get-asset-inventory-v2-dashboard-filter-options"] = filter_of("get-asset-inventory-v2-filters-and-options"),
  ["get-compliance-posture-filter-options"] = filter_of("get-compliance-posture-filters-and-options"),
  ["get-policy-filter-options"] = filter_of("get-policy-filters-and-options"),
  ["get-report-posture-filter-options"] = filter_of("get-report-filters-and-options"),
  ["create-saml-config"] = saml, ["update-saml-config"] = saml,
  ["create-oauth2-config"] = oauth2, ["update-oauth2-config"] = oauth2,
  ["patch-oauth2-config"] = function() local o = oauth2(); o.scopes = list("openid", "email"); return o end,
  ["addToTrustedList"] = trusted_list, ["updateWhitelist"] = trusted_list, ["updateSettings"] = anomaly_settings,
  ["save-asset-inventory-filter"] = inventory_filter, ["update-saved-asset-inventory-filter"] = inventory_filter,
  ["get-alerts-remediation"] = function(_, w) return {alerts = list(remediable(w))} end,
  ["post-alerts-v2"] = function() return {limit = 5, timeRange = {type = "to_now", value = "epoch"},
    filters = list({name = "policy.remediable", operator = "=", value = "true"},
                   {name = "alert.status", operator = "=", value = "open"})} end,
  ["search-history-manage"] = function() return {name = "walk saved search"} end,
  ["search-config"] = function() return {limit = 1, timeRange = {type = "to_now", value = "epoch"}} end,
  ["search-events"] = function() return {limit = 1} end,
  ["search-config-page"] = function(_, w) return {pageToken = w.find("search-config", "nextPageToken")} end,
  ["search-events-page"] = function(_, w) return {pageToken = w.find("search-events", "nextPageToken")} end,
  ["get-next-permissions-page-with-post"] = function(_, w)
    return {pageToken = w.find("get-permissions-with-post", "nextPageToken")}
  end,
  ["get-permissions-access-with-post"] = function(_, w)
    return {permissionId = w.answer("get-permissions-with-post") and
            w.answer("get-permissions-with-post").data.items[1].id, limit = 1}
  end,
  ["get-next-permissions-access-with-post"] = function(_, w)
    return {pageToken = w.find("get-permissions-access-with-post", "nextPageToken")}
  end,
  ["add-policy"] = policy, ["update-policy"] = policy, ["policy-rule-validate"] = policy,
  ["add-resource-list"] = resource_list, ["update-resource-list"] = resource_list,
  ["add-user-role"] = role, ["update-user-role"] = role,
  ["add-user-v2"] = function(ref) local u = user(ref); u.email = "walk.v2@example.com"; return u end,
  ["add-user-v3"] = function(ref) local u = user(ref); u.email = "walk.v3@example.com"; return u end,
  ["update-my-profile"] = user,
  -- the user the walk made (a user's email does not change)
  ["update-profile-v2"] = function(ref) local u = user(ref); u.email = "walk.v2@example.com"; return u end,
  ["create-collection"] = function() return {name = "walk collection", assetGroups = {accountIds = list("*")}} end,
  ["update-collection-by-id"] = function()
    return {name = "walk collection 2", assetGroups = {accountIds = list("*")}}
  end,
  ["createCreditAllocationRule"] = function(ref) return {accountGroups = list(ref("/cloud/group"))} end,
  -- the rule's id in the body is the path's
  ["updateCreditAllocationRule"] = function(ref, w)
    return {accountGroups = list(ref("/cloud/group")), id = w.args.ruleId}
  end,
  ["dismiss-alerts"] = function(ref) return {alerts = list(ref("/alert")), dismissalNote = "walk"} end,
  ["reopen-alerts"] = function(ref) return {alerts = list(ref("/alert"))} end,
  ["get-alerts-for-resource"] = rrn, ["get-network-for-resource"] = rrn, ["get-resource"] = rrn,
  ["get-resource-raw"] = rrn, ["get-timeline-for-resource"] = rrn,
  ["get-asset-details-by-id"] = function(_, w) return {assetId = w.find("get-resource-scan-info", "rrn")} end,
  -- "The property name is **enabled**. Valid values are **true**, **false**. JSON example: {\"enabled\":false}"
  ["update-login-ip-allow-list-status"] = function() return {enabled = false} end,
  -- a login with the access key the walk was given
  ["app-login"] = function(_, w) return w.credentials or {} end,
  ["insert-login-ip-allow-list"] = function() return {cidr = list("192.0.2.0/24")} end,
  ["update-login-ip-allow-list"] = function() return {cidr = list("198.51.100.0/24")} end,
  -- public blocks apart from the tenant's own (198.51.100.0/24, 203.0.113.0/25, 192.0.2.0/28)
  ["add-cidr-block"] = function() return {cidr = "203.0.113.128/26"} end,
  ["update-cidr-block"] = function() return {cidr = "203.0.113.192/26"} end,
  ["add-section"] = function() return {sectionId = "walk 1.1", description = "made by the catalog walk"} end,
  ["update-section"] = function() return {sectionId = "walk 1.2", description = "made by the catalog walk"} end,
  ["save"] = function() return {features = list({featureName = "alerts", operations = {READ = true}})} end,
  ["update"] = function() return {features = list({featureName = "alerts", operations = {READ = true}})} end,
  ["save-report"] = report, ["update-report"] = report,
  ["create-integration-v1"] = integration, ["test-integration-v1"] = integration,
  ["update-integration-v1"] = integration,
  ["save-integration"] = pull_integration, ["test-integration"] = pull_integration,
  ["update-integration"] = pull_integration,
  ["set-dismissal-note-required"] = function() return {requireDismissalNote = false} end,
  ["update-sso-bypass-allowed-users"] = function() return list("walk@example.com") end,
  ["create-template-v1"] = template, ["test-template-v1"] = template, ["update-template-v1"] = template,
}

-- What an operation's path and query parameters refer to that the collections do not say:
-- operation id -> function(ref, w) -> {parameter name = value}.
local PARAMS = {
  ["add-cloud-account"] = function() return {cloud_type = "alibaba_cloud"} end,
  ["update-cloud-account"] = function() return {cloud_type = "alibaba_cloud", id = ACCOUNT.alibaba_cloud} end,
  ["delete-cloud-account"] = function() return {cloud_type = "alibaba_cloud", id = ACCOUNT.alibaba_cloud} end,
  ["update-aws-cloud-account"] = function() return {id = ACCOUNT.aws} end,
  ["update-azure-cloud-account"] = function() return {account_id = ACCOUNT.azure} end,
  ["update-gcp-cloud-account"] = function() return {id = ACCOUNT.gcp} end,
  ["get-cloud-account"] = function(ref)
    return {cloud_type = (ref("/cloud", "cloudType") or ""):lower(), id = ref("/cloud", "accountId")}
  end,
  ["search-for-alert-by-id"] = function(ref) return {alertId = ref("/alert")} end,
  ["license-usage-count-by-cloud-paginated_1"] = function() return {cloud_type = "aws"} end,
  ["perform-remediation-for-alert"] = function(_, w) return {id = remediable(w)} end,
  ["search-events-raw"] = function(_, w)
    return {id = w.find("search-events", "id", function(e) return e.eventTs end)}
  end,
  -- a recent search (a saved search of the system's own is read-only)
  ["search-history-manage"] = function(_, w) return {id = (w.answer("search-config") or {}).id} end,
  ["search-history-delete"] = function(_, w) return {id = (w.answer("search-config") or {}).id} end,
  -- anomalies of a type ("Network, UEBA, DNS", the parameter's example), policies of a trusted list
  -- type, an anomaly policy's id (the settings of all: {policy id = settings})
  ["getAllAnomaliesSettings"] = function() return {type = "Network"} end,
  ["get-policies-anomalies"] = function() return {trustedListType = TRUSTED_TYPE} end,
  ["getAnomaliesSettings"] = function(_, w) return {policyid = first_key(w.answer("getAllAnomaliesSettings"))} end,
  ["updateSettings"] = function(_, w) return {policyid = first_key(w.answer("getAllAnomaliesSettings"))} end,
  -- the type of the Pull integrations to name
  ["get-all-integrations-metadata"] = function() return {type = "TENABLE"} end,
  -- an onboarded AWS account (the Security Hub accounts: {account id = name})
  ["get-security-hub-region-by-account-id-v1"] = function(_, w)
    return {accountId = first_key(w.answer("get-security-hub-accounts-v1"))}
  end,
}
PARAMS["patch-cloud-account"] = PARAMS["get-cloud-account"]

-- Minimal valid arguments of operation id: required parameters and a body with what is required.
-- chosen: values of path parameters; ref(collection[, field]): an id (or a field) of an item of
-- a collection the walk has seen; w: what the walk has seen (see M.run), for BODY and PARAMS.
function M.args_of(id, chosen, ref, w)
  local op = schema.operation(id)
  local args = {}
  ref = ref or function() return nil end
  w = w or {answer = function() return nil end, find = function() return nil end, ref = ref}
  local given = PARAMS[id] and PARAMS[id](ref, w) or {}
  for _, p in ipairs(op.params and op.params.path or {}) do
    args[p.name] = given[p.name] or chosen and chosen[p.name]
      or synth.param(p.schema, {path = id .. "/" .. p.name, name = p.name})
  end
  for _, p in ipairs(op.params and op.params.query or {}) do
    if p.required or given[p.name] ~= nil then
      args.query = args.query or {}
      args.query[p.name] = given[p.name] or (not p.schema.enum and HINTS[p.name])
        or synth.param(p.schema, {path = id .. "?" .. p.name, name = p.name, mode = "request"})
    end
  end
  for _, p in ipairs(op.params and op.params.header or {}) do
    if p.required and p.name:lower() ~= "x-redlock-auth" then
      args.headers = args.headers or {}
      args.headers[p.name] = synth.param(p.schema, {path = id .. "#" .. p.name, name = p.name})
    end
  end
  w.args = args
  if op.body then
    local c = op.body.content[1]
    local body = c and c.schema and synth.value(c.schema, {path = id, mode = "request", minimal = true})
    if body == nil or body == json.null then body = {} end
    if c and c.schema then hint(body, c.schema, {id = id, path = operations[id].path}, 0) end
    if BODY[id] then
      local fix = BODY[id](ref, w)
      if getmetatable(fix) == json.array_mt then body = fix end
      for k, v in pairs(fix) do body[k] = v end
    end
    args.body = body
  end
  return args
end

-- A body that breaks the schema: the first required property left out (and its name), or nil
-- when none is. base: the body to leave it out of (a copy is changed), by default the minimal
-- one the schema makes. A property the reference marks required but whose absence its own
-- defects explain (prismacloud.schema.defects: a partial update, a field the operation ignores)
-- is not left out.
function M.broken_body(id, base)
  local op = schema.operation(id)
  local c = op.body and op.body.content[1]
  if not (c and c.schema) then return nil end
  local props, required = synth.properties_of(c.schema, {}, {})
  local names = {}
  for k in pairs(required) do
    local waived = defects.explain(id, {where = "body", pointer = "",
      message = ("missing required property '%s'"):format(k)}, {side = "request"})
    if not (props[k] and props[k].readOnly) and not waived then names[#names + 1] = k end
  end
  table.sort(names)
  if not names[1] then return nil end
  local body = synth.value(c.schema, {path = id, mode = "request", minimal = true})
  if base ~= nil then
    if type(base) ~= "table" or getmetatable(base) == json.array_mt then return nil end
    body = {}
    for k, v in pairs(base) do body[k] = v end
  end
  if type(body) ~= "table" then return nil end
  body[names[1]] = nil
  return body, names[1]
end

-- The walk's order: what takes no path parameter first (reads, then writes), then the rest
-- (reads, then writes), deletes last: what the first answers name, the later ones use. Among
-- reads, a listing (a path that ends with a name) before an item; deletes the deepest first (a
-- section before its requirement, a requirement before its standard).
local RANK = {GET = 1, HEAD = 1, POST = 2, PUT = 3, PATCH = 3, DELETE = 9}

local function params_of(id)
  local op = operations[id]
  return op.params and op.params.path and #op.params.path or 0
end

-- The listing of each collection: path -> the id of its GET.
local LISTING = {}
for id, op in pairs(operations) do
  if op.method == "GET" then LISTING[op.path] = id end
end

-- The operations whose answers or effects an operation needs (BODY, PARAMS, or what it reads): it
-- comes after them (among the operations of its rank, or of theirs when later).
local NEEDS = {
  -- a configuration read or used once made
  ["get-oauth2-config"] = {"create-oauth2-config"}, ["get-oidc-login-url"] = {"create-oauth2-config"},
  ["get-permissions-access-with-post"] = {"get-permissions-with-post"},
  ["get-next-permissions-page-with-post"] = {"get-permissions-with-post"},
  ["get-next-permissions-access-with-post"] = {"get-permissions-access-with-post"},
  ["get-alerts-remediation"] = {"post-alerts-v2"},
}

local function level(id)
  local n = 0
  for _, other in ipairs(NEEDS[id] or {}) do n = math.max(n, level(other) + 1) end
  return n
end

--- Every catalog id in the walk's order.
function M.order()
  local ids = {}
  for id in pairs(operations) do ids[#ids + 1] = id end
  local function rank(id)
    local r = RANK[operations[id].method] or 5
    r = r == 9 and r or r + (params_of(id) > 0 and 4 or 0)
    for _, other in ipairs(NEEDS[id] or {}) do r = math.max(r, rank(other)) end
    return r
  end
  local function item(id) return operations[id].path:find("}$") and 1 or 0 end
  local function depth(id) return select(2, operations[id].path:gsub("/", "")) end
  table.sort(ids, function(a, b)
    if rank(a) ~= rank(b) then return rank(a) < rank(b) end
    if rank(a) == 9 and depth(a) ~= depth(b) then return depth(a) > depth(b) end
    if level(a) ~= level(b) then return level(a) < level(b) end
    if params_of(a) ~= params_of(b) then return params_of(a) < params_of(b) end
    if item(a) ~= item(b) then return item(a) < item(b) end
    return a < b
  end)
  return ids
end

-- Operations the walk does not yet send a valid request: id = true, with a comment on the route
-- that refuses them and why. spec/catalog_walk_spec.lua allows these (and only these) a refusal.
-- None now: every operation answers a 2xx; keep it so.
M.PENDING = {}

--- Walks every operation: a list of {id, body, err, status, route (X-Emulator-Route), ok (a 2xx)}.
-- login: the body of a login (its prismaId fills {prismaId}). each(result), when given, sees
-- each result as it comes (after the call, before the next). call(id, args) -> body | nil, err
-- replaces client:call when given. credentials: {username =, password =}, the access key the
-- walk logs in with (app-login) when given. opts.broken(r), when given: for each operation whose
-- body has a required property, right before its valid call, the walk makes the same call (the
-- same valid path, query and headers) with that body less its first required property
-- (M.broken_body), and gives opts.broken {id, missing (the property), body, err, status, route,
-- ok} before the valid call; a refused request leaves the emulator as it was.
function M.run(client, login, each, call, credentials, opts)
  opts = opts or {}
  call = call or function(id, args) return client:call(id, args) end
  local pool, out = {}, {}
  remember(pool, "/login", "listed", {{id = login.customerNames[1].prismaId, item = login.customerNames[1]}})
  local function ref(where, field)
    local c = pool[where]
    return c and (value_of(c.listed[1], field) or value_of(c.made[1], field))
  end
  -- w: the answers so far. w.answer(id): operation id's last 2xx answer; w.find(id, key, test):
  -- the first value of key (not an object) in it, at any depth, in an object that passes test.
  local answers = {}
  local w = {ref = ref, answer = function(id) return answers[id] end, credentials = credentials}
  function w.find(id, key, test)
    local function walk_in(v, depth)
      if type(v) ~= "table" or depth > 6 then return nil end
      local x = v[key]
      if x ~= nil and type(x) ~= "table" and (not test or test(v)) then return x end
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b)
        if type(a) ~= type(b) then return type(a) == "number" end
        return a < b
      end)
      for _, k in ipairs(keys) do
        local found = walk_in(v[k], depth + 1)
        if found ~= nil then return found end
      end
      return nil
    end
    return walk_in(answers[id], 0)
  end
  for _, id in ipairs(M.order()) do
    local op = {id = id, method = operations[id].method, path = operations[id].path}
    local path = {}
    for _, p in ipairs(operations[id].params and operations[id].params.path or {}) do
      path[p.name] = pick(pool, op, p.name)
    end
    local args = M.args_of(id, path, ref, w)
    if opts.broken and args.body ~= nil then
      local broken, missing = M.broken_body(id, args.body)
      if broken then
        local bad = {}
        for k, v in pairs(args) do bad[k] = v end
        bad.body = broken
        local answer, e = call(id, bad)
        local res = client:last_response() or {headers = {}}
        opts.broken{id = id, missing = missing, body = answer, err = e, status = res.status,
                    route = res.headers["x-emulator-route"], ok = answer ~= nil}
      end
    end
    local body, err = call(id, args)
    local last = client:last_response() or {headers = {}}
    local r = {id = id, body = body, err = err, status = last.status, route = last.headers["x-emulator-route"],
               ok = body ~= nil}
    out[#out + 1] = r
    if each then each(r) end
    if body then
      answers[id] = body
      if op.method == "GET" and not op.path:find("}$") then
        local ids = {}
        for _, item in ipairs(items_of(body)) do
          local v = id_of(item, op.path)
          if v or type(item) == "table" then ids[#ids + 1] = {id = v, item = item} end
        end
        remember(pool, op.path, "listed", ids)
      elseif op.method == "POST" and not op.path:find("}$") then
        local made, item = id_of(body, op.path), type(body) == "table" and body or nil
        if not made and LISTING[op.path] then
          -- a creation that answers no id: the listing names what the walk made (by the name,
          -- email or section id it sent; else the one item it did not list before)
          local sent = type(args.body) == "table" and args.body or {}
          local known, new = {}, nil
          for _, kind in ipairs{"listed", "made"} do
            for _, e in ipairs(pool[collection(op.path)] and pool[collection(op.path)][kind] or {}) do
              if e.id then known[e.id] = true end
            end
          end
          for _, x in ipairs(items_of(call(LISTING[op.path], M.args_of(LISTING[op.path], path)))) do
            for _, k in ipairs{"name", "email", "sectionId"} do
              if type(x) == "table" and sent[k] ~= nil and x[k] == sent[k] then made, item = id_of(x, op.path), x end
            end
            local v = id_of(x, op.path)
            if v and not known[tostring(v)] and not new then new = {id = v, item = x} end
          end
          if not made and new then made, item = new.id, new.item end
        end
        if made or item then remember(pool, op.path, "made", {{id = made, item = item}}) end
      elseif op.method == "DELETE" then
        -- what the delete named: its last path parameter (those before name where it lives)
        local last_name = op.path:match("{([^}]*)}$")
        if last_name and path[last_name] then forget(pool, path[last_name]) end
      end
    end
  end
  return out
end

return M
