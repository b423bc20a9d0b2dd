-- prismacloud.emulator.test_routes: fixed behaviours under /_test/ (no token needed, unless the
-- route says so) for the client's own specs: what a server may do to a client.
--
--   * /_test/echo                 the request as JSON (method, path, query, headers, body, connection)
--   * /_test/status/{code}        that status (?retry_after= adds Retry-After)
--   GET /_test/gzip_bomb?mb=      mb megabytes of JSON, gzip-compressed to a few hundred KB
--   GET /_test/gzip?size=         a gzip-compressed JSON array of size items
--   GET /_test/stall?ms=          an answer ms late
--   GET /_test/reset, /_test/truncated, /_test/malformed   a reset connection, a cut body, bad JSON
--   GET /_test/text, /_test/bytes?size=                    text/plain, application/octet-stream
--   GET /_test/redlock_error, /_test/spring_error           the API's two error shapes
--   GET /_test/auth/pages?page=&stall_ms=                  a paged listing that needs a token
--   GET /_test/stats              the server's connection and request counts
local json = require "prismacloud.json"
local api = require "prismacloud.emulator.api"

local M = {}

local json_text, bad_argument, query_value = api.json_text, api.bad_argument, api.query

-- A query parameter as a whole number from 0 to max: default when absent, nil
-- and a message when not one.
local function query_count(req, name, default, max)
  local raw = query_value(req, name)
  if raw == nil then return default end
  local n = math.tointeger(tonumber(raw))
  if not n or n < 0 or n > max then
    return nil, ("query parameter '%s' must be an integer from 0 to %d"):format(name, max)
  end
  return n
end

-- size bytes running through every byte value.
local function bytes_of(size)
  local block = {}
  for i = 0, 255 do block[#block + 1] = string.char(i) end
  block = table.concat(block)
  return block:rep(size // 256 + 1):sub(1, size)
end

-- Adds the routes above.
function M.register(r)
  r:add("*", "/_test/echo", function(req)
    return api.json(200, {
      method = req.method, path = req.path, rawquery = req.rawquery, query = req.query,
      headers = req.headers, body = req.body, conn = req.conn.id, conn_requests = req.conn.requests,
    })
  end)

  r:add("*", "/_test/status/:code", function(req, params)
    local code = math.tointeger(tonumber(params.code))
    if not code or code < 200 or code > 599 then return bad_argument("status must be 200..599", "code") end
    local headers = {}
    local retry_after = query_value(req, "retry_after")
    if retry_after then headers["Retry-After"] = retry_after end
    return api.json(code, {status = code}, headers)
  end)

  -- A gzip bomb: `mb` megabytes of a JSON string of zeros, compressed to a few hundred KB.
  r:add("GET", "/_test/gzip_bomb", function(req)
    local mb, err = query_count(req, "mb", 16, 256)
    if not mb then return bad_argument(err, "mb") end
    local res = json_text(200, '"' .. ("0"):rep(mb * 1024 * 1024) .. '"')
    res.gzip = true
    return res
  end)

  r:add("GET", "/_test/gzip", function(req)
    local size, err = query_count(req, "size", 100, 1000000)
    if not size then return bad_argument(err, "size") end
    local items = {}
    for i = 1, size do items[i] = {id = i, name = "item-" .. i, ok = true} end
    local res = api.json(200, api.array(items))
    res.gzip = true
    return res
  end)

  r:add("GET", "/_test/stall", function(req)
    local ms, err = query_count(req, "ms", 1000, 3600000)
    if not ms then return bad_argument(err, "ms") end
    local res = api.json(200, {stalled_ms = ms})
    res.stall_ms = ms
    return res
  end)

  r:add("GET", "/_test/reset", function()
    local items = api.array{}
    for i = 1, 500 do items[i] = {id = i} end
    local res = api.json(200, items)
    res.reset = true
    return res
  end)

  r:add("GET", "/_test/truncated", function()
    local res = api.json(200, {data = ("x"):rep(4096)})
    res.truncate = true
    return res
  end)

  r:add("GET", "/_test/malformed", function() return json_text(200, '{"a": [1, 2,') end)

  r:add("GET", "/_test/text", function()
    return {status = 200, headers = {["Content-Type"] = "text/plain; charset=UTF-8"}, body = "hello"}
  end)

  r:add("GET", "/_test/bytes", function(req)
    local size, err = query_count(req, "size", 1024, 256 * 1024 * 1024)
    if not size then return bad_argument(err, "size") end
    return {status = 200, headers = {["Content-Type"] = "application/octet-stream"}, body = bytes_of(size)}
  end)

  r:add("GET", "/_test/redlock_error", function()
    local res = json_text(400, '{"error":{"code":"BadArgument","message":"bad severity",' ..
      '"target":"policy.severity","details":{}}}')
    res.headers["x-redlock-status"] = api.redlock_status("invalid_parameter_value", "policy.severity")
    res.headers["x-request-id"] = "test-req-1"
    return res
  end)

  r:add("GET", "/_test/spring_error", function(req)
    return api.spring_error(404, "no such thing", req.path)
  end)

  -- A paginated listing that needs a token: 20 pages of 5 items, page=0..19,
  -- "next" is the next page or null; stall_ms delays each page (so a listing
  -- can outlive a short token).
  r:add("GET", "/_test/auth/pages", function(req)
    local page, err = query_count(req, "page", 0, 19)
    if not page then return bad_argument(err, "page") end
    local stall, serr = query_count(req, "stall_ms", 0, 60000)
    if not stall then return bad_argument(serr, "stall_ms") end
    local items = {}
    for i = 1, 5 do items[i] = page * 5 + i end
    local res = api.json(200, {page = page, items = items, next = page < 19 and page + 1 or json.null})
    res.stall_ms = stall
    return res
  end, {auth = true})

  r:add("GET", "/_test/stats", function(req)
    return api.json(200, {connections = req.server.stats.connections, requests = req.server.stats.requests})
  end)
end

return M
