--- prismacloud.resource_lists: resource lists (`client.resource_lists`), /v1/resource_list.
--
--   for l in client.resource_lists:each() do print(l.name, l.resourceListType) end
--   local l = client.resource_lists:create{name = "prod tags", resourceListType = "TAG",
--                                          members = {{env = "prod"}}}
--   client.resource_lists:delete(l.id)
--
-- The reference types members as a string: the members as raw JSON text (for a TAG list, an array
-- of {key = value} pairs). create and update take a table, sent as that text, or the text itself;
-- answers carry the text: json.decode(list.members) gives the table back.
local json = require "prismacloud.json"
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"

local F = verbs.family()

-- The listType query of GET /v1/resource_list ("TAG", the only documented value, by default).
local function list_query(list_type, fname)
  if list_type ~= nil and type(list_type) ~= "string" then
    error(("bad argument #1 to '%s' (list type string expected, got %s)"):format(fname, type(list_type)), 3)
  end
  return {listType = list_type or "TAG"}
end

-- get, create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-resource-list-by-id", create = "add-resource-list", update = "update-resource-list",
  delete = "delete-resource-list-by-id",
  names = function(self, _, list_type)
    return self.client:call("get-all-resource-list-for-customer", {query = list_query(list_type, "by_name")})
  end,
}

--- The resource lists of one type ("TAG" by default): an array, or nil, err. Each list's members
-- is JSON text (json.decode(list.members) gives the table).
-- syntax: lists, err = client.resource_lists:list([list_type])
function F:list(list_type)
  return self.client:call("get-all-resource-list-for-customer", {query = list_query(list_type, "list")})
end

--- The resource lists one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for list in client.resource_lists:each([list_type]) do ... end
function F:each(list_type, paging)
  local style = pager.single{op = "get-all-resource-list-for-customer", query = list_query(list_type, "each")}
  return pager.items(self.client, style, paging)
end

--- The resource list types the tenant offers (an array of strings).
-- syntax: types, err = client.resource_lists:types()
function F:types()
  return self.client:call("get-resource-list-types")
end

--- One resource list by id; its members is JSON text (json.decode(list.members) gives the table).
-- syntax: list, err = client.resource_lists:get(id)
F.get = crud.get

-- A list's body as the API takes it: members (a table) as its JSON text, in a copy. Raises, naming
-- argument n of fname, when members is a table that is not an array (a map, or one with holes).
local function body_of(list, n, fname)
  if type(list) ~= "table" or type(list.members) ~= "table" then return list end
  local count = 0
  for _ in pairs(list.members) do count = count + 1 end
  for i = 1, count do
    if list.members[i] == nil then
      error(("bad argument #%d to '%s' (members must be an array (a table with keys 1..n) or its JSON text, "
        .. "got a table with other keys)"):format(n, fname), 3)
    end
  end
  local copy = {}
  for k, v in pairs(list) do copy[k] = v end
  copy.members = next(list.members) == nil and "[]" or json.encode(list.members)
  return copy
end

--- Creates a resource list {name, resourceListType, members, description}; members an array (sent
-- as its JSON text, as the reference types it; a table that is no array raises) or that text. The
-- answer's members is JSON text (json.decode(list.members) gives the table).
-- syntax: list, err = client.resource_lists:create(list [, {dry_run = true}])
function F:create(list, opts)
  verbs.check_table(list, 1, "create")
  return verbs.call(self.client, "add-resource-list", {body = body_of(list, 1, "create")}, opts, "create")
end

--- Replaces a resource list (members as for create).
-- syntax: list, err = client.resource_lists:update(id, list [, {dry_run = true}])
function F:update(id, list, opts)
  verbs.check_id(id, 1, "update")
  verbs.check_table(list, 2, "update")
  return verbs.call(self.client, "update-resource-list", {id = id, body = body_of(list, 2, "update")}, opts, "update")
end

--- Deletes a resource list.
-- syntax: ok, err = client.resource_lists:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The resource list with exactly this name among one type's ("TAG" by default):
-- list, or nil when there is none, or nil, err. Its members is JSON text (json.decode(list.members)).
-- syntax: list, err = client.resource_lists:by_name(name [, list_type])
F.by_name = crud.by_name

return F
