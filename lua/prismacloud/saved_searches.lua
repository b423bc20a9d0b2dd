--- prismacloud.saved_searches: saved (and recent) RQL searches (`client.saved_searches`), /search/history.
--
--   local s = client.saved_searches:create{name = "public buckets", query = "config from cloud.resource where ...",
--                                          time_range = "24h", description = "S3 buckets open to all"}
--   for r in client.saved_searches:run(s.id) do print(r.name) end
--   client.saved_searches:delete(s.id)
--
-- Saving follows the documented flow (docs/manage-saved-search.md): a search run gets an id (a
-- recent search); POST /search/history/{id} with a name and saved = true makes it a saved search.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"
local errors = require "prismacloud.errors"
local timerange = require "prismacloud.timerange"

local F = verbs.family()


-- searchType of a search kind, and back.
local SEARCH_TYPE = {config = "config", event = "audit_event", network = "network", iam = "iam"}
local KIND = {config = "config", audit_event = "event", event = "event", network = "network", iam = "iam"}

-- The kind of a query from its first words.
local function kind_of(query)
  local first, second = query:lower():match("^%s*(%a+)%s+from%s+([%w%._]+)")
  if first == "config" and second == "iam" then return "iam" end
  if first == "event" or first == "network" or first == "config" then return first end
  return "config"
end

-- The list options: {filter = "saved" | "recent" ("saved" by default), limit =}.
local LIST_OPTS = filters.define{
  params = {filter = {"filter", "enum", {"saved", "recent"}}, limit = {"limit", "value"}},
  defaults = {filter = "saved"}}

--- Saved searches (or recent ones with filter = "recent"), newest first: an array, or nil, err.
-- syntax: list, err = client.saved_searches:list([{filter = "saved" | "recent", limit = n}])
function F:list(opts)
  return self.client:call("search-history", {query = LIST_OPTS:query(opts, "list")})
end

--- The saved (or recent) searches one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for s in client.saved_searches:each([{filter =, limit =}]) do ... end
function F:each(opts)
  return pager.items(self.client, pager.single{op = "search-history", query = LIST_OPTS:query(opts, "each")})
end

local crud = verbs.crud{get = "search-history-by-id", delete = "search-history-delete", name_field = "searchName",
                        names = function(self) return self:list() end, fetch = true}

--- One saved or recent search by id (its SearchModel: query, timeRange, searchType, name, ...).
-- syntax: search, err = client.saved_searches:get(id)
F.get = crud.get

--- The saved search with this name, or nil when there is none, or nil, err.
-- syntax: search, err = client.saved_searches:by_name(name)
F.by_name = crud.by_name

--- Deletes a saved search.
-- syntax: ok, err = client.saved_searches:delete(id [, {dry_run = true}])
F.delete = crud.delete

-- The first request of a search of this kind, made only to obtain its id.
local function probe_request(kind, query, tr)
  if kind == "config" then
    return "search-config", {body = {query = query, timeRange = tr, limit = 1, withResourceJson = false}}
  elseif kind == "event" then
    return "search-events", {body = {query = query, timeRange = tr, limit = 1}}
  elseif kind == "iam" then
    return "get-permissions-with-post", {body = {query = query, limit = 1}}
  end
  return "search-network", {body = {query = query, timeRange = tr or timerange.parse("24h")}}
end

local CREATE_FIELDS = {name = true, query = true, description = true, time_range = true, type = true, id = true}

