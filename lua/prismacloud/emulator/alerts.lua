-- prismacloud.emulator.alerts: the alert family (Alerts.json).
--
--   GET|POST /v2/alert          paged listing {totalRows, items, nextPageToken}
--   GET /alert/{id}             one alert
--   POST /alert/dismiss         dismiss (or snooze, with dismissalTimeRange)
--   POST /alert/reopen          reopen dismissed or snoozed alerts
--   GET /alert/count/{status}   {count}
--   PATCH /alert/remediation/{id}  remediate an open alert of a remediable policy: it becomes
--                               pending_resolution (405 remediation_unavailable otherwise)
--   POST /alert/remediation     the CLI commands remediating alerts of one policy
--   GET|POST /alert             the v1 listing: one array of at most 10,000 alerts
--   GET|POST /alert/policy      alert counts by policy [{policyId, policy, alertCount}], most first
--   GET /filter/alert/suggest   the alert filters and their options; POST: one filter's options
--   GET|PUT /alert/dismiss/require_dismissal_note  {requireDismissalNote}: when true, dismissing
--                               (not snoozing) without a dismissalNote is a 400
--
-- Alert i (1 = newest, id "P-<i>") is made on demand from (seed, i): its
-- policy, account, region, resource and base status all come from one hash,
-- its time from a series strictly decreasing in i (data.series_time), so a
-- time range is an index range and a page costs O(page), whatever the
-- number of alerts. Only status changes (dismiss, reopen) are stored.
-- Filters on the policy or the account are resolved once per query into a
-- table by policy or account index; page tokens carry the whole query.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local hash, roll, SALT = data.hash, data.roll, data.SALT

M.MAX_LIMIT = 10000     -- "The maximum cannot exceed 10,000. The default is 10,000."
M.DEFAULT_LIMIT = 10000
M.RATE = 2              -- requests per second per user
M.BURST = 10
M.POLICY_RATE = 1       -- /alert/policy: 1 per second, burst 5
M.POLICY_BURST = 5

local STATUSES = {open = true, dismissed = true, snoozed = true, resolved = true, pending_resolution = true}
local SEVERITIES = {critical = true, high = true, medium = true, low = true, informational = true}

-- Filters the emulator applies; kind says what they test.
local FILTERS = {
  ["alert.id"] = "id", ["alert.status"] = "status", ["cloud.region"] = "region",
  ["policy.id"] = "policy", ["policy.name"] = "policy", ["policy.severity"] = "policy",
  ["policy.type"] = "policy", ["policy.label"] = "policy", ["policy.remediable"] = "policy",
  ["policy.complianceStandard"] = "policy",
  ["cloud.type"] = "account", ["cloud.accountId"] = "account", ["cloud.account"] = "account",
  ["account.group"] = "account",
}
-- Documented filters the emulator accepts and ignores.
local IGNORED = {
  ["timeRange.type"] = true, ["alertRule.name"] = true, ["cloud.service"] = true, ["resource.id"] = true,
  ["resource.name"] = true, ["resource.type"] = true, ["policy.complianceRequirement"] = true,
  ["policy.complianceSection"] = true, ["policy.subtype"] = true, ["alert.time"] = true,
}

local SORT_COLUMNS = {"alertTime", "policy.name", "policy.severity", "resource.name", "alert.status"}

--------------------------------------------------------------------------
-- Generation.
--------------------------------------------------------------------------

-- The current version of generated policy pidx (edited, or the original).
local function current_policy(st, pidx)
  local base = st.world.policies[pidx]
  return st.policies.by_id[base.policyId] or base
end

