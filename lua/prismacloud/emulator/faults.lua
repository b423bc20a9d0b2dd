-- prismacloud.emulator.faults: scripted faults, for tests and for scripts that want to see a
-- failure. A fault names a path ("*": every path but the control plane's) and a method, and says
-- what the next matching requests get instead of their answer (status, headers, body, a
-- malformed body) or what happens to the answer on the wire (stall_ms, reset, truncate, close,
-- drop, trickle_ms, bare_lf, unterminated; see http.lua).
--
--   POST /_emulator/faults     a fault spec (FIELDS) -> 201 {id, queued}; 400 naming a bad field
--   GET /_emulator/faults      the queued faults [{id, method, path, times, status}]
--   DELETE /_emulator/faults   forget them -> {cleared}
local json = require "prismacloud.json"
local api = require "prismacloud.emulator.api"
local jwt = require "prismacloud.emulator.jwt"

local M = {}

-- A check of an integer field from min.
local function integer_from(min)
  return function(v) return type(v) == "number" and math.tointeger(v) ~= nil and v >= min end
end

local function boolean(v) return type(v) == "boolean" end

-- The fields of a fault spec: key -> function(value) returning ok.
M.FIELDS = {
  method = function(v) return type(v) == "string" and v:match("^[%a*]+$") end,
  -- "*": any API path
  path = function(v) return type(v) == "string" and (v:sub(1, 1) == "/" or v == "*") end,
  times = integer_from(1),
  skip = integer_from(0),    -- matching requests let through first
  status = function(v) return type(v) == "number" and math.tointeger(v) and v >= 100 and v <= 999 end,
  headers = function(v)
    if type(v) ~= "table" then return false end
    for k, x in pairs(v) do
      if type(k) ~= "string" or not (type(x) == "string" or type(x) == "number") then return false end
    end
    return true
  end,
  body = function(v) return v ~= nil end,
  body_b64 = function(v) return type(v) == "string" end, -- the body's bytes, base64url (any bytes)
  stall_ms = function(v) return type(v) == "number" and v >= 0 end,
  reset = boolean,
  truncate = boolean,
  malformed = boolean,
  close = boolean,
  drop = boolean,                                       -- close without answering (an empty reply)
  trickle_ms = function(v) return type(v) == "number" and v >= 1 end, -- the body a chunk at a time, this far apart
  trickle_bytes = integer_from(1),                      -- the chunk size of a trickle (default 1)
  bare_lf = boolean,                                    -- header lines end in LF alone
  unterminated = boolean,                               -- the header block never ends, then close
}

-- Validates a decoded fault spec: the fault, or nil, a message and the field at fault.
local function make(spec)
  for k, v in pairs(spec) do
    local check = M.FIELDS[k]
    if not check then return nil, ("unknown fault field '%s'"):format(tostring(k)), k end
    if not check(v) then return nil, ("bad fault field '%s'"):format(k), k end
  end
  if not spec.path then return nil, "fault needs a path", "path" end
  local fault = {}
  for k, v in pairs(spec) do fault[k] = v end
  fault.method = (spec.method or "*"):upper()
  fault.times = math.tointeger(spec.times or 1)
  fault.skip = math.tointeger(spec.skip or 0)
  fault.status = spec.status and math.tointeger(spec.status)
  if spec.body_b64 then
    fault.body = jwt.b64url_decode(spec.body_b64)
    if not fault.body then return nil, "bad fault field 'body_b64'", "body_b64" end
    fault.body_b64 = nil
  end
  return fault
end

-- Takes the first queued fault of app matching req, consuming one of its times; a fault with
-- skip = n lets n matching requests through first.
function M.take(app, req)
  for i, fault in ipairs(app.faults) do
    local path_ok = fault.path == req.path or fault.path == "*" and req.path:sub(1, 11) ~= "/_emulator/"
    if path_ok and (fault.method == "*" or fault.method == req.method) and fault.skip > 0 then
      fault.skip = fault.skip - 1
    elseif path_ok and (fault.method == "*" or fault.method == req.method) then
      fault.times = fault.times - 1
      if fault.times <= 0 then table.remove(app.faults, i) end
      return fault
    end
  end
  return nil
end

-- The response a fault puts in place of the routed one, or nil when the fault only changes
-- that one (stall_ms, reset, truncate, close, drop, trickle, headers alone).
function M.response(fault)
  if fault.status == nil and fault.body == nil and not fault.malformed then return nil end
  local headers, has_type = {}, false
  for k, v in pairs(fault.headers or {}) do
    headers[k] = v
    if k:lower() == "content-type" then has_type = true end
  end
  local body = fault.body
  if fault.malformed then
    body = '{"a": [1, 2,'
  elseif body ~= nil and type(body) ~= "string" then
    body = json.encode(body)
  end
  if body and body ~= "" and not has_type then headers["Content-Type"] = "application/json; charset=UTF-8" end
  return {status = fault.status or 200, headers = headers, body = body or ""}
end

-- Applies a fault's wire actions to a response; a fault that did not script the response adds
-- its headers to the routed one's.
function M.apply(res, fault, scripted)
  res.stall_ms, res.reset, res.truncate = fault.stall_ms, fault.reset, fault.truncate
  res.close = res.close or fault.close
  res.bare_lf, res.unterminated = fault.bare_lf, fault.unterminated
  res.drop, res.trickle_ms = fault.drop, fault.trickle_ms
  res.trickle_bytes = fault.trickle_bytes and math.tointeger(fault.trickle_bytes)
  if fault.headers and not scripted then
    res.headers = res.headers or {}
    for k, v in pairs(fault.headers) do res.headers[k] = v end
  end
  return res
end

-- Adds the control plane's fault routes.
function M.register(router, app)
  router:add("POST", "/_emulator/faults", function(req)
    local spec, bad = api.json_object(req)
    if not spec then return bad end
    local fault, err, field = make(spec)
    if not fault then return api.bad_argument(err, field) end
    app.next_fault_id = app.next_fault_id + 1
    fault.id = app.next_fault_id
    app.faults[#app.faults + 1] = fault
    return api.json(201, {id = fault.id, queued = #app.faults})
  end)

  router:add("GET", "/_emulator/faults", function()
    local list = api.array{}
    for i, f in ipairs(app.faults) do
      list[i] = {id = f.id, method = f.method, path = f.path, times = f.times, status = f.status}
    end
    return api.json(200, list)
  end)

  router:add("DELETE", "/_emulator/faults", function()
    local n = #app.faults
    app.faults = {}
    return api.json(200, {cleared = n})
  end)
end

return M
