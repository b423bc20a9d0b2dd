-- The return contract, for every public family verb: success returns the
-- values its `syntax:` line names and nothing in the `err` position (no
-- trailing response table, no trailing nil the REPL would print), failure
-- returns `nil, err` with a prismacloud.Error. The verbs are discovered from
-- the registered family modules and their `syntax:` lines (tools/gen_docs), so
-- a new verb is walked without touching this file: it is called with no
-- arguments unless ARGS says how to call it, and a verb that cannot be called
-- meaningfully against the emulator must be named in SKIP with the reason.
-- Each verb is called on a client of the emulator (success) and on a client
-- of a closed port (failure) with the same arguments.
local server = require "spec.support.server"
local gen = require "tools.gen_docs"
local prismacloud = require "prismacloud"

--------------------------------------------------------------------------
-- The verbs and what their syntax lines promise.
--------------------------------------------------------------------------

-- What a syntax line promises: {iterator = true} for `for x in client.f:v(...)`, `pages = ...` and
-- `items = ...` (no err); otherwise {names = {...}, err = true when the last name is err}.
local function promise(syntax)
  if syntax:match("^for ") then return {iterator = true} end
  local lhs = syntax:match("^(.-)%s*=%s*client%.") or syntax:match("^(.-)%s*=%s*[%w_]+%.[%w_]+[({]")
  assert(lhs, "cannot read the returns of: " .. syntax)
  local names = {}
  for name in lhs:gmatch("[%w_]+") do names[#names + 1] = name end
  if names[#names] == "err" then
    names[#names] = nil
    return {names = names, err = true}
  end
  if #names == 1 and (names[1] == "items" or names[1] == "pages") then return {iterator = true} end
  return {names = names, err = false}
end

-- The type a returned name promises: a checker returning true or a description of what was expected.
local function integer(v) return math.type(v) == "integer" or "an integer" end
local function boolean(v) return type(v) == "boolean" or "a boolean" end
local function string_(v) return type(v) == "string" or "a string" end
local function table_(v) return type(v) == "table" and not prismacloud.is_error(v) or "a table" end
local function string_or_nil(v) return v == nil or type(v) == "string" or "a string or nil" end
local TYPES = {
  n = integer, ok = function(v) return v == true or "true" end, required = boolean, enabled = boolean,
  id = string_, status = string_, next_token = string_or_nil,
}
local function type_of(name)
  return TYPES[name] or table_
end

local function callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__call ~= nil
end

-- Every public function of every registered family: {family =, name =, syntax =, method = true for
-- `client.<family>:<name>(...)`, promise =}, sorted by family and name. Aliases share their target's line.
local function verbs()
  local out = {}
  for _, fam in ipairs(gen.families(".")) do
    local doc = gen.parse(fam.file)
    local by_name = {}
    local function add(name, fn)
      local syntax = assert(fn.syntax, fam.name .. "." .. name .. " has no syntax line")
      local method = syntax:find("client." .. fam.name .. ":" .. fn.name .. "(", 1, true) ~= nil
        or syntax:find("client." .. fam.name .. ":" .. fn.name .. "{", 1, true) ~= nil
      out[#out + 1] = {family = fam.name, name = name, syntax = syntax, method = method, promise = promise(syntax)}
    end
    for _, fn in ipairs(doc.functions) do
      if fn.owner == "F" and gen.public(fn.name) then
        by_name[fn.name] = fn
        add(fn.name, fn)
      end
    end
    for _, alias in ipairs(doc.aliases) do
      if alias.owner == "F" and gen.public(alias.name) and by_name[alias.target] then
        add(alias.name, by_name[alias.target])
      end
    end
  end
  table.sort(out, function(a, b) return a.family < b.family or a.family == b.family and a.name < b.name end)
  return out
end

-- Checks the returns r (table.pack) of a successful call against p; returns nil or what is wrong.
local function check_success(p, r)
  if p.iterator then
    if r.n ~= 1 then return ("%d values returned, 1 (the iterator) promised"):format(r.n) end
    if not callable(r[1]) then return "the iterator is not callable: " .. tostring(r[1]) end
    if type(r[1]) == "table" and type(r[1].next) ~= "function" then return "the iterator has no :next()" end
    return nil
  end
  if r.n ~= #p.names then
    local extra = r.n > #p.names and (" (the extra value is " .. tostring(r[#p.names + 1]) .. ")") or ""
    return ("%d values returned, %d promised (%s)%s"):format(r.n, #p.names, table.concat(p.names, ", "), extra)
  end
  for i, name in ipairs(p.names) do
    local ok = type_of(name)(r[i])
    if ok ~= true then return ("'%s' should be %s, got %s"):format(name, ok, tostring(r[i])) end
  end
  return nil
end

-- Checks the returns of a failed call: nil, err (an iterator's :next() gives them).
local function check_failure(p, r)
  if p.iterator then
    if r.n ~= 1 or not callable(r[1]) then return "an iterator verb must return its iterator, even offline" end
    r = table.pack(r[1]:next())
  end
  if r.n ~= 2 or r[1] ~= nil or not prismacloud.is_error(r[2]) then
    local shown = {}
    for i = 1, r.n do shown[i] = tostring(r[i]) end
    return ("expected nil, err; got %d values: %s"):format(r.n, table.concat(shown, ", "))
  end
  return nil
end

--------------------------------------------------------------------------
-- How to call the verbs that need arguments.
--------------------------------------------------------------------------

-- Public functions of the family modules that are not verbs of the client and send nothing, or
-- verbs that cannot be called meaningfully against the emulator: each with its reason.
local SKIP = {
  ["access_keys.hide_secret"] = "a module function over a table the caller holds: sends nothing, has no err",
  ["integrations.check_config"] = "a module function checking a table: sends nothing (field, message when wrong)",
  ["integrations.validate"] = "a module function checking a table: sends nothing, raises when wrong",
  ["integrations.body"] = "a constructor of a request body: sends nothing",
  ["integrations.webhook"] = "a constructor of a request body: sends nothing",
  ["integrations.slack"] = "a constructor of a request body: sends nothing",
  ["integrations.splunk"] = "a constructor of a request body: sends nothing",
  ["integrations.microsoft_teams"] = "a constructor of a request body: sends nothing",
  ["integrations.pager_duty"] = "a constructor of a request body: sends nothing",
  ["integrations.service_now"] = "a constructor of a request body: sends nothing",
}

local counter = 0
-- The first value of a call that must succeed (only it: a builder's arguments are exactly what it returns).
local function must(v, err)
  if v == nil then error(tostring(err), 2) end
  return v
end
local function unique(prefix)
  counter = counter + 1
  return ("%s %d"):format(prefix, counter)
end

local function first(list, err)
  assert(list, err)
  return must(list[1], "the emulator has none")
end

-- A temporary file path (removed after each test).
local temps = {}
local function temp_path()
  local path = os.tmpname()
  temps[#temps + 1] = path
  return path
end

local function group_id(c) return first(c.account_groups:list{details = false}).id end
local function role_id(c, name)
  for _, r in ipairs(must(c.roles:list())) do if r.name == name then return r.id end end
  error("no role " .. name)
end
local function room_for_key(c) -- the API allows two keys a user: keep only the client's own
  for _, k in ipairs(must(c.access_keys:list())) do
    if k.id ~= "test-key" then must(c.access_keys:delete(k.id)) end
  end
end
local function fresh_key(c)
  room_for_key(c)
  return must(c.access_keys:create(unique("contract key"))).id
end
local function alert_id(c, filter)
  filter = filter or {}
  filter.limit, filter.time_range = 1, filter.time_range or "1y"
  return first(c.alerts:list(filter).items).id
end
local function new_policy(name)
  return {name = name, policyType = "config", severity = "low", cloudType = "aws",
          rule = {name = name, criteria = "config from cloud.resource where api.name = 'x'", type = "Config",
                  parameters = {savedSearch = "false", withIac = "false"}}}
end
local function new_rule(c, name)
  return {name = name, description = "contract", enabled = true, scanAll = true, allowAutoRemediate = false,
          target = {accountGroups = {group_id(c)}}}
end
local function aws_account(c)
  for _, a in ipairs(must(c.cloud_accounts:list())) do
    if a.cloudType:lower() == "aws" then return a end
  end
  error("no AWS account")
end
local AWS_ID = "123456789012"
local function aws_body(c, name)
  return {accountId = AWS_ID, accountType = "account", name = name,
          roleArn = "arn:aws:iam::" .. AWS_ID .. ":role/PrismaCloudRole", groupIds = {group_id(c)}}
end
local function onboarded(c)
  if not c.cloud_accounts:by_name("contract-aws") then
    must(c.cloud_accounts:create("aws", aws_body(c, "contract-aws"), {skip_status_checks = true}))
  end
  return AWS_ID
end
local function custom_standard(c)
  local name = unique("contract standard")
  must(c.compliance:create{name = name, description = "d"})
  return must(c.compliance:by_name(name)).id
end
local function custom_requirement(c)
  local std = custom_standard(c)
  must(c.compliance:add_requirement(std, {name = "Req", requirementId = "1", description = "d"}))
  return first(c.compliance:requirements(std)).id
end
local function custom_section(c)
  local req = custom_requirement(c)
  must(c.compliance:add_section(req, {sectionId = "1.1", description = "s"}))
  return first(c.compliance:sections(req)).id
end
local function new_user(c)
  local dev = role_id(c, "Developer")
  local email = ("contract%d@example.com"):format(counter + 1)
  counter = counter + 1
  must(c.users:create{email = email, firstName = "C", lastName = "T", timeZone = "UTC", roleIds = {dev},
                        defaultRoleId = dev})
  return email
end
local function new_role(c)
  local name = unique("contract role")
  must(c.roles:create{name = name, roleType = "Account Group Read Only", accountGroupIds = {group_id(c)}})
  return must(c.roles:by_name(name)).id
end
local function new_permission_group(c)
  local name = unique("contract group")
  must(c.permission_groups:create{name = name, description = "d",
                                    features = {{featureName = "alerts", operations = {READ = true}}}})
  return must(c.permission_groups:by_name(name)).id
end
local function webhook(c, name)
  return c.integrations.webhook{name = name, url = "https://hooks.acme-corp.io/" .. name:gsub("%W", ""),
                                authToken = "token"}
end
local function new_integration(c)
  return must(c.integrations:create(webhook(c, unique("contract hook")))).id
end
local function email_template(name)
  return {name = name, integrationType = "email",
          templateConfig = {basicConfig = {{fieldName = "subject", type = "text", value = "contract"}}}}
end
local function new_template(c)
  return must(c.notification_templates:create(email_template(unique("contract template")))).id
end
local function new_resource_list(c)
  return must(c.resource_lists:create{name = unique("contract list"), resourceListType = "TAG", description = "d",
                                        members = {{env = "prod"}}}).id
end
local function new_collection(c)
  return must(c.collections:create{name = unique("contract collection"), description = "d",
                                     assetGroups = {accountIds = {"*"}}}).id
end
local function new_report(c)
  return must(c.reports:create{name = unique("contract report"), cloudType = "aws"}).id
end
local CONFIG_Q = "config from cloud.resource where cloud.type = 'aws'"
local EVENT_Q = "event from cloud.audit_logs where cloud.type = 'aws'"
local IAM_Q = "config from iam where dest.cloud.type = 'AWS'"
local function new_saved_search(c)
  return must(c.saved_searches:create{name = unique("contract search"), query = CONFIG_Q}).id
end
local function new_credit_rule(c)
  return must(c.licensing:create_rule{name = unique("contract rule"), targetType = "AccountGroup",
                                        allocatedCredits = 500, alarmThreshold = 80, accountGroups = {group_id(c)}}).id
end
local function new_inventory_filter(c)
  must(c.inventory:save_filter{filters = {{name = "cloud.type", operator = "=", value = "aws"}},
                               groupBy = {"cloud.account"}})
  local list = must(c.inventory:saved_filters()) -- POST /filter/inventory answers without the new id
  return list[#list].id
end
local function resource(c) return must(c.resources:scan_info{max_items = 1}:next()) end
local function cidr()
  counter = counter + 1
  return ("100.64.%d.0/29"):format(counter % 256)
end
local function new_network(c) return must(c.trusted_ips:add_network(unique("contract net"))).uuid end
local function new_login_ips(c)
  return must(c.trusted_ips:add_login_ips{name = unique("contract ips"), cidr = {"127.0.0.0/8"}}).id
end
local function dns_policy(c) return (next(must(c.settings:trusted_list_policies("domain")))) end
local function new_trusted_list(c)
  return first(c.settings:add_trusted_list{name = unique("contract list"), trustedListType = "domain",
    applicablePolicies = {dns_policy(c)}, trustedListEntries = {{domain = "cdn.example.com"}}, description = "d"})
end
local OIDC = {clientId = "pc", clientSecret = "s3cr3t", issuer = "https://idp.example.com", scopes = {"openid"},
              idpAuthUri = "https://idp.example.com/auth", tokenUri = "https://idp.example.com/token", isActive = true}
local function oidc(c)
  if not c.settings:oidc() then must(c.settings:create_oidc(OIDC)) end
end
local SAML = {identityProvider = "https://idp.example.com/issuer", enabled = false,
              certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
              redLockAccessSamlUrl = "https://idp.example.com/app"}
local function saml(c)
  if not c.settings:saml().identityProvider then must(c.settings:create_saml(SAML)) end
end
local function anomaly_policy(c) return (next(must(c.settings:anomalies("UEBA")))) end
local function csv_job(c) return must(c.alerts:csv_create{status = "open", time_range = "30d"}).id end
local function ready(c, job, opts)
  local status_of = opts and c.alerts.json_status or c.alerts.csv_status
  for _ = 1, 200 do
    local s = must(status_of(c.alerts, job, opts))
    if s.status == "READY_TO_DOWNLOAD" or s.status == "COMPLETED" then return job end
    require("prismacloud.core").sleep(0.02)
  end
  error("the job is not ready")
end
local FAST = {interval = 0.02, max_interval = 0.1, timeout = 30}

-- How to call a verb: a function (client, srv) -> its arguments. A verb not named here is called
-- without arguments.
local ARGS = {
  ["access_keys.by_name"] = function(c) return first(c.access_keys:list()).name end,
  ["access_keys.create"] = function(c)
    room_for_key(c)
    return unique("contract key")
  end,
  ["access_keys.delete"] = function(c) return fresh_key(c) end,
  ["access_keys.get"] = function(c) return first(c.access_keys:list()).id end,
  ["access_keys.set_enabled"] = function(c) return fresh_key(c), false end,

  ["account_groups.by_name"] = function(c) return first(c.account_groups:list()).name end,
  ["account_groups.create"] = function()
    return {name = unique("contract group"), accountIds = require("prismacloud.json").empty_array}
  end,
  ["account_groups.delete"] = function(c)
    local name = unique("contract group")
    must(c.account_groups:create{name = name, accountIds = require("prismacloud.json").empty_array})
    return must(c.account_groups:by_name(name)).id
  end,
  ["account_groups.get"] = function(c) return group_id(c) end,
  ["account_groups.update"] = function(c)
    local name = unique("contract group")
    local none = require("prismacloud.json").empty_array
    must(c.account_groups:create{name = name, accountIds = none})
    local g = must(c.account_groups:by_name(name))
    return g.id, {name = name, description = "changed", accountIds = none}
  end,

  ["alert_rules.by_name"] = function(c) return first(c.alert_rules:list()).name end,
  ["alert_rules.create"] = function(c) return new_rule(c, unique("contract rule")) end,
  ["alert_rules.delete"] = function(c)
    return must(c.alert_rules:create(new_rule(c, unique("contract rule")))).policyScanConfigId
  end,
  ["alert_rules.get"] = function(c) return first(c.alert_rules:list()).policyScanConfigId end,
  ["alert_rules.set_enabled"] = function(c)
    return must(c.alert_rules:create(new_rule(c, unique("contract rule")))).policyScanConfigId, false
  end,
  ["alert_rules.update"] = function(c)
    local rule = must(c.alert_rules:create(new_rule(c, unique("contract rule"))))
    return rule.policyScanConfigId, must(c.alert_rules:get(rule.policyScanConfigId))
  end,

  ["alerts.csv_download"] = function(c) return ready(c, csv_job(c)), temp_path() end,
  ["alerts.csv_status"] = function(c) return csv_job(c) end,
  ["alerts.dismiss"] = function(c) return {alert_id(c, {status = "open"})}, "contract" end,
  ["alerts.export_csv"] = function() return {status = "open", time_range = "30d"}, temp_path(), FAST end,
  ["alerts.export_json"] = function() return {status = "open", time_range = "30d"}, temp_path(), FAST end,
  ["alerts.filter_options"] = function() return "alert.status" end,
  ["alerts.get"] = function(c) return alert_id(c) end,
  ["alerts.json_create"] = function() return {status = "open", time_range = "30d"} end,
  ["alerts.json_download"] = function(c)
    return ready(c, must(c.alerts:json_create{status = "open", time_range = "30d"}).id, {}), temp_path()
  end,
  ["alerts.json_status"] = function(c) return must(c.alerts:json_create{status = "open", time_range = "30d"}).id end,
  ["alerts.csv_create"] = function() return {status = "open", time_range = "30d"} end,
  ["alerts.list_v1"] = function() return {status = "open", time_range = "7d", limit = 5} end,
  ["alerts.remediate"] = function(c) return alert_id(c, {status = "open", ["policy.remediable"] = true}) end,
  ["alerts.remediation_commands"] = function(c)
    return {alert_id(c, {status = "open", ["policy.remediable"] = true})}
  end,
  ["alerts.reopen"] = function(c)
    local id = alert_id(c, {status = "open"})
    must(c.alerts:dismiss({id}, "contract"))
    return {id}
  end,
  ["alerts.set_dismissal_note_required"] = function() return false end,
  ["alerts.snooze"] = function(c) return {alert_id(c, {status = "open"})}, "7d" end,

  ["audit_logs.list"] = function() return "24h" end,

  ["cloud_accounts.by_name"] = function(c) return aws_account(c).name end,
  ["cloud_accounts.config_status"] = function(c) return aws_account(c).accountId end,
  ["cloud_accounts.create"] = function(c)
    local a = c.cloud_accounts:by_name("contract-aws")
    if a then must(c.cloud_accounts:delete("aws", AWS_ID)) end
    return "aws", aws_body(c, "contract-aws"), {skip_status_checks = true}
  end,
  ["cloud_accounts.delete"] = function(c) return "aws", onboarded(c) end,
  ["cloud_accounts.get"] = function(c) return "aws", aws_account(c).accountId end,
  ["cloud_accounts.owners"] = function(c) return aws_account(c).accountId end,
  ["cloud_accounts.patch"] = function(c) return "aws", onboarded(c), {enabled = false} end,
  ["cloud_accounts.set_enabled"] = function(c) return aws_account(c).accountId, true end,
  ["cloud_accounts.status"] = function(c) return "aws", aws_body(c, "contract-status") end,
  ["cloud_accounts.update"] = function(c)
    return "aws", onboarded(c), aws_body(c, "contract-aws"), {skip_status_checks = true}
  end,

  ["collections.by_name"] = function(c) return must(c.collections:get(new_collection(c))).name end,
  ["collections.create"] = function()
    return {name = unique("contract collection"), assetGroups = {accountIds = {"*"}}}
  end,
  ["collections.delete"] = function(c) return new_collection(c) end,
  ["collections.get"] = function(c) return new_collection(c) end,
  ["collections.update"] = function(c) return new_collection(c), {name = unique("contract collection")} end,

  ["compliance.add_requirement"] = function(c)
    return custom_standard(c), {name = "Req", requirementId = "1", description = "d"}
  end,
  ["compliance.add_section"] = function(c) return custom_requirement(c), {sectionId = "1.1", description = "s"} end,
  ["compliance.by_name"] = function(c) return first(c.compliance:standards()).name end,
  ["compliance.clone"] = function(c) return first(c.compliance:standards()).id, {name = unique("contract clone")} end,
  ["compliance.create"] = function() return {name = unique("contract standard"), description = "d"} end,
  ["compliance.delete"] = function(c) return custom_standard(c) end,
  ["compliance.delete_requirement"] = function(c) return custom_requirement(c) end,
  ["compliance.delete_section"] = function(c) return custom_section(c) end,
  ["compliance.get"] = function(c) return first(c.compliance:standards()).id end,
  ["compliance.posture_filter_options"] = function() return "cloud.type" end,
  ["compliance.requirement"] = function(c)
    return first(c.compliance:requirements(first(c.compliance:standards()).id)).id
  end,
  ["compliance.requirements"] = function(c) return first(c.compliance:standards()).id end,
  ["compliance.sections"] = function(c)
    return first(c.compliance:requirements(first(c.compliance:standards()).id)).id
  end,
  ["compliance.standard"] = function(c) return first(c.compliance:standards()).id end,
  ["compliance.update"] = function(c)
    return custom_standard(c), {name = unique("contract standard"), description = "e"}
  end,
  ["compliance.update_requirement"] = function(c)
    return custom_requirement(c), {name = "Req 2", requirementId = "1", description = "e"}
  end,
  ["compliance.update_section"] = function(c) return custom_section(c), {sectionId = "1.2", description = "t"} end,

  ["integrations.by_name"] = function(c) return first(c.integrations:list()).name end,
  ["integrations.create"] = function(c) return webhook(c, unique("contract hook")) end,
  ["integrations.delete"] = function(c) return new_integration(c) end,
  ["integrations.get"] = function(c) return first(c.integrations:list()).id end,
  ["integrations.names"] = function() return "okta" end,
  ["integrations.security_hub_regions"] = function(c) return (next(must(c.integrations:security_hub_accounts()))) end,
  ["integrations.set_enabled"] = function(c) return new_integration(c), false end,
  ["integrations.test"] = function(c) return webhook(c, unique("contract hook")) end,
  ["integrations.update"] = function(c)
    local name = unique("contract hook")
    return must(c.integrations:create(webhook(c, name))).id, webhook(c, name)
  end,

  ["inventory.delete_filter"] = function(c) return new_inventory_filter(c) end,
  ["inventory.get_filter"] = function(c) return new_inventory_filter(c) end,
  ["inventory.save_filter"] = function()
    return {filters = {{name = "cloud.type", operator = "=", value = "aws"}}, groupBy = {"cloud.account"}}
  end,
  ["inventory.suggest"] = function() return "cloud.account", "aws" end,
  ["inventory.update_filter"] = function(c)
    return new_inventory_filter(c), {filters = {{name = "cloud.type", operator = "=", value = "gcp"}}}
  end,

  ["licensing.cloud_time_series"] = function() return "aws" end,
  ["licensing.cloud_usage"] = function() return "aws" end,
  ["licensing.create_rule"] = function(c)
    return {name = unique("contract rule"), targetType = "AccountGroup", allocatedCredits = 500, alarmThreshold = 80,
            accountGroups = {group_id(c)}}
  end,
  ["licensing.delete_rule"] = function(c) return new_credit_rule(c) end,
  ["licensing.rule"] = function(c) return new_credit_rule(c) end,
  ["licensing.rule_by_name"] = function(c) return must(c.licensing:rule(new_credit_rule(c))).name end,
  ["licensing.update_rule"] = function(c) return new_credit_rule(c), {allocatedCredits = 900} end,

  ["notification_templates.by_name"] = function(c) return first(c.notification_templates:list()).name end,
  ["notification_templates.create"] = function() return email_template(unique("contract template")) end,
  ["notification_templates.delete"] = function(c) return new_template(c) end,
  ["notification_templates.get"] = function(c) return first(c.notification_templates:list()).id end,
  ["notification_templates.test"] = function(c) return new_template(c) end,
  ["notification_templates.update"] = function(c)
    return new_template(c), {templateConfig = email_template("x").templateConfig}
  end,

  ["permission_groups.by_name"] = function(c) return first(c.permission_groups:list()).name end,
  ["permission_groups.create"] = function()
    return {name = unique("contract group"), description = "d",
            features = {{featureName = "alerts", operations = {READ = true}}}}
  end,
  ["permission_groups.delete"] = function(c) return new_permission_group(c) end,
  ["permission_groups.get"] = function(c) return first(c.permission_groups:list()).id end,
  ["permission_groups.update"] = function(c)
    return new_permission_group(c), {name = unique("contract group"), description = "e",
                                     features = {{featureName = "alerts", operations = {READ = true}}}}
  end,

  ["policies.by_name"] = function(c) return first(c.policies:list()).name end,
  ["policies.create"] = function() return new_policy(unique("contract policy")) end,
  ["policies.delete"] = function(c) return must(c.policies:create(new_policy(unique("contract policy")))).policyId end,
  ["policies.filter_options"] = function() return "policy.severity" end,
  ["policies.get"] = function(c) return first(c.policies:list()).policyId end,
  ["policies.set_enabled"] = function(c) return first(c.policies:list()).policyId, true end,
  ["policies.update"] = function(c)
    local p = must(c.policies:create(new_policy(unique("contract policy"))))
    return p.policyId, must(c.policies:get(p.policyId))
  end,
  ["policies.validate"] = function() return new_policy("contract validate") end,

  ["reports.by_name"] = function(c) return first(c.reports:list()).name end,
  ["reports.create"] = function() return {name = unique("contract report"), cloudType = "aws"} end,
  ["reports.delete"] = function(c) return new_report(c) end,
  ["reports.download"] = function(c) return new_report(c), temp_path() end,
  ["reports.filter_options"] = function() return "frequency" end,
  ["reports.generate"] = function()
    return {name = unique("contract report"), cloudType = "aws"}, temp_path(), FAST
  end,
  ["reports.get"] = function(c) return new_report(c) end,
  ["reports.history"] = function(c) return new_report(c) end,
  ["reports.instance"] = function(c)
    local id = new_report(c)
    return id, first(c.reports:history(id)).lastScheduled
  end,
  ["reports.status"] = function(c) return new_report(c) end,
  ["reports.update"] = function(c)
    local id = new_report(c)
    local r = must(c.reports:get(id))
    return id, {name = unique("contract report"), cloudType = "aws", type = r.type, target = r.target}
  end,

  ["resource_lists.by_name"] = function(c) return must(c.resource_lists:get(new_resource_list(c))).name end,
  ["resource_lists.create"] = function()
    return {name = unique("contract list"), resourceListType = "TAG", members = {{env = "prod"}}}
  end,
  ["resource_lists.delete"] = function(c) return new_resource_list(c) end,
  ["resource_lists.get"] = function(c) return new_resource_list(c) end,
  ["resource_lists.update"] = function(c)
    return new_resource_list(c), {name = unique("contract list"), resourceListType = "TAG", members = {{env = "dev"}}}
  end,

  ["resources.alerts"] = function(c) return resource(c).rrn end,
  ["resources.asset"] = function(c) return resource(c).unifiedAssetId end,
  ["resources.get"] = function(c) return resource(c).rrn end,
  ["resources.network"] = function(c)
    for r in c.resources:scan_info{page_size = 500} do
      if r.rrn:find("aws-ec2-describe-security-groups", 1, true) then return r.rrn end
    end
    error("no security group")
  end,
  ["resources.raw"] = function(c) return resource(c).rrn end,
  ["resources.scan_info"] = function() return {max_items = 3} end,
  ["resources.scan_info_pages"] = function() return {max_pages = 1} end,
  ["resources.timeline"] = function(c) return resource(c).rrn end,

  ["roles.by_name"] = function(c) return first(c.roles:list()).name end,
  ["roles.create"] = function(c)
    return {name = unique("contract role"), roleType = "Account Group Read Only", accountGroupIds = {group_id(c)}}
  end,
  ["roles.delete"] = function(c) return new_role(c) end,
  ["roles.get"] = function(c) return first(c.roles:list()).id end,
  ["roles.update"] = function(c)
    return new_role(c), {name = unique("contract role"), roleType = "Account Group Read Only",
                         accountGroupIds = {group_id(c)}}
  end,

  ["saved_searches.by_name"] = function(c) return must(c.saved_searches:get(new_saved_search(c))).name end,
  ["saved_searches.create"] = function() return {name = unique("contract search"), query = CONFIG_Q} end,
  ["saved_searches.delete"] = function(c) return new_saved_search(c) end,
  ["saved_searches.get"] = function(c) return new_saved_search(c) end,
  ["saved_searches.run"] = function(c) return new_saved_search(c), {max_items = 2} end,
  ["saved_searches.update"] = function(c) return new_saved_search(c), {description = "changed"} end,

  ["search.config"] = function() return CONFIG_Q, {max_items = 2} end,
  ["search.config_by_id"] = function(c) return new_saved_search(c), {max_items = 2} end,
  ["search.config_pages"] = function() return CONFIG_Q, {max_pages = 1} end,
  ["search.event"] = function() return EVENT_Q, {max_items = 2} end,
  ["search.event_aggregate"] = function() return EVENT_Q end,
  ["search.event_pages"] = function() return EVENT_Q, {max_pages = 1} end,
  ["search.event_raw"] = function(c) return must(c.search:event(EVENT_Q, {max_items = 1}):next()).id end,
  ["search.for_alert"] = function(c) return alert_id(c, {policy_type = "network"}) end,
  ["search.iam"] = function() return IAM_Q, {max_items = 2} end,
  ["search.iam_access"] = function(c)
    return must(c.search:iam(IAM_Q, {max_items = 1}):next()).id, IAM_Q, {max_items = 2}
  end,
  ["search.iam_pages"] = function() return IAM_Q, {max_pages = 1} end,
  ["search.iam_suggest"] = function() return "config from iam where " end,
  ["search.network"] = function() return "network from vpc.flow_record where protocol = 'TCP'" end,
  ["search.suggest"] = function() return "config from cloud.resource where api." end,

  ["settings.add_trusted_list"] = function(c)
    return {name = unique("contract list"), trustedListType = "domain", applicablePolicies = {dns_policy(c)},
            trustedListEntries = {{domain = "cdn.example.com"}}, description = "d"}
  end,
  ["settings.anomalies"] = function() return "UEBA" end,
  ["settings.anomaly"] = function(c) return anomaly_policy(c) end,
  -- create_oidc and create_saml run first (the walk is sorted): a second create is refused
  ["settings.create_oidc"] = function() return OIDC end,
  ["settings.create_saml"] = function() return SAML end,
  ["settings.delete_trusted_list"] = function(c) return new_trusted_list(c) end,
  ["settings.oidc"] = function(c) oidc(c) end,
  ["settings.oidc_login_url"] = function(c) oidc(c) return {user_name = "alice@example.com"} end,
  ["settings.patch_oidc"] = function(c) oidc(c) return {isJitEnabled = false} end,
  ["settings.saml"] = function(c) saml(c) end,
  ["settings.trusted_list"] = function(c) return first(c.settings:trusted_lists()).id end,
  ["settings.trusted_list_by_name"] = function(c) return first(c.settings:trusted_lists()).name end,
  ["settings.trusted_list_policies"] = function() return "domain" end,
  ["settings.update"] = function() return {sessionTimeout = 30} end,
  ["settings.update_anomaly"] = function(c)
    return anomaly_policy(c), {alertDisposition = "Conservative", trainingModelThreshold = "High"}
  end,
  ["settings.update_oidc"] = function(c)
    oidc(c)
    local o = {}
    for k, v in pairs(OIDC) do o[k] = v end
    o.clientSecret = nil
    return o
  end,
  ["settings.update_saml"] = function(c) saml(c) return SAML end,
  ["settings.update_trusted_list"] = function(c)
    return new_trusted_list(c), {name = unique("contract list"), trustedListType = "domain",
      applicablePolicies = {dns_policy(c)}, trustedListEntries = {{domain = "cdn2.example.com"}}}
  end,

  ["trusted_ips.add_cidr"] = function(c) return new_network(c), cidr() end,
  ["trusted_ips.add_login_ips"] = function() return {name = unique("contract ips"), cidr = {"127.0.0.0/8"}} end,
  ["trusted_ips.add_network"] = function() return unique("contract net") end,
  ["trusted_ips.delete_cidr"] = function(c)
    local net = new_network(c)
    return net, must(c.trusted_ips:add_cidr(net, cidr())).uuid
  end,
  ["trusted_ips.delete_login_ips"] = function(c) return new_login_ips(c) end,
  ["trusted_ips.login_ip"] = function(c) return first(c.trusted_ips:login_ips()).id end,
  ["trusted_ips.login_ips_by_name"] = function(c) return first(c.trusted_ips:login_ips()).name end,
  ["trusted_ips.network"] = function(c) return first(c.trusted_ips:networks()).uuid end,
  ["trusted_ips.network_by_name"] = function(c) return first(c.trusted_ips:networks()).name end,
  ["trusted_ips.rename_network"] = function(c) return new_network(c), unique("contract net") end,
  ["trusted_ips.set_login_ips_enabled"] = function() return false end,
  ["trusted_ips.update_cidr"] = function(c)
    local net = new_network(c)
    return net, must(c.trusted_ips:add_cidr(net, cidr())).uuid, {cidr = cidr(), description = ""}
  end,
  ["trusted_ips.update_login_ips"] = function(c)
    return new_login_ips(c), {name = unique("contract ips"), cidr = {"127.0.0.1/32"}}
  end,

  ["users.create"] = function(c)
    local dev = role_id(c, "Developer")
    counter = counter + 1
    return {email = ("contract%d@example.com"):format(counter), firstName = "C", lastName = "T", timeZone = "UTC",
            roleIds = {dev}, defaultRoleId = dev}
  end,
  ["users.create_account"] = function(c)
    return {type = "SERVICE_ACCOUNT", username = unique("svc"):gsub(" ", "-"), accessKeyName = unique("key"),
            defaultRoleId = role_id(c, "Developer"), timeZone = "UTC"}
  end,
  ["users.delete"] = function(c) return new_user(c) end,
  ["users.get"] = function() return "alice@example.com" end,
  ["users.set_enabled"] = function(c) return new_user(c), false end,
  ["users.set_sso_bypass"] = function() return {"bob@example.com"} end,
  ["users.update"] = function(c) return new_user(c), {lastName = "Mulder"} end,
  ["users.update_me"] = function() return {timeZone = "UTC"} end,
}

--------------------------------------------------------------------------
-- The spec.
--------------------------------------------------------------------------

describe("the return contract", function()
  local fx = server.fixture{alerts = 200, resources = 50, csv_delay_ms = 0}
  local dead

  setup(function()
    dead = prismacloud.new{url = "http://127.0.0.1:1", access_key = "test-key", secret_key = "test-secret",
                           retries = 0, connect_timeout = 2}
    local status = fx.srv.request("POST", "/_emulator/reports", {delay_ms = 0})
    assert(status == 200, "report settings refused")
  end)
  teardown(function() if dead then dead:close() end end)
  after_each(function()
    for _, path in ipairs(temps) do os.remove(path) end
    temps = {}
  end)

  local all = verbs()

  it("walks every public family function, with the ones it cannot call named and explained", function()
    assert.is_true(#all >= 250, "only " .. #all .. " family functions found")
    local known = {}
    for _, v in ipairs(all) do known[v.family .. "." .. v.name] = true end
    for key in pairs(SKIP) do assert(known[key], "SKIP names " .. key .. ", which is no family function") end
    for key in pairs(ARGS) do assert(known[key], "ARGS names " .. key .. ", which is no family function") end
  end)

  for _, v in ipairs(all) do
    local key = v.family .. "." .. v.name
    if not SKIP[key] then
      it(("%s: %s"):format(key, v.syntax), function()
        local client = fx.client
        local build = ARGS[key]
        local args = build and table.pack(build(client, fx.srv)) or table.pack()
        local function call(c)
          local fn = assert(c[v.family][v.name], key .. " is not reachable from the client")
          local given = {}
          for i = 1, args.n do given[i] = args[i] == client and c or args[i] end -- a client argument follows c
          if v.method then return table.pack(fn(c[v.family], table.unpack(given, 1, args.n))) end
          return table.pack(fn(table.unpack(given, 1, args.n)))
        end
        local r = call(client)
        if not v.promise.iterator and r[1] == nil then
          error(("%s failed against the emulator (fix its ARGS): %s"):format(key, tostring(r[2])))
        end
        local wrong = check_success(v.promise, r)
        assert(wrong == nil, key .. " on success: " .. tostring(wrong))
        if v.promise.iterator then -- the first item or page comes as the syntax says
          local item, err = r[1]:next()
          assert(err == nil, key .. ": " .. tostring(err))
          assert(item == nil or type(item) == "table", key .. ": an item is a table")
        end
        wrong = check_failure(v.promise, call(dead))
        assert(wrong == nil, key .. " on failure: " .. tostring(wrong))
      end)
    end
  end
end)

describe("the return contract of client:send, client:call, verbs.call and prismacloud.jobs", function()
  local fx = server.fixture{csv_delay_ms = 0}
  local family_verbs = require "prismacloud.verbs"
  local jobs = require "prismacloud.jobs"
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  it("send and call: the body alone on success; the response through client:last_response()", function()
    local r = table.pack(client:send("GET", "/alert/count/open"))
    assert.equal(1, r.n)
    assert.equal("integer", math.type(r[1].count))
    local last = client:last_response()
    assert.equal(200, last.status)
    assert.equal("GET", last.method)
    assert.equal("/alert/count/open", last.path)
    assert.matches("^application/json", last.headers["content-type"])
    assert.equal(1, last.attempts)
    r = table.pack(client:call("get-alert-count", {status = "open"}))
    assert.equal(1, r.n)
    assert.is_table(r[1])
    r = table.pack(family_verbs.call(client, "get-alert-count", {status = "open"}))
    assert.equal(1, r.n)
    assert.is_table(r[1])
  end)

  it("a 2xx without a body is true, from send, call and verbs.call alike", function()
    for _, status in ipairs{200, 204} do
      srv.fault{path = "/alert/count/open", status = status, times = 3}
      for _, r in ipairs{table.pack(client:send("GET", "/alert/count/open")),
                         table.pack(client:call("get-alert-count", {status = "open"})),
                         table.pack(family_verbs.call(client, "get-alert-count", {status = "open"}))} do
        assert.equal(1, r.n)
        assert.is_true(r[1])
      end
      assert.equal(status, client:last_response().status)
    end
  end)

  it("failure is nil, err: an HTTP error, and no response at all", function()
    for _, r in ipairs{table.pack(client:send("GET", "/alert/P-nope")),
                       table.pack(client:call("get-alert", {id = "P-nope"})),
                       table.pack(family_verbs.call(client, "get-alert", {id = "P-nope"}))} do
      assert.equal(2, r.n)
      assert.is_nil(r[1])
      assert.is_true(prismacloud.is_error(r[2]))
      assert.is_number(r[2].status)
    end
    local dead <close> = prismacloud.new{url = "http://127.0.0.1:1", token = "t", retries = 0}
    local r = table.pack(dead:send("GET", "/cloud"))
    assert.equal(2, r.n)
    assert.equal("transport", r[2].kind)
    assert.is_nil(dead:last_response())
  end)

  it("a verb that reads fields of an answer without a body fails with a decode error, never raises", function()
    srv.fault{path = "/alert/count/open", status = 204}
    local r = table.pack(client.alerts:count())
    assert.equal(2, r.n)
    assert.is_nil(r[1])
    assert.equal("decode", r[2].kind)
    assert.equal("/alert/count/open", r[2].path)
    assert.equal(204, r[2].status)
    srv.fault{path = "/alert/count/open", status = 200, body = {nothing = "here"}}
    assert.equal("decode", select(2, client.alerts:count()).kind)
  end)

  it("an iterator whose page comes without a body ends; its first page is a decode error for list", function()
    srv.fault{path = "/v2/alert", status = 204, times = 2}
    local item, err = client.alerts:each{time_range = "7d"}:next()
    assert.is_nil(item)
    assert.is_nil(err)
    local r = table.pack(client.alerts:list{time_range = "7d"})
    assert.equal(2, r.n)
    assert.equal("decode", r[2].kind)
  end)

  it("jobs.wait and jobs.download: the result alone, or nil, err", function()
    local job = assert(client.alerts:csv_create{status = "open", time_range = "30d"})
    local r = table.pack(jobs.wait(function() return client.alerts:csv_status(job.id) end,
      function(s) return s.status == "READY_TO_DOWNLOAD" end, {interval = 0.01}))
    assert.equal(1, r.n)
    assert.equal("READY_TO_DOWNLOAD", r[1].status)
    local path = os.tmpname()
    r = table.pack(jobs.download(client, "download-alert-csv", {id = job.id}, path))
    assert.equal(1, r.n)
    assert.equal(path, r[1].output)
    assert.equal("integer", math.type(r[1].size))
    assert.equal(200, client:last_response().status)
    os.remove(path)
    r = table.pack(jobs.download(client, "download-alert-csv", {id = "no-such-job"}, path))
    assert.equal(2, r.n)
    assert.is_nil(r[1])
    assert.is_true(prismacloud.is_error(r[2]))
    assert.is_nil(io.open(path))
  end)
end)
