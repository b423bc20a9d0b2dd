-- prismacloud.emulator.search_query: what every RQL search shares: the checks of a search
-- request (its query in the subset of rql.lua, limit, time range), the rows a query matches
-- (cached per tenant state), and the event and IAM searches' pages with their continuation.
--
-- A search runs over a source of rows made on demand from (seed, index):
--   {kind =, search_type =, count = function(app) -> n, row = function(w, i, n) -> r,
--    view = function(w, r) -> the view rql.eval reads, time = function(r) -> epoch ms or nil,
--    sort_keys = {field = function(r) -> key} (config search), item = function(w, r) -> JSON,
--    page_fields = function(out) (what a page carries beside totalRows, items, nextPageToken)}
-- Syntax errors answer 400 invalid_rql_query, constructs outside the subset 400
-- unsupported_rql_query, both naming the subset. Page tokens (api.page_token) carry the query,
-- its absolute time bounds, UI filters, sort and offset, bound to the state and its size.
local api = require "prismacloud.emulator.api"
local json = require "prismacloud.json"
local rql = require "prismacloud.emulator.rql"
local saved_searches = require "prismacloud.emulator.saved_searches"

local M = {}

local array = api.array

M.DEFAULT_LIMIT = 100
M.MAX_LIMIT = 10000
M.SYNTAX_KEY = "invalid_rql_query"
M.UNSUPPORTED_KEY = "unsupported_rql_query"
M.CACHE_SIZE = 32            -- query results kept per state
M.ALL_TIME = {type = "to_now", value = "epoch"} -- the time range a search without one shows

-- What page tokens are bound to: the state and the number of generated resources.
function M.state_id(app)
  return app.state.id .. ":" .. (math.tointeger(app.config.resources) or 0)
end

-- A 400 response for a query that is missing or outside the subset of kind, or nil.
function M.query_error(req, kind, query)
  if type(query) ~= "string" or query:match("^%s*$") then
    return api.fail(req, 400, "missing_required_parameter", "query", "query is required")
  end
  local _, err = rql.parse(query, kind, req)
  if err then
    local key = err.kind == "syntax" and M.SYNTAX_KEY or M.UNSUPPORTED_KEY
    return api.fail(req, 400, key, "query", err.message .. "; " .. rql.SUPPORTED_BY_KIND[kind])
  end
  return nil
end

-- The body of a search request with a valid query of kind: body, or nil and a 400 response.
function M.query_body(req, kind)
  local body, bad = api.body(req, true)
  if not body then return nil, bad end
  local failed = M.query_error(req, kind, body.query)
  if failed then return nil, failed end
  return body
end

-- A page size from 1 to MAX_LIMIT (default when absent): the size, or nil and a 400 response.
function M.limit(req, raw, default)
  if raw == nil or raw == json.null then return default end
  local limit = math.tointeger(tonumber(raw))
  if not limit or limit < 1 or limit > M.MAX_LIMIT then
    return nil, api.fail(req, 400, "invalid_parameter_value", "limit",
      ("limit must be an integer from 1 to %d"):format(M.MAX_LIMIT))
  end
  return limit
end

-- The absolute bounds (epoch ms) of a time range (nil: all time): a, b, or nil and a 400 response.
function M.time_bounds(req, tr)
  if tr == nil or tr == json.null then return math.mininteger, math.maxinteger end
  local a, b = api.time_range(tr, api.time_context(req, 0))
  if not a then return nil, api.fail(req, 400, "invalid_parameter_value", b, "bad time range") end
  return a, b
end

