--- prismacloud.client: the client's methods written in Lua, and what the Lua layer keeps per client.
-- The client is the C core's userdata (`prismacloud.Client`: request, parallel, login, session,
-- last_response, close, ...). This module adds send, call, operations and prisma_id to its
-- methods, hangs the resource families off it (`client.alerts`, made on first use) and keeps the
-- Lua side's state of each client in one weak table: its family objects, whether it was made
-- with `dry_run`, and its tenant's Prisma ID once known.
--
--   local body, err = client:call("get-alert", {id = "P-1", query = {detailed = true}})
--   local prisma_id, err = client:prisma_id()
local core = require "prismacloud.core"
local catalog = require "prismacloud.catalog"
local errors = require "prismacloud.errors"

local M = {}

local Client = core.Client

--- The registered families: name -> module name (prismacloud.register_family fills it).
M.families = {}

-- client -> {families = {name -> object}, dry_run = bool, prisma_id = string} (weak keys).
local states = setmetatable({}, {__mode = "k"})

--- The Lua-side state of a client (made on first use): {families =, dry_run =, prisma_id =}.
-- syntax: state = client_lua.state(client)
function M.state(client)
  local state = states[client]
  if not state then
    state = {families = {}}
    states[client] = state
  end
  return state
end
local state_of = M.state

--- Declares a resource family: `client[name]` becomes an instance of the module. Raises at `level`
-- (the caller's caller by default) when the name is taken.
-- syntax: client_lua.register_family(name, module_name [, level])
function M.register_family(name, module_name, level)
  level = (level or 1) + 1
  if type(name) ~= "string" or type(module_name) ~= "string" then
    error("bad argument to 'register_family' (name and module name expected)", level)
  end
  if Client[name] ~= nil then error("'" .. name .. "' is already a client method", level) end
  M.families[name] = module_name
end

-- client.<method>, else client.<family>: the family object, made on first use, once per client.
core.client_mt.__index = function(self, key)
  local method = Client[key]
  if method ~= nil then return method end
  local module_name = M.families[key]
  if not module_name then return nil end
  local objects = state_of(self).families
  local family = objects[key]
  if not family then
    family = setmetatable({client = self}, require(module_name))
    objects[key] = family
  end
  return family
end

--- Sends a request and keeps only success: the decoded body of a 2xx
-- response (true when it has no body), or nil and a structured error for any
-- other status or a transport failure. The response's status and headers:
-- client:last_response().
-- syntax: body, err = client:send(method, path [, {query =, body =, headers =}])
function Client:send(method, path, opts)
  local res, err = self:request(method, path, opts)
  if not res then return nil, err end
  if res.status >= 200 and res.status < 300 then
    local body = res.body
    if body == nil then return true end
    return body
  end
  return nil, errors.from_response(res, method:upper(), path)
end

--- Calls a catalog operation: checks the arguments against the catalog,
-- fills the path, and sends the request (`idempotent` set from the catalog
-- unless given; for an operation whose documented answers are not JSON, an
-- Accept taking their media types unless the headers give one). Raises for
-- misuse; returns what client:send returns: the decoded body of a 2xx JSON
-- answer, the body as a string for other content types (CSV, XML, a
-- script...), true when it has none; nil, err otherwise. With
-- `dry_run = true`, or on a client made with `dry_run = true` when the
-- operation is not idempotent (it changes something), nothing is sent and
-- the request is returned: {method, path, query, body, headers}.
-- syntax: body, err = client:call(id, {<path param> = v, query =, body =, headers =, output =, dry_run =, ...})
function Client:call(id, args)
  local req = catalog.prepare(id, args, 2)
  local state = states[self]
  if (args and args.dry_run) or (state and state.dry_run and not req.idempotent) then
    return {method = req.method, path = req.path, query = req.query, body = req.body, headers = req.headers}
  end
  local opts = req.options
  opts.headers = req.headers
  if opts.idempotent == nil then opts.idempotent = req.idempotent end
  return self:send(req.method, req.path, opts)
end

--- The operations whose id, path or summary contains the text or matches it as a Lua pattern, without
-- regard to case: {{id, method, path, summary}}, sorted by id (catalog.operations).
-- syntax: list = client:operations([text])
function Client.operations(_, text)
  if text ~= nil and type(text) ~= "string" then
    error(("bad argument #1 to 'operations' (string expected, got %s)"):format(type(text)), 2)
  end
  return catalog.operations(text)
end

-- The Prisma IDs a session names (for its customer, when it names one).
local function prisma_ids(customers, wanted)
  local found = {}
  for _, c in ipairs(customers or {}) do
    if type(c.prisma_id) == "string" and c.prisma_id ~= "" and (#wanted ~= 1 or c.name == wanted[1]) then
      found[#found + 1] = c.prisma_id
    end
  end
  return found
end

-- The Prisma IDs the client's session names, asking the API when it must: a list, or nil, err.
local function learn_prisma_ids(client)
  local session = client:session()
  if not (session.prisma_id or session.customers) and session.can_login then
    local ok, err = client:login()
    if not ok then return nil, err end
    session = client:session()
  end
  if session.prisma_id then return {session.prisma_id} end
  if session.customers then return prisma_ids(session.customers, session.customer_names or {}) end
  -- a bare token: the renewal answers the customer list as the login does
  local body, err = client:call("extend-session")
  if type(body) ~= "table" then
    if body == nil then return nil, err end
    return errors.decode(client, "the token renewal answered no customer list")
  end
  body.token = nil -- the client keeps its own token
  local customers = {}
  for i, c in ipairs(type(body.customerNames) == "table" and body.customerNames or {}) do
    customers[i] = type(c) == "table" and {name = c.customerName, prisma_id = c.prismaId} or {}
  end
  return prisma_ids(customers, {})
end

--- The Prisma ID of the client's tenant, used by the tenant-scoped families (/api/v1/tenant/{prismaId}):
-- sets it when given; else learns it once, from the prisma_id option, else the session's customer list
-- (the login answer; a client holding a bare token asks GET /auth_token/extend, which answers the same).
-- syntax: id, err = client:prisma_id([id])
function Client:prisma_id(id)
  if id ~= nil then
    if type(id) ~= "string" or id == "" then
      error(("bad argument #1 to 'prisma_id' (string expected, got %s)"):format(id == "" and "an empty string"
        or type(id)), 2)
    end
    state_of(self).prisma_id = id
    return id
  end
  local known = states[self] and states[self].prisma_id
  if known then return known end
  local found, err = learn_prisma_ids(self)
  if not found then return nil, err end
  if #found ~= 1 then
    return nil, errors.new("invalid_request",
      ("the session names %d Prisma IDs; set one with client:prisma_id(id)"):format(#found))
  end
  state_of(self).prisma_id = found[1]
  return found[1]
end

return M