--- Saves a search: {name =, query =, description =, time_range =, type = "config"|"event"|"network"|"iam", id =}.
-- Without an id the search is run once (limit 1) to obtain one; with dry_run that first request is returned.
-- syntax: search, err = client.saved_searches:create(spec [, {dry_run = true}])
function F:create(spec, opts)
  verbs.check_table(spec, 1, "create")
  for k in pairs(spec) do
    if not CREATE_FIELDS[k] then error(("unknown field '%s' in the search to 'create'"):format(tostring(k)), 2) end
  end
  verbs.check_string(spec.name, 1, "create", "name")
  if type(spec.query) ~= "string" or spec.query:match("^%s*$") then
    error(("bad argument #1 to 'create' (query expected, got %s)"):format(type(spec.query)), 2)
  end
  opts = verbs.options(opts, verbs.DRY_RUN, "create")
  local kind = spec.type or kind_of(spec.query)
  if not SEARCH_TYPE[kind] then
    error(("bad argument #1 to 'create' (type must be config, event, network or iam, not '%s')"):format(
      tostring(kind)), 2)
  end
  local tr = spec.time_range and timerange.parse(spec.time_range) or nil
  local id = spec.id
  if id == nil then
    local op, args = probe_request(kind, spec.query, tr)
    if opts.dry_run then return verbs.request_for(op, args) end
    local found, err = verbs.table_body(self.client, self.client:call(op, args))
    if not found then return nil, err end
    id = found.id
    tr = tr or found.timeRange
  end
  local body = {id = id, name = spec.name, description = spec.description or "", query = spec.query,
                searchType = SEARCH_TYPE[kind], saved = true, timeRange = tr or timerange.parse("24h")}
  return verbs.call(self.client, "search-history-manage", {id = id, body = body}, opts)
end

local UPDATE_FIELDS = {name = true, query = true, description = true, time_range = true}

--- Changes a saved search's name, query, description or time range (fetches it, then saves it back).
-- syntax: search, err = client.saved_searches:update(id, {name =, query =, description =, time_range =} [, opts])
function F:update(id, changes, opts)
  verbs.check_string(id, 1, "update", "search id")
  verbs.check_table(changes, 2, "update")
  for k in pairs(changes) do
    if not UPDATE_FIELDS[k] then error(("unknown field '%s' in the changes to 'update'"):format(tostring(k)), 2) end
  end
  opts = verbs.options(opts, verbs.DRY_RUN, "update")
  local current, err = verbs.table_body(self.client, self.client:call("search-history-by-id", {id = id}))
  if not current then return nil, err end
  local body = {}
  for k, v in pairs(current) do body[k] = v end
  body.name = changes.name or body.name
  body.query = changes.query or body.query
  body.description = changes.description or body.description
  if changes.time_range ~= nil then body.timeRange = timerange.parse(changes.time_range) end
  body.saved, body.id = true, id
  return verbs.call(self.client, "search-history-manage", {id = id, body = body}, opts)
end

--- Runs a saved search again (by id, or a search from get/list): what client.search gives for its kind
-- (an item iterator; for network, the answer). Paging options pass through.
-- syntax: items, err = client.saved_searches:run(id_or_search [, {page_size =, max_items =, time_range =}])
function F:run(search, opts)
  if type(search) == "string" then
    verbs.check_string(search, 1, "run", "search id")
    local found, err = verbs.table_body(self.client, self.client:call("search-history-by-id", {id = search}))
    if not found then return nil, err end
    local model = found.searchModel or found
    if type(model.query) ~= "string" then return errors.decode(self.client, "the saved search has no query") end
    search = found
  elseif type(search) ~= "table" then
    error(("bad argument #1 to 'run' (search id or table expected, got %s)"):format(type(search)), 2)
  end
  local model = search.searchModel or search -- a list entry nests the model
  local kind = KIND[model.searchType] or kind_of(model.query or "")
  if type(model.query) ~= "string" then
    error("bad argument #1 to 'run' (the search has no query)", 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to 'run' (table of options expected, got %s)"):format(type(opts)), 2)
  end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  if kind ~= "iam" and o.time_range == nil and type(model.timeRange) == "table" then o.time_range = model.timeRange end
  o.id = o.id or model.id
  local searcher = self.client.search
  if kind == "network" then return searcher:network(model.query, o) end
  return searcher[kind](searcher, model.query, o)
end

return F
