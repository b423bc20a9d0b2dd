-- prismacloud.emulator.api: the one helper module of the emulator: its clock, JSON responses
-- (prismacloud.json, the library's codec), errors the way the API sends them (each operation's
-- documented error shape), request bodies and the values in them (CIDR blocks among them), query
-- values, the time range model (docs/api-time-range-model.md) and per-user rate limits.
local json = require "prismacloud.json"
local cqueues = require "cqueues"
local http = require "prismacloud.emulator.http"
local jwt = require "prismacloud.emulator.jwt"
local schema = require "prismacloud.schema"
local synth = require "prismacloud.schema.synth"

local M = {}

--- Marks t (or a new table) as a JSON array: it encodes as [] even when empty.
function M.array(t)
  return setmetatable(t or {}, json.array_mt)
end
local array = M.array

-- The clock: wall-clock seconds with sub-second resolution, os.time() anchored once to the
-- monotonic clock (so that token expiry is exact to the millisecond). Every module reads it.
local wall0, mono0 = os.time(), cqueues.monotime()
function M.now()
  return wall0 + (cqueues.monotime() - mono0)
end

-- Epoch milliseconds now.
function M.now_ms()
  return math.floor(M.now() * 1000)
end

local JSON_TYPE = "application/json; charset=UTF-8"

-- A JSON response of text, JSON already encoded.
function M.json_text(status, text, headers)
  local h = {["Content-Type"] = JSON_TYPE}
  for k, v in pairs(headers or {}) do h[k] = v end
  return {status = status, headers = h, body = text}
end

-- A JSON response of value, any Lua value (a string is sent as a JSON string).
function M.json(status, value, headers)
  return M.json_text(status, json.encode(value), headers)
end

-- The x-redlock-status header value: [{"i18nKey","severity","subject"}] in the API's key order.
function M.redlock_status(key, subject)
  return ('[{"i18nKey":%s,"severity":"error","subject":%s}]'):format(json.encode(key),
    subject and json.encode(subject) or "null")
end

-- An error as the API gives it at times: the status, x-redlock-status, and no body.
function M.redlock_error(status, key, subject)
  return {status = status, headers = {["x-redlock-status"] = M.redlock_status(key, subject)}, body = ""}
end

-- A Spring Boot error body {timestamp, status, error, message, path} (timestamp a string, as the
-- reference has it), for what no operation documents (an unknown path).
function M.spring_error(status, message, path, headers)
  return M.json(status, {timestamp = synth.iso_time(M.now_ms()), status = status,
                         error = http.reasons[status] or "Error", message = message, path = path}, headers)
end

-- The {"error":{...}} body of a bad argument, for the control plane and the test routes.
function M.bad_argument(message, target)
  return M.json(400, {error = {code = "BadArgument", message = message, target = target or json.null, details = {}}})
end

-- The request body as a JSON object for the control plane and the login: a table, or nil and a
-- bad_argument response.
function M.json_object(req)
  local ok, value = pcall(json.decode, req.body ~= "" and req.body or "{}")
  if not ok or type(value) ~= "table" then return nil, M.bad_argument("request body must be a JSON object") end
  return value
end

-- A response without a body.
function M.empty(status, headers)
  return {status = status, headers = headers or {}, body = ""}
end

-- The value of one field of an error body, by its name and schema (nil: not one the error fills).
-- An error schema may nest itself (an error whose cause is an error): objects deeper than
-- ERROR_DEPTH are left out (an empty one would lack what its schema requires).
local ERROR_DEPTH = 4
local error_field
local function error_object(node, e, depth)
  if depth > ERROR_DEPTH then return nil end
  local out = {}
  for k, p in pairs(synth.properties_of(node, {}, {})) do out[k] = error_field(k, p, e, depth) end
  return out
end

function error_field(name, node, e, depth)
  local t = node.type
  local lname = name:lower()
  -- an enum of HTTP statuses ("400 BAD_REQUEST", ...) or of reasons ("BAD_REQUEST")
  if node.enum then
    local reason = e.reason:upper():gsub("%W+", "_")
    for _, v in ipairs(node.enum) do
      if type(v) == "string" and (v:find("^" .. e.status .. " ") or v == reason) then return v end
    end
  end
  if (t == "object" or node.properties or node.allOf) and lname ~= "details" then
    return error_object(node, e, (depth or 0) + 1)
  end
  if lname == "timestamp" then
    return t == "string" and synth.iso_time(e.now_ms) or e.now_ms
  elseif lname == "status" or lname == "httpstatus" or lname == "statuscode" then
    if t == "integer" or t == "number" then return e.status end
    return node.enum and node.enum[1] or tostring(e.status)
  elseif lname == "error" then
    return e.reason
  elseif lname == "message" or lname == "errormessage" or lname == "detail" or lname == "title"
    or lname == "details" and t == "string" then
    return e.message
  elseif lname == "debugmessage" or lname == "i18nkey" or lname == "code" then
    if t == "integer" or t == "number" then return e.status end
    return e.key
  elseif lname == "path" or lname == "instance" then
    return e.path
  elseif lname == "target" or lname == "subject" then
    return e.subject or json.null
  elseif lname == "details" then
    return t == "array" and array{} or {}
  elseif t == "array" then
    return array{}
  end
  return nil
