--- prismacloud.timerange: the API's time range model (docs: api-time-range-model.md).
-- Turns short forms into the JSON the API expects and into GET query parameters.
--
--   timerange.parse("24h")            --> {type = "relative", value = {amount = 24, unit = "hour"}}
--   timerange.parse{from = a, to = b} --> {type = "absolute", value = {startTime = a, endTime = b}}
--   timerange.parse("to_now:epoch")   --> {type = "to_now", value = "epoch"}
--   timerange.query("7d")             --> {timeType = "relative", timeAmount = 7, timeUnit = "day"}
--   timerange.future("3d")            --> a dismissal (snooze) range: relative, or absolute {endTime}
--
-- A malformed range raises an error naming the value ("bad time range '3x' (...)").
local M = {}

-- Suffixes and words -> the API's units (hour, day, week, month, year).
local UNITS = {
  h = "hour", hr = "hour", hour = "hour", hours = "hour",
  d = "day", day = "day", days = "day",
  w = "week", wk = "week", week = "week", weeks = "week",
  mo = "month", month = "month", months = "month",
  y = "year", yr = "year", year = "year", years = "year",
}
M.UNITS = {hour = true, day = true, week = true, month = true, year = true}
M.TO_NOW = {login = true, epoch = true, day = true, week = true, month = true, year = true}

local HINT = "use e.g. '24h', '7d', '2w', '1mo', '1y', 'to_now:epoch', {from = ms, to = ms} or {to_now = 'login'}"

local function describe(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  return type(v)
end

local function fail(v, why, level)
  error(("bad time range %s (%s)"):format(describe(v), why), level + 1)
end

-- A number of milliseconds >= 0 as an integer (1000.0 -> 1000), else nil;
-- a string is not a number here.
local function ms(v)
  local n = type(v) == "number" and math.tointeger(v)
  if n and n >= 0 then return n end
  return nil
end

-- Whether v is already what the API takes: an integer >= 0.
local function is_ms(v)
  return math.type(v) == "integer" and v >= 0
end

local function relative(v, amount, unit, level)
  local n = type(amount) == "number" and math.tointeger(amount)
  if not n or n < 1 then fail(v, "amount must be a positive integer", level + 1) end
  if not M.UNITS[unit] then
    fail(v, ("unit must be hour, day, week, month or year, not '%s'"):format(tostring(unit)), level + 1)
  end
  return {type = "relative", value = {amount = n, unit = unit}}
end

local function to_now(v, value, level)
  if not M.TO_NOW[value] then
    fail(v, "to_now takes login, epoch, day, week, month or year", level + 1)
  end
  return {type = "to_now", value = value}
end

local function from_string(v, level)
  local kind = v:match("^to_now:(%a+)$")
  if kind then return to_now(v, kind, level + 1) end
  local amount, suffix = v:match("^%s*(%d+)%s*(%a+)%s*$")
  if not amount then fail(v, HINT, level + 1) end
  if suffix == "m" or suffix == "min" or suffix == "minute" or suffix == "minutes" then
    fail(v, "the API has no minute unit here; use 'h' for hours or 'mo' for months", level + 1)
  end
  local unit = UNITS[suffix:lower()]
  if not unit then fail(v, ("unknown unit '%s'; %s"):format(suffix, HINT), level + 1) end
  return relative(v, tonumber(amount), unit, level + 1)
end

local function from_table(v, level)
  if v.type ~= nil then
    -- A ready API time range: validated, then returned as is (so its numbers
    -- must be integers already: a string or a float would reach the API).
    if v.type == "relative" then
      local value = type(v.value) == "table" and v.value or fail(v, "relative needs value {amount, unit}", level + 1)
      if math.type(value.amount) ~= "integer" then fail(v, "amount must be a positive integer", level + 1) end
      relative(v, value.amount, value.unit, level + 1)
    elseif v.type == "absolute" then
      local value = type(v.value) == "table" and v.value or fail(v, "absolute needs value {startTime, endTime}",
        level + 1)
      local s, e = value.startTime, value.endTime
      if (s ~= nil and not is_ms(s)) or not is_ms(e) or (s and e < s) then
        fail(v, "absolute needs integer milliseconds startTime <= endTime", level + 1)
      end
    elseif v.type == "to_now" then
      to_now(v, v.value, level + 1)
    else
      fail(v, "type must be relative, absolute or to_now, not '" .. tostring(v.type) .. "'", level + 1)
    end
    return v
  end
  if v.from ~= nil or v.to ~= nil then
    local s, e = ms(v.from), ms(v.to)
    if not s or not e then fail(v, "from and to must be integer milliseconds since the epoch", level + 1) end
    if e < s then fail(v, "from is after to", level + 1) end
    return {type = "absolute", value = {startTime = s, endTime = e}}
  end
  if v.to_now ~= nil then return to_now(v, v.to_now, level + 1) end
  if v.amount ~= nil then return relative(v, v.amount, UNITS[v.unit] or v.unit, level + 1) end
  fail(v, HINT, level + 1)
end

-- parse, with the error level of its caller.
local function parse_at(v, level)
  if type(v) == "string" then return from_string(v, level + 1) end
  if type(v) == "table" then return from_table(v, level + 1) end
  fail(v, "string or table expected", level + 1)
end

--- The API's JSON time range for a short form or a ready table; raises when malformed.
-- v: "24h" | "7d" | "2w" | "1mo" | "1y" | "to_now:login" | {from =, to =} | {to_now =} | {type =, value =}
-- syntax: tr = timerange.parse(v)
function M.parse(v)
  return parse_at(v, 2)
end

--- The query parameters of a time range for GET endpoints.
-- syntax: q = timerange.query(v)  --> {timeType =, timeAmount =, timeUnit =} or {timeType =, startTime =, endTime =}
function M.query(v, into)
  local tr = parse_at(v, 2)
  local q = into or {}
  q.timeType = tr.type
  if tr.type == "relative" then
    q.timeAmount, q.timeUnit = tr.value.amount, tr.value.unit
  elseif tr.type == "absolute" then
    q.startTime, q.endTime = tr.value.startTime, tr.value.endTime
  else
    q.timeUnit = tr.value
  end
  return q
end

--- A future point for alert dismissal (snooze): "3d" (relative) or {until = ms} / {to = ms} (absolute endTime).
-- syntax: tr = timerange.future(v)
function M.future(v)
  if type(v) == "table" and (v["until"] ~= nil or (v.to ~= nil and v.from == nil)) then
    local e = ms(v["until"] or v.to)
    if not e then fail(v, "until must be integer milliseconds since the epoch", 2) end
    return {type = "absolute", value = {endTime = e}}
  end
  local tr = parse_at(v, 2)
  if tr.type == "to_now" then fail(v, "a snooze needs a future point: a relative amount or {until = ms}", 2) end
  if tr.type == "absolute" then return {type = "absolute", value = {endTime = tr.value.endTime}} end
  return tr
end

return M
