-- prismacloud.emulator.search: RQL config search over the tenant's cloud resources
-- (SearchMicroService.json; the resources are cloud_resources.lua's).
--
--   POST /search/config              {query, timeRange?, limit?, withResourceJson?, sort?, id?}
--                                    -> {id, query, searchType = "config", timeRange, data = {totalRows,
--                                    items, nextPageToken?}, ...}
--   POST /search/api/v1/config[/{id}]  by query (or by saved search id) with timeRange: the page itself
--   POST /search/api/v2/config[/{id}]  the same with startTime, at most 100 results a page
--                                    (skipResult, skipSearchCreation as documented)
--   POST /search/config/page         {pageToken, limit?, withResourceJson?} -> {totalRows, items,
--                                    nextPageToken?}: the next page of any of them
--
-- A timeRange keeps the resources whose insertTs falls in it; without one, all match. Sort
-- fields: SORT_COLUMNS, asc or desc. Queries, limits and pages: search_query.lua.
local api = require "prismacloud.emulator.api"
local cloud_resources = require "prismacloud.emulator.cloud_resources"
local json = require "prismacloud.json"
local saved_searches = require "prismacloud.emulator.saved_searches"
local search_query = require "prismacloud.emulator.search_query"

local M = {}

local array = api.array

M.V2_MAX_LIMIT = 100

local SORT_COLUMNS = {"id", "time", "insert_ts", "api_name", "cloud_account", "cloud_region"}

-- The sort key of a resource, by sort field.
local SORT_KEYS = {
  id = function(r) return r.kind.cloud == "AWS" and r.name or r.account.accountId .. r.name end,
  time = function(r) return r.insert_ts end, insert_ts = function(r) return r.insert_ts end,
  api_name = function(r) return r.kind.api end, cloud_account = function(r) return r.account.name end,
  cloud_region = function(r) return r.region[2] end,
}

-- withResourceJson of a request body into q.j (default: keep q.j): nil, or a 400 response.
local function with_json(req, body, q)
  local v = api.bool(body.withResourceJson)
  if v == "bad" then return api.fail(req, 400, "invalid_parameter_value", "withResourceJson") end
  if v ~= nil then q.j = v end
  return nil
end

-- The cloud resources as a search source (search_query.lua).
local source = {
  kind = "config", search_type = "config", sort_keys = SORT_KEYS,
  count = cloud_resources.count,
  row = function(w, i, n) return cloud_resources.resource(w, n, i) end,
  view = cloud_resources.view,
  time = function(r) return r.insert_ts end,
  item = function(w, r, q) return cloud_resources.item(w, r, q.j) end,
  page_fields = function(out) out.dynamicColumns, out.sortAllowedColumns = array{}, array(SORT_COLUMNS) end,
  next_options = with_json,
}

-- The sort of a request: {{field, direction}}, or nil when it is not one.
local function parse_sort(sort)
  local out = {}
  if sort == nil or sort == json.null then return out end
  if type(sort) ~= "table" then return nil end
  for _, s in ipairs(sort) do
    if type(s) ~= "table" or not SORT_KEYS[s.field] then return nil end
    local dir = s.direction or "asc"
    if dir ~= "asc" and dir ~= "desc" then return nil end
    out[#out + 1] = array{s.field, dir}
  end
  return out
end

-- The first page of a config search. version: 0 (/search/config, the page inside a search model),
-- 1 (timeRange) or 2 (startTime); search_id: run that saved search instead of the body's query.
local function search(app, req, version, search_id)
  local body, bad = api.body(req, search_id == nil)
  if not body then return bad end
  local entry, query, tr
  if search_id then
    entry = saved_searches.find(app, search_id)
    if not entry or entry.searchType ~= "config" then
      return api.fail(req, 404, "not_found", "id", "no config search with this id")
    end
    query, tr = entry.query, entry.timeRange
  else
    query = body.query
  end
  local failed = search_query.query_error(req, "config", query)
  if failed then return failed end
  local limit, lbad = search_query.limit(req, body.limit, search_query.DEFAULT_LIMIT)
  if not limit then return lbad end
  if version == 2 and limit > M.V2_MAX_LIMIT then
    return api.fail(req, 400, "invalid_parameter_value", "limit", "at most 100 results a page")
  end
  local q = {sid = search_query.state_id(app), q = query, o = 0, l = limit, j = true}
  local jbad = with_json(req, body, q)
  if jbad then return jbad end
  q.s = parse_sort(body.sort)
  if not q.s then
    return api.fail(req, 400, "invalid_parameter_value", "sort",
      "sort fields: " .. table.concat(SORT_COLUMNS, ", ") .. "; directions asc, desc")
  end
  if version ~= 2 then
    if body.timeRange ~= nil and body.timeRange ~= json.null then tr = body.timeRange end
    q.a, q.b = search_query.time_bounds(req, tr)
    if not q.a then return q.b end
  elseif body.startTime ~= nil and body.startTime ~= json.null then
    q.a, q.b = math.tointeger(body.startTime), api.time_context(req, 0).now_ms
    if not q.a then return api.fail(req, 400, "invalid_parameter_value", "startTime") end
  else
    q.a, q.b = math.mininteger, math.maxinteger
  end
  local out = search_query.page(app, source, q)
  local shown_tr = tr or search_query.ALL_TIME
  if version == 0 then
    entry = saved_searches.record(app, req, "config", query, shown_tr, body.id)
    return api.json(200, saved_searches.answer(entry, "config", query, shown_tr, out))
  end
  if api.bool(body.skipResult) == true then out.items = array{} end
  if not entry and api.bool(body.skipSearchCreation) ~= true then
    entry = saved_searches.record(app, req, "config", query, shown_tr, nil)
  end
  out.id = entry and entry.id or json.null
  return api.json(200, out)
end

-- Adds the routes above.
function M.register(router, app)
  router:add("POST", "/search/config", function(req) return search(app, req, 0) end)
  for _, v in ipairs{1, 2} do
    router:add("POST", ("/search/api/v%d/config"):format(v), function(req) return search(app, req, v) end)
    router:add("POST", ("/search/api/v%d/config/:id"):format(v), function(req, params)
      return search(app, req, v, params.id)
    end)
  end
  router:add("POST", "/search/config/page", function(req) return search_query.next(app, req, source) end)
end

return M
