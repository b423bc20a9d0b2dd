-- The reports family (client.reports) against the emulator over real
-- sockets: every verb sends what the catalog declares, dry runs send
-- nothing, errors come back as documented, generate() creates, waits and
-- streams the file (equal to what the emulator serves, Lua memory flat), and
-- failed downloads leave nothing behind.
local server = require "spec.support.server"
local files = require "spec.support.files"
local read_all, temp_dir, listing, clean = files.read, files.temp_dir, files.listing, files.clear
local requests = require "spec.support.requests"
local prismacloud = require "prismacloud"

describe("reports", function()
  local srv, client, dir
  local counter = 0

  -- Test settings of the emulated report service.
  local function settings(t)
    local status, body = srv.request("POST", "/_emulator/reports", t)
    assert(status == 200, "report settings refused")
    return body
  end

  -- A fresh report name.
  local function name()
    counter = counter + 1
    return "spec report " .. counter
  end

  -- Creates a report and waits until it is generated.
  local function ready_report(t)
    settings{delay_ms = 0}
    local r = assert(client.reports:create(t or {name = name(), cloudType = "aws"}))
    local status = assert(client.reports:status(r.id))
    assert.equal("completed", status)
    return r
  end

  setup(function()
    srv = server.start{}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
    assert(client:login())
    dir = temp_dir()
  end)

  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
    if dir then
      clean(dir)
      os.remove(dir)
    end
  end)

  before_each(function()
    settings{delay_ms = 1000, size = 65536, fail = 0}
    srv.clear()
  end)

  after_each(function() clean(dir) end)

  describe("list, each, get, by_name, types", function()
    it("list: GET /report with the filters as the documented query", function()
      local all = assert(client.reports:list())
      requests.check(requests.only(srv, "/report"), "list-reports-Reports")
      assert.is_true(#all >= 3)
      srv.clear()
      local aws = assert(client.reports:list{cloud_type = "aws", frequency = "one_time", type = "COMPLIANCE"})
      local entry = requests.check(requests.only(srv, "/report"), "list-reports-Reports")
      assert.same({["cloud.type"] = "aws", ["report.frequency"] = "one_time", report_view = "COMPLIANCE"},
        requests.query_of(entry))
      assert.is_true(#aws >= 1 and #aws < #all)
      for _, r in ipairs(aws) do
        assert.equal("aws", r.cloudType)
        assert.equal("COMPLIANCE", r.type)
      end
      assert.has_error(function() client.reports:list{frequency = "hourly"} end)
      assert.has_error(function() client.reports:list{colour = "red"} end, "unknown report filter 'colour' in 'list'")
    end)

    it("each: every report once, from one request", function()
      local all = assert(client.reports:list())
      srv.clear()
      local seen, n = {}, 0
      for r in client.reports:each() do
        assert.is_nil(seen[r.id])
        seen[r.id] = true
        n = n + 1
      end
      assert.equal(#all, n)
      requests.check(requests.only(srv, "/report"), "list-reports-Reports")
      local two = 0
      for _ in client.reports:each(nil, {max_items = 2}) do two = two + 1 end
      assert.equal(2, two)
    end)

    it("get and by_name; an unknown id is 404 not_found", function()
      local first = assert(client.reports:list())[1]
      srv.clear()
      local r = assert(client.reports:get(first.id))
      requests.check(requests.only(srv, "/report/" .. first.id), "get-specified-report")
      assert.equal(first.name, r.name)
      assert.equal("completed", r.status)
      assert.is_table(r.counts)
      assert.equal(r.counts.passed + r.counts.failed, r.counts.total)
      local found = assert(client.reports:by_name(first.name))
      assert.equal(first.id, found.id)
      assert.is_nil(client.reports:by_name("no such report"))
      local missing, err = client.reports:get("00000000-0000-4000-8000-000000000000")
      assert.is_nil(missing)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
      assert.has_error(function() client.reports:get(nil) end, "bad argument #1 to 'get' (id expected, got nil)")
    end)

    it("filters and filter_options: GET and POST /filter/report/suggest", function()
      local filters = assert(client.reports:filters())
      requests.check(requests.only(srv, "/filter/report/suggest"), "get-report-filters-and-options")
      assert.same({"one_time", "scheduled"}, filters["report.frequency"].options)
      assert.is_true(filters["report.frequency"].staticFilter)
      assert.is_true(#filters["account.group"].options > 0)
      srv.clear()
      local options = assert(client.reports:filter_options("frequency", "sched"))
      local entry = requests.check(requests.only(srv, "/filter/report/suggest"), "get-report-posture-filter-options")
      assert.same({filterName = "report.frequency", query = "sched"}, requests.body_of(entry))
      assert.same({"scheduled"}, options)
      local none, err = client.reports:filter_options("no.such")
      assert.is_nil(none)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("types: the report types per cloud", function()
      local types = assert(client.reports:types())
      requests.check(requests.only(srv, "/report/type"), "get-report-types")
      assert.is_table(types.aws)
      assert.truthy(#types.aws >= 1)
    end)
  end)

  describe("create, update, delete", function()
    it("create: POST /v2/report with the body; the report starts pending", function()
      local body = {name = name(), cloudType = "azure", type = "RIS", target = {accountGroups = {"g1"}}}
      local r = assert(client.reports:create(body))
      local entry = requests.check(requests.only(srv, "/v2/report"), "save-report-v2")
      assert.same(body, requests.body_of(entry))
      assert.is_string(r.id)
      assert.equal("pending", r.status)
      assert.equal(body.name, r.name)
      assert.same({"g1"}, r.target.accountGroups)
    end)

    it("create {v1 = true}: POST /report, whose target needs a timeRange", function()
      local body = {name = name(), cloudType = "gcp", target = {timeRange = {type = "to_now", value = "epoch"}}}
      assert(client.reports:create(body, {v1 = true}))
      requests.check(requests.only(srv, "/report"), "save-report")
      local r, err = client.reports:create({name = name(), cloudType = "gcp", target = {}}, {v1 = true})
      assert.is_nil(r)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
    end)

    it("create: the API's errors; dry_run sends nothing", function()
      local r, err = client.reports:create{cloudType = "aws"}
      assert.is_nil(r)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
      r, err = client.reports:create{name = name(), cloudType = "mars"}
      assert.is_nil(r)
      assert.equal("invalid_parameter_value", err.code)
      srv.clear()
      local req = client.reports:create({name = "dry", cloudType = "aws"}, {dry_run = true})
      assert.same({method = "POST", path = "/v2/report", body = {name = "dry", cloudType = "aws"}}, req)
      req = client.reports:create({name = "dry", cloudType = "aws"}, {dry_run = true, v1 = true})
      assert.equal("/report", req.path)
      assert.equal(0, #srv.requests("/v2/report") + #srv.requests("/report"))
      assert.has_error(function() client.reports:create("x") end,
        "bad argument #1 to 'create' (table expected, got string)")
      assert.has_error(function() client.reports:create({}, {dryrun = true}) end, "unknown option 'dryrun' to 'create'")
    end)

    it("update: PUT /report/{id}; the target is required", function()
      local r = assert(client.reports:create{name = name(), cloudType = "aws"})
      srv.clear()
      local new_name = name()
      local updated = assert(client.reports:update(r.id, {name = new_name, cloudType = "aws",
        target = {scheduleEnabled = true, schedule = "DTSTART:20250101T000000\nRRULE:FREQ=WEEKLY",
                  timeRange = {type = "to_now", value = "epoch"}}}))
      local entry = requests.check(requests.only(srv, "/report/" .. r.id), "update-report")
      assert.equal(new_name, requests.body_of(entry).name)
      assert.equal(new_name, updated.name)
      assert.is_true(updated.target.scheduleEnabled)
      local again, err = client.reports:update(r.id, {name = new_name})
      assert.is_nil(again)
      assert.equal("missing_required_parameter", err.code)
      local req = client.reports:update(r.id, {target = {}}, {dry_run = true})
      assert.equal("PUT", req.method)
      local missing
      missing, err = client.reports:update("00000000-0000-4000-8000-000000000000", {target = {}})
      assert.is_nil(missing)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
    end)

    it("delete: DELETE /report/{id}, then it is gone; dry_run sends nothing", function()
      local r = assert(client.reports:create{name = name(), cloudType = "aws"})
      srv.clear()
      local req = client.reports:delete(r.id, {dry_run = true})
      assert.same({method = "DELETE", path = "/report/" .. r.id}, req)
      assert.equal(0, #srv.requests("/report/" .. r.id))
      assert.is_true(client.reports:delete(r.id))
      requests.check(requests.only(srv, "/report/" .. r.id), "delete-report")
      local ok, err = client.reports:delete(r.id)
      assert.is_nil(ok)
      assert.equal(404, err.status)
      assert.is_nil((client.reports:get(r.id)))
    end)
  end)

  describe("status, history, download", function()
    it("status: pending, then completed", function()
      settings{delay_ms = 300}
      local r = assert(client.reports:create{name = name(), cloudType = "aws"})
      srv.clear()
      local status = table.pack(client.reports:status(r.id))
      assert.same({n = 1, "pending"}, status)
      requests.check(requests.only(srv, "/report/" .. r.id), "get-specified-report")
      settings{delay_ms = 0}
      local missing, err = client.reports:status("00000000-0000-4000-8000-000000000000")
      assert.is_nil(missing)
      assert.equal("not_found", err.code)
    end)

    it("download while pending: nil, err of kind pending (204), and no file", function()
      local r = assert(client.reports:create{name = name(), cloudType = "aws"})
      srv.clear()
      local result, err = client.reports:download(r.id, dir .. "/pending.pdf")
      assert.is_nil(result)
      assert.equal("pending", err.kind)
      assert.equal(204, err.status)
      requests.check(requests.only(srv, "/report/" .. r.id .. "/download"), "download-report")
      assert.same({}, listing(dir))
      -- a file already there stays as it was
      local f = assert(io.open(dir .. "/pending.pdf", "wb"))
      f:write("last week's report")
      f:close()
      assert.is_nil((client.reports:download(r.id, dir .. "/pending.pdf")))
      assert.equal("last week's report", read_all(dir .. "/pending.pdf"))
      assert.same({"pending.pdf"}, listing(dir))
    end)

    it("download: streams the file; the bytes equal a buffered fetch", function()
      local r = ready_report()
      srv.clear()
      local path = dir .. "/r.pdf"
      local result = assert(client.reports:download(r.id, path))
      requests.check(requests.only(srv, "/report/" .. r.id .. "/download"), "download-report")
      assert.equal(path, result.output)
      assert.equal(65536, result.size)
      local bytes = read_all(path)
      assert.equal(65536, #bytes)
      assert.truthy(bytes:find("^%%PDF%-1%.4\n"))
      assert.truthy(bytes:find("%%%%EOF\n$"))
      local res = assert(client:request("GET", "/report/" .. r.id .. "/download"))
      assert.equal(200, res.status)
      assert.equal(bytes, res.body)
      local req = client.reports:download(r.id, path, {dry_run = true})
      assert.same({method = "GET", path = "/report/" .. r.id .. "/download", output = path}, req)
      assert.has_error(function() client.reports:download(r.id) end,
        "bad argument #2 to 'download' (file path expected, got nil)")
    end)

    it("history, one instance, and its download", function()
      local r = ready_report()
      srv.clear()
      local history = assert(client.reports:history(r.id))
      requests.check(requests.only(srv, "/report/" .. r.id .. "/history"), "get-historical-report-by-id")
      assert.equal(1, #history)
      local at = history[1].lastScheduled
      assert.equal("integer", math.type(at))
      local path = dir .. "/h.pdf"
      assert(client.reports:download(r.id, path, {at = at}))
      local entry = requests.only(srv, ("/report/%s/%d/download"):format(r.id, at))
      requests.check(entry, "download-historical-by-id")
      assert(client.reports:download(r.id, dir .. "/latest.pdf"))
      assert.equal(read_all(dir .. "/latest.pdf"), read_all(path))
      local result, err = client.reports:download(r.id, dir .. "/none.pdf", {at = at + 1})
      assert.is_nil(result)
      assert.equal(404, err.status)
      assert.is_nil(read_all(dir .. "/none.pdf"))
    end)

    it("instance: GET /report/{id}/{lastScheduled}, the metadata of one generated report", function()
      local r = ready_report()
      local at = assert(client.reports:history(r.id))[1].lastScheduled
      srv.clear()
      local one = assert(client.reports:instance(r.id, at))
      requests.check(requests.only(srv, ("/report/%s/%d"):format(r.id, at)), "get-last-scheduled-report-by-id")
      assert.equal(r.id, one.id)
      assert.equal(at, one.lastScheduled)
      assert.is_table(one.counts)
      local none, err = client.reports:instance(r.id, at - 1)
      assert.is_nil(none)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
      assert.has_error(function() client.reports:instance(r.id, "yesterday") end,
        "bad argument #2 to 'instance' (integer timestamp expected, got string)")
    end)

    it("history of a report made by POST /report: 405 method_not_allowed_for_legacy_reports", function()
      local r = assert(client.reports:create({name = name(), cloudType = "aws",
        target = {timeRange = {type = "to_now", value = "epoch"}}}, {v1 = true}))
      local list, err = client.reports:history(r.id)
      assert.is_nil(list)
      assert.equal(405, err.status)
      assert.equal("method_not_allowed_for_legacy_reports", err.code)
    end)

    it("a failed download leaves neither the file nor a temporary file", function()
      local r = ready_report()
      local path = dir .. "/f.pdf"
      srv.fault{path = "/report/" .. r.id .. "/download", status = 500}
      local result, err = client.reports:download(r.id, path)
      assert.is_nil(result)
      assert.equal(500, err.status)
      assert.same({}, listing(dir))
      srv.fault{path = "/report/" .. r.id .. "/download", truncate = true}
      result, err = client.reports:download(r.id, path)
      assert.is_nil(result)
      assert.is_true(prismacloud.is_error(err))
      assert.same({}, listing(dir))
    end)

    it("a big file streams with flat Lua memory", function()
      settings{size = 16 * 1024 * 1024}
      local r = ready_report()
      local path = dir .. "/big.pdf"
      collectgarbage()
      collectgarbage("stop")
      local before = collectgarbage("count")
      local result = client.reports:download(r.id, path)
      local grown = collectgarbage("count") - before
      collectgarbage("restart")
      assert(result)
      assert.equal(16 * 1024 * 1024, result.size)
      local f = assert(io.open(path, "rb"))
      assert.equal(16 * 1024 * 1024, f:seek("end"))
      f:close()
      assert.is_true(grown < 1024, ("the Lua heap grew by %.0f KiB"):format(grown))
    end)
  end)

  describe("generate", function()
    it("creates, polls until completed, streams the file", function()
      settings{delay_ms = 200}
      local polls, statuses = 0, {}
      local path = dir .. "/g.pdf"
      local report = {name = name(), cloudType = "aws", type = "COMPLIANCE"}
      local result = assert(client.reports:generate(report, path, {interval = 0.02, max_interval = 0.1, timeout = 60,
        on_poll = function(r, n)
          polls = n
          statuses[#statuses + 1] = r.status
        end}))
      requests.check(requests.only(srv, "/v2/report"), "save-report-v2")
      local id = result.report.id
      assert.equal("completed", result.report.status)
      assert.equal("pending", statuses[1])
      assert.equal("completed", statuses[#statuses])
      assert.equal(polls, #srv.requests("/report/" .. id))
      for _, entry in ipairs(srv.requests("/report/" .. id)) do requests.check(entry, "get-specified-report") end
      requests.check(requests.only(srv, "/report/" .. id .. "/download"), "download-report")
      assert.equal(65536, result.size)
      assert.equal(65536, #read_all(path))
      assert.same({"g.pdf"}, listing(dir))
    end)

    it("a report that fails to generate: nil, err with its status; no file", function()
      settings{delay_ms = 20, fail = 1}
      local result, err = client.reports:generate({name = name(), cloudType = "aws"}, dir .. "/x.pdf",
        {interval = 0.01, timeout = 60})
      assert.is_nil(result)
      assert.equal("server", err.kind)
      assert.equal("failed", err.job_status)
      assert.equal(0, #srv.requests("/report/" .. err.job.id .. "/download"))
      assert.same({}, listing(dir))
    end)

    it("a report that takes too long: nil, err of kind timeout", function()
      settings{delay_ms = 600000}
      local result, err = client.reports:generate({name = name(), cloudType = "aws"}, dir .. "/t.pdf",
        {interval = 0.05, timeout = 0.2})
      assert.is_nil(result)
      assert.equal("timeout", err.kind)
      assert.equal("pending", err.job_status)
      assert.same({}, listing(dir))
    end)

    it("raises on bad arguments", function()
      assert.has_error(function() client.reports:generate(nil, "x") end,
        "bad argument #1 to 'generate' (table expected, got nil)")
      assert.has_error(function() client.reports:generate({}, nil) end,
        "bad argument #2 to 'generate' (file path expected, got nil)")
      assert.has_error(function() client.reports:generate({}, "x", {timeout = 0}) end,
        "option 'timeout' to 'generate' must be a positive number of seconds")
    end)
  end)
end)
