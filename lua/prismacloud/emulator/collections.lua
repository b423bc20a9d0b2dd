-- prismacloud.emulator.collections: collections of asset groups (CollectionsMicroservice.json).
--
--   GET /entitlement/api/v1/collection       paged {value, nextPageToken}: page_size (50, at
--                                            most 500), order_by, next_page_token
--   POST /entitlement/api/v1/collection      create (201)
--   GET|PUT|DELETE .../collection/{id}       one collection (DELETE 204)
--
-- Errors as documented: 400 missing_required_parameter and invalid_parameter_value, 409
-- duplicate_collection_name, 404 collection_not_found. A page token (api.page_token) carries the
-- query and the last id a page showed, so paging is stable while collections come and go. The
-- store is seeded from the world's seed the first time a state is used, so a rebuilt state starts
-- over.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

-- The salt of this module's generated collections (past data.SALT's).
local SALT_COLLECTION = 42
-- The kind of its page tokens (licensing's too).
local TOKEN_KIND = "list"

M.COLLECTION_COUNT = 130

local COLLECTION_PATH = "/entitlement/api/v1/collection"
local ORDERS = {ID = true, NAME = true, LAST_MODIFIED_TS = true}
local DEFAULT_PAGE, MAX_PAGE = 50, 500
local WORDS = {"Payments", "Search", "Platform", "Data", "Edge", "Identity", "Billing", "Mobile", "Web", "Ops"}

-- The seeded collections of state st: COLLECTION_COUNT of them over its accounts and groups.
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

-- The collection store of state st (seeded on first use).
local function collections_of(st)
  if not st.collections then st.collections = seed_collections(st) end
  return st.collections
end

-- A collection as the API answers it, without its asset groups when asked.
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
  if groups ~= nil and (type(groups) ~= "table" or api.is_array(groups) and next(groups) ~= nil) then
    return api.fail(req, 400, "invalid_parameter_value", "assetGroups", "assetGroups must be an object")
  end
  local limits = {accountGroupIds = 5, accountIds = 1000, repositoryIds = 1000}
  for field, max in pairs(limits) do
    local v = groups and groups[field]
    if v ~= nil and (not api.is_array(v) or #v > max) then
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

-- The assetGroups of a body as stored: the three id lists, each an array.
local function asset_groups(groups)
  local out = {}
  for _, field in ipairs{"accountIds", "accountGroupIds", "repositoryIds"} do
    out[field] = array(api.copy(type(groups) == "table" and groups[field] or {}))
  end
  return out
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", COLLECTION_PATH, function(req)
    local st = app.state
    local q
    local token = api.query(req, "next_page_token")
    if token ~= nil then
      q = api.read_token(TOKEN_KIND, st.id, token)
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
    local out, last = array{}, start + q.n - 1
    for i = start, math.min(#list, last) do out[#out + 1] = collection_view(list[i], q.x == 1) end
    local body = {value = out}
    if last < #list then
      body.nextPageToken = api.page_token(TOKEN_KIND, st.id, {n = q.n, o = q.o, x = q.x, after = list[last].id})
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

return M
