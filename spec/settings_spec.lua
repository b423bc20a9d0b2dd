-- The tenant-settings families (client.settings, client.trusted_ips) against
-- the emulator over real sockets: every verb sends what the catalog
-- defines, dry runs send nothing, documented errors come back as nil, err,
-- and name lookups work.
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local prismacloud = require "prismacloud"

local body_of, query_of = requests.body_of, requests.query_of

describe("settings families", function()
  local fx = server.fixture{}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  -- The one request sent since the last clear, checked against the catalog.
  local sent, nothing_sent = fx.sent, fx.nothing_sent

  describe("settings", function()
    it("get and update the enterprise settings", function()
      local s = assert(client.settings:get())
      sent("get-enterprise-settings")
      assert.equal(30, s.sessionTimeout)
      assert.is_true(s.defaultPoliciesEnabled.high)

      srv.clear()
      assert.is_true(client.settings:update{sessionTimeout = 60, defaultPoliciesEnabled = {low = true}})
      assert.same({sessionTimeout = 60, defaultPoliciesEnabled = {low = true}},
                  body_of(sent("update-enterprise-settings")))
      local after = client.settings:get()
      assert.equal(60, after.sessionTimeout)
      assert.is_true(after.defaultPoliciesEnabled.low)
      assert.is_true(after.defaultPoliciesEnabled.high)

      -- what get returned, edited, goes back unchanged otherwise
      after.requireAlertDismissalNote = false
      assert.is_true(client.settings:update(after))
      assert.same(after, client.settings:get())

      local ok, err = client.settings:update{sessionTimeout = "forever"}
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("bad_request", err.code)
    end)

    it("anomaly settings by type and by policy", function()
      local all = assert(client.settings:anomalies("UEBA"))
      assert.same({type = "UEBA"}, query_of(sent("getAllAnomaliesSettings")))
      local id, a = next(all)
      assert.is_string(id)
      assert.equal("Moderate", a.alertDisposition)
      local n = 0
      for _ in pairs(all) do n = n + 1 end
      assert.equal(4, n)

      srv.clear()
      assert.equal(a.policyName, client.settings:anomaly(id).policyName)
      assert.equal("/anomalies/settings/" .. id, sent("getAnomaliesSettings").path)

      srv.clear()
      assert.is_true(client.settings:update_anomaly(id, {alertDisposition = "Conservative",
                                                          trainingModelThreshold = "High"}))
      assert.same({alertDisposition = "Conservative", trainingModelThreshold = "High"},
                  body_of(sent("updateSettings")))
      assert.equal("Conservative", client.settings:anomaly(id).alertDisposition)
      assert.equal("High", client.settings:anomalies("UEBA")[id].trainingModelThreshold)

      local ok, err = client.settings:anomalies("Weather")
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.settings:anomaly("no-such-policy")
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.settings:update_anomaly(id, {alertDisposition = "Reckless"})
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.settings:update_anomaly(id, {})
      assert.is_nil(ok)
      assert.equal("missing_required_parameter", err.code)
    end)

    it("anomaly trusted lists: types, policies, list, get, by_name, add, update, delete", function()
      local types = assert(client.settings:trusted_list_types())
      sent("getAllowedTrustedListTypes")
      assert.equal("ip", types.ip.name)
      assert.is_table(types.domain.applicableCategories)

      srv.clear()
      local policies = assert(client.settings:trusted_list_policies("domain"))
      assert.same({trustedListType = "domain"}, query_of(sent("get-policies-anomalies")))
      local names = {}
      for _, n in pairs(policies) do names[#names + 1] = n end
      table.sort(names)
      assert.same({"DGA domain lookups", "DNS tunneling"}, names)
      local dns_policy = next(policies)

      srv.clear()
      local lists = assert(client.settings:trusted_lists())
      sent("getAllWhitelistEntries")
      assert.equal("Vulnerability scanner", lists[1].name)
      srv.clear()
      assert.same(lists[1], client.settings:trusted_list(lists[1].id))
      assert.equal("/anomalies/trusted_list/" .. lists[1].id, sent("getWhitelistEntryById").path)
      srv.clear()
      assert.equal(lists[1].id, client.settings:trusted_list_by_name("Vulnerability scanner").id)
      sent("getAllWhitelistEntries")
      assert.is_nil(client.settings:trusted_list_by_name("nope"))

      srv.clear()
      local list = {name = "CDN", trustedListType = "domain", applicablePolicies = {dns_policy},
                    trustedListEntries = {{domain = "cdn.example.com"}}, description = "our CDN"}
      local ids = assert(client.settings:add_trusted_list(list))
      assert.same(list, body_of(sent("addToTrustedList")))
      local id = ids[1]
      assert.equal("integer", math.type(id))
      assert.equal("cdn.example.com", client.settings:trusted_list(id).trustedListEntries[1].domain)

      srv.clear()
      list.trustedListEntries = {{domain = "cdn.example.com"}, {domain = "static.example.com"}}
      assert.same({id}, client.settings:update_trusted_list(id, list))
      sent("updateWhitelist")
      assert.equal(2, #client.settings:trusted_list_by_name("CDN").trustedListEntries)

      srv.clear()
      assert.is_true(client.settings:delete_trusted_list(id))
      sent("deleteFromTrustedList")
      local ok, err = client.settings:trusted_list(id)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)

      -- an entry must carry its type's field; the policies must be ones the type applies to
      ok, err = client.settings:add_trusted_list{name = "x", trustedListType = "ip", applicablePolicies = {dns_policy},
                                                 trustedListEntries = {{ipCIDR = "203.0.113.0/24"}}}
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      local port_scan = next((client.settings:trusted_list_policies("port")))
      ok, err = client.settings:add_trusted_list{name = "x", trustedListType = "port", applicablePolicies = {port_scan},
                                                 trustedListEntries = {{domain = "a.example"}}}
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.settings:add_trusted_list{trustedListType = "port"}
      assert.is_nil(ok)
      assert.equal("missing_required_parameter", err.code)
      ok, err = client.settings:trusted_list_policies("weather")
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("SAML: saml, create_saml, update_saml", function()
      local cfg = assert(client.settings:saml())
      sent("get-saml-config")
      assert.is_false(cfg.enabled)
      assert.is_string(cfg.audienceUri)

      local saml = {identityProvider = "https://idp.example.com/issuer", enabled = true,
                    certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                    redLockAccessSamlUrl = "https://idp.example.com/app"}
      local ok, err = client.settings:update_saml(saml)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)

      srv.clear()
      assert.is_true(client.settings:create_saml(saml))
      assert.same(saml, body_of(sent("create-saml-config")))
      assert.is_true(client.settings:saml().enabled)
      ok, err = client.settings:create_saml(saml)
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)

      srv.clear()
      saml.enabled = false
      assert.is_true(client.settings:update_saml(saml))
      assert.is_false(body_of(sent("update-saml-config")).enabled)
      assert.is_false(client.settings:saml().enabled)
      ok, err = client.settings:update_saml{identityProvider = "https://idp.example.com", certificate = "nope"}
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.settings:update_saml{certificate = saml.certificate}
      assert.is_nil(ok)
      assert.equal("missing_required_parameter", err.code)
    end)

    it("OpenID Connect: oidc, create_oidc, update_oidc, patch_oidc, oidc_login_url; a write-only secret", function()
      local ok, err = client.settings:oidc()
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("not_found", err.code)

      local secret = "s3cr3t-client-value"
      local oidc = {clientId = "pc", clientSecret = secret, issuer = "https://idp.example.com",
                    scopes = {"openid", "email"}, idpAuthUri = "https://idp.example.com/auth",
                    tokenUri = "https://idp.example.com/token", isActive = true}
      srv.clear()
      local id = assert(client.settings:create_oidc(oidc))
      assert.same(oidc, body_of(sent("create-oauth2-config")))
      assert.is_string(id)

      srv.clear()
      local got = assert(client.settings:oidc())
      sent("get-oauth2-config")
      assert.equal(id, got.id)
      assert.is_false(got.clientSecretIsBlank)
      assert.is_nil(got.clientSecret)
      assert.is_nil(prismacloud.json.encode(got):find(secret, 1, true))

      srv.clear()
      assert.is_true(client.settings:patch_oidc{isJitEnabled = true, jitRoleClaimName = "pc_role"})
      assert.same({isJitEnabled = true, jitRoleClaimName = "pc_role"}, body_of(sent("patch-oauth2-config")))
      assert.equal("pc_role", client.settings:oidc().jitRoleClaimName)

      srv.clear()
      oidc.clientSecret = nil
      oidc.scopes = {"openid"}
      assert.is_true(client.settings:update_oidc(oidc))
      sent("update-oauth2-config")
      assert.same({"openid"}, client.settings:oidc().scopes)
      ok, err = client.settings:update_oidc{clientId = "pc"}
      assert.is_nil(ok)
      assert.equal("missing_required_parameter", err.code)
      ok, err = client.settings:patch_oidc{tokenUri = "http://plain.example.com"}
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
      ok, err = client.settings:create_oidc(oidc)
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)

      srv.clear()
      local login = assert(client.settings:oidc_login_url{user_name = "alice@example.com"})
      assert.same({user_name = "alice@example.com"}, query_of(sent("get-oidc-login-url")))
      assert.truthy(login.url:find(id, 1, true))
      assert.is_true(client.settings:patch_oidc{isActive = false})
      ok, err = client.settings:oidc_login_url()
      assert.is_nil(ok)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("dry_run sends nothing; bad arguments raise", function()
      assert.same({method = "POST", path = "/settings/enterprise", body = {sessionTimeout = 5}},
                  client.settings:update({sessionTimeout = 5}, {dry_run = true}))
      assert.equal("/anomalies/settings/p1", client.settings:update_anomaly("p1", {}, {dry_run = true}).path)
      assert.equal("/anomalies/trusted_list", client.settings:add_trusted_list({}, {dry_run = true}).path)
      assert.equal("/anomalies/trusted_list/7", client.settings:update_trusted_list(7, {}, {dry_run = true}).path)
      assert.equal("DELETE", client.settings:delete_trusted_list(7, {dry_run = true}).method)
      assert.equal("POST", client.settings:create_saml({}, {dry_run = true}).method)
      assert.equal("PUT", client.settings:update_saml({}, {dry_run = true}).method)
      assert.equal("POST", client.settings:create_oidc({}, {dry_run = true}).method)
      assert.equal("PUT", client.settings:update_oidc({}, {dry_run = true}).method)
      assert.equal("PATCH", client.settings:patch_oidc({}, {dry_run = true}).method)
      nothing_sent()
      assert.has_error(function() client.settings:trusted_list("7") end,
                       "bad argument #1 to 'trusted_list' (integer id expected, got string)")
      assert.has_error(function() client.settings:anomalies() end,
                       "bad argument #1 to 'anomalies' (string expected, got nil)")
      assert.has_error(function() client.settings:update("x") end,
                       "bad argument #1 to 'update' (table expected, got string)")
    end)
  end)

  describe("trusted_ips: networks and CIDR blocks", function()
    it("networks, each_network, network, network_by_name", function()
      local list = assert(client.trusted_ips:networks())
      sent("get-networks-list")
      assert.is_true(#list >= 2)
      srv.clear()
      local n = 0
      for net in client.trusted_ips:each_network() do
        n = n + 1
        assert.is_table(net.cidrs)
      end
      assert.equal(#list, n)
      sent("get-networks-list")

      srv.clear()
      local hq = assert(client.trusted_ips:network(list[1].uuid))
      sent("get-network-info")
      assert.equal(list[1].name, hq.name)
      srv.clear()
      assert.equal(hq.uuid, client.trusted_ips:network_by_name(hq.name).uuid)
      sent("get-networks-list")
      assert.is_nil(client.trusted_ips:network_by_name("No such network"))
    end)

    it("add_network, rename_network, add_cidr, update_cidr, delete_cidr", function()
      local net = assert(client.trusted_ips:add_network("Branch"))
      assert.same({name = "Branch"}, body_of(sent("add-a-network")))
      assert.is_string(net.uuid)
      assert.equal(0, #net.cidrs)

      srv.clear()
      assert.is_true(client.trusted_ips:rename_network(net.uuid, "Branch office"))
      assert.same({name = "Branch office"}, body_of(sent("rename-a-network")))

      srv.clear()
      local block = assert(client.trusted_ips:add_cidr(net.uuid, {cidr = "100.64.0.0/29", description = "router"}))
      assert.same({cidr = "100.64.0.0/29", description = "router"}, body_of(sent("add-cidr-block")))
      assert.is_string(block.uuid)
      local other = assert(client.trusted_ips:add_cidr(net.uuid, "100.64.1.1"))
      assert.equal("router", client.trusted_ips:network(net.uuid).cidrs[1].description)

      srv.clear()
      assert.is_true(client.trusted_ips:update_cidr(net.uuid, block.uuid, {cidr = "100.64.0.0/28", description = ""}))
      local e = sent("update-cidr-block")
      assert.equal("/allow_list/network/" .. net.uuid .. "/cidr/" .. block.uuid, e.path)
      local got = client.trusted_ips:network_by_name("Branch office")
      assert.equal("100.64.0.0/28", got.cidrs[1].cidr)
      assert.equal("", got.cidrs[1].description)

      srv.clear()
      assert.is_true(client.trusted_ips:delete_cidr(net.uuid, other.uuid))
      sent("delete-cidr-block")
      assert.equal(1, #client.trusted_ips:network(net.uuid).cidrs)
    end)

    it("documented errors come back as nil, err", function()
      local hq = client.trusted_ips:networks()[1]
      local cases = {
        {"add_network", {hq.name}, 400, "invalid_parameter_value"},                 -- duplicate name
        {"add_cidr", {hq.uuid, "10.1.0.0/16"}, 400, "invalid_parameter_value"},     -- RFC 1918
        {"add_cidr", {hq.uuid, "198.51.100.128/25"}, 400, "invalid_parameter_value"}, -- overlaps
        {"add_cidr", {hq.uuid, "198.51.100.1/24"}, 400, "invalid_parameter_value"},  -- host bits set
        {"add_cidr", {"nope", "1.2.3.0/24"}, 400, "invalid_parameter_value"},
        {"network", {"nope"}, 404, "no_results"},
        {"rename_network", {"nope", "x"}, 404, "no_results"},
        {"update_cidr", {hq.uuid, "nope", "1.2.3.0/24"}, 404, "no_results"},
        {"delete_cidr", {hq.uuid, "nope"}, 404, "no_results"},
      }
      for _, c in ipairs(cases) do
        local ok, err = client.trusted_ips[c[1]](client.trusted_ips, table.unpack(c[2]))
        assert.is_nil(ok, c[1])
        assert.equal(c[3], err.status, c[1])
        assert.equal(c[4], err.code, c[1])
      end
    end)

    it("dry_run sends nothing", function()
      assert.same({method = "POST", path = "/allow_list/network", body = {name = "n"}},
                  client.trusted_ips:add_network("n", {dry_run = true}))
      assert.equal("PUT", client.trusted_ips:rename_network("u", "n", {dry_run = true}).method)
      assert.same({cidr = "1.2.3.0/24"}, client.trusted_ips:add_cidr("u", "1.2.3.0/24", {dry_run = true}).body)
      assert.equal("/allow_list/network/u/cidr/c",
                   client.trusted_ips:update_cidr("u", "c", "1.2.3.0/24", {dry_run = true}).path)
      assert.equal("DELETE", client.trusted_ips:delete_cidr("u", "c", {dry_run = true}).method)
      nothing_sent()
      assert.has_error(function() client.trusted_ips:add_cidr("u", 5) end,
                       "bad argument #2 to 'add_cidr' (CIDR string or table expected, got number)")
    end)
  end)

  describe("trusted_ips: login IP allow lists", function()
    it("login_ips, login_ip, login_ips_by_name, login_ips_enabled", function()
      local lists = assert(client.trusted_ips:login_ips())
      sent("list-login-ip-allow-lists")
      assert.equal("Corporate", lists[1].name)
      srv.clear()
      assert.same(lists[1], client.trusted_ips:login_ip(lists[1].id))
      sent("get-login-ip-allow-list")
      srv.clear()
      assert.equal(lists[1].id, client.trusted_ips:login_ips_by_name("Corporate").id)
      sent("list-login-ip-allow-lists")
      assert.is_nil(client.trusted_ips:login_ips_by_name("nope"))
      srv.clear()
      assert.is_false(client.trusted_ips:login_ips_enabled())
      sent("get-login-ip-allow-list-status")
    end)

    it("add, update, enable, delete, with the lock-out rules", function()
      -- enabling needs a list covering the caller (127.0.0.1 here)
      local ok, err = client.trusted_ips:set_login_ips_enabled(true)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("login_ip_allow_list_enable_not_allowed_ip_absent", err.code)

      srv.clear()
      local list = assert(client.trusted_ips:add_login_ips{name = "Local", cidr = {"127.0.0.0/8"},
                                                           description = "this host"})
      assert.same({name = "Local", cidr = {"127.0.0.0/8"}, description = "this host"},
                  body_of(sent("insert-login-ip-allow-list")))
      assert.is_string(list.id)

      srv.clear()
      assert.is_true(client.trusted_ips:set_login_ips_enabled(true))
      assert.same({enabled = true}, body_of(sent("update-login-ip-allow-list-status")))
      assert.is_true(client.trusted_ips:login_ips_enabled())

      -- while enabled, nothing may lock the caller out
      ok, err = client.trusted_ips:update_login_ips(list.id, {name = "Local", cidr = {"203.0.113.0/24"}})
      assert.is_nil(ok)
      assert.equal("login_ip_allow_list_not_allowed_ip_absent", err.code)
      ok, err = client.trusted_ips:delete_login_ips(list.id)
      assert.is_nil(ok)
      assert.equal("login_ip_allow_list_not_allowed_ip_absent", err.code)

      srv.clear()
      local updated = assert(client.trusted_ips:update_login_ips(list.id, {name = "Loopback",
                                                                          cidr = {"127.0.0.1/32", "192.0.2.0/24"}}))
      assert.same({name = "Loopback", cidr = {"127.0.0.1/32", "192.0.2.0/24"}},
                  body_of(sent("update-login-ip-allow-list")))
      assert.equal("Loopback", updated.name)
      assert.equal(2, #client.trusted_ips:login_ip(list.id).cidr)

      -- deleting the other list is fine; the last one is not while enabled
      assert.is_true(client.trusted_ips:delete_login_ips(client.trusted_ips:login_ips_by_name("Corporate").id))
      ok, err = client.trusted_ips:delete_login_ips(list.id)
      assert.is_nil(ok)
      assert.equal("login_ip_allow_list_size_only_one_entry", err.code)

      assert.is_true(client.trusted_ips:set_login_ips_enabled(false))
      srv.clear()
      assert.is_true(client.trusted_ips:delete_login_ips(list.id))
      sent("delete-login-ip-allow-list")
      ok, err = client.trusted_ips:login_ip(list.id)
      assert.is_nil(ok)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)

      ok, err = client.trusted_ips:set_login_ips_enabled(true)
      assert.is_nil(ok)
      assert.equal("login_ip_allow_list_enable_not_allowed_empty_list", err.code)
    end)

    it("validation errors as documented", function()
      local many = {}
      for i = 1, 11 do many[i] = ("203.0.113.%d/32"):format(i) end
      local cases = {
        {{name = "x"}, 400, "login_ip_allow_list_missing_cidr_field"},
        {{name = "x", cidr = {"300.1.1.1/8"}}, 400, "login_ip_allow_list_invalid_cidr_format"},
        {{name = "x", cidr = many}, 400, "login_ip_allow_list_cidr_list_size_exceeded"},
      }
      for _, c in ipairs(cases) do
        local ok, err = client.trusted_ips:add_login_ips(c[1])
        assert.is_nil(ok)
        assert.equal(c[2], err.status)
        assert.equal(c[3], err.code)
      end
      local a = assert(client.trusted_ips:add_login_ips{name = "A", cidr = {"203.0.113.0/24"}})
      local ok, err = client.trusted_ips:add_login_ips{name = "a", cidr = {"203.0.113.0/24"}}
      assert.is_nil(ok)
      assert.equal(409, err.status)
      assert.equal("login_ip_allow_list_duplicate_key", err.code)
      local b = assert(client.trusted_ips:add_login_ips{name = "B", cidr = {"198.51.100.0/24"}})
      ok, err = client.trusted_ips:update_login_ips(b.id, {name = "A", cidr = {"198.51.100.0/24"}})
      assert.is_nil(ok)
      assert.equal(409, err.status)
      assert.equal("login_ip_allow_list_duplicate_name", err.code)
      ok, err = client.trusted_ips:update_login_ips("nope", {name = "C", cidr = {"198.51.100.0/24"}})
      assert.is_nil(ok)
      assert.equal(404, err.status)
      -- 50 named lists at most
      local existing = #client.trusted_ips:login_ips()
      for i = existing + 1, 50 do
        assert(client.trusted_ips:add_login_ips{name = "L" .. i, cidr = {"192.0.2.0/24"}})
      end
      ok, err = client.trusted_ips:add_login_ips{name = "one too many", cidr = {"192.0.2.0/24"}}
      assert.is_nil(ok)
      assert.equal("login_ip_allow_list_size_exceeded", err.code)
      for _, l in ipairs(client.trusted_ips:login_ips()) do assert(client.trusted_ips:delete_login_ips(l.id)) end
      assert.equal(0, #client.trusted_ips:login_ips())
      assert.is_string(a.id)
    end)

    it("dry_run sends nothing", function()
      assert.same({method = "PATCH", path = "/ip_allow_list_login/status", body = {enabled = false}},
                  client.trusted_ips:set_login_ips_enabled(false, {dry_run = true}))
      assert.equal("POST", client.trusted_ips:add_login_ips({name = "x", cidr = {}}, {dry_run = true}).method)
      assert.equal("/ip_allow_list_login/i", client.trusted_ips:update_login_ips("i", {}, {dry_run = true}).path)
      assert.equal("DELETE", client.trusted_ips:delete_login_ips("i", {dry_run = true}).method)
      nothing_sent()
      assert.has_error(function() client.trusted_ips:set_login_ips_enabled("on") end,
                       "bad argument #1 to 'set_login_ips_enabled' (boolean expected, got string)")
    end)
  end)
end)
