-- prismacloud.emulator.rql: the subset of RQL (Resource Query Language) the
-- emulator understands for config searches: a tokenizer, a recursive-descent
-- parser into a small tree, and a compiler from that tree to a predicate.
--
-- Supported (keywords are case-insensitive unless said otherwise):
--
--   query     := 'config' ['from' 'cloud.resource'] ['where' expr]
--   expr      := term {'OR' term}
--   term      := factor {'AND' factor}
--   factor    := '(' expr ')' | condition
--   condition := attribute ('=' | '!=') value
--              | attribute ['NOT'] 'IN' '(' value {',' value} ')'
--              | 'json.rule' '=' jexpr
--   attribute := cloud.type | cloud.account | cloud.accountid | cloud.region | cloud.service
--              | api.name | resource.status
--   value     := 'single' or "double" quoted string (backslash escapes) | bare word
--
-- cloud.type and resource.status compare case-insensitively (aws, Active);
-- cloud.account matches the account name or id; cloud.region the region name
-- ("AWS Virginia") or id (us-east-1). Without 'where', every resource matches.
--
-- json.rule tests the resource JSON (the data of a search result):
--
--   jexpr  := jterm {'or' jterm}           ('and'/'or' in lower case only:
--   jterm  := jfactor {'and' jfactor}       upper-case AND/OR end the json.rule)
--   jfactor:= '(' jexpr ')' | path op
--   path   := name {'.' name} where a name may be followed by [*] (any element) or [N] (0-based)
--   op     := 'equals' value | 'does not equal' value | 'contains' value | 'does not contain' value
--           | 'exists' | 'does not exist' | '>' number | '<' number
--
-- A path gives every value it reaches (a [*] fans out). 'equals' holds when
-- one of them, as text, is the value; 'contains' when one is a string with the
-- value in it or an array with an element equal to it; 'exists' when one is
-- not null; '>' and '<' when one is a number beyond the value. The negated
-- forms are plain negations, so they hold for a missing path.
--
-- A documented form the subset cannot evaluate (another attribute, another operator, a json.rule
-- operator such as size or !=, a trailing addcolumn) is accepted, never refused: an emulator is
-- no stricter than the API. Such a condition holds for every resource; it is listed in the tree's
-- `unevaluated` field (and rql.parse's third argument, a request, gets it in req.unevaluated, which
-- the emulator answers in the X-Emulator-Unevaluated header). Syntax errors are refused.
--
-- The other kinds of search parse with rql.parse(text, kind), the same
-- conditions over their own attributes (no json.rule):
--
--   event   := 'event' 'from' 'cloud.audit_logs' ['where' expr]
--              attributes: cloud.type, cloud.account, cloud.region, cloud.service, operation, user, crud
--   iam     := 'config' 'from' 'iam' ['where' expr]
--              attributes: source.cloud.type, source.cloud.account, source.cloud.resource.name,
--              dest.cloud.type, dest.cloud.account, dest.cloud.service.name, dest.cloud.resource.name,
--              action.name, grantedby.cloud.entity.type
--   network := 'network' 'from' 'vpc.flow_record' ['where' expr]
--              attributes: cloud.type, cloud.account, cloud.region, protocol, dest.port
--
--   local rql = require "prismacloud.emulator.rql"
--   local tree, err = rql.parse("config from cloud.resource where api.name = 'x'")
--   local tree2 = rql.parse("event from cloud.audit_logs where operation = 'DeleteBucket'", "event")
--   -- err = {kind = "syntax" | "unsupported", message = "..."}
local json = require "prismacloud.json"

local M = {}

M.SUPPORTED = "supported RQL: config from cloud.resource where <conditions>, joined with AND/OR and "
  .. "parentheses; conditions: cloud.type, cloud.account, cloud.accountid, cloud.region, cloud.service, "
  .. "api.name, resource.status with = or != or [NOT] IN ('a', 'b'); json.rule = <path> equals|does not equal|"
  .. "contains|does not contain|exists|does not exist|>|< [value], paths like a.b[*].c"

M.ATTRIBUTES = {
  ["cloud.type"] = true, ["cloud.account"] = true, ["cloud.accountid"] = true, ["cloud.region"] = true,
  ["cloud.service"] = true, ["api.name"] = true, ["resource.status"] = true,
}

