--- prismacloud.users: the user profile family (`client.users`). Users are keyed by email.
--
--   for u in client.users:each() do print(u.email, u.displayName, u.enabled) end
--   client.users:create{email = "dana@example.com", firstName = "Dana", lastName = "Scully",
--                       timeZone = "UTC", roleIds = {role.id}, defaultRoleId = role.id}
--   client.users:set_enabled("dana@example.com", false)
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local access_keys = require "prismacloud.access_keys"
local json = require "prismacloud.json"
local errors = require "prismacloud.errors"

local F = verbs.family()

local check_string, check_table = verbs.check_string, verbs.check_table

--- Every user of the tenant, with their roles (GET /v2/user).
-- syntax: users, err = client.users:list()
function F:list()
  return self.client:call("get-user-profiles-v2")
end

--- The users one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for user in client.users:each([{max_items =}]) do ... end
function F:each(paging)
  return pager.items(self.client, pager.single{op = "get-user-profiles-v2"}, paging)
end

--- One user by email.
-- syntax: user, err = client.users:get(email)
function F:get(email)
  check_string(email, 1, "get", "email string")
  return self.client:call("get-user-profile-v2", {id = email})
end

--- Adds a user {email, firstName, lastName, timeZone, roleIds, defaultRoleId, ...}.
-- syntax: ok, err = client.users:create(user [, {dry_run = true}])
function F:create(user, opts)
  check_table(user, 1, "create")
  return verbs.call(self.client, "add-user-v2", {body = user}, opts, "create")
end

-- The fields of a profile a PUT writes (MultiRoleUserProfile less its read-only ones).
local PROFILE = {"email", "firstName", "lastName", "timeZone", "roleIds", "defaultRoleId", "accessKeysAllowed"}

