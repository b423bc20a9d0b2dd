--- prismacloud.access_keys: the access key family (`client.access_keys`).
--
--   local key = client.access_keys:create{name = "ci", expiresOn = os.time() * 1000 + 30 * 86400000}
--   store(key.id, key.secretKey)     -- the secret is returned once; tostring(key) never shows it
--   client.access_keys:set_enabled(key.id, false)
--   for k in client.access_keys:each() do print(k.name, k.username, k.status) end
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"

local F = verbs.family()

-- get, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-access-key-by-id", delete = "delete-access-keys",
  names = function(self) return self.client:call("get-my-access-keys") end,
}

-- A new key {id, secretKey}: the fields read as usual, but tostring shows
-- only the id, so printing or logging the result never leaks the secret.
local NewKey = {
  __name = "prismacloud.NewAccessKey",
  __tostring = function(key)
    return ("prismacloud.NewAccessKey %s (secret hidden)"):format(tostring(rawget(key, "id")))
  end,
}

--- Marks a decoded {id, secretKey} so that tostring never shows the secret; returns it.
-- syntax: key = access_keys.hide_secret(body)
function F.hide_secret(body)
  if type(body) == "table" and getmetatable(body) == nil then setmetatable(body, NewKey) end
  return body
end

--- The caller's access keys (every key of the tenant for a System Admin).
-- syntax: keys, err = client.access_keys:list()
function F:list()
  return self.client:call("get-my-access-keys")
end

--- The access keys one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for key in client.access_keys:each([{max_items =}]) do ... end
function F:each(paging)
  return pager.items(self.client, pager.single{op = "get-my-access-keys"}, paging)
end

--- One access key's metadata by id.
-- syntax: key, err = client.access_keys:get(id)
F.get = crud.get

--- Creates an access key from a name or {name, expiresOn, serviceAccountName}: {id, secretKey}, shown once.
-- syntax: key, err = client.access_keys:create(name_or_key [, {dry_run = true}])
function F:create(key, opts)
  if type(key) == "string" then key = {name = key} end
  if type(key) ~= "table" then
    error(("bad argument #1 to 'create' (name or table expected, got %s)"):format(type(key)), 2)
  end
  opts = verbs.options(opts, verbs.DRY_RUN, "create")
  local body, err = verbs.call(self.client, "add-access-keys", {body = key}, opts)
  if body == nil then return nil, err end
  if not opts.dry_run then F.hide_secret(body) end
  return body
end

--- Activates or deactivates an access key (an expired key cannot be activated).
-- syntax: ok, err = client.access_keys:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  verbs.check_id(id, 1, "set_enabled")
  verbs.check_boolean(enabled, 2, "set_enabled")
  return verbs.call(self.client, "update-access-key-status", {id = id, status = tostring(enabled)}, opts, "set_enabled")
end

--- Deletes an access key.
-- syntax: ok, err = client.access_keys:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The access key with exactly this name: key, or nil when there is none, or nil, err.
-- syntax: key, err = client.access_keys:by_name(name)
F.by_name = crud.by_name

return F
