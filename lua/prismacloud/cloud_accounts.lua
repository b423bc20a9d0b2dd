--- prismacloud.cloud_accounts: the cloud account family (`client.cloud_accounts`).
--
--   for a in client.cloud_accounts:each() do print(a.cloudType, a.name, a.status) end
--   local a = client.cloud_accounts:by_name("aws-prod")
--   client.cloud_accounts:set_enabled(a.cloudAccount.accountId, false)
local pager = require "prismacloud.pager"

local F = {}
F.__index = F

local function list_query(opts, fname)
  opts = pager.options(opts, {details = true, pending = true}, fname)
  local q = {}
  if opts.details == false then q.excludeAccountGroupDetails = true end
  if opts.pending then q.includePendingAccounts = true end
  return next(q) and q or nil
end

--- Every cloud account.
-- syntax: accounts, err = client.cloud_accounts:list([{details = false, pending = true}])
function F:list(opts)
  return self.client:call("get-cloud-accounts", {query = list_query(opts, "list")})
end

--- The cloud accounts one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for account in client.cloud_accounts:each([opts]) do ... end
function F:each(opts)
  return pager.items(self.client, pager.single{path = "/cloud", query = list_query(opts, "each")})
end

--- Account ids and names {id, name, cloudType}, optionally filtered.
-- syntax: names, err = client.cloud_accounts:names([{cloud_type =, only_active =, account_group_ids = {...}}])
function F:names(filter)
  filter = pager.options(filter, {cloud_type = true, only_active = true, account_group_ids = true}, "names")
  local q = {cloudType = filter.cloud_type, onlyActive = filter.only_active, accountGroupIds = filter.account_group_ids}
  return self.client:call("get-cloud-account-names", {query = q})
end

--- One cloud account by cloud type ("aws", "azure", "gcp", ...) and id.
-- syntax: account, err = client.cloud_accounts:get(cloud_type, id)
function F:get(cloud_type, id)
  if type(cloud_type) ~= "string" then error("bad argument #1 to 'get' (cloud type string expected)", 2) end
  return self.client:call("get-cloud-account", {cloud_type = cloud_type:lower(), id = id})
end

--- Enables or disables a cloud account.
-- syntax: ok, err = client.cloud_accounts:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  if type(enabled) ~= "boolean" then
    error(("bad argument #2 to 'set_enabled' (boolean expected, got %s)"):format(type(enabled)), 2)
  end
  opts = pager.options(opts, {dry_run = true}, "set_enabled")
  return pager.call(self.client, "update-cloud-account-status", {id = id, enabled = tostring(enabled)}, opts)
end

--- The cloud account with exactly this name: account, or nil when there is none, or nil, err.
-- syntax: account, err = client.cloud_accounts:by_name(name)
function F:by_name(name)
  if type(name) ~= "string" then error("bad argument #1 to 'by_name' (string expected)", 2) end
  local names, err = self:names()
  if not names then return nil, err end
  for _, a in ipairs(names) do
    if a.name == name then return self:get(a.cloudType, a.id) end
  end
  return nil
end

return F
