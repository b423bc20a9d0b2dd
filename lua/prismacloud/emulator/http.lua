-- prismacloud.emulator.http: a small HTTP/1.1 server engine on cqueues, and a
-- router. One coroutine per connection, so a stalled response never blocks
-- another; persistent connections, Content-Length and chunked request bodies,
-- Expect: 100-continue, gzip responses, optional TLS, bounded reads, and fault
-- actions in the response table (stall_ms, reset, truncate, close) for tests.
--
--   local srv = http.listen{port = 0, handler = function(req) return {status = 200, body = "hi"} end}
--   print(srv:url()); srv:loop()
--
-- req = {method, target, path (without query, as sent), rawquery, query,
-- headers (lower-case names), body, version, conn = {id, requests}, server}.
local cqueues = require "cqueues"
local csocket = require "cqueues.socket"
local csignal = require "cqueues.signal"
local errno = require "cqueues.errno"

local M = {}

M.defaults = {
  host = "127.0.0.1",
  port = 0,
  max_line = 8192,            -- bytes in the request line and in each header line
  max_header_bytes = 65536,   -- bytes in all header lines together
  max_headers = 100,          -- header lines
  max_body = 64 * 1024 * 1024,
  idle_timeout = 30,          -- seconds a kept-alive connection may wait for its next request
  io_timeout = 30,            -- seconds any other read, write or TLS handshake may take
  server_name = "prismacloud-emulator",
}

