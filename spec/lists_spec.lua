-- client.resource_lists and client.collections against the emulator over real
-- sockets: every verb's request fits the catalog, collections page lazily by
-- next_page_token (walk once, resume from a cursor, stop at max_items), dry
-- runs send nothing, errors come back as nil, err with the documented keys.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"
local requests = require "spec.support.requests"
local json = require "prismacloud.json"

local query_of, body_of, check = requests.query_of, requests.body_of, requests.check

describe("resource lists and collections", function()
  local fx = server.fixture{seed = 7}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  local only = fx.only

  describe("resource_lists", function()
    it("list and each: GET /v1/resource_list?listType=TAG", function()
      local lists = assert(client.resource_lists:list())
      assert.is_true(#lists >= 5)
      for _, l in ipairs(lists) do assert.equal("TAG", l.resourceListType) end
      local r = check(only("/v1/resource_list"), "get-all-resource-list-for-customer")
      assert.same({listType = "TAG"}, query_of(r))
      srv.clear()
      local seen = {}
      for l in client.resource_lists:each() do
        assert.is_nil(seen[l.id])
        seen[l.id] = true
      end
      for _, l in ipairs(lists) do assert.is_true(seen[l.id]) end
      check(only("/v1/resource_list"), "get-all-resource-list-for-customer")
      assert.has_error(function() client.resource_lists:list(5) end,
        "bad argument #1 to 'list' (list type string expected, got number)")
    end)

    it("types: GET /v1/resource_list/types", function()
      local types = assert(client.resource_lists:types())
      assert.same({"TAG", "COMPUTE_ACCESS_GROUP"}, types)
      check(only("/v1/resource_list/types"), "get-resource-list-types")
    end)

    it("create, get, update, by_name, delete", function()
      -- members go as the JSON text the reference types them as (a string), and come back so
      local new = {name = "lua tags", resourceListType = "TAG", description = "d", members = {{env = "prod"}}}
      local l = assert(client.resource_lists:create(new))
      assert.same({name = "lua tags", resourceListType = "TAG", description = "d", members = '[{"env":"prod"}]'},
        body_of(check(only("/v1/resource_list"), "add-resource-list")))
      assert.same({{env = "prod"}}, new.members) -- the caller's table is left as it was
      assert.is_string(l.id)
      assert.equal('[{"env":"prod"}]', l.members)
      assert.same({{env = "prod"}}, json.decode(l.members))

      srv.clear()
      assert.equal("lua tags", assert(client.resource_lists:get(l.id)).name)
      check(only("/v1/resource_list/" .. l.id), "get-resource-list-by-id")

      srv.clear()
      local changed = {name = "lua tags 2", resourceListType = "TAG", members = {{env = "dev"}, {team = "x"}}}
      local u = assert(client.resource_lists:update(l.id, changed))
      assert.equal("lua tags 2", u.name)
      assert.equal("d", u.description)
      local r = check(only("/v1/resource_list/" .. l.id), "update-resource-list")
      assert.same({{env = "dev"}, {team = "x"}}, json.decode(body_of(r).members))
      assert.is_string(body_of(r).members)
      -- a list as read goes back as it came (members already text)
      srv.clear()
      local read = assert(client.resource_lists:get(l.id))
      assert.is_string(read.members)
      assert(client.resource_lists:update(l.id, {name = read.name, resourceListType = read.resourceListType,
                                                 members = read.members}))
      assert.equal(read.members, body_of(srv.requests("/v1/resource_list/" .. l.id)[2]).members)
      -- and members that are no JSON array text are refused
      local bad, refused = client.resource_lists:update(l.id, {name = read.name, resourceListType = "TAG",
                                                               members = "env=prod"})
      assert.is_nil(bad)
      assert.equal(400, refused.status)

      srv.clear()
      local found = assert(client.resource_lists:by_name("lua tags 2"))
      assert.equal(l.id, found.id)
      check(only("/v1/resource_list"), "get-all-resource-list-for-customer")
      assert.is_nil(client.resource_lists:by_name("lua tags"))

      srv.clear()
      assert.is_true(client.resource_lists:delete(l.id))
      check(only("/v1/resource_list/" .. l.id), "delete-resource-list-by-id")
      local gone, err = client.resource_lists:get(l.id)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      assert.equal("non_existing_resource_list_id", err.code)
    end)

    it("errors: duplicate names, bad types, lists held by a role", function()
      local lists = client.resource_lists:list()
      local l, err = client.resource_lists:create{name = lists[1].name:upper(), resourceListType = "TAG",
                                                   members = {}}
      assert.is_nil(l)
      assert.equal(409, err.status)
      assert.equal("conflict", err.kind)
      assert.equal("duplicate_resource_list_name", err.code)

      l, err = client.resource_lists:create{name = "odd", resourceListType = "PORT", members = {}}
      assert.is_nil(l)
      assert.equal(400, err.status)
      assert.equal("invalid_resource_list_type", err.code)

      -- listType's only documented value is TAG: the catalog refuses others before sending
      srv.clear()
      assert.has_error(function() client.resource_lists:list("COMPUTE_ACCESS_GROUP") end)
      assert.equal(0, #srv.requests("/v1/resource_list"))
      local raw
      raw, err = client:send("GET", "/v1/resource_list", {query = {listType = "PORT"}})
      assert.is_nil(raw)
      assert.equal(400, err.status)
      assert.equal("invalid_resource_list_type", err.code)
      local ok
      ok, err = client.resource_lists:delete(lists[1].id)
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("resource_list_assigned_to_user_role", err.code)
      assert.equal(lists[1].id, client.resource_lists:get(lists[1].id).id)

      ok, err = client.resource_lists:update("no-such-list", {name = "x", resourceListType = "TAG", members = {}})
      assert.is_nil(ok)
      assert.equal(404, err.status)
      assert.equal("non_existing_resource_list_id", err.code)
    end)

    it("dry_run returns the request and sends nothing; bad arguments raise", function()
      local new = {name = "dry", resourceListType = "TAG", members = {}}
      local sent = {name = "dry", resourceListType = "TAG", members = "[]"}
      assert.same({method = "POST", path = "/v1/resource_list", body = sent},
        client.resource_lists:create(new, {dry_run = true}))
      assert.same({method = "PUT", path = "/v1/resource_list/a%2Fb", body = sent},
        client.resource_lists:update("a/b", new, {dry_run = true}))
      assert.same({method = "DELETE", path = "/v1/resource_list/x"},
        client.resource_lists:delete("x", {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.has_error(function() client.resource_lists:get(nil) end, "bad argument #1 to 'get' (id expected, got nil)")
      assert.has_error(function() client.resource_lists:create("x") end,
        "bad argument #1 to 'create' (table expected, got string)")
      assert.has_error(function() client.resource_lists:update("x", nil) end,
        "bad argument #2 to 'update' (table expected, got nil)")
      -- members that are no array (a map, or one with holes) raise, naming the argument
      local MAP = "(members must be an array (a table with keys 1..n) or its JSON text, got a table with other keys)"
      assert.has_error(function()
        client.resource_lists:create({name = "m", resourceListType = "TAG", members = {env = "prod"}})
      end, "bad argument #1 to 'create' " .. MAP)
      assert.has_error(function()
        local sparse = {[1] = {a = "b"}, [3] = {c = "d"}}
        client.resource_lists:create({name = "m", resourceListType = "TAG", members = sparse}, {dry_run = true})
      end, "bad argument #1 to 'create' " .. MAP)
      assert.has_error(function()
        client.resource_lists:update("x", {name = "m", resourceListType = "TAG", members = {env = "prod"}})
      end, "bad argument #2 to 'update' " .. MAP)
      assert.has_error(function() client.resource_lists:delete("x", {dryrun = true}) end,
        "unknown option 'dryrun' to 'delete'")
      assert.has_error(function() client.resource_lists:by_name(3) end,
        "bad argument #1 to 'by_name' (string expected, got number)")
      assert.equal(0, #srv.requests())
    end)
  end)

  describe("collections", function()
    local PATH = "/entitlement/api/v1/collection"

    -- Every collection id by walking an iterator; fails on a duplicate.
    local function walk(it)
      local ids, seen = {}, {}
      for c in it do
        assert.is_nil(seen[c.id], "duplicate " .. c.id)
        seen[c.id] = true
        ids[#ids + 1] = c.id
      end
      return ids, seen
    end

    it("each walks every page exactly once, ID descending", function()
      local ids = walk(client.collections:each(nil, {page_size = 25}))
      assert.is_true(#ids >= 130)
      for i = 2, #ids do assert.is_true(ids[i - 1] > ids[i]) end
      local log = srv.requests(PATH)
      assert.equal(math.ceil(#ids / 25), #log)
      assert.same({page_size = "25"}, query_of(check(log[1], "get-all-collections")))
      for i = 2, #log do
        local q = query_of(check(log[i], "get-all-collections"))
        assert.is_string(q.next_page_token)
        assert.is_nil(q.page_size)
      end
    end)

    it("list gives one page and its cursor; each resumes from a cursor and stops at max_items", function()
      local all = walk(client.collections:each({order_by = "NAME"}, {page_size = 500}))
      srv.clear()
      local page = assert(client.collections:list({order_by = "NAME"}, {page_size = 40}))
      local first, token = page.items, page.next_token
      assert.equal(40, #first)
      assert.is_string(token)
      assert.equal(token, page.body.nextPageToken)
      assert.same({order_by = "NAME", page_size = "40"}, query_of(check(only(PATH), "get-all-collections")))
      for i = 1, 40 do assert.equal(all[i], first[i].id) end

      srv.clear()
      local rest = walk(client.collections:each({order_by = "NAME"}, {cursor = token}))
      assert.equal(#all - 40, #rest)
      for i, id in ipairs(rest) do assert.equal(all[40 + i], id) end
      assert.same({order_by = "NAME", next_page_token = token},
        query_of(check(srv.requests(PATH)[1], "get-all-collections")))

      srv.clear()
      local it = client.collections:each(nil, {page_size = 30, max_items = 45})
      local some = walk(it)
      assert.equal(45, #some)
      assert.equal(2, #srv.requests(PATH))
      assert.is_string(it:cursor())

      local second = assert(client.collections:list(nil, {cursor = token}))
      assert.is_table(second.items)
      assert.is_true(second.next_token == nil or type(second.next_token) == "string")
      assert.has_error(function() client.collections:each{order_by = "SIZE"} end)
      assert.has_error(function() client.collections:list(nil, {max_items = 3}) end,
        "unknown option 'max_items' to 'list'")
    end)

    it("pages and exclude_asset_group", function()
      local n, items = 0, 0
      for page in client.collections:pages({exclude_asset_group = true}, {page_size = 100, max_pages = 5}) do
        n = n + 1
        items = items + #page.value
        for _, c in ipairs(page.value) do assert.is_nil(c.assetGroups) end
      end
      assert.equal(2, n)
      assert.is_true(items >= 130)
      local log = srv.requests(PATH)
      assert.same({exclude_asset_group = "true", page_size = "100"}, query_of(check(log[1], "get-all-collections")))
    end)

    it("create, get, update, by_name, delete", function()
      local new = {name = "lua collection", description = "d", assetGroups = {accountIds = {"*"}}}
      local c = assert(client.collections:create(new))
      assert.same(new, body_of(check(only(PATH), "create-collection")))
      assert.same({"*"}, c.assetGroups.accountIds)
      assert.is_string(c.id)

      srv.clear()
      assert.equal("lua collection", assert(client.collections:get(c.id)).name)
      check(only(PATH .. "/" .. c.id), "get-collection-by-id")

      srv.clear()
      local u = assert(client.collections:update(c.id, {name = "lua collection 2"}))
      assert.equal("lua collection 2", u.name)
      assert.equal("d", u.description)
      assert.same({"*"}, u.assetGroups.accountIds)
      assert.same({name = "lua collection 2"}, body_of(check(only(PATH .. "/" .. c.id), "update-collection-by-id")))

      srv.clear()
      local found = assert(client.collections:by_name("lua collection 2"))
      assert.equal(c.id, found.id)
      for _, r in ipairs(srv.requests(PATH)) do check(r, "get-all-collections") end
      assert.is_nil(client.collections:by_name("no such collection"))

      srv.clear()
      assert.is_true(client.collections:delete(c.id))
      check(only(PATH .. "/" .. c.id), "delete-collection-by-id")
      local gone, err = client.collections:get(c.id)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      assert.equal("not_found", err.kind)
    end)

    it("errors come back as nil, err", function()
      local c, err = client.collections:create{name = ""}
      assert.is_nil(c)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
      local first = assert(client.collections:list()).items[1]
      c, err = client.collections:create{name = first.name}
      assert.is_nil(c)
      assert.equal(409, err.status)
      c, err = client.collections:create{name = "too many groups",
                                         assetGroups = {accountGroupIds = {"1", "2", "3", "4", "5", "6"}}}
      assert.is_nil(c)
      assert.equal("invalid_parameter_value", err.code)
      local items
      items, err = client.collections:list(nil, {cursor = "not-a-token"})
      assert.is_nil(items)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      local it = client.collections:each(nil, {cursor = "not-a-token"})
      local item
      item, err = it:next()
      assert.is_nil(item)
      assert.equal(400, err.status)
    end)

    it("the seeded data is a function of the seed", function()
      local function snapshot(c)
        local out = {}
        for x in c.collections:each(nil, {page_size = 500}) do out[#out + 1] = x.id .. "|" .. x.name end
        for _, l in ipairs(c.resource_lists:list()) do out[#out + 1] = l.id .. "|" .. l.name end
        return out
      end
      local function other(seed)
        local s2 = server.start{seed = seed}
        local c2 = prismacloud.new{url = s2.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
        local ok, snap = pcall(snapshot, c2)
        c2:close()
        s2.stop()
        assert(ok, snap)
        return snap
      end
      local first = other(7)
      assert.is_true(#first > 130)
      assert.same(first, other(7))
      assert.not_same(first, other(8))
    end)

    it("dry_run returns the request and sends nothing", function()
      assert.same({method = "POST", path = PATH, body = {name = "dry"}},
        client.collections:create({name = "dry"}, {dry_run = true}))
      assert.same({method = "PUT", path = PATH .. "/x", body = {name = "dry"}},
        client.collections:update("x", {name = "dry"}, {dry_run = true}))
      assert.same({method = "DELETE", path = PATH .. "/x"}, client.collections:delete("x", {dry_run = true}))
      assert.equal(0, #srv.requests())
    end)
  end)
end)