-- Raises unless every key of fields is a string (a profile's field name), naming argument n of fname.
local function check_fields(fields, n, fname)
  for k in pairs(fields) do
    if type(k) ~= "string" then
      error(("bad argument #%d to '%s' (table of profile fields expected, got a table with %s keys)")
        :format(n, fname, math.type(k) or type(k)), 3)
    end
  end
end

-- Whether v is an array of non-empty strings (role ids).
local function role_ids(v)
  if type(v) ~= "table" then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  for i = 1, n do
    if type(v[i]) ~= "string" or v[i] == "" then return false end
  end
  return true
end

-- The roles of a profile as read: its roleIds, or the ids of its roles {{id}}; nil when the answer
-- has neither; false when what it has is not role ids.
local function roles_of(current)
  if current.roleIds ~= nil then return role_ids(current.roleIds) and current.roleIds end
  if current.roles == nil then return nil end
  if type(current.roles) ~= "table" then return false end
  local ids = setmetatable({}, json.array_mt)
  for i, r in ipairs(current.roles) do
    if type(r) ~= "table" or type(r.id) ~= "string" or r.id == "" then return false end
    ids[i] = r.id
  end
  return ids
end

-- The whole profile a PUT writes: the user as read with fields over it; or nil, err when the answer
-- is no profile, or does not tell the user's roles and fields do not give them (a reference-shaped
-- answer names one roleId only: writing it back would take the user's other roles away). With
-- roleIds and no defaultRoleId given, a default the new roles do not hold becomes roleIds[1].
local function profile(client, current, fields, op)
  if getmetatable(current) == json.array_mt or type(current.email) ~= "string" then
    return errors.decode(client, "the answer is not a user profile (no email)")
  end
  local roles = roles_of(current)
  if roles == false then return errors.decode(client, "the answer's roles are not role ids") end
  if fields.roleIds == nil and (roles == nil or #roles == 0) then
    return nil, errors.new("invalid_request", "cannot tell the user's roles from the answer; give roleIds")
  end
  local default = current.defaultRoleId
  if type(default) ~= "string" then
    default = type(current.roleId) == "string" and current.roleId or roles and roles[1]
  end
  local base = {roleIds = roles, defaultRoleId = default}
  for _, k in ipairs(PROFILE) do
    if base[k] == nil then base[k] = current[k] end
  end
  local body = verbs.merge(base, PROFILE, fields, op)
  local given = fields.roleIds
  if fields.defaultRoleId == nil and type(given) == "table" and given[1] ~= nil then
    local held = false
    for _, id in ipairs(given) do held = held or id == body.defaultRoleId end
    if not held then body.defaultRoleId = given[1] end
  end
  return body
end

-- Reads a profile (read: a function returning it or nil, err), and writes it whole with fields over
-- it through operation op (args: its path parameters); on a dry run, returns the PUT it would send.
local function read_merge_write(self, read, op, args, fields, opts)
  local current, err = verbs.table_body(self.client, read())
  if not current then return nil, err end
  args.body, err = profile(self.client, current, fields, op)
  if not args.body then return nil, err end
  return verbs.call(self.client, op, args, opts)
end

--- Updates a user's profile: only the fields given change. The reference's schema of PUT
-- /v2/user/{id} requires the whole profile (its prose calls the fields optional), so the user is
-- read first (GET /v2/user/{id}) and sent back whole with the fields over it (a dry run reads it
-- too, and returns the PUT); the read and the write are not atomic: a change made between them is
-- lost. Read-only fields are left out (enabled among them: use set_enabled). Given roleIds without
-- defaultRoleId, a default the new roles do not hold becomes roleIds[1]. An answer that does not
-- tell the user's roles (a single roleId) gives nil, err unless fields give roleIds.
-- syntax: ok, err = client.users:update(email, fields [, {dry_run = true}])
function F:update(email, fields, opts)
  check_string(email, 1, "update", "email string")
  check_table(fields, 2, "update")
  check_fields(fields, 2, "update")
  opts = verbs.options(opts, verbs.DRY_RUN, "update")
  return read_merge_write(self, function() return self:get(email) end, "update-profile-v2", {id = email}, fields,
    opts)
end

--- Deletes a user (or a service account, by its name).
-- syntax: ok, err = client.users:delete(email [, {dry_run = true}])
function F:delete(email, opts)
  check_string(email, 1, "delete", "email string")
  return verbs.call(self.client, "delete-user", {id = email}, opts, "delete")
end

--- Enables or disables a user.
-- syntax: ok, err = client.users:set_enabled(email, enabled [, {dry_run = true}])
function F:set_enabled(email, enabled, opts)
  check_string(email, 1, "set_enabled", "email string")
  verbs.check_boolean(enabled, 2, "set_enabled")
  return verbs.call(self.client, "update-user-profile", {id = email, enabled = tostring(enabled)}, opts, "set_enabled")
end

--- Every user and service account (GET /v3/user; access key fields are left empty).
-- syntax: accounts, err = client.users:accounts()
function F:accounts()
  return self.client:call("get-user-profiles-v3")
end

--- Adds a user or a service account (type = "SERVICE_ACCOUNT"; it returns its key {id, secretKey} once).
-- syntax: result, err = client.users:create_account(account [, {dry_run = true}])
function F:create_account(account, opts)
  check_table(account, 1, "create_account")
  opts = verbs.options(opts, verbs.DRY_RUN, "create_account")
  local body, err = verbs.call(self.client, "add-user-v3", {body = account}, opts)
  if body == nil then return nil, err end
  if not opts.dry_run then access_keys.hide_secret(body) end
  return body
end

--- The emails and display names of every user (GET /user/name).
-- syntax: names, err = client.users:names()
function F:names()
  return self.client:call("get-usernames")
end

--- The profile of the caller (GET /user/me).
-- syntax: user, err = client.users:me()
function F:me()
  return self.client:call("get-my-profile")
end

--- Updates the caller's own profile (firstName, lastName, timeZone, defaultRoleId): only the fields
-- given change. As for update, the reference's schema of PUT /user/me requires the whole profile, so
-- it is read first (GET /user/me) and sent back whole with the fields over it (a dry run reads it
-- too, and returns the PUT); the read and the write are not atomic. Read-only fields are left out.
-- syntax: ok, err = client.users:update_me(fields [, {dry_run = true}])
function F:update_me(fields, opts)
  check_table(fields, 1, "update_me")
  check_fields(fields, 1, "update_me")
  opts = verbs.options(opts, verbs.DRY_RUN, "update_me")
  return read_merge_write(self, function() return self:me() end, "update-my-profile", {}, fields, opts)
end

--- The email domains users may have (GET /user/domain).
-- syntax: domains, err = client.users:domains()
function F:domains()
  return self.client:call("email-domains")
end

--- The emails allowed to log in with a password as well as through SSO.
-- syntax: emails, err = client.users:sso_bypass()
function F:sso_bypass()
  return self.client:call("get-sso-bypass-allowed-users")
end

--- Replaces the emails allowed to bypass SSO.
-- syntax: ok, err = client.users:set_sso_bypass(emails [, {dry_run = true}])
function F:set_sso_bypass(emails, opts)
  check_table(emails, 1, "set_sso_bypass")
  opts = verbs.options(opts, verbs.DRY_RUN, "set_sso_bypass")
  local list = setmetatable({}, json.array_mt) -- [] even when empty
  for i, email in ipairs(emails) do list[i] = email end
  return verbs.call(self.client, "update-sso-bypass-allowed-users", {body = list}, opts)
end

return F
