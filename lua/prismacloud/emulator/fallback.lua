-- prismacloud.emulator.fallback: the spec-driven answer of every catalog operation that has no
-- hand-written route. From the API reference (prismacloud.schema) alone:
--   - the request is checked against the operation's parameters and body: 400 with the error
--     shape the operation documents when it breaks them (a defect of the reference is no reason),
--     406 when its Accept takes none of the documented media types;
--   - the answer has the lowest documented 2xx status and its media type: JSON from the documented
--     examples when one fits the schema, else made from the schema (prismacloud.schema.synth, seeded
--     by the tenant's seed, stable); CSV, XML, PDF or a script where that is what is documented;
--   - collections (create under a path, then read, update and delete under path/{id}, list at path)
--     have state: what is created can be read back, listed, updated and deleted (then 404). An id
--     never seen reads as an item made from it (a tenant's object nobody made here), until deleted.
-- Answers carry X-Emulator-Route: spec (a hand-written route's say its module).
local json = require "prismacloud.json"
local operations = require "prismacloud.operations"
local schema = require "prismacloud.schema"
local synth = require "prismacloud.schema.synth"
local api = require "prismacloud.emulator.api"

local M = {}

local array_mt = json.array_mt

--------------------------------------------------------------------------
-- Collections: which operations create, list, read, update and delete what.
--------------------------------------------------------------------------

local function split(path)
  local parts = {}
  for seg in path:gmatch("[^/]+") do parts[#parts + 1] = seg end
  return parts
end

-- The template with every parameter written {} (the same path whatever the names).
local function shape(path)
  return (path:gsub("{[^}]+}", "{}"))
end

-- id -> {role = "create"|"list"|"read"|"update"|"delete", key = collection key, param = the id's name}
local roles
local function roles_of()
  if roles then return roles end
  roles = {}
  local creates = {}
  for id, op in pairs(operations) do
    if op.method == "POST" then creates[shape(op.path)] = id end
  end
  for id, op in pairs(operations) do
    local s = shape(op.path)
    local parts = split(op.path)
    local last = parts[#parts] or ""
    local param = last:match("^{(.+)}$")
    if param then
      -- a member: path/{id}, or path/<word>/{id} (…/id/{profileId}, …/pattern-id/{patternId})
      local base = s:gsub("/{}$", "")
      local base2 = base:gsub("/[%a%-_]+$", "")
      local key = creates[base] and base or creates[base2] and base2
      local role = ({GET = "read", PUT = "update", PATCH = "update", DELETE = "delete"})[op.method]
      if key and role then roles[id] = {role = role, key = key, param = param} end
    elseif creates[s] then
      if op.method == "POST" then roles[id] = {role = "create", key = s}
      elseif op.method == "GET" then roles[id] = {role = "list", key = s} end
    end
  end
  return roles
end
M.roles = roles_of

--------------------------------------------------------------------------
-- Bodies.
--------------------------------------------------------------------------

local function is_object(v)
  return type(v) == "table" and getmetatable(v) ~= array_mt
end

-- The first 2xx response documented (the lowest status): status, response.
local function success_of(op)
  local best
  for status in pairs(op.responses) do
    local n = tonumber(status)
    if n and n >= 200 and n < 300 and (not best or n < best) then best = n end
  end
  if not best then
    for status in pairs(op.responses) do
      if status == "2XX" or status == "default" then return 200, op.responses[status] end
    end
    return 200, nil
  end
  return best, op.responses[tostring(best)]
end

local JSONISH = {["application/json"] = true, ["*/*"] = true}

-- The documented content entry to answer with (JSON first), honouring Accept.
local function content_of(res, accept)
  local first
  for _, c in ipairs(res and res.content or {}) do
    local m = schema.media_type(c.media)
    if not accept or schema.accepts(accept, c.media) then
      if JSONISH[m] or m:find("+json", 1, true) then return c end
      first = first or c
    end
  end
  return first
end

-- A value of node for operation id (seeded; path makes values of different places differ).
local function made(app, node, id, path)
  return synth.value(node, {seed = app.config.seed, path = id .. (path or ""), anchor_ms = app.state.world.anchor_ms})
end

-- The first documented example that fits node, decoded; or nil.
local function example_of(c)
  for _, text in ipairs(c.examples or {}) do
    local ok, v = pcall(json.decode, text)
    if ok and (not c.schema or #schema.validate(c.schema, v) == 0) then return v end
  end
  return nil
end

-- A node's value for an item: made from the node, with the item's fields that fit it.
local function project(app, node, item, id, item_id)
  local out = made(app, node, id, "/" .. tostring(item_id))
  if not is_object(out) then return out end
  local props = synth.properties_of(node, {}, {})
  for k, p in pairs(props) do
    local v = item[k]
    if v ~= nil and #schema.validate(p, v) == 0 then out[k] = v end
  end
  return out
end

-- The name of the id field of a collection's items: the member parameter's name when the item
-- schema has it, else id, uuid, or the first *Id property.
local function id_field(node, param)
  local props = node and synth.properties_of(node, {}, {}) or {}
  if param and props[param] then return param end
  for _, k in ipairs{"id", "uuid"} do
    if props[k] then return k end
  end
  local names = {}
  for k in pairs(props) do
    if k:find("Id$") then names[#names + 1] = k end
  end
  table.sort(names)
  return names[1] or "id"
end

-- The item schema of a list answer: node's items, or the items of its first array of objects.
local function list_items(node)
  if not node then return nil end
  if node.type == "array" or node.items then return node.items, nil end
  local props = synth.properties_of(node, {}, {})
  local names = {}
  for k, p in pairs(props) do
    if (p.type == "array" or p.items) and p.items and (p.items.type == "object" or p.items.properties
        or p.items.allOf) then
      names[#names + 1] = k
    end
  end
  table.sort(names)
  if names[1] then return props[names[1]].items, names[1] end
  return nil
end

--------------------------------------------------------------------------
-- Non-JSON media.
--------------------------------------------------------------------------

local PDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
  .. "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

local function other_body(op, media)
  local m = schema.media_type(media)
  local path = op.path:lower()
  if m == "text/csv" or path:find("csv") then
    return "text/csv", "id,name,status\r\n1,emulator,ok\r\n"
  elseif m == "application/xml" or m == "text/xml" then
    return m, '<?xml version="1.0" encoding="UTF-8"?>\n<report><status>clean</status></report>\n'
  elseif m == "application/pdf" then
    return m, PDF
  elseif path:find("terraform") then
    return m, '# Terraform generated by the Prisma Cloud emulator\nresource "null_resource" "prisma" {}\n'
  elseif path:find("script") then
    return m, "#!/bin/sh\n# generated by the Prisma Cloud emulator\nexit 0\n"
  elseif m == "text/plain" then
    return m, "emulator\n"
  end
  return m, "id,name,status\r\n1,emulator,ok\r\n"
end

--------------------------------------------------------------------------
-- The answer.
--------------------------------------------------------------------------

local function store_of(app, key)
  local all = app.state.generic or {}
  app.state.generic = all
  local s = all[key]
  if not s then
    s = {items = {}, order = {}, deleted = {}, next = 0}
    all[key] = s
  end
  return s
end

local function put(s, id, item)
  if s.items[id] == nil then s.order[#s.order + 1] = id end
  s.items[id], s.deleted[id] = item, nil
end

local function remove(s, id)
  s.items[id], s.deleted[id] = nil, true
  for i, x in ipairs(s.order) do
    if x == id then
      table.remove(s.order, i)
      break
    end
  end
end

local function refuse(req, violations)
  local v = violations[1]
  if v.where == "header" and v.pointer == "/Accept" then
    return api.fail(req, 406, "not_acceptable", "Accept", v.message)
  end
  local key = v.message:find("^missing required") and "missing_required_parameter" or "invalid_parameter_value"
  local subject = v.where .. (v.pointer ~= "" and v.pointer or "")
  return api.fail(req, 400, key, subject, v.message)
end

local function respond(req, status, c, value)
  if not c then return api.empty(status) end
  local m = schema.media_type(c.media)
  if JSONISH[m] or m:find("+json", 1, true) then
    local res = api.json(status, value == nil and json.null or value)
    if m ~= "*/*" and m ~= "application/json" then res.headers["Content-Type"] = c.media end
    return res
  end
  local media, text = other_body(operations[req.operation], c.media)
  return {status = status, headers = {["Content-Type"] = media}, body = text}
end

--- The spec-driven answer to req, a request of a catalog operation (req.operation, its
-- req.path_params), with no hand-written route.
function M.answer(app, req)
  local id = req.operation
  local op = schema.operation(id)
  local violations = {}
  for _, v in ipairs(schema.check_request(id, {path_params = req.path_params, query = req.query,
      headers = req.headers, content_type = req.headers["content-type"], body = req.body})) do
    if not v.waived then violations[#violations + 1] = v end
  end
  if #violations > 0 then return refuse(req, violations) end
  local status, res = success_of(op)
  local c = content_of(res, req.headers.accept)
  local node = c and c.schema
  local body
  if req.body and req.body ~= "" then
    local ok, v = pcall(json.decode, req.body)
    if ok then body = v end
  end
  local role = roles_of()[id]
  if role then
    local s = store_of(app, role.key)
    local item_id = role.param and req.path_params[role.param]
    if role.role == "create" then
      s.next = s.next + 1
      local item = is_object(body) and api.deep_copy(body) or {}
      local field = id_field(node, nil)
      local idnode = node and synth.properties_of(node, {}, {})[field]
      local new_id = (idnode and idnode.type == "integer") and 1000 + s.next
        or synth.uuid(synth.hash(id .. ":" .. s.next .. ":" .. app.config.seed))
      item[field] = new_id
      put(s, tostring(new_id), item)
      return respond(req, status, c, node and project(app, node, item, id, new_id) or nil)
    elseif role.role == "list" then
      local items_node, field = list_items(node)
      if items_node then
        local list = setmetatable({}, array_mt)
        for _, key in ipairs(s.order) do
          list[#list + 1] = project(app, items_node, s.items[key], id, key)
        end
        if #list == 0 then list[1] = made(app, items_node, id, "/0") end
        if field then
          local out = made(app, node, id)
          out[field] = list
          return respond(req, status, c, out)
        end
        return respond(req, status, c, list)
      end
    elseif item_id then
      if s.deleted[item_id] then
        return api.fail(req, 404, "not_found", item_id, "no such item: it was deleted")
      end
      local item = s.items[item_id]
      if not item then
        item = {[id_field(node, role.param)] = item_id}
        put(s, item_id, item)
      end
      if role.role == "update" and is_object(body) then
        for k, v in pairs(body) do item[k] = v end
      elseif role.role == "delete" then
        remove(s, item_id)
      end
      return respond(req, status, c, node and project(app, node, item, id, item_id) or nil)
    end
  end
  if not node then return respond(req, status, c, nil) end
  local value = example_of(c)
  if value == nil then value = made(app, node, id) end
  return respond(req, status, c, value)
end

return M
