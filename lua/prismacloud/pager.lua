--- prismacloud.pager: lazy pagination over the client, one page alive at a time.
--
--   local pages = pager.pages(client, pager.alert_v2{body = {...}, query = {detailed = false}}, {page_size = 100})
--   for page in pages do ... end                -- raises a prismacloud.Error on failure
--   local page, err = pages:next()              -- or: nil when done, nil + err on failure
--   local items = pager.items(client, style, {max_items = 500, cursor = token})
--   for item in items do ... end                -- raises a prismacloud.Error on failure
--   local item, err = items:next()              -- the same with nil, err semantics
--   items:cursor()                              -- token of the next page (nil when none is left)
--
-- A style says how pages are fetched: first(opts) -> request (or nil, err when it cannot be
-- made: the first :next() returns them), after(token) -> request,
-- items(body) -> array, token(body) -> next token or nil. Requests are
-- {method, path, query, body, idempotent}; an optional total(body) reads the
-- result's size where it is not the page's totalRows. Styles: alert_v2, token, single.
local M = {}

local Pages = {}
Pages.__index = Pages

local Items = {}
Items.__index = Items

local OPTIONS = {page_size = "integer", max_items = "integer", max_pages = "integer", cursor = "string"}

local function check_options(opts, level)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error("pager options must be a table", level + 1) end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then error(("unknown pager option '%s'"):format(tostring(k)), level + 1) end
    local ok = want == "integer" and math.type(v) == "integer" and v >= 1 or want == "string" and type(v) == "string"
    if not ok then error(("pager option '%s' must be %s"):format(k,
      want == "integer" and "a positive integer" or "a string"), level + 1) end
  end
  return opts
end

-- The decoded page, or nil when a 2xx answer had no body, or nil, err.
local function send(client, req)
  local body, err = client:send(req.method, req.path, {query = req.query, body = req.body,
                                                       idempotent = req.idempotent})
  if body == true then return nil end -- a 2xx without a body
  return body, err
end

--- A page iterator. Each page is the decoded body; `pages.next_token` is the next page's token.
-- syntax: pages = pager.pages(client, style [, {page_size =, max_pages =, cursor =}])
function M.pages(client, style, opts)
  opts = check_options(opts, 2)
  return setmetatable({
    client = client, style = style, opts = opts, next_token = opts.cursor,
    started = false, done = false, count = 0, err = nil,
  }, Pages)
end

--- The next page: page (the decoded body), or nil when there is none left, or nil, err.
-- syntax: page, err = pages:next()
function Pages:next()
  if self.done then return nil, self.err end
  if self.opts.max_pages and self.count >= self.opts.max_pages then
    self.done = true
    return nil
  end
  local req, err
  if self.next_token ~= nil then
    req = self.style.after(self.next_token)
  elseif not self.started then
    req, err = self.style.first(self.opts)
    if not req then
      self.done, self.err = true, err
      return nil, err
    end
  else
    self.done = true
    return nil
  end
  self.started = true
  local body
  body, err = send(self.client, req)
  if body == nil then
    if err == nil then -- a 2xx without a body: an empty page, the end
      self.done, self.next_token = true, nil
      return nil
    end
    self.done, self.err = true, err
    return nil, err
  end
  self.count = self.count + 1
  local token = self.style.token(body)
  if token == nil or token == "" then token = nil end
  self.next_token = token
  return body
end

--- One page, for a verb that returns a page's items: the page (a table); or nil, err (a decode error when
-- a 2xx answer had no body or one that is not a JSON object or array).
-- syntax: page, err = pager.page(client, style [, {page_size =, cursor =}])
function M.page(client, style, opts)
  local page, err = M.pages(client, style, opts):next()
  if page == nil and err == nil then return M.decode_error(client, "the answer has no body") end
  return M.table_body(client, page, err)
end

--- One page as the list verbs return it: {items =, next_token =, body =}, where body is the
-- API's answer and next_token nil at the end ("" counts as the end).
-- syntax: page = pager.list_page(items, token, body)
function M.list_page(items, token, body)
  if token == "" then token = nil end
  return {items = items, next_token = token, body = body}
end

--- Token of the page after the last one returned (nil at the end); give it as `{cursor = token}` to resume.
-- syntax: token = pages:cursor()
function Pages:cursor()
  return self.next_token
end

-- `for page in pages do`: raises the error object on failure.
function Pages:__call()
  local page, err = self:next()
  if page == nil and err ~= nil then error(err, 0) end
  return page
end

