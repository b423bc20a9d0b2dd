-- client.integrations and client.notification_templates against the emulator
-- over real sockets: the tenant's Prisma ID learnt once, every verb's request
-- checked against the catalog, integrationConfig validated per documented
-- type before anything is sent, documented errors as nil, err, dry runs
-- sending nothing, the test endpoints failing for configs that point nowhere.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"
local requests = require "spec.support.requests"

local query_of, body_of = requests.query_of, requests.body_of
local PRISMA_ID = "806775661100000001" -- the emulator's tenant
local BASE = "/api/v1/tenant/" .. PRISMA_ID
local HOOKS, TEMPLATES = BASE .. "/integration", BASE .. "/template"

describe("integrations", function()
  local fx = server.fixture{}
  local srv, client

  local function new_client()
    return prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
  end

  setup(function() srv, client = fx.srv, fx.client end)

  local only = fx.only

  local function key_of(err)
    assert.is_true(prismacloud.is_error(err), "expected a prismacloud.Error, got " .. tostring(err))
    return err.code, err.details and err.details[1] and err.details[1].subject
  end

  -- Asserts result, err is the documented failure.
  local function fails(status, key, subject, result, err)
    assert.is_nil(result)
    assert.equal(status, err.status)
    local k, s = key_of(err)
    assert.equal(key, k)
    if subject then assert.equal(subject, s) end
  end

  local function webhook(name, url)
    return client.integrations.webhook{name = name, url = url or "https://hooks.acme-corp.io/" .. name:gsub("%W", ""),
                                       authToken = "token"}
  end

  describe("the Prisma ID", function()
    it("comes from the login's customer list, once per client, with no extra request", function()
      local c <close> = new_client()
      assert.equal(PRISMA_ID, assert(c.integrations:prisma_id())) -- logs in to learn it
      assert.equal(1, #srv.requests("/login"))
      srv.clear()
      assert.equal(PRISMA_ID, assert(c.notification_templates:prisma_id()))
      assert(c.integrations:list())
      assert(c.notification_templates:list())
      assert.equal(0, #srv.requests("/auth_token/extend"))
      assert.equal(0, #srv.requests("/login"))
    end)

    it("comes from the prisma_id option without asking the server", function()
      local c <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                                        retries = 0, prisma_id = PRISMA_ID}
      assert.equal(PRISMA_ID, assert(c.integrations:prisma_id()))
      assert.equal(0, #srv.requests())
    end)

    it("a client holding a bare token asks GET /auth_token/extend once, and keeps its token", function()
      local token = assert(srv.login())
      srv.clear()
      local c <close> = prismacloud.new{url = srv.url, token = token, retries = 0}
      assert.equal(PRISMA_ID, assert(c.integrations:prisma_id()))
      requests.check(only("/auth_token/extend"), "extend-session")
      assert(c.integrations:list())
      assert.equal(1, #srv.requests("/auth_token/extend"))
      assert.equal(0, c:stats().extends) -- the answer's fresh token is dropped, the client's is kept
    end)

    it("can be set; another tenant's is refused with 403 invalid_prisma_id", function()
      local c <close> = new_client()
      assert.equal("123", c.integrations:prisma_id("123"))
      fails(403, "invalid_prisma_id", "123", c.integrations:list())
      fails(403, "invalid_prisma_id", "123", c.notification_templates:list())
      assert.equal(0, #srv.requests("/auth_token/extend"))
      assert.has_error(function() c.integrations:prisma_id(42) end,
        "bad argument #1 to 'prisma_id' (string expected, got number)")
    end)

    it("is the client's (client:prisma_id), one per client, whichever family asks or sets it", function()
      local c <close> = new_client()
      local other <close> = new_client()
      assert.equal("456", c:prisma_id("456"))
      assert.equal("456", c.integrations:prisma_id())
      assert.equal("456", c.notification_templates:prisma_id())
      assert.equal(PRISMA_ID, assert(other:prisma_id())) -- another client learns its own
      assert.equal("789", other.integrations:prisma_id("789"))
      assert.equal("789", other:prisma_id())
      assert.equal("456", c:prisma_id())
      assert.has_error(function() c:prisma_id("") end,
        "bad argument #1 to 'prisma_id' (string expected, got an empty string)")
    end)

    it("a failed look-up comes back as nil, err from the verbs", function()
      local token = assert(srv.login())
      local c <close> = prismacloud.new{url = srv.url, token = token, retries = 0}
      srv.fault{path = "/auth_token/extend", status = 500, times = 2}
      local list, err = c.integrations:list()
      assert.is_nil(list)
      assert.equal(500, err.status)
      local it = c.notification_templates:each() -- the Prisma ID is looked up on the first :next()
      local none, e = it:next()
      assert.is_nil(none)
      assert.equal(500, e.status)
      srv.fault{path = "/auth_token/extend", status = 500}
      assert.has_error(function() for _ in c.notification_templates:each() do end end)
      assert.equal(0, #srv.requests(HOOKS))
      local bad <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "wrong", retries = 0}
      list, err = bad.integrations:list()
      assert.is_nil(list)
      assert.equal("auth", err.kind)
    end)
  end)

  describe("list, each, get, types", function()
    it("list: every integration (onlyEnabled=false), the seeded ten", function()
      local list = assert(client.integrations:list())
      assert.equal(10, #list)
      local r = requests.check(only(HOOKS), "get-all-integrations-v1")
      assert.same({onlyEnabled = "false"}, query_of(r))
    end)

    it("list: type and ids go out as comma lists; only_enabled as onlyEnabled", function()
      local list = assert(client.integrations:list{type = {"slack", "webhook"}})
      assert.equal(4, #list)
      for _, i in ipairs(list) do assert.is_truthy(i.integrationType == "slack" or i.integrationType == "webhook") end
      local r = requests.check(only(HOOKS), "get-all-integrations-v1")
      assert.same({type = "slack,webhook", onlyEnabled = "false"}, query_of(r))
      srv.clear()
      local enabled = assert(client.integrations:list{only_enabled = true})
      assert.equal(8, #enabled)
      for _, i in ipairs(enabled) do assert.is_true(i.enabled) end
      assert.same({onlyEnabled = "true"}, query_of(requests.check(only(HOOKS), "get-all-integrations-v1")))
      srv.clear()
      local two = assert(client.integrations:list{ids = {list[1].id, list[2].id}})
      assert.same({list[1].id, list[2].id}, {two[1].id, two[2].id})
      assert.equal(2, #two)
      assert.equal(list[1].id .. "," .. list[2].id,
        query_of(requests.check(only(HOOKS), "get-all-integrations-v1")).ids)
      assert.has_error(function() client.integrations:list{kind = "slack"} end,
        "unknown integration filter 'kind' in 'list'")
    end)

    it("each: walks every integration once and stops at max_items", function()
      local seen, n = {}, 0
      for i in client.integrations:each() do
        assert.is_nil(seen[i.id])
        seen[i.id], n = true, n + 1
      end
      assert.equal(#assert(client.integrations:list()), n)
      local got = 0
      for _ in client.integrations:each({type = "slack"}, {max_items = 1}) do got = got + 1 end
      assert.equal(1, got)
    end)

    it("get: one integration; an unknown id is 400 invalid_id", function()
      local first = assert(client.integrations:list())[1]
      srv.clear()
      local got = assert(client.integrations:get(first.id))
      assert.equal(first.name, got.name)
      requests.check(only(HOOKS .. "/" .. first.id), "get-integration-v1")
      fails(400, "invalid_id", "nope", client.integrations:get("nope"))
    end)

    it("types: the supported integration types", function()
      local types = assert(client.integrations:types())
      assert.is_truthy(#types >= 10)
      requests.check(only(HOOKS .. "/channels"), "get-supported-integration-channels-v1")
    end)

    it("security hub: the AWS accounts {id = name}, and an account's regions", function()
      local accounts = assert(client.integrations:security_hub_accounts())
      requests.check(only(HOOKS .. "/securityhub/accounts"), "get-security-hub-accounts-v1")
      local id, name = next(accounts)
      assert.is_string(id)
      assert.is_string(name)
      srv.clear()
      local regions = assert(client.integrations:security_hub_regions(id))
      assert.is_truthy(#regions >= 1)
      assert.equal("us-east-1", regions[1])
      requests.check(only(HOOKS .. "/securityhub/regions/" .. id), "get-security-hub-region-by-account-id-v1")
      fails(400, "invalid_id", "nope", client.integrations:security_hub_regions("nope"))
    end)

    it("by_name: the integration, or nil", function()
      assert.equal("splunk", assert(client.integrations:by_name("Splunk HEC")).integrationType)
      assert.is_nil(client.integrations:by_name("no such integration"))
    end)
  end)

  describe("integrationConfig validation", function()
    it("a missing required field raises naming the type and field, and nothing is sent", function()
      local cases = {
        {{name = "spec hook", integrationType = "webhook", integrationConfig = {url = "https://x.acme-corp.io"}},
         "integration type 'webhook': integrationConfig.authToken is required"},
        {{name = "spec slack", integrationType = "slack", integrationConfig = {}},
         "integration type 'slack': integrationConfig.webhookUrl is required"},
        {{name = "spec slack", integrationType = "slack", integrationConfig = {webhookUrl = "https://acme.io/x"}},
         "integration type 'slack': integrationConfig.webhookUrl must start with https://hooks.slack.com/"},
        {{name = "spec bus", integrationType = "azure_service_bus_queue", integrationConfig = {queueUrl = "https://q"}},
         "integration type 'azure_service_bus_queue': one of integrationConfig.accountId, "
           .. "integrationConfig.connectionString is required"},
        {{name = "spec sqs", integrationType = "amazon_sqs",
          integrationConfig = {queueUrl = "https://sqs", roleArn = "arn:aws:iam::1:role/x"}},
         "integration type 'amazon_sqs': integrationConfig.externalId is required with "
           .. "integrationConfig.roleArn/externalId"},
        {{name = "spec xsoar", integrationType = "demisto",
          integrationConfig = {hostUrl = "https://x", apiKey = "k", demistoVersion = "8.0"}},
         "integration type 'demisto': integrationConfig.apiKeyID is required when integrationConfig.demistoVersion "
           .. "is 8.0"},
        {{name = "spec splunk", integrationType = "splunk"},
         "integration type 'splunk': integrationConfig is required (a table)"},
        {{name = "spec untyped", integrationConfig = {}}, "bad integration (integrationType string expected, got nil)"},
      }
      for i, case in ipairs(cases) do
        assert.has_error(function() client.integrations:create(case[1]) end, case[2])
        -- the same check guards a test (but the webhook test needs only the URL)
        if i > 1 then assert.has_error(function() client.integrations:test(case[1]) end, case[2]) end
      end
      assert.has_error(function() client.integrations:update("x", cases[1][1]) end, cases[1][2])
      assert.has_error(function() client.integrations.splunk{name = "spec splunk", url = "https://s"} end,
        "integration type 'splunk': integrationConfig.authToken is required")
      assert.equal(0, #srv.requests())
    end)

    it("a webhook test needs only the URL; custom payloads need customPayloads", function()
      assert.is_true(client.integrations:test{name = "spec test", integrationType = "webhook",
                                              integrationConfig = {url = "https://hooks.acme-corp.io/t"}})
      assert.has_error(function()
        client.integrations.webhook{name = "spec custom", url = "https://h.acme-corp.io", authToken = "t",
                                    isCustomPayloadEnabled = true}
      end, "integration type 'webhook': integrationConfig.customPayloads is required when "
        .. "integrationConfig.isCustomPayloadEnabled is true")
    end)

    it("check_config: nil for a fitting config and for types it does not know", function()
      local I = client.integrations
      assert.is_nil(I.check_config("pager_duty", {integrationKey = "k"}))
      assert.is_nil(I.check_config("jira", {}))
      assert.is_nil(I.check_config("some_future_type", {}))
      assert.equal("integrationConfig.integrationKey", (I.check_config("pager_duty", {integrationKey = ""})))
      assert.equal("integrationConfig.integrationKey",
        (I.check_config("pager_duty", {integrationKey = prismacloud.null})))
    end)

    it("constructors build the request body", function()
      assert.same({name = "spec teams", integrationType = "microsoft_teams", enabled = true,
                   integrationConfig = {url = "https://acme.webhook.office.com/x"}},
        client.integrations.microsoft_teams{name = "spec teams", url = "https://acme.webhook.office.com/x"})
      assert.same({name = "spec pd", integrationType = "pager_duty", enabled = false, description = "d",
                   integrationConfig = {integrationKey = "k"}},
        client.integrations.pager_duty{name = "spec pd", integrationKey = "k", enabled = false, description = "d"})
      assert.equal("service_now", client.integrations.service_now{name = "spec sn", hostUrl = "https://a", login = "l",
                                                                  password = "p", tables = {{incident = true}}}
        .integrationType)
      assert.equal("aws_s3", client.integrations.body("aws_s3", {name = "spec s3", s3Uri = "s3://b/", region = "r",
                                                                 roleArn = "a", externalId = "e"}).integrationType)
      assert.has_error(function() client.integrations.slack("x") end,
        "bad argument #1 to 'slack' (table expected, got string)")
    end)
  end)

  describe("create, update, set_enabled, delete", function()
    it("create: POST .../integration with the body; an unchecked type (jira) is sent as given", function()
      local body = webhook("spec create")
      local made = assert(client.integrations:create(body))
      assert.is_string(made.id)
      assert.equal("webhook", made.integrationType)
      local r = requests.check(only(HOOKS), "create-integration-v1")
      assert.same(body, body_of(r))
      srv.clear()
      local jira = assert(client.integrations:create{name = "spec jira", integrationType = "jira",
                                                     integrationConfig = {hostUrl = "https://acme.atlassian.net"}})
      assert.equal("jira", jira.integrationType)
      requests.check(only(HOOKS), "create-integration-v1")
    end)

    it("create: the API's own checks come back as nil, err", function()
      assert(client.integrations:create(webhook("spec twin")))
      fails(400, "integration_name_already_exists", "SPEC TWIN", client.integrations:create(webhook("SPEC TWIN")))
      fails(400, "invalid_integration_name", "name", client.integrations:create(webhook("ab")))
      fails(400, "invalid_integration_type", "email", client.integrations:create{
        name = "spec email", integrationType = "email", integrationConfig = {}})
      -- the emulator checks the documented fields too (a raw call skips the library's check)
      local res, err = client:call("create-integration-v1", {prismaId = PRISMA_ID, body = {
        name = "spec raw", integrationType = "splunk", integrationConfig = {url = "https://s.acme-corp.io"}}})
      fails(400, "invalid_integration_config", "integrationConfig.authToken", res, err)
    end)

    it("update: PUT .../integration/{id}; an immutable field cannot change", function()
      local made = assert(client.integrations:create(webhook("spec update")))
      srv.clear()
      local updated = assert(client.integrations:update(made.id, {name = "spec updated", integrationConfig = {
        url = "https://hooks.acme-corp.io/new", authToken = "t2"}}))
      assert.equal("spec updated", updated.name)
      assert.equal("https://hooks.acme-corp.io/new", updated.integrationConfig.url)
      local r = requests.check(only(HOOKS .. "/" .. made.id), "update-integration-v1")
      assert.equal("spec updated", body_of(r).name)
      local sn = assert(client.integrations:by_name("ServiceNow ITSM"))
      local config = sn.integrationConfig
      config.hostUrl = "https://other.service-now.com"
      fails(400, "invalid_integration_config", "integrationConfig.hostUrl",
        client.integrations:update(sn.id, {name = sn.name, integrationType = "service_now",
                                           integrationConfig = config}))
      fails(400, "invalid_id", "nope", client.integrations:update("nope", webhook("spec nope")))
    end)

    it("set_enabled: PATCH {enabled}", function()
      local made = assert(client.integrations:create(webhook("spec toggle")))
      srv.clear()
      assert.is_true(client.integrations:set_enabled(made.id, false))
      local r = requests.check(only(HOOKS .. "/" .. made.id), "update-integration-state-v1")
      assert.same({enabled = false}, body_of(r))
      assert.is_false(assert(client.integrations:get(made.id)).enabled)
      fails(400, "invalid_id", nil, client.integrations:set_enabled("nope", true))
    end)

    it("delete: DELETE .../integration/{id}; one an alert rule uses is 400 conflict_deleting_integration", function()
      local made = assert(client.integrations:create(webhook("spec delete")))
      srv.clear()
      assert.is_true(client.integrations:delete(made.id))
      requests.check(only(HOOKS .. "/" .. made.id), "delete-integration-v1")
      fails(400, "invalid_id", made.id, client.integrations:get(made.id))
      local used = assert(client.integrations:create(webhook("spec used")))
      local group = assert(client.account_groups:list())[1].id
      assert(client.alert_rules:create{name = "spec uses hook", description = "", enabled = true, scanAll = true,
                                       allowAutoRemediate = false, target = {accountGroups = {group}},
                                       alertRuleNotificationConfig = {{type = "webhook", recipients = {used.id}}}})
      fails(400, "conflict_deleting_integration", used.id, client.integrations:delete(used.id))
      assert.truthy(client.integrations:get(used.id))
    end)

    it("dry runs send nothing and return the request", function()
      assert(client.integrations:prisma_id())
      local made = assert(client.integrations:by_name("Ops webhook"))
      srv.clear()
      local body = webhook("spec dry")
      assert.same({method = "POST", path = HOOKS, body = body}, client.integrations:create(body, {dry_run = true}))
      assert.same({method = "PUT", path = HOOKS .. "/" .. made.id, body = body},
        client.integrations:update(made.id, body, {dry_run = true}))
      assert.same({method = "PATCH", path = HOOKS .. "/" .. made.id, body = {enabled = false}},
        client.integrations:set_enabled(made.id, false, {dry_run = true}))
      assert.same({method = "DELETE", path = HOOKS .. "/" .. made.id},
        client.integrations:delete(made.id, {dry_run = true}))
      assert.same({method = "POST", path = HOOKS .. "/test", body = body},
        client.integrations:test(body, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.is_nil(client.integrations:by_name("spec dry"))
    end)
  end)

  describe("test", function()
    it("a body: POST .../integration/test; true when the endpoint is reachable", function()
      local body = webhook("spec probe")
      assert.is_true(client.integrations:test(body))
      local r = requests.check(only(HOOKS .. "/test"), "test-integration-v1")
      assert.same({}, query_of(r))
      assert.same(body, body_of(r))
    end)

    it("an id: sends the stored settings with ?id=", function()
      local slack = assert(client.integrations:by_name("Slack secops channel"))
      srv.clear()
      assert.is_true(client.integrations:test(slack.id))
      local r = requests.check(only(HOOKS .. "/test"), "test-integration-v1")
      assert.same({id = slack.id}, query_of(r))
      assert.same({name = slack.name, integrationType = "slack", integrationConfig = slack.integrationConfig},
        body_of(r))
      fails(400, "invalid_id", nil, client.integrations:test("nope"))
    end)

    it("fails with 400 integration_test_failed for a config that points nowhere", function()
      fails(400, "integration_test_failed", "integrationConfig.url",
        client.integrations:test(webhook("spec nowhere", "https://hooks.acme.invalid/x")))
      fails(400, "integration_test_failed", "integrationConfig.url",
        client.integrations:test(webhook("spec plain", "http://hooks.acme-corp.io/x")))
      fails(400, "integration_test_failed", "integrationConfig.url",
        client.integrations:test(client.integrations.splunk{name = "spec splunk", url = "https://localhost:8088",
                                                            authToken = "t"}))
      requests.check(srv.requests(HOOKS .. "/test")[1], "test-integration-v1")
      -- a stored integration whose endpoint went away fails the same way
      local bad = assert(client.integrations:create(webhook("spec gone", "https://gone.example/hook")))
      fails(400, "integration_test_failed", "integrationConfig.url", client.integrations:test(bad.id))
    end)
  end)
end)

describe("integrations (Integrations Pull: Okta, Qualys, Tenable)", function()
  local fx = server.fixture{}
  local srv, client, I

  setup(function()
    srv, client = fx.srv, fx.client
    I = client.integrations
  end)

  local only = fx.only

  -- an Okta integration, its type spelled as the reference does (OKTA_IDP) unless given
  local function okta(name, domain, itype)
    return {name = name, integrationType = itype or "OKTA_IDP",
            integrationConfig = {domain = domain or "acme.okta.com", apiToken = "t"}}
  end

  it("list{type = 'OKTA_IDP'}: GET /integration?type=OKTA_IDP, no Prisma ID needed", function()
    local list = assert(I:list{type = "OKTA_IDP"})
    assert.equal(1, #list)
    assert.equal("OKTA_IDP", list[1].integrationType)
    assert.same({type = "OKTA_IDP"}, query_of(requests.check(only("/integration"), "get-all-integrations")))
    assert.equal(0, #srv.requests("/auth_token/extend"))
    -- the lower-case names are taken, and sent as the reference spells the types
    srv.clear()
    assert.equal(1, #assert(I:list{type = "okta"}))
    assert.same({type = "OKTA_IDP"}, query_of(requests.check(only("/integration"), "get-all-integrations")))
    local n = 0
    for i in I:each{type = {"tenable"}} do
      n = n + 1
      assert.equal("TENABLE", i.integrationType)
    end
    assert.equal(1, n)
    assert.has_error(function() I:list{type = {"okta", "slack"}} end,
      "list okta integrations on their own: list{type = 'okta'}")
    assert.has_error(function() I:list{type = "okta", only_enabled = true} end,
      "filter 'only_enabled' to 'list' does not apply to okta integrations")
  end)

  it("create goes to POST /integration by type (no body: true); names and by_name find it", function()
    assert.is_true(I:create(okta("spec okta")))
    assert.same(okta("spec okta"), body_of(requests.check(only("/integration"), "save-integration")))
    local names = assert(I:names("okta"))
    assert.same({type = "OKTA_IDP"},
      query_of(requests.check(only("/integration/name"), "get-all-integrations-metadata")))
    local found
    for _, x in ipairs(names) do if x.name == "spec okta" then found = x end end
    assert.is_string(found.id)
    assert.equal(found.id, assert(I:by_name("spec okta", {type = "okta"})).id)
    assert.is_nil(I:by_name("spec okta"))  -- not a tenant API integration
    local res, err = I:create(okta("SPEC OKTA"))
    assert.is_nil(res)
    assert.equal("integration_name_already_exists", err.code)
  end)

  it("get, update, set_enabled and delete with {pull = true}", function()
    assert(I:create(okta("spec okta life")))
    local id = assert(I:by_name("spec okta life", {type = "okta"})).id
    srv.clear()
    local got = assert(I:get(id, {pull = true}))
    assert.equal("spec okta life", got.name)
    requests.check(only("/integration/" .. id), "get-integration-by-id")
    srv.clear()
    assert.is_true(I:update(id, okta("spec okta life", "other.okta.com")))
    requests.check(only("/integration/" .. id), "update-integration")
    assert.equal("other.okta.com", assert(I:get(id, {pull = true})).integrationConfig.domain)
    srv.clear()
    assert.is_true(I:set_enabled(id, false, {pull = true}))
    local log = srv.requests("/integration/" .. id)
    requests.check(log[1], "get-integration-by-id")
    assert.is_false(body_of(requests.check(log[2], "update-integration")).enabled)
    srv.clear()
    assert.is_true(I:delete(id, {pull = true}))
    requests.check(only("/integration/" .. id), "delete-integration")
    local gone, err = I:get(id, {pull = true})
    assert.is_nil(gone)
    assert.equal(400, err.status)
    assert.equal("invalid_id", err.code)
  end)

  it("test: true when reachable; a failed test is nil, err with the key the API reports", function()
    local qualys = {name = "spec qualys", integrationType = "qualys",
                    integrationConfig = {login = "l", password = "p", baseUrl = "qualysapi.qualys.com"}}
    assert.is_true(I:test(qualys))
    local sent = body_of(requests.check(only("/integration/test"), "test-integration"))
    assert.equal("QUALYS", sent.integrationType) -- as the reference spells it
    assert.equal("qualys", qualys.integrationType) -- the caller's table is left as it was
    sent.integrationType = "qualys"
    assert.same(qualys, sent)
    qualys.integrationConfig.baseUrl = "qualys.acme.invalid"
    local ok, err = I:test(qualys)
    assert.is_nil(ok)
    assert.is_true(prismacloud.is_error(err))
    assert.equal("integration_test_failed", err.code)
    assert.equal("integrationConfig.baseUrl", err.details[1].subject)
    assert.matches("cannot reach qualys.acme.invalid", err.message, 1, true)
    local tenable = assert(I:list{type = "tenable"})[1]
    srv.clear()
    assert.is_true(I:test(tenable.id, {pull = true}))
    assert.same({id = tenable.id}, query_of(requests.check(only("/integration/test"), "test-integration")))
  end)

  it("config checks and dry runs send nothing", function()
    assert.has_error(function()
      I:create{name = "spec tenable", integrationType = "tenable", integrationConfig = {accessKey = "a"}}
    end, "integration type 'tenable': integrationConfig.secretKey is required")
    assert.same({method = "POST", path = "/integration", body = okta("spec dry")},
      I:create(okta("spec dry"), {dry_run = true}))
    assert.same({method = "DELETE", path = "/integration/x"}, I:delete("x", {pull = true, dry_run = true}))
    assert.same({method = "POST", path = "/integration/test", body = okta("spec dry")},
      I:test(okta("spec dry"), {dry_run = true}))
    assert.same({method = "POST", path = "/integration", body = okta("spec dry")},
      I:create(okta("spec dry", nil, "okta"), {dry_run = true}))
    assert.equal(0, #srv.requests())
  end)
end)

describe("notification_templates", function()
  local fx = server.fixture{}
  local srv, client, T

  setup(function()
    srv, client = fx.srv, fx.client
    T = client.notification_templates
    assert(T:prisma_id())
  end)

  local only = fx.only

  local function fails(status, key, subject, result, err)
    assert.is_nil(result)
    assert.is_true(prismacloud.is_error(err), tostring(err))
    assert.equal(status, err.status)
    assert.equal(key, err.code)
    if subject then assert.equal(subject, err.details[1].subject) end
  end

  local function email(name)
    return {name = name, integrationType = "email",
            templateConfig = {basicConfig = {{fieldName = "subject", type = "text", value = "spec"}}}}
  end

  it("list: the seeded four; type, id and enabled filters go out as query parameters", function()
    local all = assert(T:list())
    assert.equal(4, #all)
    assert.same({}, query_of(requests.check(only(TEMPLATES), "get-all-templates-v1")))
    srv.clear()
    local emails = assert(T:list{type = "email"})
    assert.equal(2, #emails)
    for _, t in ipairs(emails) do assert.equal("email", t.integrationType) end
    assert.same({type = "email"}, query_of(requests.check(only(TEMPLATES), "get-all-templates-v1")))
    srv.clear()
    local off = assert(T:list{enabled = false, id = {all[1].id, all[4].id}})
    assert.equal(1, #off)
    assert.equal(all[4].id, off[1].id)
    assert.same({enabled = "false", id = {all[1].id, all[4].id}},
      query_of(requests.check(only(TEMPLATES), "get-all-templates-v1")))
    assert.has_error(function() T:list{name = "x"} end, "unknown template filter 'name' in 'list'")
  end)

  it("each: walks every template once", function()
    local seen, n = {}, 0
    for t in T:each() do
      assert.is_nil(seen[t.id])
      seen[t.id], n = true, n + 1
    end
    assert.equal(#assert(T:list()), n)
  end)

  it("get and by_name; an unknown id is 400 invalid_id", function()
    local t = assert(T:by_name("Jira SEC bugs"))
    srv.clear()
    assert.equal("jira", assert(T:get(t.id)).integrationType)
    requests.check(only(TEMPLATES .. "/" .. t.id), "get-template-v1")
    fails(400, "invalid_id", "nope", T:get("nope"))
    assert.is_nil(T:by_name("no such template"))
  end)

  it("create: POST .../template; documented errors as nil, err", function()
    local made = assert(T:create(email("spec email")))
    assert.is_string(made.id)
    assert.same(email("spec email"), body_of(requests.check(only(TEMPLATES), "create-template-v1")))
    fails(400, "template_name_already_exists", nil, T:create(email("Spec Email")))
    fails(400, "invalid_template_name", "name", T:create(email("bad <name>")))
    fails(400, "invalid_integration_type", nil, T:create{name = "spec slack", integrationType = "slack",
                                                         templateConfig = {}})
    fails(400, "missing_template_config", "templateConfig", T:create{name = "spec empty", integrationType = "email"})
    fails(400, "invalid_integration_id", nil, T:create{name = "spec jira", integrationType = "jira",
                                                       templateConfig = {basicConfig = {}}})
  end)

  it("update: PATCH .../template/{id}, the template read and sent back whole; no body in the answer: true", function()
    local made = assert(T:create(email("spec patch")))
    srv.clear()
    assert.is_true(T:update(made.id, {name = "spec patched", enabled = false}))
    local _, r = requests.sequence(srv, "get-template-v1", "update-template-v1")
    assert.same({id = made.id, name = "spec patched", integrationType = "email", templateConfig = made.templateConfig,
                 enabled = false, customerId = made.customerId}, body_of(r))
    assert.is_number(made.customerId)
    local got = assert(T:get(made.id))
    assert.equal("spec patched", got.name)
    assert.is_false(got.enabled)
    fails(400, "invalid_id", nil, T:update("nope", {name = "spec nope"}))
  end)

  it("delete: DELETE .../template/{id}", function()
    local made = assert(T:create(email("spec delete")))
    srv.clear()
    assert.is_true(T:delete(made.id))
    requests.check(only(TEMPLATES .. "/" .. made.id), "delete-template-v1")
    fails(400, "invalid_id", nil, T:get(made.id))
  end)

  it("test: a stored template by id, and one whose integration points nowhere fails", function()
    local jira = assert(T:by_name("Jira SEC bugs"))
    srv.clear()
    assert.is_true(T:test(jira.id))
    local r = requests.check(only(TEMPLATES .. "/test"), "test-template-v1")
    assert.same({id = jira.id}, query_of(r))
    assert.equal(jira.integrationId, body_of(r).integrationId)
    local broken = assert(client.integrations:create{name = "spec broken jira", integrationType = "jira",
                                                      integrationConfig = {hostUrl = "https://jira.acme.invalid"}})
    fails(400, "integration_test_failed", "integrationConfig.hostUrl",
      T:test{name = "spec probe", integrationType = "jira", integrationId = broken.id,
             templateConfig = {basicConfig = {}}})
  end)

  it("dry runs send nothing", function()
    local t = assert(T:by_name("SOC email"))
    srv.clear()
    assert.same({method = "POST", path = TEMPLATES, body = email("spec dry")},
      T:create(email("spec dry"), {dry_run = true}))
    assert.same({method = "DELETE", path = TEMPLATES .. "/" .. t.id}, T:delete(t.id, {dry_run = true}))
    assert.equal("POST", T:test(email("spec dry"), {dry_run = true}).method)
    assert.equal(0, #srv.requests())
    -- an update reads the template (a dry run too: the PATCH it returns is the one it would send)
    local req = T:update(t.id, {enabled = false}, {dry_run = true})
    assert.same({"PATCH", TEMPLATES .. "/" .. t.id, t.name, t.customerId, false},
      {req.method, req.path, req.body.name, req.body.customerId, req.body.enabled})
    requests.sequence(srv, "get-template-v1")
  end)
end)
