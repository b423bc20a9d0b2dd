-- prismacloud.emulator.trusted_ips: trusted IP addresses (IPAllowList.json): the trusted alert
-- IPs (named networks of CIDR blocks) and the login IP allow lists, over the store of
-- prismacloud.emulator.settings (which seeds them).
--
--   GET|POST /allow_list/network, GET|PUT /allow_list/network/{uuid},
--   POST /allow_list/network/{uuid}/cidr, PUT|DELETE /allow_list/network/{uuid}/cidr/{cidrUuid}
--   GET|POST /ip_allow_list_login, GET|PUT|DELETE /ip_allow_list_login/{id}, GET|PATCH /ip_allow_list_login/status
--
-- Trusted alert IPs: 400 invalid_parameter_value for a bad name or CIDR (not
-- a network address, private per RFC 1918, or overlapping another block), a
-- duplicate name, or an unknown network when adding a CIDR; 404 no_results
-- for an unknown network or CIDR elsewhere. Login IP allow lists: 400
-- login_ip_allow_list_missing_cidr_field / _invalid_cidr_format /
-- _cidr_list_size_exceeded (over 10) / _size_exceeded (over 50 lists), 409
-- login_ip_allow_list_duplicate_key (create) and _duplicate_name (update),
-- 404 not_found; while enabled, a change that would lock the caller out is
-- 400 login_ip_allow_list_not_allowed_ip_absent and deleting the last list
-- 400 login_ip_allow_list_size_only_one_entry; enabling needs a list (400
-- login_ip_allow_list_enable_not_allowed_empty_list) covering the caller (400
-- login_ip_allow_list_enable_not_allowed_ip_absent). The caller's address is
-- the first X-Forwarded-For entry, else 127.0.0.1.
local api = require "prismacloud.emulator.api"
local settings = require "prismacloud.emulator.settings"

local M = {}

local array = api.array
local store = settings.store

M.MAX_LOGIN_CIDRS = 10
M.MAX_LOGIN_LISTS = 50

--------------------------------------------------------------------------
-- CIDR blocks (api.parse_cidr reads them).
--------------------------------------------------------------------------

-- The first and last address of a block.
local function span(addr, n)
  return addr, addr + (1 << (32 - n)) - 1
end

-- Whether two blocks share an address.
local function overlaps(a1, n1, a2, n2)
  local s1, e1 = span(a1, n1)
  local s2, e2 = span(a2, n2)
  return s1 <= e2 and s2 <= e1
end

local PRIVATE = {{"10.0.0.0", 8}, {"172.16.0.0", 12}, {"192.168.0.0", 16}}

-- Whether a block reaches into a private network (RFC 1918).
local function private(addr, n)
  for _, p in ipairs(PRIVATE) do
    local pa = api.parse_cidr(p[1] .. "/" .. p[2])
    if overlaps(addr, n, pa, p[2]) then return true end
  end
  return false
end

-- The caller's address, as a /32.
local function caller_ip(req)
  local fwd = req.headers["x-forwarded-for"]
  local ip = type(fwd) == "string" and fwd:match("^%s*([%d%.]+)") or "127.0.0.1"
  return api.parse_cidr(ip) or api.parse_cidr("127.0.0.1")
end

--------------------------------------------------------------------------
-- Trusted alert IPs: networks and CIDR blocks.
--------------------------------------------------------------------------

