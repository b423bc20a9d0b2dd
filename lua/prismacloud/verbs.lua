--- prismacloud.verbs: what the family verbs share: per-call options, dry runs, argument checks,
-- answers a verb reads fields of, and the CRUD shape (get, create, update, delete, by_name).
--
--   local crud = verbs.crud{get = "get-user-role", create = "add-user-role", names = ...}
--   function F:get(id) return crud.get(self, id) end
--   opts = verbs.options(opts, {dry_run = true}, "create")
--   verbs.check_string(id, 1, "get", "alert id")
--   return verbs.call(self.client, "dismiss-alerts", {body = body}, opts)
local errors = require "prismacloud.errors"
local pager = require "prismacloud.pager"

local M = {}

--- A new family class: the table of a family's methods, each object's metatable (client.<family>
-- is an object {client = client} of it).
-- syntax: F = verbs.family()
function M.family()
  local F = {}
  F.__index = F
  return F
end

--- The options of a verb that changes something: {dry_run = true} (see verbs.options).
M.DRY_RUN = {dry_run = true}

--------------------------------------------------------------------------
-- Per-call options, dry runs, answers read by a verb.
--------------------------------------------------------------------------

--- Checks a per-call option table against allowed keys (a set); raises naming an unknown key.
-- syntax: opts = verbs.options(opts, {dry_run = true}, "create")
function M.options(opts, allowed, fname)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("bad options to '%s' (table expected, got %s)"):format(fname, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not allowed[k] then error(("unknown option '%s' to '%s'"):format(tostring(k), fname), 3) end
  end
  return opts
end

--- The request a catalog operation would send: {method, path, query, body, headers}
-- (nothing is sent); the arguments are checked as client:call checks them.
-- syntax: req = verbs.request_for(operation_id, {<path param> =, query =, body =})
function M.request_for(id, args)
  local req = require("prismacloud.catalog").prepare(id, args, 2)
  return {method = req.method, path = req.path, query = req.query, body = req.body, headers = req.headers}
end


--- Sends a catalog operation, or with opts.dry_run returns the request it would send.
-- Returns what client:call returns: the decoded body, true for a 2xx without a body, the request
-- on a dry run; or nil, err. Given fname (a mutating verb's name), opts is checked first
-- ({dry_run = true} only): a method returns this call directly, so that a bad option points at
-- the method's caller.
-- syntax: result, err = verbs.call(client, operation_id, args, opts [, fname])
function M.call(client, id, args, opts, fname)
  if fname then opts = M.options(opts, M.DRY_RUN, fname) end
  if opts and opts.dry_run then return M.request_for(id, args) end
  return client:call(id, args)
end

--- For a verb that reads fields of an answer: the decoded body when it is a table; nil, err as
-- given; or nil and a decode error when a 2xx answer had no body or one that is not a JSON object
-- or array.
-- syntax: body, err = verbs.table_body(client, body, err)
function M.table_body(client, body, err)
  if type(body) == "table" then return body end
  if body == nil then return nil, err end
  return errors.decode(client, body == true and "the answer has no body"
    or "the answer is not a JSON object or array")
end

-- The properties a schema node (with its allOf parts) marks readOnly, added to the set names.
local function read_only_of(node, names, depth)
  if type(node) ~= "table" or depth > 8 then return names end
  for k, p in pairs(node.properties or {}) do
    if type(p) == "table" and p.readOnly then names[k] = true end
  end
  for _, part in ipairs(node.allOf or {}) do read_only_of(part, names, depth + 1) end
  return names
end

--- The set of the properties the request body schema of operation id marks readOnly ({} when it
-- has none, or no body).
-- syntax: names = verbs.read_only(operation_id)
function M.read_only(id)
  local op = require("prismacloud.schema").operation(id)
  local names = {}
  for _, c in ipairs(op and op.body and op.body.content or {}) do read_only_of(c.schema, names, 0) end
  return names
end

--- For a verb that reads, merges and writes (a PUT that replaces a resource whole): a new body of
-- the fields named in keys as current (a decoded answer) has them, then every field of changes over
-- them. Given the operation's id, the properties its request schema marks readOnly are left out
-- (a caller may hand back a whole answer, with its enabled, lastModifiedTs, ...).
-- syntax: body = verbs.merge(current, keys, changes [, operation_id])
function M.merge(current, keys, changes, id)
  local skip = id and M.read_only(id) or {}
  local body = {}
  for _, k in ipairs(keys) do
    if current[k] ~= nil and not skip[k] then body[k] = current[k] end
  end
  for k, v in pairs(changes) do
    if not skip[k] then body[k] = v end
  end
  return body
end

--- For a verb that writes and then reads the object back: nil and the read's error, marked
-- written = true and its message saying that the write was applied ("updated; reading it back
-- failed: ...").
-- syntax: nil, err = verbs.written(err)
function M.written(err)
  if not errors.is_error(err) then
    err = errors.new("decode", err == nil and "no answer" or tostring(err))
  end
  err.written = true
  err.message = "updated; reading it back failed: " .. tostring(err.message)
  return nil, err
end

--------------------------------------------------------------------------
-- Argument checks shared by the families. Each raises at level 3: called
-- directly inside a family method, the error points at the method's caller.
--------------------------------------------------------------------------

-- Raises from the checker's caller's caller; got: how the bad value reads, by default its
-- type or "an empty string".
local function bad_argument(n, fname, want, v, got)
  got = got or v == "" and "an empty string" or type(v)
  error(("bad argument #%d to '%s' (%s expected, got %s)"):format(n, fname, want, got), 4)
end

--- Raises unless v is a non-empty string, naming argument n of fname and the noun expected ("string").
-- syntax: v = verbs.check_string(v, n, fname [, noun])
function M.check_string(v, n, fname, noun)
  if type(v) ~= "string" or v == "" then bad_argument(n, fname, noun or "string", v) end
  return v
end

--- Raises unless v is a table, naming argument n of fname and the noun expected ("table").
-- syntax: v = verbs.check_table(v, n, fname [, noun])
function M.check_table(v, n, fname, noun)
  if type(v) ~= "table" then bad_argument(n, fname, noun or "table", v) end
  return v
end

--- Raises unless v is an id (a non-empty string or an integer), naming argument n of fname.
-- syntax: v = verbs.check_id(v, n, fname [, noun])
function M.check_id(v, n, fname, noun)
  if not (type(v) == "string" and v ~= "" or math.type(v) == "integer") then bad_argument(n, fname, noun or "id", v) end
  return v
end

--- Raises unless v is a boolean, naming argument n of fname.
-- syntax: v = verbs.check_boolean(v, n, fname)
function M.check_boolean(v, n, fname)
  if type(v) ~= "boolean" then bad_argument(n, fname, "boolean", v) end
  return v
end

--- Raises unless v is an integer, naming argument n of fname and the noun expected ("integer").
-- syntax: v = verbs.check_integer(v, n, fname [, noun])
function M.check_integer(v, n, fname, noun)
  if math.type(v) ~= "integer" then bad_argument(n, fname, noun or "integer", v, math.type(v) or type(v)) end
  return v
end

--------------------------------------------------------------------------
-- The shared CRUD shape of a family: get, create, update, delete, by_name.
--------------------------------------------------------------------------

local check_table = M.check_table

--- Verbs over a family's catalog operations, for one-line family methods:
-- get(self, id), create(self, body, opts), update(self, id, body, opts), delete(self, id, opts),
-- by_name(self, name, ...). spec: the operation ids (get, create, update, delete), id = the path
-- parameter's name ("id"), names = function(self, name, ...) -> candidates (an array or
-- verbs.items) | nil, err, name_field ("name"), id_field ("id"), fetch = true to return
-- get(candidate id) rather than the candidate, fnames = the family's method names for messages
-- ({get = "rule", ...}; the verb's own name by default), integer = true where ids are integers only.
-- syntax: verbs = verbs.crud{get =, create =, update =, delete =, id = "id", names =, fetch =, fnames =, integer =}
function M.crud(spec)
  local param = spec.id or "id"
  local check, noun = M.check_id, nil -- of the id argument
  if spec.integer then check, noun = M.check_integer, "integer id" end
  local name_field, id_field = spec.name_field or "name", spec.id_field or "id"
  local fnames = {}
  for _, verb in ipairs{"get", "create", "update", "delete", "by_name"} do
    fnames[verb] = spec.fnames and spec.fnames[verb] or verb
  end
  local verbs = {}

  function verbs.get(self, id)
    check(id, 1, fnames.get, noun)
    return self.client:call(spec.get, {[param] = id})
  end

  function verbs.create(self, body, opts)
    check_table(body, 1, fnames.create)
    return M.call(self.client, spec.create, {body = body}, opts, fnames.create)
  end

  function verbs.update(self, id, body, opts)
    check(id, 1, fnames.update, noun)
    check_table(body, 2, fnames.update)
    return M.call(self.client, spec.update, {[param] = id, body = body}, opts, fnames.update)
  end

  function verbs.delete(self, id, opts)
    check(id, 1, fnames.delete, noun)
    return M.call(self.client, spec.delete, {[param] = id}, opts, fnames.delete)
  end

  function verbs.by_name(self, name, ...)
    if type(name) ~= "string" then
      error(("bad argument #1 to '%s' (string expected, got %s)"):format(fnames.by_name, type(name)), 2)
    end
    local list, err = spec.names(self, name, ...)
    if not pager.is_items(list) then list, err = M.table_body(self.client, list, err) end
    if not list then return nil, err end
    local function found(item)
      if spec.fetch then return verbs.get(self, item[id_field]) end
      return item
    end
    if pager.is_items(list) then -- a lazy walk: stop at the first match
      while true do
        local item, e = list:next()
        if item == nil then return nil, e end
        if item[name_field] == name then return found(item) end
      end
    end
    for _, item in ipairs(list) do
      if item[name_field] == name then return found(item) end
    end
    return nil
  end

  return verbs
end

return M
