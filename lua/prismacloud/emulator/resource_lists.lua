-- prismacloud.emulator.resource_lists: resource lists (ResourceLists.json).
--
--   GET /v1/resource_list?listType=TAG       the lists of a type (400 invalid_resource_list_type)
--   GET /v1/resource_list/types              the list types
--   GET|PUT|DELETE /v1/resource_list/{id}    one list (404 non_existing_resource_list_id)
--   POST /v1/resource_list                   create (409 duplicate_resource_list_name)
--
-- Members are raw JSON text (an array), as the reference types them. The store is seeded from
-- the world's seed the first time a state is used, so a rebuilt state starts over. A seeded
-- resource list is assigned to a user role: deleting it fails as documented.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array

-- The salt of this module's generated lists (past data.SALT's).
local SALT_LIST = 41

M.RESOURCE_LIST_COUNT = 12

local LIST_TYPES = {TAG = true, COMPUTE_ACCESS_GROUP = true}
local TAG_KEYS = {"env", "team", "owner", "cost-center", "app", "tier"}
local TAG_VALUES = {"prod", "staging", "dev", "payments", "search", "platform", "web", "db"}

-- The seeded lists of world w: RESOURCE_LIST_COUNT of them, one in four a compute access group.
local function seed_lists(w)
  local store = state_mod.new_store()
  for i = 1, M.RESOURCE_LIST_COUNT do
    local h = data.hash(w.seed, SALT_LIST, i)
    local kind = i % 4 == 0 and "COMPUTE_ACCESS_GROUP" or "TAG"
    local members = array{}
    if kind == "TAG" then
      for k = 1, 1 + data.roll(h, 3, 4) do
        members[k] = {[TAG_KEYS[(data.roll(h, #TAG_KEYS, 8) + k - 1) % #TAG_KEYS + 1]] =
                      TAG_VALUES[data.roll(h, #TAG_VALUES, 12 + k) + 1]}
      end
    else
      members[1] = {hosts = array{("host-%d-*"):format(i)}, images = array{"*"}, labels = array{},
                    containers = array{}, namespaces = array{"default"}, clusters = array{"*"}}
    end
    local id = data.uuid(w.seed, SALT_LIST, i)
    store:put(id, {
      id = id, name = ("%s list %d"):format(kind == "TAG" and "Tag" or "Compute access", i),
      description = ("Seeded %s resource list %d"):format(kind, i), resourceListType = kind,
      members = json.encode(members), -- raw JSON text, as the reference types members
      lastModifiedBy = data.USERS[data.roll(h, #data.USERS, 20) + 1],
      lastModifiedTs = w.anchor_ms - (1 + data.roll(h, 90, 24)) * data.DAY_MS,
      assigned = i == 1, -- held by a user role
    })
  end
  return store
end

-- The resource list store of state st (seeded on first use).
local function lists_of(st)
  if not st.resource_lists then st.resource_lists = seed_lists(st.world) end
  return st.resource_lists
end

-- A list as the API answers it.
local function list_view(l)
  return api.copy(l, {assigned = true})
end

-- Checks a create/update body; nil, or an error response.
local function check_list(req, store, body, self_id)
  if type(body.name) ~= "string" or not body.name:find("%S") then
    return api.fail(req, 400, "missing_required_parameter", "name", "name is required")
  end
  if #body.name > 256 then return api.fail(req, 400, "invalid_parameter_value", "name", "name is too long") end
  if body.resourceListType == nil then
    return api.fail(req, 400, "missing_required_parameter", "resourceListType", "resourceListType is required")
  end
  if not LIST_TYPES[body.resourceListType] then
    return api.fail(req, 400, "invalid_resource_list_type", tostring(body.resourceListType))
  end
  if body.members == nil or body.members == json.null then
    return api.fail(req, 400, "missing_required_parameter", "members", "members is required")
  end
  -- a string, as the reference types it: the members as raw JSON text (an array)
  local ok, members = pcall(json.decode, type(body.members) == "string" and body.members or "")
  if not ok or not api.is_array(members) then
    return api.fail(req, 400, "invalid_parameter_value", "members", "members must be the JSON text of an array")
  end
  for _, l in ipairs(store:list()) do
    if l.id ~= self_id and l.name:lower() == body.name:lower() then
      return api.fail(req, 409, "duplicate_resource_list_name", body.name, "duplicate resource list name")
    end
  end
  return nil
end

-- A stored resource list from a create or an update body (base: the list it replaces).
local function from_body(req, body, id, base)
  local description = type(body.description) == "string" and body.description or base and base.description or ""
  return {id = id, name = body.name, description = description, resourceListType = body.resourceListType,
          members = body.members, lastModifiedBy = api.user_of(req), lastModifiedTs = api.now_ms(),
          assigned = base and base.assigned or false}
end

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/v1/resource_list/types", function()
    return api.json(200, array{"TAG", "COMPUTE_ACCESS_GROUP"})
  end)

  router:add("GET", "/v1/resource_list", function(req)
    local kind = api.query(req, "listType")
    if kind == nil then return api.fail(req, 400, "invalid_resource_list_type", "listType", "listType is required") end
    if not LIST_TYPES[kind] then return api.fail(req, 400, "invalid_resource_list_type", kind) end
    local out = array{}
    for _, l in ipairs(lists_of(app.state):list()) do
      if l.resourceListType == kind then out[#out + 1] = list_view(l) end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/v1/resource_list/:id", function(req, params)
    local l = lists_of(app.state).by_id[params.id]
    if not l then return api.fail(req, 404, "non_existing_resource_list_id", params.id) end
    return api.json(200, list_view(l))
  end)

  router:add("POST", "/v1/resource_list", function(req)
    local st = app.state
    local store = lists_of(st)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = check_list(req, store, body)
    if err then return err end
    st.next_resource_list = (st.next_resource_list or 0) + 1
    local id = data.uuid(st.world.seed, 1000 + SALT_LIST, st.next_resource_list)
    local l = from_body(req, body, id)
    store:put(id, l)
    state_mod.touch(st)
    return api.json(200, list_view(l))
  end)

  router:add("PUT", "/v1/resource_list/:id", function(req, params)
    local st = app.state
    local store = lists_of(st)
    local base = store.by_id[params.id]
    if not base then return api.fail(req, 404, "non_existing_resource_list_id", params.id) end
    local body, bad = api.body(req, true)
    if not body then return bad end
    if body.id ~= nil and body.id ~= params.id then return api.fail(req, 400, "invalid_id", tostring(body.id)) end
    local err = check_list(req, store, body, params.id)
    if err then return err end
    local l = from_body(req, body, params.id, base)
    store:put(params.id, l)
    state_mod.touch(st)
    return api.json(200, list_view(l))
  end)

  router:add("DELETE", "/v1/resource_list/:id", function(req, params)
    local st = app.state
    local store = lists_of(st)
    local l = store.by_id[params.id]
    if not l then return api.fail(req, 404, "non_existing_resource_list_id", params.id) end
    if l.assigned then return api.fail(req, 400, "resource_list_assigned_to_user_role", params.id) end
    store:delete(params.id)
    state_mod.touch(st)
    return api.empty(204)
  end)
end

return M
