-- prismacloud.emulator.search_suggest: RQL autocomplete (SearchMicroService.json).
--
--   POST /search/suggest   {query} -> {valid, offset, suggestions, translate, needsOffsetUpdate}:
--                          the query starts of every kind, then the attributes of its kind
--                          and AND/OR after a valid condition
--   POST /api/v1/suggest   the same for IAM queries
local api = require "prismacloud.emulator.api"
local rql = require "prismacloud.emulator.rql"

local M = {}

-- The completions of a query (only_iam: IAM queries alone).
local function suggest(req, only_iam)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local query = body.query
  if type(query) ~= "string" then
    return api.fail(req, 400, "missing_required_parameter", "query", "query is required")
  end
  local starts = {"config from cloud.resource where ", "config from iam where ", "event from cloud.audit_logs where ",
                  "network from vpc.flow_record where "}
  local kinds = {"config", "iam", "event", "network"}
  if only_iam then starts, kinds = {"config from iam where "}, {"iam"} end
  local suggestions, kind = api.array{}, nil
  for k, start in ipairs(starts) do
    if query:lower():sub(1, #start) == start then kind = kinds[k] end
  end
  local valid = false
  if kind then
    valid = rql.parse(query, kind, nil, true) ~= nil -- what the subset completes
    local word = query:match("([%w%.%-_]*)$") or ""
    local names = {}
    for name in pairs(rql.KINDS[kind].attrs) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      if word == "" or (name:sub(1, #word) == word:lower() and name ~= word:lower()) then
        suggestions[#suggestions + 1] = name
      end
    end
    if valid and query:match("%S$") then
      suggestions[#suggestions + 1] = "AND"
      suggestions[#suggestions + 1] = "OR"
    end
  else
    for _, start in ipairs(starts) do
      if start:sub(1, #query) == query:lower() then suggestions[#suggestions + 1] = start:sub(#query + 1) end
    end
  end
  local word = query:match("([%w%.%-_]*)$") or ""
  return api.json(200, {valid = valid, offset = #query - #word, suggestions = suggestions, translate = false,
                        needsOffsetUpdate = false})
end

-- Adds the routes above.
function M.register(router)
  router:add("POST", "/search/suggest", function(req) return suggest(req) end)
  router:add("POST", "/api/v1/suggest", function(req) return suggest(req, true) end)
end

return M
