-- prismacloud.emulator.compliance: compliance standards (ComplianceStandards.json)
-- and the compliance posture (CompliancePosture.json).
--
--   GET /compliance                               standards
--   GET /compliance/{id}                          one standard
--   GET /compliance/{id}/requirement              its requirements
--   GET /compliance/{requirementId}/section       a requirement's sections (as documented)
--   GET /compliance/requirement/{id}              one requirement
--   GET /compliance/requirement/{id}/section      the same sections (alias)
--   POST /compliance, PUT|DELETE /compliance/{id} custom standards (200 without a body)
--   POST /compliance/clone/{id}                   a copy with requirements and sections
--   POST /compliance/{id}/requirement, PUT|DELETE /compliance/requirement/{id}
--   POST /compliance/{requirementId}/section, PUT|DELETE /compliance/requirement/section/{id}
--                                                 400 missing_required_parameter, duplicate_name,
--                                                 bad_request (built-in items are read-only)
--   GET|POST [/v2]/compliance/posture[/trend][/{complianceId}[/{requirementId}]]
--                                                 passed/failed resources per standard,
--                                                 requirement or section; trends (400 bad_request)
--   GET|POST /filter/compliance/posture/suggest   the posture filters and their options
--
-- Standards, requirements and sections are generated per world; built-in
-- policies are assigned to sections (their complianceMetadata), which gives
-- the policiesAssignedCount and associatedPolicyIds.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