end

-- The body of an error answer to req: the shape its operation documents for the status (the
-- referee set req.operation), filled with what is known; else the Spring body {timestamp, status,
-- error, message, path} with timestamp an ISO 8601 string, as the reference has it.
function M.error_body(req, status, key, subject, message)
  local e = {now_ms = M.now_ms(), status = status, reason = http.reasons[status] or "Error", key = key,
             subject = subject, message = message or key, path = req.path}
  local op = req.operation and schema.operation(req.operation)
  local res = op and schema.response_for(op, status)
  local c = res and res.content[1]
  local node = c and c.schema
  local props, required = {}, {}
  if node then synth.properties_of(node, props, required) end
  if not next(props) then
    return {timestamp = synth.iso_time(e.now_ms), status = status, error = e.reason, message = e.message,
            path = req.path}
  end
  local out = {}
  for name, p in pairs(props) do
    local v = error_field(name, p, e)
    if v == nil and required[name] then v = synth.value(p, {path = req.operation .. "/" .. name}) end
    if v ~= nil then out[name] = v end
  end
  return out
end

-- An API error: the x-redlock-status header [{"i18nKey","severity","subject"}] and the error body
-- the operation documents (M.error_body).
function M.fail(req, status, key, subject, message)
  return M.json(status, M.error_body(req, status, key, subject, message),
    {["x-redlock-status"] = M.redlock_status(key, subject)})
end

--------------------------------------------------------------------------
-- Page tokens: the one codec of every paged answer. Opaque (base64url of JSON), bound to one kind
-- of listing and one state (sid: a new state refuses its tokens), carrying the query.
--------------------------------------------------------------------------

--- A page token of a listing kind in state sid, carrying q (strings, numbers, lists, maps).
function M.page_token(kind, sid, q)
  return jwt.b64url_encode(json.encode{v = 1, k = kind, sid = sid, q = q})
end

--- The query a page token carries (with q.sid set), or nil when it is not a token of (kind, sid).
function M.read_token(kind, sid, token)
  if type(token) ~= "string" or token == "" or #token > 65536 then return nil end
  local ok, t = pcall(json.decode, jwt.b64url_decode(token) or "")
  if not ok or type(t) ~= "table" or t.v ~= 1 or t.k ~= kind or t.sid ~= sid or type(t.q) ~= "table" then
    return nil
  end
  t.q.sid = sid
  return t.q
end

-- The decoded JSON request body: a table, or nil and a 400 response. An
-- empty body is {} unless required.
function M.body(req, required)
  local text = req.body or ""
  if text == "" then
    if required then return nil, M.fail(req, 400, "missing_required_parameter", "body", "request body required") end
    return {}
  end
  local ok, value = pcall(json.decode, text)
  local err = not ok and value or nil
  if not ok then value = nil end
  if type(value) ~= "table" then
    return nil, M.fail(req, 400, "bad_request", "body", err or "request body must be a JSON object or array")
  end
  return value
end

-- A 400 for the first property the reference requires of req's body that it lacks (nil when none
-- is missing): for hand-written routes, after their own checks, whose documented keys come first.
function M.missing_required(req)
  if not req.operation then return nil end
  for _, v in ipairs(schema.check_request(req.operation, {path_params = req.path_params or {}, query = req.query,
      headers = req.headers, content_type = req.headers["content-type"], body = req.body})) do
    if not v.waived and v.where == "body" and v.message:find("^missing required") then
      return M.fail(req, 400, "missing_required_parameter", "body" .. v.pointer, v.message)
    end
  end
  return nil
end

-- Whether v is a JSON array (or an empty table, which may stand for one).
function M.is_array(v)
  return type(v) == "table" and (getmetatable(v) == json.array_mt or next(v) == nil or v[1] ~= nil)
end

