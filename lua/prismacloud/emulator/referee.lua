-- prismacloud.emulator.referee: which catalog operation a request is, and whether an exchange
-- is what the API reference documents (prismacloud.schema). With the emulator's `referee`
-- option on (the suite's emulators have it), every exchange of a catalog operation is checked
-- both ways, the request against its request schema and the answer against the response schema
-- of its status, and each violation is kept for GET /_emulator/violations:
--   {operation, method, path, status, side = "request"|"response", where, pointer, message,
--    waived = <the reference defect that explains it>}
local schema = require "prismacloud.schema"
local operations = require "prismacloud.operations"

local M = {}

local function split(path)
  local parts = {}
  for seg in path:gmatch("[^/]+") do parts[#parts + 1] = seg end
  return parts
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--------------------------------------------------------------------------
-- The operation matcher.
--------------------------------------------------------------------------

local Matcher = {}
Matcher.__index = Matcher

--- A matcher of every catalog operation: by method, then segment count; among the templates that
-- fit a path, the one with the fewest parameters wins, then the one whose first parameter comes
-- latest (/cloud/group/{id} before /cloud/{cloud_type}/{id}).
function M.matcher()
  local index = {}
  for id, op in pairs(operations) do
    local segments = split(op.path)
    local params, first = 0, nil
    for i, seg in ipairs(segments) do
      local name = seg:match("^{(.+)}$")
      if name then
        params = params + 1
        first = first or i
        segments[i] = {name = name}
      end
    end
    local by_method = index[op.method] or {}
    index[op.method] = by_method
    local list = by_method[#segments] or {}
    by_method[#segments] = list
    list[#list + 1] = {id = id, op = op, segments = segments, params = params, first = first or math.huge}
  end
  for _, by_method in pairs(index) do
    for _, list in pairs(by_method) do
      table.sort(list, function(a, b)
        if a.params ~= b.params then return a.params < b.params end
        if a.first ~= b.first then return a.first > b.first end
        return a.id < b.id
      end)
    end
  end
  return setmetatable({index = index}, Matcher)
end

--- The operation of method and path: id, catalog entry, path parameters (unescaped); or nil.
function Matcher:find(method, path)
  local by_method = self.index[method == "HEAD" and "GET" or method]
  if not by_method then return nil end
  local parts = split(path)
  for _, cand in ipairs(by_method[#parts] or {}) do
    local params, ok = {}, true
    for i, seg in ipairs(cand.segments) do
      if type(seg) == "table" then
        params[seg.name] = unescape(parts[i])
      elseif seg ~= parts[i] then
        ok = false
        break
      end
    end
    if ok then return cand.id, cand.op, params end
  end
  return nil
end

--------------------------------------------------------------------------
-- Checking exchanges.
--------------------------------------------------------------------------

local function header(headers, name)
  for k, v in pairs(headers or {}) do
    if k:lower() == name then return v end
  end
  return nil
end
M.header = header

--- The violations of req against operation id (params: its path parameters).
function M.check_request(id, req, params)
  return schema.check_request(id, {
    path_params = params, query = req.query, headers = req.headers,
    content_type = req.headers["content-type"], body = req.body,
  })
end

--- The violations of the answer res to a request of operation id.
function M.check_response(id, res)
  return schema.check_response(id, res.status, header(res.headers, "content-type"), res.body)
end

--- The pointer with every array index as "*" (the violations of the items of a list are one).
function M.general_pointer(pointer)
  local parts = {}
  for token in pointer:gmatch("/([^/]*)") do parts[#parts + 1] = token:find("^%d+$") and "*" or token end
  return #parts > 0 and "/" .. table.concat(parts, "/") or ""
end

--- Checks an exchange and adds its violations to log: {list = {...}, by_key = {}}; the same
-- violation (operation, side, where, pointer with "*" for indices, message) is kept once,
-- counted. Up to cap distinct violations are kept.
function M.record(log, cap, id, req, res, params, request_violations)
  local function put(side, list)
    for _, v in ipairs(list) do
      local pointer = M.general_pointer(v.pointer)
      local key = table.concat({id, side, v.where, pointer, (v.message:gsub('"[^"]*"', '""'))}, "\0")
      local seen = log.by_key[key]
      if seen then
        seen.count = seen.count + 1
      elseif #log.list < cap then
        local entry = {operation = id, method = req.method, path = req.path, status = res.status, side = side,
                       where = v.where, pointer = pointer, message = v.message, waived = v.waived, count = 1,
                       schema = v.schema,
                       query = req.rawquery, sample = side == "request" and req.body and req.body:sub(1, 400) or nil}
        log.list[#log.list + 1] = entry
        log.by_key[key] = entry
      end
    end
  end
  put("request", request_violations or M.check_request(id, req, params))
  put("response", M.check_response(id, res))
end

--- A new, empty violation log.
function M.new_log()
  return {list = {}, by_key = {}}
end

return M
