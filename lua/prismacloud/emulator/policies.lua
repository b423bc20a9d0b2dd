-- prismacloud.emulator.policies: the policy family (Policy.json).
--
--   GET /policy, GET /v2/policy         lists, with the documented filters
--   GET /policy/{id}                    one policy (404 no_results)
--   POST /policy                        create (400 with an i18nKey on bad input)
--   PUT /policy/{id}                    update
--   DELETE /policy/{id}                 delete (204; 403 for built-in policies)
--   PATCH /policy/{id}/status/{enabled} enable or disable
--   GET /policy/compliance              standard name -> its sections (the mapping policies use)
--   POST /policy/rule/validate          pre-validates a rule (200; 400 with an i18nKey)
--   GET, POST /filter/policy/suggest    the policy filters and their options
--
-- The built-in policies are generated per world (data.lua); alerts refer to
-- them by id and show their current version. Stored policies are never
-- edited in place: an update stores a new table.
local alerts = require "prismacloud.emulator.alerts"
local api = require "prismacloud.emulator.api"
local json = require "prismacloud.json"
local data = require "prismacloud.emulator.data"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

local POLICY_TYPES = {
  config = true, network = true, audit_event = true, anomaly = true, data = true, iam = true,
  workload_vulnerability = true, workload_incident = true, api = true, attack_path = true,
  malware = true, grayware = true,
}
local SEVERITIES = {critical = true, high = true, medium = true, low = true, informational = true}
local RULE_TYPES = {Config = true, Network = true, AuditEvent = true, DLP = true, IAM = true, NetworkConfig = true}
local CLOUD_TYPES = {ALL = true, AWS = true, AZURE = true, GCP = true, ALIBABA_CLOUD = true, OCI = true, IBM = true}

-- Array-valued fields: an empty or missing one must be sent as [].
local ARRAY_FIELDS = {"labels", "complianceMetadata", "policySubTypes", "findingTypes"}

-- Open alert counts per policy id (one scan of all alerts per generation).
local function open_counts(st)
  local key = "open-by-policy"
  local counts = st.counts[key]
  if counts then return counts end
  counts = {}
  local w = st.world
  for i = 1, w.alert_count do
    local _, pidx, _, _, status = alerts.core(st, i)
    if status == "open" then counts[pidx] = (counts[pidx] or 0) + 1 end
  end
  local by_id = {}
  for pidx, p in ipairs(w.policies) do by_id[p.policyId] = counts[pidx] or 0 end
  st.counts[key] = by_id
  return by_id
end

-- A policy as a response (a copy; v1 listings add openAlertsCount).
local function view(p, open)
  local out = api.copy(p)
  if open then out.openAlertsCount = open[p.policyId] or 0 end
  return out
end

-- Filters of GET /policy and /v2/policy.
local function matches(p, req)
  local function eq(name, get, lower)
    local values = api.query_all(req, name)
    if #values == 0 then return true end
    local have = get(p)
    for _, v in ipairs(values) do
      if lower then
        if tostring(have):lower() == v:lower() then return true end
      elseif tostring(have) == v then
        return true
      end
    end
    return false
  end
  local function label(x)
    for _, l in ipairs(x.labels or {}) do
      for _, v in ipairs(api.query_all(req, "policy.label")) do
        if l == v then return true end
      end
    end
    return #api.query_all(req, "policy.label") == 0
  end
  local function standard(x)
    local wanted = api.query_all(req, "policy.complianceStandard")
    if #wanted == 0 then return true end
    for _, c in ipairs(x.complianceMetadata or {}) do
      for _, v in ipairs(wanted) do
        if c.standardName == v then return true end
      end
    end
    return false
  end
  -- Requirement (by name or id) and section (by id) of any compliance entry.
  local function compliance_part(x, name, fields)
    local wanted = api.query_all(req, name)
    if #wanted == 0 then return true end
    for _, c in ipairs(x.complianceMetadata or {}) do
      for _, v in ipairs(wanted) do
        for _, f in ipairs(fields) do
          if c[f] == v then return true end
        end
      end
    end
    return false
  end
  local allow_deleted = api.query(req, "policy.allowDeleted") == "true"
  return (allow_deleted or not p.deleted)
    and eq("policy.name", function(x) return x.name end)
    and eq("policy.severity", function(x) return x.severity end, true)
    and eq("policy.type", function(x) return x.policyType end, true)
    and eq("policy.enabled", function(x) return x.enabled end, true)
    and eq("policy.remediable", function(x) return x.remediable end, true)
    and eq("policy.policyMode", function(x) return x.policyMode end)
    and eq("policy.id", function(x) return x.policyId end)
    and eq("cloud.type", function(x) return x.cloudType end, true)
    and label(p) and standard(p)
    and compliance_part(p, "policy.complianceRequirement", {"requirementName", "requirementId"})
    and compliance_part(p, "policy.complianceSection", {"sectionId"})
