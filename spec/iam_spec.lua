-- The identity families (client.users, .roles, .permission_groups,
-- .access_keys) against the emulator over real sockets: every verb sends
-- what the catalog defines, dry runs send nothing, documented errors come
-- back as nil, err, name lookups work, and a new access key's secret never
-- shows in a string the library made.
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local prismacloud = require "prismacloud"

local body_of, query_of = requests.body_of, requests.query_of

describe("identity families", function()
  local fx = server.fixture{}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  -- The one request the client sent since the last clear (the login aside), checked against the catalog.
  local sent, nothing_sent = fx.sent, fx.nothing_sent

  local function role_id(name)
    for _, r in ipairs(assert(client.roles:list())) do
      if r.name == name then return r.id end
    end
    error("no role " .. name)
  end

  describe("users", function()
    it("list and each walk the users once; get by email", function()
      local list = assert(client.users:list())
      sent("get-user-profiles-v2")
      assert.is_true(#list >= 3)
      srv.clear()
      local seen, n = {}, 0
      for u in client.users:each() do
        assert.is_nil(seen[u.email], "duplicate " .. tostring(u.email))
        seen[u.email] = true
        n = n + 1
      end
      assert.equal(#list, n)
      sent("get-user-profiles-v2")
      local it = client.users:each{max_items = 2}
      assert.is_table(it:next())
      assert.is_table(it:next())
      assert.is_nil(it:next())

      srv.clear()
      local alice = assert(client.users:get("alice@example.com"))
      local e = sent("get-user-profile-v2")
      assert.equal("/v2/user/alice%40example.com", e.path)
      assert.equal("alice@example.com", alice.email)
      assert.equal("System Admin", alice.roles[1].name)
    end)

    it("create, update, set_enabled, delete send what the catalog defines", function()
      local dev = role_id("Developer")
      srv.clear()
      local user = {email = "dana@example.com", firstName = "Dana", lastName = "Scully", timeZone = "UTC",
                    roleIds = {dev}, defaultRoleId = dev}
      assert.is_true(client.users:create(user))
      assert.same(user, body_of(sent("add-user-v2")))

      -- PUT replaces the profile: the user is read, and written back whole with the change over it
      srv.clear()
      assert.is_true(client.users:update("dana@example.com", {lastName = "Mulder"}))
      local read, e = requests.sequence(srv, "get-user-profile-v2", "update-profile-v2")
      assert.equal("/v2/user/dana%40example.com", read.path)
      assert.equal("/v2/user/dana%40example.com", e.path)
      assert.same({email = "dana@example.com", firstName = "Dana", lastName = "Mulder", timeZone = "UTC",
                   roleIds = {dev}, defaultRoleId = dev, accessKeysAllowed = false}, body_of(e))
      local dana = client.users:get("dana@example.com")
      assert.same({"Dana", "Mulder", "UTC", {dev}}, {dana.firstName, dana.lastName, dana.timeZone, dana.roleIds})

      srv.clear()
      assert.is_true(client.users:set_enabled("dana@example.com", false))
      assert.equal("/user/dana%40example.com/status/false", sent("update-user-profile").path)
      assert.is_false(client.users:get("dana@example.com").enabled)

      srv.clear()
      assert.is_true(client.users:delete("dana@example.com"))
      assert.equal("DELETE", sent("delete-user").method)
      local gone, err = client.users:get("dana@example.com")
      assert.is_nil(gone)
      assert.equal(400, err.status)
      assert.equal("user_inactive_or_not_exist", err.code)
    end)

    it("dry_run returns the request and sends nothing", function()
      local req = client.users:create({email = "x@example.com"}, {dry_run = true})
      assert.same({method = "POST", path = "/v2/user", body = {email = "x@example.com"}}, req)
      -- an update reads the user (a dry run too: the PUT it returns is the one it would send)
      local bob = assert(client.users:list())[2]
      srv.clear()
      req = client.users:update(bob.email, {firstName = "X"}, {dry_run = true})
      assert.equal("/v2/user/" .. bob.email:gsub("@", "%%40"), req.path)
      assert.equal("PUT", req.method)
      assert.same({email = bob.email, firstName = "X", lastName = bob.lastName, timeZone = bob.timeZone,
                   roleIds = bob.roleIds, defaultRoleId = bob.defaultRoleId,
                   accessKeysAllowed = bob.accessKeysAllowed}, req.body)
      sent("get-user-profile-v2")
      srv.clear()
      req = client.users:update_me({firstName = "A"}, {dry_run = true})
      assert.same({"PUT", "/user/me", "A"}, {req.method, req.path, req.body.firstName})
      sent("get-my-profile")
      srv.clear()
      assert.equal("/user/x%40example.com/status/true",
                   client.users:set_enabled("x@example.com", true, {dry_run = true}).path)
      assert.equal("DELETE", client.users:delete("x@example.com", {dry_run = true}).method)
      assert.equal("/user/saml/bypass", client.users:set_sso_bypass({"a@example.com"}, {dry_run = true}).path)
      assert.equal("/v3/user", client.users:create_account({type = "SERVICE_ACCOUNT"}, {dry_run = true}).path)
      nothing_sent()
    end)

    it("documented errors come back as nil, err", function()
      local admin = role_id("System Admin")
      srv.clear()
      local ok, err = client.users:create{email = "alice@example.com", firstName = "A", lastName = "B",
                                          timeZone = "UTC", roleIds = {admin}, defaultRoleId = admin}
      assert.is_nil(ok)
      assert.equal(409, err.status)
      assert.equal("duplicate_user_name", err.code)
      ok, err = client.users:create{email = "not-an-email", firstName = "A"}
      assert.is_nil(ok)
      assert.equal("wrong_email_format", err.code)
      ok, err = client.users:delete("alice@example.com") -- the caller (the emulator's key belongs to alice)
      assert.is_nil(ok)
      assert.equal(403, err.status)
      assert.equal("cannot_delete_own_profile", err.code)
      ok, err = client.users:set_enabled("alice@example.com", false)
      assert.is_nil(ok)
      assert.equal("cannot_disable_own_profile", err.code)
      local dev = role_id("Developer")
      ok, err = client.users:update("alice@example.com", {roleIds = {dev}, defaultRoleId = dev})
      assert.is_nil(ok)
      assert.equal(403, err.status)
      assert.equal("cannot_remove_current_log_in_role", err.code)
      ok, err = client.users:update("nobody@example.com", {firstName = "N"})
      assert.is_nil(ok)
      assert.equal("user_inactive_or_not_exist", err.code)
    end)

    it("me, update_me, names, domains, sso_bypass", function()
      local me = assert(client.users:me())
      sent("get-my-profile")
      assert.equal("alice@example.com", me.email)

      srv.clear()
      assert.is_true(client.users:update_me{timeZone = "Europe/Paris"})
      local _, put = requests.sequence(srv, "get-my-profile", "update-my-profile")
      assert.same({email = me.email, firstName = me.firstName, lastName = me.lastName, timeZone = "Europe/Paris",
                   roleIds = me.roleIds, defaultRoleId = me.defaultRoleId,
                   accessKeysAllowed = me.accessKeysAllowed}, body_of(put))
      assert.equal("Europe/Paris", client.users:me().timeZone)
      local ok, err = client.users:update_me{timeZone = "Mars"}
      assert.is_nil(ok)
      assert.equal("invalid_time_zone", err.code)

      srv.clear()
      local names = assert(client.users:names())
      sent("get-usernames")
      local emails = {}
      for _, n in ipairs(names) do emails[n.email] = n.displayName end
      assert.equal("Bob Example", emails["bob@example.com"])

      srv.clear()
      assert.same({"example.com"}, client.users:domains())
      sent("email-domains")

      srv.clear()
      assert.is_true(client.users:set_sso_bypass{"bob@example.com", "carol@example.com"})
      assert.same({"bob@example.com", "carol@example.com"}, body_of(sent("update-sso-bypass-allowed-users")))
      srv.clear()
      assert.same({"bob@example.com", "carol@example.com"}, client.users:sso_bypass())
      sent("get-sso-bypass-allowed-users")
      ok, err = client.users:set_sso_bypass{}
      assert.is_nil(ok)
      assert.equal("missing_sso_bypass_allowed_users", err.code)
    end)

    it("accounts and create_account: a service account's secret is returned once and never shown", function()
      local dev = role_id("Developer")
      srv.clear()
      local key = assert(client.users:create_account{type = "SERVICE_ACCOUNT", username = "svc-ci",
                                                     accessKeyName = "svc-ci-key", defaultRoleId = dev,
                                                     timeZone = "UTC"})
      assert.equal("SERVICE_ACCOUNT", body_of(sent("add-user-v3")).type)
      assert.is_string(key.id)
      assert.is_true(#key.secretKey >= 16)
      assert.is_nil(tostring(key):find(key.secretKey, 1, true))
      assert.truthy(tostring(key):find(key.id, 1, true))

      srv.clear()
      local found
      for _, a in ipairs(assert(client.users:accounts())) do
        if a.username == "svc-ci" then found = a end
      end
      sent("get-user-profiles-v3")
      assert.equal("SERVICE_ACCOUNT", found.type)
      assert.equal(1, found.accessKeysCount)
      -- a service account is no v2 user
      for _, u in ipairs(client.users:list()) do assert.is_not.equal("svc-ci", u.email) end
      assert.is_true(client.users:delete("svc-ci"))
    end)

    it("update writes only roles it can tell: an answer without them gives nil, err and no PUT", function()
      local ALICE = "/v2/user/alice%40example.com"
      local function answer(body)
        srv.clear()
        srv.fault{path = ALICE, method = "GET", status = 200, headers = {["Content-Type"] = "application/json"},
                  body = body, times = 1}
      end
      local function only_the_read()
        local log = srv.requests()
        assert.equal(1, #log)
        assert.equal("GET", log[1].method)
      end
      -- the reference's UserProfileModel: one roleId, whatever roles the user holds
      local single = {email = "alice@example.com", firstName = "Alice", lastName = "Example", timeZone = "UTC",
                      roleId = "role-a", roleType = "System Admin", enabled = true, accessKeysAllowed = true}
      answer(single)
      local ok, err = client.users:update("alice@example.com", {firstName = "Alicia"})
      assert.is_nil(ok)
      assert.equal("invalid_request", err.kind)
      assert.equal("cannot tell the user's roles from the answer; give roleIds", err.message)
      only_the_read()
      -- with roleIds given it can: the single roleId stays the default when the roles hold it
      answer(single)
      local req = assert(client.users:update("alice@example.com",
                                             {firstName = "Alicia", roleIds = {"role-b", "role-a"}}, {dry_run = true}))
      assert.same({email = "alice@example.com", firstName = "Alicia", lastName = "Example", timeZone = "UTC",
                   roleIds = {"role-b", "role-a"}, defaultRoleId = "role-a", accessKeysAllowed = true}, req.body)
      only_the_read()
      -- no profile, or roles that are no role ids: nil, err (never a raise, never a PUT)
      for _, body in ipairs{{}, {1, 2}, {email = "alice@example.com", roles = {7}},
                            {email = "alice@example.com", roleIds = {7}},
                            {email = "alice@example.com", roleIds = "r"},
                            {email = "alice@example.com", roleIds = {}}} do
        answer(body)
        local called, none, e = pcall(client.users.update, client.users, "alice@example.com", {firstName = "X"})
        assert.is_true(called, tostring(none))
        assert.is_nil(none)
        assert.is_true(e.kind == "decode" or e.kind == "invalid_request", tostring(e))
        only_the_read()
      end
      srv.clear()
      srv.fault{path = "/user/me", method = "GET", status = 200, headers = {["Content-Type"] = "application/json"},
                body = {}, times = 1}
      ok, err = client.users:update_me{timeZone = "UTC"}
      assert.is_nil(ok)
      assert.equal("decode", err.kind)
      only_the_read()
      -- fields with integer keys are a mistake: raised before anything is sent
      srv.clear()
      assert.has_error(function() client.users:update("alice@example.com", {"firstName"}) end,
                       "bad argument #2 to 'update' (table of profile fields expected, got a table with integer keys)")
      assert.has_error(function() client.users:update_me{[1] = "x"} end, "bad argument #1 to 'update_me' "
                       .. "(table of profile fields expected, got a table with integer keys)")
      nothing_sent()
    end)

    it("update given roleIds without defaultRoleId makes roleIds[1] the default unless they hold it", function()
      local dev = role_id("Developer")
      local carol = assert(client.users:get("carol@example.com"))
      assert.is_not.equal(dev, carol.defaultRoleId)
      local old_roles, old_default = carol.roleIds, carol.defaultRoleId
      srv.clear()
      -- the roles hold the default: it stays
      local req = client.users:update(carol.email, {roleIds = {dev, old_default}}, {dry_run = true})
      assert.equal(old_default, req.body.defaultRoleId)
      -- they do not: roleIds[1], which the API takes
      srv.clear()
      assert.is_true(client.users:update(carol.email, {roleIds = {dev}}))
      local _, put = requests.sequence(srv, "get-user-profile-v2", "update-profile-v2")
      assert.same({{dev}, dev}, {body_of(put).roleIds, body_of(put).defaultRoleId})
      local now = client.users:get(carol.email)
      assert.same({{dev}, dev}, {now.roleIds, now.defaultRoleId})
      -- a default given is sent as given
      req = client.users:update(carol.email, {roleIds = old_roles, defaultRoleId = old_default}, {dry_run = true})
      assert.equal(old_default, req.body.defaultRoleId)
      assert.is_true(client.users:update(carol.email, {roleIds = old_roles}))
      assert.equal(old_default, client.users:get(carol.email).defaultRoleId)
    end)

    it("update leaves out the read-only fields of the PUT (a whole answer handed back; enabled)", function()
      -- MultiRoleUserProfile's readOnly properties
      local ro = {enabled = true, lastModifiedTs = true, lastModifiedBy = true, lastLoginTs = true, roles = true,
                  displayName = true}
      local bob = assert(client.users:get("bob@example.com"))
      assert.is_not_nil(bob.enabled)
      assert.is_not_nil(bob.lastModifiedTs)
      bob.lastName = "Edited"
      srv.clear()
      local req = client.users:update(bob.email, bob, {dry_run = true})
      for k in pairs(ro) do assert.is_nil(req.body[k], k) end
      assert.equal("Edited", req.body.lastName)
      req = client.users:update(bob.email, {enabled = false, lastLoginTs = 1}, {dry_run = true})
      assert.is_nil(req.body.enabled)
      assert.is_nil(req.body.lastLoginTs)
      req = client.users:update_me({enabled = false, displayName = "x"}, {dry_run = true})
      assert.is_nil(req.body.enabled)
      assert.is_nil(req.body.displayName)
      srv.clear()
      assert.is_true(client.users:update(bob.email, bob))
      local _, put = requests.sequence(srv, "get-user-profile-v2", "update-profile-v2")
      for k in pairs(ro) do assert.is_nil(body_of(put)[k], k) end
      -- verbs.read_only reads them from the reference
      assert.same(ro, require("prismacloud.verbs").read_only("update-profile-v2"))
    end)

    it("bad arguments raise naming the argument", function()
      assert.has_error(function() client.users:get(nil) end,
                       "bad argument #1 to 'get' (email string expected, got nil)")
      assert.has_error(function() client.users:set_enabled("a@b.c", "yes") end,
                       "bad argument #2 to 'set_enabled' (boolean expected, got string)")
      assert.has_error(function() client.users:create(nil) end, "bad argument #1 to 'create' (table expected, got nil)")
      assert.has_error(function() client.users:create({}, {dry = true}) end, "unknown option 'dry' to 'create'")
    end)
  end)

  describe("roles", function()
    it("list, each, get, names, types", function()
      local list = assert(client.roles:list())
      sent("get-user-roles")
      srv.clear()
      local n = 0
      for r in client.roles:each() do
        n = n + 1
        assert.is_string(r.id)
      end
      assert.equal(#list, n)
      sent("get-user-roles")

      srv.clear()
      local r = assert(client.roles:get(list[1].id))
      sent("get-user-role")
      assert.equal(list[1].name, r.name)

      srv.clear()
      local names = assert(client.roles:names())
      sent("get-user-role-name")
      assert.equal(#list, #names)
      srv.clear()
      local types = assert(client.roles:types())
      sent("get-user-role-types")
      local set = {}
      for _, t in ipairs(types) do set[t] = true end
      assert.is_true(set.SYSTEM_ADMIN)
      assert.is_true(set.DEVELOPER)
    end)

    it("create, by_name, update, delete; errors as documented", function()
      local group = client.account_groups:list()[1].id
      srv.clear()
      local role = {name = "Auditors", roleType = "Account Group Read Only", accountGroupIds = {group},
                    description = "read only"}
      assert.is_true(client.roles:create(role))
      assert.same(role, body_of(sent("add-user-role")))

      srv.clear()
      local got = assert(client.roles:by_name("Auditors"))
      local log = srv.requests()
      assert.equal(2, #log)
      requests.check(log[1], "get-user-role-name")
      requests.check(log[2], "get-user-role")
      assert.equal("read only", got.description)
      assert.is_nil(client.roles:by_name("No Such Role"))

      srv.clear()
      got.name = "Auditors 2"
      assert.is_true(client.roles:update(got.id, {name = got.name, roleType = got.roleType,
                                                  accountGroupIds = got.accountGroupIds}))
      assert.equal("Auditors 2", body_of(sent("update-user-role")).name)

      local ok, err = client.roles:create{name = "auditors 2", roleType = "Developer", accountGroupIds = {}}
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("user_role_name_already_exists", err.code)
      ok, err = client.roles:create{name = "Emperors", roleType = "Emperor", accountGroupIds = {}}
      assert.is_nil(ok)
      assert.equal("invalid_user_role_type", err.code)
      ok, err = client.roles:delete(role_id("System Admin"))
      assert.is_nil(ok)
      assert.equal("cannot_delete_role_users_associated", err.code)

      srv.clear()
      assert.is_true(client.roles:delete(got.id))
      sent("delete-user-role")
      ok, err = client.roles:get(got.id)
      assert.is_nil(ok)
      assert.equal("invalid_id", err.code)
    end)

    it("dry_run sends nothing", function()
      assert.equal("POST", client.roles:create({name = "x"}, {dry_run = true}).method)
      assert.equal("/user/role/r1", client.roles:update("r1", {name = "x"}, {dry_run = true}).path)
      assert.equal("DELETE", client.roles:delete("r1", {dry_run = true}).method)
      nothing_sent()
    end)
  end)

  describe("permission_groups", function()
    it("list (with roles and features), each, get, features", function()
      local list = assert(client.permission_groups:list())
      sent("getAll")
      assert.is_true(#list >= 8)
      assert.is_nil(list[1].features)

      srv.clear()
      local full = assert(client.permission_groups:list{roles = true, features = true})
      local e = sent("getAll")
      assert.same({includeAssociatedRoles = "true", includeFeatures = "true"}, query_of(e))
      assert.is_table(full[1].features)
      assert.is_table(full[1].associatedRoles)

      srv.clear()
      local n = 0
      for g in client.permission_groups:each{features = true} do
        n = n + 1
        assert.is_table(g.features)
      end
      assert.equal(#list, n)
      assert.same({includeFeatures = "true"}, query_of(sent("getAll")))

      srv.clear()
      local g = assert(client.permission_groups:get(list[1].id, {roles = true}))
      assert.same({includeAssociatedRoles = "true"}, query_of(sent("get_1")))
      assert.equal(list[1].name, g.name)

      srv.clear()
      local features = assert(client.permission_groups:features())
      sent("getFeatures")
      assert.is_true(#features > 5)
    end)

    it("create, by_name, update (a role follows a rename), delete; errors", function()
      local group = {name = "Readers", description = "read alerts",
                     features = {{featureName = "alerts", operations = {READ = true}}}}
      assert.is_true(client.permission_groups:create(group))
      assert.same(group, body_of(sent("save")))

      srv.clear()
      local g = assert(client.permission_groups:by_name("Readers"))
      sent("getAll")
      assert.equal("Custom", g.type)
      assert.is_nil(client.permission_groups:by_name("Nope"))

      -- a role uses the group by naming it as its roleType
      assert.is_true(client.roles:create{name = "Reader role", roleType = "Readers",
                                         accountGroupIds = require("prismacloud.json").empty_array})
      srv.clear()
      assert.is_true(client.permission_groups:update(g.id, {name = "Readers 2",
        features = {{featureName = "alerts", operations = {READ = true, UPDATE = true}}}}))
      sent("update")
      assert.equal("Readers 2", client.roles:by_name("Reader role").roleType)
      local detail = client.permission_groups:get(g.id, {roles = true})
      assert.is_true(detail.features[1].operations.UPDATE)
      assert.equal("Reader role", detail.associatedRoles[client.roles:by_name("Reader role").id])

      local ok, err = client.permission_groups:delete(g.id)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      assert.is_true(client.roles:delete(client.roles:by_name("Reader role").id))
      srv.clear()
      assert.is_true(client.permission_groups:delete(g.id))
      sent("deletePermissionGroup")

      ok, err = client.permission_groups:get(g.id)
      assert.is_nil(ok)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
      ok, err = client.permission_groups:create{name = "Alert Triage", features = {{featureName = "alerts",
                                                                                  operations = {READ = true}}}}
      assert.is_nil(ok)
      assert.equal(409, err.status)
      assert.equal("duplicate_name", err.code)
      ok, err = client.permission_groups:create{name = "Bad", features = {{featureName = "time travel",
                                                                         operations = {READ = true}}}}
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.permission_groups:update(client.permission_groups:by_name("System Admin").id,
                                                {name = "Mine", features = {}})
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("dry_run sends nothing", function()
      assert.equal("/authz/v1/permission_group", client.permission_groups:create({name = "x"}, {dry_run = true}).path)
      assert.equal("PUT", client.permission_groups:update("g", {name = "x"}, {dry_run = true}).method)
      assert.equal("DELETE", client.permission_groups:delete("g", {dry_run = true}).method)
      nothing_sent()
    end)
  end)

  describe("access_keys", function()
    it("list, each, get, by_name", function()
      local list = assert(client.access_keys:list())
      sent("get-my-access-keys")
      assert.is_true(#list >= 4) -- a System Admin sees every key
      local names = {}
      for _, k in ipairs(list) do names[k.name] = k end
      assert.equal("expired", names["carol-old"].status)
      assert.equal("alice@example.com", names.emulator.username)

      srv.clear()
      local n = 0
      for _ in client.access_keys:each() do n = n + 1 end
      assert.equal(#list, n)
      sent("get-my-access-keys")

      srv.clear()
      local k = assert(client.access_keys:get(names["bob-automation"].id))
      sent("get-access-key-by-id")
      assert.equal("bob-automation", k.name)

      srv.clear()
      assert.equal(names["bob-automation"].id, client.access_keys:by_name("bob-automation").id)
      sent("get-my-access-keys")
      assert.is_nil(client.access_keys:by_name("nope"))
    end)

    it("create returns the secret once; no string the library makes shows it", function()
      local key = assert(client.access_keys:create{name = "ci-key", expiresOn = (os.time() + 86400) * 1000})
      assert.same("ci-key", body_of(sent("add-access-keys")).name)
      local secret = key.secretKey
      assert.is_string(secret)
      assert.is_true(#secret >= 16)
      assert.equal("prismacloud.NewAccessKey " .. key.id .. " (secret hidden)", tostring(key))

      -- nothing later carries it: the listing, the key, an error about it
      local texts = {tostring(key), prismacloud.json.encode((client.access_keys:list())),
                     prismacloud.json.encode((client.access_keys:get(key.id)))}
      local _, err = client.access_keys:create{name = "ci-key"}
      texts[#texts + 1] = tostring(err)
      texts[#texts + 1] = tostring(err.message)
      local _, err2 = client.access_keys:set_enabled(key.id .. "x", true)
      texts[#texts + 1] = tostring(err2)
      for _, text in ipairs(texts) do assert.is_nil(text:find(secret, 1, true)) end
      assert.equal(409, err.status)
      assert.equal("duplicate_access_key_name", err.code)

      -- the caller has two keys now (the emulator's own and this one): a third is refused
      local ok, e3 = client.access_keys:create("ci-key-2")
      assert.is_nil(ok)
      assert.equal(400, e3.status)
      assert.equal("already_have_two_access_keys", e3.code)
      -- a key for a service account, named as a string or in the table
      local svc = assert(client.access_keys:create{name = "svc-2", serviceAccountName = "svc-scanner"})
      assert.is_nil(tostring(svc):find(svc.secretKey, 1, true))
      assert.equal("svc-scanner", client.access_keys:by_name("svc-2").username)
      assert.is_true(client.access_keys:delete(svc.id))
    end)

    it("set_enabled and delete; errors as documented", function()
      local key = assert(client.access_keys:by_name("ci-key"))
      srv.clear()
      assert.is_true(client.access_keys:set_enabled(key.id, false))
      local e = sent("update-access-key-status")
      assert.equal("/access_keys/" .. key.id .. "/status/false", e.path)
      assert.equal("inactive", client.access_keys:by_name("ci-key").status)

      local carol = client.access_keys:by_name("carol-old")
      local ok, err = client.access_keys:set_enabled(carol.id, true)
      assert.is_nil(ok)
      assert.equal("invalid_expiry_access_key", err.code)
      ok, err = client.access_keys:create{name = "past", expiresOn = 1000}
      assert.is_nil(ok)
      assert.equal("invalid_expiry_access_key", err.code)
      ok, err = client.access_keys:create{name = ("x"):rep(101)}
      assert.is_nil(ok)
      assert.equal("invalid_access_key_name_length", err.code)
      ok, err = client.access_keys:create{name = "bad/name"}
      assert.is_nil(ok)
      assert.equal("invalid_access_key_name", err.code)

      srv.clear()
      assert.is_true(client.access_keys:delete(key.id))
      sent("delete-access-keys")
      ok, err = client.access_keys:get(key.id)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("user_inactive_or_not_exist", err.code)
    end)

    it("the client's trace of creating a key never shows the secret", function()
      local lines = {}
      local traced <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                                             retries = 0, trace = function(line) lines[#lines + 1] = line end}
      local key = assert(traced.access_keys:create("traced"))
      assert.is_true(#lines > 0)
      local all = table.concat(lines, "\n")
      assert.truthy(all:find("POST /access_keys", 1, true))
      assert.is_nil(all:find(key.secretKey, 1, true))
      assert.is_true(traced.access_keys:delete(key.id))
    end)

    it("dry_run sends nothing and carries no secret", function()
      local req = client.access_keys:create("k", {dry_run = true})
      assert.same({method = "POST", path = "/access_keys", body = {name = "k"}}, req)
      assert.equal("/access_keys/a/status/true", client.access_keys:set_enabled("a", true, {dry_run = true}).path)
      assert.equal("DELETE", client.access_keys:delete("a", {dry_run = true}).method)
      nothing_sent()
      assert.has_error(function() client.access_keys:create(42) end,
                       "bad argument #1 to 'create' (name or table expected, got number)")
    end)
  end)
end)
