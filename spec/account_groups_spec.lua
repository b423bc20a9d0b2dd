-- The account group family (client.account_groups) against the emulator over real sockets:
-- list, each, the CRUD verbs, by_name and names.
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("account_groups family", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)
  local only = fx.only

  describe("account_groups", function()
    it("list, get, create, update, delete, by_name", function()
      local groups = assert(client.account_groups:list())
      assert.is_true(#groups > 0)
      requests.check(only("/cloud/group"), "get-account-groups")
      srv.clear()
      client.account_groups:list{details = false}
      assert.same({excludeCloudAccountDetails = "true"}, query_of(requests.check(only("/cloud/group"),
        "get-account-groups")))

      local account = client.cloud_accounts:names()[1]
      srv.clear()
      local g = assert(client.account_groups:create{name = "lua-fam", description = "d", accountIds = {account.id}})
      assert.same({name = "lua-fam", description = "d", accountIds = {account.id}},
        body_of(requests.check(only("/cloud/group"), "add-account-group")))
      assert.equal("lua-fam", assert(client.account_groups:get(g.id)).name)
      requests.check(only("/cloud/group/" .. g.id), "get-account-group")

      srv.clear()
      local u = assert(client.account_groups:update(g.id, {name = "lua-fam2", description = "e",
                                                             accountIds = {account.id}}))
      assert.equal("lua-fam2", u.name)
      assert.equal("e", u.description)
      -- PUT answers without a body, as documented: the group is read back after it
      local put, get = requests.sequence(srv, "update-account-group", "get-account-group")
      assert.same({"/cloud/group/" .. g.id, "/cloud/group/" .. g.id}, {put.path, get.path})
      assert.same({name = "lua-fam2", description = "e", accountIds = {account.id}}, requests.body_of(put))
      srv.clear()
      local req = client.account_groups:update(g.id, {name = "lua-fam3"}, {dry_run = true})
      assert.same({"PUT", "/cloud/group/" .. g.id}, {req.method, req.path})
      assert.equal(0, #srv.requests())
      local none, err = client.account_groups:update("no-such-group", {name = "x", accountIds = {account.id}})
      assert.is_nil(none)
      assert.equal(400, err.status)

      srv.clear()
      local found = assert(client.account_groups:by_name("lua-fam2"))
      assert.equal(g.id, found.id)
      requests.check(only("/cloud/group/name"), "get-account-group-name")
      assert.is_nil(client.account_groups:by_name("nope"))

      local n = 0
      for _ in client.account_groups:each() do n = n + 1 end
      assert.equal(#groups + 1, n)

      srv.clear()
      assert.same({method = "DELETE", path = "/cloud/group/" .. g.id},
        client.account_groups:delete(g.id, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.is_true(client.account_groups:delete(g.id))
      requests.check(only("/cloud/group/" .. g.id), "delete-account-group")
    end)

    it("update: a PUT applied whose read-back fails is nil, err with err.written", function()
      local g = client.account_groups:list()[1]
      srv.clear()
      srv.fault{path = "/cloud/group/" .. g.id, method = "GET", status = 503, times = 1}
      local none, err = client.account_groups:update(g.id, {name = g.name, description = "written",
                                                             accountIds = g.accountIds})
      assert.is_nil(none)
      assert.is_true(err.written)
      assert.equal(503, err.status)
      assert.truthy(err.message:find("^updated; reading it back failed: "), err.message)
      requests.sequence(srv, "update-account-group", "get-account-group")
      assert.equal("written", assert(client.account_groups:get(g.id)).description)
      -- a PUT that fails is no write
      srv.clear()
      srv.fault{path = "/cloud/group/" .. g.id, method = "PUT", status = 500, times = 1}
      none, err = client.account_groups:update(g.id, {name = g.name, accountIds = g.accountIds})
      assert.is_nil(none)
      assert.is_nil(err.written)
    end)

    it("surfaces API errors as nil, err", function()
      local dup = client.account_groups:list()[1].name
      local g, err = client.account_groups:create{name = dup}
      assert.is_nil(g)
      assert.equal("invalid_request", err.kind)
      assert.equal("account_group_name_already_exists", err.code)
    end)
  end)

  describe("account_groups: names", function()
    it("names: all, or those holding an account of one cloud type", function()
      local all = assert(client.account_groups:names())
      requests.check(only("/cloud/group/name"), "get-account-group-name")
      local azure = assert(client.account_groups:names("AZURE"))
      requests.check(only("/cloud/group/name/azure"), "get-account-group-name-by-cloudType")
      assert.is_true(#azure > 0 and #azure < #all)
      for _, g in ipairs(azure) do
        local members = client.account_groups:get(g.id).accounts
        local ok = false
        for _, a in ipairs(members) do ok = ok or a.type == "azure" end
        assert.is_true(ok)
      end
      srv.clear()
      assert.error_matches(function() client.account_groups:names("vax") end,
        "path parameter 'cloud_type' is 'vax'; allowed values: aws, azure, gcp", 1, true)
      assert.equal(0, #srv.requests()) -- outside the documented enum: raised, nothing sent
      assert.has_error(function() client.account_groups:names(3) end,
        "bad argument #1 to 'names' (cloud type string expected, got number)")
    end)
  end)
end)