--------------------------------------------------------------------------
-- Tokenizer.
--------------------------------------------------------------------------

-- Attributes compared without regard to case (their values come lower-cased).
M.CASELESS = {["cloud.type"] = true, ["resource.status"] = true, crud = true, ["source.cloud.type"] = true,
              ["dest.cloud.type"] = true}

local function set(list)
  local out = {}
  for _, v in ipairs(list) do out[v] = true end
  return out
end

-- Per kind: the first word, the source after 'from' (optional for config), the attributes.
M.KINDS = {
  config = {word = "config", source = "cloud.resource", optional_from = true, attrs = M.ATTRIBUTES, json = true},
  event = {word = "event", source = "cloud.audit_logs",
           attrs = set{"cloud.type", "cloud.account", "cloud.region", "cloud.service", "operation", "user", "crud"}},
  iam = {word = "config", source = "iam",
         attrs = set{"source.cloud.type", "source.cloud.account", "source.cloud.resource.name", "dest.cloud.type",
                     "dest.cloud.account", "dest.cloud.service.name", "dest.cloud.resource.name", "action.name",
                     "grantedby.cloud.entity.type"}},
  network = {word = "network", source = "vpc.flow_record",
             attrs = set{"cloud.type", "cloud.account", "cloud.region", "protocol", "dest.port"}},
}

-- What each kind supports, for error messages.
M.SUPPORTED_BY_KIND = {
  config = M.SUPPORTED,
  event = "supported RQL: event from cloud.audit_logs where <conditions> on cloud.type, cloud.account, "
    .. "cloud.region, cloud.service, operation, user, crud with = or != or [NOT] IN (...), AND/OR, parentheses",
  iam = "supported RQL: config from iam where <conditions> on source.cloud.type, source.cloud.account, "
    .. "source.cloud.resource.name, dest.cloud.type, dest.cloud.account, dest.cloud.service.name, "
    .. "dest.cloud.resource.name, action.name, grantedby.cloud.entity.type with = or != or [NOT] IN (...)",
  network = "supported RQL: network from vpc.flow_record where <conditions> on cloud.type, cloud.account, "
    .. "cloud.region, protocol, dest.port with = or != or [NOT] IN (...)",
}

local ESCAPES = {n = "\n", t = "\t", r = "\r"}

