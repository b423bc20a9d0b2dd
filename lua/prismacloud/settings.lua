--- prismacloud.settings: tenant settings (`client.settings`): enterprise settings,
-- the anomaly policies' settings, the anomaly trusted lists, and single sign-on
-- (SAML and OpenID Connect).
--
--   local s = client.settings:get()
--   client.settings:update{sessionTimeout = 60, requireAlertDismissalNote = true}
--   for policy_id, a in pairs(client.settings:anomalies("UEBA")) do print(a.policyName, a.alertDisposition) end
--   client.settings:update_anomaly(policy_id, {alertDisposition = "Conservative", trainingModelThreshold = "High"})
--   client.settings:add_trusted_list{name = "scanner", trustedListType = "ip", applicablePolicies = {policy_id},
--                                    trustedListEntries = {{ipCIDR = "198.51.100.7/32"}}}
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

local check_string, check_table = verbs.check_string, verbs.check_table
-- Who an OpenID Connect login URL is for.
local OIDC_LOGIN = filters.define{params = {user_name = {"user_name", "value"}, prisma_id = {"prisma_id", "value"}}}

-- The anomaly trusted lists (integer ids): the shared shape (verbs.crud).
local trusted = verbs.crud{
  get = "getWhitelistEntryById", create = "addToTrustedList", update = "updateWhitelist",
  delete = "deleteFromTrustedList", integer = true,
  names = function(self) return self.client:call("getAllWhitelistEntries") end,
  fnames = {get = "trusted_list", create = "add_trusted_list", update = "update_trusted_list",
            delete = "delete_trusted_list", by_name = "trusted_list_by_name"},
}

--- The tenant's enterprise settings (session timeout, default policies, access key validity, ...).
-- syntax: settings, err = client.settings:get()
function F:get()
  return self.client:call("get-enterprise-settings")
end

--- Changes enterprise settings (the fields given; send back what get returned, edited).
-- syntax: ok, err = client.settings:update(settings [, {dry_run = true}])
function F:update(settings, opts)
  check_table(settings, 1, "update")
  return verbs.call(self.client, "update-enterprise-settings", {body = settings}, opts, "update")
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
  return verbs.call(self.client, "updateSettings", {policyid = policy_id, body = settings}, opts, "update_anomaly")
end

--- Every anomaly trusted list entry (what anomaly policies ignore).
-- syntax: lists, err = client.settings:trusted_lists()
function F:trusted_lists()
  return self.client:call("getAllWhitelistEntries")
end

--- One anomaly trusted list by its (integer) id.
-- syntax: list, err = client.settings:trusted_list(id)
F.trusted_list = trusted.get

--- The anomaly trusted list with exactly this name: list, or nil when there is none, or nil, err.
-- syntax: list, err = client.settings:trusted_list_by_name(name)
F.trusted_list_by_name = trusted.by_name

--- Adds an anomaly trusted list {name, trustedListType, applicablePolicies, trustedListEntries, ...}: its ids.
-- syntax: ids, err = client.settings:add_trusted_list(list [, {dry_run = true}])
F.add_trusted_list = trusted.create

--- Replaces an anomaly trusted list.
-- syntax: ids, err = client.settings:update_trusted_list(id, list [, {dry_run = true}])
F.update_trusted_list = trusted.update

--- Deletes an anomaly trusted list.
-- syntax: ok, err = client.settings:delete_trusted_list(id [, {dry_run = true}])
F.delete_trusted_list = trusted.delete

--- The kinds of anomaly trusted list ("ip", "resource", "domain", ...): {[type] = {name, description, ...}}.
-- syntax: types, err = client.settings:trusted_list_types()
function F:trusted_list_types()
  return self.client:call("getAllowedTrustedListTypes")
end

--- The anomaly policies a kind of trusted list applies to: {[policy id] = policy name}.
-- syntax: policies, err = client.settings:trusted_list_policies(type)
function F:trusted_list_policies(kind)
  check_string(kind, 1, "trusted_list_policies")
  return self.client:call("get-policies-anomalies", {query = {trustedListType = kind}})
end

--- The tenant's SAML single sign-on configuration.
-- syntax: config, err = client.settings:saml()
function F:saml()
  return self.client:call("get-saml-config")
end

--- Configures SAML single sign-on {identityProvider, certificate, enabled, ...} the first time.
-- syntax: ok, err = client.settings:create_saml(config [, {dry_run = true}])
function F:create_saml(config, opts)
  check_table(config, 1, "create_saml")
  return verbs.call(self.client, "create-saml-config", {body = config}, opts, "create_saml")
end

--- Replaces the SAML single sign-on configuration.
-- syntax: ok, err = client.settings:update_saml(config [, {dry_run = true}])
function F:update_saml(config, opts)
  check_table(config, 1, "update_saml")
  return verbs.call(self.client, "update-saml-config", {body = config}, opts, "update_saml")
end

--- The tenant's OpenID Connect (OAuth2) configuration (the client secret is never returned).
-- syntax: config, err = client.settings:oidc()
function F:oidc()
  return self.client:call("get-oauth2-config")
end

--- Configures OpenID Connect {clientId, clientSecret, issuer, scopes, idpAuthUri, tokenUri, ...}: its id.
-- syntax: id, err = client.settings:create_oidc(config [, {dry_run = true}])
function F:create_oidc(config, opts)
  check_table(config, 1, "create_oidc")
  return verbs.call(self.client, "create-oauth2-config", {body = config}, opts, "create_oidc")
end

--- Replaces the OpenID Connect configuration (every required field).
-- syntax: ok, err = client.settings:update_oidc(config [, {dry_run = true}])
function F:update_oidc(config, opts)
  check_table(config, 1, "update_oidc")
  return verbs.call(self.client, "update-oauth2-config", {body = config}, opts, "update_oidc")
end

--- Changes only the given fields of the OpenID Connect configuration.
-- syntax: ok, err = client.settings:patch_oidc(fields [, {dry_run = true}])
function F:patch_oidc(fields, opts)
  check_table(fields, 1, "patch_oidc")
  return verbs.call(self.client, "patch-oauth2-config", {body = fields}, opts, "patch_oidc")
end

--- The URL that starts an OpenID Connect login: {url = ...}.
-- syntax: result, err = client.settings:oidc_login_url([{user_name =, prisma_id =}])
function F:oidc_login_url(who)
  return self.client:call("get-oidc-login-url", {query = OIDC_LOGIN:query(who, "oidc_login_url")})
end

return F
