--- prismacloud.search: RQL searches (`client.search`): config, event, IAM and network.
--
--   for r in client.search:config("config from cloud.resource where cloud.type = 'aws'", {time_range = "7d"}) do
--     print(r.name, r.accountName)
--   end
--   local events = client.search:event("event from cloud.audit_logs where operation = 'DeleteBucket'",
--                                      {time_range = "24h", max_items = 500})
--   local perms = client.search:iam("config from iam where dest.cloud.type = 'AWS'", {page_size = 200})
--   local graph = client.search:network("network from vpc.flow_record where protocol = 'TCP'", {time_range = "1d"})
--
-- Config, event and IAM results page: the first page POSTs the query, later pages POST the
-- page token (which can be tens of KB, so never in a URL) to the kind's own /page path:
-- /search/config -> /search/config/page, /search/event -> /search/event/page,
-- /api/v1/permission -> /api/v1/permission/page. Network search answers in one response.
--
-- Options of the paged kinds: page_size (the body's limit, 100 by default), max_items, max_pages,
-- cursor (a token from :cursor() to resume); config and event: time_range (see prismacloud.timerange),
-- sort ({{field =, direction =}}), id (a saved search's id); config: with_resource_json,
-- heuristic_search, name and description (searchName, searchDescription); config with api_version = 2:
-- start_time (ms) instead of time_range, and skip_search_creation; event: filters ({name = value} or
-- {{name =, operator =, value =}}) sends the first page to /search/event/filtered (the Investigate
-- view's filters), later pages still through /search/event/page.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local timerange = require "prismacloud.timerange"
local json = require "prismacloud.json"

local F = verbs.family()

F.DEFAULT_PAGE_SIZE = 100

-- Per kind: the operations of its first and later pages, the option keys its body takes, and the
-- body names of the options.
local KINDS = {
  config = {first = "search-config", after = "search-config-page", json = true,
            options = {time_range = true, with_resource_json = true, heuristic_search = true, sort = true, id = true,
                       name = true, description = true}},
  event = {first = "search-events", after = "search-events-page", filtered = "search-events-filtered",
           options = {time_range = true, sort = true, id = true, filters = true}},
  iam = {first = "get-permissions-with-post", after = "get-next-permissions-page-with-post", options = {id = true}},
  iam_access = {first = "get-permissions-access-with-post", after = "get-next-permissions-access-with-post",
                options = {}},
  -- Config search by query and by saved search id, versions 1 (timeRange) and 2 (startTime).
  config_v1 = {first = "search-config-by-query", after = "search-config-page", json = true,
               options = {time_range = true, with_resource_json = true, sort = true, skip_search_creation = true}},
  config_v2 = {first = "search-config-v2", after = "search-config-page", json = true,
               options = {start_time = true, with_resource_json = true, sort = true, skip_search_creation = true}},
  config_id_v1 = {first = "search-config-by-search-id", after = "search-config-page", json = true, by_id = true,
                  options = {time_range = true, with_resource_json = true, sort = true}},
  config_id_v2 = {first = "search-config-by-search-id-v2", after = "search-config-page", json = true, by_id = true,
                  options = {start_time = true, with_resource_json = true, sort = true}},
}
local BODY_NAMES = {with_resource_json = "withResourceJson", heuristic_search = "heuristicSearch", sort = "sort",
                    id = "id", name = "searchName", description = "searchDescription", start_time = "startTime",
                    skip_search_creation = "skipSearchCreation"}
local PAGING = {page_size = true, max_items = true, max_pages = true, cursor = true}

local function check_query(query, fname, level, n)
  n = n or 1
  if type(query) ~= "string" then
    error(("bad argument #%d to '%s' (string expected, got %s)"):format(n, fname, type(query)), level + 1)
  end
  if query:match("^%s*$") then error(("bad argument #%d to '%s' (the query is empty)"):format(n, fname), level + 1) end
end

-- UI filters from {name = value} or a list of {name =, operator =, value =}: the body's filters[].
local function ui_filters(v, fname)
  if type(v) ~= "table" then
    error(("bad option 'filters' to '%s' (table expected, got %s)"):format(fname, type(v)), 4)
  end
  local out = setmetatable({}, json.array_mt)
  if v[1] ~= nil then
    for i, f in ipairs(v) do
      out[i] = {name = f.name, operator = f.operator or "=", value = f.value}
    end
    return out
  end
  local names = {}
  for name in pairs(v) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local values = type(v[name]) == "table" and v[name] or {v[name]}
    for _, x in ipairs(values) do out[#out + 1] = {name = name, operator = "=", value = tostring(x)} end
  end
  return out
end

-- The style of a paged search kind, and the paging options. `query` is a
-- saved search's id for the by-id kinds.
local function style(kind, query, opts, fname, extra)
  check_query(query, fname, 3, extra and 2 or 1)
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #%d to '%s' (table of options expected, got %s)"):format(extra and 3 or 2, fname,
      type(opts)), 3)
  end
  local version = opts and opts.api_version
  if version ~= nil then
    if not KINDS[kind .. "_v1"] then error(("unknown option 'api_version' to '%s'"):format(fname), 3) end
    if version ~= 1 and version ~= 2 then
      error(("bad option 'api_version' to '%s' (1 or 2 expected, got %s)"):format(fname, tostring(version)), 3)
    end
    kind = kind .. "_v" .. version
  end
  local spec = KINDS[kind]
  local body, paging, first_op, first_args = {query = query}, {}, spec.first, {}
  if spec.by_id then body.query, first_args.id = nil, query end
  for k, v in pairs(extra or {}) do body[k] = v end
  for k, v in pairs(opts or {}) do
    if PAGING[k] or k == "api_version" then
      paging[k] = v
    elseif not spec.options[k] then
      error(("unknown option '%s' to '%s'"):format(tostring(k), fname), 3)
    elseif k == "time_range" then
      body.timeRange = timerange.parse(v)
    elseif k == "filters" then
      body.filters = ui_filters(v, fname)
      first_op = spec.filtered
    elseif k == "start_time" and math.type(v) ~= "integer" then
      error(("bad option 'start_time' to '%s' (integer milliseconds expected, got %s)"):format(fname, type(v)), 3)
    else
      body[BODY_NAMES[k]] = v
    end
  end
  paging.api_version = nil
  local size = paging.page_size or F.DEFAULT_PAGE_SIZE
  body.limit = size
  local with_json = body.withResourceJson
  first_args.body = body
  local s = pager.continued{
    first = function() return {op = first_op, args = first_args} end,
    next_op = spec.after,
    next_body = function(token)
      local next_body = {pageToken = token, limit = size}
      if spec.json then next_body.withResourceJson = with_json end
      return next_body
    end,
    -- The first answer wraps the page in `data`; continuation pages are the page itself.
    items = function(page)
      local d = type(page.data) == "table" and page.data or page
      return d.items or {}
    end,
    total = function(page)
      local d = type(page.data) == "table" and page.data or page
      return math.tointeger(d.totalRows)
    end,
    token = function(page)
      local d = type(page.data) == "table" and page.data or page
      local t = d.nextPageToken
      if type(t) ~= "string" or t == "" then return nil end
      return t
    end,
  }
  return s, paging
end

--- The resources an RQL config query finds, lazily (one page in memory). `api_version = 1 | 2` uses
-- /search/api/v1/config (time_range) or /search/api/v2/config (start_time) for the first page.
-- syntax: items = client.search:config(query [, {time_range =, with_resource_json =, page_size =, max_items =, ...}])
function F:config(query, opts)
  local s, paging = style("config", query, opts, "config")
  return pager.items(self.client, s, paging)
end

--- The resources of a saved config search, run by its id (/search/api/v1|v2/config/{id}), lazily.
-- syntax: items = client.search:config_by_id(search_id [, {api_version = 1 | 2, time_range =, page_size =, ...}])
function F:config_by_id(search_id, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to 'config_by_id' (table of options expected, got %s)"):format(type(opts)), 2)
  end
  local o = {api_version = 1}
  for k, v in pairs(opts or {}) do o[k] = v end
  local s, paging = style("config_id", search_id, o, "config_by_id")
  return pager.items(self.client, s, paging)
end

--- The pages of a config search (the first is the whole answer, later ones its `data`).
-- syntax: pages = client.search:config_pages(query [, opts]); for page in pages do ... end
function F:config_pages(query, opts)
  local s, paging = style("config", query, opts, "config_pages")
  return pager.pages(self.client, s, paging)
end

--- The audit events an RQL event query finds, lazily.
-- syntax: items = client.search:event(query [, {time_range =, filters =, sort =, page_size =, max_items =, cursor =}])
function F:event(query, opts)
  local s, paging = style("event", query, opts, "event")
  return pager.items(self.client, s, paging)
end

--- An aggregated event search: the matching events counted by service and user (`data`); nil, err on failure.
-- syntax: result, err = client.search:event_aggregate(query [, {time_range =, id =}])
function F:event_aggregate(query, opts)
  check_query(query, "event_aggregate", 2)
  opts = verbs.options(opts, {time_range = true, id = true}, "event_aggregate")
  local body = {query = query, id = opts.id}
  if opts.time_range ~= nil then body.timeRange = timerange.parse(opts.time_range) end
  return self.client:call("search-events-aggregated", {body = body})
end

--- One audit event by id, with its raw cloud record in `rawEvent`; nil, err on failure.
-- syntax: event, err = client.search:event_raw(id)
function F:event_raw(id)
  if math.type(id) ~= "integer" and not (type(id) == "string" and id:match("^%d+$")) then
    error(("bad argument #1 to 'event_raw' (event id expected, got %s)"):format(type(id)), 2)
  end
  return self.client:call("search-events-raw", {id = id})
end

--- The pages of an event search.
-- syntax: pages = client.search:event_pages(query [, opts]); for page in pages do ... end
function F:event_pages(query, opts)
  local s, paging = style("event", query, opts, "event_pages")
  return pager.pages(self.client, s, paging)
end

--- The permissions an RQL IAM query (`config from iam where ...`) finds, lazily.
-- syntax: items = client.search:iam(query [, {page_size =, max_items =, cursor =}])
function F:iam(query, opts)
  local s, paging = style("iam", query, opts, "iam")
  return pager.items(self.client, s, paging)
end

--- The last access of one permission (an `iam` result's id) per destination resource, lazily.
-- syntax: items = client.search:iam_access(permission_id, query [, {page_size =, max_items =, cursor =}])
function F:iam_access(permission_id, query, opts)
  verbs.check_string(permission_id, 1, "iam_access", "permission id")
  local s, paging = style("iam_access", query, opts, "iam_access", {permissionId = permission_id})
  return pager.items(self.client, s, paging)
end

--- IAM query autocomplete: what may follow a partial `config from iam where ...` query.
-- syntax: info, err = client.search:iam_suggest(partial_query)
function F:iam_suggest(query)
  if type(query) ~= "string" then
    error(("bad argument #1 to 'iam_suggest' (string expected, got %s)"):format(type(query)), 2)
  end
  return self.client:call("get-suggestions-with-post", {body = {query = query}})
end

--- The pages of an IAM search.
-- syntax: pages = client.search:iam_pages(query [, opts]); for page in pages do ... end
function F:iam_pages(query, opts)
  local s, paging = style("iam", query, opts, "iam_pages")
  return pager.pages(self.client, s, paging)
end

local NETWORK_OPTIONS = {time_range = true, id = true, cloud_type = true}

--- A network (flow log) search: the whole answer (`data` holds the graph; it does not page). Last 24h by default.
-- syntax: result, err = client.search:network(query [, {time_range =, cloud_type =}])
function F:network(query, opts)
  check_query(query, "network", 2)
  opts = verbs.options(opts, NETWORK_OPTIONS, "network")
  local body = {query = query, timeRange = timerange.parse(opts.time_range or "24h"), id = opts.id,
                cloudType = opts.cloud_type}
  return self.client:call("search-network", {body = body})
end

--- The search behind a network or anomaly alert (its query, and the rows in `data`); nil, err on failure.
-- syntax: result, err = client.search:for_alert(alert_id)
function F:for_alert(alert_id)
  verbs.check_string(alert_id, 1, "for_alert", "alert id")
  return self.client:call("search-for-alert-by-id", {query = {alertId = alert_id}})
end

--- RQL autocomplete: what may follow a partial query ({valid, offset, suggestions, ...}); the
-- time range the reference requires of the request is the last 24h unless time_range says otherwise.
-- syntax: info, err = client.search:suggest(partial_query [, {time_range =}])
function F:suggest(query, opts)
  if type(query) ~= "string" then
    error(("bad argument #1 to 'suggest' (string expected, got %s)"):format(type(query)), 2)
  end
  opts = verbs.options(opts, {time_range = true}, "suggest")
  local body = {query = query, timeRange = timerange.parse(opts.time_range or "24h")}
  return self.client:call("search-suggest", {body = body})
end

return F