-- Whether v is a string with something other than white space in it.
function M.present(v)
  return type(v) == "string" and not v:match("^%s*$")
end

-- A copy of the array v ({} when v is no table).
function M.list_of(v)
  local out = {}
  if type(v) == "table" then
    for i, x in ipairs(v) do out[i] = x end
  end
  return out
end

-- "a.b.c.d/n" (or a bare address, a /32) -> its first address (an integer) and prefix length;
-- nil when malformed or when bits right of the mask are set.
function M.parse_cidr(s)
  if type(s) ~= "string" then return nil end
  local a, b, c, d, n = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)/(%d+)$")
  if not a then
    a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
    n = a and "32"
  end
  if not a then return nil end
  local addr = 0
  for _, part in ipairs{a, b, c, d} do
    local v = tonumber(part)
    if v > 255 or #part > 3 then return nil end
    addr = addr * 256 + v
  end
  n = tonumber(n)
  if n < 1 or n > 32 then return nil end
  local size = 1 << (32 - n)
  if addr % size ~= 0 then return nil end
  return addr, n
end

-- The first value of a query parameter.
function M.query(req, name)
  local v = req.query[name]
  if type(v) == "table" then v = v[1] end
  return v
end

-- All values of a query parameter, as a list (empty when absent).
function M.query_all(req, name)
  local v = req.query[name]
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return {v}
end

-- The values of a query parameter given repeated or comma-separated, as a set; nil when none.
function M.query_set(req, name)
  local set
  for _, v in ipairs(M.query_all(req, name)) do
    for part in v:gmatch("[^,]+") do
      set = set or {}
      set[part] = true
    end
  end
  return set
end

-- "true"/"false"/boolean -> boolean; nil when absent; "bad" when neither.
function M.bool(v)
  if v == nil or v == json.null then return nil end
  if v == true or v == "true" then return true end
  if v == false or v == "false" then return false end
  return "bad"
end

-- Shallow copy without the keys in drop.
function M.copy(t, drop)
  local out = setmetatable({}, getmetatable(t))
  for k, v in pairs(t) do
    if not (drop and drop[k]) then out[k] = v end
  end
  return out
end

-- Deep copy (keeps array marks).
function M.deep_copy(v)
  if type(v) ~= "table" then return v end
  local out = setmetatable({}, getmetatable(v))
  for k, x in pairs(v) do out[k] = M.deep_copy(x) end
  return out
end

