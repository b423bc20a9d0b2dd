-- prismacloud.emulator.licensing: licensed resource usage and credit
-- allocation rules (LicensingMicroService.json).
--
--   POST /license/api/v2/usage                       usage rows, paged by pageToken (limit: 1000)
--   POST /license/api/v1/usage?cloud_type=           the same for one cloud type (v1 shapes)
--   POST /license/api/v2/time_series                 usage over time
--   POST /license/api/v1/usage/time_series           the same for one cloud type
--   POST /license/api/v1/credit-allocation-rules     rules with usage, paged by pageToken (limit: 300)
--   POST /license/api/v1/credit-allocation-rule      create
--   GET|PATCH|DELETE .../credit-allocation-rule/{id} one rule
--   GET /license/api/v1/credit-allocation-rule-names the rule names
--   POST /license/api/v1/credit-allocation-rule-summary purchased and used credits
--
-- Usage rows are the onboarded accounts plus generated organisation member
-- accounts (so paging crosses several pages), each with workload counts per
-- resource type drawn from the seed. Every failure is a 400
-- invalid_parameter_value, as documented.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

local SALT_USAGE, SALT_RULE = 43, 44
-- The kind of its page tokens (collections' too).
local TOKEN_KIND = "list"
M.MEMBER_ACCOUNTS = 150
M.RULE_COUNT = 25
M.PURCHASED = 25000

local RESOURCE_TYPES = {
  aws = {"compute", "storage", "database", "serverless"}, azure = {"compute", "storage", "database"},
  gcp = {"compute", "storage", "serverless"}, alibaba_cloud = {"compute"}, oci = {"compute", "storage"},
}
local CLOUD_TYPES = {aws = true, azure = true, gcp = true, alibaba_cloud = true, oci = true}

-- A 400 invalid_parameter_value, the one error licensing documents.
local function bad(req, subject, message)
  return api.fail(req, 400, "invalid_parameter_value", subject, message)
end

-- The usage rows of a state: {id, name, cloud, counts = {type = n}, total}, built once.
local function usage_rows(st)
  if st.usage_rows then return st.usage_rows end
  local w, rows = st.world, {}
  local function add(id, name, cloud, h)
    local counts, total = {}, 0
    for k, t in ipairs(RESOURCE_TYPES[cloud]) do
      local n = data.roll(h, 40, 4 * k) + (t == "compute" and 5 or 0)
      counts[t] = n
      total = total + n
    end
    rows[#rows + 1] = {id = id, name = name, cloud = cloud, counts = counts, total = total}
  end
  for _, a in ipairs(w.accounts) do
    add(a.accountId, a.name, a.cloudType:lower(), data.hash(w.seed, SALT_USAGE, a.index))
  end
  for i = 1, M.MEMBER_ACCOUNTS do
    local h = data.hash(w.seed, SALT_USAGE, 10000 + i)
    local cloud = data.CLOUDS[(i - 1) % #data.CLOUDS + 1]:lower()
    local id = cloud == "aws" and ("%012d"):format((h & 0x7fffffffffff) % 1000000000000)
      or data.uuid(w.seed, SALT_USAGE, i)
    add(id, ("%s-member-%03d"):format(cloud, i), cloud, h)
  end
  st.usage_rows = rows
  return rows
end

-- Validates a relative timeRange (the usage endpoints take nothing else); its span in ms, or nil, error.
local function relative_span(req, tr)
  if type(tr) ~= "table" then return nil, bad(req, "timeRange", "timeRange is required") end
  if tr.type ~= "relative" then return nil, bad(req, "timeRange.type", "only relative time ranges are supported") end
  local v = tr.value
  local amount = type(v) == "table" and math.tointeger(v.amount)
  local unit = type(v) == "table" and api.UNIT_MS[v.unit]
  if not amount or amount < 1 then return nil, bad(req, "timeRange.value.amount") end
  if not unit then return nil, bad(req, "timeRange.value.unit") end
  return amount * unit
end

-- A list of strings from a body field (absent or null: nil), or false when malformed.
local function string_list(v)
  if v == nil or v == json.null then return nil end
  if type(v) ~= "table" then return false end
  for _, x in ipairs(v) do
    if type(x) ~= "string" then return false end
  end
  return v
end

-- The usage query of a request body: {accounts = set|nil, clouds = set|nil, span, limit}, or nil, error.
local function usage_query(req, body, default_limit, cloud)
  local ids = string_list(body.accountIds)
  if ids == nil then return nil, bad(req, "accountIds", "accountIds is required") end
  if ids == false then return nil, bad(req, "accountIds") end
  local span, err = relative_span(req, body.timeRange)
  if not span then return nil, err end
  local clouds = cloud and {cloud} or string_list(body.cloudTypes)
  if clouds == false then return nil, bad(req, "cloudTypes") end
  local limit = body.limit
  if limit == nil or limit == json.null then limit = default_limit end
  limit = math.tointeger(limit)
  if not limit or limit < 1 then return nil, bad(req, "limit", "limit must be a positive integer") end
  local q = {l = math.min(limit, 1000), a = #ids > 0 and ids or nil, s = span}
  if clouds and #clouds > 0 then
    q.c = {}
    for i, c in ipairs(clouds) do
      c = c:lower()
      if not CLOUD_TYPES[c] then return nil, bad(req, "cloudTypes", "unknown cloud type " .. c) end
      q.c[i] = c
    end
  end
  return q
end

-- The rows matching q.
local function matching(st, q)
  local accounts, clouds
  if q.a then
    accounts = {}
    for _, id in ipairs(q.a) do accounts[id] = true end
  end
  if q.c then
    clouds = {}
    for _, c in ipairs(q.c) do clouds[c] = true end
  end
  local out = {}
  for _, r in ipairs(usage_rows(st)) do
    if (not accounts or accounts[r.id]) and (not clouds or clouds[r.cloud]) then out[#out + 1] = r end
  end
  return out
end

-- The query of a request: from its pageToken (which carries the whole query) or its body.
local function query_of(req, st, body, default_limit, cloud)
  local token = body.pageToken
  if token ~= nil and token ~= json.null then
    local q = api.read_token(TOKEN_KIND, st.id, token)
    if not q or math.type(q.o) ~= "integer" or math.type(q.l) ~= "integer" or (q.k or "") ~= (cloud or "") then
      return nil, bad(req, "pageToken", "invalid or expired page token")
    end
    return q
  end
  local q, err = usage_query(req, body, default_limit, cloud)
  if not q then return nil, err end
  q.o, q.k = 0, cloud
  return q
end

-- One page of usage: the rows, stats and the next token.
local function usage_page(st, q, v1)
  local rows = matching(st, q)
  local stats = {}
  for _, r in ipairs(rows) do
    for t, n in pairs(r.counts) do stats[t] = (stats[t] or 0) + n end
  end
  local items = array{}
  for i = q.o + 1, math.min(#rows, q.o + q.l) do
    local r = rows[i]
    local item = {account = {id = r.id, name = r.name}, total = r.total, resourceTypeCount = api.copy(r.counts)}
    if not v1 then item.cloudType = r.cloud end
    items[#items + 1] = item
  end
  local body = {totalRows = #rows, items = items}
  if v1 then body.stats = {stats = stats} else body.stats, body.planType = stats, "Enterprise" end
  if q.o + q.l < #rows then
    local next_q = api.copy(q)
    next_q.o = q.o + q.l
    body.nextPageToken = api.page_token(TOKEN_KIND, st.id, next_q)
  end
  return body
end

-- Usage over time: one data point per day, week or month of the span.
local function time_series(st, q, anchor_ms)
  local rows = matching(st, q)
  local unit = q.s <= 31 * api.UNIT_MS.day and "day" or q.s <= 26 * api.UNIT_MS.week and "week" or "month"
  local step = api.UNIT_MS[unit]
  local points = array{}
  local n = math.max(1, math.min(q.s // step, 400))
  for i = n, 1, -1 do
    local counts = {}
    for _, r in ipairs(rows) do
      local c = counts[r.cloud] or {}
      counts[r.cloud] = c
      for t, k in pairs(r.counts) do
        c[t] = (c[t] or 0) + k - math.min(k, (i - 1) // 7) -- a slow growth towards now
      end
    end
    points[#points + 1] = {timeRange = {startTime = anchor_ms - i * step, endTime = anchor_ms - (i - 1) * step},
                           counts = counts}
  end
  return {dataPoints = points, workloadsPurchased = M.PURCHASED, timeUnit = unit, availableAsOf = anchor_ms}
end

--------------------------------------------------------------------------
-- Credit allocation rules.
--------------------------------------------------------------------------

-- The credit allocation rule store of a state (seeded on first use): RULE_COUNT rules.
local function rules_of(st)
  if st.credit_rules then return st.credit_rules end
  local w = st.world
  local store = state_mod.new_store()
  local groups = st.groups:list()
  for i = 1, M.RULE_COUNT do
    local h = data.hash(w.seed, SALT_RULE, i)
    local id = data.uuid(w.seed, SALT_RULE, i)
    local g = groups[data.roll(h, #groups, 4) + 1]
    local credits = 100 * (1 + data.roll(h, 50, 12))
    store:put(id, {
      id = id, name = ("Credit rule %02d"):format(i), targetType = "AccountGroup",
      allocatedCredits = credits, alarmThreshold = 50 + data.roll(h, 50, 20),
      accountGroups = array{g.id}, customerId = 1, prismaId = 806775441884,
      used = credits * data.roll(h, 130, 28) // 100, -- up to 130% of the allocation
    })
  end
  st.credit_rules = store
  return store
end

-- A rule as the API answers it, with its usage when asked.
local function rule_view(r, with_usage)
  local out = api.copy(r, {used = true})
  out.accountGroups = array(api.copy(r.accountGroups))
  if with_usage then
    out.usedCredits = r.used
    out.percentage = r.allocatedCredits > 0 and (100 * r.used) // r.allocatedCredits or 0
  end
  return out
end

-- Checks rule fields (all required on create; present ones on update); nil, or an error response.
local function check_rule(req, st, body, base)
  local function given(k) return body[k] ~= nil and body[k] ~= json.null end
  local function need(k) return base == nil and not given(k) end
  for _, k in ipairs{"name", "targetType", "allocatedCredits", "alarmThreshold", "accountGroups"} do
    if need(k) then return bad(req, k, k .. " is required") end
  end
  if given("name") then
    if type(body.name) ~= "string" or #body.name < 1 or #body.name > 200 then return bad(req, "name") end
    for _, r in ipairs(rules_of(st):list()) do
      if r.name == body.name and (not base or r.id ~= base.id) then
        return bad(req, "name", "a rule with this name exists")
      end
    end
  end
  if given("targetType") and body.targetType ~= "AccountGroup" then return bad(req, "targetType") end
  local credits = given("allocatedCredits") and math.tointeger(body.allocatedCredits)
  if given("allocatedCredits") and (not credits or credits < 0 or credits > 2147483647) then
    return bad(req, "allocatedCredits")
  end
  local threshold = given("alarmThreshold") and math.tointeger(body.alarmThreshold)
  if given("alarmThreshold") and (not threshold or threshold < 0 or threshold > 100) then
    return bad(req, "alarmThreshold")
  end
  if given("accountGroups") then
    local ids = string_list(body.accountGroups)
    if not ids or #ids == 0 then return bad(req, "accountGroups", "at least one account group") end
    for _, id in ipairs(ids) do
      if not st.groups.by_id[id] then return bad(req, "accountGroups", "no account group " .. id) end
    end
  end
  return nil
end

-- Applies the fields a body gives to rule r.
local function apply_rule(r, body)
  for _, k in ipairs{"name", "targetType", "allocatedCredits", "alarmThreshold"} do
    if body[k] ~= nil and body[k] ~= json.null then r[k] = body[k] end
  end
  if body.accountGroups ~= nil and body.accountGroups ~= json.null then
    r.accountGroups = array(api.copy(body.accountGroups))
  end
  return r
end

local RULES_DEFAULT_LIMIT = 300

-- Checks an optional time range of the rule endpoints: nil, or an error response.
local function check_time_range(req, st, tr)
  if tr == nil then return nil end
  local from, field = api.time_range(tr, api.time_context(req, st.world.anchor_ms - 365 * data.DAY_MS))
  if not from then return bad(req, field) end
  return nil
end

-- The routes of the credit allocation rules.
local function register_rules(router, app)
  local base = "/license/api/v1/credit-allocation-rule"

  router:add("POST", base .. "s", function(req)
    local st = app.state
    local body, b = api.body(req)
    if not body then return b end
    local q
    if body.pageToken ~= nil and body.pageToken ~= json.null then
      q = api.read_token(TOKEN_KIND, st.id, body.pageToken)
      if not q or math.type(q.o) ~= "integer" or math.type(q.l) ~= "integer" then
        return bad(req, "pageToken", "invalid or expired page token")
      end
    else
      local limit = body.limit == nil and RULES_DEFAULT_LIMIT or math.tointeger(body.limit)
      if not limit or limit < 1 then return bad(req, "limit") end
      local names, groups = string_list(body.ruleNames), string_list(body.accountGroupIds)
      if names == false then return bad(req, "ruleNames") end
      if groups == false then return bad(req, "accountGroupIds") end
      local t = body.thresholdFilter
      if t ~= nil and t ~= "AboveThreshold" and t ~= "BelowThreshold" then return bad(req, "thresholdFilter") end
      local bad_range = check_time_range(req, st, body.timeRange)
      if bad_range then return bad_range end
      q = {o = 0, l = math.min(limit, 1000), n = names, g = groups, t = t}
    end
    local function wanted(r)
      local function any(list, f)
        if not list or #list == 0 then return true end
        for _, v in ipairs(list) do
          if f(v) then return true end
        end
        return false
      end
      local pct = r.allocatedCredits > 0 and (100 * r.used) // r.allocatedCredits or 0
      return any(q.n, function(v) return v == r.name end)
        and any(q.g, function(v)
          for _, id in ipairs(r.accountGroups) do
            if id == v then return true end
          end
          return false
        end)
        and (q.t == nil or (q.t == "AboveThreshold") == (pct >= r.alarmThreshold))
    end
    local rows = {}
    for _, r in ipairs(rules_of(st):list()) do
      if wanted(r) then rows[#rows + 1] = r end
    end
    local out = {}
    if #rows > 0 then
      out.rules = array{}
      for i = q.o + 1, math.min(#rows, q.o + q.l) do out.rules[#out.rules + 1] = rule_view(rows[i], true) end
    else
      out.rules = json.null -- "Null when no rules"
    end
    if q.o + q.l < #rows then
      local next_q = api.copy(q)
      next_q.o = q.o + q.l
      out.pageToken = api.page_token(TOKEN_KIND, st.id, next_q)
    end
    return api.json(200, out)
  end)

  router:add("GET", base .. "-names", function()
    local names = array{}
    for _, r in ipairs(rules_of(app.state):list()) do names[#names + 1] = r.name end
    return api.json(200, {names = names})
  end)

  router:add("POST", base .. "-summary", function(req)
    local st = app.state
    local body, b = api.body(req)
    if not body then return b end
    local bad_range = check_time_range(req, st, body.timeRange)
    if bad_range then return bad_range end
    local used = 0
    for _, r in ipairs(rules_of(st):list()) do used = used + r.used end
    return api.json(200, {purchased = M.PURCHASED, usage = used})
  end)

  router:add("POST", base, function(req)
    local st = app.state
    local body, b = api.body(req, true)
    if not body then return b end
    local err = check_rule(req, st, body)
    if err then return err end
    st.next_credit_rule = (st.next_credit_rule or 0) + 1
    local id = data.uuid(st.world.seed, 1000 + SALT_RULE, st.next_credit_rule)
    local r = apply_rule({id = id, customerId = 1, prismaId = 806775441884, used = 0}, body)
    rules_of(st):put(id, r)
    state_mod.touch(st)
    return api.json(200, rule_view(r, false))
  end)

  router:add("GET", base .. "/:id", function(req, params)
    local r = rules_of(app.state).by_id[params.id]
    if not r then return bad(req, "ruleId", "no credit allocation rule " .. params.id) end
    return api.json(200, rule_view(r, false))
  end)

  router:add("PATCH", base .. "/:id", function(req, params)
    local st = app.state
    local store = rules_of(st)
    local r = store.by_id[params.id]
    if not r then return bad(req, "ruleId", "no credit allocation rule " .. params.id) end
    local body, b = api.body(req, true)
    if not body then return b end
    if body.id ~= nil and body.id ~= json.null and body.id ~= params.id then
      return bad(req, "id", "id must match the path")
    end
    local err = check_rule(req, st, body, r) or api.missing_required(req)
    if err then return err end
    local updated = apply_rule(api.copy(r), body)
    store:put(params.id, updated)
    state_mod.touch(st)
    return api.json(200, rule_view(updated, false))
  end)

  router:add("DELETE", base .. "/:id", function(req, params)
    local st = app.state
    if not rules_of(st):delete(params.id) then
      return bad(req, "ruleId", "no credit allocation rule " .. params.id)
    end
    state_mod.touch(st)
    return api.empty(200)
  end)
end

-- Adds the routes above.
function M.register(router, app)
  router:add("POST", "/license/api/v2/usage", function(req)
    local st = app.state
    local body, b = api.body(req, true)
    if not body then return b end
    local q, err = query_of(req, st, body, 1000)
    if not q then return err end
    return api.json(200, usage_page(st, q, false))
  end)

  router:add("POST", "/license/api/v1/usage", function(req)
    local st = app.state
    local cloud = api.query(req, "cloud_type")
    if cloud == nil then return bad(req, "cloud_type", "cloud_type is required") end
    cloud = cloud:lower()
    if not CLOUD_TYPES[cloud] then return bad(req, "cloud_type", "unknown cloud type " .. cloud) end
    local body, b = api.body(req, true)
    if not body then return b end
    local q, err = query_of(req, st, body, 1000, cloud)
    if not q then return err end
    return api.json(200, usage_page(st, q, true))
  end)

  router:add("POST", "/license/api/v2/time_series", function(req)
    local st = app.state
    local body, b = api.body(req, true)
    if not body then return b end
    local q, err = usage_query(req, body, 1000)
    if not q then return err end
    return api.json(200, time_series(st, q, st.world.anchor_ms))
  end)

  router:add("POST", "/license/api/v1/usage/time_series", function(req)
    local st = app.state
    local body, b = api.body(req, true)
    if not body then return b end
    local cloud = type(body.cloudType) == "string" and body.cloudType:lower() or nil
    if cloud and not CLOUD_TYPES[cloud] then return bad(req, "cloudType", "unknown cloud type " .. cloud) end
    local q, err = usage_query(req, body, 1000, cloud)
    if not q then return err end
    return api.json(200, time_series(st, q, st.world.anchor_ms))
  end)

  register_rules(router, app)
end

return M