M.reasons = {
  [100] = "Continue", [101] = "Switching Protocols",
  [200] = "OK", [201] = "Created", [202] = "Accepted", [203] = "Non-Authoritative Information",
  [204] = "No Content", [205] = "Reset Content", [206] = "Partial Content",
  [300] = "Multiple Choices", [301] = "Moved Permanently", [302] = "Found", [303] = "See Other",
  [304] = "Not Modified", [307] = "Temporary Redirect", [308] = "Permanent Redirect",
  [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [406] = "Not Acceptable",
  [408] = "Request Timeout", [409] = "Conflict", [410] = "Gone", [411] = "Length Required",
  [412] = "Precondition Failed", [413] = "Content Too Large", [414] = "URI Too Long",
  [415] = "Unsupported Media Type", [416] = "Range Not Satisfiable", [417] = "Expectation Failed",
  [422] = "Unprocessable Content", [423] = "Locked", [425] = "Too Early",
  [428] = "Precondition Required", [429] = "Too Many Requests",
  [431] = "Request Header Fields Too Large",
  [500] = "Internal Server Error", [501] = "Not Implemented", [502] = "Bad Gateway",
  [503] = "Service Unavailable", [504] = "Gateway Timeout", [505] = "HTTP Version Not Supported",
}

-- Headers the engine owns; a handler's values for them are ignored.
local ENGINE_HEADERS = {
  ["content-length"] = true, ["transfer-encoding"] = true, ["connection"] = true,
  ["date"] = true, ["keep-alive"] = true,
}

-- Writes one line to stderr: the engine's log.
function M.log(fmt, ...)
  io.stderr:write(("%s prismacloud-emulator: %s\n"):format(os.date("!%H:%M:%S"), fmt:format(...)))
  io.stderr:flush()
end

-- Percent-decodes s; plus_as_space for query components.
function M.unescape(s, plus_as_space)
  if plus_as_space then s = s:gsub("+", " ") end
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Parses a raw query string: name -> value, or an array of values when the
-- name repeats. Names and values are percent-decoded ('+' is a space).
function M.parse_query(raw)
  local query = {}
  for pair in (raw or ""):gmatch("[^&]+") do
    local name, value = pair:match("^([^=]*)=?(.*)$")
    name, value = M.unescape(name, true), M.unescape(value, true)
    local old = query[name]
    if old == nil then
      query[name] = value
    elseif type(old) == "table" then
      old[#old + 1] = value
    else
      query[name] = {old, value}
    end
  end
  return query
end

-- True when an Accept-Encoding value accepts gzip (gzip, x-gzip or *, q > 0).
function M.accepts_gzip(value)
  if not value then return false end
  for item in value:gmatch("[^,]+") do
    local coding = item:match("^%s*([^;%s]+)"):lower()
    local q = tonumber(item:match(";%s*[qQ]%s*=%s*([%d.]+)") or "1")
    if (coding == "gzip" or coding == "x-gzip" or coding == "*") and q and q > 0 then return true end
  end
  return false
end

local function http_date(t)
  return os.date("!%a, %d %b %Y %H:%M:%S GMT", t)
end

-- Compresses s in the gzip format (lua-zlib; loaded when first needed).
function M.gzip(s)
  local zlib = require "zlib"
  return (zlib.deflate(zlib.BEST_SPEED, 15 + 16)(s, "finish"))
end

-- True when the comma-separated header value holds token (case-insensitive).
local function has_token(value, token)
  if not value then return false end
  for item in value:gmatch("[^,]+") do
    if item:match("^%s*(.-)%s*$"):lower() == token then return true end
  end
  return false
end

--------------------------------------------------------------------------
-- Reading a request. Readers return the value, or nil and an error: a number
-- is an HTTP status to answer with before closing, anything else means the
-- peer went away or timed out (close without answering).
--------------------------------------------------------------------------

-- One line without its CR LF; 431 (or too_long) when longer than the limit.
-- A socket error as a reader's error: never a number, which would be taken for
-- an HTTP status (a timed-out keep-alive read is errno 110, ETIMEDOUT: answering
-- "HTTP/1.1 110" would look like an informational response to a request that
-- crossed it on the wire).
local function io_error(err)
  if err == nil then return "eof" end
  return math.type(err) == "integer" and ("socket error " .. err) or err
end

local function read_line(sock, limits, timeout, too_long)
  local line, err = sock:xread("*L", "b", timeout or limits.io_timeout)
  if not line then return nil, io_error(err) end
  if line:sub(-1) ~= "\n" then return nil, too_long or 431 end
  return (line:gsub("\r?\n$", ""))
end

-- Exactly n bytes.
local function read_bytes(sock, limits, n)
  local parts, got = {}, 0
  while got < n do
    local data, err = sock:xread(-math.min(n - got, 65536), "b", limits.io_timeout)
    if not data then return nil, io_error(err) end
    parts[#parts + 1] = data
    got = got + #data
  end
  return table.concat(parts)
end

-- Header lines up to the empty line: lower-case name -> value; repeated
-- fields are joined with ", ".
local function read_headers(sock, limits)
  local headers, count, bytes = {}, 0, 0
  while true do
    local line, err = read_line(sock, limits)
    if not line then return nil, err end
    if line == "" then return headers end
    count, bytes = count + 1, bytes + #line
    if count > limits.max_headers or bytes > limits.max_header_bytes then return nil, 431 end
    local name, value = line:match("^([!#$%%&'*+%-.^_`|~%w]+):[ \t]*(.-)[ \t]*$")
    if not name then return nil, 400 end -- includes obsolete line folding
    name = name:lower()
    headers[name] = headers[name] and (headers[name] .. ", " .. value) or value
  end
end

-- A chunked body (RFC 9112 section 7.1); trailer fields are read and dropped.
local function read_chunked(sock, limits)
  local parts, total = {}, 0
  while true do
    local line, err = read_line(sock, limits, nil, 400)
    if not line then return nil, err end
    local hex = line:match("^(%x+)%s*;?.*$")
    if not hex or #hex > 8 then return nil, 400 end
    local size = tonumber(hex, 16)
    if size == 0 then break end
    total = total + size
    if total > limits.max_body then return nil, 413 end
    local data, derr = read_bytes(sock, limits, size)
    if not data then return nil, derr end
    parts[#parts + 1] = data
    local crlf, cerr = read_line(sock, limits, nil, 400)
    if crlf ~= "" then return nil, cerr or 400 end
  end
  local _, err = read_headers(sock, limits)
  if err then return nil, err end
  return table.concat(parts)
end

-- How the body is framed: "chunked", a length, or 0; or nil and a status.
local function body_framing(headers, limits)
  local te = headers["transfer-encoding"]
  if te then
    local last = te:lower():match("([^,%s]+)%s*$")
    if last ~= "chunked" then return nil, 501 end
    return "chunked"
  end
  local cl = headers["content-length"]
  if not cl then return 0 end
  local first = cl:match("^%s*(%d+)")
  for v in cl:gmatch("[^,]+") do -- repeated equal values are allowed
    if v:match("^%s*(%d+)%s*$") ~= first then return nil, 400 end
  end
  local n = #first <= 15 and tonumber(first) or math.huge
  if n > limits.max_body then return nil, 413 end
  return n
end

-- Reads the body the headers announce, answering Expect: 100-continue first.
local function read_body(sock, req, limits)
  local framing, status = body_framing(req.headers, limits)
  if not framing then return nil, status end
  local expect = req.headers.expect
  if expect then
    if expect:lower() ~= "100-continue" then return nil, 417 end
    if req.version == "1.1" and framing ~= 0 then
      local ok, err = sock:xwrite("HTTP/1.1 100 Continue\r\n\r\n", "bn", limits.io_timeout)
      if not ok then return nil, err end
    end
  end
  if framing == "chunked" then return read_chunked(sock, limits) end
  if framing == 0 then return "" end
  return read_bytes(sock, limits, framing)
end

-- Splits a request target into path and raw query (absolute-form accepted).
local function split_target(target)
  if target == "*" then return "*", "" end
  local path = target:match("^[hH][tT][tT][pP][sS]?://[^/?#]*(.*)$") or target
  if path == "" then path = "/" end
  if path:sub(1, 1) ~= "/" then return nil end
  local p, q = path:match("^([^?#]*)%??([^#]*)")
  return p, q
end

-- Reads one request: req, or nil and an error (see above). The first line
-- waits up to the idle timeout; empty lines before it are skipped.
local function read_request(sock, conn, limits)
  local line, err
  repeat
    line, err = read_line(sock, limits, limits.idle_timeout, 414)
  until line ~= ""
  if not line then return nil, err end
  local method, target, major, minor = line:match("^(%u+) (%S+) HTTP/(%d)%.(%d)$")
  if not method then return nil, 400 end
  if major ~= "1" then return nil, 505 end
  local path, rawquery = split_target(target)
  if not path then return nil, 400 end
  local headers, herr = read_headers(sock, limits)
  if not headers then return nil, herr end
  local req = {
    method = method, target = target, path = path, rawquery = rawquery,
    query = M.parse_query(rawquery), headers = headers, version = major .. "." .. minor,
    conn = conn,
  }
  local body, berr = read_body(sock, req, limits)
  if not body then return nil, berr end
  req.body = body
  return req
end

--------------------------------------------------------------------------
-- Writing a response.
--------------------------------------------------------------------------

local function bodyless(status, method)
  return method == "HEAD" or status < 200 or status == 204 or status == 304
end

-- True when the connection stays open after this exchange.
local function keep_alive(req, res)
  if res.close or res.reset or res.truncate or res.unterminated then return false end
  local connection = req.headers.connection
  if has_token(connection, "close") then return false end
  if req.version == "1.0" then return has_token(connection, "keep-alive") end
  return true
end

-- Serialises status line and headers. body_len is the Content-Length to announce.
local function response_head(res, body_len, keep, req, limits)
  local status = res.status
  local lines = {("HTTP/1.1 %d %s"):format(status, res.reason or M.reasons[status] or "Unknown")}
  local function add(name, value) lines[#lines + 1] = name .. ": " .. tostring(value) end
  add("Date", http_date())
  add("Server", limits.server_name)
  for name, value in pairs(res.headers or {}) do
    if not ENGINE_HEADERS[name:lower()] then
      if type(value) == "table" then
        for _, v in ipairs(value) do add(name, v) end
      else
        add(name, value)
      end
    end
  end
  if body_len then add("Content-Length", body_len) end
  if not keep then
    add("Connection", "close")
  elseif req.version == "1.0" then
    add("Connection", "keep-alive")
  end
  if res.unterminated then return table.concat(lines, "\r\n") .. "\r\n" end -- no blank line: the head never ends
  local eol = res.bare_lf and "\n" or "\r\n"
  return table.concat(lines, eol) .. eol .. eol
end

-- Checks a handler's response table; returns it or nil and a message.
local function check_response(res)
  if type(res) ~= "table" then return nil, "handler returned " .. type(res) .. ", not a table" end
  local status = res.status or 200
  if math.type(status) ~= "integer" then status = math.tointeger(status) end
  if not status or status < 100 or status > 999 then return nil, "bad status " .. tostring(res.status) end
  if res.body ~= nil and type(res.body) ~= "string" then return nil, "body must be a string" end
  if res.headers ~= nil and type(res.headers) ~= "table" then return nil, "headers must be a table" end
  res.status = status
  return res
end

-- The response to a handler that raised or returned nonsense.
local function internal_error()
  return {
    status = 500, headers = {["Content-Type"] = "application/json"},
    body = '{"error":{"code":"InternalError","message":"the emulator failed to handle the request"}}',
  }
end

-- Writes the response, applying its fault actions. Returns true to keep the
-- connection open.
local function send_response(sock, req, res, limits)
  if res.stall_ms and res.stall_ms > 0 then cqueues.sleep(res.stall_ms / 1000) end
  local keep = keep_alive(req, res)
  local body = res.body or ""
  local headers = res.headers
  local no_body = bodyless(res.status, req.method)
  if res.gzip and not no_body and #body > 0 and M.accepts_gzip(req.headers["accept-encoding"]) then
    body = M.gzip(body)
    headers = {["Content-Encoding"] = "gzip", ["Vary"] = "Accept-Encoding"}
    for k, v in pairs(res.headers or {}) do headers[k] = v end
  end
  local announced = #body
  if res.truncate then announced = #body + math.max(#body, 1024) end
  local length = (res.status >= 200 and res.status ~= 204 and res.status ~= 304) and announced or nil
  local shown = {status = res.status, reason = res.reason, headers = headers, bare_lf = res.bare_lf,
                 unterminated = res.unterminated}
  local out = response_head(shown, length, keep, req, limits)
  if not no_body and not res.unterminated then
    body = res.reset and body:sub(1, #body // 2) or body
    if res.trickle_ms then
      -- the head at once, then the body a chunk at a time
      local ok = sock:xwrite(out, "bn", limits.io_timeout) and sock:flush("n", limits.io_timeout)
      local step = res.trickle_bytes or 1
      for i = 1, #body, step do
        if not ok then return false end
        cqueues.sleep(res.trickle_ms / 1000)
        ok = sock:xwrite(body:sub(i, i + step - 1), "bn", limits.io_timeout) and sock:flush("n", limits.io_timeout)
      end
      return ok and keep or false
    end
    out = out .. body
  end
  local ok = sock:xwrite(out, "bn", limits.io_timeout)
  return ok and keep or false
end

-- Answers a malformed request with a short text body, then the caller closes.
local function send_error(sock, status, limits)
  local body = (M.reasons[status] or "Error") .. "\n"
  local res = {status = status, headers = {["Content-Type"] = "text/plain"}}
  local out = response_head(res, #body, false, {version = "1.1", headers = {}}, limits) .. body
  sock:xwrite(out, "bn", limits.io_timeout)
end

--------------------------------------------------------------------------
-- The server.
--------------------------------------------------------------------------

local Server = {}
Server.__index = Server

-- Makes socket errors return values instead of raising.
local function return_errors(_, _, why) return why end

-- Closes politely: flush, half-close, drain what the peer still sends (so
-- the kernel does not answer it with a reset that could eat our response).
local function close_gracefully(sock)
  sock:flush(1)
  sock:shutdown("w")
  local deadline = cqueues.monotime() + 1
  while cqueues.monotime() < deadline do
    local data = sock:xread(-65536, "b", deadline - cqueues.monotime())
    if not data then break end
  end
  sock:close()
end

-- Runs the handler on req; a raise or a bad return becomes a 500.
function Server:dispatch(req)
  local ok, res = xpcall(self.handler, debug.traceback, req)
  if not ok then
    M.log("handler error on %s %s: %s", req.method, req.path, tostring(res))
    return internal_error()
  end
  local checked, why = check_response(res)
  if not checked then
    M.log("bad response to %s %s: %s", req.method, req.path, why)
    return internal_error()
  end
  return checked
end

-- Serves requests on one accepted socket until either side closes.
function Server:serve_connection(sock, conn)
  local limits = self.limits
  if self.tls_context then
    local ok, err = sock:starttls(self.tls_context, limits.io_timeout)
    if not ok then
      if self.verbose then M.log("TLS handshake failed on connection %d: %s", conn.id, tostring(err)) end
      return "abort"
    end
  end
  while not self.stopped do
    local req, err = read_request(sock, conn, limits)
    if not req then
      if math.type(err) == "integer" then send_error(sock, err, limits) end
      return "close"
    end
    req.server = self
    conn.requests = conn.requests + 1
    self.stats.requests = self.stats.requests + 1
    local res = self:dispatch(req)
    if res.drop then return "close" end -- the request was read and acted on; no answer at all
    local keep = send_response(sock, req, res, limits)
    if res.reset or res.truncate then return "abort" end
    if not keep then return "close" end
  end
  return "close"
end

-- The coroutine of one connection: serve, then close, whatever happened.
function Server:connection_thread(sock)
  self.stats.connections = self.stats.connections + 1
  local conn = {id = self.stats.connections, requests = 0}
  self.sockets[sock] = true
  sock:onerror(return_errors)
  sock:setmode("b", "bf")
  sock:setmaxline(self.limits.max_line + 2)
  local ok, how = xpcall(self.serve_connection, debug.traceback, self, sock, conn)
  if not ok then M.log("connection %d failed: %s", conn.id, tostring(how)) end
  self.sockets[sock] = nil
  if how == "close" then
    close_gracefully(sock)
  else
    sock:flush(0)
    sock:close()
  end
end

-- Accepts connections until stopped; each one gets its own coroutine. TCP_NODELAY
-- (nodelay): a response whose last segment is short must not wait for the
-- client's delayed ACK (Nagle), which cost about 40 ms per response.
function Server:accept_thread()
  while not self.stopped do
    local sock, err = self.listener:accept({nodelay = true})
    if sock then
      self.cq:wrap(function() self:connection_thread(sock) end)
    elseif not self.stopped then
      M.log("accept failed: %s", tostring(err))
      cqueues.sleep(0.1) -- e.g. out of file descriptors: do not spin
    end
  end
end

-- The base URL, e.g. http://127.0.0.1:43123.
function Server:url()
  local host = self.host:find(":", 1, true) and ("[" .. self.host .. "]") or self.host
  return ("%s://%s:%d"):format(self.tls_context and "https" or "http", host, self.port)
end

-- Runs fn in a coroutine of the server's loop (timers, signal watchers...).
function Server:wrap(fn)
  self.cq:wrap(fn)
end

-- Serves until stop() is called (by a handler, a wrapped coroutine or a
-- signal watcher). Errors escaping a coroutine are logged, never fatal.
function Server:loop()
  while not self.stopped do
    local ok, err = self.cq:step(1)
    if not ok then M.log("loop: %s", tostring(err)) end
  end
  self:close()
end

-- Asks the loop to end; it returns after the current step.
function Server:stop()
  self.stopped = true
end

-- Closes the listening socket and every open connection.
function Server:close()
  self.stopped = true
  if self.listener then
    self.listener:close()
    self.listener = nil
  end
  for sock in pairs(self.sockets) do sock:close() end
  self.sockets = {}
end

local function load_file(path)
  local f, err = io.open(path, "rb")
  if not f then error("cannot read " .. tostring(err), 3) end
  local data = f:read("a")
  f:close()
  return data
end

-- A server-side TLS context (TLS 1.2 and later) from PEM files.
local function tls_context(tls)
  local ssl_context = require "openssl.ssl.context"
  local x509 = require "openssl.x509"
  local pkey = require "openssl.pkey"
  local ctx = ssl_context.new("TLS", true)
  ctx:setOptions(ssl_context.OP_NO_SSLv2 | ssl_context.OP_NO_SSLv3 |
    ssl_context.OP_NO_TLSv1 | ssl_context.OP_NO_TLSv1_1)
  ctx:setCertificate(x509.new(load_file(tls.cert)))
  ctx:setPrivateKey(pkey.new(load_file(tls.key)))
  return ctx
end

local function merged_limits(opts)
  local limits = {}
  for k, v in pairs(M.defaults) do limits[k] = v end
  for k in pairs(M.defaults) do
    if opts[k] ~= nil then limits[k] = opts[k] end
  end
  return limits
end

-- Binds and listens. opts: host, port, tls = {cert =, key =}, handler,
-- verbose, and any key of M.defaults. Returns the server; raises on failure.
function M.listen(opts)
  assert(type(opts) == "table" and type(opts.handler) == "function", "http.listen: handler expected")
  -- A peer that goes away must not kill the process with SIGPIPE (OpenSSL
  -- writes with plain write()).
  csignal.ignore(csignal.SIGPIPE)
  local limits = merged_limits(opts)
  local self = setmetatable({
    handler = opts.handler, limits = limits, verbose = opts.verbose,
    cq = cqueues.new(), sockets = setmetatable({}, {__mode = "k"}),
    stats = {connections = 0, requests = 0}, stopped = false,
  }, Server)
  if opts.tls then self.tls_context = tls_context(opts.tls) end
  self.listener = csocket.listen{host = limits.host, port = limits.port, reuseaddr = true}
  self.listener:onerror(return_errors)
  local ok, err = self.listener:listen()
  if not ok then
    -- one line for a person: which port is in use (or the system's reason), no source location
    local reason = err == errno.EADDRINUSE and ("port %s is in use"):format(limits.port)
      or (math.type(err) == "integer" and errno.strerror(err)) or tostring(err)
    error(("cannot listen on %s:%s: %s"):format(limits.host, limits.port, reason), 0)
  end
  local _, host, port = self.listener:localname()
  self.host, self.port = host, port
  self.cq:wrap(function() self:accept_thread() end)
  return self
end

--------------------------------------------------------------------------
-- The router: method + path pattern -> function.
--------------------------------------------------------------------------

local Router = {}
Router.__index = Router

-- Compiles "/v2/alert/:id/*" into segments; ":name" captures one segment,
-- a final "*" captures the rest (as params["*"]).
local function compile(pattern)
  local segments = {}
  for seg in pattern:gmatch("[^/]+") do segments[#segments + 1] = seg end
  return segments
end

local function split_path(path)
  local parts = {}
  for seg in path:gmatch("[^/]+") do parts[#parts + 1] = seg end
  return parts
end

-- Matches path segments against a compiled pattern; returns params or nil.
local function match(segments, parts)
  local params = {}
  for i, seg in ipairs(segments) do
    if seg == "*" and i == #segments then
      params["*"] = table.concat(parts, "/", i)
      return params
    end
    local part = parts[i]
    if not part then return nil end
    local name = seg:match("^:(.+)$")
    if name then
      params[name] = M.unescape(part)
    elseif seg ~= part then
      return nil
    end
  end
  if #parts ~= #segments then return nil end
  return params
end

-- A new, empty router.
function M.router()
  return setmetatable({routes = {}}, Router)
end

-- Adds a route. method: "GET", ..., or "*" for any; fn(req, params) returns
-- a response table; opts is kept on the route for the app (e.g. public = true).
function Router:add(method, pattern, fn, opts)
  assert(type(fn) == "function", "router:add: function expected")
  self.routes[#self.routes + 1] = {
    method = method:upper(), pattern = pattern, segments = compile(pattern), fn = fn, opts = opts or {},
  }
  return self
end

-- Finds the route for method and path: route, params; or nil and the list
-- of methods allowed on the path (empty when no pattern matches). HEAD
-- falls back to GET routes. The first matching route wins.
function Router:find(method, path)
  local parts, allowed = split_path(path), {}
  for _, route in ipairs(self.routes) do
    local params = match(route.segments, parts)
    if params then
      if route.method == "*" or route.method == method or (method == "HEAD" and route.method == "GET") then
        return route, params
      end
      allowed[#allowed + 1] = route.method
    end
  end
  return nil, allowed
end

return M
