--- Client-side pacing at the rates the API documents (option `rate_limit = true`).
-- The catalog says, for some operations, how many requests per second (and
-- what burst) the API accepts per user; this module turns that into one
-- token bucket per documented endpoint. `limiter.new()` returns the pacing
-- function the C core calls before each attempt: (method, path) -> seconds
-- to wait. A returned wait is a reservation, so the caller must send after it.
local core = require "prismacloud.core"

local M = {}

local CACHE_LIMIT = 4096

M.DEFAULT_MARGIN = 0.9

-- "/alert/{id}" -> "^/alert/[^/]+$", magic characters escaped.
local function template_pattern(path)
  local out = {"^"}
  local pos = 1
  while pos <= #path do
    local s, e = path:find("{[^}]*}", pos)
    local literal = path:sub(pos, (s or #path + 1) - 1)
    out[#out + 1] = literal:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
    if not s then break end
    out[#out + 1] = "[^/]+"
    pos = e + 1
  end
  out[#out + 1] = "$"
  return table.concat(out)
end

-- The rules of the catalog: {method, pattern, key, per_second, burst}, most
-- specific (most literal characters) first so "/v2/alert" wins over "/v2/{x}".
-- `margin` (0 < margin <= 1) scales the rate and trims the burst by one so
-- that network jitter cannot bring requests to the server closer together
-- than the documented rate allows.
local function rules_of(operations, margin)
  local rules = {}
  for _, op in pairs(operations) do
    local rate = op.rate
    if rate and rate.rate and rate.rate > 0 then
      local period = rate.period or 1
      rules[#rules + 1] = {
        method = op.method,
        pattern = template_pattern(op.path),
        key = op.path, -- GET and POST of one endpoint share its budget
        literal = #op.path:gsub("{[^}]*}", ""),
        per_second = rate.rate / period * margin,
        burst = margin < 1 and math.max(1, (rate.burst or rate.rate) - 1) or (rate.burst or rate.rate),
      }
    end
  end
  table.sort(rules, function(a, b)
    if a.literal ~= b.literal then return a.literal > b.literal end
    return a.pattern < b.pattern
  end)
  return rules
end

--- A pacing function for the documented rates of `operations` (default: the
-- catalog), `margin` below them (default 0.9: 90% of the rate, burst less one).
-- syntax: pace = limiter.new([operations [, clock [, margin]]]); wait = pace(method, path)
function M.new(operations, clock, margin)
  operations = operations or require "prismacloud.operations"
  clock = clock or core.monotime
  margin = margin or M.DEFAULT_MARGIN
  if type(margin) ~= "number" or margin <= 0 or margin > 1 then
    error("bad argument #3 to 'new' (margin must be in (0, 1])", 2)
  end
  local rules = rules_of(operations, margin)
  local buckets, cache, cached = {}, {}, 0

  local function rule_for(method, path)
    local key = method .. " " .. path
    local rule = cache[key]
    if rule == nil then
      rule = false
      for _, r in ipairs(rules) do
        if r.method == method and path:find(r.pattern) then
          rule = r
          break
        end
      end
      if cached >= CACHE_LIMIT then cache, cached = {}, 0 end
      cache[key], cached = rule, cached + 1
    end
    return rule
  end

  return function(method, path)
    local rule = rule_for(method, path:match("^[^?]*"))
    if not rule then return 0 end
    local now = clock()
    local b = buckets[rule.key]
    if not b then
      b = {tokens = rule.burst, last = now}
      buckets[rule.key] = b
    end
    b.tokens = math.min(rule.burst, b.tokens + (now - b.last) * rule.per_second) - 1
    b.last = now
    if b.tokens >= 0 then return 0 end
    return -b.tokens / rule.per_second
  end
end

M.template_pattern = template_pattern

return M
