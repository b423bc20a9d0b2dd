-- prismacloud.emulator.saved_searches: the search history, recent and saved searches
-- (SearchManager.json).
--
--   GET /search/history?filter=saved|recent[&limit=]   newest first (at most 1000)
--   GET /search/history/{id}                           one search (SearchModel)
--   POST /search/history/{id}                          save it, with a unique name (its query must
--                                                      fit the subset of its kind); 403 for a system default
--   DELETE /search/history/{id}                        204; 403 for a system default
--
-- Every tenant starts with DEFAULT_SAVED and the saved searches its seeded policies run; every
-- search run (search*.lua) is recorded here as a recent search, the oldest forgotten beyond
-- MAX_RECENT.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local rql = require "prismacloud.emulator.rql"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

M.HISTORY_SALT = 110
M.MAX_RECENT = 200

-- The system default saved searches every tenant starts with.
M.DEFAULT_SAVED = {
  {"Public S3 buckets", "config", "config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl'"},
  {"Root user activity", "audit_event", "event from cloud.audit_logs where user = 'root'"},
  {"AWS flow logs", "network", "network from vpc.flow_record where cloud.type = 'aws'"},
}

-- The cloud a query names (cloud.type = '...'), or nil.
local function cloud_of(query)
  return query:lower():match("cloud%.type%s*=%s*'(%a+)'")
end

