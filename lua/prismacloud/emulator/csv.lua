-- prismacloud.emulator.csv: the alert CSV job (Alerts.json).
--
--   POST /alert/csv                  {filters, timeRange, detailed?} -> AsyncJob {id, status, ...}
--   GET /alert/csv/{id}/status       AsyncJob: IN_PROGRESS for csv_delay_ms (default 1000) after
--                                    creation, then READY_TO_DOWNLOAD
--   GET /alert/csv/{id}/download     text/csv: a header line, then one line per alert
--   POST /_emulator/csv              {fail = n}: the next n jobs end FAILED instead (for tests);
--                                    their download answers 400 internal_error
--
-- The job runs the same query as POST /v2/alert (it calls that route, so the
-- filters, their validation and the rows are the alert family's own); a
-- relative time range is fixed to absolute bounds when the job is created.
-- The HTTP engine needs a response body as one string, so the CSV is made at
-- download time, page by page (yielding to other connections between pages),
-- and capped at MAX_ROWS rows (recordCount says how many the query matched);
-- about 12 s of CPU per 100,000 rows. Jobs live in the tenant state.
local cjson = require "cjson"
local cqueues = require "cqueues"
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.emulator.json"

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

-- Calls the POST /v2/alert route with body (a table): status, decoded body, response.
local function alert_query(app, req, body)
  local route = app.router:find("POST", "/v2/alert")
  local inner = {method = "POST", path = "/v2/alert", target = "/v2/alert", query = {}, rawquery = "",
                 headers = {}, body = json.encode(body), claims = req.claims, conn = req.conn, server = req.server}
  local limits = app.config.rate_limits
  app.config.rate_limits = false -- the job's own pages do not count against the caller
  local ok, res = pcall(route.fn, inner, {}, app)
  app.config.rate_limits = limits
  if not ok then error(res, 0) end
  if res.status ~= 200 then return res.status, nil, res end
  return 200, cjson.decode(res.body), res
end

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
    statusUri = "/alert/csv/" .. job.id .. "/status", downloadUri = "/alert/csv/" .. job.id .. "/download",
    timeTaken = ready and delay_ms(app) // 1 or 0,
  }, ready
end

local function create(app, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
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
  local id = data.uuid(app.state.world.seed, 200, store.next)
  local job = {id = id, query = query, count = first.totalRows, started = app.clock(), created = api.now_ms(),
               by = req.claims and req.claims.sub or "unknown", fails = (store.fail or 0) > 0}
  if job.fails then store.fail = store.fail - 1 end
  store.by_id[id] = job
  store.order[#store.order + 1] = id
  if #store.order > M.MAX_JOBS then store.by_id[table.remove(store.order, 1)] = nil end
  return api.json(200, (view(app, job)))
end

local function find(app, req, id)
  local job = jobs(app).by_id[id]
  if not job then return nil, api.fail(req, 404, "not_found", id, ("Job Id %s not found"):format(id)) end
  return job
end

local function download(app, req, id)
  local job, missing = find(app, req, id)
  if not job then return missing end
  local v, ready = view(app, job)
  if not ready then return api.fail(req, 400, "internal_error", id, ("job %s is %s"):format(id, v.status)) end
  local st = app.state
  local chunks, rows = {line(M.COLUMNS)}, 0
  local body = {filters = job.query.filters, timeRange = job.query.timeRange, detailed = job.query.detailed,
                limit = math.min(M.PAGE, M.MAX_ROWS)}
  while rows < M.MAX_ROWS do
    local status, page, res = alert_query(app, req, body)
    if status ~= 200 then return res end
    for _, a in ipairs(page.items) do
      if rows >= M.MAX_ROWS then break end
      rows = rows + 1
      chunks[#chunks + 1] = row(st, a)
    end
    if not page.nextPageToken then break end
    body = {pageToken = page.nextPageToken}
    -- Let other connections run between pages when served by the engine.
    local _, inside = cqueues.running()
    if inside then cqueues.sleep(0) end
  end
  return {status = 200, body = table.concat(chunks), headers = {
    ["Content-Type"] = "text/csv; charset=UTF-8",
    ["Content-Disposition"] = ('attachment; filename="alerts-%s.csv"'):format(id),
  }}
end

function M.register(router, app)
  router:add("POST", "/alert/csv", function(req) return create(app, req) end)
  router:add("GET", "/alert/csv/:id/status", function(req, params)
    local job, missing = find(app, req, params.id)
    if not job then return missing end
    return api.json(200, (view(app, job)))
  end)
  router:add("GET", "/alert/csv/:id/download", function(req, params) return download(app, req, params.id) end)
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