--- An item iterator over every page (only the current page is kept).
-- syntax: items = pager.items(client, style [, {page_size =, max_items =, cursor =}])
function M.items(client, style, opts)
  opts = check_options(opts, 2)
  return setmetatable({pages = M.pages(client, style, opts), page = nil, index = 0, yielded = 0,
                       max_items = opts.max_items, style = style, err = nil}, Items)
end

--- The next item, or nil when there is none left, or nil, err.
-- syntax: item, err = items:next()
function Items:next()
  if self.max_items and self.yielded >= self.max_items then return nil end
  while true do
    if self.page then
      self.index = self.index + 1
      local item = self.page[self.index]
      if item ~= nil then
        self.yielded = self.yielded + 1
        return item
      end
      self.page = nil -- let the page go before fetching the next one
    end
    local body, err = self.pages:next()
    if body == nil then
      self.err = err
      return nil, err
    end
    self.page, self.index = self.style.items(body) or {}, 0
    local total = self.style.total and self.style.total(body)
      or type(body) == "table" and math.tointeger(body.totalRows)
    self.total = total or self.total
  end
end

--- Token of the page after the current one (nil when none is left). Resuming
-- from it skips what is left of the current page: take it at a page boundary.
-- syntax: token = items:cursor()
function Items:cursor()
  return self.pages.next_token
end

function Items:__index(key)
  if key == "next_token" then return self.pages.next_token end
  return Items[key]
end

-- `for item in items do`: raises the error object on failure.
function Items:__call()
  local item, err = self:next()
  if item == nil and err ~= nil then error(err, 0) end
  return item
end

--------------------------------------------------------------------------
-- Styles.
--------------------------------------------------------------------------

local function array_items(body)
  if type(body) ~= "table" then return {} end
  return body.items or body
end

--- /v2/alert: the first page POSTs the filters (limit = page_size); later
-- pages POST {pageToken} only (never in a URL), marked idempotent.
-- syntax: style = pager.alert_v2{path = "/v2/alert", body = {...}, query = {...}, first = req}
function M.alert_v2(spec)
  local path = spec.path or "/v2/alert"
  return {
    first = function(opts)
      if spec.first then return spec.first(opts) end
      local body = {}
      for k, v in pairs(spec.body or {}) do body[k] = v end
      if opts.page_size then body.limit = opts.page_size end
      return {method = "POST", path = path, query = spec.query, body = body, idempotent = true}
    end,
    after = function(token)
      return {method = "POST", path = path, body = {pageToken = token}, idempotent = true}
    end,
    items = function(body) return body.items or {} end,
    token = function(body) return body.nextPageToken end,
  }
end

--- Generic pageToken / nextPageToken paging: POST adds pageToken to the body, GET to the query.
-- syntax: style = pager.token{method = "POST", path =, body =, query =, size_field = "limit"}
function M.token(spec)
  local method = (spec.method or "POST"):upper()
  local function request(opts, token)
    local query, body = {}, nil
    for k, v in pairs(spec.query or {}) do query[k] = v end
    if method ~= "GET" then
      body = {}
      for k, v in pairs(spec.body or {}) do body[k] = v end
    end
    local target = body or query
    if opts and opts.page_size then target[spec.size_field or "limit"] = opts.page_size end
    if token then target[spec.token_field or "pageToken"] = token end
    return {method = method, path = spec.path, query = next(query) and query or nil, body = body,
            idempotent = spec.idempotent ~= false}
  end
  return {
    first = function(opts) return request(opts) end,
    after = function(token) return request(nil, token) end,
    items = spec.items or array_items,
    token = spec.next_token or function(body) return type(body) == "table" and body.nextPageToken or nil end,
  }
end