-- Splits text into tokens {type = "word" | "string" | "op", value, pos}; nil
-- and an error message on a bad character or an unterminated string.
function M.tokenize(text)
  local tokens, i, n = {}, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == "'" or c == '"' then
      local out, j = {}, i + 1
      while true do
        if j > n then return nil, ("unterminated string starting at position %d"):format(i) end
        local d = text:sub(j, j)
        if d == "\\" and j < n then
          local e = text:sub(j + 1, j + 1)
          out[#out + 1] = ESCAPES[e] or e
          j = j + 2
        elseif d == c then
          break
        else
          out[#out + 1] = d
          j = j + 1
        end
      end
      tokens[#tokens + 1] = {type = "string", value = table.concat(out), pos = i}
      i = j + 1
    elseif c:match("[%w_]") then
      local word = text:match("^[%w_][%w_%.%-%[%]%*:/@]*", i)
      tokens[#tokens + 1] = {type = "word", value = word, pos = i}
      i = i + #word
    else
      local op = text:match("^[!<>]=", i) or text:match("^[=<>(),]", i)
      if not op then return nil, ("unexpected character '%s' at position %d"):format(c, i) end
      tokens[#tokens + 1] = {type = "op", value = op, pos = i}
      i = i + #op
    end
  end
  tokens[#tokens + 1] = {type = "end", value = "", pos = n + 1}
  return tokens
end

--------------------------------------------------------------------------
-- Parser.
--------------------------------------------------------------------------

local Parser = {}
Parser.__index = Parser

-- Raised errors carry a table so the parser can tell them from bugs.
local function raise(kind, fmt, ...)
  error({kind = kind, message = fmt:format(...)}, 0)
end

function Parser:peek(k)
  return self.tokens[self.i + (k or 0)]
end

function Parser:next()
  local t = self.tokens[self.i]
  self.i = self.i + 1
  return t
end

-- True when the current token is the word w (case-insensitive, or exact with case).
function Parser:is_word(w, k, exact)
  local t = self:peek(k)
  if t.type ~= "word" then return false end
  if exact then return t.value == w end
  return t.value:lower() == w
end

function Parser:is_op(op)
  local t = self:peek()
  return t.type == "op" and t.value == op
end

local function describe(t)
  if t.type == "end" then return "end of query" end
  return ("'%s' at position %d"):format(t.value, t.pos)
end

function Parser:expect_word(w)
  if not self:is_word(w) then raise("syntax", "expected '%s', found %s", w, describe(self:peek())) end
  return self:next()
end

function Parser:expect_op(op)
  if not self:is_op(op) then raise("syntax", "expected '%s', found %s", op, describe(self:peek())) end
  return self:next()
end

function Parser:value()
  local t = self:peek()
  if t.type == "string" or t.type == "word" then
    self:next()
    return t.value
  end
  raise("syntax", "expected a value, found %s", describe(t))
end

-- expr := term {'OR' term}
function Parser:expr()
  local node = self:term()
  while self:is_word("or") do
    self:next()
    node = {op = "or", node, self:term()}
  end
  return node
end

-- term := factor {'AND' factor}
function Parser:term()
  local node = self:factor()
  while self:is_word("and") do
    self:next()
    node = {op = "and", node, self:factor()}
  end
  return node
end

function Parser:factor()
  if self:is_op("(") then
    self:next()
    local node = self:expr()
    self:expect_op(")")
    return node
  end
  return self:condition()
end

-- Words that cannot start a condition.
local KEYWORDS = {["and"] = true, ["or"] = true, ["not"] = true, ["in"] = true, where = true, from = true,
                  config = true}

-- Skips a condition the subset cannot evaluate, from token `from`: up to the next AND/OR or
-- closing parenthesis outside parentheses (in a json.rule, its and/or too). Returns a node that
-- holds for every resource and notes the condition's text.
function Parser:skip(from, in_json)
  if self.strict then raise("unsupported", "unsupported condition at %s", describe(self.tokens[from])) end
  self.i = from
  local depth, words = 0, {}
  while true do
    local t = self:peek()
    if t.type == "end" then break end
    if depth == 0 then
      if t.type == "op" and t.value == ")" then break end
      if t.type == "word" and (t.value:lower() == "and" or t.value:lower() == "or") then break end
    end
    if t.type == "op" and t.value == "(" then depth = depth + 1 end
    if t.type == "op" and t.value == ")" then depth = depth - 1 end
    words[#words + 1] = t.type == "string" and ("'%s'"):format(t.value) or t.value
    self:next()
  end
  if #words == 0 then raise("syntax", "expected a condition, found %s", describe(self:peek())) end
  local text = table.concat(words, " ")
  self.unevaluated[#self.unevaluated + 1] = text
  return {op = "unknown", text = text, json = in_json}
end

function Parser:condition()
  local t = self:peek()
  if t.type ~= "word" then raise("syntax", "expected a condition, found %s", describe(t)) end
  local attr = t.value:lower()
  if attr == "json.rule" and self.spec.json then
    self:next()
    self:expect_op("=")
    return {op = "json", self:jexpr()}
  end
  if KEYWORDS[attr] then raise("syntax", "expected a condition, found %s", describe(t)) end
  local start = self.i
  if not self.spec.attrs[attr] then return self:skip(start) end
  self:next()
  local negate = false
  if self:is_op("=") or self:is_op("!=") then
    negate = self:next().value == "!="
    return {op = "in", attr = attr, negate = negate, values = {self:value()}}
  end
  if self:is_word("not") then
    self:next()
    negate = true
  end
  if self:is_word("in") then
    self:next()
    self:expect_op("(")
    local values = {self:value()}
    while self:is_op(",") do
      self:next()
      values[#values + 1] = self:value()
    end
    self:expect_op(")")
    return {op = "in", attr = attr, negate = negate, values = values}
  end
  local found = self:peek()
  if found.type == "word" or (found.type == "op" and found.value ~= ")" and found.value ~= ",") then
    return self:skip(start)
  end
  raise("syntax", "expected an operator after %s, found %s", attr, describe(found))
end

-- json.rule: lower-case and/or only.
function Parser:jexpr()
  local node = self:jterm()
  while self:is_word("or", 0, true) do
    self:next()
    node = {op = "or", node, self:jterm()}
  end
  return node
end

function Parser:jterm()
  local node = self:jfactor()
  while self:is_word("and", 0, true) do
    self:next()
    node = {op = "and", node, self:jfactor()}
  end
  return node
end

-- Parses "a.b[*].c[0]" into steps {"a", "b", "*", "c", 1}.
local function parse_path(text, pos)
  local steps, i = {}, 1
  while true do
    local name = text:match("^[%w_%-:/@]+", i)
    if not name then raise("syntax", "bad json.rule path '%s' at position %d", text, pos) end
    steps[#steps + 1] = name
    i = i + #name
    while text:sub(i, i) == "[" do
      local inner = text:match("^%[([^%]]*)%]", i)
      if inner == "*" then
        steps[#steps + 1] = "*"
      elseif inner and inner:match("^%d+$") then
        steps[#steps + 1] = tonumber(inner) + 1
      else
        raise("unsupported", "unsupported path index in '%s' at position %d (use [*] or [N])", text, pos)
      end
      i = i + #inner + 2
    end
    if i > #text then return steps end
    if text:sub(i, i) ~= "." then raise("syntax", "bad json.rule path '%s' at position %d", text, pos) end
    i = i + 1
  end
end

function Parser:jfactor()
  if self:is_op("(") then
    self:next()
    local node = self:jexpr()
    self:expect_op(")")
    return node
  end
  local t = self:peek()
  if t.type ~= "word" then raise("syntax", "expected a json.rule path, found %s", describe(t)) end
  local start = self.i
  self:next()
  local ok, path = pcall(parse_path, t.value, t.pos)
  if not ok then
    if type(path) == "table" and path.kind == "unsupported" then return self:skip(start, true) end
    error(path, 0)
  end
  local negate = false
  if self:is_word("does") then
    self:next()
    self:expect_word("not")
    negate = true
    if self:is_word("equal") then
      self:next()
      return {op = "jequals", path = path, negate = true, value = self:value()}
    end
  end
  local w = self:peek()
  if not negate and w.type == "op" and (w.value == ">" or w.value == "<") then
    self:next()
    local v = self:peek()
    local n = tonumber(v.value)
    if v.type == "end" or not n then raise("syntax", "expected a number after '%s', found %s", w.value, describe(v)) end
    self:next()
    return {op = "jcompare", path = path, cmp = w.value, value = n}
  end
  if self:is_word("contains") or (negate and self:is_word("contain")) then
    self:next()
    return {op = "jcontains", path = path, negate = negate, value = self:value()}
  end
  if self:is_word("exists") or (negate and self:is_word("exist")) then
    self:next()
    return {op = "jexists", path = path, negate = negate}
  end
  if not negate and self:is_word("equals") then
    self:next()
    return {op = "jequals", path = path, negate = false, value = self:value()}
  end
  if w.type == "word" or w.type == "op" and w.value ~= ")" then return self:skip(start, true) end
  raise("syntax", "expected a json.rule operator, found %s", describe(w))
end

-- Parses a query of a kind ("config" by default, "event", "iam", "network"):
-- the tree (a node, or {op = "all"}), or nil and {kind = "syntax" | "unsupported", message}.
function M.parse(text, kind, req, strict)
  local spec = M.KINDS[kind or "config"] or error("unknown RQL kind " .. tostring(kind), 2)
  if type(text) ~= "string" or text:match("^%s*$") then
    return nil, {kind = "syntax", message = "query is empty"}
  end
  local tokens, terr = M.tokenize(text)
  if not tokens then return nil, {kind = "syntax", message = terr} end
  local p = setmetatable({tokens = tokens, i = 1, spec = spec, unevaluated = {}, strict = strict}, Parser)
  local ok, result = pcall(function()
    local first = p:peek()
    if not p:is_word(spec.word) then
      if first.type == "word" and ({network = true, event = true, iam = true, config = true})[first.value:lower()] then
        raise("unsupported", "only %s queries are supported here, not '%s'", spec.word, first.value)
      end
      raise("syntax", "a query starts with '%s', found %s", spec.word, describe(first))
    end
    p:next()
    if p:is_word("from") then
      p:next()
      local src = p:peek()
      if src.type ~= "word" then raise("syntax", "expected a source after 'from', found %s", describe(src)) end
      if src.value:lower() ~= spec.source then
        raise("unsupported", "only '%s from %s' is supported here, not '%s'", spec.word, spec.source, src.value)
      end
      p:next()
    elseif not spec.optional_from then
      raise("syntax", "expected 'from %s' after '%s', found %s", spec.source, spec.word, describe(p:peek()))
    end
    local tree = {op = "all"}
    if p:is_word("where") then
      p:next()
      tree = p:expr()
    end
    local rest = p:peek()
    if rest.type ~= "end" then
      local word = rest.type == "word" and rest.value:lower()
      if word ~= "addcolumn" and word ~= "as" then raise("syntax", "unexpected %s", describe(rest)) end
      if p.strict then raise("unsupported", "unsupported clause %s", describe(rest)) end
      local words = {}
      while p:peek().type ~= "end" do words[#words + 1] = p:next().value end
      p.unevaluated[#p.unevaluated + 1] = table.concat(words, " ")
    end
    return tree
  end)
  if ok then
    if #p.unevaluated > 0 then
      result.unevaluated = p.unevaluated
      if req then req.unevaluated = p.unevaluated end
    end
    return result
  end
  if type(result) == "table" then return nil, result end
  error(result, 0)
end

--------------------------------------------------------------------------
-- Evaluation.
--------------------------------------------------------------------------

-- Every value path reaches in doc (a list; [*] fans out over arrays).
function M.resolve(doc, path)
  local current = {doc}
  for _, step in ipairs(path) do
    local out = {}
    for _, v in ipairs(current) do
      if type(v) == "table" then
        if step == "*" then
          for _, x in ipairs(v) do out[#out + 1] = x end
        else
          local x = v[step]
          if x ~= nil and x ~= json.null then out[#out + 1] = x end
        end
      end
    end
    current = out
  end
  return current
end

local function text_of(v)
  if type(v) == "table" then return nil end
  if math.type(v) == "float" and v == math.floor(v) then return tostring(math.tointeger(v)) end
  return tostring(v)
end

local function jtest(node, doc)
  local values = M.resolve(doc, node.path)
  local hit = false
  if node.op == "jexists" then
    hit = #values > 0
  elseif node.op == "jequals" then
    for _, v in ipairs(values) do
      if text_of(v) == node.value then hit = true end
    end
  elseif node.op == "jcontains" then
    for _, v in ipairs(values) do
      if type(v) == "string" and v:find(node.value, 1, true) then hit = true end
      if type(v) == "table" then
        for _, x in ipairs(v) do
          if text_of(x) == node.value then hit = true end
        end
      end
    end
  elseif node.op == "jcompare" then
    for _, v in ipairs(values) do
      if type(v) == "number" and (node.cmp == ">" and v > node.value or node.cmp == "<" and v < node.value) then
        hit = true
      end
    end
  end
  if node.negate then return not hit end
  return hit
end

-- Evaluates a tree against a resource view r: r.attr(name) gives the values
-- an attribute may match (lower-cased where the comparison ignores case),
-- r.data() the resource JSON (generated only when a json.rule asks).
local function eval(node, r)
  local op = node.op
  if op == "all" then return true end
  if op == "and" then return eval(node[1], r) and eval(node[2], r) end
  if op == "or" then return eval(node[1], r) or eval(node[2], r) end
  if op == "json" then return eval(node[1], r) end
  if op == "unknown" then return true end
  if op == "in" then
    local have, caseless = r.attr(node.attr), M.CASELESS[node.attr]
    local hit = false
    for _, want in ipairs(node.values) do
      if caseless then want = want:lower() end
      for _, h in ipairs(have) do
        if h == want then hit = true end
      end
    end
    if node.negate then return not hit end
    return hit
  end
  return jtest(node, r.data())
end
M.eval = eval

return M
