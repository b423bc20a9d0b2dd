-- prismacloud.emulator.lists: resource lists (ResourceLists.json) and
-- collections (CollectionsMicroservice.json).
--
--   GET /v1/resource_list?listType=TAG       the lists of a type (400 invalid_resource_list_type)
--   GET /v1/resource_list/types              the list types
--   GET|PUT|DELETE /v1/resource_list/{id}    one list (404 non_existing_resource_list_id)
--   POST /v1/resource_list                   create (409 duplicate_resource_list_name)
--   GET /entitlement/api/v1/collection       paged {value, nextPageToken}: page_size (50, at
--                                            most 500), order_by, next_page_token
--   POST /entitlement/api/v1/collection      create (201)
--   GET|PUT|DELETE .../collection/{id}       one collection (DELETE 204)
--
-- Both stores are seeded from the world's seed the first time a state is
-- used, so a rebuilt state starts over. A seeded resource list is assigned
-- to a user role: deleting it fails as documented.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

-- Salts of this module's generated things (past data.SALT's).
local SALT_LIST, SALT_COLLECTION = 41, 42

M.RESOURCE_LIST_COUNT = 12
M.COLLECTION_COUNT = 130

--------------------------------------------------------------------------
-- Page tokens: opaque, bound to one state, carrying the query.
--------------------------------------------------------------------------

--- A page token for query q (a table of strings and integers) of state st (api.page_token).
function M.page_token(st, q)
  return api.page_token("list", st.id, q)
end

--- The query a page token carries, or nil when it is not one of st's.
function M.read_token(st, token)
  return api.read_token("list", st.id, token)
end

-- True when v is a JSON array (or an empty table).
local function is_array(v)
  return type(v) == "table" and (getmetatable(v) == json.array_mt or next(v) == nil or v[1] ~= nil)
end

--------------------------------------------------------------------------
-- Resource lists.
--------------------------------------------------------------------------

local LIST_TYPES = {TAG = true, COMPUTE_ACCESS_GROUP = true}
local TAG_KEYS = {"env", "team", "owner", "cost-center", "app", "tier"}
local TAG_VALUES = {"prod", "staging", "dev", "payments", "search", "platform", "web", "db"}

