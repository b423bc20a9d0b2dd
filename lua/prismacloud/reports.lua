--- prismacloud.reports: compliance report configurations and their files (`client.reports`).
--
--   local result = client.reports:generate({name = "Q3 AWS posture", cloudType = "aws", type = "COMPLIANCE"},
--                                          "q3.pdf")
--   print(result.output, result.size)
--   for r in client.reports:each{cloud_type = "aws", frequency = "scheduled"} do print(r.name, r.status) end
--   client.reports:download(id, "latest.pdf")
--
-- A report config generates a file asynchronously: its `status` goes from
-- pending to completed (or failed); GET /report/{id}/download answers 204
-- while it is pending. generate() creates a config, waits with backoff (see
-- prismacloud.jobs) and streams the file to disk.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"
local jobs = require "prismacloud.jobs"
local errors = require "prismacloud.errors"

local F = verbs.family()

-- Short filter names -> the query parameters of GET /report.
F.FILTERS = {
  cloud_type = "cloud.type", account = "cloud.account", region = "cloud.region", account_group = "account.group",
  compliance_standard = "policy.complianceStandard", frequency = "report.frequency", schedule = "report.schedule",
  recipient = "report.email.recipients", type = "report_view",
}
local FILTER_SET = filters.define{what = "report", names = F.FILTERS, enums = "list-reports-Reports"}
-- Statuses (compared without case) meaning the file is ready.
F.READY = {completed = true}

--- Report configs matching a filter (GET /report): an array, or nil, err.
-- syntax: list, err = client.reports:list{cloud_type =, type =, frequency =, schedule =, account_group =, ...}
function F:list(filter)
  return self.client:call("list-reports-Reports", {query = FILTER_SET:query(filter, "list")})
end

--- The matching report configs one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for report in client.reports:each(filter) do ... end
function F:each(filter, paging)
  local style = pager.single{op = "list-reports-Reports", query = FILTER_SET:query(filter, "each")}
  return pager.items(self.client, style, paging)
end

local crud = verbs.crud{
  get = "get-specified-report", create = "save-report-v2", update = "update-report", delete = "delete-report",
  names = function(self) return self:list() end,
}

--- One report config by id (with pass/fail counts once generated).
-- syntax: report, err = client.reports:get(id)
F.get = crud.get

--- The report config with exactly this name: report, or nil when there is none, or nil, err.
-- syntax: report, err = client.reports:by_name(name)
F.by_name = crud.by_name

--- Creates a report config {name, cloudType, type, target = {...}} (POST /v2/report; {v1 = true}: POST /report,
-- whose target needs a timeRange). The report starts generating.
-- syntax: report, err = client.reports:create(report [, {dry_run = true, v1 = true}])
function F:create(report, opts)
  opts = verbs.options(opts, {dry_run = true, v1 = true}, "create")
  if not opts.v1 then return crud.create(self, report, {dry_run = opts.dry_run}) end
  verbs.check_table(report, 1, "create")
  return verbs.call(self.client, "save-report", {body = report}, {dry_run = opts.dry_run})
end

--- Replaces a report config (its target is required; send back what get returned, edited).
-- syntax: report, err = client.reports:update(id, report [, {dry_run = true}])
F.update = crud.update

--- Deletes a report config.
-- syntax: ok, err = client.reports:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The generation status of a report ("pending", "completed", ...); or nil, err. The whole config: get(id).
-- syntax: status, err = client.reports:status(id)
function F:status(id)
  verbs.check_string(id, 1, "status", "report id")
  local report, err = verbs.table_body(self.client, self.client:call("get-specified-report", {id = id}))
  if not report then return nil, err end
  if type(report.status) ~= "string" then return errors.decode(self.client, "the report has no status") end
  return report.status
end

--- The generated instances of a scheduled report (metadata with lastScheduled and counts).
-- syntax: list, err = client.reports:history(id)
function F:history(id)
  verbs.check_string(id, 1, "history", "report id")
  return self.client:call("get-historical-report-by-id", {id = id})
end

--- One generated instance of a report: its metadata and counts at lastScheduled (a time from history).
-- syntax: report, err = client.reports:instance(id, last_scheduled)
function F:instance(id, at)
  verbs.check_string(id, 1, "instance", "report id")
  verbs.check_integer(at, 2, "instance", "integer timestamp")
  return self.client:call("get-last-scheduled-report-by-id", {id = id, lastScheduled = at})
end

--- The report filters and their options ({["cloud.type"] = {options = {...}, staticFilter = true}, ...}).
-- syntax: filters, err = client.reports:filters()
function F:filters()
  return self.client:call("get-report-filters-and-options")
end

--- The options of one report filter, those containing `query` when given: an array of strings, or nil, err.
-- syntax: options, err = client.reports:filter_options(name [, query])
function F:filter_options(name, query)
  return FILTER_SET:suggestions(self.client, "get-report-posture-filter-options", name, query, "filter_options")
end

--- The report types available per cloud type ({aws = {"COMPLIANCE", ...}, ...}).
-- syntax: types, err = client.reports:types()
function F:types()
  return self.client:call("get-report-types")
end

--- Streams a report's file to path (the latest, or the instance generated at {at = lastScheduled}):
-- {output = path, size = bytes}; nil, err (kind "pending" while it generates; nothing is left on failure).
-- syntax: result, err = client.reports:download(id, path [, {at = last_scheduled, dry_run = true}])
function F:download(id, path, opts)
  verbs.check_string(id, 1, "download", "report id")
  verbs.check_string(path, 2, "download", "file path")
  opts = verbs.options(opts, {dry_run = true, at = true}, "download")
  if opts.at ~= nil and math.type(opts.at) ~= "integer" then
    error(("option 'at' to 'download' must be an integer timestamp (got %s)"):format(type(opts.at)), 2)
  end
  local op, args = "download-report", {id = id}
  if opts.at then op, args.lastScheduled = "download-historical-by-id", opts.at end
  local result, err = jobs.download(self.client, op, args, path, {dry_run = opts.dry_run})
  if not result then
    if err.kind == "pending" then
      err.message = ("report %s is not generated yet"):format(id) -- a 204: no file was written
    end
    return nil, err
  end
  return result
end

--- Creates a report config, waits until it is generated (backoff, see prismacloud.jobs), streams the file to
-- path: {output = path, size = bytes, report = the config}; or nil, err (a failed report gives kind "server").
-- syntax: result, err = client.reports:generate(report, path [, {interval =, timeout =, on_poll =, v1 = true}])
function F:generate(report, path, opts)
  verbs.check_table(report, 1, "generate")
  verbs.check_string(path, 2, "generate", "file path")
  opts = jobs.options(opts, "generate", {v1 = true})
  local v1 = opts.v1
  opts.v1 = nil
  local created, err = self:create(report, {v1 = v1})
  if not created then return nil, err end
  if type(created) ~= "table" or type(created.id) ~= "string" then
    return nil, errors.new("decode", "the report creation returned no report id")
  end
  local done
  done, err = jobs.wait(function() return verbs.table_body(self.client, self:get(created.id)) end,
    function(r) return type(r.status) == "string" and F.READY[r.status:lower()] == true end, opts)
  if not done then return nil, err end
  local result
  result, err = self:download(created.id, path)
  if not result then return nil, err end
  result.report = done
  return result
end

return F