-- What every alert needs cheaply: hash, policy index, account, region, status, change.
local function core(st, i)
  local w = st.world
  local h = hash(w.seed, SALT.alert, i)
  local pidx = roll(h, #w.policies, 0) + 1
  local cloud = w.policies[pidx].cloudType
  local accounts = w.accounts_by_cloud[cloud]
  local account = accounts[roll(h, #accounts, 16) + 1]
  local change = st.changes[i]
  local status
  if change then
    status = change.status
  else
    local r = roll(h, 100, 24)
    status = r < 70 and "open" or r < 85 and "resolved" or r < 95 and "dismissed" or "snoozed"
  end
  local regions = data.REGIONS[account.cloudType]
  return h, pidx, account, regions[roll(h, #regions, 40) + 1], status, change
end
M.core = core

local function alert_time(st, i)
  local w = st.world
  return data.series_time(w, w.alert_step, SALT.alert_extra, i)
end

-- The account groups of an account, as a list of names.
local function group_names(st, account_id)
  local names = array{}
  for _, g in ipairs(st.groups:list()) do
    for _, id in ipairs(g.accountIds) do
      if id == account_id then
        names[#names + 1] = g.name
        break
      end
    end
  end
  return names
end

-- The alert's policy object, as the reference has it (PolicyModel: name, rule and severity are
-- required, in lists too); detailed adds what the API adds then (labels, complianceMetadata...).
local function alert_policy(p, detailed)
  local out = {policyId = p.policyId, policyType = p.policyType, systemDefault = p.systemDefault,
               remediable = p.remediable, name = p.name, severity = p.severity, rule = p.rule,
               cloudType = p.cloudType}
  if detailed then
    out.description = p.description
    out.labels, out.deleted, out.recommendation = p.labels, p.deleted, p.recommendation
    out.lastModifiedBy, out.lastModifiedOn = p.lastModifiedBy, p.lastModifiedOn
    out.complianceMetadata = p.complianceMetadata
    out.policyUpi = p.policyUpi
    if p.remediation then out.remediation = p.remediation end
  end
  return out
end

-- Alert i as the API returns it.
local function make_alert(st, i, detailed, groups_of)
  local w = st.world
  local _, pidx, account, region, status, change = core(st, i)
  local policy = current_policy(st, pidx)
  local hints = w.policy_hints[pidx]
  local t = alert_time(st, i)
  local h2 = hash(w.seed, SALT.alert_extra, -i)
  local first_seen = t - roll(h2, 7, 0) * data.DAY_MS - roll(h2, 86400, 8) * 1000
  local last_seen = math.min(w.anchor_ms, t + roll(h2, 48, 20) * 3600000)
  local rname = ("%s-%s-%06x"):format(hints.resource_type:lower():gsub("_", "-"), account.name:match("^%a+%-(%a+)"),
    roll(h2, 0xffffff, 28))
  local rid = account.cloudType == "AWS" and ("arn:aws:%s:%s:%s:%s"):format(
      hints.api:match("^aws%-(%w+)") or "svc", region[2], account.accountId, rname)
    or ("/%s/%s/%s"):format(account.accountId, hints.resource_type:lower(), rname)
  local groups = groups_of[account.accountId]
  if not groups then
    groups = group_names(st, account.accountId)
    groups_of[account.accountId] = groups
  end
  local history = array{{status = "OPEN", reason = "NEW_ALERT", modifiedOn = first_seen, modifiedBy = "System"}}
  local reason = "NEW_ALERT"
  if status == "resolved" then
    reason = "RESOURCE_UPDATED"
    history[2] = {status = "RESOLVED", reason = reason, modifiedOn = last_seen, modifiedBy = "System"}
  elseif status ~= "open" then
    if change and change.reason then reason = change.reason end
    history[2] = {status = status:upper(), reason = change and change.reason or "USER_DISMISSED",
                  modifiedOn = change and change.at or last_seen,
                  modifiedBy = change and change.by or data.USERS[roll(h2, #data.USERS, 40) + 1]}
  end
  local resource = {
    id = rid, name = rname, rrn = ("rrn:%s:%s:%s:%s"):format(account.cloudType:lower(), region[2],
      account.accountId, rname),
    account = account.name, accountId = account.accountId, cloudType = account.cloudType,
    region = region[1], regionId = region[2], resourceType = hints.resource_type, resourceApiName = hints.api,
    cloudServiceName = hints.service, cloudAccountGroups = groups, cloudAccountAncestors = array{},
    cloudAccountOwners = array{}, resourceTags = {}, resourceConfigJsonAvailable = true,
    resourceDetailsAvailable = true, unifiedAssetId = ("%016x"):format(h2),
  }
  if detailed then
    resource.data = {name = rname, region = region[2], createdTime = first_seen,
                     publicAccess = roll(h2, 2, 44) == 0, encrypted = roll(h2, 2, 45) == 0}
  end
  local alert = {
    id = "P-" .. i, status = status, reason = reason, alertTime = t, eventOccurred = t, firstSeen = first_seen,
    lastSeen = last_seen, lastUpdated = change and change.at or last_seen, policyId = policy.policyId,
    policy = alert_policy(policy, detailed), resource = resource, history = history,
    alertRules = array{}, alertAdditionalInfo = {}, alertCount = 1, triggeredBy = "Prisma Cloud",
    investigateOptions = {alertId = "P-" .. i, hasSearchExecutionSupport = true},
    riskDetail = {riskScore = {score = 10 + roll(h2, 90, 50), maxScore = 100}, rating = "F",
                  score = ("%d/100"):format(10 + roll(h2, 90, 50)), policyScores = array{}},
  }
  if status == "dismissed" or status == "snoozed" then
    alert.dismissalNote = change and change.note or "Accepted risk"
    alert.dismissedBy = change and change.by or data.USERS[roll(h2, #data.USERS, 40) + 1]
    if status == "snoozed" then
      alert.dismissalUntilTs = change and change.until_ms or (w.anchor_ms + (1 + roll(h2, 30, 46)) * data.DAY_MS)
      alert.dismissalDuration = "custom"
    end
  end
  return alert
end
M.make_alert = make_alert

-- The index of an alert id ("P-<i>"), or nil when there is none.
local function index_of(st, id)
  local n = type(id) == "string" and math.tointeger(tonumber(id:match("^P%-(%d+)$") or ""))
  if n and n >= 1 and n <= st.world.alert_count then return n end
  return nil
end

--------------------------------------------------------------------------
-- Queries: filters + time range -> a predicate over alert indices.
--------------------------------------------------------------------------

local function lower_set(values)
  local set = {}
  for _, v in ipairs(values) do set[tostring(v):lower()] = true end
  return set
end

local function plain_set(values)
  local set = {}
  for _, v in ipairs(values) do set[tostring(v)] = true end
  return set
end

-- Validates filters {name = {values}}; nil on success, else the bad name.
local function check_filters(f)
  for name, values in pairs(f) do
    if not FILTERS[name] and not IGNORED[name] then return name end
    for _, v in ipairs(values) do
      if name == "alert.status" and not STATUSES[v:lower()] then return name end
      if name == "policy.severity" and not SEVERITIES[v:lower()] then return name end
    end
  end
  return nil
end

local function policy_matches(p, f)
  local function has(name, test)
    local values = f[name]
    if not values then return true end
    for _, v in ipairs(values) do
      if test(v) then return true end
    end
    return false
  end
  return has("policy.id", function(v) return v == p.policyId end)
    and has("policy.name", function(v) return v == p.name end)
    and has("policy.severity", function(v) return v:lower() == p.severity end)
    and has("policy.type", function(v) return v:lower() == p.policyType end)
    and has("policy.remediable", function(v) return (v == "true") == (p.remediable == true) end)
    and has("policy.label", function(v)
      for _, l in ipairs(p.labels or {}) do
        if l == v then return true end
      end
      return false
    end)
    and has("policy.complianceStandard", function(v)
      for _, c in ipairs(p.complianceMetadata or {}) do
        if c.standardName == v then return true end
      end
      return false
    end)
end

-- Compiles filters into match(i) -> bool (nil when no filter applies) and
-- the sorted alert indices named by alert.id (nil when not filtered by id).
local function compile(st, f)
  local w = st.world
  local pmatch, amatch, statuses, regions, ids
  local any_policy, any_account = false, false
  for name in pairs(f) do
    if FILTERS[name] == "policy" then any_policy = true end
    if FILTERS[name] == "account" then any_account = true end
  end
  if any_policy then
    pmatch = {}
    for pidx = 1, #w.policies do pmatch[pidx] = policy_matches(current_policy(st, pidx), f) end
  end
  if any_account then
    amatch = {}
    local types = f["cloud.type"] and lower_set(f["cloud.type"])
    local acc_ids = f["cloud.accountId"] and plain_set(f["cloud.accountId"])
    local names = f["cloud.account"] and plain_set(f["cloud.account"])
    local in_groups
    if f["account.group"] then
      in_groups = {}
      local wanted = plain_set(f["account.group"])
      for _, g in ipairs(st.groups:list()) do
        if wanted[g.name] or wanted[g.id] then
          for _, id in ipairs(g.accountIds) do in_groups[id] = true end
        end
      end
    end
    for _, a in ipairs(w.accounts) do
      amatch[a.index] = (not types or types[a.cloudType:lower()] or false)
        and (not acc_ids or acc_ids[a.accountId] or false)
        and (not names or names[a.name] or false)
        and (not in_groups or in_groups[a.accountId] or false)
    end
  end
  if f["alert.status"] then statuses = lower_set(f["alert.status"]) end
  if f["cloud.region"] then regions = plain_set(f["cloud.region"]) end
  if f["alert.id"] then
    local seen = {}
    ids = {}
    for _, v in ipairs(f["alert.id"]) do
      local i = index_of(st, v)
      if i and not seen[i] then
        seen[i] = true
        ids[#ids + 1] = i
      end
    end
    table.sort(ids)
  end
  if not (pmatch or amatch or statuses or regions) then return nil, ids end
  return function(i)
    local _, pidx, account, region, status = core(st, i)
    if pmatch and not pmatch[pidx] then return false end
    if amatch and not amatch[account.index] then return false end
    if statuses and not statuses[status] then return false end
    if regions and not (regions[region[1]] or regions[region[2]]) then return false end
    return true
  end, ids
end

-- Calls visit(i) for matching alerts in [from, q.hi] in index order until
-- visit returns false. Returns the last index looked at.
local function scan(st, q, from, visit)
  local match, ids = compile(st, q.f)
  if ids then
    for _, i in ipairs(ids) do
      if i >= from and i >= q.lo and i <= q.hi and (not match or match(i)) then
        if visit(i) == false then return i end
      end
    end
    return q.hi
  end
  for i = from, q.hi do
    if not match or match(i) then
      if visit(i) == false then return i end
    end
  end
  return q.hi
end

-- The number of alerts matching q (cached per state generation).
local function count(st, q)
  if next(q.f) == nil then return math.max(0, q.hi - q.lo + 1) end
  local key = json.encode{q.lo, q.hi, q.f}
  local n = st.counts[key]
  if n then return n end
  n = 0
  scan(st, q, q.lo, function() n = n + 1 end)
  st.counts[key] = n
  return n
end

-- Adds one filter value; repeated names are OR'ed.
local function add_filter(f, name, value)
  local list = f[name] or {}
  list[#list + 1] = tostring(value)
  f[name] = list
end

-- Builds a query from a time range and filters. Returns q or nil and an
-- error response.
local function make_query(st, req, tr, f, detailed, limit)
  local bad = check_filters(f)
  if bad then return nil, api.fail(req, 400, "invalid_parameter_value", bad, "unsupported filter or value") end
  local s, e = api.time_range(tr, api.time_context(req, 0))
  if not s then return nil, api.fail(req, 400, "invalid_parameter_value", e, "bad time range") end
  if limit ~= nil then
    limit = math.tointeger(tonumber(limit))
    if not limit or limit < 1 then return nil, api.fail(req, 400, "invalid_parameter_value", "limit") end
  end
  local w = st.world
  local lo, hi = data.series_range(w, w.alert_step, SALT.alert_extra, w.alert_count, s, e)
  local q = {f = f, lo = lo, hi = hi, d = detailed and true or false,
             l = math.min(limit or M.DEFAULT_LIMIT, M.MAX_LIMIT), sid = st.id}
  q.t = count(st, q)
  q.n, q.c = 0, lo
  return q
end

local function encode_token(q)
  return api.page_token("alerts", q.sid, {f = q.f, lo = q.lo, hi = q.hi, d = q.d, l = q.l, t = q.t, n = q.n, c = q.c})
end

-- Decodes a page token: q, or nil when it is not one of this state's.
local function decode_token(st, token)
  local q = api.read_token("alerts", st.id, token)
  if not q or type(q.f) ~= "table" then return nil end
  for _, k in ipairs{"lo", "hi", "l", "t", "n", "c"} do
    if math.type(q[k]) ~= "integer" then return nil end
  end
  for name, values in pairs(q.f) do
    if type(name) ~= "string" or type(values) ~= "table" then return nil end
  end
  if check_filters(q.f) then return nil end
  return q
end

-- One page of q: the response body.
local function page(st, q)
  local items, groups_of = array{}, {}
  local last = scan(st, q, q.c, function(i)
    items[#items + 1] = make_alert(st, i, q.d, groups_of)
    if #items >= q.l then return false end
  end)
  local body = {totalRows = q.t, items = items, sortAllowedColumns = array(SORT_COLUMNS),
                dynamicColumns = array{}}
  q.n = q.n + #items
  q.c = last + 1
  if #items >= q.l and q.n < q.t and q.c <= q.hi then body.nextPageToken = encode_token(q) end
  return body
end

--------------------------------------------------------------------------
-- Dismiss / reopen.
--------------------------------------------------------------------------

-- Resolves the future point of a dismissalTimeRange; nil and field when bad.
local function snooze_until(tr, now_ms)
  if type(tr) ~= "table" then return nil, "dismissalTimeRange" end
  local v = tr.value
  if tr.type == "relative" and type(v) == "table" then
    local amount, unit = math.tointeger(tonumber(v.amount)), api.UNIT_MS[v.unit]
    if amount and amount > 0 and unit then return now_ms + amount * unit end
  elseif tr.type == "absolute" and type(v) == "table" then
    local e = math.tointeger(tonumber(v.endTime))
    if e and e > now_ms then return e end
  end
  return nil, "dismissalTimeRange"
end

-- Filters from a body's filters list [{name, operator, value}]; nil and the
-- bad field.
local function body_filters(list)
  local f = {}
  if list == nil or list == json.null then return f end
  if type(list) ~= "table" then return nil, "filters" end
  for _, item in ipairs(list) do
    if type(item) ~= "table" or type(item.name) ~= "string" or item.value == nil or item.value == json.null then
      return nil, "filters"
    end
    if item.operator ~= nil and item.operator ~= "=" then return nil, "filters.operator" end
    add_filter(f, item.name, item.value)
  end
  return f
end

-- POST /alert/dismiss and /alert/reopen: the shared body handling.
local function change_status(st, req, reopen)
  local body, bad = api.body(req, true)
  if not body then return bad end
  if type(body.filter) ~= "table" then
    return api.fail(req, 400, "missing_required_parameter", "filter", "filter is required")
  end
  local f, ferr = body_filters(body.filter.filters)
  if not f then return api.fail(req, 400, "invalid_parameter_value", ferr) end
  local now = api.now_ms()
  local until_ms
  local snoozing = body.dismissalTimeRange ~= nil and body.dismissalTimeRange ~= json.null
  if not reopen and not snoozing and st.require_dismissal_note
    and (type(body.dismissalNote) ~= "string" or body.dismissalNote:match("^%s*$")) then
    return api.fail(req, 400, "missing_required_parameter", "dismissalNote", "a dismissal note is required")
  end
  if not reopen and snoozing then
    local u, uerr = snooze_until(body.dismissalTimeRange, now)
    if not u then return api.fail(req, 400, "invalid_parameter_value", uerr) end
    until_ms = u
  end
  local alerts = body.alerts ~= json.null and body.alerts or nil
  local policies = body.policies ~= json.null and body.policies or nil
  if (not alerts or #alerts == 0) and (not policies or #policies == 0) then
    return api.fail(req, 400, "missing_required_parameter", "alerts", "alerts or policies required")
  end
  local targets = {}
  if alerts and #alerts > 0 then
    if type(alerts) ~= "table" then return api.fail(req, 400, "invalid_parameter_value", "alerts") end
    for _, id in ipairs(alerts) do
      local i = index_of(st, id)
      if not i then return api.fail(req, 400, "invalid_parameter_value", "alerts", "unknown alert " .. tostring(id)) end
      targets[#targets + 1] = i
    end
  else
    if type(policies) ~= "table" then return api.fail(req, 400, "invalid_parameter_value", "policies") end
    f["policy.id"] = {}
    for _, id in ipairs(policies) do add_filter(f, "policy.id", id) end
    local q, qerr = make_query(st, req, body.filter.timeRange, f, false, nil)
    if not q then return qerr end
    scan(st, q, q.lo, function(i) targets[#targets + 1] = i end)
  end
  local from = reopen and {dismissed = true, snoozed = true} or {open = true}
  local changed = 0
  for _, i in ipairs(targets) do
    local _, _, _, _, status = core(st, i)
    if from[status] then
      if not st.changes[i] then st.changed = st.changed + 1 end
      st.changes[i] = {
        status = reopen and "open" or (until_ms and "snoozed" or "dismissed"),
        note = (not reopen) and type(body.dismissalNote) == "string" and body.dismissalNote or nil,
        by = api.user_of(req), at = now, until_ms = until_ms,
      }
      changed = changed + 1
    end
  end
  state_mod.touch(st)
  if changed == 0 and alerts and #alerts > 0 and not reopen then
    return api.fail(req, 404, "alert_no_longer_in_expected_state", "alerts")
  end
  return api.empty(200)
end

-- PATCH /alert/remediation/{id}: runs the policy's remediation on an open alert.
local function remediate(st, req, id)
  local i = index_of(st, id)
  if not i then return api.fail(req, 400, "invalid_parameter_value", "id", "unknown alert " .. tostring(id)) end
  local finding = api.query(req, "findingId")
  if finding ~= nil and finding == "" then return api.fail(req, 400, "invalid_parameter_value", "findingId") end
  local _, pidx, _, _, status = core(st, i)
  local policy = current_policy(st, pidx)
  if not policy.remediable then
    return api.fail(req, 405, "remediation_unavailable", policy.policyId,
      ("policy %s has no remediation"):format(policy.policyId))
  end
  if status ~= "open" then
    return api.fail(req, 400, "bad_request", id, ("alert %s is %s, not open"):format(id, status))
  end
  if not st.changes[i] then st.changed = st.changed + 1 end
  st.changes[i] = {status = "pending_resolution", by = api.user_of(req),
                   at = api.now_ms(), reason = "REMEDIATED"}
  state_mod.touch(st)
  return api.empty(200)
end

M.MAX_REMEDIATION = 1000 -- alerts per remediation command list

-- POST /alert/remediation: {alerts, policies, filter = {timeRange}} -> RemediationCliModel.
local function remediation_commands(st, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local filter = body.filter
  if type(filter) ~= "table" or type(filter.timeRange) ~= "table" then
    return api.fail(req, 400, "missing_required_parameter", "filter.timeRange", "filter.timeRange is required")
  end
  local alerts = type(body.alerts) == "table" and body.alerts or {}
  local policies = type(body.policies) == "table" and body.policies or {}
  if #alerts == 0 and #policies == 0 then
    return api.fail(req, 400, "missing_required_parameter", "alerts", "alerts or a policy required")
  end
  if #policies > 1 then return api.fail(req, 400, "cannot_remediate_multiple_policy_alerts", "policies") end
  local targets, policy_id = {}, policies[1]
  for _, id in ipairs(alerts) do
    local i = index_of(st, id)
    if not i then return api.fail(req, 400, "invalid_parameter_value", "alerts", "unknown alert " .. tostring(id)) end
    local _, pidx = core(st, i)
    local pid = current_policy(st, pidx).policyId
    if policy_id ~= nil and pid ~= policy_id then
      return api.fail(req, 400, "cannot_remediate_multiple_policy_alerts", "alerts")
    end
    policy_id = pid
    targets[#targets + 1] = i
  end
  local policy = st.policies.by_id[policy_id]
  if not policy then return api.fail(req, 400, "invalid_parameter_value", "policies", "unknown policy") end
  if not policy.remediable or type(policy.remediation) ~= "table" then
    return api.fail(req, 405, "remediation_unavailable", policy_id)
  end
  if #alerts == 0 then
    local q, qerr = make_query(st, req, filter.timeRange, {["policy.id"] = {policy_id}, ["alert.status"] = {"open"}},
      false, nil)
    if not q then return qerr end
    scan(st, q, q.lo, function(i)
      targets[#targets + 1] = i
      return #targets < M.MAX_REMEDIATION
    end)
  end
  local scripts, all = {}, {}
  local template = policy.remediation.cliScriptTemplate or ""
  for _, i in ipairs(targets) do
    local a = make_alert(st, i, false, {})
    local script = template:gsub("%${(%w+)}", function(k)
      if k == "resourceName" then return a.resource.name end
      if k == "resourceId" then return a.resource.id end
      if k == "region" then return a.resource.regionId end
      if k == "account" then return a.resource.accountId end
      return nil
    end)
    scripts[a.id] = script
    all[#all + 1] = script
  end
  return api.json(200, {alertIdVsCliScript = scripts, cliScript = table.concat(all, "; "),
                        cliDescription = policy.remediation.description or "",
                        scriptImpact = "Changes the configuration of the listed resources."})
end

--------------------------------------------------------------------------
-- Routes.
--------------------------------------------------------------------------

-- A route under the per-user rate limit `name` (when the rate_limits option is on): fn(req, params)
-- answers, with the X-RateLimit-* headers on every answer; past the limit, 429.
local function limited(app, name, fn, rate, burst)
  return function(req, params)
    local headers = {}
    if app.config.rate_limits then
      local res
      headers, res = api.rate_limit(app.state.buckets, req, name, rate or M.RATE, burst or M.BURST, app.clock)
      if res then return res end
    end
    return api.with_headers(fn(req, params), headers)
  end
end

-- The filters of a request (GET: from the query string, the ignored names too when
-- with_ignored; POST: from the body): f, or nil and a 400 response.
local function request_filters(req, body, from_get, with_ignored)
  if not from_get then
    local f, ferr = body_filters(body.filters)
    if not f then return nil, api.fail(req, 400, "invalid_parameter_value", ferr) end
    return f
  end
  local f = {}
  for _, names in ipairs{FILTERS, with_ignored and IGNORED or {}} do
    for name in pairs(names) do
      for _, v in ipairs(api.query_all(req, name)) do add_filter(f, name, v) end
    end
  end
  return f
end

-- The query of a first page (GET: filters from the query string; POST: from the body): q, or nil and a response.
local function first_query(app, req, body, from_get)
  local st = app.state
  local f, bad = request_filters(req, body, from_get, true)
  if not f then return nil, bad end
  local detailed = api.bool(api.query(req, "detailed"))
  if detailed == nil then detailed = api.bool(body.detailed) end
  if detailed == "bad" then return nil, api.fail(req, 400, "invalid_parameter_value", "detailed") end
  return make_query(st, req, body.timeRange, f, detailed, body.limit)
end

-- A page (first or next) for GET or POST /v2/alert.
local function list(app, req, body, from_get)
  local st = app.state
  local token = body.pageToken
  if token ~= nil and token ~= json.null then
    local q = decode_token(st, token)
    if not q then return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token") end
    return api.json(200, page(st, q))
  end
  local q, err = first_query(app, req, body, from_get)
  if not q then return err end
  return api.json(200, page(st, q))
end

-- GET|POST /alert (v1): one array of at most `limit` (10,000) alerts, no paging.
local function list_v1(app, req, body, from_get)
  local q, err = first_query(app, req, body, from_get)
  if not q then return err end
  return api.json(200, page(app.state, q).items)
end

-- GET|POST /alert/policy: the matching alerts counted by policy.
local function by_policy(app, req, body, from_get)
  local st = app.state
  local f, bad = request_filters(req, body, from_get, false)
  if not f then return bad end
  local detailed = api.bool(api.query(req, "detailed"))
  if detailed == "bad" then return api.fail(req, 400, "invalid_parameter_value", "detailed") end
  local q, err = make_query(st, req, body.timeRange, f, detailed, nil)
  if not q then return err end
  local counts, order = {}, {}
  scan(st, q, q.lo, function(i)
    local _, pidx = core(st, i)
    if not counts[pidx] then order[#order + 1] = pidx end
    counts[pidx] = (counts[pidx] or 0) + 1
  end)
  table.sort(order, function(x, y)
    if counts[x] ~= counts[y] then return counts[x] > counts[y] end
    return x < y
  end)
  local out = array{}
  for k, pidx in ipairs(order) do
    local p = current_policy(st, pidx)
    out[k] = {policyId = p.policyId, policy = alert_policy(p, detailed == true), alertCount = counts[pidx]}
  end
  return api.json(200, out)
end

-- The options of the alert filters (GET /filter/alert/suggest): name -> {options, staticFilter}.
local function alert_filter_options(st)
  local static = {
    ["alert.status"] = {"open", "dismissed", "snoozed", "resolved", "pending_resolution"},
    ["policy.severity"] = {"critical", "high", "medium", "low", "informational"},
    ["policy.type"] = {"anomaly", "audit_event", "config", "network", "data", "iam", "workload_vulnerability",
                       "workload_incident", "attack_path"},
    ["policy.remediable"] = {"true", "false"}, ["cloud.type"] = {"aws", "azure", "gcp", "alibaba_cloud", "oci"},
    ["timeRange.type"] = {"ALERT_OPENED", "ALERT_UPDATED", "ALERT_STATUS_UPDATED"},
  }
  local sets = {["cloud.account"] = {}, ["cloud.accountId"] = {}, ["cloud.region"] = {}, ["account.group"] = {},
                ["policy.name"] = {}, ["policy.label"] = {}, ["policy.complianceStandard"] = {}}
  for _, a in ipairs(st.accounts:list()) do
    sets["cloud.account"][a.name] = true
    sets["cloud.accountId"][a.accountId] = true
  end
  for _, regions in pairs(data.REGIONS) do
    for _, r in ipairs(regions) do sets["cloud.region"][r[1]] = true end
  end
  for _, g in ipairs(st.groups:list()) do sets["account.group"][g.name] = true end
  for _, p in ipairs(st.policies:list()) do
    sets["policy.name"][p.name] = true
    for _, l in ipairs(p.labels or {}) do sets["policy.label"][l] = true end
    for _, c in ipairs(p.complianceMetadata or {}) do sets["policy.complianceStandard"][c.standardName] = true end
  end
  local out = {}
  for name, values in pairs(static) do out[name] = {options = array(values), staticFilter = true} end
  for name, set in pairs(sets) do
    local options = api.sorted_keys(set)
    out[name] = {options = options, staticFilter = false}
  end
  for _, name in ipairs{"alert.id", "resource.id", "resource.name", "resource.type", "cloud.service",
                        "alertRule.name", "policy.subtype"} do
    out[name] = {options = array{}, staticFilter = false}
  end
  return out
end

--- A page of alerts for a POST /v2/alert body (a table), as the route answers it, without the
-- route's rate limit: the alert jobs' pages (alert_jobs.lua) come from here.
function M.page(app, req, body)
  return list(app, req, body, false)
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/alert", limited(app, "alertv1", function(req)
    local body = {limit = api.query(req, "limit"), timeRange = api.query_time_range(req)}
    return list_v1(app, req, body, true)
  end))
  router:add("POST", "/alert", limited(app, "alertv1", function(req)
    local body, bad = api.body(req)
    if not body then return bad end
    return list_v1(app, req, body, false)
  end))
  router:add("GET", "/alert/policy", limited(app, "alertpolicy", function(req)
    local body = {timeRange = api.query_time_range(req)}
    return by_policy(app, req, body, true)
  end, M.POLICY_RATE, M.POLICY_BURST))
  router:add("POST", "/alert/policy", limited(app, "alertpolicy", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    return by_policy(app, req, body, false)
  end, M.POLICY_RATE, M.POLICY_BURST))
  router:add("GET", "/filter/alert/suggest", function()
    return api.json(200, alert_filter_options(app.state))
  end)
  router:add("POST", "/filter/alert/suggest", function(req)
    local out, bad = api.suggest(req, alert_filter_options(app.state))
    if not out then return bad end
    return api.json(200, {suggestions = out, valid = true, translate = false, needsOffsetUpdate = false,
                          offset = 0, queryRemainder = ""})
  end)
  router:add("GET", "/v2/alert", limited(app, "v2alert", function(req)
    local body = {pageToken = api.query(req, "pageToken"), limit = api.query(req, "limit"),
                  timeRange = api.query_time_range(req)}
    return list(app, req, body, true)
  end))

  router:add("POST", "/v2/alert", limited(app, "v2alert", function(req)
    local body, bad = api.body(req)
    if not body then return bad end
    if body.pageToken ~= nil and body.pageToken ~= json.null then
      -- The next page: the token carries the query; nothing else may come with it.
      for k in pairs(body) do
        if k ~= "pageToken" then
          return api.fail(req, 400, "invalid_parameter_value", k, "only pageToken may be sent for the next page")
        end
      end
    end
    return list(app, req, body, false)
  end))

  router:add("GET", "/alert/count/:status", limited(app, "alertcount", function(req, params)
    local status = params.status:lower()
    if not STATUSES[status] then return api.fail(req, 400, "invalid_parameter_value", "status") end
    local st = app.state
    local q = {f = {["alert.status"] = {status}}, lo = 1, hi = st.world.alert_count}
    return api.json(200, {count = count(st, q)})
  end))

  router:add("POST", "/alert/dismiss", function(req) return change_status(app.state, req, false) end)
  router:add("POST", "/alert/reopen", function(req) return change_status(app.state, req, true) end)
  router:add("GET", "/alert/dismiss/require_dismissal_note", function()
    return api.json(200, {requireDismissalNote = app.state.require_dismissal_note == true})
  end)
  router:add("PUT", "/alert/dismiss/require_dismissal_note", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    if body.requireDismissalNote == nil or body.requireDismissalNote == json.null then
      return api.fail(req, 400, "missing_required_parameter", "requireDismissalNote")
    end
    if type(body.requireDismissalNote) ~= "boolean" then
      return api.fail(req, 400, "invalid_parameter_value", "requireDismissalNote")
    end
    app.state.require_dismissal_note = body.requireDismissalNote
    return api.empty(200)
  end)
  router:add("POST", "/alert/remediation", function(req) return remediation_commands(app.state, req) end)
  router:add("PATCH", "/alert/remediation/:id", function(req, params) return remediate(app.state, req, params.id) end)

  router:add("GET", "/alert/:id", function(req, params)
    local st = app.state
    local i = index_of(st, params.id)
    if not i then return api.fail(req, 404, "alert_not_found", params.id, "no alert " .. params.id) end
    local detailed = api.bool(api.query(req, "detailed"))
    if detailed == "bad" then return api.fail(req, 400, "invalid_parameter_value", "detailed") end
    return api.json(200, make_alert(st, i, detailed == true, {}))
  end)
end

return M
