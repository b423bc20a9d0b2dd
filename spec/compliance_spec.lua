-- The compliance family (client.compliance) against the emulator over real sockets: standards,
-- custom standards, requirements and sections, and posture (which of its operations a filter picks).
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("compliance family", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)
  local only = fx.only

  describe("compliance", function()
    it("standards, standard, requirements, sections", function()
      local standards = assert(client.compliance:standards())
      assert.is_true(#standards > 0)
      requests.check(only("/compliance"), "get-all-standards")
      local std = standards[1]
      srv.clear()
      assert.equal(std.id, assert(client.compliance:standard(std.id)).id)
      requests.check(only("/compliance/" .. std.id), "get-standards-by-id")
      local reqs = assert(client.compliance:requirements(std.id))
      assert.is_true(#reqs > 0)
      requests.check(only("/compliance/" .. std.id .. "/requirement"), "get-requirements")
      local secs = assert(client.compliance:sections(reqs[1].id))
      assert.is_true(#secs > 0)
      requests.check(only("/compliance/" .. reqs[1].id .. "/section"), "get-sections")
      assert.equal(std.id, assert(client.compliance:by_name(std.name)).id)
      local none, err = client.compliance:standard("no-such-standard")
      assert.is_nil(none)
      assert.equal("not_found", err.kind)
    end)
  end)

  describe("compliance: custom standards", function()
    local check = requests.check

    it("create, update, add_requirement, add_section, update and delete them, clone, delete", function()
      assert.is_true(client.compliance:create{name = "lua standard", description = "d"})
      check(only("/compliance"), "add-standard")
      local std = assert(client.compliance:by_name("lua standard"))
      assert.is_false(std.systemDefault)

      srv.clear()
      assert.is_true(client.compliance:update(std.id, {name = "lua standard 2", description = "e"}))
      assert.same({name = "lua standard 2", description = "e"},
        body_of(check(only("/compliance/" .. std.id), "update-standard")))
      assert.equal("lua standard 2", client.compliance:standard(std.id).name)

      srv.clear()
      assert.is_true(client.compliance:add_requirement(std.id, {name = "Req", requirementId = "1"}))
      check(only("/compliance/" .. std.id .. "/requirement"), "add-requirement")
      local req = client.compliance:requirements(std.id)[1]
      assert.equal("Req", req.name)
      srv.clear()
      assert.equal("Req", assert(client.compliance:requirement(req.id)).name)
      check(only("/compliance/requirement/" .. req.id), "get-requirement-by-id")

      srv.clear()
      assert.is_true(client.compliance:update_requirement(req.id, {name = "Req 2", requirementId = "1"}))
      check(only("/compliance/requirement/" .. req.id), "update-requirement")

      srv.clear()
      assert.is_true(client.compliance:add_section(req.id, {sectionId = "1.1", description = "s"}))
      check(only("/compliance/" .. req.id .. "/section"), "add-section")
      local sec = client.compliance:sections(req.id)[1]
      assert.equal("1.1", sec.sectionId)
      srv.clear()
      assert.is_true(client.compliance:update_section(sec.id, {sectionId = "1.2", description = "t"}))
      check(only("/compliance/requirement/section/" .. sec.id), "update-section")
      assert.equal("1.2", client.compliance:sections(req.id)[1].sectionId)

      srv.clear()
      assert.is_true(client.compliance:clone(std.id, {name = "lua clone"}))
      check(only("/compliance/clone/" .. std.id), "clone-standard")
      local clone = assert(client.compliance:by_name("lua clone"))
      local creqs = client.compliance:requirements(clone.id)
      assert.equal(1, #creqs)
      assert.equal("1.2", client.compliance:sections(creqs[1].id)[1].sectionId)
      assert.is_true(client.compliance:delete(clone.id))

      srv.clear()
      assert.is_true(client.compliance:delete_section(sec.id))
      check(only("/compliance/requirement/section/" .. sec.id), "delete-section")
      assert.equal(0, #client.compliance:sections(req.id))
      srv.clear()
      assert.is_true(client.compliance:delete_requirement(req.id))
      check(only("/compliance/requirement/" .. req.id), "delete-requirement")
      srv.clear()
      assert.is_true(client.compliance:delete(std.id))
      check(only("/compliance/" .. std.id), "delete-standard")
      assert.is_nil(client.compliance:by_name("lua standard 2"))
    end)

    it("errors: missing names, duplicates, built-in standards are read-only", function()
      local builtin = client.compliance:standards()[1]
      local ok, err = client.compliance:create{description = "no name"}
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
      ok, err = client.compliance:create{name = builtin.name}
      assert.is_nil(ok)
      assert.equal("duplicate_name", err.code)
      ok, err = client.compliance:update(builtin.id, {name = "renamed"})
      assert.is_nil(ok)
      assert.equal("bad_request", err.code)
      ok, err = client.compliance:delete(builtin.id)
      assert.is_nil(ok)
      assert.equal("bad_request", err.code)
      ok, err = client.compliance:add_requirement(builtin.id, {name = "x", requirementId = "9"})
      assert.is_nil(ok)
      assert.equal("bad_request", err.code)
      ok, err = client.compliance:clone(builtin.id, {name = builtin.name})
      assert.is_nil(ok)
      assert.equal("duplicate_name", err.code)
    end)

    it("dry_run returns the request and sends nothing", function()
      assert.same({method = "POST", path = "/compliance", body = {name = "n"}},
        client.compliance:create({name = "n"}, {dry_run = true}))
      assert.same({method = "POST", path = "/compliance/clone/s1", body = {name = "n"}},
        client.compliance:clone("s1", {name = "n"}, {dry_run = true}))
      assert.same({method = "POST", path = "/compliance/s1/requirement", body = {name = "n"}},
        client.compliance:add_requirement("s1", {name = "n"}, {dry_run = true}))
      assert.same({method = "POST", path = "/compliance/r1/section", body = {sectionId = "1"}},
        client.compliance:add_section("r1", {sectionId = "1"}, {dry_run = true}))
      assert.same({method = "DELETE", path = "/compliance/requirement/section/x"},
        client.compliance:delete_section("x", {dry_run = true}))
      assert.same({method = "PUT", path = "/compliance/requirement/r1", body = {name = "n"}},
        client.compliance:update_requirement("r1", {name = "n"}, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.has_error(function() client.compliance:requirement(nil) end,
        "bad argument #1 to 'requirement' (id expected, got nil)")
      assert.has_error(function() client.compliance:delete_section("x", {now = true}) end,
        "unknown option 'now' to 'delete_section'")
    end)
  end)

  describe("compliance: posture", function()
    local check = requests.check
    local std, req

    before_each(function()
      std = std or client.compliance:by_name("PCI DSS v3.2.1")
      req = req or client.compliance:requirements(std.id)[1]
      srv.clear()
    end)

    -- The one posture request sent (any path under /compliance/posture or /v2/...).
    local function sent()
      local all = srv.requests()
      assert.equal(1, #all)
      return all[1]
    end

    it("overall: POST /v2/compliance/posture (its GET needs a time range), a detail per standard", function()
      local p = assert(client.compliance:posture())
      assert.same({filters = {}}, body_of(check(sent(), "post-compliance-posture-v2")))
      assert.is_true(#p.complianceDetails >= 6)
      local failed, total = 0, 0
      for _, d in ipairs(p.complianceDetails) do
        failed, total = failed + d.failedResources, total + d.totalResources
        assert.equal(d.totalResources, d.failedResources + d.passedResources)
      end
      assert.equal(failed, p.summary.failedResources)
      assert.equal(total, p.summary.totalResources)
    end)

    it("per standard and requirement, simple filters as GET query parameters", function()
      local p = assert(client.compliance:posture{standard_id = std.id, cloud_type = "aws"})
      local r = check(sent(), "get-compliance-posture-for-standard-v2")
      assert.same({["cloud.type"] = "aws"}, query_of(r))
      assert.equal(#client.compliance:requirements(std.id), #p.complianceDetails)
      assert.equal(#p.complianceDetails, #p.requirementSummaries)
      local all = client.compliance:posture{standard_id = std.id}
      assert.is_true(p.summary.totalResources < all.summary.totalResources)

      srv.clear()
      local rp = assert(client.compliance:posture{standard_id = std.id, requirement_id = req.id})
      check(sent(), "get-compliance-posture-for-requirement-v2")
      assert.equal(#client.compliance:sections(req.id), #rp.complianceDetails)
      assert.has_error(function() client.compliance:posture{requirement_id = req.id} end)
      assert.has_error(function() client.compliance:posture{colour = "red"} end)
    end)

    it("a time range on a standard goes to v1 (GET when relative, POST when absolute)", function()
      client.compliance:posture{standard_id = std.id, time_range = "30d"}
      local r = check(sent(), "get-compliance-posture-for-standard")
      assert.same({timeType = "relative", timeAmount = "30", timeUnit = "day"}, query_of(r))
      srv.clear()
      local now = os.time() * 1000
      assert(client.compliance:posture{standard_id = std.id, time_range = {from = now - 86400000, to = now}})
      r = check(sent(), "post-compliance-posture-for-standard")
      assert.same({type = "absolute", value = {startTime = now - 86400000, endTime = now}}, body_of(r).timeRange)
      srv.clear()
      client.compliance:posture{time_range = "7d", cloud_type = "gcp"}
      check(sent(), "get-compliance-posture-v2")
    end)

    it("filters a GET cannot carry, or a URL past 8 KB, go out as POST", function()
      local p = assert(client.compliance:posture{standard_id = std.id, account_group = "AWS Accounts"})
      local r = check(sent(), "post-compliance-posture-for-standard-v2")
      assert.same({{name = "account.group", operator = "=", value = "AWS Accounts"}}, body_of(r).filters)
      assert.is_true(p.summary.totalResources > 0)

      srv.clear()
      local many = {}
      for i = 1, 700 do many[i] = ("account-%04d"):format(i) end
      assert(client.compliance:posture{account = many})
      r = check(sent(), "post-compliance-posture-v2")
      assert.equal(700, #body_of(r).filters)
      assert.is_true(#(r.rawquery or "") < 100)
    end)

    it("trend: a summary per point in time, GET or POST the same way", function()
      local points = assert(client.compliance:trend())
      check(sent(), "get-compliance-posture-trend-v2")
      assert.equal(7, #points)
      for i = 2, #points do assert.is_true(points[i].timestamp > points[i - 1].timestamp) end
      srv.clear()
      local month = assert(client.compliance:trend{time_range = "30d"})
      check(sent(), "post-compliance-posture-trend-v2")
      assert.equal(30, #month)
      srv.clear()
      assert(client.compliance:trend{standard_id = std.id, requirement_id = req.id, time_range = "2w"})
      check(sent(), "get-compliance-posture-trend-for-requirement")
    end)

    it("posture filters and their options", function()
      local filters = assert(client.compliance:posture_filters())
      check(only("/filter/compliance/posture/suggest"), "get-compliance-posture-filters-and-options")
      assert.is_table(filters["policy.complianceStandard"].options)
      srv.clear()
      local o = assert(client.compliance:posture_filter_options("policy.complianceStandard", "cis"))
      check(only("/filter/compliance/posture/suggest"), "get-compliance-posture-filter-options")
      assert.equal(3, #o.suggestions)
    end)

    it("errors come back as nil, err", function()
      local p, err = client.compliance:posture{standard_id = "no-such-standard"}
      assert.is_nil(p)
      assert.equal(400, err.status)
      assert.equal("bad_request", err.code)
      p, err = client.compliance:posture{standard_id = std.id, requirement_id = "nope"}
      assert.is_nil(p)
      assert.equal("bad_request", err.code)
    end)
  end)
end)
