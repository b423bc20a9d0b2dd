--- prismacloud.filters: the API's filter language: short names for the API's dotted filter names,
-- their values, and how a filter goes out.
local M = {}

--- A list call's query from a filter table: keys through names (short name -> API name; dotted
-- API names and the names' values pass as they are), booleans as "true"/"false". Called directly
-- by a method: raises at its caller on a filter that is not a table or an unknown key; what
-- names the filters in the message ("policy": unknown policy filter 'x' in 'list').
-- syntax: query = filters.query(filter, names, fname, what)
function M.query(filter, names, fname, what)
  if filter ~= nil and type(filter) ~= "table" then
    error(("bad argument #1 to '%s' (filter table expected, got %s)"):format(fname, type(filter)), 3)
  end
  local api_names = {}
  for _, v in pairs(names) do api_names[v] = true end
  local query = {}
  for k, v in pairs(filter or {}) do
    local name = names[k] or (type(k) == "string" and (k:find(".", 1, true) or api_names[k]) and k)
    if not name then error(("unknown %s filter '%s' in '%s'"):format(what, tostring(k), fname), 3) end
    query[name] = type(v) == "boolean" and tostring(v) or v
  end
  return query
end

return M
