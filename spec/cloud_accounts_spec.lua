-- The cloud account family (client.cloud_accounts) against the emulator over real sockets:
-- list, each, get, by_name, set_enabled and onboarding per cloud.
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("cloud_accounts family", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)
  local only = fx.only

  describe("cloud_accounts", function()
    it("list, names, get, set_enabled, by_name", function()
      local list = assert(client.cloud_accounts:list())
      assert.is_true(#list > 0)
      requests.check(only("/cloud"), "get-cloud-accounts")

      srv.clear()
      local aws = assert(client.cloud_accounts:names{cloud_type = "aws", only_active = true})
      assert.same({cloudType = "aws", onlyActive = "true"},
        query_of(requests.check(only("/cloud/name"), "get-cloud-account-names")))
      for _, a in ipairs(aws) do assert.equal("AWS", a.cloudType) end

      local a = aws[1]
      srv.clear()
      local acc = assert(client.cloud_accounts:get("AWS", a.id))
      requests.check(only("/cloud/aws/" .. a.id), "get-cloud-account")
      assert.is_table(acc)

      srv.clear()
      local byname = assert(client.cloud_accounts:by_name(a.name))
      assert.same(acc.cloudAccount or acc, byname.cloudAccount or byname)
      assert.is_nil(client.cloud_accounts:by_name("no-such-account"))

      srv.clear()
      assert.same({method = "PATCH", path = "/cloud/" .. a.id .. "/status/false"},
        client.cloud_accounts:set_enabled(a.id, false, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.is_true(client.cloud_accounts:set_enabled(a.id, false))
      requests.check(only("/cloud/" .. a.id .. "/status/false"), "update-cloud-account-status")
      assert.is_true(client.cloud_accounts:set_enabled(a.id, true))

      local n = 0
      for _ in client.cloud_accounts:each() do n = n + 1 end
      assert.equal(#list, n)
    end)
  end)

  describe("cloud_accounts: onboarding", function()
    local check = requests.check
    local group

    before_each(function()
      group = group or client.account_groups:list{details = false}[1]
      srv.clear()
    end)

    local AWS_ID = "123456789012"
    local function aws_body(name)
      return {accountId = AWS_ID, accountType = "account", name = name,
              roleArn = "arn:aws:iam::" .. AWS_ID .. ":role/PrismaCloudRole", groupIds = {group.id}}
    end

    it("status, create, get, update, patch, delete an AWS account", function()
      local statuses = assert(client.cloud_accounts:status("aws", aws_body("lua-aws")))
      check(only("/cas/v1/cloud_account/status/aws"), "get-aws-cloud-account-status")
      assert.equal("Authentication", statuses[1].name)
      assert.equal("ok", statuses[1].status)
      local bad_arn = aws_body("lua-aws")
      bad_arn.roleArn = "arn:aws:iam::999999999999:role/x"
      assert.equal("error", client.cloud_accounts:status("aws", bad_arn)[1].status)

      srv.clear()
      assert.is_true(client.cloud_accounts:create("AWS", aws_body("lua-aws"), {skip_status_checks = true}))
      local r = check(only("/cas/v1/aws_account"), "add-aws-cloud-account")
      assert.same({skipStatusChecks = "true"}, query_of(r))
      assert.same(aws_body("lua-aws"), body_of(r))
      local a = assert(client.cloud_accounts:get("aws", AWS_ID))
      assert.equal("lua-aws", a.name)
      local in_group = false
      for _, id in ipairs(client.account_groups:get(group.id).accountIds) do in_group = in_group or id == AWS_ID end
      assert.is_true(in_group)

      srv.clear()
      assert.is_true(client.cloud_accounts:update("aws", AWS_ID, aws_body("lua-aws-2")))
      r = check(only("/cas/v1/aws_account/" .. AWS_ID), "update-aws-cloud-account")
      assert.equal("PUT", r.method)
      assert.is_nil(r.rawquery ~= "" and r.rawquery or nil)
      assert.equal("lua-aws-2", client.cloud_accounts:get("aws", AWS_ID).name)

      srv.clear()
      assert.is_true(client.cloud_accounts:patch("aws", AWS_ID, {enabled = false}))
      assert.same({enabled = false}, body_of(check(only("/cloud/aws/" .. AWS_ID), "patch-cloud-account")))
      assert.is_false(client.cloud_accounts:get("aws", AWS_ID).enabled)
      local ok, err = client.cloud_accounts:patch("aws", AWS_ID, {enabled = false})
      assert.is_nil(ok)
      assert.equal(405, err.status)
      assert.equal("cloud_account_already_disabled", err.code)

      srv.clear()
      local statuses2 = assert(client.cloud_accounts:config_status(AWS_ID))
      check(only("/account/" .. AWS_ID .. "/config/status"), "list-cloud-account-status-details")
      local disabled = false
      for _, x in ipairs(statuses2) do disabled = disabled or x.status == "error" end
      assert.is_true(disabled)

      srv.clear()
      local owners = assert(client.cloud_accounts:owners(AWS_ID))
      check(only("/cloud/" .. AWS_ID .. "/owners"), "get-cloud-account-owners")
      assert.is_string(owners[1])

      srv.clear()
      assert.is_true(client.cloud_accounts:delete("aws", AWS_ID))
      check(only("/cloud/aws/" .. AWS_ID), "delete-cloud-account")
      local gone
      gone, err = client.cloud_accounts:get("aws", AWS_ID)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      for _, id in ipairs(client.account_groups:get(group.id).accountIds) do assert.not_equal(AWS_ID, id) end
      ok, err = client.cloud_accounts:delete("aws", AWS_ID)
      assert.is_nil(ok)
      assert.equal("invalid_account_id_format", err.code)
    end)

    it("Azure, GCP, Alibaba and OCI go to their own operations", function()
      local azure_id = "0b6a1f8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b"
      local azure = {cloudAccount = {accountId = azure_id, accountType = "account", name = "lua-azure",
                                     groupIds = {group.id}},
                     clientId = "c", key = "k", tenantId = "t", environmentType = "azure"}
      assert.is_true(client.cloud_accounts:create("azure", azure))
      check(only("/cas/v1/azure_account"), "add-azure-cloud-account")
      srv.clear()
      azure.cloudAccount.name = "lua-azure-2"
      assert.is_true(client.cloud_accounts:update("azure", azure_id, azure))
      check(only("/cas/v1/azure_account/" .. azure_id), "update-azure-cloud-account")
      srv.clear()
      assert.equal("ok", client.cloud_accounts:status("azure", azure)[1].status)
      check(only("/cas/v1/cloud_account/status/azure"), "get-azure-cloud-account-status")

      srv.clear()
      local gcp = {cloudAccount = {accountId = "lua-project-1", accountType = "account", name = "lua-gcp"},
                   credentials = {type = "service_account"}, defaultAccountGroupId = group.id}
      assert.is_true(client.cloud_accounts:create("gcp", gcp))
      check(only("/cas/v1/gcp_account"), "add-gcp-cloud-account")
      srv.clear()
      assert.is_true(client.cloud_accounts:update("gcp", "lua-project-1", gcp))
      check(only("/cas/v1/gcp_account/lua-project-1"), "update-gcp-cloud-account")
      srv.clear()
      client.cloud_accounts:status("gcp", gcp)
      check(only("/cas/v1/cloud_account/status/gcp"), "get-gcp-cloud-account-status")

      srv.clear()
      local ali = {accountId = "5512345678", name = "lua-ali", groupIds = {group.id}, ramArn = "acs:ram::1:role/x"}
      assert.is_true(client.cloud_accounts:create("alibaba", ali))
      check(only("/cloud/alibaba_cloud"), "add-cloud-account")
      srv.clear()
      assert.is_true(client.cloud_accounts:update("alibaba_cloud", "5512345678", ali))
      check(only("/cloud/alibaba_cloud/5512345678"), "update-cloud-account")
      srv.clear()
      local oci = {accountId = "ocid1.tenancy.oc1..aaaa", name = "lua-oci", groupIds = {group.id}}
      client.cloud_accounts:status("oci", oci)
      check(only("/cloud/status/oci"), "get-cloud-account-status")
      assert.is_true(client.cloud_accounts:create("OCI", oci))

      srv.clear()
      local types = assert(client.cloud_accounts:types{accessible = true})
      local r = check(only("/cloud/type"), "get-cloud-types")
      assert.same({onlyAccessible = "true"}, query_of(r))
      assert.same({"aws", "azure", "gcp", "alibaba_cloud", "oci"}, types)

      for _, x in ipairs{{"azure", azure_id}, {"gcp", "lua-project-1"}, {"alibaba_cloud", "5512345678"},
                         {"oci", "ocid1.tenancy.oc1..aaaa"}} do
        assert.is_true(client.cloud_accounts:delete(x[1], x[2]))
      end
      assert.same({"aws", "azure", "gcp"}, client.cloud_accounts:types{accessible = true})
    end)

    it("onboarding errors come back as nil, err with the documented keys", function()
      local existing = client.cloud_accounts:names{cloud_type = "aws"}[1]
      local ok, err = client.cloud_accounts:create("aws", aws_body(existing.name))
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("duplicate_cloud_account_name", err.code)
      local body = aws_body("lua-x")
      body.accountId, body.roleArn = existing.id, "arn:aws:iam::" .. existing.id .. ":role/x"
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal("duplicate_cloud_account", err.code)
      body = aws_body("lua-x")
      body.groupIds = {}
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal("cannot_select_zero_account_groups", err.code)
      body.groupIds = {"no-such-group"}
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal("invalid_account_group_ids", err.code)
      body = aws_body("lua-x")
      body.accountId = "12ab"
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal(404, err.status)
      assert.equal("invalid_account_id_format", err.code)
    end)

    it("dry_run returns the request and sends nothing; bad arguments raise", function()
      local body = aws_body("dry")
      assert.same({method = "POST", path = "/cas/v1/aws_account", body = body},
        client.cloud_accounts:create("aws", body, {dry_run = true}))
      assert.same({method = "PUT", path = "/cloud/oci/o1", query = {skipStatusChecks = true}, body = body},
        client.cloud_accounts:update("oci", "o1", body, {dry_run = true, skip_status_checks = true}))
      assert.same({method = "PUT", path = "/cas/v1/azure_account/a1", body = body},
        client.cloud_accounts:update("azure", "a1", body, {dry_run = true}))
      assert.same({method = "PATCH", path = "/cloud/gcp/p1", body = {enabled = true}},
        client.cloud_accounts:patch("gcp", "p1", {enabled = true}, {dry_run = true}))
      assert.same({method = "DELETE", path = "/cloud/aws/1"},
        client.cloud_accounts:delete("aws", "1", {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.has_error(function() client.cloud_accounts:create("ibm", {}) end,
        "bad argument #1 to 'create' (cloud type aws, azure, gcp, alibaba_cloud or oci expected, got 'ibm')")
      assert.has_error(function() client.cloud_accounts:update("aws", nil, {}) end,
        "bad argument #2 to 'update' (account id string expected, got nil)")
      assert.has_error(function() client.cloud_accounts:delete("aws", "1", {force = true}) end,
        "unknown option 'force' to 'delete'")
      assert.equal(0, #srv.requests())
    end)
  end)
end)