-- The state's search store, seeded on first use.
local function history(app)
  local st = app.state
  if st.searches then return st.searches end
  st.searches, st.search_serial = state_mod.new_store(), 0
  for k, d in ipairs(M.DEFAULT_SAVED) do
    local id = data.uuid(st.world.seed, M.HISTORY_SALT, k)
    st.searches:put(id, {
      id = id, name = d[1], description = "System default: " .. d[1], searchType = d[2], query = d[3],
      saved = true, systemDefault = true, cloudType = cloud_of(d[3]),
      timeRange = {type = "relative", value = {amount = 24, unit = "hour"}},
      createdBy = "Prisma Cloud System Admin", lastModifiedBy = "Prisma Cloud System Admin",
      timestamp = st.world.anchor_ms - k * data.DAY_MS,
    })
  end
  -- the saved searches that seeded policies run (their rule's criteria is the search's id)
  for k, p in ipairs(st.world.policy_searches or {}) do
    st.searches:put(p.id, {
      id = p.id, name = p.name, description = "Saved search of the policy " .. p.name, searchType = "config",
      query = p.query, saved = true, systemDefault = true, cloudType = p.cloud,
      timeRange = {type = "relative", value = {amount = 24, unit = "hour"}},
      createdBy = "Prisma Cloud System Admin", lastModifiedBy = "Prisma Cloud System Admin",
      timestamp = st.world.anchor_ms - (#M.DEFAULT_SAVED + k) * data.DAY_MS,
    })
  end
  return st.searches
end

-- Records a search run: the entry of `id` when it names a known search (a
-- re-run keeps it), else a new recent search. Returns the entry.
function M.record(app, req, search_type, query, time_range, id)
  local store = history(app)
  local user = req.claims and req.claims.sub or "emulator"
  local known = type(id) == "string" and store.by_id[id]
  if known then
    known.timestamp = api.now_ms()
    return known
  end
  local st = app.state
  st.search_serial = st.search_serial + 1
  local new_id = data.uuid(st.world.seed, M.HISTORY_SALT, 1000 + st.search_serial)
  local entry = {id = new_id, name = "", description = "", searchType = search_type, query = query, saved = false,
                 systemDefault = false, cloudType = cloud_of(query), timeRange = time_range, createdBy = user,
                 lastModifiedBy = user, timestamp = api.now_ms()}
  store:put(new_id, entry)
  -- Forget the oldest recent searches beyond MAX_RECENT.
  local recent = 0
  for i = #store.order, 1, -1 do
    local e = store.by_id[store.order[i]]
    if not e.saved then
      recent = recent + 1
      if recent > M.MAX_RECENT then store:delete(e.id) end
    end
  end
  return entry
end

-- An entry as a SearchModel.
local function model(e)
  return {id = e.id, name = e.name, description = e.description, searchType = e.searchType, query = e.query,
          saved = e.saved, timeRange = e.timeRange, cloudType = e.cloudType, default = e.systemDefault,
          readOnly = e.systemDefault, groupBy = array{}, filters = array{}, async = false}
end

-- The answer of a search run recorded as entry: a SearchModel with the run's data.
function M.answer(entry, search_type, query, time_range, result)
  return {id = entry.id, name = entry.name, description = entry.description, searchType = search_type,
          saved = entry.saved, query = query, timeRange = time_range, cloudType = entry.cloudType,
          groupBy = array{}, filters = array{}, async = false, default = false, data = result}
end

-- The search of id (saved or recent), or nil.
function M.find(app, id)
  return history(app).by_id[id]
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/search/history", function(req)
    local filter = api.query(req, "filter")
    if filter ~= "saved" and filter ~= "recent" then
      return api.fail(req, 400, "invalid_parameter_value", "filter", "filter must be saved or recent")
    end
    local limit = 1000
    local raw = api.query(req, "limit")
    if raw ~= nil then
      limit = math.tointeger(tonumber(raw))
      if not limit then return api.fail(req, 400, "invalid_parameter_value", "limit") end
      if limit < 1 or limit > 1000 then limit = 1000 end
    end
    local store, out = history(app), array{}
    for i = #store.order, 1, -1 do -- newest first
      local e = store.by_id[store.order[i]]
      if (filter == "saved") == e.saved and #out < limit then
        out[#out + 1] = {id = e.id, searchName = e.name, description = e.description, query = e.query,
                         searchModel = model(e), systemDefault = e.systemDefault, createdBy = e.createdBy,
                         lastModifiedBy = e.lastModifiedBy, timestamp = e.timestamp, policies = array{}}
      end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/search/history/:id", function(req, params)
    local e = history(app).by_id[params.id]
    if not e then return api.fail(req, 404, "not_found", "id", "no saved or recent search with this id") end
    return api.json(200, model(e))
  end)

  router:add("POST", "/search/history/:id", function(req, params)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local store = history(app)
    local e = store.by_id[params.id]
    if not e then return api.fail(req, 404, "not_found", "id", "no saved or recent search with this id") end
    if e.systemDefault then
      return api.fail(req, 403, "cannot_update_default_saved_search", "id", "a system default search is read-only")
    end
    if type(body.query) ~= "string" or body.query:match("^%s*$") then
      return api.fail(req, 400, "bad_request", "query", "query is required")
    end
    if type(body.timeRange) ~= "table" or type(body.timeRange.type) ~= "string" then
      return api.fail(req, 400, "bad_request", "timeRange", "timeRange is required")
    end
    if type(body.name) ~= "string" or body.name:match("^%s*$") then
      return api.fail(req, 400, "bad_request", "name", "a saved search needs a unique name")
    end
    for _, other in ipairs(store:list()) do
      if other.saved and other.id ~= e.id and other.name == body.name then
        return api.fail(req, 400, "duplicate_search_name", "name", "a saved search has this name already")
      end
    end
    local kind = e.searchType == "audit_event" and "event" or e.searchType
    if rql.KINDS[kind] and not rql.parse(body.query, kind, req) then
      return api.fail(req, 400, "unsupported_search_query", "query", rql.SUPPORTED_BY_KIND[kind])
    end
    e.name, e.query, e.timeRange, e.saved = body.name, body.query, body.timeRange, true
    if type(body.description) == "string" then e.description = body.description end
    e.cloudType = cloud_of(body.query)
    e.lastModifiedBy = req.claims and req.claims.sub or "emulator"
    e.timestamp = api.now_ms()
    local out = model(e)
    out.data = model(e)
    return api.json(200, out)
  end)

  router:add("DELETE", "/search/history/:id", function(req, params)
    local store = history(app)
    local e = store.by_id[params.id]
    if not e then return api.fail(req, 404, "not_found", "id", "no saved or recent search with this id") end
    if e.systemDefault then
      return api.fail(req, 403, "unauthorized_access", "id", "a system default search cannot be deleted")
    end
    store:delete(e.id)
    return api.empty(204)
  end)
end

return M