end

-- Validates a create/update body; nil, or an error response.
local function validate(req, body)
  local function missing(field)
    return api.fail(req, 400, "missing_required_parameter", field, field .. " is required")
  end
  local function invalid(field)
    return api.fail(req, 400, "invalid_parameter_value", field, "bad value for " .. field)
  end
  if body.name == nil or body.name == json.null or body.name == "" then return missing("name") end
  if type(body.name) ~= "string" then return invalid("name") end
  if body.policyType == nil or body.policyType == json.null then return missing("policyType") end
  if not POLICY_TYPES[body.policyType] then return invalid("policyType") end
  if body.severity == nil or body.severity == json.null then return missing("severity") end
  if not SEVERITIES[body.severity] then return invalid("severity") end
  if body.cloudType ~= nil and not CLOUD_TYPES[tostring(body.cloudType):upper()] then return invalid("cloudType") end
  local rule = body.rule
  if rule == nil or rule == json.null then return missing("rule") end
  if type(rule) ~= "table" or getmetatable(rule) == json.array_mt then return invalid("rule") end
  if type(rule.name) ~= "string" or rule.name == "" then return missing("rule.name") end
  if type(rule.criteria) ~= "string" or rule.criteria == "" then return missing("rule.criteria") end
  if rule.type == nil then return missing("rule.type") end
  if not RULE_TYPES[rule.type] then return invalid("rule.type") end
  if rule.parameters ~= nil and type(rule.parameters) ~= "table" then return invalid("rule.parameters") end
  for _, k in ipairs(ARRAY_FIELDS) do
    local v = body[k]
    if v ~= nil and v ~= json.null and (type(v) ~= "table" or (next(v) ~= nil and v[1] == nil)) then
      return invalid(k)
    end
  end
  if body.remediation ~= nil and body.remediation ~= json.null and body.policyType ~= "config" then
    return api.fail(req, 400, "remediation_allowed_only_for_config_policies", "remediation")
  end
  return nil
end

-- True when another (not deleted) policy has this name.
local function name_taken(st, name, except_id)
  for _, p in ipairs(st.policies:list()) do
    if p.name == name and p.policyId ~= except_id and not p.deleted then return true end
  end
  return false
end

-- A stored policy from a validated body; base: the policy it replaces.
local function from_body(body, base, req, id, now)
  local p = api.deep_copy(body)
  for _, k in ipairs(ARRAY_FIELDS) do
    local v = p[k]
    p[k] = (type(v) == "table") and setmetatable(v, json.array_mt) or array{}
  end
  p.policyId = id
  p.cloudType = p.cloudType and tostring(p.cloudType):upper() or (base and base.cloudType) or "ALL"
  p.rule.parameters = p.rule.parameters or {}
  p.rule.cloudType = p.rule.cloudType or p.cloudType
  if p.enabled == nil then p.enabled = base == nil and true or base.enabled end
  local user = api.user_of(req)
  p.createdBy = base and base.createdBy or user
  p.createdOn = base and base.createdOn or now
  p.lastModifiedBy, p.lastModifiedOn = user, now
  p.ruleLastModifiedOn = now
  p.systemDefault = base and base.systemDefault or false
  p.policyMode = base and base.policyMode or "custom"
  p.policyCategory = p.policyCategory or "risk"
  p.policyClass = p.policyClass or "default"
  p.deleted, p.overridden, p.readOnly = false, base ~= nil and base.systemDefault or false, false
  p.remediable = p.remediation ~= nil and p.remediation ~= json.null
  if p.restrictAlertDismissal == nil then p.restrictAlertDismissal = false end
  p.owner = base and base.owner or user
  p.policyUpi = base and base.policyUpi or nil
  p.description = p.description or ""
  p.recommendation = p.recommendation or ""
  p.openAlertsCount = nil
  return p