-- A network as the API answers it.
local function network_view(net)
  local cidrs = array{}
  for _, c in ipairs(net.cidrs) do
    cidrs[#cidrs + 1] = {uuid = c.uuid, cidr = c.cidr, description = c.description, createdOn = c.createdOn}
  end
  return {uuid = net.uuid, name = net.name, cidrs = cidrs}
end

-- Checks a network name; nil, or an error response.
local function check_network_name(req, s, name, self_uuid)
  if type(name) ~= "string" or name:match("^%s*$") then
    return api.fail(req, 400, "invalid_parameter_value", "name")
  end
  for _, net in ipairs(s.networks:list()) do
    if net.uuid ~= self_uuid and net.name:lower() == name:lower() then
      return api.fail(req, 400, "invalid_parameter_value", "name", "a network with this name exists")
    end
  end
  return nil
end

-- Checks a CIDR block body; nil, or an error response.
local function check_cidr(req, s, b, self_uuid)
  local addr, n = api.parse_cidr(b.cidr)
  if not addr then return api.fail(req, 400, "invalid_parameter_value", "cidr") end
  if private(addr, n) then
    return api.fail(req, 400, "invalid_parameter_value", "cidr", "private networks (RFC 1918) cannot be trusted")
  end
  if b.description ~= nil and type(b.description) ~= "string" then
    return api.fail(req, 400, "invalid_parameter_value", "description")
  end
  for _, net in ipairs(s.networks:list()) do
    for _, c in ipairs(net.cidrs) do
      local ca, cn = api.parse_cidr(c.cidr)
      if c.uuid ~= self_uuid and overlaps(addr, n, ca, cn) then
        return api.fail(req, 400, "invalid_parameter_value", "cidr", "overlaps " .. c.cidr)
      end
    end
  end
  return nil
end

-- The block of a network with that uuid, and its index; nil when none.
local function find_cidr(net, uuid)
  for i, c in ipairs(net.cidrs) do
    if c.uuid == uuid then return c, i end
  end
end

-- The routes of the trusted alert IPs.
local function network_routes(router, app)
  router:add("GET", "/allow_list/network", function()
    local out = array{}
    for _, net in ipairs(store(app).networks:list()) do out[#out + 1] = network_view(net) end
    return api.json(200, out)
  end)

  router:add("POST", "/allow_list/network", function(req)
    local s = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    bad = check_network_name(req, s, b.name)
    if bad then return bad end
    local uuid = s.next_id()
    s.networks:put(uuid, {uuid = uuid, name = b.name, cidrs = {}})
    return api.json(200, network_view(s.networks.by_id[uuid]))
  end)

  router:add("GET", "/allow_list/network/:uuid", function(req, params)
    local net = store(app).networks.by_id[params.uuid]
    if not net then return api.fail(req, 404, "no_results", params.uuid) end
    return api.json(200, network_view(net))
  end)

  router:add("PUT", "/allow_list/network/:uuid", function(req, params)
    local s = store(app)
    local net = s.networks.by_id[params.uuid]
    if not net then return api.fail(req, 404, "no_results", params.uuid) end
    local b, bad = api.body(req, true)
    if not b then return bad end
    bad = check_network_name(req, s, b.name, net.uuid)
    if bad then return bad end
    net.name = b.name
    return api.empty(200)
  end)

  router:add("POST", "/allow_list/network/:uuid/cidr", function(req, params)
    local s = store(app)
    local net = s.networks.by_id[params.uuid]
    if not net then return api.fail(req, 400, "invalid_parameter_value", "networkUuid") end
    local b, bad = api.body(req, true)
    if not b then return bad end
    bad = check_cidr(req, s, b)
    if bad then return bad end
    local c = {uuid = s.next_id(), cidr = b.cidr, description = b.description or "", createdOn = api.now_ms()}
    net.cidrs[#net.cidrs + 1] = c
    return api.json(200, {uuid = c.uuid, cidr = c.cidr, description = c.description, createdOn = c.createdOn})
  end)

  router:add("PUT", "/allow_list/network/:uuid/cidr/:cidr", function(req, params)
    local s = store(app)
    local net = s.networks.by_id[params.uuid]
    local c = net and find_cidr(net, params.cidr)
    if not c then return api.fail(req, 404, "no_results", net and params.cidr or params.uuid) end
    local b, bad = api.body(req, true)
    if not b then return bad end
    bad = check_cidr(req, s, b, c.uuid)
    if bad then return bad end
    c.cidr, c.description = b.cidr, b.description or ""
    return api.empty(200)
  end)

  router:add("DELETE", "/allow_list/network/:uuid/cidr/:cidr", function(req, params)
    local net = store(app).networks.by_id[params.uuid]
    local c, i = nil, nil
    if net then c, i = find_cidr(net, params.cidr) end
    if not c then return api.fail(req, 404, "no_results", net and params.cidr or params.uuid) end
    table.remove(net.cidrs, i)
    return api.empty(200)
  end)
end

--------------------------------------------------------------------------
-- Trusted login IPs.
--------------------------------------------------------------------------

-- A login IP allow list as the API answers it.
local function login_view(l)
  return {id = l.id, name = l.name, description = l.description, cidr = array(api.copy(l.cidr)),
          lastModifiedTs = l.lastModifiedTs}
end

-- Checks a login list body; nil, or an error response.
local function check_login(req, s, b, self_id)
  if type(b.cidr) ~= "table" or #b.cidr == 0 then
    return api.fail(req, 400, "login_ip_allow_list_missing_cidr_field", "cidr")
  end
  if #b.cidr > M.MAX_LOGIN_CIDRS then
    return api.fail(req, 400, "login_ip_allow_list_cidr_list_size_exceeded", "cidr")
  end
  for _, c in ipairs(b.cidr) do
    if not api.parse_cidr(c) then return api.fail(req, 400, "login_ip_allow_list_invalid_cidr_format", tostring(c)) end
  end
  if type(b.name) ~= "string" or b.name:match("^%s*$") then
    return api.fail(req, 400, "missing_required_parameter", "name")
  end
  if b.description ~= nil and type(b.description) ~= "string" then
    return api.fail(req, 400, "invalid_parameter_value", "description")
  end
  for _, l in ipairs(s.logins:list()) do
    if l.id ~= self_id and l.name:lower() == b.name:lower() then
      return api.fail(req, 409, self_id and "login_ip_allow_list_duplicate_name" or "login_ip_allow_list_duplicate_key",
                      b.name)
    end
  end
  return nil
end

-- Whether the lists (with `replace` standing in for the list of that id, or
-- dropping it when replace is false) let the caller in.
local function covers(s, req, id, replace)
  local ip = caller_ip(req)
  for _, l in ipairs(s.logins:list()) do
    local cidrs = l.cidr
    if l.id == id then cidrs = replace and replace.cidr or {} end
    for _, c in ipairs(cidrs) do
      local a, n = api.parse_cidr(c)
      if a and overlaps(ip, 32, a, n) then return true end
    end
  end
  return false
end

-- The routes of the login IP allow lists.
local function login_routes(router, app)
  router:add("GET", "/ip_allow_list_login/status", function()
    return api.json(200, {enabled = store(app).login_enabled})
  end)

  router:add("PATCH", "/ip_allow_list_login/status", function(req)
    local s = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    if type(b.enabled) ~= "boolean" then return api.fail(req, 400, "invalid_parameter_value", "enabled") end
    if b.enabled then
      if #s.logins.order == 0 then
        return api.fail(req, 400, "login_ip_allow_list_enable_not_allowed_empty_list", "enabled")
      end
      if not covers(s, req) then
        return api.fail(req, 400, "login_ip_allow_list_enable_not_allowed_ip_absent", "enabled")
      end
    end
    s.login_enabled = b.enabled
    return api.empty(200)
  end)

  router:add("GET", "/ip_allow_list_login", function()
    local out = array{}
    for _, l in ipairs(store(app).logins:list()) do out[#out + 1] = login_view(l) end
    return api.json(200, out)
  end)

  router:add("POST", "/ip_allow_list_login", function(req)
    local s = store(app)
    local b, bad = api.body(req, true)
    if not b then return bad end
    bad = check_login(req, s, b)
    if bad then return bad end
    if #s.logins.order >= M.MAX_LOGIN_LISTS then
      return api.fail(req, 400, "login_ip_allow_list_size_exceeded")
    end
    local id = s.next_id()
    s.logins:put(id, {id = id, name = b.name, description = b.description or "", cidr = api.copy(b.cidr),
                      lastModifiedTs = api.now_ms()})
    return api.json(200, login_view(s.logins.by_id[id]))
  end)

  router:add("GET", "/ip_allow_list_login/:id", function(req, params)
    local l = store(app).logins.by_id[params.id]
    if not l then return api.fail(req, 404, "not_found", params.id) end
    return api.json(200, login_view(l))
  end)

  router:add("PUT", "/ip_allow_list_login/:id", function(req, params)
    local s = store(app)
    local l = s.logins.by_id[params.id]
    if not l then return api.fail(req, 404, "not_found", params.id) end
    local b, bad = api.body(req, true)
    if not b then return bad end
    bad = check_login(req, s, b, l.id)
    if bad then return bad end
    if s.login_enabled and not covers(s, req, l.id, b) then
      return api.fail(req, 400, "login_ip_allow_list_not_allowed_ip_absent", "cidr")
    end
    s.logins:put(l.id, {id = l.id, name = b.name, description = b.description or "", cidr = api.copy(b.cidr),
                        lastModifiedTs = api.now_ms()})
    return api.json(200, login_view(s.logins.by_id[l.id]))
  end)

  router:add("DELETE", "/ip_allow_list_login/:id", function(req, params)
    local s = store(app)
    local l = s.logins.by_id[params.id]
    if not l then return api.fail(req, 404, "not_found", params.id) end
    if s.login_enabled then
      if #s.logins.order == 1 then return api.fail(req, 400, "login_ip_allow_list_size_only_one_entry", l.id) end
      if not covers(s, req, l.id, false) then
        return api.fail(req, 400, "login_ip_allow_list_not_allowed_ip_absent", l.id)
      end
    end
    s.logins:delete(l.id)
    return api.empty(200)
  end)
end

-- Adds the routes above.
function M.register(router, app)
  network_routes(router, app)
  login_routes(router, app)
end

return M