local function section_policies(sec)
  local ids = array{}
  for id in pairs(sec.policies) do ids[#ids + 1] = id end
  table.sort(ids)
  return ids
end

local function view_section(sec)
  local ids = section_policies(sec)
  return {
    id = sec.id, sectionId = sec.sectionId, label = sec.label, description = sec.description,
    requirementId = sec.requirementId, requirementName = sec.requirementName, standardName = sec.standardName,
    createdBy = sec.createdBy, createdOn = sec.createdOn, lastModifiedBy = sec.lastModifiedBy,
    lastModifiedOn = sec.lastModifiedOn, systemDefault = sec.systemDefault, viewOrder = sec.viewOrder,
    associatedPolicyIds = ids, policiesAssignedCount = #ids,
  }
end

local function requirement_count(req)
  local seen, n = {}, 0
  for _, sec in ipairs(req.sections) do
    for id in pairs(sec.policies) do
      if not seen[id] then
        seen[id] = true
        n = n + 1
      end
    end
  end
  return n, seen
end

local function view_requirement(req)
  return {
    id = req.id, complianceId = req.complianceId, name = req.name, requirementId = req.requirementId,
    description = req.description, standardName = req.standardName, createdBy = req.createdBy,
    createdOn = req.createdOn, lastModifiedBy = req.lastModifiedBy, lastModifiedOn = req.lastModifiedOn,
    systemDefault = req.systemDefault, viewOrder = req.viewOrder, policiesAssignedCount = (requirement_count(req)),
  }
end

local function view_standard(std)
  local seen, n = {}, 0
  for _, req in ipairs(std.requirements) do
    local _, ids = requirement_count(req)
    for id in pairs(ids) do
      if not seen[id] then
        seen[id] = true
        n = n + 1
      end
    end
  end
  return {
    id = std.id, name = std.name, description = std.description, cloudType = array(api.copy(std.cloudType)),
    createdBy = std.createdBy, createdOn = std.createdOn, lastModifiedBy = std.lastModifiedBy,
    lastModifiedOn = std.lastModifiedOn, systemDefault = std.systemDefault, policiesAssignedCount = n,
  }
end

local function find_standard(st, id)
  for _, std in ipairs(st.world.standards) do
    if std.id == id then return std end
  end
  return nil
end

--------------------------------------------------------------------------
-- Custom standards, requirements and sections.
--------------------------------------------------------------------------

local function text(v)
  return type(v) == "string" and v or nil
end

-- Checks a name for a new or renamed item among siblings; nil, or an error response.
local function check_name(req, name, siblings, self_item, field)
  field = field or "name"
  if type(name) ~= "string" or not name:find("%S") then
    return api.fail(req, 400, "missing_required_parameter", field, field .. " is required")
  end
  for _, x in ipairs(siblings) do
    if x ~= self_item and (x[field] or ""):lower() == name:lower() then
      return api.fail(req, 400, "duplicate_name", name, "duplicate name")
    end
  end
  return nil
end

-- The standard, requirement or section (kind) {id} of a route: item, or nil and a 404.
local function find(req, st, kind, id)
  local item
  if kind == "standard" then item = find_standard(st, id) else item = st.world[kind .. "s"][id] end
  if not item then return nil, api.fail(req, 404, "not_found", id, ("no compliance %s %s"):format(kind, id)) end
  return item
end

-- The same for a change, with the request body when with_body: item, body; or nil and an
-- error response (404; a built-in item cannot be changed: 400 bad_request).
local function editable(req, st, kind, id, with_body)
  local item, missing = find(req, st, kind, id)
  if not item then return nil, missing end
  if item.systemDefault then
    return nil, api.fail(req, 400, "bad_request", item.id, "a built-in item cannot be changed")
  end
  if not with_body then return item end
  local body, bad = api.body(req, true)
  if not body then return nil, bad end
  return item, body
end

-- A requirement body's requirementId: nil, or a 400 response.
local function check_requirement_id(req, body)
  if type(body.requirementId) ~= "string" or body.requirementId == "" then
    return api.fail(req, 400, "missing_required_parameter", "requirementId", "requirementId is required")
  end
end

-- t with the fields of a custom item made by `by` at `now`.
local function authored(t, by, now)
  t.createdBy, t.createdOn, t.lastModifiedBy, t.lastModifiedOn, t.systemDefault = by, now, by, now, false
  return t
end

-- A new section of requirement r.
local function new_section(st, r, body, by, now)
  st.next_section = (st.next_section or 0) + 1
  local sec = authored({
    id = data.uuid(st.world.seed, 1000 + data.SALT.section, st.next_section), sectionId = body.sectionId,
    label = body.sectionId, description = text(body.description) or "", requirementId = r.id,
    requirementName = r.name, standardName = r.standardName, viewOrder = #r.sections + 1,
    policies = {}, requirement = r,
  }, by, now)
  r.sections[#r.sections + 1] = sec
  st.world.sections[sec.id] = sec
  return sec
end

-- A new requirement of standard std.
local function new_requirement(st, std, body, by, now)
  st.next_requirement = (st.next_requirement or 0) + 1
  local r = authored({
    id = data.uuid(st.world.seed, 1000 + data.SALT.requirement, st.next_requirement), complianceId = std.id,
    name = body.name, requirementId = body.requirementId, description = text(body.description) or "",
    standardName = std.name, viewOrder = #std.requirements + 1, sections = {}, policiesAssignedCount = 0,
    standard = std,
  }, by, now)
  std.requirements[#std.requirements + 1] = r
  st.world.requirements[r.id] = r
  return r
end

-- A new custom standard.
local function new_standard(st, body, by, now, cloud_type)
  st.next_standard = (st.next_standard or 0) + 1
  local std = authored({
    id = data.uuid(st.world.seed, 1000 + data.SALT.standard, st.next_standard), name = body.name,
    description = text(body.description) or "", cloudType = cloud_type or {}, requirements = {},
    policiesAssignedCount = 0,
  }, by, now)
  st.world.standards[#st.world.standards + 1] = std
  return std
end

local function remove(list, item)
  for i, x in ipairs(list) do
    if x == item then
      table.remove(list, i)
      return
    end
  end
end

local function drop_requirement(st, r)
  for _, sec in ipairs(r.sections) do st.world.sections[sec.id] = nil end
  st.world.requirements[r.id] = nil
end

-- A write route: fn(req, params, st) answers an error response, or nothing when it changed the
-- state (which then answers 200 without a body, as documented).
local function write(app, fn)
  return function(req, params)
    local st = app.state
    local failed = fn(req, params, st)
    if failed then return failed end
    state_mod.touch(st)
    return api.empty(200)
  end
end

local function register_writes(router, app)
  router:add("POST", "/compliance/clone/:id", write(app, function(req, params, st)
    local std, missing = find(req, st, "standard", params.id)
    if not std then return missing end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_name(req, body.name, st.world.standards)
    if err then return err end
    local by, now = api.user_of(req), api.now_ms()
    local copy = new_standard(st, body, by, now, api.copy(std.cloudType))
    for _, r in ipairs(std.requirements) do
      local r2 = new_requirement(st, copy, r, by, now)
      for _, sec in ipairs(r.sections) do new_section(st, r2, sec, by, now) end
    end
  end))

  router:add("POST", "/compliance", write(app, function(req, _, st)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_name(req, body.name, st.world.standards)
    if err then return err end
    new_standard(st, body, api.user_of(req), api.now_ms())
  end))

  router:add("PUT", "/compliance/requirement/section/:id", write(app, function(req, params, st)
    local sec, body = editable(req, st, "section", params.id, true)
    if not sec then return body end
    local err = check_name(req, body.sectionId, sec.requirement.sections, sec, "sectionId")
    if err then return err end
    sec.sectionId, sec.label = body.sectionId, body.sectionId
    sec.description = text(body.description) or sec.description
    sec.lastModifiedBy, sec.lastModifiedOn = api.user_of(req), api.now_ms()
  end))

  router:add("DELETE", "/compliance/requirement/section/:id", write(app, function(req, params, st)
    local sec, bad = editable(req, st, "section", params.id)
    if not sec then return bad end
    remove(sec.requirement.sections, sec)
    st.world.sections[sec.id] = nil
  end))

  router:add("PUT", "/compliance/requirement/:id", write(app, function(req, params, st)
    local r, body = editable(req, st, "requirement", params.id, true)
    if not r then return body end
    local err = check_name(req, body.name, r.standard.requirements, r) or check_requirement_id(req, body)
    if err then return err end
    r.name, r.requirementId = body.name, body.requirementId
    r.description = text(body.description) or r.description
    r.lastModifiedBy, r.lastModifiedOn = api.user_of(req), api.now_ms()
    for _, sec in ipairs(r.sections) do sec.requirementName = r.name end
  end))

  router:add("DELETE", "/compliance/requirement/:id", write(app, function(req, params, st)
    local r, bad = editable(req, st, "requirement", params.id)
    if not r then return bad end
    remove(r.standard.requirements, r)
    drop_requirement(st, r)
  end))

  router:add("POST", "/compliance/:id/requirement", write(app, function(req, params, st)
    local std, body = editable(req, st, "standard", params.id, true)
    if not std then return body end
    local err = check_name(req, body.name, std.requirements) or check_requirement_id(req, body)
    if err then return err end
    new_requirement(st, std, body, api.user_of(req), api.now_ms())
  end))

  router:add("POST", "/compliance/:id/section", write(app, function(req, params, st)
    local r, body = editable(req, st, "requirement", params.id, true)
    if not r then return body end
    local err = check_name(req, body.sectionId, r.sections, nil, "sectionId")
    if err then return err end
    new_section(st, r, body, api.user_of(req), api.now_ms())
  end))

  router:add("PUT", "/compliance/:id", write(app, function(req, params, st)
    local std, body = editable(req, st, "standard", params.id, true)
    if not std then return body end
    local err = check_name(req, body.name, st.world.standards, std)
    if err then return err end
    std.name, std.description = body.name, text(body.description) or std.description
    std.lastModifiedBy, std.lastModifiedOn = api.user_of(req), api.now_ms()
    for _, r in ipairs(std.requirements) do
      r.standardName = std.name
      for _, sec in ipairs(r.sections) do sec.standardName = std.name end
    end
  end))

  router:add("DELETE", "/compliance/:id", write(app, function(req, params, st)
    local std, bad = editable(req, st, "standard", params.id)
    if not std then return bad end
    for _, r in ipairs(std.requirements) do drop_requirement(st, r) end
    remove(st.world.standards, std)
  end))
end

--------------------------------------------------------------------------
-- Posture.
--------------------------------------------------------------------------

local SALT_POSTURE = 45
local POSTURE_FILTERS = {
  ["cloud.account"] = true, ["cloud.type"] = true, ["cloud.region"] = true, ["account.group"] = true,
  ["policy.complianceStandard"] = true, ["policy.complianceRequirement"] = true,
  ["policy.complianceSection"] = true,
}

-- A stable number from an id string.
local function id_number(id)
  local n = 0
  for i = 1, #id do n = (n * 31 + id:byte(i)) % 2147483647 end
  return n
end

-- The filters of a posture request as name -> set of values, and the time range;
-- or nil and an error response. takes_time: whether this operation has a time range.
local function posture_filters(req, post, takes_time)
  local sets, tr = {}, nil
  local function add(name, value)
    if not POSTURE_FILTERS[name] or type(value) ~= "string" then return false end
    sets[name] = sets[name] or {}
    sets[name][value] = true
    return true
  end
  if post then
    local body, bad = api.body(req)
    if not body then return nil, bad end
    for _, f in ipairs(type(body.filters) == "table" and body.filters or {}) do
      if type(f) ~= "table" or (f.operator ~= nil and f.operator ~= "=") or not add(f.name, f.value) then
        return nil, api.fail(req, 400, "bad_request", "filters", "unsupported filter")
      end
    end
    if body.timeRange ~= nil and body.timeRange ~= json.null then tr = body.timeRange end
  else
    for name in pairs(req.query) do
      if POSTURE_FILTERS[name] then
        for _, v in ipairs(api.query_all(req, name)) do add(name, v) end
      end
    end
    tr = api.query_time_range(req)
  end
  if tr ~= nil then
    if not takes_time then return nil, api.fail(req, 400, "bad_request", "timeRange", "no time range here") end
    local from, field = api.time_range(tr, api.time_context(req, 0))
    if not from then return nil, api.fail(req, 400, "bad_request", field, "bad time range") end
    tr = {from = from, to = field}
  end
  return {sets = sets, tr = tr}
end

-- Whether value v passes filter name (absent filters pass everything).
local function pass(f, name, ...)
  local set = f.sets[name]
  if not set then return true end
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v ~= nil and set[v] then return true end
  end
  return false
end

-- The accounts a standard's posture counts.
local function accounts_in_scope(st, std, f)
  local clouds = {}
  for _, c in ipairs(std.cloudType) do clouds[c] = true end
  local groups_of = {}
  for _, g in ipairs(st.groups:list()) do
    for _, id in ipairs(g.accountIds) do
      groups_of[id] = groups_of[id] or {}
      table.insert(groups_of[id], g)
    end
  end
  local out = {}
  for _, a in ipairs(st.accounts:list()) do
    local in_group = not f.sets["account.group"]
    for _, g in ipairs(groups_of[a.accountId] or {}) do
      in_group = in_group or pass(f, "account.group", g.id, g.name)
    end
    local in_region = not f.sets["cloud.region"]
    for _, r in ipairs(data.REGIONS[a.cloudType] or {}) do
      in_region = in_region or pass(f, "cloud.region", r[1], r[2])
    end
    if (next(clouds) == nil or clouds[a.cloudType]) and pass(f, "cloud.account", a.accountId, a.name)
      and pass(f, "cloud.type", a.cloudType:lower()) and in_group and in_region then
      out[#out + 1] = a
    end
  end
  return out
end

-- Counts of a section over accounts: {total, failed, high, medium, low}.
local function section_counts(st, sec, accounts)
  local c = {total = 0, failed = 0, high = 0, medium = 0, low = 0}
  local base = id_number(sec.id)
  for _, a in ipairs(accounts) do
    local h = data.hash(st.world.seed, SALT_POSTURE, base * 4096 + id_number(a.accountId) % 4096)
    local total = data.roll(h, 12, 0)
    local failed = data.roll(h, total // 3 + 1, 8)
    local high = data.roll(h, failed + 1, 16)
    local medium = data.roll(h, failed - high + 1, 24)
    c.total, c.failed = c.total + total, c.failed + failed
    c.high, c.medium, c.low = c.high + high, c.medium + medium, c.low + failed - high - medium
  end
  return c
end

local function add_counts(into, c)
  for k, v in pairs(c) do into[k] = (into[k] or 0) + v end
  return into
end

local function zero() return {total = 0, failed = 0, high = 0, medium = 0, low = 0} end

local function counts_fields(out, c)
  out.totalResources, out.failedResources, out.passedResources = c.total, c.failed, c.total - c.failed
  out.highSeverityFailedResources, out.mediumSeverityFailedResources = c.high, c.medium
  out.lowSeverityFailedResources = c.low
  out.criticalSeverityFailedResources, out.informationalSeverityFailedResources = 0, 0
  return out
end

local function requirement_posture(st, r, accounts, f)
  local c, per_section = zero(), {}
  for _, sec in ipairs(r.sections) do
    if pass(f, "policy.complianceSection", sec.sectionId, sec.id) then
      local sc = section_counts(st, sec, accounts)
      per_section[#per_section + 1] = {sec, sc}
      add_counts(c, sc)
    end
  end
  return c, per_section
end

local function standard_posture(st, std, f)
  local accounts = accounts_in_scope(st, std, f)
  local c, per_requirement = zero(), {}
  for _, r in ipairs(std.requirements) do
    if pass(f, "policy.complianceRequirement", r.name, r.requirementId) then
      local rc, per_section = requirement_posture(st, r, accounts, f)
      per_requirement[#per_requirement + 1] = {r, rc, per_section}
      add_counts(c, rc)
    end
  end
  return c, per_requirement
end

local function detail(item, c, description, default, assigned)
  return counts_fields({id = item.id, name = item.name or item.sectionId, description = description,
                        default = default, assignedPolicies = assigned}, c)
end

-- The posture of a scope: body {complianceDetails, requirementSummaries, summary, timestamps}.
local function posture(st, scope, f)
  local now = st.world.anchor_ms
  local details, summaries, total = array{}, nil, zero()
  if scope.requirement then
    local c, per_section = requirement_posture(st, scope.requirement, accounts_in_scope(st, scope.standard, f), f)
    total = c
    for _, x in ipairs(per_section) do
      local sec = x[1]
      local ids = section_policies(sec)
      details[#details + 1] = detail(sec, x[2], sec.description, sec.systemDefault, #ids)
    end
  elseif scope.standard then
    local c, per_requirement = standard_posture(st, scope.standard, f)
    total, summaries = c, array{}
    for _, x in ipairs(per_requirement) do
      local r, rc = x[1], x[2]
      details[#details + 1] = detail(r, rc, r.description, r.systemDefault, (requirement_count(r)))
      local secs = array{}
      for _, y in ipairs(x[3]) do
        secs[#secs + 1] = {id = y[1].id, name = y[1].sectionId, totalResources = y[2].total,
                           failedResources = y[2].failed, passedResources = y[2].total - y[2].failed}
      end
      summaries[#summaries + 1] = {id = r.id, name = r.name, sectionSummaries = secs}
    end
  else
    for _, std in ipairs(st.world.standards) do
      if pass(f, "policy.complianceStandard", std.name, std.id) then
        local c = standard_posture(st, std, f)
        add_counts(total, c)
        local view = view_standard(std)
        details[#details + 1] = detail(std, c, std.description, std.systemDefault, view.policiesAssignedCount)
      end
    end
  end
  local summary = counts_fields({timestamp = now}, total)
  return {complianceDetails = details, requirementSummaries = summaries, summary = summary,
          requestedTimestamp = now, timestamp = now}
end

-- The posture over time: daily points for up to a month, weekly beyond (at most 53).
local function trend(st, scope, f)
  local now = st.world.anchor_ms
  local span = f.tr and math.max(f.tr.to - f.tr.from, data.DAY_MS) or 7 * data.DAY_MS
  local step = span <= 31 * data.DAY_MS and data.DAY_MS or 7 * data.DAY_MS
  local n = math.min(math.max(span // step, 1), 53)
  local c = posture(st, scope, f).summary
  local out = array{}
  for i = n, 1, -1 do
    local failed = c.failedResources + (i - 1) * (c.failedResources // 40) -- improving towards now
    failed = math.min(failed, c.totalResources)
    out[#out + 1] = counts_fields({timestamp = now - (i - 1) * step}, {
      total = c.totalResources, failed = failed, high = math.min(failed, c.highSeverityFailedResources),
      medium = c.mediumSeverityFailedResources, low = c.lowSeverityFailedResources,
    })
  end
  return out
end

-- The scope of a posture route's path parameters: {standard, requirement}, or nil and an error.
local function scope_of(req, st, params)
  local scope = {}
  if params.cid then
    scope.standard = find_standard(st, params.cid)
    if not scope.standard then return nil, api.fail(req, 400, "bad_request", params.cid, "no such standard") end
  end
  if params.rid then
    local r = st.world.requirements[params.rid]
    if not r or r.standard ~= scope.standard then
      return nil, api.fail(req, 400, "bad_request", params.rid, "no such requirement in the standard")
    end
    scope.requirement = r
  end
  return scope
end

local function register_posture(router, app)
  for _, version in ipairs{"", "/v2"} do
    for _, is_trend in ipairs{true, false} do
      for scope_depth = 0, 2 do
        local path = version .. "/compliance/posture" .. (is_trend and "/trend" or "")
          .. ({"", "/:cid", "/:cid/:rid"})[scope_depth + 1]
        for _, method in ipairs{"GET", "POST"} do
          local takes_time = version == "" or (scope_depth == 0 and (is_trend == (method == "POST")))
          router:add(method, path, function(req, params)
            local st = app.state
            local f, bad = posture_filters(req, method == "POST", takes_time)
            if not f then return bad end
            local scope, err = scope_of(req, st, params)
            if not scope then return err end
            return api.json(200, is_trend and trend(st, scope, f) or posture(st, scope, f))
          end)
        end
      end
    end
  end

  local function options(st)
    local out = {}
    local function set(name, list)
      table.sort(list)
      out[name] = array(list)
    end
    local stds, accounts, clouds, groups = {}, {}, {}, {}
    for _, std in ipairs(st.world.standards) do stds[#stds + 1] = std.name end
    local seen = {}
    for _, a in ipairs(st.accounts:list()) do
      accounts[#accounts + 1] = a.name
      if not seen[a.cloudType] then
        seen[a.cloudType] = true
        clouds[#clouds + 1] = a.cloudType:lower()
      end
    end
    for _, g in ipairs(st.groups:list()) do groups[#groups + 1] = g.name end
    set("policy.complianceStandard", stds)
    set("cloud.account", accounts)
    set("cloud.type", clouds)
    set("account.group", groups)
    return out
  end

  router:add("GET", "/filter/compliance/posture/suggest", function()
    local out = {}
    for name, list in pairs(options(app.state)) do out[name] = {options = list, staticFilter = name == "cloud.type"} end
    return api.json(200, out)
  end)

  router:add("POST", "/filter/compliance/posture/suggest", function(req)
    local out, bad = api.suggest(req, options(app.state), {unknown = "bad_request"})
    if not out then return bad end
    return api.json(200, {suggestions = out, valid = true})
  end)
end

function M.register(router, app)
  register_posture(router, app)
  register_writes(router, app)
  router:add("GET", "/compliance", function()
    local out = array{}
    for _, std in ipairs(app.state.world.standards) do out[#out + 1] = view_standard(std) end
    return api.json(200, out)
  end)

  local function sections(req, params)
    local r, missing = find(req, app.state, "requirement", params.id)
    if not r then return missing end
    local out = array{}
    for _, sec in ipairs(r.sections) do out[#out + 1] = view_section(sec) end
    return api.json(200, out)
  end

  router:add("GET", "/compliance/requirement/:id/section", sections)

  router:add("GET", "/compliance/requirement/:id", function(req, params)
    local r, missing = find(req, app.state, "requirement", params.id)
    if not r then return missing end
    return api.json(200, view_requirement(r))
  end)

  router:add("GET", "/compliance/:id/section", sections)

  router:add("GET", "/compliance/:id/requirement", function(req, params)
    local std, missing = find(req, app.state, "standard", params.id)
    if not std then return missing end
    local out = array{}
    for _, r in ipairs(std.requirements) do out[#out + 1] = view_requirement(r) end
    return api.json(200, out)
  end)

  router:add("GET", "/compliance/:id", function(req, params)
    local std, missing = find(req, app.state, "standard", params.id)
    if not std then return missing end
    return api.json(200, view_standard(std))
  end)
end

return M