end

-- GET /policy/compliance: standard name -> array of its sections as compliance metadata.
local function compliance_mapping(w)
  local out = {}
  for _, std in ipairs(w.standards) do
    local list = array{}
    for _, r in ipairs(std.requirements) do
      for _, sec in ipairs(r.sections) do
        list[#list + 1] = {
          complianceId = sec.id, standardId = std.id, standardName = std.name,
          standardDescription = std.description, requirementId = r.requirementId, requirementName = r.name,
          requirementDescription = r.description, sectionId = sec.sectionId, sectionLabel = sec.label,
          sectionDescription = sec.description, customAssigned = false,
        }
      end
    end
    out[std.name] = list
  end
  return out
end

-- The RQL a rule of each policy type must start with (POST /policy/rule/validate).
local VALIDATE_PREFIX = {config = "config from", network = "network from", audit_event = "event from",
                         iam = "config from iam"}

-- Validates {policyType, rule}: nil, or an error response.
local function validate_rule(req, body)
  local rule = body.rule
  if type(body.policyType) ~= "string" then
    return api.fail(req, 400, "missing_required_parameter", "policyType", "policyType is required")
  end
  if type(rule) ~= "table" or type(rule.criteria) ~= "string" or rule.criteria == "" then
    return api.fail(req, 400, "missing_required_parameter", "rule.criteria", "rule.criteria is required")
  end
  local prefix = VALIDATE_PREFIX[body.policyType]
  local rql = rule.criteria:lower():gsub("%s+", " ")
  if not prefix or rql:sub(1, #prefix) ~= prefix then
    return api.fail(req, 400, "invalid_search_type_for_policy", body.policyType,
      "the query does not fit policy type " .. body.policyType)
  end
  if not rql:find(" where ", 1, true) then
    return api.fail(req, 400, "insufficient_query_for_policy_creation", "rule.criteria",
      "a policy query needs a where clause")
  end
  return nil
end

-- The options of each policy filter (GET /filter/policy/suggest), from the current policies.
local function filter_options(st)
  local sets = {["policy.severity"] = {}, ["policy.type"] = {}, ["cloud.type"] = {}, ["policy.label"] = {},
                ["policy.complianceStandard"] = {}, ["policy.name"] = {}, ["policy.policyMode"] = {},
                ["policy.enabled"] = {["true"] = true, ["false"] = true},
                ["policy.remediable"] = {["true"] = true, ["false"] = true}}
  for _, p in ipairs(st.policies:list()) do
    sets["policy.severity"][p.severity] = true
    sets["policy.type"][p.policyType] = true
    sets["cloud.type"][tostring(p.cloudType):lower()] = true
    sets["policy.name"][p.name] = true
    sets["policy.policyMode"][p.policyMode] = true
    for _, l in ipairs(p.labels or {}) do sets["policy.label"][l] = true end
    for _, c in ipairs(p.complianceMetadata or {}) do sets["policy.complianceStandard"][c.standardName] = true end
  end
  local out = {}
  for name, set in pairs(sets) do
    local options = api.sorted_keys(set)
    out[name] = options
  end
  return out
end

local function register_extras(router, app)
  router:add("GET", "/policy/compliance", function()
    return api.json(200, compliance_mapping(app.state.world))
  end)

  router:add("POST", "/policy/rule/validate", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    return validate_rule(req, body) or api.empty(200)
  end)

  router:add("GET", "/filter/policy/suggest", function()
    local out = {}
    for name, options in pairs(filter_options(app.state)) do
      out[name] = {options = options, staticFilter = name == "policy.severity" or name == "policy.type"
        or name == "policy.enabled" or name == "policy.remediable" or name == "cloud.type"}
    end
    return api.json(200, out)
  end)

  router:add("POST", "/filter/policy/suggest", function(req)
    local out, bad = api.suggest(req, filter_options(app.state))
    if not out then return bad end
    return api.json(200, {suggestions = out, valid = true, translate = false, needsOffsetUpdate = false,
                          offset = 0, queryRemainder = ""})
  end)
end

function M.register(router, app)
  register_extras(router, app)
  local function list_route(path, with_counts)
    router:add("GET", path, function(req)
      local st = app.state
      local open = with_counts and open_counts(st) or nil
      local out = array{}
      for _, p in ipairs(st.policies:list()) do
        if matches(p, req) then out[#out + 1] = view(p, open) end
      end
      return api.json(200, out)
    end)
  end
  list_route("/policy", true)
  list_route("/v2/policy", false)

  router:add("GET", "/policy/:id", function(req, params)
    local p = app.state.policies.by_id[params.id]
    if not p then return api.fail(req, 404, "no_results", params.id, "no policy " .. params.id) end
    return api.json(200, view(p))
  end)

  router:add("POST", "/policy", function(req)
    local st = app.state
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = validate(req, body)
    if err then return err end
    if name_taken(st, body.name) then return api.fail(req, 400, "duplicate_name", body.name, "duplicate name") end
    st.next_policy = (st.next_policy or 0) + 1
    local id = data.uuid(st.world.seed, 1000 + data.SALT.policy, st.next_policy)
    local p = from_body(body, nil, req, id, api.now_ms())
    st.policies:put(id, p)
    state_mod.touch(st)
    return api.json(200, view(p))
  end)

  router:add("PUT", "/policy/:id", function(req, params)
    local st = app.state
    local base = st.policies.by_id[params.id]
    if not base then return api.fail(req, 404, "not_found", params.id, "no policy " .. params.id) end
    local body, bad = api.body(req, true)
    if not body then return bad end
    if body.policyId ~= nil and body.policyId ~= params.id then
      return api.fail(req, 400, "policy_id_cannot_be_changed", "policyId")
    end
    local err = validate(req, body)
    if err then return err end
    if body.policyType ~= base.policyType then return api.fail(req, 400, "type_cannot_be_changed", "policyType") end
    if name_taken(st, body.name, params.id) then
      return api.fail(req, 400, "duplicate_name", body.name, "duplicate name")
    end
    local p = from_body(body, base, req, params.id, api.now_ms())
    st.policies:put(params.id, p)
    state_mod.touch(st)
    return api.json(200, view(p))
  end)

  router:add("DELETE", "/policy/:id", function(req, params)
    local st = app.state
    local p = st.policies.by_id[params.id]
    if not p then return api.fail(req, 404, "no_results", params.id, "no policy " .. params.id) end
    if p.systemDefault then return api.fail(req, 403, "cannot_delete_default_policy", params.id) end
    st.policies:delete(params.id)
    state_mod.touch(st)
    return api.empty(204)
  end)

  router:add("PATCH", "/policy/:id/status/:enabled", function(req, params)
    local st = app.state
    local enabled = api.bool(params.enabled)
    if enabled == nil or enabled == "bad" then return api.fail(req, 400, "invalid_parameter_value", "enabled") end
    local p = st.policies.by_id[params.id]
    if not p then return api.fail(req, 404, "not_found", params.id, "no policy " .. params.id) end
    local copy = api.copy(p)
    copy.enabled = enabled
    copy.lastModifiedBy, copy.lastModifiedOn = api.user_of(req), api.now_ms()
    st.policies:put(params.id, copy)
    state_mod.touch(st)
    return api.empty(200)
  end)
end

return M
