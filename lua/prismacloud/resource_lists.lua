--- prismacloud.resource_lists: resource lists (`client.resource_lists`), /v1/resource_list.
--
--   for l in client.resource_lists:each() do print(l.name, l.resourceListType) end
--   local l = client.resource_lists:create{name = "prod tags", resourceListType = "TAG",
--                                          members = {{env = "prod"}}}
--   client.resource_lists:delete(l.id)
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

--- The resource lists of one type ("TAG" by default): an array, or nil, err.
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

--- One resource list by id.
-- syntax: list, err = client.resource_lists:get(id)
F.get = crud.get

--- Creates a resource list {name, resourceListType, members, description}.
-- syntax: list, err = client.resource_lists:create(list [, {dry_run = true}])
F.create = crud.create

--- Replaces a resource list.
-- syntax: list, err = client.resource_lists:update(id, list [, {dry_run = true}])
F.update = crud.update

--- Deletes a resource list.
-- syntax: ok, err = client.resource_lists:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The resource list with exactly this name among one type's ("TAG" by default):
-- list, or nil when there is none, or nil, err.
-- syntax: list, err = client.resource_lists:by_name(name [, list_type])
F.by_name = crud.by_name

return F
