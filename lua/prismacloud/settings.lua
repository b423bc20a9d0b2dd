--- prismacloud.settings: tenant settings (`client.settings`): enterprise settings and
-- the anomaly policies' settings.
--
--   local s = client.settings:get()
--   client.settings:update{sessionTimeout = 60, requireAlertDismissalNote = true}
--   for policy_id, a in pairs(client.settings:anomalies("UEBA")) do print(a.policyName, a.alertDisposition) end
--   client.settings:update_anomaly(policy_id, {alertDisposition = "Conservative", trainingModelThreshold = "High"})
local pager = require "prismacloud.pager"

local F = {}
F.__index = F
local DRY = {dry_run = true}

local function check_string(v, n, fname)
  if type(v) ~= "string" or v == "" then
    error(("bad argument #%d to '%s' (string expected, got %s)"):format(n, fname,
      v == "" and "an empty string" or type(v)), 3)
  end
end

local function check_table(v, n, fname)
  if type(v) ~= "table" then
    error(("bad argument #%d to '%s' (table expected, got %s)"):format(n, fname, type(v)), 3)
  end
end

--- The tenant's enterprise settings (session timeout, default policies, access key validity, ...).
-- syntax: settings, err = client.settings:get()
function F:get()
  return self.client:call("get-enterprise-settings")
end

--- Changes enterprise settings (the fields given; send back what get returned, edited).
-- syntax: ok, err = client.settings:update(settings [, {dry_run = true}])
function F:update(settings, opts)
  check_table(settings, 1, "update")
  opts = pager.options(opts, DRY, "update")
  return pager.call(self.client, "update-enterprise-settings", {body = settings}, opts)
end

--- The settings of every anomaly policy of a type ("Network", "UEBA", "DNS"): {[policy id] = settings}.
-- syntax: settings, err = client.settings:anomalies(type)
function F:anomalies(kind)
  check_string(kind, 1, "anomalies")
  return self.client:call("getAllAnomaliesSettings", {query = {type = kind}})
end

--- The anomaly settings of one policy.
-- syntax: settings, err = client.settings:anomaly(policy_id)
function F:anomaly(policy_id)
  check_string(policy_id, 1, "anomaly")
  return self.client:call("getAnomaliesSettings", {policyid = policy_id})
end

--- Changes one anomaly policy's settings {alertDisposition, trainingModelThreshold}.
-- syntax: ok, err = client.settings:update_anomaly(policy_id, settings [, {dry_run = true}])
function F:update_anomaly(policy_id, settings, opts)
  check_string(policy_id, 1, "update_anomaly")
  check_table(settings, 2, "update_anomaly")
  opts = pager.options(opts, DRY, "update_anomaly")
  return pager.call(self.client, "updateSettings", {policyid = policy_id, body = settings}, opts)
end

return F