-- Who sent the request (its token's subject), "unknown" without one.
function M.user_of(req)
  return req.claims and req.claims.sub or "unknown"
end

-- The keys of a set, sorted, as a JSON array.
function M.sorted_keys(set)
  local out = array{}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- A filter suggestion request (POST .../suggest {filterName, query}) against filters: name ->
-- its options (an array, or {options = array}). Returns the options containing query, without
-- case (opts.prefix: starting with it); or nil and a 400 response: missing_required_parameter,
-- an unknown filter opts.unknown (invalid_parameter_value by default).
function M.suggest(req, filters, opts)
  opts = opts or {}
  local body, bad = M.body(req, true)
  if not body then return nil, bad end
  local name = body.filterName
  if type(name) ~= "string" or name == "" then
    return nil, M.fail(req, 400, "missing_required_parameter", "filterName", "filterName is required")
  end
  local list = filters[name]
  if not list then return nil, M.fail(req, 400, opts.unknown or "invalid_parameter_value", name, "unknown filter") end
  local q = type(body.query) == "string" and body.query:lower() or ""
  local out = array{}
  for _, v in ipairs(list.options or list) do
    local at = v:lower():find(q, 1, true)
    if at == 1 or at and not opts.prefix then out[#out + 1] = v end
  end
  return out
end

--------------------------------------------------------------------------
-- Time ranges.
--------------------------------------------------------------------------

local UNIT_MS = {
  minute = 60000, hour = 3600000, day = 86400000, week = 7 * 86400000,
  month = 30 * 86400000, year = 365 * 86400000,
}
M.UNIT_MS = UNIT_MS

-- The start of the current UTC day/week (Monday)/month/year, in ms.
local function start_of(unit, now_ms)
  local d = os.date("!*t", now_ms // 1000)
  if unit == "day" then
    d.hour, d.min, d.sec = 0, 0, 0
  elseif unit == "week" then
    d.hour, d.min, d.sec = 0, 0, 0
    d.day = d.day - (d.wday + 5) % 7
  elseif unit == "month" then
    d.hour, d.min, d.sec, d.day = 0, 0, 0, 1
  elseif unit == "year" then
    d.hour, d.min, d.sec, d.day, d.month = 0, 0, 0, 1, 1
  else
    return nil
  end
  d.isdst = false
  -- os.time reads local time: correct by the offset of the epoch.
  local utc = os.time(d)
  local offset = os.time(os.date("!*t", 0)) -- local seconds at UTC epoch, negated offset
  return (utc - offset) * 1000
end

-- Resolves a timeRange {type, value} to [start_ms, end_ms]; nil and the
-- offending field when invalid. ctx: now_ms, login_ms, epoch_ms.
function M.time_range(tr, ctx)
  if tr == nil or tr == json.null then return 0, ctx.now_ms end
  if type(tr) ~= "table" then return nil, "timeRange" end
  local kind, value = tr.type, tr.value
  if kind == "relative" then
    if type(value) ~= "table" then return nil, "timeRange.value" end
    local amount, unit = math.tointeger(tonumber(value.amount)), UNIT_MS[value.unit]
    if not amount or amount < 0 then return nil, "timeRange.value.amount" end
    if not unit then return nil, "timeRange.value.unit" end
    return ctx.now_ms - amount * unit, ctx.now_ms
  elseif kind == "absolute" then
    if type(value) ~= "table" then return nil, "timeRange.value" end
    local s, e = math.tointeger(tonumber(value.startTime)), math.tointeger(tonumber(value.endTime))
    if not s then return nil, "timeRange.value.startTime" end
    if not e or e < s then return nil, "timeRange.value.endTime" end
    return s, e
  elseif kind == "to_now" then
    if value == "epoch" then return ctx.epoch_ms or 0, ctx.now_ms end
    if value == "login" then return ctx.login_ms or ctx.now_ms, ctx.now_ms end
    local s = type(value) == "string" and start_of(value, ctx.now_ms)
    if not s then return nil, "timeRange.value" end
    return s, ctx.now_ms
  end
  return nil, "timeRange.type"
end

-- The time range of a GET: timeType, timeAmount, timeUnit, startTime,
-- endTime query parameters, as a timeRange table (nil when absent).
function M.query_time_range(req)
  local kind = M.query(req, "timeType")
  if kind == nil then return nil end
  if kind == "relative" then
    return {type = kind, value = {amount = M.query(req, "timeAmount"), unit = M.query(req, "timeUnit")}}
  elseif kind == "absolute" then
    return {type = kind, value = {startTime = M.query(req, "startTime"), endTime = M.query(req, "endTime")}}
  elseif kind == "to_now" then
    return {type = kind, value = M.query(req, "timeUnit")}
  end
  return {type = kind}
end

-- The time context of a request: now, the caller's login (token iat), epoch.
function M.time_context(req, epoch_ms)
  local iat = req.claims and tonumber(req.claims.iat)
  return {now_ms = M.now_ms(), login_ms = iat and math.floor(iat * 1000), epoch_ms = epoch_ms}
end

--------------------------------------------------------------------------
-- Rate limits: a token bucket per user (the token's subject).
--------------------------------------------------------------------------

-- Takes one token from the bucket of (user, name). Returns headers to add
-- and, when the bucket is empty, a 429 response. rate: tokens per second;
-- burst: bucket size.
function M.rate_limit(buckets, req, name, rate, burst, clock)
  local user = (req.claims and req.claims.sub or "?") .. "\0" .. name
  local now = clock()
  local b = buckets[user]
  if not b then
    b = {tokens = burst, at = now}
    buckets[user] = b
  end
  b.tokens = math.min(burst, b.tokens + (now - b.at) * rate)
  b.at = now
  local headers = {
    ["X-RateLimit-Burst-Capacity"] = tostring(burst), ["X-RateLimit-Replenish-Rate"] = tostring(rate),
    ["X-RateLimit-Requested-Tokens"] = "1",
  }
  if b.tokens < 1 then
    headers["X-RateLimit-Remaining"] = "0"
    headers["Retry-After"] = tostring(math.max(1, math.ceil((1 - b.tokens) / rate)))
    local res = M.fail(req, 429, "too_many_requests", nil, "Too Many Requests")
    for k, v in pairs(headers) do res.headers[k] = v end
    return headers, res
  end
  b.tokens = b.tokens - 1
  headers["X-RateLimit-Remaining"] = tostring(math.floor(b.tokens))
  return headers
end

-- Adds headers to a response; returns it.
function M.with_headers(res, headers)
  if headers then
    res.headers = res.headers or {}
    for k, v in pairs(headers) do res.headers[k] = v end
  end
  return res
end

return M