-- The row indices a query q = {q, a, b, s?, f?} matches in source, in result order: time
-- bounds, the query, UI filters f ({name, value} ANDed as name = value), then the sort s
-- ({field, "asc"|"desc"}, earlier fields first). Cached per state.
function M.matches(app, source, q)
  local st, n = app.state, source.count(app)
  local key = json.encode{source.kind, q.q, q.a, q.b, q.s or json.null, q.f or json.null, n}
  st.rql_cache = st.rql_cache or {size = 0, entries = {}}
  local cache = st.rql_cache
  if cache.entries[key] then return cache.entries[key] end
  local tree = assert(rql.parse(q.q, source.kind))
  for _, f in ipairs(q.f or {}) do
    tree = {op = "and", tree, {op = "in", attr = f[1], negate = false, values = {f[2]}}}
  end
  local w, list, rows = st.world, {}, {}
  for i = 1, n do
    local r = source.row(w, i, n)
    local t = source.time(r)
    if (not t or t >= q.a and t <= q.b) and rql.eval(tree, source.view(w, r)) then
      list[#list + 1] = i
      rows[i] = r
    end
  end
  for k = #(q.s or {}), 1, -1 do
    local keyf, desc = source.sort_keys[q.s[k][1]], q.s[k][2] == "desc"
    local pos = {}
    for p, i in ipairs(list) do pos[i] = p end
    table.sort(list, function(x, y)
      local kx, ky = keyf(rows[x]), keyf(rows[y])
      if kx ~= ky then
        if desc then return kx > ky end
        return kx < ky
      end
      return pos[x] < pos[y] -- stable: earlier sort keys decide ties
    end)
  end
  if cache.size >= M.CACHE_SIZE then cache.entries, cache.size = {}, 0 end
  cache.entries[key] = list
  cache.size = cache.size + 1
  return list
end

-- A page token of source for q's next page.
function M.token(source, q)
  return api.page_token(source.kind, q.sid, {q = q.q, a = q.a, b = q.b, o = q.o, l = q.l, f = q.f, s = q.s, j = q.j})
end

-- The query a page token of source carries, or nil when it is not one (or not this state's).
function M.read_token(app, source, token)
  local q = api.read_token(source.kind, M.state_id(app), token)
  if not q or type(q.q) ~= "string" then return nil end
  for _, k in ipairs{"a", "b", "o", "l"} do
    if math.type(q[k]) ~= "integer" then return nil end
  end
  if q.o < 0 or not rql.parse(q.q, source.kind) then return nil end
  for _, f in ipairs(type(q.f) == "table" and q.f or {}) do
    if type(f) ~= "table" or not rql.KINDS[source.kind].attrs[f[1]] or type(f[2]) ~= "string" then return nil end
  end
  for _, s in ipairs(type(q.s) == "table" and q.s or {}) do
    if type(s) ~= "table" or not (source.sort_keys or {})[s[1]] then return nil end
  end
  if q.f ~= nil and type(q.f) ~= "table" or q.s ~= nil and type(q.s) ~= "table" then return nil end
  return q
end

-- One page of q ({totalRows, items, nextPageToken?} and the source's page fields); q.o moves on.
function M.page(app, source, q)
  local list, w, n = M.matches(app, source, q), app.state.world, source.count(app)
  local items = array{}
  for p = q.o + 1, math.min(#list, q.o + q.l) do items[#items + 1] = source.item(w, source.row(w, list[p], n), q) end
  local out = {totalRows = #list, items = items}
  if source.page_fields then source.page_fields(out) end
  q.o = q.o + #items
  if q.o < #list then out.nextPageToken = M.token(source, q) end
  return out
end

-- The UI filters of a filtered search: {{name, value}}, or nil and a response.
local function ui_filters(req, kind, list)
  if list == nil or list == json.null then return array{} end
  if type(list) ~= "table" then return nil, api.fail(req, 400, "invalid_parameter_value", "filters") end
  local out = array{}
  for _, f in ipairs(list) do
    if type(f) ~= "table" or not rql.KINDS[kind].attrs[f.name] or type(f.value) ~= "string" then
      return nil, api.fail(req, 400, "invalid_parameter_value", "filters",
        "filters are {name, operator = '=', value} on the attributes of the query")
    end
    local value = rql.CASELESS[f.name] and f.value:lower() or f.value
    out[#out + 1] = array{f.name, value}
  end
  return out
end

-- The first page of an event or IAM search (filtered: with UI filters), recorded as a recent search.
function M.search(app, req, source, filtered)
  local kind = source.kind
  local body, bad = M.query_body(req, kind)
  if not body then return bad end
  local filters
  if filtered then
    local f, fbad = ui_filters(req, kind, body.filters)
    if not f then return fbad end
    filters = f
  end
  if source.limit_required and (body.limit == nil or body.limit == json.null) then
    return api.fail(req, 400, "missing_required_parameter", "limit", "limit is required")
  end
  local limit, lbad = M.limit(req, body.limit, M.DEFAULT_LIMIT)
  if not limit then return lbad end
  local tr = body.timeRange
  if tr == json.null then tr = nil end
  local a, b = M.time_bounds(req, tr)
  if not a then return b end
  local q = {sid = M.state_id(app), q = body.query, a = a, b = b, o = 0, l = limit, f = filters}
  local result = M.page(app, source, q)
  local shown_tr = tr or M.ALL_TIME
  local entry = saved_searches.record(app, req, source.search_type, body.query, shown_tr, body.id)
  local out = saved_searches.answer(entry, source.search_type, body.query, shown_tr, result)
  if not source.search_fields then -- IAM's answer has none of the SearchModel's other fields
    out.cloudType, out.groupBy, out.filters, out.async, out.default = nil, nil, nil, nil, nil
  end
  return api.json(200, out)
end

-- The next page of a search, by its page token: limit may change the page size (and
-- source.next_options(req, body, q), what else a next page may change: nil or a 400 response).
function M.next(app, req, source)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local q = M.read_token(app, source, body.pageToken)
  if not q then
    return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token")
  end
  local limit, lbad = M.limit(req, body.limit, q.l)
  if not limit then return lbad end
  q.l = limit
  local obad = source.next_options and source.next_options(req, body, q)
  if obad then return obad end
  return api.json(200, M.page(app, source, q))
end

return M
