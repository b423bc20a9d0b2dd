--- prismacloud.alerts: the alert family (`client.alerts`).
--
--   for alert in client.alerts:each{status = "open", severity = {"high", "critical"}, time_range = "7d"} do ... end
--   local items, token = client.alerts:list{status = "open", limit = 50}
--   client.alerts:dismiss({"P-1", "P-2"}, "accepted risk")
--   client.alerts:remediate("P-3")
--   local result = client.alerts:export_csv({status = "open", time_range = "30d"}, "alerts.csv")
--
-- Filters use short names (below) or the API's own dotted names ("policy.label" = ...)
-- (prismacloud.filters). The first page goes out as GET /v2/alert when the filter is simple
-- (a relative time range, names the GET declares, a short URL) and as POST otherwise; later
-- pages always POST {pageToken} only.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local timerange = require "prismacloud.timerange"
local catalog = require "prismacloud.catalog"
local filters = require "prismacloud.filters"
local json = require "prismacloud.json"
local jobs = require "prismacloud.jobs"
local errors = require "prismacloud.errors"

local F = verbs.family()

-- Short filter names -> the API's filter names.
F.FILTERS = {
  status = "alert.status", alert_id = "alert.id", severity = "policy.severity", policy_id = "policy.id",
  policy_name = "policy.name", policy_type = "policy.type", policy_label = "policy.label",
  compliance_standard = "policy.complianceStandard", cloud_type = "cloud.type", account_id = "cloud.accountId",
  account_name = "cloud.account", account_group = "account.group", region = "cloud.region",
  resource_id = "resource.id", resource_name = "resource.name", resource_type = "resource.type",
}
local PAGING = {page_size = true, max_items = true, max_pages = true, cursor = true}
-- The alert filters: the short names, any dotted API name, values checked against the enums of
-- GET /v2/alert; the other keys of a filter table.
local FILTER_SET = filters.define{what = "alert", names = F.FILTERS, enums = "get-alerts-v2",
  settings = {time_range = true, detailed = true, limit = true, filters = true, page_size = true, max_items = true,
              max_pages = true, cursor = true}}

local function list_of(v)
  if type(v) == "table" then return v end
  return {v}
end

-- Splits a filter table into {api name -> {values}}, settings and paging options; raises on misuse
-- at the caller of the verb `depth` calls above (1: the verb calls split itself).
local function split(filter, fname, depth)
  local f = FILTER_SET:split(filter, fname, 2 + (depth or 1))
  local settings, paging = {}, {}
  for k, v in pairs(f.settings) do
    if PAGING[k] then paging[k] = v else settings[k] = v end
  end
  if settings.time_range ~= nil then settings.time_range = timerange.parse(settings.time_range) end
  if settings.limit ~= nil and paging.page_size == nil then paging.page_size = settings.limit end
  return f.names, settings, paging
end

