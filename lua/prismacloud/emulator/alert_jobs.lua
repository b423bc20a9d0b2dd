-- prismacloud.emulator.alert_jobs: the alert jobs (Alerts.json): a CSV file, a JSON
-- list of alerts, or a JSON list of alert counts by policy.
--
--   POST /alert/csv                  {filters, timeRange, detailed?} -> AsyncJob {id, status, ...}
--   GET /alert/csv/{id}/status       AsyncJob: IN_PROGRESS for csv_delay_ms (default 1000) after
--                                    creation, then READY_TO_DOWNLOAD
--   GET /alert/csv/{id}/download     text/csv: a header line, then one line per alert
--   POST /alert/jobs                 {filters, timeRange, fields?} -> AsyncJob; .../status as above
--   GET /alert/jobs/{id}/download    a JSON array of the alerts (only `fields` when given)
--   POST /alert/policy/jobs          {filters, timeRange} -> AsyncJob; .../status as above
--   GET /alert/policy/jobs/{id}/download  a JSON array {policyId, policyName, policyType, severity,
--                                    alertCount}, most alerts first
--   POST /_emulator/csv              {fail = n}: the next n jobs (of any kind) end FAILED instead
--                                    (for tests); their download answers 400 internal_error
--
-- A job runs the same query as POST /v2/alert (it calls that route, so the
-- filters, their validation and the rows are the alert family's own); a
-- relative time range is fixed to absolute bounds when the job is created.
-- The HTTP engine needs a response body as one string, so the file is made at
-- download time, page by page (yielding to other connections between pages),
-- and capped at MAX_ROWS rows (recordCount says how many the query matched);
-- about 12 s of CPU per 100,000 rows. Jobs live in the tenant state.
local cqueues = require "cqueues"
local alerts = require "prismacloud.emulator.alerts"
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"

local array = api.array
local M = {}

M.MAX_ROWS = 100000
M.MAX_JOBS = 100
M.DEFAULT_DELAY_MS = 1000
M.PAGE = 2000           -- alerts per internal page; the download yields between pages

M.COLUMNS = {"Alert ID", "Status", "Reason", "Alert Time", "First Seen", "Last Seen", "Policy ID", "Policy Name",
             "Policy Type", "Severity", "Cloud Type", "Account Name", "Account ID", "Region", "Resource Name",
             "Resource ID", "Resource Type", "Cloud Service"}

-- One CSV field (RFC 4180 quoting).
local function field(v)
  if v == nil or v == json.null then return "" end
  local s = tostring(v)
  if s:find('[,"\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function iso(ms)
  if type(ms) ~= "number" then return "" end
  return os.date("!%Y-%m-%dT%H:%M:%SZ", ms // 1000)
end

local function line(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = field(v) end
  return table.concat(out, ",") .. "\r\n"
end
M.line = line

local function row(st, a)
  local p = st.policies.by_id[a.policyId] or {}
  local r = a.resource or {}
  return line{a.id, a.status, a.reason, iso(a.alertTime), iso(a.firstSeen), iso(a.lastSeen), a.policyId, p.name,
              p.policyType, p.severity, r.cloudType, r.account, r.accountId, r.region, r.name, r.id,
              r.resourceType, r.cloudServiceName}
end

-- A page of alerts for body (a POST /v2/alert body): status, decoded page, response. The
-- job's own pages do not count against the caller's rate limit.
local function alert_query(app, req, body)
  local res = alerts.page(app, req, body)
  if res.status ~= 200 then return res.status, nil, res end
  return 200, json.decode(res.body), res
end

-- The kinds of job: their path prefix and the uuid salt of their ids.
local KINDS = {
  csv = {prefix = "/alert/csv", salt = 200},
  json = {prefix = "/alert/jobs", salt = 201},
  policy = {prefix = "/alert/policy/jobs", salt = 202},
}

-- Alert fields a JSON job may select: field name -> path in the alert (policy fields come from the policy).
local FIELDS = {
  ["alert.id"] = {"id"}, ["alert.status"] = {"status"}, ["alert.time"] = {"alertTime"},
  ["cloud.account"] = {"resource", "account"}, ["cloud.accountId"] = {"resource", "accountId"},
  ["cloud.region"] = {"resource", "region"}, ["resource.id"] = {"resource", "id"},
  ["resource.name"] = {"resource", "name"}, ["policy.name"] = {"policy", "name"},
  ["policy.type"] = {"policy", "policyType"}, ["policy.severity"] = {"policy", "severity"},
}

local function jobs(app)
  local st = app.state
  st.csv_jobs = st.csv_jobs or {by_id = {}, order = {}, next = 0}
  return st.csv_jobs
end

local function delay_ms(app)
  return tonumber(app.config.csv_delay_ms) or M.DEFAULT_DELAY_MS
end

local function view(app, job)
  local done = (app.clock() - job.started) * 1000 >= delay_ms(app)
  local ready = done and not job.fails
  local status = ready and "READY_TO_DOWNLOAD" or done and "FAILED" or "IN_PROGRESS"
  return {
    id = job.id, status = status, createdBy = job.by, createdOn = job.created,
    lastModified = ready and job.created + delay_ms(app) or job.created, recordCount = job.count,
    statusUri = KINDS[job.kind].prefix .. "/" .. job.id .. "/status",
    downloadUri = KINDS[job.kind].prefix .. "/" .. job.id .. "/download",
    timeTaken = ready and delay_ms(app) // 1 or 0,
  }, ready
end

local function create(app, req, kind)
  local body, bad = api.body(req, kind ~= "policy")
  if not body then return bad end
  local fields
  if kind == "json" and body.fields ~= nil and body.fields ~= json.null then
    if type(body.fields) ~= "table" then return api.fail(req, 400, "invalid_parameter_value", "fields") end
    for _, f in ipairs(body.fields) do
      if not FIELDS[f] then
        return api.fail(req, 400, "invalid_parameter_value", "fields", "unknown field " .. tostring(f))
      end
    end
    if #body.fields > 0 then fields = body.fields end
  end
  local query = {filters = body.filters, detailed = body.detailed}
  local tr = body.timeRange
  if tr ~= nil and tr ~= json.null then
    local s, e = api.time_range(tr, api.time_context(req, 0))
    if not s then return api.fail(req, 400, "invalid_parameter_value", e, "bad time range") end
    query.timeRange = {type = "absolute", value = {startTime = s, endTime = e}}
  end
  local detailed = api.bool(api.query(req, "detailed"))
  if detailed == "bad" then return api.fail(req, 400, "invalid_parameter_value", "detailed") end
  if detailed ~= nil then query.detailed = detailed end
  query.limit = 1
  local status, first, res = alert_query(app, req, query)
  if status ~= 200 then return res end
  query.limit = nil
  local store = jobs(app)
  store.next = store.next + 1
  local id = data.uuid(app.state.world.seed, KINDS[kind].salt, store.next)
  local job = {id = id, kind = kind, fields = fields, query = query, count = first.totalRows, started = app.clock(),
               created = api.now_ms(), by = api.user_of(req), fails = (store.fail or 0) > 0}
  if job.fails then store.fail = store.fail - 1 end
  store.by_id[id] = job
  store.order[#store.order + 1] = id
  if #store.order > M.MAX_JOBS then store.by_id[table.remove(store.order, 1)] = nil end
  return api.json(200, (view(app, job)))
end

local function find(app, req, id, kind)
  local job = jobs(app).by_id[id]
  if not job or job.kind ~= kind then
    return nil, api.fail(req, 404, "not_found", id, ("Job Id %s not found"):format(id))
  end
  return job
end

-- Calls visit(alert) for every alert of the job's query (at most MAX_ROWS); nil, or an error response.
local function each_alert(app, req, job, visit)
  local rows = 0
  local body = {filters = job.query.filters, timeRange = job.query.timeRange, detailed = job.query.detailed,
                limit = math.min(M.PAGE, M.MAX_ROWS)}
  while rows < M.MAX_ROWS do
    local status, page, res = alert_query(app, req, body)
    if status ~= 200 then return res end
    for _, a in ipairs(page.items) do
      if rows >= M.MAX_ROWS then break end
      rows = rows + 1
      visit(a)
    end
    if not page.nextPageToken then break end
    body = {pageToken = page.nextPageToken}
    -- Let other connections run between pages when served by the engine.
    local _, inside = cqueues.running()
    if inside then cqueues.sleep(0) end
  end
  return nil
end

-- The selected fields of an alert (nested as in the alert).
local function project(st, a, fields)
  local p = st.policies.by_id[a.policyId] or {}
  local source = {id = a.id, status = a.status, alertTime = a.alertTime, resource = a.resource or {},
                  policy = {name = p.name, policyType = p.policyType, severity = p.severity}}
  local out = {}
  for _, f in ipairs(fields) do
    local path = FIELDS[f]
    local from, to = source, out
    for k = 1, #path - 1 do
      from = from[path[k]] or {}
      to[path[k]] = to[path[k]] or {}
      to = to[path[k]]
    end
    to[path[#path]] = from[path[#path]]
  end
  return out
end

-- The file of a job: body, content type, file extension.
local function job_file(app, req, job)
  local st = app.state
  if job.kind == "csv" then
    local chunks = {line(M.COLUMNS)}
    local failed = each_alert(app, req, job, function(a) chunks[#chunks + 1] = row(st, a) end)
    if failed then return nil, failed end
    return table.concat(chunks), "text/csv; charset=UTF-8", "csv"
  elseif job.kind == "json" then
    local chunks = {}
    local failed = each_alert(app, req, job, function(a)
      chunks[#chunks + 1] = json.encode(job.fields and project(st, a, job.fields) or a)
    end)
    if failed then return nil, failed end
    return "[" .. table.concat(chunks, ",") .. "]", "application/json; charset=UTF-8", "json"
  end
  local by_policy, order = {}, {}
  local failed = each_alert(app, req, job, function(a)
    local n = by_policy[a.policyId]
    if not n then order[#order + 1] = a.policyId end
    by_policy[a.policyId] = (n or 0) + 1
  end)
  if failed then return nil, failed end
  table.sort(order, function(x, y)
    if by_policy[x] ~= by_policy[y] then return by_policy[x] > by_policy[y] end
    return x < y
  end)
  local out = array{}
  for i, id in ipairs(order) do
    local p = st.policies.by_id[id] or {}
    out[i] = {policyId = id, policyName = p.name, policyType = p.policyType, severity = p.severity,
              alertCount = by_policy[id]}
  end
  return json.encode(out), "application/json; charset=UTF-8", "json"
end

local function download(app, req, id, kind)
  local job, missing = find(app, req, id, kind)
  if not job then return missing end
  local v, ready = view(app, job)
  if not ready then return api.fail(req, 400, "internal_error", id, ("job %s is %s"):format(id, v.status)) end
  local body, content_type, ext = job_file(app, req, job)
  if not body then return content_type end
  return {status = 200, body = body, headers = {
    ["Content-Type"] = content_type,
    ["Content-Disposition"] = ('attachment; filename="alerts-%s.%s"'):format(id, ext),
  }}
end

function M.register(router, app)
  for _, kind in ipairs{"csv", "json", "policy"} do
    local prefix = KINDS[kind].prefix
    router:add("POST", prefix, function(req) return create(app, req, kind) end)
    router:add("GET", prefix .. "/:id/status", function(req, params)
      local job, missing = find(app, req, params.id, kind)
      if not job then return missing end
      return api.json(200, (view(app, job)))
    end)
    router:add("GET", prefix .. "/:id/download", function(req, params) return download(app, req, params.id, kind) end)
  end
  router:add("POST", "/_emulator/csv", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local n = math.tointeger(body.fail)
    if not n or n < 0 then return api.fail(req, 400, "invalid_parameter_value", "fail") end
    jobs(app).fail = n
    return api.json(200, {fail = n})
  end)
end

return M
