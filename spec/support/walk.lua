-- spec/support/walk.lua: the whole catalog, operation by operation, through client:call, with
-- minimal valid arguments made from the reference's schemas (prismacloud.schema.synth), the
-- values the reference gives in prose for what its schemas leave open (the time range model,
-- RQL queries), and, for a path parameter a hand-written route does not know, the ids earlier
-- answers named. spec/catalog_walk_spec.lua walks the emulator with it; tools/walk_report.lua
-- measures any emulator (an older one too) with it.
--
--   local walk = require "spec.support.walk"
--   for _, r in ipairs(walk.run(client, login_body)) do print(r.id, r.status, r.route, r.ok) end
local operations = require "prismacloud.operations"
local schema = require "prismacloud.schema"
local synth = require "prismacloud.schema.synth"
local json = require "prismacloud.json"

local M = {}

-- Ids, by whatever names them, harvested from answers: key (lower case) -> {{value, path}}.
local function harvest(pool, value, path, depth)
  depth = depth or 0
  if type(value) ~= "table" or depth > 4 then return end
  for k, v in pairs(value) do
    if type(k) == "string" and (type(v) == "string" or math.type(v) == "integer") and v ~= "" then
      local key = k:lower()
      if key:find("id$") or key == "uuid" or key == "name" or key == "rrn" or key == "email" then
        pool[key] = pool[key] or {}
        if #pool[key] < 40 then table.insert(pool[key], {value = v, path = path}) end
      end
    elseif type(v) == "table" then
      harvest(pool, v, path, depth + 1)
    end
  end
end

