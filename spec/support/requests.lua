-- spec/support/requests.lua: reading the emulator's request log in specs,
-- and checking a logged request against the operation catalog.
--
--   local requests = require "spec.support.requests"
--   local entry = requests.only(srv, "/alert/rule")      -- exactly one request to that path
--   requests.query_of(entry)  --> {name = value or {values}}
--   requests.body_of(entry)   --> the decoded JSON body, or nil
--   requests.check(entry, "add-alert-rule")  -- method, path template, query names, body as declared
--   requests.sent(srv, "add-alert-rule")     -- the one request since the last clear (logins aside), checked
--   requests.sequence(srv, "get-x", "put-x") -- the requests since the last clear, in order, checked
--   requests.drain(items)                    -- every item of an iterator, failing on an error
local cjson = require "cjson"
local operations = require "prismacloud.operations"

local M = {}

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--- The decoded query string of a logged request: {name = value or {values}}.
function M.query_of(entry)
  local q = {}
  for pair in (entry.rawquery or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = unescape(k), unescape(v)
    if q[k] == nil then
      q[k] = v
    elseif type(q[k]) == "table" then
      table.insert(q[k], v)
    else
      q[k] = {q[k], v}
    end
  end
  return q
end

--- The decoded JSON body of a logged request, or nil when it has none.
function M.body_of(entry)
  return entry.body and entry.body ~= "" and cjson.decode(entry.body) or nil
end

--- The one request the emulator logged for path (fails the spec unless exactly one).
function M.only(srv, path)
  local log = srv.requests(path)
  assert(#log == 1, ("expected exactly 1 request to %s, got %d"):format(path, #log))
  return log[1]
end

--- Every item an item iterator (pager.items) yields, in order; fails the spec on an error.
function M.drain(items)
  local out = {}
  for _ = 1, 100000 do
    local item, err = items:next()
    assert(err == nil, tostring(err))
    if item == nil then break end
    out[#out + 1] = item
  end
  return out
end

-- A Lua pattern matching the operation's path template.
local function path_pattern(template)
  local escaped = template:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  return "^" .. escaped:gsub("{[^}]+}", "[^/]+") .. "$"
end

--- Fails unless the logged request fits the catalog operation: its method,
-- its path template, only declared query parameters (every required one
-- present, enum values respected), and a body exactly when one is declared
-- (required bodies present). Returns the entry.
function M.check(entry, operation_id)
  local op = operations[operation_id]
  assert(op, "unknown operation " .. tostring(operation_id))
  assert(entry.method == op.method,
    ("%s: method %s, the catalog says %s"):format(operation_id, tostring(entry.method), op.method))
  assert(entry.path:find(path_pattern(op.path)),
    ("%s: path %s does not fit %s"):format(operation_id, entry.path, op.path))
  local declared = {}
  for _, p in ipairs(op.params and op.params.query or {}) do declared[p.name] = p end
  local query = M.query_of(entry)
  for name, value in pairs(query) do
    local p = declared[name]
    assert(p, ("%s: query parameter '%s' is not in the catalog"):format(operation_id, name))
    if p.enum then
      local allowed = {}
      for _, e in ipairs(p.enum) do allowed[tostring(e)] = true end
      for _, v in ipairs(type(value) == "table" and value or {value}) do
        assert(allowed[v], ("%s: query '%s' = '%s' is not one of its enum"):format(operation_id, name, v))
      end
    end
  end
  for name, p in pairs(declared) do
    if p.required then
      assert(query[name] ~= nil, ("%s: required query parameter '%s' missing"):format(operation_id, name))
    end
  end
  local has_body = entry.body ~= nil and entry.body ~= ""
  if op.body_required then
    assert(has_body, operation_id .. ": the catalog requires a body")
  elseif not op.body then
    assert(not has_body, operation_id .. ": the catalog declares no body, one was sent")
  end
  return entry
end

--- The one request the emulator logged since the last clear, logins and token extensions aside,
-- checked against the catalog operation (see check); fails the spec unless exactly one.
function M.sent(srv, operation_id)
  local log = {}
  for _, e in ipairs(srv.requests()) do
    if e.path ~= "/login" and e.path ~= "/auth_token/extend" then log[#log + 1] = e end
  end
  assert(#log == 1, ("expected exactly 1 request, got %d"):format(#log))
  return M.check(log[1], operation_id)
end

--- The requests since the last clear (logins aside), exactly one per operation id given and in
-- that order, each checked against its operation; returns the entries.
function M.sequence(srv, ...)
  local ids, log = {...}, {}
  for _, e in ipairs(srv.requests()) do
    if e.path ~= "/login" and e.path ~= "/auth_token/extend" then log[#log + 1] = e end
  end
  assert(#log == #ids, ("expected %d requests (%s), got %d"):format(#ids, table.concat(ids, ", "), #log))
  for i, id in ipairs(ids) do M.check(log[i], id) end
  return table.unpack(log)
end

--- The catalog operation a logged request is: its id and the operation (the template with the fewest
-- parameters among those fitting its method and path), or nil.
function M.operation_of(entry)
  local best, best_id, best_params
  for id, op in pairs(operations) do
    if type(op) == "table" and op.method == entry.method and op.path and entry.path:find(path_pattern(op.path)) then
      local params = select(2, op.path:gsub("{", ""))
      if not best or params < best_params or params == best_params and id < best_id then
        best, best_id, best_params = op, id, params
      end
    end
  end
  return best_id, best
end

return M
