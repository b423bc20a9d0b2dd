--- prismacloud.cloud_accounts: the cloud account family (`client.cloud_accounts`).
--
--   for a in client.cloud_accounts:each() do print(a.cloudType, a.name, a.status) end
--   local a = client.cloud_accounts:by_name("aws-prod")
--   client.cloud_accounts:set_enabled(a.cloudAccount.accountId, false)
--   client.cloud_accounts:create("aws", {accountId = "123456789012", name = "prod", accountType = "account",
--                                        roleArn = "arn:aws:iam::123456789012:role/PrismaCloudRole",
--                                        groupIds = {group_id}})
--
-- Onboarding bodies differ per cloud (see the reference's *-onboarding.md): AWS is flat
-- {accountId, accountType, name, roleArn, groupIds, features}; Azure and GCP wrap the account in
-- cloudAccount = {accountId, accountType, name, groupIds} beside their credentials; Alibaba
-- ("alibaba_cloud") and OCI take their own flat bodies.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()


-- Cloud type spellings -> the API's path value.
local CLOUDS = {aws = "aws", azure = "azure", gcp = "gcp", alibaba = "alibaba_cloud", alibaba_cloud = "alibaba_cloud",
                oci = "oci"}

-- Per cloud: the operations that add, update and dry-run an account, and the update's id parameter.
local ONBOARDING = {
  aws = {create = "add-aws-cloud-account", update = "update-aws-cloud-account", id = "id",
         status = "get-aws-cloud-account-status"},
  azure = {create = "add-azure-cloud-account", update = "update-azure-cloud-account", id = "account_id",
           status = "get-azure-cloud-account-status"},
  gcp = {create = "add-gcp-cloud-account", update = "update-gcp-cloud-account", id = "id",
         status = "get-gcp-cloud-account-status"},
  alibaba_cloud = {create = "add-cloud-account", update = "update-cloud-account", id = "id",
                   status = "get-cloud-account-status"},
}
ONBOARDING.oci = ONBOARDING.alibaba_cloud
-- The clouds whose onboarding operations take the cloud type in their path.
local FLAT = {alibaba_cloud = true, oci = true}

-- The API's cloud type for a spelling ("AWS", "alibaba", ...); raises naming argument n of fname.
local function cloud_of(v, n, fname)
  local cloud = type(v) == "string" and CLOUDS[v:lower()]
  if not cloud then
    error(("bad argument #%d to '%s' (cloud type aws, azure, gcp, alibaba_cloud or oci expected, got %s)"):format(
      n, fname, type(v) == "string" and ("'" .. v .. "'") or type(v)), 3)
  end
  return cloud
end

-- The query of an onboarding write: skipStatusChecks when asked.
local function write_query(opts)
  if opts.skip_status_checks then return {skipStatusChecks = true} end
  return nil
end

-- The list options: {details = false} leaves the account groups out, {pending = true} adds pending accounts.
local LIST_OPTS = filters.define{params = {details = {"excludeAccountGroupDetails", "negated"},
                                           pending = {"includePendingAccounts", "flag"}}}
-- The options of names and types.
local NAMES_OPTS = filters.define{params = {cloud_type = {"cloudType", "value"}, only_active = {"onlyActive", "value"},
                                            account_group_ids = {"accountGroupIds", "value"}}}
local TYPES_OPTS = filters.define{params = {accessible = {"onlyAccessible", "flag"}}}

--- Every cloud account.
-- syntax: accounts, err = client.cloud_accounts:list([{details = false, pending = true}])
function F:list(opts)
  return self.client:call("get-cloud-accounts", {query = LIST_OPTS:query(opts, "list")})
end

--- The cloud accounts one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for account in client.cloud_accounts:each([opts]) do ... end
function F:each(opts)
  return pager.items(self.client, pager.single{op = "get-cloud-accounts", query = LIST_OPTS:query(opts, "each")})
end

--- Account ids and names {id, name, cloudType}, optionally filtered.
-- syntax: names, err = client.cloud_accounts:names([{cloud_type =, only_active =, account_group_ids = {...}}])
function F:names(filter)
  return self.client:call("get-cloud-account-names", {query = NAMES_OPTS:query(filter, "names")})
end

--- One cloud account by cloud type ("aws", "azure", "gcp", ...) and id.
-- syntax: account, err = client.cloud_accounts:get(cloud_type, id)
function F:get(cloud_type, id)
  local cloud = cloud_of(cloud_type, 1, "get")
  verbs.check_string(id, 2, "get", "account id string")
  return self.client:call("get-cloud-account", {cloud_type = cloud, id = id})
end

--- Onboards a cloud account (the body of its cloud type): true, or nil, err.
-- syntax: ok, err = client.cloud_accounts:create(cloud_type, account [, {skip_status_checks =, dry_run =}])
function F:create(cloud_type, account, opts)
  local cloud = cloud_of(cloud_type, 1, "create")
  verbs.check_table(account, 2, "create")
  opts = verbs.options(opts, {dry_run = true, skip_status_checks = true}, "create")
  return verbs.call(self.client, ONBOARDING[cloud].create,
    {cloud_type = FLAT[cloud] and cloud or nil, query = write_query(opts), body = account}, opts)
end

--- Replaces an onboarded account's settings (the body of its cloud type): true, or nil, err.
-- syntax: ok, err = client.cloud_accounts:update(cloud_type, id, account [, {skip_status_checks =, dry_run =}])
function F:update(cloud_type, id, account, opts)
  local cloud = cloud_of(cloud_type, 1, "update")
  verbs.check_string(id, 2, "update", "account id string")
  verbs.check_table(account, 3, "update")
  opts = verbs.options(opts, {dry_run = true, skip_status_checks = true}, "update")
  local on = ONBOARDING[cloud]
  return verbs.call(self.client, on.update,
    {cloud_type = FLAT[cloud] and cloud or nil, [on.id] = id, query = write_query(opts), body = account}, opts)
end

--- Changes some of an account's settings {enabled, groupIds, autoConsent, updateChildrenStatus}.
-- syntax: ok, err = client.cloud_accounts:patch(cloud_type, id, changes [, {dry_run = true}])
function F:patch(cloud_type, id, changes, opts)
  local cloud = cloud_of(cloud_type, 1, "patch")
  verbs.check_string(id, 2, "patch", "account id string")
  verbs.check_table(changes, 3, "patch")
  return verbs.call(self.client, "patch-cloud-account", {cloud_type = cloud, id = id, body = changes}, opts, "patch")
end

--- Offboards (deletes) a cloud account.
-- syntax: ok, err = client.cloud_accounts:delete(cloud_type, id [, {dry_run = true}])
function F:delete(cloud_type, id, opts)
  local cloud = cloud_of(cloud_type, 1, "delete")
  verbs.check_string(id, 2, "delete", "account id string")
  return verbs.call(self.client, "delete-cloud-account", {cloud_type = cloud, id = id}, opts, "delete")
end

--- An onboarding trial run: the status of each capability for an account body, before or after
-- onboarding ({{name, status = "ok"|"warning"|"error", statusMessage}, ...}).
-- syntax: statuses, err = client.cloud_accounts:status(cloud_type, account)
function F:status(cloud_type, account)
  local cloud = cloud_of(cloud_type, 1, "status")
  verbs.check_table(account, 2, "status")
  return self.client:call(ONBOARDING[cloud].status, {cloud_type = FLAT[cloud] and cloud or nil, body = account})
end

--- The capabilities of an onboarded account whose status is a warning or an error, with remediation hints.
-- syntax: statuses, err = client.cloud_accounts:config_status(id)
function F:config_status(id)
  verbs.check_string(id, 1, "config_status", "account id string")
  return self.client:call("list-cloud-account-status-details", {accountId = id})
end

--- The cloud types Prisma Cloud supports (only those with accessible accounts with {accessible = true}).
-- syntax: types, err = client.cloud_accounts:types([{accessible = true}])
function F:types(opts)
  return self.client:call("get-cloud-types", {query = TYPES_OPTS:query(opts, "types")})
end

--- The e-mail addresses of an account's owners.
-- syntax: owners, err = client.cloud_accounts:owners(id)
function F:owners(id)
  verbs.check_string(id, 1, "owners", "account id string")
  return self.client:call("get-cloud-account-owners", {id = id})
end

--- Enables or disables a cloud account.
-- syntax: ok, err = client.cloud_accounts:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  verbs.check_string(id, 1, "set_enabled", "account id string")
  verbs.check_boolean(enabled, 2, "set_enabled")
  return verbs.call(self.client, "update-cloud-account-status", {id = id, enabled = tostring(enabled)},
    opts, "set_enabled")
end

--- The cloud account with exactly this name: account, or nil when there is none, or nil, err.
-- syntax: account, err = client.cloud_accounts:by_name(name)
function F:by_name(name)
  if type(name) ~= "string" then
    error(("bad argument #1 to 'by_name' (string expected, got %s)"):format(type(name)), 2)
  end
  local names, err = verbs.table_body(self.client, self:names())
  if not names then return nil, err end
  for _, a in ipairs(names) do
    if a.name == name then return self:get(a.cloudType, a.id) end
  end
  return nil
end

return F
