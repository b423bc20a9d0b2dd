--- prismacloud.pager: lazy pagination over the client, one page alive at a time.
--
--   local pages = pager.pages(client, pager.token{op = "license-usage-count-by-cloud-paginated-v2", body = {...}},
--                             {page_size = 100})
--   for page in pages do ... end                -- raises a prismacloud.Error on failure
--   local page, err = pages:next()              -- or: nil when done, nil + err on failure
--   local items = pager.items(client, style, {max_items = 500, cursor = token})
--   for item in items do ... end                -- raises a prismacloud.Error on failure
--   local item, err = items:next()              -- the same with nil, err semantics
--   items:cursor()                              -- token of the next page (nil when none is left)
--
-- A style says how pages are fetched: first(opts) -> request (or nil, err when it cannot be
-- made: the first :next() returns them), after(token) -> request,
-- items(body) -> array, token(body) -> next token or nil. A request names a catalog operation
-- and its arguments, {op = id, args = {<path param> =, query =, body =}}: every page goes
-- through client:call (checked against the catalog, marked idempotent: a page is a read). An
-- optional total(body) reads the result's size where it is not the page's totalRows.
-- Styles: single (one request), token (pageToken / nextPageToken in the query or the body),
-- continued (a first request of its own, then the token to a continuation operation).
local catalog = require "prismacloud.catalog"
local errors = require "prismacloud.errors"

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
  local args = {idempotent = true}
  for k, v in pairs(req.args or {}) do args[k] = v end
  local body, err = client:call(req.op, args)
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
  if type(page) == "table" then return page end
  if err ~= nil then return nil, err end
  return errors.decode(client, page == nil and "the answer has no body" or "the answer is not a JSON object or array")
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

--- An item iterator over every page (only the current page is kept). `items.total` is the
-- result's size when the API gives one, `items.next_token` the token of the page after the
-- current one, `items.pages` the page iterator underneath.
-- syntax: items = pager.items(client, style [, {page_size =, max_items =, cursor =}])
function M.items(client, style, opts)
  opts = check_options(opts, 2)
  local pages = M.pages(client, style, opts)
  return setmetatable({pages = pages, page = false, index = 0, yielded = 0, limit = opts.max_items or math.huge,
                       next_token = pages.next_token, style = style, err = nil, total = nil}, Items)
end

-- The next item: from the current page, else from the pages fetched until one has an item; nil when
-- none is left or max_items were given; nil, err.
local function next_item(self)
  while self.yielded < self.limit do
    local page = self.page
    if page then
      local i = self.index + 1
      local item = page[i]
      if item ~= nil then
        self.index, self.yielded = i, self.yielded + 1
        return item
      end
      self.page = false -- let the page go before fetching the next one
    end
    local body, err = self.pages:next()
    self.next_token = self.pages.next_token
    if body == nil then
      self.err = err
      return nil, err
    end
    self.page, self.index = self.style.items(body) or {}, 0
    local total = self.style.total and self.style.total(body)
      or type(body) == "table" and math.tointeger(body.totalRows)
    self.total = total or self.total
  end
  return nil
end

--- The next item, or nil when there is none left, or nil, err.
-- syntax: item, err = items:next()
Items.next = next_item

--- Whether v is an item iterator (made by pager.items).
-- syntax: ok = pager.is_items(v)
function M.is_items(v)
  return getmetatable(v) == Items
end

--- Token of the page after the current one (nil when none is left). Resuming
-- from it skips what is left of the current page: take it at a page boundary.
-- syntax: token = items:cursor()
function Items:cursor()
  return self.next_token
end

-- `for item in items do`: raises the error object on failure.
function Items:__call()
  local item, err = next_item(self)
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

local function next_page_token(body)
  return type(body) == "table" and body.nextPageToken or nil
end

-- A copy of t (nil stays nil).
local function copy(t)
  if t == nil then return nil end
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

-- The catalog entry of a style's operation; raises naming an unknown one.
local function operation(id)
  local op = catalog.get(id)
  if not op then error(("unknown operation '%s'"):format(tostring(id)), 3) end
  return op
end

--- A plain list: one request to operation op, the body (an array, or its items) the only page.
-- args: its path parameters (or a function returning them, or nil, err: the iterator's first
-- :next() then returns them); query and body as client:call takes them.
-- syntax: style = pager.single{op =, args =, query =, body =, items =}
function M.single(spec)
  operation(spec.op)
  return {
    first = function()
      local args = spec.args
      if type(args) == "function" then
        local err
        args, err = args()
        if not args then return nil, err end
      end
      args = copy(args) or {}
      args.query, args.body = spec.query, spec.body
      return {op = spec.op, args = args}
    end,
    after = function() error("a single-page list has no next page", 2) end,
    items = spec.items or array_items,
    token = function() return nil end,
  }
end

--- Generic pageToken / nextPageToken paging of operation op: a POST puts the token and the page
-- size in the body, a GET in the query (the catalog says which the operation is).
-- syntax: style = pager.token{op =, args =, body =, query =, size_field = "limit", token_field = "pageToken"}
function M.token(spec)
  local in_query = operation(spec.op).method == "GET"
  local function request(opts, token)
    local args = copy(spec.args) or {}
    local query, body = copy(spec.query) or {}, nil
    if not in_query then body = copy(spec.body) or {} end
    local target = body or query
    if opts and opts.page_size then target[spec.size_field or "limit"] = opts.page_size end
    if token then target[spec.token_field or "pageToken"] = token end
    args.query, args.body = next(query) and query or nil, body
    return {op = spec.op, args = args}
  end
  return {
    first = function(opts) return request(opts) end,
    after = function(token) return request(nil, token) end,
    items = spec.items or array_items,
    token = spec.next_token or next_page_token,
  }
end

--- A first request of its own (first(opts) -> request, or nil, err), then every later page POSTs
-- next_body(token) ({pageToken = token} by default) to the continuation operation next_op: the
-- alerts (/v2/alert) and the RQL searches (/search/config -> /search/config/page) page so, and a
-- page token never goes into a URL.
-- syntax: style = pager.continued{first =, next_op =, next_body =, items =, token =, total =}
function M.continued(spec)
  operation(spec.next_op)
  local next_body = spec.next_body or function(token) return {pageToken = token} end
  return {
    first = spec.first,
    after = function(token) return {op = spec.next_op, args = {body = next_body(token)}} end,
    items = spec.items or array_items,
    token = spec.token or next_page_token,
    total = spec.total,
  }
end

return M
