-- prismacloud.emulator.settings: tenant settings (Settings.json), anomaly policy settings and
-- trusted lists (AnomaliesMicroService.json), single sign-on; and the store of all of them that
-- trusted_ips.lua serves too (its networks and login IP allow lists are seeded here, and take
-- their ids from the counter OIDC configurations use).
--
--   GET|POST /settings/enterprise
--   GET /anomalies/settings?type=, GET|POST /anomalies/settings/{policyid}
--   GET|POST /anomalies/trusted_list, GET|POST|DELETE /anomalies/trusted_list/{id},
--   GET /anomalies/trusted_list/types, GET /anomalies/policies?trustedListType=
--   GET|POST|PUT /authn/v1/saml/config, GET|POST|PUT|PATCH /authn/api/v1/oauth2/config,
--   GET /authn/api/v1/oauth2/login (PermissionGroupsMicroService.json)
--
-- Errors as documented. Enterprise settings: a field of the wrong type is
-- 400 bad_request. Anomalies: 400 missing_required_parameter /
-- invalid_parameter_value for a missing or unknown type, policy, value or
-- trusted list (a trusted list's entries must carry the field of its type:
-- ipCIDR for "ip", domain for "domain", ...; its policies must be anomaly
-- policies its type applies to). Single sign-on: the
-- reference names only "Client error" (400), so a bad or missing field is
-- 400 missing_required_parameter / invalid_parameter_value, creating a
-- configuration twice or changing one that does not exist 400
-- invalid_parameter_value, reading an absent OIDC configuration 400
-- not_found. An OIDC client secret is write-only: kept as
-- clientSecretIsBlank, never answered. Writes without a documented body
-- answer 200 (OIDC: 201 with the id, 204) without one.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local SALT = 320

-- Anomaly policies per type: {name, description}.
M.ANOMALY_POLICIES = {
  UEBA = {{"Unusual user activity", "A user performs activity unusual for them"},
          {"Excessive login failures", "Many failed logins for one user"},
          {"Activity from unusual location", "A user acts from a location never seen before"},
          {"Account hijacking attempts", "Logins from places too far apart in too short a time"}},
  Network = {{"Port scan activity (external)", "An external host probes many ports"},
             {"Port sweep activity", "A host probes one port on many hosts"},
             {"Spambot activity", "A host sends mail like a spam bot"},
             {"Unusual server port activity", "Traffic on a port a server never used"}},
  DNS = {{"DGA domain lookups", "Lookups of generated domain names"},
         {"DNS tunneling", "Data carried in DNS queries"}},
}
M.ANOMALY_TYPES = {"UEBA", "Network", "DNS"}
local DISPOSITIONS = {
  Aggressive = "More alerts, more false positives", Moderate = "A balance of alerts and precision",
  Conservative = "Fewer alerts, only the most certain",
}
local THRESHOLDS = {
  Low = "Learns for a short time before alerting", Medium = "Learns for a few weeks",
  High = "Learns for longest before alerting",
}

M.SEVERITIES = {"informational", "low", "medium", "high", "critical"}

--------------------------------------------------------------------------
-- The store.
--------------------------------------------------------------------------

-- Trusted list types: the entry field each needs and the anomaly types it applies to.
M.TRUSTED_TYPES = {
  ip = {"ipCIDR", {"Network", "UEBA"}, "IP addresses or CIDR blocks"},
  resource = {"resourceID", {"Network"}, "Cloud resources by id"},
  image = {"imageID", {"Network"}, "Machine images by id"},
  tag = {"tagKey", {"Network"}, "Resources carrying a tag"},
  service = {"service", {"Network"}, "Network services"},
  port = {"port", {"Network"}, "Ports"},
  subject = {"subject", {"UEBA"}, "Users and roles"},
  domain = {"domain", {"DNS"}, "Domain names"},
  protocol = {"protocol", {"Network"}, "Protocols"},
}
M.TRUSTED_FIELDS = {"ipCIDR", "resourceID", "imageID", "tagKey", "tagValue", "service", "port", "subject",
                    "domain", "protocol"}
