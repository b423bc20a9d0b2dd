-- The emulator's RQL config search, alert CSV jobs, users and roles, over
-- real sockets with lua-socket (never the client under test).
local server = require "spec.support.server"
local cjson = require "cjson"
local socket = require "socket"

local function i18n(headers)
  local value = headers["x-redlock-status"]
  return value and cjson.decode(value)[1].i18nKey
end

-- Every page of a config search: items, totalRows, pages.
local function search_all(api, query, limit, extra)
  local body = {query = query, limit = limit or 100, withResourceJson = true}
  for k, v in pairs(extra or {}) do body[k] = v end
  local status, res, headers = api("POST", "/search/config", body)
  assert(status == 200, ("%s: HTTP %s %s"):format(query, tostring(status), tostring(headers["x-redlock-status"])))
  assert.equal("config", res.searchType)
  assert.equal(query, res.query)
  local items, pages = {}, 1
  for _, r in ipairs(res.data.items) do items[#items + 1] = r end
  local token = res.data.nextPageToken
  while token do
    local s, page = api("POST", "/search/config/page", {pageToken = token, limit = limit or 100})
    assert.equal(200, s)
    pages = pages + 1
    for _, r in ipairs(page.items) do items[#items + 1] = r end
    token = page.nextPageToken
  end
  return items, res.data.totalRows, pages
end

local function ids(items)
  local out = {}
  for _, r in ipairs(items) do out[#out + 1] = r.rrn end
  table.sort(out)
  return out
end

local function select(all, pred)
  local out = {}
  for _, r in ipairs(all) do
    if pred(r) then out[#out + 1] = r end
  end
  return out
end

-- Values at a dotted path with [*] in a decoded resource JSON.
local function grantees(r)
  local out = {}
  for _, g in ipairs(((r.data or {}).acl or {}).grants or {}) do out[#out + 1] = g.grantee end
  return out
end

-- Parses CSV text (RFC 4180) into rows of fields.
local function parse_csv(text)
  local rows, row, field, i, n = {}, {}, {}, 1, #text
  local quoted = false
  while i <= n do
    local c = text:sub(i, i)
    if quoted then
      if c == '"' and text:sub(i + 1, i + 1) == '"' then
        field[#field + 1] = '"'
        i = i + 1
      elseif c == '"' then
        quoted = false
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      quoted = true
    elseif c == "," then
      row[#row + 1] = table.concat(field)
      field = {}
    elseif c == "\n" then
      row[#row + 1] = table.concat(field)
      rows[#rows + 1] = row
      row, field = {}, {}
    elseif c ~= "\r" then
      field[#field + 1] = c
    end
    i = i + 1
  end
  return rows
end

describe("emulator search, csv, users", function()
  local srv, api, all

  setup(function()
    srv = server.start{seed = 11, alerts = 2500}
    local token = srv.login()
    api = function(method, path, body)
      return srv.request(method, path, body, {["x-redlock-auth"] = token})
    end
    all = search_all(api, "config from cloud.resource", 1000)
  end)

  teardown(function()
    if srv then srv.stop() end
  end)

  describe("RQL config search", function()
    it("returns every resource, with the documented fields, without a where clause", function()
      assert.equal(1000, #all)
      local r = all[1]
      for _, k in ipairs{"id", "name", "accountId", "accountName", "cloudType", "regionId", "regionName",
                         "service", "resourceType", "assetId", "rrn", "insertTs"} do
        assert.is_not_nil(r[k], k)
      end
      assert.equal("table", type(r.data))
      assert.equal("number", type(r.insertTs))
    end)

    it("pages with /search/config/page, visiting each resource once", function()
      local items, total, pages = search_all(api, "config from cloud.resource where resource.status = Active", 37)
      assert.equal(total, #items)
      assert.is_true(pages > 5)
      local seen = {}
      for _, r in ipairs(items) do
        assert.is_nil(seen[r.rrn])
        seen[r.rrn] = true
      end
      assert.same(ids(select(all, function(r) return not r.deleted end)), ids(items))
    end)

    it("omits the resource JSON when withResourceJson is false", function()
      local status, res = api("POST", "/search/config", {query = "config from cloud.resource", limit = 5,
                                                          withResourceJson = false})
      assert.equal(200, status)
      assert.equal(5, #res.data.items)
      assert.is_nil(res.data.items[1].data)
    end)

    local cases = {
      {"config from cloud.resource where cloud.type = 'aws' AND api.name = 'aws-s3api-get-bucket-acl'",
       function(r) return r.cloudType == "AWS" and r.rrn:find(":aws-s3api-get-bucket-acl:", 1, true) end},
      {"config where cloud.type = 'AZURE'", function(r) return r.cloudType == "AZURE" end},
      {"config from cloud.resource where cloud.region = 'us-east-1' OR cloud.region = 'AWS Tokyo'",
       function(r) return r.regionId == "us-east-1" or r.regionName == "AWS Tokyo" end},
      {"config from cloud.resource where resource.status = Deleted", function(r) return r.deleted end},
      {"config from cloud.resource where api.name IN ('aws-ec2-describe-instances', 'azure-vm-list')",
       function(r)
         return r.rrn:find(":aws-ec2-describe-instances:", 1, true) or r.rrn:find(":azure-vm-list:", 1, true)
       end},
      {"config from cloud.resource where cloud.type NOT IN ('aws', 'gcp')",
       function(r) return r.cloudType == "AZURE" end},
      {"config from cloud.resource where cloud.type != 'aws' AND (cloud.type = 'gcp' OR resource.status = Deleted)",
       function(r) return r.cloudType ~= "AWS" and (r.cloudType == "GCP" or r.deleted) end},
      {"config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl' AND "
        .. "json.rule = acl.grants[*].grantee contains AllUsers",
       function(r)
         for _, g in ipairs(grantees(r)) do
           if g == "AllUsers" then return true end
         end
         return false
       end},
      {"config from cloud.resource where json.rule = versioningConfiguration.status equals Suspended",
       function(r) return ((r.data.versioningConfiguration or {}).status) == "Suspended" end},
      {"config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl' AND "
        .. "json.rule = versioningConfiguration.status does not equal \"Enabled\"",
       function(r)
         return r.rrn:find(":aws-s3api-get-bucket-acl:", 1, true) and r.data.versioningConfiguration.status ~= "Enabled"
       end},
      {"config from cloud.resource where json.rule = metadataOptions.httpTokens exists and "
        .. "(cpuOptions.coreCount > 4 or state.name equals stopped)",
       function(r)
         return r.data.metadataOptions ~= nil and (r.data.cpuOptions.coreCount > 4 or r.data.state.name == "stopped")
       end},
      {"config from cloud.resource where json.rule = ipPermissions[*].ipv4Ranges[*].cidrIp contains 0.0.0.0/0",
       function(r)
         for _, p in ipairs(r.data.ipPermissions or {}) do
           for _, x in ipairs(p.ipv4Ranges) do
             if x.cidrIp == "0.0.0.0/0" then return true end
           end
         end
         return false
       end},
      {"config from cloud.resource where cloud.type = 'gcp' AND json.rule = tags[*].value does not contain web",
       function(r)
         if r.cloudType ~= "GCP" then return false end
         for _, t in ipairs(r.data.tags or {}) do
           if t.value:find("web", 1, true) then return false end
         end
         return true
       end},
    }

    for _, case in ipairs(cases) do
      it("answers " .. case[1], function()
        local expected = select(all, case[2])
        assert.is_true(#expected > 0, "the case must select something")
        assert.is_true(#expected < #all, "the case must leave something out")
        local items, total = search_all(api, case[1], 250)
        assert.equal(#expected, total)
        assert.same(ids(expected), ids(items))
      end)
    end

    it("matches cloud.account by name or id", function()
      local name, id = all[1].accountName, all[1].accountId
      local query = ("config from cloud.resource where cloud.account = '%s' AND json.rule = sizeGb < 100"):format(name)
      local expected = select(all, function(r) return r.accountId == id and (r.data.sizeGb or 1e9) < 100 end)
      assert.same(ids(expected), ids((search_all(api, query))))
      local by_id = search_all(api, ("config where cloud.account = '%s'"):format(id))
      assert.same(ids(select(all, function(r) return r.accountId == id end)), ids(by_id))
    end)

    it("sorts by the documented fields", function()
      local items = search_all(api, "config where cloud.type = 'aws'", 50,
        {sort = {{field = "cloud_region", direction = "desc"}}})
      for k = 2, #items do assert.is_true(items[k - 1].regionId >= items[k].regionId) end
    end)

    it("answers syntax errors with 400 and invalid_rql_query", function()
      for _, q in ipairs{"config from cloud.resource where", "config where api.name = ",
                         "config where (cloud.type = 'aws'",
                         "config where api.name = 'unterminated", "config where cloud.type = 'aws' AND AND",
                         "select * from x", "config where json.rule = a.b[*] equals"} do
        local status, body, headers = api("POST", "/search/config", {query = q})
        assert.equal(400, status, q)
        assert.equal("invalid_rql_query", i18n(headers), q)
        assert.truthy(body.message:find("supported RQL", 1, true), q)
      end
    end)

    it("refuses another kind of search or source, saying what is supported", function()
      for _, q in ipairs{"config from iam where action.name = 'x'", "network from vpc.flow_record"} do
        local status, body, headers = api("POST", "/search/config", {query = q})
        assert.equal(400, status, q)
        assert.equal("unsupported_rql_query", i18n(headers), q)
        assert.truthy(body.message:find("supported RQL", 1, true), q)
      end
    end)

    it("accepts what it cannot evaluate, as the API would, and says so in X-Emulator-Unevaluated", function()
      local base = "config from cloud.resource where cloud.type = 'aws' AND api.name = 'aws-s3api-get-bucket-acl'"
      local _, every = api("POST", "/search/config", {query = base, limit = 1000})
      for q, skipped in pairs{
        [base .. " AND resource.name = 'x'"] = "resource.name = 'x'",
        [base .. " AND json.rule = tags[*] size > 2"] = "tags[*] size > 2",
        [base .. " AND json.rule = name != 'x'"] = "name != 'x'",
        [base .. " addcolumn acl.grants"] = "addcolumn acl.grants",
      } do
        local status, body, headers = api("POST", "/search/config", {query = q, limit = 1000})
        assert.equal(200, status, q)
        assert.equal(skipped, headers["x-emulator-unevaluated"], q)
        assert.equal(#every.data.items, #body.data.items, q) -- the condition holds for every resource
      end
      local status, _, headers = api("POST", "/search/config", {query = base})
      assert.equal(200, status)
      assert.is_nil(headers["x-emulator-unevaluated"])
      -- network (bytes, threat.*) and IAM attributes it does not know
      status, _, headers = api("POST", "/search", {query = "network from vpc.flow_record where bytes > 10000 AND "
        .. "threat.source.inputs = 'x'", timeRange = {type = "relative", value = {amount = 1, unit = "day"}}})
      assert.equal(200, status)
      assert.equal("bytes > 10000 | threat.source.inputs = 'x'", headers["x-emulator-unevaluated"])
      status, _, headers = api("POST", "/api/v1/permission", {query = "config from iam where "
        .. "source.cloud.service.name = 'ec2' AND dest.cloud.type = 'AWS'", limit = 5})
      assert.equal(200, status)
      assert.equal("source.cloud.service.name = 'ec2'", headers["x-emulator-unevaluated"])
      -- a syntax error is still one
      status = api("POST", "/search/config", {query = base .. " AND ("})
      assert.equal(400, status)
    end)

    it("checks query, limit and page tokens", function()
      local status, _, headers = api("POST", "/search/config", {limit = 5})
      assert.equal(400, status)
      assert.equal("missing_required_parameter", i18n(headers))
      status, _, headers = api("POST", "/search/config", {query = "config where cloud.type = 'aws'", limit = 0})
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))
      status, _, headers = api("POST", "/search/config/page", {pageToken = "bogus"})
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))
    end)
  end)

  describe("alert CSV job", function()
    local function wait_ready(id)
      local deadline = socket.gettime() + 10
      while true do
        local status, job = api("GET", "/alert/csv/" .. id .. "/status")
        assert.equal(200, status)
        if job.status == "READY_TO_DOWNLOAD" then return job end
        assert.equal("IN_PROGRESS", job.status)
        assert.is_true(socket.gettime() < deadline)
        socket.sleep(0.1)
      end
    end

    it("runs from IN_PROGRESS to a download that matches the alert query", function()
      local filter = {timeRange = {type = "relative", value = {amount = 1, unit = "month"}},
                      filters = {{name = "alert.status", operator = "=", value = "open"},
                                 {name = "cloud.type", operator = "=", value = "aws"}}}
      local status, job = api("POST", "/alert/csv", filter)
      assert.equal(200, status)
      assert.equal("IN_PROGRESS", job.status)
      assert.is_string(job.id)
      local early = api("GET", "/alert/csv/" .. job.id .. "/download")
      assert.equal(400, early)
      local started = socket.gettime()
      local ready = wait_ready(job.id)
      assert.is_true(socket.gettime() - started > 0.5)
      local s2, listing = api("POST", "/v2/alert", {timeRange = filter.timeRange, filters = filter.filters, limit = 1})
      assert.equal(200, s2)
      assert.equal(listing.totalRows, ready.recordCount)
      local s3, text, headers = api("GET", "/alert/csv/" .. job.id .. "/download")
      assert.equal(200, s3)
      assert.truthy(headers["content-type"]:find("text/csv", 1, true))
      local rows = parse_csv(text)
      assert.equal("Alert ID", rows[1][1])
      assert.equal(listing.totalRows + 1, #rows)
      local seen = {}
      for k = 2, #rows do
        assert.equal("open", rows[k][2])
        assert.equal("AWS", rows[k][11])
        assert.is_nil(seen[rows[k][1]])
        seen[rows[k][1]] = true
      end
      assert.truthy(listing.totalRows > 10)
      assert.truthy(seen[listing.items[1].id])
    end)

    it("refuses bad filters and unknown jobs", function()
      local status, _, headers = api("POST", "/alert/csv",
        {filters = {{name = "no.such", operator = "=", value = "x"}}})
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))
      status, _, headers = api("GET", "/alert/csv/nope/status")
      assert.equal(404, status)
      assert.equal("not_found", i18n(headers))
      assert.equal(404, (api("GET", "/alert/csv/nope/download")))
    end)
  end)

  describe("users and roles", function()
    local function role_named(name)
      local _, roles = api("GET", "/user/role")
      for _, r in ipairs(roles) do
        if r.name == name then return r end
      end
    end

    it("creates, reads, updates and deletes a role, refusing conflicts", function()
      local _, groups = api("GET", "/cloud/group")
      local gid = groups[1].id
      local status = api("POST", "/user/role", {name = "Auditors", roleType = "Account Group Read Only",
                                                 accountGroupIds = {gid}, description = "read only"})
      assert.equal(200, status)
      local role = role_named("Auditors")
      assert.same({gid}, role.accountGroupIds)
      assert.equal(gid, role.accountGroups[1].id)
      local s2, got = api("GET", "/user/role/" .. role.id)
      assert.equal(200, s2)
      assert.equal("read only", got.description)
      local s3, _, h3 = api("POST", "/user/role", {name = "auditors", roleType = "Developer", accountGroupIds = {}})
      assert.equal(400, s3)
      assert.equal("user_role_name_already_exists", i18n(h3))
      local s4, _, h4 = api("POST", "/user/role", {name = "X", roleType = "Emperor", accountGroupIds = {}})
      assert.equal(400, s4)
      assert.equal("invalid_user_role_type", i18n(h4))
      local s5, _, h5 = api("POST", "/user/role", {name = "Y", roleType = "Developer", accountGroupIds = {"nope"}})
      assert.equal(400, s5)
      assert.equal("invalid_account_group_ids", i18n(h5))
      local none = require("prismacloud.json").empty_array
      assert.equal(200, (api("PUT", "/user/role/" .. role.id, {name = "Auditors 2", roleType = "Developer",
                                                               accountGroupIds = none})))
      assert.equal("Developer", role_named("Auditors 2").roleType)
      assert.equal(200, (api("DELETE", "/user/role/" .. role.id)))
      local s6, _, h6 = api("GET", "/user/role/" .. role.id)
      assert.equal(400, s6)
      assert.equal("invalid_id", i18n(h6))
    end)

    it("creates, reads, updates and deletes a user, refusing duplicates and bad input", function()
      local admin = role_named("System Admin")
      local dev = role_named("Developer")
      local user = {email = "Dana@Example.com", firstName = "Dana", lastName = "Scully", timeZone = "America/New_York",
                    roleIds = {admin.id, dev.id}, defaultRoleId = dev.id}
      assert.equal(200, (api("POST", "/v2/user", user)))
      local status, got = api("GET", "/v2/user/dana%40example.com")
      assert.equal(200, status)
      assert.equal("Dana Scully", got.displayName)
      assert.equal(2, #got.roles)
      assert.equal(dev.id, got.defaultRoleId)
      local s2, _, h2 = api("POST", "/v2/user", user)
      assert.equal(409, s2)
      assert.equal("duplicate_user_name", i18n(h2))
      local bad = {
        {{}, "empty_user_profile_provided"},
        {{firstName = "x"}, "missing_email"},
        {{email = "nope", firstName = "x"}, "wrong_email_format"},
        {{email = "e@x.io", lastName = "y", timeZone = "UTC", roleIds = {admin.id}, defaultRoleId = admin.id},
         "missing_first_name"},
        {{email = "e@x.io", firstName = "x", lastName = "y", roleIds = {admin.id}, defaultRoleId = admin.id},
         "missing_time_zone"},
        {{email = "e@x.io", firstName = "x", lastName = "y", timeZone = "Mars", roleIds = {admin.id},
          defaultRoleId = admin.id}, "invalid_time_zone"},
        {{email = "e@x.io", firstName = "x", lastName = "y", timeZone = "UTC", roleIds = {}},
         "no_role_assigned_to_user"},
        {{email = "e@x.io", firstName = "x", lastName = "y", timeZone = "UTC", roleIds = {"nope"},
          defaultRoleId = "nope"}, "invalid_user_role"},
        {{email = "e@x.io", firstName = "x", lastName = "y", timeZone = "UTC", roleIds = {admin.id},
          defaultRoleId = dev.id}, "default_role_not_belonging_to_user_role_list"},
      }
      for _, case in ipairs(bad) do
        local s, _, h = api("POST", "/v2/user", case[1])
        assert.equal(400, s, case[2])
        assert.equal(case[2], i18n(h))
      end
      -- a PUT replaces the profile: the whole of it, as the reference requires
      assert.equal(200, (api("PUT", "/v2/user/dana@example.com", {email = "Dana@Example.com", firstName = "Dana",
        lastName = "Mulder", timeZone = "America/New_York", roleIds = {dev.id}, defaultRoleId = dev.id})))
      local _, after = api("GET", "/v2/user/dana@example.com")
      assert.equal("Mulder", after.lastName)
      assert.same({dev.id}, after.roleIds)
      local s3, _, h3 = api("DELETE", "/user/role/" .. dev.id)
      assert.equal(400, s3)
      assert.equal("cannot_delete_role_users_associated", i18n(h3))
      local _, list = api("GET", "/v2/user")
      local found = false
      for _, u in ipairs(list) do found = found or u.email == "Dana@Example.com" end
      assert.is_true(found)
      assert.equal(200, (api("DELETE", "/user/dana@example.com")))
      local s4, _, h4 = api("GET", "/v2/user/dana@example.com")
      assert.equal(400, s4)
      assert.equal("user_inactive_or_not_exist", i18n(h4))
      assert.equal(400, (api("DELETE", "/user/dana@example.com")))
    end)
  end)
end)