--- A plain list: one request, the body (an array) is the only page. path may be a function
-- returning the path, or nil, err (the iterator's first :next() then returns them).
-- syntax: style = pager.single{method = "GET", path =, query =}
function M.single(spec)
  return {
    first = function()
      local path = spec.path
      if type(path) == "function" then
        local err
        path, err = path()
        if not path then return nil, err end
      end
      return {method = spec.method or "GET", path = path, query = spec.query, body = spec.body,
              idempotent = true}
    end,
    after = function() error("a single-page list has no next page", 2) end,
    items = spec.items or array_items,
    token = function() return nil end,
  }
end

--------------------------------------------------------------------------
-- Shared by the families: per-call options, dry runs, bodiless results.
--------------------------------------------------------------------------

--- Checks a per-call option table against allowed keys (a set); raises naming an unknown key.
-- syntax: opts = pager.options(opts, {dry_run = true}, "create")
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

--- A list call's query from a filter table: keys through names (short name -> API name; dotted
-- API names and the names' values pass as they are), booleans as "true"/"false". Called directly
-- by a method: raises at its caller on a filter that is not a table or an unknown key; what
-- names the filters in the message ("policy": unknown policy filter 'x' in 'list').
-- syntax: query = pager.filter_query(filter, names, fname, what)
function M.filter_query(filter, names, fname, what)
  if filter ~= nil and type(filter) ~= "table" then
    error(("bad argument #1 to '%s' (filter table expected, got %s)"):format(fname, type(filter)), 3)
  end
  local api_names = {}
  for _, v in pairs(names) do api_names[v] = true end
  local query = {}
  for k, v in pairs(filter or {}) do
    local name = names[k] or (type(k) == "string" and (k:find(".", 1, true) or api_names[k]) and k)
    if not name then error(("unknown %s filter '%s' in '%s'"):format(what, tostring(k), fname), 3) end
    query[name] = type(v) == "boolean" and tostring(v) or v
  end
  return query
end

--- The request a catalog operation would send: {method, path, query, body, headers}
-- (nothing is sent); the arguments are checked as client:call checks them.
-- syntax: req = pager.request_for(operation_id, {<path param> =, query =, body =})
function M.request_for(id, args)
  local req = require("prismacloud.catalog").prepare(id, args, 2)
  return {method = req.method, path = req.path, query = req.query, body = req.body, headers = req.headers}
end

local DRY_RUN = {dry_run = true}

--- Sends a catalog operation, or with opts.dry_run returns the request it would send.
-- Returns what client:call returns: the decoded body, true for a 2xx without a body, the request
-- on a dry run; or nil, err. Given fname (a mutating verb's name), opts is checked first
-- ({dry_run = true} only): a method returns this call directly, so that a bad option points at
-- the method's caller.
-- syntax: result, err = pager.call(client, operation_id, args, opts [, fname])
function M.call(client, id, args, opts, fname)
  if fname then opts = M.options(opts, DRY_RUN, fname) end
  if opts and opts.dry_run then return M.request_for(id, args) end
  return client:call(id, args)
end

--- nil and a decode error naming the last request (its method, path and status): for a verb whose
-- 2xx answer lacks what the verb promises.
-- syntax: nil, err = pager.decode_error(client, message)
function M.decode_error(client, message)
  return require("prismacloud.errors").decode(client, message)
end

--- For a verb that reads fields of an answer: the decoded body when it is a table; nil, err as
-- given; or nil and a decode error when a 2xx answer had no body or one that is not a JSON object
-- or array.
-- syntax: body, err = pager.table_body(client, body, err)
function M.table_body(client, body, err)
  if type(body) == "table" then return body end
  if body == nil then return nil, err end
  return M.decode_error(client, body == true and "the answer has no body"
    or "the answer is not a JSON object or array")
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
-- syntax: v = pager.check_string(v, n, fname [, noun])
function M.check_string(v, n, fname, noun)
  if type(v) ~= "string" or v == "" then bad_argument(n, fname, noun or "string", v) end
  return v
end

--- Raises unless v is a table, naming argument n of fname and the noun expected ("table").
-- syntax: v = pager.check_table(v, n, fname [, noun])
function M.check_table(v, n, fname, noun)
  if type(v) ~= "table" then bad_argument(n, fname, noun or "table", v) end
  return v
end

--- Raises unless v is an id (a non-empty string or an integer), naming argument n of fname.
-- syntax: v = pager.check_id(v, n, fname [, noun])
function M.check_id(v, n, fname, noun)
  if not (type(v) == "string" and v ~= "" or math.type(v) == "integer") then bad_argument(n, fname, noun or "id", v) end
  return v
end

--- Raises unless v is a boolean, naming argument n of fname.
-- syntax: v = pager.check_boolean(v, n, fname)
function M.check_boolean(v, n, fname)
  if type(v) ~= "boolean" then bad_argument(n, fname, "boolean", v) end
  return v
end

--- Raises unless v is an integer, naming argument n of fname and the noun expected ("integer").
-- syntax: v = pager.check_integer(v, n, fname [, noun])
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
-- pager.items) | nil, err, name_field ("name"), id_field ("id"), fetch = true to return
-- get(candidate id) rather than the candidate, fnames = the family's method names for messages
-- ({get = "rule", ...}; the verb's own name by default), integer = true where ids are integers only.
-- syntax: verbs = pager.crud{get =, create =, update =, delete =, id = "id", names =, fetch =, fnames =, integer =}
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
    if getmetatable(list) ~= Items then list, err = M.table_body(self.client, list, err) end
    if not list then return nil, err end
    local function found(item)
      if spec.fetch then return verbs.get(self, item[id_field]) end
      return item
    end
    if getmetatable(list) == Items then -- a lazy walk: stop at the first match
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