-- The POST /v2/alert body of a filter.
local function post_body(names, settings)
  local list = filters.body(names)
  for _, f in ipairs(settings.filters or {}) do list[#list + 1] = f end
  return {filters = list, timeRange = settings.time_range}
end

-- The first-page request: GET when simple (a relative time range, filters GET /v2/alert declares,
-- a URL within filters.MAX_URL), POST otherwise.
local function first_request(names, settings, page_size)
  local detailed = settings.detailed and true or false
  local tr = settings.time_range
  if tr and tr.type == "relative" and not settings.filters then
    local query = filters.query(names, timerange.query(tr, {detailed = detailed, limit = page_size}))
    if filters.fits("get-alerts-v2", query) then return {op = "get-alerts-v2", args = {query = query}} end
  end
  local body = post_body(names, settings)
  body.limit = page_size
  return {op = "post-alerts-v2", args = {query = {detailed = detailed}, body = body}}
end

-- The style of an alert walk: the first page GET or POST, later pages POST {pageToken} only.
local function style(filter, fname)
  local names, settings, paging = split(filter, fname, 2)
  local s = pager.continued{first = function(opts) return first_request(names, settings, opts.page_size) end,
                            next_op = "post-alerts-v2", items = function(body) return body.items or {} end}
  return s, paging
end

--- Every alert matching the filter, lazily (one page in memory); raises a prismacloud.Error on failure
-- (the iterator's `:next()` returns nil, err instead).
-- syntax: for alert in client.alerts:each{status =, severity =, time_range =, max_items =, page_size =, cursor =} do
function F:each(filter)
  local s, paging = style(filter, "each")
  return pager.items(self.client, s, paging)
end

--- The pages of alerts ({items, totalRows, nextPageToken}); `pages:next()` returns page, or nil, err.
-- syntax: pages = client.alerts:pages(filter); for page in pages do ... end
function F:pages(filter)
  local s, paging = style(filter, "pages")
  return pager.pages(self.client, s, paging)
end

--- One page: {items =, next_token =, body =} (next_token nil at the end, body the API's
-- answer {items, totalRows, nextPageToken}); or nil, err. The next page: list{cursor = page.next_token}.
-- syntax: page, err = client.alerts:list{status =, limit =, cursor =, ...}
function F:list(filter)
  local s, paging = style(filter, "list")
  paging.max_items, paging.max_pages = nil, nil
  local page, err = pager.page(self.client, s, paging)
  if not page then return nil, err end
  return pager.list_page(page.items or {}, page.nextPageToken, page)
end

--- One alert by id.
-- syntax: alert, err = client.alerts:get(id [, {detailed = true}])
function F:get(id, opts)
  opts = verbs.options(opts, {detailed = true}, "get")
  return self.client:call("get-alert", {id = id, query = {detailed = opts.detailed and true or false}})
end

local COUNT_STATUSES = catalog.get("get-alert-count").params.path[1].enum

--- How many alerts have a status ("open" by default).
-- syntax: n, err = client.alerts:count([status])
function F:count(status)
  status = status or "open"
  local known = false
  for _, s in ipairs(COUNT_STATUSES) do known = known or s == status end
  if not known then
    error(("bad argument #1 to 'count' (status '%s'; allowed values: %s)"):format(tostring(status),
      table.concat(COUNT_STATUSES, ", ")), 2)
  end
  local body, err = verbs.table_body(self.client, self.client:call("get-alert-count", {status = status}))
  if not body then return nil, err end
  if math.type(body.count) ~= "integer" then return errors.decode(self.client, "the answer has no count") end
  return body.count
end

-- The body of a dismiss/reopen: target is an array of alert ids or a filter with policy_id.
local function change_body(target, fname)
  if type(target) == "string" then target = {target} end
  if type(target) ~= "table" then
    error(("bad argument #1 to '%s' (alert ids or a filter expected, got %s)"):format(fname, type(target)), 3)
  end
  local empty = setmetatable({}, json.array_mt)
  if target[1] ~= nil then
    return {alerts = target, filter = {filters = empty, timeRange = {type = "to_now", value = "epoch"}}}
  end
  local copy = {}
  for k, v in pairs(target) do copy[k] = v end
  local policies = copy.policy_id
  if policies == nil then
    error(("bad argument #1 to '%s' (a filter must name policy_id: the API changes alerts by policy)"):format(
      fname), 3)
  end
  copy.policy_id = nil
  copy.time_range = copy.time_range or "to_now:epoch"
  local names, settings = split(copy, fname, 2)
  local body = post_body(names, settings)
  return {policies = list_of(policies), filter = body}
end

--- Dismisses alerts (ids, or a filter naming policy_id) with a note. `{dry_run = true}` returns the request.
-- syntax: ok, err = client.alerts:dismiss(ids_or_filter, note [, {dry_run = true}])
function F:dismiss(target, note, opts)
  opts = verbs.options(opts, {dry_run = true}, "dismiss")
  local body = change_body(target, "dismiss")
  body.dismissalNote = note
  return verbs.call(self.client, "dismiss-alerts", {body = body}, opts)
end

--- Snoozes alerts until a future point: "7d", or {until = ms}.
-- syntax: ok, err = client.alerts:snooze(ids, time_range [, note [, {dry_run = true}]])
function F:snooze(target, time_range, note, opts)
  opts = verbs.options(opts, {dry_run = true}, "snooze")
  local body = change_body(target, "snooze")
  body.dismissalTimeRange = timerange.future(time_range)
  body.dismissalNote = note or "snoozed"
  return verbs.call(self.client, "dismiss-alerts", {body = body}, opts)
end

--- Reopens dismissed or snoozed alerts (ids, or a filter naming policy_id).
-- syntax: ok, err = client.alerts:reopen(ids_or_filter [, {dry_run = true}])
function F:reopen(target, opts)
  opts = verbs.options(opts, {dry_run = true}, "reopen")
  return verbs.call(self.client, "reopen-alerts", {body = change_body(target, "reopen")}, opts)
end

--- Remediates an open alert of a remediable policy (the policy's remediation runs on the resource).
-- syntax: ok, err = client.alerts:remediate(id [, {finding_id =, dry_run = true}])
function F:remediate(id, opts)
  verbs.check_string(id, 1, "remediate", "alert id")
  opts = verbs.options(opts, {dry_run = true, finding_id = true}, "remediate")
  if opts.finding_id ~= nil and type(opts.finding_id) ~= "string" then
    error(("option 'finding_id' to 'remediate' must be a string (got %s)"):format(type(opts.finding_id)), 2)
  end
  local args = {id = id, query = opts.finding_id and {findingId = opts.finding_id} or nil}
  return verbs.call(self.client, "perform-remediation-for-alert", args, {dry_run = opts.dry_run})
end

--- Alert counts by policy for a filter (GET /alert/policy when it takes the filter, else POST): an array of
-- {policyId, policy, alertCount}, most alerts first.
-- syntax: groups, err = client.alerts:counts_by_policy{status =, severity =, time_range =, detailed =, ...}
function F:counts_by_policy(filter)
  local names, settings, paging = split(filter, "counts_by_policy")
  local extra = settings.limit ~= nil and "limit" or next(paging)
  if extra then
    error(("bad argument #1 to 'counts_by_policy' ('%s' does not apply: one count per policy)"):format(extra), 2)
  end
  local query = filters.query(names)
  if settings.time_range == nil and settings.detailed == nil and not settings.filters
    and filters.fits("get-alerts-grouped", query) then
    return self.client:call("get-alerts-grouped", {query = query})
  end
  query = settings.detailed ~= nil and {detailed = settings.detailed and true or false} or nil
  return self.client:call("post-alerts-grouped", {query = query, body = post_body(names, settings)})
end

--- Alerts through the v1 listing (GET /alert for a relative time range, else POST): one array of at most
-- `limit` (10,000) alerts; each/list/pages have no such cap.
-- syntax: alerts, err = client.alerts:list_v1{status =, time_range = "7d", limit =, detailed =, ...}
function F:list_v1(filter)
  local names, settings = split(filter, "list_v1")
  for k in pairs(PAGING) do
    if (filter or {})[k] ~= nil then
      error(("bad argument #1 to 'list_v1' ('%s' does not apply: one response, use limit)"):format(k), 2)
    end
  end
  local detailed = settings.detailed and true or false
  local tr = settings.time_range
  if tr and tr.type == "relative" and not settings.filters then
    local query = filters.query(names, timerange.query(tr, {detailed = detailed, limit = settings.limit}))
    if filters.fits("get-alerts", query) then return self.client:call("get-alerts", {query = query}) end
  end
  local body = post_body(names, settings)
  body.limit = settings.limit
  return self.client:call("post-alerts", {query = {detailed = detailed}, body = body})
end

--- The alert filters and their options ({["alert.status"] = {options = {...}, staticFilter = true}, ...}).
-- syntax: filters, err = client.alerts:filters()
function F:filters()
  return self.client:call("get-alert-filter-and-options")
end

--- The options of one alert filter, those containing `query` when given: an array of strings, or nil, err.
-- syntax: options, err = client.alerts:filter_options(name [, query])
function F:filter_options(name, query)
  return FILTER_SET:suggestions(self.client, "get-alert-filter-options", name, query, "filter_options")
end

--- Whether dismissing an alert needs a note (a tenant setting): true or false; or nil, err.
-- syntax: required, err = client.alerts:dismissal_note_required()
function F:dismissal_note_required()
  local body, err = verbs.table_body(self.client, self.client:call("is-dismissal-note-required"))
  if not body then return nil, err end
  return body.requireDismissalNote == true
end

--- Sets whether dismissing an alert needs a note.
-- syntax: ok, err = client.alerts:set_dismissal_note_required(required [, {dry_run = true}])
function F:set_dismissal_note_required(required, opts)
  verbs.check_boolean(required, 1, "set_dismissal_note_required")
  opts = verbs.options(opts, {dry_run = true}, "set_dismissal_note_required")
  return verbs.call(self.client, "set-dismissal-note-required", {body = {requireDismissalNote = required}}, opts)
end

--- The CLI commands that remediate alerts of one remediable policy (alert ids, or {policy_id =, time_range =}):
-- {cliScript, alertIdVsCliScript = {[id] = script}, cliDescription, scriptImpact}; or nil, err.
-- syntax: commands, err = client.alerts:remediation_commands(ids_or_filter [, {dry_run = true}])
function F:remediation_commands(target, opts)
  opts = verbs.options(opts, {dry_run = true}, "remediation_commands")
  return verbs.call(self.client, "get-alerts-remediation", {body = change_body(target, "remediation_commands")}, opts)
end

-- The operations of the alert jobs: a CSV file, a JSON list of alerts, a JSON list of counts by policy.
local JOB_OPS = {
  csv = {create = "submit-an-alert-csv-download-job", status = "get-alert-csv-job-status",
         download = "download-alert-csv"},
  json = {create = "submit-job-for-listing-alerts", status = "get-alerts-job-status",
          download = "download-alerts-list-json"},
  policy = {create = "submit-a-job-for-listing-alerts-grouped-by-policy", status = "get-async-policy-alert-job-status",
            download = "download-policy-alerts-json"},
}
-- Job statuses meaning the file can be fetched.
local JOB_READY = {READY_TO_DOWNLOAD = true, COMPLETED = true}

-- The create request of an alert job (paging keys do not apply: a job holds every match).
local function job_args(kind, filter, fields, fname)
  local names, settings, paging = split(filter, fname, 2)
  local extra = settings.limit ~= nil and "limit" or next(paging)
  if extra then
    error(("bad argument #1 to '%s' ('%s' does not apply to a job: it holds every match)"):format(fname, extra), 3)
  end
  local body = post_body(names, settings)
  if kind == "csv" then
    local query = settings.detailed ~= nil and {detailed = settings.detailed and true or false} or nil
    return {query = query, body = body}
  end
  if settings.detailed ~= nil then body.detailed = settings.detailed and true or false end
  if fields ~= nil then
    local ok = type(fields) == "table"
    for _, f in ipairs(ok and fields or {}) do ok = ok and type(f) == "string" end
    if not ok then error(("option 'fields' to '%s' must be an array of field names"):format(fname), 3) end
    body.fields = fields
  end
  return {body = body}
end

-- Creates a job, waits for it, streams its file to path.
local function export(self, kind, args, path, opts)
  local ops = JOB_OPS[kind]
  local job, err = verbs.call(self.client, ops.create, args)
  if not job then return nil, err end
  if type(job) ~= "table" or type(job.id) ~= "string" then
    return nil, errors.new("decode", "the job submission returned no job id")
  end
  local function poll() return verbs.table_body(self.client, self.client:call(ops.status, {id = job.id})) end
  local status
  status, err = jobs.wait(poll, function(s) return JOB_READY[s.status] == true end, opts)
  if not status then return nil, err end
  local result
  result, err = jobs.download(self.client, ops.download, {id = job.id}, path)
  if not result then return nil, err end
  result.job, result.records = status, status.recordCount
  return result
end

--- Submits a job making a CSV of the alerts matching a filter: the job ({id, status, ...}).
-- syntax: job, err = client.alerts:csv_create({status =, time_range =, detailed =, ...} [, {dry_run = true}])
function F:csv_create(filter, opts)
  opts = verbs.options(opts, {dry_run = true}, "csv_create")
  return verbs.call(self.client, JOB_OPS.csv.create, job_args("csv", filter, nil, "csv_create"), opts)
end

--- The status of an alert CSV job ({id, status = "IN_PROGRESS" | "READY_TO_DOWNLOAD" | ..., recordCount}).
-- syntax: job, err = client.alerts:csv_status(job_id)
function F:csv_status(job_id)
  verbs.check_string(job_id, 1, "csv_status", "job id")
  return self.client:call(JOB_OPS.csv.status, {id = job_id})
end

--- Streams a ready alert CSV job's file to path: {output = path, size = bytes}; nothing is left on failure.
-- syntax: result, err = client.alerts:csv_download(job_id, path [, {dry_run = true}])
function F:csv_download(job_id, path, opts)
  verbs.check_string(job_id, 1, "csv_download", "job id")
  verbs.check_string(path, 2, "csv_download", "file path")
  return jobs.download(self.client, JOB_OPS.csv.download, {id = job_id}, path, opts)
end

--- Creates an alert CSV job, waits for it (backoff, see prismacloud.jobs) and streams the file to path:
-- {output = path, size = bytes, records = n, job = last status}; or nil, err.
-- syntax: result, err = client.alerts:export_csv(filter, path [, {interval =, timeout =, on_poll =, ...}])
function F:export_csv(filter, path, opts)
  local args = job_args("csv", filter, nil, "export_csv")
  verbs.check_string(path, 2, "export_csv", "file path")
  return export(self, "csv", args, path, jobs.options(opts, "export_csv"))
end

--- Submits a job listing the alerts matching a filter as JSON (only `fields` when given; {by_policy = true}:
-- alert counts by policy instead): the job ({id, status, ...}).
-- syntax: job, err = client.alerts:json_create(filter [, {by_policy = true, fields = {...}, dry_run = true}])
function F:json_create(filter, opts)
  opts = verbs.options(opts, {dry_run = true, by_policy = true, fields = true}, "json_create")
  local kind = opts.by_policy and "policy" or "json"
  if kind == "policy" and opts.fields ~= nil then
    error("option 'fields' to 'json_create' does not apply with by_policy", 2)
  end
  return verbs.call(self.client, JOB_OPS[kind].create, job_args(kind, filter, opts.fields, "json_create"),
    {dry_run = opts.dry_run})
end

--- The status of an alert JSON job (the same shape as csv_status).
-- syntax: job, err = client.alerts:json_status(job_id [, {by_policy = true}])
function F:json_status(job_id, opts)
  verbs.check_string(job_id, 1, "json_status", "job id")
  opts = verbs.options(opts, {by_policy = true}, "json_status")
  return self.client:call(JOB_OPS[opts.by_policy and "policy" or "json"].status, {id = job_id})
end

--- Streams a ready alert JSON job's file to path: {output = path, size = bytes}; nothing is left on failure.
-- syntax: result, err = client.alerts:json_download(job_id, path [, {by_policy = true, dry_run = true}])
function F:json_download(job_id, path, opts)
  verbs.check_string(job_id, 1, "json_download", "job id")
  verbs.check_string(path, 2, "json_download", "file path")
  opts = verbs.options(opts, {by_policy = true, dry_run = true}, "json_download")
  return jobs.download(self.client, JOB_OPS[opts.by_policy and "policy" or "json"].download, {id = job_id}, path,
    {dry_run = opts.dry_run})
end

--- Creates an alert JSON job, waits for it and streams the file to path (see export_csv).
-- syntax: result, err = client.alerts:export_json(filter, path [, {by_policy =, fields =, interval =, timeout =, ...}])
function F:export_json(filter, path, opts)
  opts = jobs.options(opts, "export_json", {by_policy = true, fields = true})
  local kind = opts.by_policy and "policy" or "json"
  if kind == "policy" and opts.fields ~= nil then
    error("option 'fields' to 'export_json' does not apply with by_policy", 2)
  end
  local args = job_args(kind, filter, opts.fields, "export_json")
  verbs.check_string(path, 2, "export_json", "file path")
  opts.by_policy, opts.fields = nil, nil
  return export(self, kind, args, path, opts)
end

return F
