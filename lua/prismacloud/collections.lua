--- prismacloud.collections: collections of asset groups (`client.collections`), paged by next_page_token.
-- The API: /entitlement/api/v1/collection.
--
--   for c in client.collections:each{order_by = "NAME"} do print(c.name) end
--   local c = client.collections:create{name = "prod", assetGroups = {accountIds = {"*"}}}
--   client.collections:delete(c.id)
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

-- The listing filter {order_by =, exclude_asset_group =}.
local FILTER_SET = filters.define{params = {order_by = {"order_by", "enum", {"ID", "NAME", "LAST_MODIFIED_TS"}},
                                            exclude_asset_group = {"exclude_asset_group", "boolean"}}}

-- The collections of a page.
local function items_of(body)
  return type(body) == "table" and type(body.value) == "table" and body.value or {}
end

-- The page style: GET with page_size / next_page_token, items in `value`.
local function style(query)
  return pager.token{op = "get-all-collections", query = query, size_field = "page_size",
                     token_field = "next_page_token", items = items_of}
end

-- get, create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-collection-by-id", create = "create-collection", update = "update-collection-by-id",
  delete = "delete-collection-by-id",
  names = function(self) return pager.items(self.client, style(nil), {page_size = 500}) end,
}

--- One page of collections (filter: order_by, exclude_asset_group): {items =, next_token =,
-- body =} (next_token nil at the end, body the API's answer); or nil, err.
-- syntax: page, err = client.collections:list([filter] [, {page_size =, cursor =}])
function F:list(filter, paging)
  local s = style(FILTER_SET:query(filter, "list"))
  paging = verbs.options(paging, {page_size = true, cursor = true}, "list")
  local page, err = pager.page(self.client, s, paging)
  if not page then return nil, err end
  return pager.list_page(items_of(page), page.nextPageToken, page)
end

--- Every collection, lazily page by page (a for-loop raises a prismacloud.Error on failure).
-- syntax: for c in client.collections:each([filter] [, {page_size =, max_items =, cursor =}]) do ... end
function F:each(filter, paging)
  return pager.items(self.client, style(FILTER_SET:query(filter, "each")), paging)
end

--- Pages of collections (each page the decoded body {value, nextPageToken}).
-- syntax: for page in client.collections:pages([filter] [, {page_size =, max_pages =, cursor =}]) do ... end
function F:pages(filter, paging)
  return pager.pages(self.client, style(FILTER_SET:query(filter, "pages")), paging)
end

--- One collection by id.
-- syntax: collection, err = client.collections:get(id)
F.get = crud.get

--- Creates a collection {name, description, assetGroups = {accountIds, accountGroupIds, repositoryIds}}.
-- syntax: collection, err = client.collections:create(collection [, {dry_run = true}])
F.create = crud.create

--- Replaces a collection.
-- syntax: collection, err = client.collections:update(id, collection [, {dry_run = true}])
F.update = crud.update

--- Deletes a collection.
-- syntax: ok, err = client.collections:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The collection with exactly this name (walks the pages until found): collection, or nil
-- when there is none, or nil, err.
-- syntax: collection, err = client.collections:by_name(name)
F.by_name = crud.by_name

return F