local function common_prefix(a, b)
  local n = 0
  for i = 1, math.min(#a, #b) do
    if a:sub(i, i) ~= b:sub(i, i) then break end
    n = i
  end
  return n
end

-- Candidate values of path parameter p of op (a catalog entry with its id), best first: ids
-- harvested from the answers of the path before the parameter (or the closest), under the
-- parameter's name, a name that ends like it, or any id-like name.
local function candidates(pool, op, p)
  for _, x in ipairs(schema.operation(op.id).params.path) do
    if x.name == p.name and x.schema.enum then return {} end -- its enum says what it may be
  end
  local before = op.path:match("^(.-)/{" .. p.name:gsub("%p", "%%%0") .. "}") or op.path
  local want = p.name:lower():gsub("[_%-]", "")
  local noun = (before:match("([%a_]+)$") or ""):lower():gsub("[_%-]", "")
  local scored = {}
  for key, list in pairs(pool) do
    local k = key:gsub("[_%-]", "")
    local score = k == want and 4 or k == noun .. "id" and 3 or (k:find(want, 1, true) and 2) or
      (k == "id" and 2) or (k:find("id$") and 1) or 0
    if score > 0 then
      for _, c in ipairs(list) do
        local near = common_prefix(c.path, before)
        if near >= #before then near = near + 100 end
        scored[#scored + 1] = {value = tostring(c.value), score = near * 10 + score}
      end
    end
  end
  table.sort(scored, function(a, b) return a.score > b.score end)
  local out, seen = {}, {}
  for _, c in ipairs(scored) do
    if not seen[c.value] then
      seen[c.value] = true
      out[#out + 1] = c.value
    end
  end
  return out
end

-- Values the reference gives in prose (the time range model, docs/api-time-range-model.md, and
-- the descriptions), for parameters whose schema says no more than "string".
local HINTS = {
  timeType = "relative", timeAmount = "1", timeUnit = "day", ["time.type"] = "relative",
  ["time.amount"] = "1", ["time.unit"] = "day", filter = "saved", type = nil,
}

-- The query a search operation takes, by its path.
local function query_for(path)
  if path:find("event") then return "event from cloud.audit_logs where cloud.type = 'aws'" end
  if path == "/search" then return "network from vpc.flow_record where cloud.type = 'aws'" end
  if path:find("permission") or path:find("iam") then return "config from iam where dest.cloud.type = 'AWS'" end
  return "config from cloud.resource where cloud.type = 'aws'"
end

-- Values the reference gives in prose for body properties whose schema says no more than their
-- type: property name -> function(op) -> value.
local BODY_HINTS = {
  query = function(op) return query_for(op.path) end,
  name = function(op) return "walk " .. op.id end,
  description = function() return "made by the catalog walk" end,
  timeZone = function() return "UTC" end,
  email = function() return "walk@example.com" end,
  cloudType = function() return "aws" end,
  policyType = function() return "config" end,
  severity = function() return "low" end,
  timeRange = function() return {type = "relative", value = {amount = 1, unit = "day"}} end,
}

-- Puts the hints into a body made from node (its top level, and the top level of its objects).
local function hint(body, node, op, depth)
  if type(body) ~= "table" or getmetatable(body) == json.array_mt or depth > 2 then return end
  local props = synth.properties_of(node, {}, {})
  for k, p in pairs(props) do
    local h = BODY_HINTS[k]
    if h and not p.enum and not (p.items and p.items.enum) then
      local v = h(op)
      if p.type == "array" and type(v) ~= "table" then v = setmetatable({v}, json.array_mt) end
      -- a hint that breaks the schema is no hint
      if (body[k] ~= nil or k == "timeRange" or k == "query") and #schema.validate(p, v, "request") == 0 then
        body[k] = v
      end
    elseif type(body[k]) == "table" then
      hint(body[k], p, op, depth + 1)
    end
  end
end

-- Minimal valid arguments of operation id: required parameters and a body with what is required.
function M.args_of(id, pick)
  local op = schema.operation(id)
  local args = {}
  for _, p in ipairs(op.params and op.params.path or {}) do
    args[p.name] = pick and pick[p.name] or synth.param(p.schema, {path = id .. "/" .. p.name, name = p.name})
  end
  for _, p in ipairs(op.params and op.params.query or {}) do
    if p.required then
      args.query = args.query or {}
      args.query[p.name] = (not p.schema.enum and HINTS[p.name])
        or synth.param(p.schema, {path = id .. "?" .. p.name, name = p.name, mode = "request"})
    end
  end
  for _, p in ipairs(op.params and op.params.header or {}) do
    if p.required and p.name:lower() ~= "x-redlock-auth" then
      args.headers = args.headers or {}
      args.headers[p.name] = synth.param(p.schema, {path = id .. "#" .. p.name, name = p.name})
    end
  end
  if op.body then
    local c = op.body.content[1]
    local body = c and c.schema and synth.value(c.schema, {path = id, mode = "request", minimal = true})
    if body == nil or body == json.null then body = {} end
    if c and c.schema then hint(body, c.schema, {id = id, path = operations[id].path}, 0) end
    args.body = body
  end
  return args
end

-- A body that breaks the schema: the first required property left out, or nil when none is.
function M.broken_body(id)
  local op = schema.operation(id)
  local c = op.body and op.body.content[1]
  if not (c and c.schema) then return nil end
  local props, required = synth.properties_of(c.schema, {}, {})
  local names = {}
  for k in pairs(required) do
    if not (props[k] and props[k].readOnly) then names[#names + 1] = k end
  end
  table.sort(names)
  if not names[1] then return nil end
  local body = synth.value(c.schema, {path = id, mode = "request", minimal = true})
  if type(body) ~= "table" then return nil end
  body[names[1]] = nil
  return body, names[1]
end

-- The walk's order: what takes no path parameter first (reads, then writes), then the rest
-- (reads, then writes), deletes last: what the first answers name, the later ones use.
local RANK = {GET = 1, HEAD = 1, POST = 2, PUT = 3, PATCH = 3, DELETE = 9}

local function params_of(id)
  local op = operations[id]
  return op.params and op.params.path and #op.params.path or 0
end

--- Every catalog id in the walk's order.
function M.order()
  local ids = {}
  for id in pairs(operations) do ids[#ids + 1] = id end
  local function rank(id)
    local r = RANK[operations[id].method] or 5
    return r == 9 and r or r + (params_of(id) > 0 and 4 or 0)
  end
  table.sort(ids, function(a, b)
    if rank(a) ~= rank(b) then return rank(a) < rank(b) end
    if params_of(a) ~= params_of(b) then return params_of(a) < params_of(b) end
    return a < b
  end)
  return ids
end

--- Walks every operation: a list of {id, body, err, status, route (X-Emulator-Route), ok (a 2xx)}.
-- login: the body of a login (its prismaId fills {prismaId}). each(result), when given, sees
-- each result as it comes (after the call, before the next). call(id, args) -> body | nil, err
-- replaces client:call when given.
function M.run(client, login, each, call)
  call = call or function(id, args) return client:call(id, args) end
  local pool, out = {}, {}
  harvest(pool, login, "/")
  for _, id in ipairs(M.order()) do
    local op = operations[id]
    local body, err = call(id, M.args_of(id))
    -- a made-up id a hand-written route does not know: try the ids earlier answers named
    if not body and err and (err.status == 404 or err.status == 400 or err.status == 403) and params_of(id) > 0 then
      local lists = {}
      for _, p in ipairs(op.params.path) do lists[p.name] = candidates(pool, {id = id, path = op.path}, p) end
      if lists.prismaId or lists.prisma_id then
        lists.prismaId = {login.customerNames[1].prismaId}
        lists.prisma_id = lists.prismaId
      end
      for k = 1, 4 do
        local pick, any = {}, false
        for name, list in pairs(lists) do
          if list[k] then pick[name], any = list[k], true end
        end
        if not any then break end
        body, err = call(id, M.args_of(id, pick))
        if body then break end
      end
    end
    local last = client:last_response() or {headers = {}}
    if body then harvest(pool, body, op.path) end
    local r = {id = id, body = body, err = err, status = last.status, route = last.headers["x-emulator-route"],
               ok = body ~= nil}
    out[#out + 1] = r
    if each then each(r) end
  end
  return out
end

return M