M.FIRST_TRUSTED_ID = 201

-- The anomaly policies of world w, each with the default disposition and threshold.
local function seed_anomalies(w)
  local policies = state_mod.new_store()
  local k = 0
  for _, kind in ipairs(M.ANOMALY_TYPES) do
    for _, p in ipairs(M.ANOMALY_POLICIES[kind]) do
      k = k + 1
      local id = data.uuid(w.seed, SALT, k)
      policies:put(id, {id = id, type = kind, policyName = p[1], policyDescription = p[2],
                        alertDisposition = "Moderate", trainingModelThreshold = "Medium"})
    end
  end
  return policies
end

-- The settings store of the state (seeded on first use): enterprise settings, anomaly policies and
-- trusted lists, the trusted IPs' networks and login lists, and the id counter (next_id) that
-- OIDC configurations and the trusted IPs share.
local function store(app)
  local st = app.state
  if st.settings then return st.settings end
  local w = st.world
  local at = w.anchor_ms - 45 * data.DAY_MS
  local n = 0
  local function id()
    n = n + 1
    return data.uuid(w.seed, SALT + 1, n)
  end
  local networks = state_mod.new_store()
  for _, net in ipairs{{"Corporate HQ", {{"198.51.100.0/24", "HQ office"}, {"203.0.113.0/25", "HQ guests"}}},
                       {"VPN egress", {{"192.0.2.0/28", "VPN concentrators"}}}} do
    local cidrs = {}
    for _, c in ipairs(net[2]) do
      cidrs[#cidrs + 1] = {uuid = id(), cidr = c[1], description = c[2], createdOn = at}
    end
    local uuid = id()
    networks:put(uuid, {uuid = uuid, name = net[1], cidrs = cidrs})
  end
  local logins = state_mod.new_store()
  local lid = id()
  logins:put(lid, {id = lid, name = "Corporate", description = "Office and VPN", cidr = {"198.51.100.0/24"},
                   lastModifiedTs = at})
  local trusted = state_mod.new_store()
  local anomalies = seed_anomalies(w)
  local port_scan = anomalies.order[5] -- "Port scan activity (external)"
  trusted:put(M.FIRST_TRUSTED_ID, {
    id = M.FIRST_TRUSTED_ID, name = "Vulnerability scanner", description = "Our scanner probes every port",
    trustedListType = "ip", applicablePolicies = {port_scan}, accountID = "any", vpc = "any",
    trustedListEntries = {{ipCIDR = "198.51.100.7/32"}}, createdBy = "Prisma Cloud System Admin", createdOn = at,
    modifiedBy = "Prisma Cloud System Admin", modifiedOn = at,
  })
  st.settings = {
    enterprise = {
      accessKeyMaxValidity = -1, alarmEnabled = false, applyDefaultPoliciesEnabled = false,
      auditLogSiemIntgrIds = array{}, auditLogsEnabled = false, autoEnableAttackPathAndModulePolicies = false,
      defaultPoliciesEnabled = {informational = false, low = false, medium = true, high = true, critical = true},
      namedUsersAccessKeysExpiryNotificationsEnabled = false, notificationThresholdAccessKeysExpiry = 7,
      requireAlertDismissalNote = true, serviceUsersAccessKeysExpiryNotificationsEnabled = false,
      sessionTimeout = 30, userAttributionInNotification = false,
    },
    anomalies = anomalies, networks = networks, logins = logins, login_enabled = false,
    next_id = id, trusted = trusted, next_trusted = M.FIRST_TRUSTED_ID + 1,
  }
  return st.settings
end
M.store = store

--------------------------------------------------------------------------
-- Enterprise settings.
--------------------------------------------------------------------------

-- Field -> kind: "boolean", "integer", "severity map", "string list".
local ENTERPRISE = {
  accessKeyMaxValidity = "integer", alarmEnabled = "boolean", applyDefaultPoliciesEnabled = "boolean",
  auditLogSiemIntgrIds = "string list", auditLogsEnabled = "boolean",
  autoEnableAttackPathAndModulePolicies = "boolean", defaultPoliciesEnabled = "severity map",
  namedUsersAccessKeysExpiryNotificationsEnabled = "boolean", notificationThresholdAccessKeysExpiry = "integer",
  requireAlertDismissalNote = "boolean", serviceUsersAccessKeysExpiryNotificationsEnabled = "boolean",
  sessionTimeout = "integer", userAttributionInNotification = "boolean",
}

-- Whether v is a valid value of an enterprise setting of that kind.
local function valid_setting(kind, v)
  if kind == "boolean" then return type(v) == "boolean" end
  if kind == "integer" then return math.type(v) == "integer" end
  if type(v) ~= "table" then return false end
  if kind == "string list" then
    for k, x in pairs(v) do
      if math.type(k) ~= "integer" or type(x) ~= "string" then return false end
    end
    return true
  end
  for sev, on in pairs(v) do
    local known = false
    for _, s in ipairs(M.SEVERITIES) do known = known or s == sev end
    if not known or type(on) ~= "boolean" then return false end
  end
  return true
end

-- The routes of the enterprise settings.
local function enterprise_routes(router, app)
  router:add("GET", "/settings/enterprise", function()
    return api.json(200, store(app).enterprise)
  end)

  router:add("POST", "/settings/enterprise", function(req)
    local s = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    for k, v in pairs(b) do
      local kind = ENTERPRISE[k]
      if not kind or not valid_setting(kind, v) then return api.fail(req, 400, "bad_request", tostring(k)) end
    end
    if b.sessionTimeout ~= nil and b.sessionTimeout < 1 then
      return api.fail(req, 400, "bad_request", "sessionTimeout")
    end
    local new = api.deep_copy(s.enterprise)
    for k, v in pairs(b) do
      if k == "defaultPoliciesEnabled" then
        for sev, on in pairs(v) do new.defaultPoliciesEnabled[sev] = on end
      elseif k == "auditLogSiemIntgrIds" then
        new[k] = array(api.copy(v))
      else
        new[k] = v
      end
    end
    s.enterprise = new
    return api.empty(200)
  end)
end

--------------------------------------------------------------------------
-- Anomaly settings.
--------------------------------------------------------------------------

-- An anomaly policy's settings as the API answers them.
local function anomaly_view(p)
  return {policyName = p.policyName, policyDescription = p.policyDescription, alertDisposition = p.alertDisposition,
          trainingModelThreshold = p.trainingModelThreshold, alertDispositionDescription = DISPOSITIONS,
          trainingModelDescription = THRESHOLDS}
end

-- The routes of the anomaly policies' settings.
local function anomaly_routes(router, app)
  router:add("GET", "/anomalies/settings", function(req)
    local kind = api.query(req, "type")
    if kind == nil or kind == "" then return api.fail(req, 400, "missing_required_parameter", "type") end
    local wanted
    for _, t in ipairs(M.ANOMALY_TYPES) do
      if t:lower() == kind:lower() then wanted = t end
    end
    if not wanted then return api.fail(req, 400, "invalid_parameter_value", "type") end
    local out = {}
    for _, p in ipairs(store(app).anomalies:list()) do
      if p.type == wanted then out[p.id] = anomaly_view(p) end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/anomalies/settings/:policyid", function(req, params)
    local p = store(app).anomalies.by_id[params.policyid]
    if not p then return api.fail(req, 400, "invalid_parameter_value", "policyid") end
    return api.json(200, anomaly_view(p))
  end)

  router:add("POST", "/anomalies/settings/:policyid", function(req, params)
    local p = store(app).anomalies.by_id[params.policyid]
    if not p then return api.fail(req, 400, "invalid_parameter_value", "policyid") end
    local b, bad = api.body(req, true)
    if not b then return bad end
    if b.alertDisposition == nil and b.trainingModelThreshold == nil then
      return api.fail(req, 400, "missing_required_parameter", "alertDisposition")
    end
    if b.alertDisposition ~= nil and not DISPOSITIONS[b.alertDisposition] then
      return api.fail(req, 400, "invalid_parameter_value", "alertDisposition")
    end
    if b.trainingModelThreshold ~= nil and not THRESHOLDS[b.trainingModelThreshold] then
      return api.fail(req, 400, "invalid_parameter_value", "trainingModelThreshold")
    end
    p.alertDisposition = b.alertDisposition or p.alertDisposition
    p.trainingModelThreshold = b.trainingModelThreshold or p.trainingModelThreshold
    return api.json(200, true)
  end)
end

--------------------------------------------------------------------------
-- Anomaly trusted lists.
--------------------------------------------------------------------------

-- A trusted list as the API answers it.
local function trusted_view(t)
  local entries = array{}
  for i, e in ipairs(t.trustedListEntries) do entries[i] = api.copy(e) end
  return {
    id = t.id, name = t.name, description = t.description, trustedListType = t.trustedListType,
    applicablePolicies = array(api.copy(t.applicablePolicies)), accountID = t.accountID, vpc = t.vpc,
    trustedListEntries = entries, createdBy = t.createdBy, createdOn = t.createdOn, modifiedBy = t.modifiedBy,
    modifiedOn = t.modifiedOn,
  }
end

-- Whether the anomaly policy p is of a type the trusted list type applies to.
local function applies(kind, p)
  for _, t in ipairs(M.TRUSTED_TYPES[kind][2]) do
    if t == p.type then return true end
  end
  return false
end

-- A checked trusted list from a body: the record, or nil and an error response.
local function check_trusted(req, s, b)
  if type(b.name) ~= "string" or b.name:match("^%s*$") then
    return nil, api.fail(req, 400, "missing_required_parameter", "name")
  end
  local kind = M.TRUSTED_TYPES[b.trustedListType]
  if not kind then return nil, api.fail(req, 400, "invalid_parameter_value", "trustedListType") end
  if type(b.applicablePolicies) ~= "table" or #b.applicablePolicies == 0 then
    return nil, api.fail(req, 400, "missing_required_parameter", "applicablePolicies")
  end
  for _, id in ipairs(b.applicablePolicies) do
    local p = s.anomalies.by_id[id]
    if not p or not applies(b.trustedListType, p) then
      return nil, api.fail(req, 400, "invalid_parameter_value", tostring(id))
    end
  end
  if type(b.trustedListEntries) ~= "table" or #b.trustedListEntries == 0 then
    return nil, api.fail(req, 400, "missing_required_parameter", "trustedListEntries")
  end
  local entries = {}
  for i, e in ipairs(b.trustedListEntries) do
    if type(e) ~= "table" then return nil, api.fail(req, 400, "invalid_parameter_value", "trustedListEntries") end
    local need = e[kind[1]]
    if type(need) ~= "string" or need == "" then return nil, api.fail(req, 400, "invalid_parameter_value", kind[1]) end
    if kind[1] == "ipCIDR" and not api.parse_cidr(need) then
      return nil, api.fail(req, 400, "invalid_parameter_value", "ipCIDR")
    end
    local entry = {}
    for _, f in ipairs(M.TRUSTED_FIELDS) do
      if type(e[f]) == "string" then entry[f] = e[f] end
    end
    entries[i] = entry
  end
  for _, k in ipairs{"description", "accountID", "vpc"} do
    if b[k] ~= nil and type(b[k]) ~= "string" then return nil, api.fail(req, 400, "invalid_parameter_value", k) end
  end
  return {name = b.name, description = b.description or "", trustedListType = b.trustedListType,
          applicablePolicies = api.copy(b.applicablePolicies), accountID = b.accountID or "any",
          vpc = b.vpc or "any", trustedListEntries = entries}
end

-- The trusted list of params.id, or nil and an error response.
local function trusted_of(req, s, params)
  local id = math.tointeger(tonumber(params.id))
  local t = id and s.trusted.by_id[id]
  if not t then return nil, api.fail(req, 400, "invalid_parameter_value", "id") end
  return t
end

-- The routes of the anomaly trusted lists.
local function trusted_routes(router, app)
  router:add("GET", "/anomalies/trusted_list/types", function()
    local out = {}
    for name, t in pairs(M.TRUSTED_TYPES) do
      out[name] = {name = name, description = t[3], applicableCategories = array(api.copy(t[2]))}
    end
    return api.json(200, out)
  end)

  router:add("GET", "/anomalies/policies", function(req)
    local kind = api.query(req, "trustedListType")
    if kind == nil or kind == "" then return api.fail(req, 400, "missing_required_parameter", "trustedListType") end
    if not M.TRUSTED_TYPES[kind] then return api.fail(req, 400, "invalid_parameter_value", "trustedListType") end
    local out = {}
    for _, p in ipairs(store(app).anomalies:list()) do
      if applies(kind, p) then out[p.id] = p.policyName end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/anomalies/trusted_list", function()
    local out = array{}
    for _, t in ipairs(store(app).trusted:list()) do out[#out + 1] = trusted_view(t) end
    return api.json(200, out)
  end)

  router:add("POST", "/anomalies/trusted_list", function(req)
    local s = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    local t
    t, bad = check_trusted(req, s, b)
    if not t then return bad end
    t.id, s.next_trusted = s.next_trusted, s.next_trusted + 1
    t.createdBy, t.createdOn = api.user_of(req), api.now_ms()
    t.modifiedBy, t.modifiedOn = t.createdBy, t.createdOn
    s.trusted:put(t.id, t)
    return api.json(200, array{t.id})
  end)

  router:add("GET", "/anomalies/trusted_list/:id", function(req, params)
    local t, bad = trusted_of(req, store(app), params)
    if not t then return bad end
    return api.json(200, trusted_view(t))
  end)

  router:add("POST", "/anomalies/trusted_list/:id", function(req, params)
    local s = store(app)
    local old, bad = trusted_of(req, s, params)
    if not old then return bad end
    local b
    b, bad = api.body(req, true)
    if not b then return bad end
    local t
    t, bad = check_trusted(req, s, b)
    if not t then return bad end
    t.id, t.createdBy, t.createdOn = old.id, old.createdBy, old.createdOn
    t.modifiedBy, t.modifiedOn = api.user_of(req), api.now_ms()
    s.trusted:put(t.id, t)
    return api.json(200, array{t.id})
  end)

  router:add("DELETE", "/anomalies/trusted_list/:id", function(req, params)
    local s = store(app)
    local t, bad = trusted_of(req, s, params)
    if not t then return bad end
    s.trusted:delete(t.id)
    return api.json(200, true)
  end)
end

--------------------------------------------------------------------------
-- Single sign-on: SAML and OpenID Connect.
--------------------------------------------------------------------------

local SAML_STRINGS = {"identityProvider", "certificate", "logoutRedirectUrl", "relayStateParamName",
                      "autoProvisionSamlEmail", "autoProvisionSamlFirstName", "autoProvisionSamlLastName",
                      "autoProvisionSamlRole", "autoProvisionSamlTimezone", "redLockAccessSamlUrl"}
local SAML_BOOLEANS = {"enabled", "autoProvisionEnabled", "requireAccessSamlUrlPublic"}

-- Whether v is an https:// URL with a host.
local function https(v)
  return type(v) == "string" and v:match("^https://[%w%-%.]+") ~= nil
end

-- A checked SAML configuration from a body: the record, or nil and an error response.
local function check_saml(req, b)
  local out = {enabled = false, autoProvisionEnabled = false, requireAccessSamlUrlPublic = true}
  for _, k in ipairs(SAML_STRINGS) do
    if b[k] ~= nil and type(b[k]) ~= "string" then return nil, api.fail(req, 400, "invalid_parameter_value", k) end
    out[k] = b[k]
  end
  for _, k in ipairs(SAML_BOOLEANS) do
    if b[k] ~= nil and type(b[k]) ~= "boolean" then return nil, api.fail(req, 400, "invalid_parameter_value", k) end
    if b[k] ~= nil then out[k] = b[k] end
  end
  if not out.identityProvider or out.identityProvider == "" then
    return nil, api.fail(req, 400, "missing_required_parameter", "identityProvider")
  end
  if not out.certificate or not out.certificate:find("-----BEGIN CERTIFICATE-----", 1, true) then
    return nil, api.fail(req, 400, "invalid_parameter_value", "certificate")
  end
  if out.redLockAccessSamlUrl and not https(out.redLockAccessSamlUrl) then
    return nil, api.fail(req, 400, "invalid_parameter_value", "redLockAccessSamlUrl")
  end
  if out.autoProvisionEnabled and not out.autoProvisionSamlEmail then
    return nil, api.fail(req, 400, "missing_required_parameter", "autoProvisionSamlEmail")
  end
  return out
end

local OIDC_REQUIRED = {"clientId", "idpAuthUri", "issuer", "scopes", "tokenUri"}
local OIDC_STRINGS = {"clientId", "clientSecret", "issuer", "grantType", "idpAuthUri", "tokenUri", "jwkSetUri",
                      "endSessionUri", "jitRoleClaimName", "jitDefaultRoleId"}
local OIDC_BOOLEANS = {"withPkce", "isActive", "isJitEnabled"}
local OIDC_URIS = {"idpAuthUri", "tokenUri", "jwkSetUri", "endSessionUri", "issuer"}

-- Merges a body into an OIDC record (a copy of old, or new); the record, or nil and an error response.
local function check_oidc(req, b, old, partial)
  local out = old and api.copy(old) or {grantType = "authorization_code", withPkce = false, isActive = false,
                                        isJitEnabled = false}
  for _, k in ipairs(OIDC_STRINGS) do
    if b[k] ~= nil then
      if type(b[k]) ~= "string" then return nil, api.fail(req, 400, "invalid_parameter_value", k) end
      out[k] = b[k]
    end
  end
  for _, k in ipairs(OIDC_BOOLEANS) do
    if b[k] ~= nil then
      if type(b[k]) ~= "boolean" then return nil, api.fail(req, 400, "invalid_parameter_value", k) end
      out[k] = b[k]
    end
  end
  if b.scopes ~= nil then
    if type(b.scopes) ~= "table" then return nil, api.fail(req, 400, "invalid_parameter_value", "scopes") end
    out.scopes = api.copy(b.scopes)
  end
  if not partial then
    for _, k in ipairs(OIDC_REQUIRED) do
      if b[k] == nil or b[k] == "" then return nil, api.fail(req, 400, "missing_required_parameter", k) end
    end
  end
  if out.grantType ~= "authorization_code" then
    return nil, api.fail(req, 400, "invalid_parameter_value", "grantType")
  end
  for _, k in ipairs(OIDC_URIS) do
    if out[k] ~= nil and not https(out[k]) then return nil, api.fail(req, 400, "invalid_parameter_value", k) end
  end
  -- the secret is write-only: remember only whether there is one
  if out.clientSecret ~= nil then
    out.clientSecretIsBlank = out.clientSecret == ""
    out.clientSecret = nil
  end
  return out
end

-- The OIDC configuration as the API answers it (no client secret).
local function oidc_view(o)
  local v = api.copy(o)
  v.scopes = array(api.copy(o.scopes))
  v.lastLoginErrors = array{}
  if v.clientSecretIsBlank == nil then v.clientSecretIsBlank = true end
  return v
end

-- The routes of single sign-on (SAML, OpenID Connect).
local function sso_routes(router, app)
  local function base(req)
    return "http://" .. (req.headers.host or "127.0.0.1")
  end

  router:add("GET", "/authn/v1/saml/config", function(req)
    local saml = store(app).saml
    local v = saml and api.copy(saml) or {enabled = false, autoProvisionEnabled = false,
                                           requireAccessSamlUrlPublic = true}
    v.audienceUri = base(req) .. "/saml/" .. app.config.prisma_id
    v.lastLoginErrors = array{}
    return api.json(200, v)
  end)

  local function save_saml(req, must_exist)
    local s = store(app)
    if must_exist and not s.saml then
      return api.fail(req, 400, "invalid_parameter_value", "saml", "no SAML configuration yet: create it")
    elseif not must_exist and s.saml then
      return api.fail(req, 400, "invalid_parameter_value", "saml", "a SAML configuration exists: update it")
    end
    local b, bad = api.body(req, true)
    if not b then return bad end
    local cfg
    cfg, bad = check_saml(req, b)
    if not cfg then return bad end
    s.saml = cfg
    return api.empty(200)
  end
  router:add("POST", "/authn/v1/saml/config", function(req) return save_saml(req, false) end)
  router:add("PUT", "/authn/v1/saml/config", function(req) return save_saml(req, true) end)

  router:add("GET", "/authn/api/v1/oauth2/config", function(req)
    local o = store(app).oidc
    if not o then return api.fail(req, 400, "not_found", "oauth2") end
    return api.json(200, oidc_view(o))
  end)

  router:add("POST", "/authn/api/v1/oauth2/config", function(req)
    local s = store(app)
    if s.oidc then
      return api.fail(req, 400, "invalid_parameter_value", "oauth2", "an OAuth2 configuration exists: update it")
    end
    local b, bad = api.body(req, true)
    if not b then return bad end
    local o
    o, bad = check_oidc(req, b)
    if not o then return bad end
    local who = api.user_of(req)
    o.id, o.prismaId = s.next_id(), math.tointeger(tonumber(app.config.prisma_id))
    o.pcAuthUri = base(req) .. "/authn/api/v1/oauth2/authorization/" .. o.id
    o.pcRelayUri = base(req) .. "/authn/api/v1/oauth2/code/" .. o.id
    o.createdBy, o.createdTs, o.lastModifiedBy, o.lastModifiedTs = who, api.now_ms(), who, api.now_ms()
    s.oidc = o
    return api.json(201, o.id)
  end)

  local function change_oidc(req, partial)
    local s = store(app)
    if not s.oidc then return api.fail(req, 400, "not_found", "oauth2") end
    local b, bad = api.body(req, true)
    if not b then return bad end
    local o
    o, bad = check_oidc(req, b, s.oidc, partial)
    if not o then return bad end
    o.lastModifiedBy, o.lastModifiedTs = api.user_of(req), api.now_ms()
    s.oidc = o
    return api.empty(204)
  end
  router:add("PUT", "/authn/api/v1/oauth2/config", function(req) return change_oidc(req, false) end)
  router:add("PATCH", "/authn/api/v1/oauth2/config", function(req) return change_oidc(req, true) end)

  router:add("GET", "/authn/api/v1/oauth2/login", function(req)
    local o = store(app).oidc
    if not o or not o.isActive then
      return api.fail(req, 400, "invalid_parameter_value", "oauth2", "OpenID Connect is not active")
    end
    local pid = api.query(req, "prisma_id")
    if pid ~= nil and pid ~= app.config.prisma_id then
      return api.fail(req, 400, "invalid_parameter_value", "prisma_id")
    end
    return api.json(200, {url = o.pcAuthUri})
  end)
end

-- Adds the routes above.
function M.register(router, app)
  enterprise_routes(router, app)
  anomaly_routes(router, app)
  trusted_routes(router, app)
  sso_routes(router, app)
end

return M
