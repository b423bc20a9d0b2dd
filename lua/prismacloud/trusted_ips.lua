--- prismacloud.trusted_ips: trusted IP addresses (`client.trusted_ips`): the alert allow
-- list (named networks of CIDR blocks, /allow_list/network) and the login IP allow lists
-- (/ip_allow_list_login).
--
--   local net = client.trusted_ips:add_network("office")
--   client.trusted_ips:add_cidr(net.uuid, {cidr = "198.51.100.0/24", description = "HQ"})
--   client.trusted_ips:add_login_ips{name = "vpn", cidr = {"203.0.113.0/24"}}
--   client.trusted_ips:set_login_ips_enabled(true)
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"

local F = verbs.family()

local check_string = verbs.check_string

-- Networks (get and by_name) and login IP allow lists: the shared shape (verbs.crud).
local networks = verbs.crud{
  get = "get-network-info", id = "networkUuid",
  names = function(self) return self.client:call("get-networks-list") end,
  fnames = {get = "network", by_name = "network_by_name"},
}
local login_lists = verbs.crud{
  get = "get-login-ip-allow-list", create = "insert-login-ip-allow-list", update = "update-login-ip-allow-list",
  delete = "delete-login-ip-allow-list",
  names = function(self) return self.client:call("list-login-ip-allow-lists") end,
  fnames = {get = "login_ip", create = "add_login_ips", update = "update_login_ips", delete = "delete_login_ips",
            by_name = "login_ips_by_name"},
}

--------------------------------------------------------------------------
-- Trusted alert IPs: networks and their CIDR blocks.
--------------------------------------------------------------------------

--- Every trusted network with its CIDR blocks.
-- syntax: networks, err = client.trusted_ips:networks()
function F:networks()
  return self.client:call("get-networks-list")
end

--- The trusted networks one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for network in client.trusted_ips:each_network([{max_items =}]) do ... end
function F:each_network(paging)
  return pager.items(self.client, pager.single{op = "get-networks-list"}, paging)
end

--- One trusted network by uuid.
-- syntax: network, err = client.trusted_ips:network(uuid)
F.network = networks.get

--- The trusted network with exactly this name: network, or nil when there is none, or nil, err.
-- syntax: network, err = client.trusted_ips:network_by_name(name)
F.network_by_name = networks.by_name

--- Adds a trusted network (without CIDR blocks) by name: the network {uuid, name, cidrs}.
-- syntax: network, err = client.trusted_ips:add_network(name [, {dry_run = true}])
function F:add_network(name, opts)
  check_string(name, 1, "add_network")
  return verbs.call(self.client, "add-a-network", {body = {name = name}}, opts, "add_network")
end

--- Renames a trusted network.
-- syntax: ok, err = client.trusted_ips:rename_network(uuid, name [, {dry_run = true}])
function F:rename_network(uuid, name, opts)
  check_string(uuid, 1, "rename_network")
  check_string(name, 2, "rename_network")
  return verbs.call(self.client, "rename-a-network", {networkUuid = uuid, body = {name = name}}, opts, "rename_network")
end

-- A CIDR argument: "198.51.100.0/24" or {cidr =, description =}.
local function cidr_body(cidr, n, fname)
  if type(cidr) == "string" then return {cidr = cidr} end
  if type(cidr) ~= "table" then
    error(("bad argument #%d to '%s' (CIDR string or table expected, got %s)"):format(n, fname, type(cidr)), 3)
  end
  return cidr
end

--- Adds a CIDR block ("198.51.100.0/24" or {cidr, description}) to a network: the block {uuid, cidr, ...}.
-- syntax: block, err = client.trusted_ips:add_cidr(network_uuid, cidr [, {dry_run = true}])
function F:add_cidr(network_uuid, cidr, opts)
  check_string(network_uuid, 1, "add_cidr")
  local body = cidr_body(cidr, 2, "add_cidr")
  return verbs.call(self.client, "add-cidr-block", {networkUuid = network_uuid, body = body}, opts, "add_cidr")
end

--- Replaces a CIDR block and its description (a blank description removes it).
-- syntax: ok, err = client.trusted_ips:update_cidr(network_uuid, cidr_uuid, cidr [, {dry_run = true}])
function F:update_cidr(network_uuid, cidr_uuid, cidr, opts)
  check_string(network_uuid, 1, "update_cidr")
  check_string(cidr_uuid, 2, "update_cidr")
  local body = cidr_body(cidr, 3, "update_cidr")
  return verbs.call(self.client, "update-cidr-block", {networkUuid = network_uuid, cidrUuid = cidr_uuid,
                                                       body = body}, opts, "update_cidr")
end

--- Deletes a CIDR block from a network.
-- syntax: ok, err = client.trusted_ips:delete_cidr(network_uuid, cidr_uuid [, {dry_run = true}])
function F:delete_cidr(network_uuid, cidr_uuid, opts)
  check_string(network_uuid, 1, "delete_cidr")
  check_string(cidr_uuid, 2, "delete_cidr")
  return verbs.call(self.client, "delete-cidr-block", {networkUuid = network_uuid, cidrUuid = cidr_uuid},
    opts, "delete_cidr")
end

--------------------------------------------------------------------------
-- Trusted login IPs: named lists of CIDRs allowed to log in.
--------------------------------------------------------------------------

--- Every login IP allow list {id, name, description, cidr = {...}}.
-- syntax: lists, err = client.trusted_ips:login_ips()
function F:login_ips()
  return self.client:call("list-login-ip-allow-lists")
end

--- One login IP allow list by id.
-- syntax: list, err = client.trusted_ips:login_ip(id)
F.login_ip = login_lists.get

--- The login IP allow list with exactly this name: list, or nil when there is none, or nil, err.
-- syntax: list, err = client.trusted_ips:login_ips_by_name(name)
F.login_ips_by_name = login_lists.by_name

--- Adds a login IP allow list {name, cidr = {1 to 10 CIDRs}, description}: the list.
-- syntax: list, err = client.trusted_ips:add_login_ips(list [, {dry_run = true}])
F.add_login_ips = login_lists.create

--- Replaces a login IP allow list {name, cidr, description}: the list.
-- syntax: list, err = client.trusted_ips:update_login_ips(id, list [, {dry_run = true}])
F.update_login_ips = login_lists.update

--- Deletes a login IP allow list.
-- syntax: ok, err = client.trusted_ips:delete_login_ips(id [, {dry_run = true}])
F.delete_login_ips = login_lists.delete

--- Whether logins are restricted to the login IP allow lists: true or false, or nil, err.
-- syntax: enabled, err = client.trusted_ips:login_ips_enabled()
function F:login_ips_enabled()
  local body, err = verbs.table_body(self.client, self.client:call("get-login-ip-allow-list-status"))
  if body == nil then return nil, err end
  return body.enabled == true
end

--- Turns the login IP allow lists on or off.
-- syntax: ok, err = client.trusted_ips:set_login_ips_enabled(enabled [, {dry_run = true}])
function F:set_login_ips_enabled(enabled, opts)
  verbs.check_boolean(enabled, 1, "set_login_ips_enabled")
  return verbs.call(self.client, "update-login-ip-allow-list-status", {body = {enabled = enabled}},
    opts, "set_login_ips_enabled")
end

return F
