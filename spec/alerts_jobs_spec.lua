-- The alert verbs beyond listing (client.alerts): JSON alert jobs (a list of
-- alerts, or counts by policy), remediation commands, the dismissal-note
-- setting; against the emulator over real sockets, each request checked
-- against the catalog.
local server = require "spec.support.server"
local files = require "spec.support.files"
local read_all = files.read
local requests = require "spec.support.requests"
local jobs = require "prismacloud.jobs"
local cjson = require "cjson"

describe("alert jobs and settings", function()
  local fx = server.fixture{alerts = 400, csv_delay_ms = 50}
  local srv, client, path

  setup(function()
    srv, client = fx.srv, fx.client
    path = os.tmpname()
  end)

  teardown(function()
    os.remove(path)
  end)

  before_each(function()
    os.remove(path)
  end)

  local WAIT = {interval = 0.01, max_interval = 0.05, timeout = 60}

  -- Every alert matching a filter, through the paged listing.
  local function all_alerts(filter)
    local out = {}
    for a in client.alerts:each(filter) do out[#out + 1] = a end
    return out
  end

  describe("JSON jobs", function()
    it("export_json: POST /alert/jobs, poll, download the alerts as a JSON array", function()
      local result = assert(client.alerts:export_json({status = "open", cloud_type = "aws",
        time_range = "to_now:epoch"}, path, WAIT))
      local create = requests.check(requests.only(srv, "/alert/jobs"), "submit-job-for-listing-alerts")
      local body = requests.body_of(create)
      assert.same({type = "to_now", value = "epoch"}, body.timeRange)
      local id = result.job.id
      for _, e in ipairs(srv.requests("/alert/jobs/" .. id .. "/status")) do
        requests.check(e, "get-alerts-job-status")
      end
      requests.check(requests.only(srv, "/alert/jobs/" .. id .. "/download"), "download-alerts-list-json")
      local items = cjson.decode(read_all(path))
      local expected = all_alerts{status = "open", cloud_type = "aws", time_range = "to_now:epoch"}
      assert.equal(#expected, #items)
      assert.equal(#expected, result.records)
      assert.is_true(#items > 10)
      local ids = {}
      for _, a in ipairs(items) do
        assert.equal("open", a.status)
        assert.is_nil(ids[a.id])
        ids[a.id] = true
      end
      for _, a in ipairs(expected) do assert.is_true(ids[a.id], a.id) end
    end)

    it("fields: only the selected fields come back", function()
      local fields = {"alert.id", "alert.status", "policy.severity", "cloud.region"}
      assert(client.alerts:export_json({status = "open"}, path, {fields = fields, interval = 0.01, timeout = 60}))
      local body = requests.body_of(requests.only(srv, "/alert/jobs"))
      assert.same(fields, body.fields)
      local items = cjson.decode(read_all(path))
      assert.is_true(#items > 0)
      for _, a in ipairs(items) do
        assert.is_string(a.id)
        assert.equal("open", a.status)
        assert.is_string(a.policy.severity)
        assert.is_string(a.resource.region)
        assert.is_nil(a.alertTime)
        assert.is_nil(a.resource.name)
      end
      local job, err = client.alerts:json_create({status = "open"}, {fields = {"no.such"}})
      assert.is_nil(job)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      assert.has_error(function() client.alerts:json_create({}, {fields = "alert.id"}) end,
        "option 'fields' to 'json_create' must be an array of field names")
    end)

    it("by_policy: alert counts by policy, most alerts first, adding up to the matches", function()
      local result = assert(client.alerts:export_json({status = "open"}, path,
        {by_policy = true, interval = 0.01, timeout = 60}))
      requests.check(requests.only(srv, "/alert/policy/jobs"), "submit-a-job-for-listing-alerts-grouped-by-policy")
      local id = result.job.id
      for _, e in ipairs(srv.requests("/alert/policy/jobs/" .. id .. "/status")) do
        requests.check(e, "get-async-policy-alert-job-status")
      end
      requests.check(requests.only(srv, "/alert/policy/jobs/" .. id .. "/download"), "download-policy-alerts-json")
      local groups = cjson.decode(read_all(path))
      local total, by_policy = 0, {}
      for i, g in ipairs(groups) do
        total = total + g.alertCount
        if i > 1 then assert.is_true(groups[i - 1].alertCount >= g.alertCount) end
        by_policy[g.policyId] = g.alertCount
      end
      local open = all_alerts{status = "open"}
      assert.equal(#open, total)
      local counted = {}
      for _, a in ipairs(open) do counted[a.policyId] = (counted[a.policyId] or 0) + 1 end
      assert.same(counted, by_policy)
    end)

    it("the pieces: json_create, json_status, json_download; dry runs send nothing", function()
      local req = client.alerts:json_create({status = "open"}, {dry_run = true})
      assert.equal("/alert/jobs", req.path)
      req = client.alerts:json_create({status = "open"}, {dry_run = true, by_policy = true})
      assert.equal("/alert/policy/jobs", req.path)
      assert.equal(0, #srv.requests("/alert/jobs") + #srv.requests("/alert/policy/jobs"))
      local job = assert(client.alerts:json_create{status = "dismissed"})
      assert.equal("IN_PROGRESS", job.status)
      local status = assert(jobs.wait(function() return client.alerts:json_status(job.id) end,
        function(s) return s.status ~= "IN_PROGRESS" end, {interval = 0.01, timeout = 60}))
      requests.check(srv.requests("/alert/jobs/" .. job.id .. "/status")[1], "get-alerts-job-status")
      assert.equal("READY_TO_DOWNLOAD", status.status)
      req = client.alerts:json_download(job.id, path, {dry_run = true})
      assert.same({method = "GET", path = "/alert/jobs/" .. job.id .. "/download", output = path}, req)
      local result = assert(client.alerts:json_download(job.id, path))
      assert.equal(#read_all(path), result.size)
      -- a JSON job is not a policy job
      local missing, err = client.alerts:json_status(job.id, {by_policy = true})
      assert.is_nil(missing)
      assert.equal(404, err.status)
      assert.has_error(function() client.alerts:json_create({}, {by_policy = true, fields = {"alert.id"}}) end,
        "option 'fields' to 'json_create' does not apply with by_policy")
    end)
  end)

  describe("remediation_commands", function()
    local function open_alerts(remediable, n)
      return assert(client.alerts:list{status = "open", ["policy.remediable"] = remediable, limit = n}).items
    end

    it("alert ids of one policy: POST /alert/remediation, a script per alert", function()
      local alert = open_alerts(true, 1)[1]
      srv.clear()
      local commands = assert(client.alerts:remediation_commands({alert.id}))
      local entry = requests.check(requests.only(srv, "/alert/remediation"), "get-alerts-remediation")
      local body = requests.body_of(entry)
      assert.same({alert.id}, body.alerts)
      assert.is_table(body.filter.timeRange)
      assert.is_string(commands.alertIdVsCliScript[alert.id])
      assert.truthy(commands.alertIdVsCliScript[alert.id]:find(alert.resource.name, 1, true))
      assert.equal(commands.alertIdVsCliScript[alert.id], commands.cliScript)
    end)

    it("a policy: the scripts of its open alerts", function()
      local alert = open_alerts(true, 1)[1]
      local commands = assert(client.alerts:remediation_commands{policy_id = alert.policyId})
      local body = requests.body_of(requests.only(srv, "/alert/remediation"))
      assert.same({alert.policyId}, body.policies)
      local open = all_alerts{status = "open", policy_id = alert.policyId}
      local n = 0
      for _ in pairs(commands.alertIdVsCliScript) do n = n + 1 end
      assert.equal(#open, n)
      assert.is_string(commands.alertIdVsCliScript[alert.id])
    end)

    it("the API's errors: two policies, no remediation; dry_run sends nothing", function()
      local remediable = open_alerts(true, 50)
      local a, b
      for _, x in ipairs(remediable) do
        if not a then a = x elseif x.policyId ~= a.policyId then b = x break end
      end
      assert(a and b, "two policies among the first remediable alerts")
      local ok, err = client.alerts:remediation_commands({a.id, b.id})
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("cannot_remediate_multiple_policy_alerts", err.code)
      ok, err = client.alerts:remediation_commands({open_alerts(false, 1)[1].id})
      assert.is_nil(ok)
      assert.equal(405, err.status)
      assert.equal("remediation_unavailable", err.code)
      srv.clear()
      local req = client.alerts:remediation_commands({a.id}, {dry_run = true})
      assert.equal("POST", req.method)
      assert.equal("/alert/remediation", req.path)
      assert.equal(0, #srv.requests("/alert/remediation"))
    end)
  end)

  describe("counts by policy and filter suggestions", function()
    it("counts_by_policy: POST /alert/policy, counts that add up to the matching alerts", function()
      local groups = assert(client.alerts:counts_by_policy{status = "open", severity = "high",
                                                           time_range = "to_now:epoch", detailed = true})
      local entry = requests.check(requests.only(srv, "/alert/policy"), "post-alerts-grouped")
      assert.equal("true", requests.query_of(entry).detailed)
      local body = requests.body_of(entry)
      assert.same({type = "to_now", value = "epoch"}, body.timeRange)
      local expected = {}
      for _, a in ipairs(all_alerts{status = "open", severity = "high", time_range = "to_now:epoch"}) do
        expected[a.policyId] = (expected[a.policyId] or 0) + 1
      end
      local got = {}
      for i, g in ipairs(groups) do
        got[g.policyId] = g.alertCount
        assert.equal("high", g.policy.severity)
        if i > 1 then assert.is_true(groups[i - 1].alertCount >= g.alertCount) end
      end
      assert.is_true(#groups > 1)
      assert.same(expected, got)
      local bad, err = client.alerts:counts_by_policy{["no.such"] = "x"}
      assert.is_nil(bad)
      assert.equal("invalid_parameter_value", err.code)
      assert.has_error(function() client.alerts:counts_by_policy{max_items = 3} end,
        "bad argument #1 to 'counts_by_policy' ('max_items' does not apply: one count per policy)")
    end)

    it("counts_by_policy without a time range: GET /alert/policy with query parameters", function()
      local groups = assert(client.alerts:counts_by_policy{status = "dismissed", cloud_type = "gcp"})
      local entry = requests.check(requests.only(srv, "/alert/policy"), "get-alerts-grouped")
      assert.same({["alert.status"] = "dismissed", ["cloud.type"] = "gcp"}, requests.query_of(entry))
      local total = 0
      for _, g in ipairs(groups) do total = total + g.alertCount end
      assert.equal(#all_alerts{status = "dismissed", cloud_type = "gcp", time_range = "to_now:epoch"}, total)
      assert.is_true(total > 0)
    end)

    it("list_v1: GET /alert for a relative time range, POST otherwise; one capped array", function()
      local got = assert(client.alerts:list_v1{status = "open", time_range = "1y", limit = 7})
      local entry = requests.check(requests.only(srv, "/alert"), "get-alerts")
      local q = requests.query_of(entry)
      assert.equal("relative", q.timeType)
      assert.equal("7", q.limit)
      assert.equal("false", q.detailed)
      assert.equal(7, #got)
      local v2 = assert(client.alerts:list{status = "open", time_range = "1y", limit = 7}).items
      for i = 1, 7 do assert.equal(v2[i].id, got[i].id) end
      srv.clear()
      local all = assert(client.alerts:list_v1{status = "open", time_range = "to_now:epoch", detailed = true})
      entry = requests.check(requests.only(srv, "/alert"), "post-alerts")
      assert.equal("POST", entry.method)
      assert.equal("true", requests.query_of(entry).detailed)
      assert.equal(#all_alerts{status = "open", time_range = "to_now:epoch"}, #all)
      assert.is_string(all[1].policy.name)
      assert.has_error(function() client.alerts:list_v1{max_items = 3} end,
        "bad argument #1 to 'list_v1' ('max_items' does not apply: one response, use limit)")
    end)

    it("filters and filter_options: GET and POST /filter/alert/suggest", function()
      local filters = assert(client.alerts:filters())
      requests.check(requests.only(srv, "/filter/alert/suggest"), "get-alert-filter-and-options")
      assert.is_true(filters["alert.status"].staticFilter)
      assert.same({"open", "dismissed", "snoozed", "resolved", "pending_resolution"}, filters["alert.status"].options)
      assert.is_true(#filters["cloud.region"].options > 3)
      srv.clear()
      local options = assert(client.alerts:filter_options("region", "virginia"))
      local entry = requests.check(requests.only(srv, "/filter/alert/suggest"), "get-alert-filter-options")
      assert.same({filterName = "cloud.region", query = "virginia"}, requests.body_of(entry))
      assert.same({"AWS Virginia"}, options)
      local none, err = client.alerts:filter_options("no.such")
      assert.is_nil(none)
      assert.equal(400, err.status)
      assert.has_error(function() client.alerts:filter_options(nil) end,
        "bad argument #1 to 'filter_options' (filter name expected, got nil)")
    end)
  end)

  describe("dismissal note setting", function()
    after_each(function() assert(client.alerts:set_dismissal_note_required(false)) end)

    it("reads and sets it; when required, a dismissal without a note is refused", function()
      local r = table.pack(client.alerts:dismissal_note_required())
      assert.same({n = 1, false}, r)
      assert.equal(200, client:last_response().status)
      requests.check(requests.only(srv, "/alert/dismiss/require_dismissal_note"), "is-dismissal-note-required")
      srv.clear()
      assert.is_true(client.alerts:set_dismissal_note_required(true))
      local entry = requests.check(requests.only(srv, "/alert/dismiss/require_dismissal_note"),
        "set-dismissal-note-required")
      assert.same({requireDismissalNote = true}, requests.body_of(entry))
      assert.is_true((client.alerts:dismissal_note_required()))
      local alert = assert(client.alerts:list{status = "open", limit = 1}).items[1]
      local ok, err = client.alerts:dismiss({alert.id})
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
      assert.is_true(client.alerts:dismiss({alert.id}, "reviewed"))
      assert.equal("dismissed", assert(client.alerts:get(alert.id)).status)
    end)

    it("dry_run sends nothing; a non-boolean raises", function()
      local req = client.alerts:set_dismissal_note_required(true, {dry_run = true})
      assert.same({method = "PUT", path = "/alert/dismiss/require_dismissal_note",
                   body = {requireDismissalNote = true}}, req)
      assert.equal(0, #srv.requests("/alert/dismiss/require_dismissal_note"))
      assert.has_error(function() client.alerts:set_dismissal_note_required("yes") end,
        "bad argument #1 to 'set_dismissal_note_required' (boolean expected, got string)")
    end)
  end)
end)