local function seed_lists(w)
  local store = state_mod.new_store()
  for i = 1, M.RESOURCE_LIST_COUNT do
    local h = data.hash(w.seed, SALT_LIST, i)
    local kind = i % 4 == 0 and "COMPUTE_ACCESS_GROUP" or "TAG"
    local members = array{}
    if kind == "TAG" then
      for k = 1, 1 + data.roll(h, 3, 4) do
        members[k] = {[TAG_KEYS[(data.roll(h, #TAG_KEYS, 8) + k - 1) % #TAG_KEYS + 1]] =
                      TAG_VALUES[data.roll(h, #TAG_VALUES, 12 + k) + 1]}
      end
    else
      members[1] = {hosts = array{("host-%d-*"):format(i)}, images = array{"*"}, labels = array{},
                    containers = array{}, namespaces = array{"default"}, clusters = array{"*"}}
    end
    local id = data.uuid(w.seed, SALT_LIST, i)
    store:put(id, {
      id = id, name = ("%s list %d"):format(kind == "TAG" and "Tag" or "Compute access", i),
      description = ("Seeded %s resource list %d"):format(kind, i), resourceListType = kind,
      members = json.encode(members), -- raw JSON text, as the reference types members
      lastModifiedBy = data.USERS[data.roll(h, #data.USERS, 20) + 1],
      lastModifiedTs = w.anchor_ms - (1 + data.roll(h, 90, 24)) * data.DAY_MS,
      assigned = i == 1, -- held by a user role
    })
  end
  return store
end

local function lists_of(st)
  if not st.resource_lists then st.resource_lists = seed_lists(st.world) end
  return st.resource_lists
end

local function list_view(l)
  return api.copy(l, {assigned = true})
end

-- Checks a create/update body; nil, or an error response.
local function check_list(req, store, body, self_id)
  if type(body.name) ~= "string" or not body.name:find("%S") then
    return api.fail(req, 400, "missing_required_parameter", "name", "name is required")
  end
  if #body.name > 256 then return api.fail(req, 400, "invalid_parameter_value", "name", "name is too long") end
  if body.resourceListType == nil then
    return api.fail(req, 400, "missing_required_parameter", "resourceListType", "resourceListType is required")
  end
  if not LIST_TYPES[body.resourceListType] then
    return api.fail(req, 400, "invalid_resource_list_type", tostring(body.resourceListType))
  end
  if body.members == nil or body.members == json.null then
    return api.fail(req, 400, "missing_required_parameter", "members", "members is required")
  end
  -- a string, as the reference types it: the members as raw JSON text (an array)
  local ok, members = pcall(json.decode, type(body.members) == "string" and body.members or "")
  if not ok or not is_array(members) then
    return api.fail(req, 400, "invalid_parameter_value", "members", "members must be the JSON text of an array")
  end
  for _, l in ipairs(store:list()) do
    if l.id ~= self_id and l.name:lower() == body.name:lower() then
      return api.fail(req, 409, "duplicate_resource_list_name", body.name, "duplicate resource list name")
    end
  end
  return nil
end

-- A stored resource list from a create or an update body (base: the list it replaces).
local function from_body(req, body, id, base)
  local description = type(body.description) == "string" and body.description or base and base.description or ""
  return {id = id, name = body.name, description = description, resourceListType = body.resourceListType,
          members = body.members, lastModifiedBy = api.user_of(req), lastModifiedTs = api.now_ms(),
          assigned = base and base.assigned or false}
end

local function register_resource_lists(router, app)
  router:add("GET", "/v1/resource_list/types", function()
    return api.json(200, array{"TAG", "COMPUTE_ACCESS_GROUP"})
  end)

  router:add("GET", "/v1/resource_list", function(req)
    local kind = api.query(req, "listType")
    if kind == nil then return api.fail(req, 400, "invalid_resource_list_type", "listType", "listType is required") end
    if not LIST_TYPES[kind] then return api.fail(req, 400, "invalid_resource_list_type", kind) end
    local out = array{}
    for _, l in ipairs(lists_of(app.state):list()) do
      if l.resourceListType == kind then out[#out + 1] = list_view(l) end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/v1/resource_list/:id", function(req, params)
    local l = lists_of(app.state).by_id[params.id]
    if not l then return api.fail(req, 404, "non_existing_resource_list_id", params.id) end
    return api.json(200, list_view(l))
  end)

  router:add("POST", "/v1/resource_list", function(req)
    local st = app.state
    local store = lists_of(st)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_list(req, store, body)
    if err then return err end
    st.next_resource_list = (st.next_resource_list or 0) + 1
    local id = data.uuid(st.world.seed, 1000 + SALT_LIST, st.next_resource_list)
    local l = from_body(req, body, id)
    store:put(id, l)
    state_mod.touch(st)
    return api.json(200, list_view(l))
  end)

  router:add("PUT", "/v1/resource_list/:id", function(req, params)
    local st = app.state
    local store = lists_of(st)
    local base = store.by_id[params.id]
    if not base then return api.fail(req, 404, "non_existing_resource_list_id", params.id) end
    local body, bad = api.body(req, true)
    if not body then return bad end
    if body.id ~= nil and body.id ~= params.id then return api.fail(req, 400, "invalid_id", tostring(body.id)) end
    local err = check_list(req, store, body, params.id)
    if err then return err end
    local l = from_body(req, body, params.id, base)
    store:put(params.id, l)
    state_mod.touch(st)
    return api.json(200, list_view(l))
  end)

  router:add("DELETE", "/v1/resource_list/:id", function(req, params)
    local st = app.state
    local store = lists_of(st)
    local l = store.by_id[params.id]
    if not l then return api.fail(req, 404, "non_existing_resource_list_id", params.id) end
    if l.assigned then return api.fail(req, 400, "resource_list_assigned_to_user_role", params.id) end
    store:delete(params.id)
    state_mod.touch(st)
    return api.empty(204)
  end)
end

--------------------------------------------------------------------------
-- Collections.
--------------------------------------------------------------------------

local COLLECTION_PATH = "/entitlement/api/v1/collection"
local ORDERS = {ID = true, NAME = true, LAST_MODIFIED_TS = true}
local DEFAULT_PAGE, MAX_PAGE = 50, 500
local WORDS = {"Payments", "Search", "Platform", "Data", "Edge", "Identity", "Billing", "Mobile", "Web", "Ops"}

local function seed_collections(st)
  local w = st.world
  local store = state_mod.new_store()
  local accounts, groups = st.accounts:list(), st.groups:list()
  for i = 1, M.COLLECTION_COUNT do
    local h = data.hash(w.seed, SALT_COLLECTION, i)
    local account_ids, group_ids = array{}, array{}
    for k = 1, 1 + data.roll(h, 3, 4) do
      local a = accounts[(data.roll(h, #accounts, 8) + k - 1) % #accounts + 1]
      if a then account_ids[k] = a.accountId end
    end
    if i % 3 == 0 and #groups > 0 then group_ids[1] = groups[data.roll(h, #groups, 16) + 1].id end
    local created = w.anchor_ms - (100 + data.roll(h, 200, 20)) * data.DAY_MS
    local id = data.uuid(w.seed, SALT_COLLECTION, i)
    local by = data.USERS[data.roll(h, #data.USERS, 28) + 1]
    store:put(id, {
      id = id, name = ("%s collection %03d"):format(WORDS[data.roll(h, #WORDS, 32) + 1], i),
      description = ("Seeded collection %d"):format(i), createdBy = by, lastModifiedBy = by,
      createdTs = created, lastModifiedTs = created + data.roll(h, 90, 36) * data.DAY_MS,
      assetGroups = {accountIds = account_ids, accountGroupIds = group_ids, repositoryIds = array{}},
    })
  end
  return store
end

local function collections_of(st)
  if not st.collections then st.collections = seed_collections(st) end
  return st.collections
end

local function collection_view(c, exclude_asset_group)
  local out = api.copy(c)
  if exclude_asset_group then out.assetGroups = nil end
  return out
end

-- Sorted copy of the collections: ID desc by default, NAME and LAST_MODIFIED_TS ascending.
local function ordered(store, order)
  local list = store:list()
  table.sort(list, function(a, b)
    if order == "NAME" and a.name ~= b.name then return a.name < b.name end
    if order == "LAST_MODIFIED_TS" and a.lastModifiedTs ~= b.lastModifiedTs then
      return a.lastModifiedTs < b.lastModifiedTs
    end
    return a.id > b.id
  end)
  return list
end

-- Checks a create/update body; nil, or an error response.
local function check_collection(req, store, body, self_id)
  if type(body.name) ~= "string" or not body.name:find("%S") then
    return api.fail(req, 400, "missing_required_parameter", "name", "name is required")
  end
  local groups = body.assetGroups
  if groups ~= nil and (type(groups) ~= "table" or is_array(groups) and next(groups) ~= nil) then
    return api.fail(req, 400, "invalid_parameter_value", "assetGroups", "assetGroups must be an object")
  end
  local limits = {accountGroupIds = 5, accountIds = 1000, repositoryIds = 1000}
  for field, max in pairs(limits) do
    local v = groups and groups[field]
    if v ~= nil and (not is_array(v) or #v > max) then
      return api.fail(req, 400, "invalid_parameter_value", "assetGroups." .. field,
        ("assetGroups.%s must be an array of at most %d ids"):format(field, max))
    end
  end
  for _, c in ipairs(store:list()) do
    if c.id ~= self_id and c.name:lower() == body.name:lower() then
      return api.fail(req, 409, "duplicate_collection_name", body.name, "a collection with this name exists")
    end
  end
  return nil
end

local function asset_groups(groups)
  local out = {}
  for _, field in ipairs{"accountIds", "accountGroupIds", "repositoryIds"} do
    out[field] = array(api.copy(type(groups) == "table" and groups[field] or {}))
  end
  return out
end

local function register_collections(router, app)
  router:add("GET", COLLECTION_PATH, function(req)
    local st = app.state
    local q
    local token = api.query(req, "next_page_token")
    if token ~= nil then
      q = M.read_token(st, token)
      if q and (math.type(q.n) ~= "integer" or q.n < 1 or q.n > MAX_PAGE or not ORDERS[q.o]
                or type(q.after) ~= "string") then
        q = nil
      end
      if not q then
        return api.fail(req, 400, "invalid_parameter_value", "next_page_token", "invalid or expired page token")
      end
    else
      local size = api.query(req, "page_size")
      local n = size == nil and DEFAULT_PAGE or math.tointeger(tonumber(size))
      if not n or n < 1 or n > MAX_PAGE then
        return api.fail(req, 400, "invalid_parameter_value", "page_size", "page_size must be 1 to 500")
      end
      local order = api.query(req, "order_by") or "ID"
      if not ORDERS[order] then return api.fail(req, 400, "invalid_parameter_value", "order_by") end
      q = {n = n, o = order, x = api.query(req, "exclude_asset_group") == "true" and 1 or 0}
    end
    local list = ordered(collections_of(st), q.o)
    -- Resume after the last id a page showed (stable when items are added or deleted).
    local start = 1
    if q.after then
      start = #list + 1
      for i, c in ipairs(list) do
        if c.id == q.after then start = i + 1 break end
      end
    end
    local out = array{}
    for i = start, math.min(#list, start + q.n - 1) do out[#out + 1] = collection_view(list[i], q.x == 1) end
    local body = {value = out}
    if start + q.n - 1 < #list then
      body.nextPageToken = M.page_token(st, {n = q.n, o = q.o, x = q.x, after = list[start + q.n - 1].id})
    end
    return api.json(200, body)
  end)

  router:add("GET", COLLECTION_PATH .. "/:id", function(req, params)
    local c = collections_of(app.state).by_id[params.id]
    if not c then return api.fail(req, 404, "collection_not_found", params.id, "no collection " .. params.id) end
    return api.json(200, collection_view(c))
  end)

  router:add("POST", COLLECTION_PATH, function(req)
    local st = app.state
    local store = collections_of(st)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_collection(req, store, body)
    if err then return err end
    st.next_collection = (st.next_collection or 0) + 1
    local id = data.uuid(st.world.seed, 1000 + SALT_COLLECTION, st.next_collection)
    local now, by = api.now_ms(), api.user_of(req)
    local c = {id = id, name = body.name, description = type(body.description) == "string" and body.description or "",
               createdBy = by, lastModifiedBy = by, createdTs = now, lastModifiedTs = now,
               assetGroups = asset_groups(body.assetGroups)}
    store:put(id, c)
    state_mod.touch(st)
    return api.json(201, collection_view(c))
  end)

  router:add("PUT", COLLECTION_PATH .. "/:id", function(req, params)
    local st = app.state
    local store = collections_of(st)
    local base = store.by_id[params.id]
    if not base then return api.fail(req, 404, "collection_not_found", params.id, "no collection " .. params.id) end
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_collection(req, store, body, params.id)
    if err then return err end
    local c = api.copy(base)
    c.name = body.name
    if type(body.description) == "string" then c.description = body.description end
    if body.assetGroups ~= nil then c.assetGroups = asset_groups(body.assetGroups) end
    c.lastModifiedBy, c.lastModifiedTs = api.user_of(req), api.now_ms()
    store:put(params.id, c)
    state_mod.touch(st)
    return api.json(200, collection_view(c))
  end)

  router:add("DELETE", COLLECTION_PATH .. "/:id", function(req, params)
    local st = app.state
    local store = collections_of(st)
    if not store.by_id[params.id] then
      return api.fail(req, 404, "collection_not_found", params.id, "no collection " .. params.id)
    end
    store:delete(params.id)
    state_mod.touch(st)
    return api.empty(204)
  end)
end

function M.register(router, app)
  register_resource_lists(router, app)
  register_collections(router, app)
end

return M
