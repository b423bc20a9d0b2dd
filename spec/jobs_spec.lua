-- Asynchronous jobs (prismacloud.jobs) through the alert CSV job, and the
-- alert verbs around it (csv_create/csv_status/csv_download/export_csv,
-- remediate), against the emulator over real sockets: polling backs off as
-- configured (seen in the request log and by the client's own clock), failed
-- jobs and timeouts come back as nil, err, downloads stream to a file equal
-- to what the emulator serves, and a failed download leaves nothing behind.
local server = require "spec.support.server"
local files = require "spec.support.files"
local read_all, temp_dir, listing, remove_dir = files.read, files.temp_dir, files.listing, files.remove_dir
local requests = require "spec.support.requests"
local prismacloud = require "prismacloud"
local jobs = require "prismacloud.jobs"
local core = require "prismacloud.core"

-- Splits CSV text into lines (the emulator's CSV never has newlines in fields here).
local function line_count(text)
  local n = 0
  for _ in text:gmatch("\r\n") do n = n + 1 end
  return n
end

describe("async jobs", function()
  local fx = server.fixture{alerts = 300, csv_delay_ms = 300}
  local srv, client, dir

  setup(function()
    srv, client = fx.srv, fx.client
    dir = temp_dir()
  end)

  teardown(function()
    if dir then remove_dir(dir) end
  end)

  before_each(function()
    srv.config{csv_delay_ms = 300}
  end)

  local function status_polls(id)
    return srv.requests("/alert/csv/" .. id .. "/status")
  end

  describe("jobs.wait", function()
    it("polls with exponential backoff, capped, until the job is ready", function()
      srv.config{csv_delay_ms = 500}
      local job = assert(client.alerts:csv_create{status = "open", time_range = "to_now:epoch"})
      assert.equal("IN_PROGRESS", job.status)
      local seen = {}
      local started = core.monotime()
      local status = assert(jobs.wait(function() return client.alerts:csv_status(job.id) end,
        function(s) return s.status == "READY_TO_DOWNLOAD" end,
        {interval = 0.02, factor = 2, max_interval = 0.08, timeout = 60,
         on_poll = function(s, attempt) seen[#seen + 1] = {at = core.monotime(), status = s.status, n = attempt} end}))
      local elapsed = core.monotime() - started
      assert.equal("READY_TO_DOWNLOAD", status.status)
      assert.equal(job.id, status.id)
      -- every poll is one logged request of the documented operation, reported once to on_poll
      local log = status_polls(job.id)
      assert.equal(#seen, #log)
      for i, entry in ipairs(log) do
        requests.check(entry, "get-alert-csv-job-status")
        assert.equal(i, seen[i].n)
      end
      -- not ready before the 500 ms delay: several polls, all but the last IN_PROGRESS
      assert.is_true(#seen >= 3)
      for i = 1, #seen - 1 do assert.equal("IN_PROGRESS", seen[i].status) end
      assert.equal("READY_TO_DOWNLOAD", seen[#seen].status)
      -- spaced: the k-th wait is at least min(0.02 * 2^(k-1), 0.08) seconds
      local wait = 0.02
      for i = 2, #seen do
        assert.is_true(seen[i].at - seen[i - 1].at >= wait - 0.001,
          ("poll %d came %.4f s after the previous one, under %.3f s"):format(i, seen[i].at - seen[i - 1].at, wait))
        wait = math.min(wait * 2, 0.08)
      end
      -- bounded: the ramp (0.02, 0.04) then at most one poll per cap interval, plus the first and last
      assert.is_true(#seen <= 2 + 2 + math.ceil(elapsed / 0.08),
        ("%d polls in %.3f s"):format(#seen, elapsed))
    end)

    it("gives a failed job as nil, err with the job's status", function()
      assert.equal(200, (srv.request("POST", "/_emulator/csv", {fail = 1})))
      srv.config{csv_delay_ms = 50}
      local job = assert(client.alerts:csv_create{status = "open"})
      local polls = 0
      local status, err = jobs.wait(function() return client.alerts:csv_status(job.id) end,
        function(s) return s.status == "READY_TO_DOWNLOAD" end,
        {interval = 0.02, timeout = 60, on_poll = function() polls = polls + 1 end})
      assert.is_nil(status)
      assert.is_true(prismacloud.is_error(err))
      assert.equal("server", err.kind)
      assert.equal("FAILED", err.job_status)
      assert.equal(job.id, err.job.id)
      assert.equal(polls, err.attempts)
      assert.equal(#status_polls(job.id), polls)
      assert.truthy(tostring(err):find(job.id, 1, true))
      -- the next job is fine again
      local ok = assert(client.alerts:csv_create{status = "open"})
      assert.truthy(jobs.wait(function() return client.alerts:csv_status(ok.id) end,
        function(s) return s.status == "READY_TO_DOWNLOAD" end, {interval = 0.02, timeout = 60}))
    end)

    it("times out as nil, err of kind timeout, after a bounded number of polls", function()
      srv.config{csv_delay_ms = 600000}
      local job = assert(client.alerts:csv_create{status = "open"})
      local started = core.monotime()
      local status, err = jobs.wait(function() return client.alerts:csv_status(job.id) end,
        function(s) return s.status == "READY_TO_DOWNLOAD" end, {interval = 0.05, factor = 1.5, timeout = 0.4})
      local elapsed = core.monotime() - started
      assert.is_nil(status)
      assert.equal("timeout", err.kind)
      assert.equal("IN_PROGRESS", err.job_status)
      assert.is_true(elapsed >= 0.4)
      local log = status_polls(job.id)
      assert.equal(#log, err.attempts)
      -- waits of 0.05, 0.075, 0.1125, ... fill 0.4 s in at most 6 polls (the last one at the deadline)
      assert.is_true(#log >= 1 and #log <= 6, #log .. " polls")
    end)

    it("stops at the first failed poll, with that error", function()
      local polls = 0
      local status, err = jobs.wait(function() return client.alerts:csv_status("no-such-job") end,
        function() return true end, {interval = 0.01, on_poll = function() polls = polls + 1 end})
      assert.is_nil(status)
      assert.equal("not_found", err.kind)
      assert.equal(404, err.status)
      assert.equal(0, polls)
      assert.equal(1, #status_polls("no-such-job"))
    end)

    it("a failed option replaces the test for a failed job", function()
      srv.config{csv_delay_ms = 600000}
      local job = assert(client.alerts:csv_create{status = "open"})
      local status, err = jobs.wait(function() return client.alerts:csv_status(job.id) end,
        function(s) return s.status == "READY_TO_DOWNLOAD" end,
        {interval = 0.01, failed = function(s) return s.status == "IN_PROGRESS" end})
      assert.is_nil(status)
      assert.equal("server", err.kind)
      assert.equal("IN_PROGRESS", err.job_status)
      assert.equal(1, err.attempts)
      assert.equal(1, #status_polls(job.id))
    end)

    it("raises on bad arguments and options", function()
      local f = function() return {} end
      assert.has_error(function() jobs.wait(nil, f) end, "bad argument #1 to 'wait' (function expected, got nil)")
      assert.has_error(function() jobs.wait(f, "x") end, "bad argument #2 to 'wait' (function expected, got string)")
      assert.has_error(function() jobs.wait(f, f, {intervall = 1}) end, "unknown option 'intervall' to 'wait'")
      assert.has_error(function() jobs.wait(f, f, {interval = -1}) end,
        "option 'interval' to 'wait' must be a positive number of seconds")
      assert.has_error(function() jobs.wait(f, f, {factor = 0.5}) end,
        "option 'factor' to 'wait' must be a number >= 1")
      assert.has_error(function() jobs.wait(f, f, {on_poll = 1}) end, "option 'on_poll' to 'wait' must be a function")
    end)
  end)

  describe("alert CSV", function()
    it("csv_create sends the filter as the documented body; dry_run sends nothing", function()
      local req = client.alerts:csv_create({status = "open", cloud_type = "aws", time_range = "30d", detailed = true},
        {dry_run = true})
      assert.equal("POST", req.method)
      assert.equal("/alert/csv", req.path)
      assert.equal(true, req.query.detailed)
      assert.equal(0, #srv.requests("/alert/csv"))
      local job = assert(client.alerts:csv_create{status = "open", cloud_type = "aws", time_range = "30d",
                                                   detailed = true})
      local entry = requests.check(requests.only(srv, "/alert/csv"), "submit-an-alert-csv-download-job")
      assert.equal("true", requests.query_of(entry).detailed)
      local body = requests.body_of(entry)
      assert.same({type = "relative", value = {amount = 30, unit = "day"}}, body.timeRange)
      local names = {}
      for _, f in ipairs(body.filters) do names[f.name] = f.value end
      assert.same({["alert.status"] = "open", ["cloud.type"] = "aws"}, names)
      assert.is_string(job.id)
      assert.has_error(function() client.alerts:csv_create{limit = 5} end,
        "bad argument #1 to 'csv_create' ('limit' does not apply to a job: it holds every match)")
      assert.has_error(function() client.alerts:csv_create{max_items = 5} end)
      assert.has_error(function() client.alerts:csv_status(nil) end,
        "bad argument #1 to 'csv_status' (job id expected, got nil)")
    end)

    it("csv_create refuses an unknown filter with the API's error", function()
      local job, err = client.alerts:csv_create{["no.such"] = "x"}
      assert.is_nil(job)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("export_csv: create, poll, stream to a file equal to the served CSV", function()
      srv.config{csv_delay_ms = 100}
      local path = dir .. "/open.csv"
      local polls = 0
      local result = assert(client.alerts:export_csv({status = "open"}, path,
        {interval = 0.02, timeout = 60, on_poll = function() polls = polls + 1 end}))
      assert.equal(path, result.output)
      local job = result.job
      assert.equal("READY_TO_DOWNLOAD", job.status)
      requests.check(requests.only(srv, "/alert/csv"), "submit-an-alert-csv-download-job")
      local download = requests.check(requests.only(srv, "/alert/csv/" .. job.id .. "/download"), "download-alert-csv")
      assert.equal("GET", download.method)
      assert.equal(polls, #status_polls(job.id))
      local text = read_all(path)
      assert.equal(#text, result.size)
      assert.equal(job.recordCount + 1, line_count(text))
      assert.equal(job.recordCount, result.records)
      assert.truthy(text:find("^Alert ID,"))
      -- the same bytes as a buffered fetch of the same file
      local res = assert(client:request("GET", "/alert/csv/" .. job.id .. "/download"))
      assert.equal(200, res.status)
      assert.equal(text, res.body)
      assert.same({"open.csv"}, listing(dir))
      os.remove(path)
    end)

    it("csv_download: dry_run sends nothing; an early download is the API's error and leaves no file", function()
      srv.config{csv_delay_ms = 600000}
      local job = assert(client.alerts:csv_create{status = "open"})
      local path = dir .. "/early.csv"
      local req = client.alerts:csv_download(job.id, path, {dry_run = true})
      assert.same({method = "GET", path = "/alert/csv/" .. job.id .. "/download", output = path}, req)
      assert.equal(0, #srv.requests("/alert/csv/" .. job.id .. "/download"))
      local result, err = client.alerts:csv_download(job.id, path)
      assert.is_nil(result)
      assert.equal(400, err.status)
      assert.equal("internal_error", err.code)
      assert.same({}, listing(dir))
      assert.has_error(function() client.alerts:csv_download(job.id) end,
        "bad argument #2 to 'csv_download' (file path expected, got nil)")
    end)

    it("a file that cannot be written: nil, err of kind io", function()
      srv.config{csv_delay_ms = 0}
      local job = assert(client.alerts:csv_create{status = "open"})
      local result, err = client.alerts:csv_download(job.id, dir .. "/no/such/dir/x.csv")
      assert.is_nil(result)
      assert.equal("io", err.kind)
      assert.equal(dir .. "/no/such/dir/x.csv", err.output)
      assert.truthy(err.message:find(dir .. "/no/such/dir/x.csv'", 1, true), err.message)
      assert.same({}, listing(dir))
    end)

    it("a failed job: export_csv gives nil, err and writes nothing", function()
      assert.equal(200, (srv.request("POST", "/_emulator/csv", {fail = 1})))
      srv.config{csv_delay_ms = 20}
      local result, err = client.alerts:export_csv({status = "open"}, dir .. "/failed.csv", {interval = 0.01})
      assert.is_nil(result)
      assert.equal("server", err.kind)
      assert.equal("FAILED", err.job_status)
      assert.same({}, listing(dir))
    end)

    describe("a failed download leaves neither the file nor a temporary file", function()
      local job
      before_each(function()
        srv.config{csv_delay_ms = 0}
        job = assert(client.alerts:csv_create{status = "open"})
      end)

      it("on a 500", function()
        srv.fault{path = "/alert/csv/" .. job.id .. "/download", status = 500}
        local result, err = client.alerts:csv_download(job.id, dir .. "/a.csv")
        assert.is_nil(result)
        assert.equal("server", err.kind)
        assert.equal(500, err.status)
        assert.same({}, listing(dir))
        -- the same download then works, and replaces nothing else
        local ok = assert(client.alerts:csv_download(job.id, dir .. "/a.csv"))
        assert.equal(ok.size, #read_all(dir .. "/a.csv"))
        os.remove(dir .. "/a.csv")
      end)

      it("on a body cut short", function()
        srv.fault{path = "/alert/csv/" .. job.id .. "/download", truncate = true}
        local result, err = client.alerts:csv_download(job.id, dir .. "/b.csv")
        assert.is_nil(result)
        assert.is_true(prismacloud.is_error(err))
        assert.same({}, listing(dir))
      end)

      it("keeps an existing file when the download fails", function()
        local path = dir .. "/keep.csv"
        local f = assert(io.open(path, "wb"))
        f:write("previous")
        f:close()
        srv.fault{path = "/alert/csv/" .. job.id .. "/download", status = 503}
        assert.is_nil((client.alerts:csv_download(job.id, path)))
        assert.equal("previous", read_all(path))
        assert.same({"keep.csv"}, listing(dir))
        os.remove(path)
      end)
    end)
  end)

  describe("alerts:remediate", function()
    local function first_open(remediable)
      local items = assert(client.alerts:list{status = "open", ["policy.remediable"] = remediable, limit = 1}).items
      assert.equal(1, #items)
      return items[1]
    end

    it("remediates an open alert of a remediable policy: PATCH /alert/remediation/{id}", function()
      local alert = first_open(true)
      srv.clear()
      assert.is_true(client.alerts:remediate(alert.id))
      requests.check(requests.only(srv, "/alert/remediation/" .. alert.id), "perform-remediation-for-alert")
      local after = assert(client.alerts:get(alert.id))
      assert.equal("pending_resolution", after.status)
      assert.equal("REMEDIATED", after.reason)
      -- no longer open: the API refuses a second remediation
      local ok, err = client.alerts:remediate(alert.id)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("bad_request", err.code)
    end)

    it("sends findingId; dry_run sends nothing", function()
      local alert = first_open(true)
      srv.clear()
      local req = client.alerts:remediate(alert.id, {finding_id = "f-1", dry_run = true})
      assert.same({method = "PATCH", path = "/alert/remediation/" .. alert.id, query = {findingId = "f-1"}}, req)
      assert.equal(0, #srv.requests("/alert/remediation/" .. alert.id))
      assert.is_true(client.alerts:remediate(alert.id, {finding_id = "f-1"}))
      local entry = requests.check(requests.only(srv, "/alert/remediation/" .. alert.id),
        "perform-remediation-for-alert")
      assert.equal("f-1", requests.query_of(entry).findingId)
    end)

    it("a policy without remediation: 405 remediation_unavailable; unknown alert: 400", function()
      local alert = first_open(false)
      local ok, err = client.alerts:remediate(alert.id)
      assert.is_nil(ok)
      assert.equal(405, err.status)
      assert.equal("remediation_unavailable", err.code)
      ok, err = client.alerts:remediate("P-999999")
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      assert.has_error(function() client.alerts:remediate(7) end,
        "bad argument #1 to 'remediate' (alert id expected, got number)")
      assert.has_error(function() client.alerts:remediate("P-1", {findingid = "x"}) end,
        "unknown option 'findingid' to 'remediate'")
    end)
  end)
end)
