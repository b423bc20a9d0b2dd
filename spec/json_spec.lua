-- Specs for the JSON codec of prismacloud.core (src/pc_json.c), reached
-- through prismacloud.json. lua-cjson is the oracle of the differential test.
local json = require "prismacloud.json"
local cjson = require "cjson"

local encode, decode = json.encode, json.decode

-- Calls f(...) expecting an error; returns the message.
local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected an error")
  return tostring(e)
end

-- Asserts that decode(text) fails with `problem` at byte offset `offset`.
local function decode_fails(text, problem, offset)
  local e = err_of(decode, text)
  local want = ("json decode: %s at byte offset %d"):format(problem, offset)
  assert(e:find(want, 1, true), ("decode(%q): got %q, want %q"):format(text, e, want))
end

local function encode_fails(value, problem)
  local e = err_of(encode, value)
  local want = "json encode: " .. problem
  assert(e:find(want, 1, true), ("got %q, want %q"):format(e, want))
end

-- Exact deep equality: math.type of numbers, sign of zero, metatables.
local function same(a, b, path)
  path = path or "$"
  if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) == "number" then
    if math.type(a) ~= math.type(b) then
      return false, path .. ": " .. math.type(a) .. " vs " .. math.type(b)
    end
    if a ~= b or (a == 0 and math.type(a) == "float" and 1 / a ~= 1 / b) then
      return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
    end
    return true
  end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
  end
  if getmetatable(a) ~= getmetatable(b) then return false, path .. ": metatables differ" end
  for k, v in pairs(a) do
    local ok, why = same(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing" end
  end
  return true
end

-- Loose deep equality against cjson: numbers compare with ==, metatables ignored.
local function similar(a, b, path)
  path = path or "$"
  if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
  end
  for k, v in pairs(a) do
    local ok, why = similar(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing" end
  end
  return true
end

local function assert_same(a, b)
  local ok, why = same(a, b)
  assert(ok, why)
end

local function nest(n) -- n arrays, each the only element of the one before
  local t = setmetatable({}, json.array_mt)
  for _ = 2, n do t = { t } end
  return t
end

describe("prismacloud.json", function()
  it("exposes encode, decode, null, array_mt and empty_array", function()
    assert.is_function(json.encode)
    assert.is_function(json.decode)
    assert.equal("userdata", type(json.null))
    assert.is_table(json.array_mt)
    assert.equal("userdata", type(json.empty_array))
    assert.not_equal(json.null, json.empty_array)
    assert.is_nil(rawget(json.array_mt, "__index"))
  end)

  describe("numbers", function()
    it("keeps integers integers", function()
      local v = decode("1736225516707")
      assert.equal("integer", math.type(v))
      assert.equal(1736225516707, v)
      assert.equal("1736225516707", encode(v))
      assert.equal("integer", math.type(decode('{"t":1736225516707}').t))
      assert.equal("integer", math.type(decode("0")))
      assert.equal("integer", math.type(decode("-42")))
    end)

    it("keeps floats floats", function()
      assert.equal("float", math.type(decode("1.5")))
      assert.equal(1.5, decode("1.5"))
      assert.equal("1.5", encode(1.5))
      local three = decode("3.0")
      assert.equal("float", math.type(three))
      assert.equal("3.0", encode(3.0))
      assert.equal("float", math.type(decode(encode(3.0))))
      assert.equal("float", math.type(decode("1e2")))
      assert.equal(100.0, decode("1E+2"))
      assert.equal(0.01, decode("1e-2"))
      assert.equal("-2.5", encode(-2.5))
    end)

    it("handles int64 limits and overflows to float", function()
      assert_same(math.maxinteger, decode("9223372036854775807"))
      assert_same(math.mininteger, decode("-9223372036854775808"))
      assert.equal("9223372036854775807", encode(math.maxinteger))
      assert.equal("-9223372036854775808", encode(math.mininteger))
      assert_same(2.0 ^ 63, decode("9223372036854775808"))
      assert_same(-(2.0 ^ 63) - 0.0, decode("-9223372036854775809"))
      -- 19 digits, the most read as an integer; 20 or more (whose digits overflow
      -- 64 bits while they are read) are floats
      assert_same(999999999999999999, decode("999999999999999999"))
      assert_same(-999999999999999999, decode("-999999999999999999"))
      assert_same(1e19, decode("9999999999999999999"))
      assert_same(18446744073709551616.0, decode("18446744073709551616"))
      assert_same(1e20, decode("100000000000000000000"))
      assert_same(-1e20, decode("-100000000000000000000"))
      assert_same(12345678901234567890.0, decode("12345678901234567890"))
      assert_same(1.2345678901234568e29, decode("123456789012345678901234567890"))
      assert_same(9007199254740993, decode("9007199254740993")) -- exact above 2^53
    end)

    it("keeps the sign of zero", function()
      assert_same(0, decode("-0"))
      local z = decode("-0.0")
      assert.equal("float", math.type(z))
      assert.equal(-math.huge, 1 / z)
      assert.equal("-0.0", encode(-0.0))
      assert.equal("0.0", encode(0.0))
    end)

    it("writes the shortest text that round-trips", function()
      assert.equal("0.1", encode(0.1))
      assert.equal("0.3333333333333333", encode(1 / 3))
      assert.equal("1e+300", encode(1e300))
      assert.equal("1e-07", encode(1e-7))
      for _, x in ipairs { 0.1, 1 / 3, 2 ^ 53 + 0.0, 5e-324, 1.7976931348623157e308,
        123456.789, -1e-300, 2.2250738585072014e-308, 0.30000000000000004, 1e15, 1e16 } do
        local back = decode(encode(x))
        assert.equal("float", math.type(back))
        assert.equal(x, back)
      end
    end)

    it("writes a '.' decimal point whatever the locale", function()
      local old = os.setlocale(nil, "numeric")
      local set
      for _, name in ipairs { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR" } do
        set = os.setlocale(name, "numeric")
        if set then break end
      end
      if not set then
        os.setlocale(old, "numeric")
        return pending("no locale with a ',' decimal point is installed")
      end
      local ok, text = pcall(encode, { 1.5, 0.25, 3.0 })
      local ok2, back = pcall(decode, "[1.5,2e-1,1." .. ("0"):rep(300) .. "1]")
      os.setlocale(old, "numeric")
      assert(ok, text)
      assert.equal("[1.5,0.25,3.0]", text)
      assert(ok2, back)
      assert.equal(1.5, back[1])
      assert.equal(0.2, back[2])
      assert.equal(1.0, back[3])
    end)
  end)

  describe("null", function()
    it("is cjson.null", function()
      assert.equal(cjson.null, json.null)
      assert.equal(json.null, decode("null"))
      assert.equal(json.null, decode('{"a":null}').a)
      assert.equal(json.null, decode("[null]")[1])
      assert.equal("null", encode(json.null))
      assert.equal("null", encode(cjson.null))
      assert.equal("null", encode(nil))
      assert.equal('{"a":null}', encode({ a = json.null }))
      assert.equal("[1,null,3]", encode({ 1, json.null, 3 }))
    end)
  end)

  describe("arrays and objects", function()
    it("marks decoded arrays with array_mt", function()
      assert.equal(json.array_mt, getmetatable(decode("[1,2]")))
      assert.equal(json.array_mt, getmetatable(decode("[]")))
      assert.equal(json.array_mt, getmetatable(decode('{"a":[[]]}').a[1]))
      assert.is_nil(getmetatable(decode("{}")))
      assert.is_nil(getmetatable(decode('{"a":1}')))
    end)

    it("round-trips [] and {} distinctly", function()
      assert.equal("[]", encode(decode("[]")))
      assert.equal("{}", encode(decode("{}")))
      local v = decode('{"a":[],"b":{},"c":[{}],"d":{"e":[]}}')
      assert_same(v, decode(encode(v)))
      assert.equal('{"x":[]}', encode({ x = decode("[]") }))
      assert.equal('{"x":{}}', encode({ x = decode("{}") }))
    end)

    it("encodes empty_array and array_mt tables as arrays", function()
      assert.equal("[]", encode(json.empty_array))
      assert.equal('{"labels":[]}', encode({ labels = json.empty_array }))
      assert.equal("[]", encode(setmetatable({}, json.array_mt)))
      assert.equal("[1,2]", encode(setmetatable({ 1, 2 }, json.array_mt)))
      assert.equal("{}", encode({}))
      assert.equal("[1,2,3]", encode({ 1, 2, 3 }))
      assert.equal('[[],{}]', encode({ json.empty_array, {} }))
    end)

    it("decodes long arrays and big objects", function()
      local parts, fields = {}, {}
      for i = 1, 5000 do
        parts[i] = tostring(i)
        fields[i] = ('"k%d":%d'):format(i, i)
      end
      local a = decode("[" .. table.concat(parts, ",") .. "]")
      assert.equal(5000, #a)
      for i = 1, 5000 do assert.equal(i, a[i]) end
      local o = decode("{" .. table.concat(fields, ",") .. "}")
      for i = 1, 5000 do assert.equal(i, o["k" .. i]) end
    end)

    it("lets the last duplicate key win, like cjson", function()
      assert.equal(2, decode('{"a":1,"a":2}').a)
      local fields = {}
      for i = 1, 300 do fields[i] = ('"k%d":%d'):format(i % 7, i) end
      local o = decode("{" .. table.concat(fields, ",") .. "}")
      assert.same(cjson.decode("{" .. table.concat(fields, ",") .. "}"), o)
    end)

    it("round-trips a realistic policy object", function()
      local text = [[
{
  "policyId": "3e5f2a51-8f1c-4d3a-9b52-2f0a1c7e9b10",
  "name": "AWS S3 bucket publicly readable \u2014 \"prod\"",
  "policyType": "config",
  "policySubTypes": ["run", "build"],
  "systemDefault": false,
  "policyUpi": "PC-AWS-S3-29",
  "description": "Detects S3 buckets\nwith public READ ACLs.\tSee https://docs/ and C:\\path",
  "severity": "high",
  "cloudType": "aws",
  "rule": {
    "name": "AWS S3 bucket publicly readable",
    "cloudType": "aws",
    "criteria": "config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl' AND acl.grants[?any( grantee equals AllUsers )] exists",
    "parameters": {"savedSearch": "false", "withIac": "true"},
    "type": "Config",
    "children": []
  },
  "recommendation": "1. Sign in\n2. Fix",
  "labels": [],
  "complianceMetadata": [
    {"standardName": "CIS v1.4.0 (AWS)", "requirementId": "2", "sectionId": "2.1.5",
     "customAssigned": false, "complianceId": "7a1c", "sectionLabel": null, "priority": 0}
  ],
  "remediation": {"cliScriptTemplate": "aws s3api put-bucket-acl --bucket ${resourceName} --acl private",
                  "description": "", "actions": [{"operation": "put-bucket-acl", "payload": "{}"}]},
  "deleted": false,
  "enabled": true,
  "openAlertsCount": 17,
  "riskScore": {"score": 40, "maxScore": 100, "ratio": 0.4},
  "createdOn": 1736225516707,
  "lastModifiedOn": 1736225516708,
  "ruleLastModifiedOn": 1694000000000,
  "owner": "Prisma Cloud \u00e9quipe \ud83d\ude80",
  "restrictAlertDismissal": false,
  "findingTypes": [],
  "mitreAttack": {}
}]]
      local v = decode(text)
      assert.equal("integer", math.type(v.lastModifiedOn))
      assert.equal("float", math.type(v.riskScore.ratio))
      assert.equal(json.null, v.complianceMetadata[1].sectionLabel)
      assert.equal("Prisma Cloud \xC3\xA9quipe \xF0\x9F\x9A\x80", v.owner)
      local out = encode(v)
      assert.truthy(out:find('"labels":[]', 1, true))
      assert.truthy(out:find('"mitreAttack":{}', 1, true))
      assert.truthy(out:find('"lastModifiedOn":1736225516708', 1, true))
      assert.truthy(out:find('"ratio":0.4', 1, true))
      assert_same(v, decode(out))
      assert.same(cjson.decode(text).rule, decode(out).rule)
    end)
  end)

  describe("strings", function()
    it("escapes what JSON requires and nothing else", function()
      assert.equal([["\"\\/\b\f\n\r\t\u0001\u001f"]], encode("\"\\/\b\f\n\r\t\1\31"))
      assert.equal([["\u0000"]], encode("\0"))
      assert.equal('"a\127b"', encode("a\127b"))
      assert.equal('"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"', encode("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"))
      assert.equal('{"a\\nb":1}', encode({ ["a\nb"] = 1 }))
    end)

    it("decodes every escape", function()
      assert.equal("\"\\/\b\f\n\r\t", decode([["\"\\\/\b\f\n\r\t"]]))
      assert.equal("\xC3\xA9\xE2\x82\xAC", decode([["\u00e9\u20AC"]]))
      assert.equal("\xF0\x9F\x98\x80", decode([["\ud83d\ude00"]]))
      assert.equal("\xF4\x8F\xBF\xBF", decode([["\uDBFF\uDFFF"]]))
      assert.equal("a\0b", decode([["a\u0000b"]]))
      assert.equal(3, #decode([["a\u0000b"]]))
      assert.equal("x\xEF\xBF\xBFy", decode([["x\uffffy"]]))
      assert.equal("\xF0\x9F\x98\x80", decode('"\xF0\x9F\x98\x80"'))
      assert.equal(("ab\n"):rep(2000), decode('"' .. ("ab\\n"):rep(2000) .. '"'))
    end)

    it("round-trips every byte that may appear in text", function()
      local parts = {}
      for c = 0, 127 do parts[#parts + 1] = string.char(c) end
      for _, cp in ipairs { 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF } do
        parts[#parts + 1] = utf8.char(cp)
      end
      local s = table.concat(parts)
      assert.equal(s, decode(encode(s)))
      assert.equal(s, cjson.decode(encode(s)))
    end)
  end)

  describe("repeated strings and object sizes (the decoder's string cache and size hints)", function()
    -- The decoder keeps recent short strings and, per first key, the member
    -- count of the last object; none of it may change a result.
    it("decodes many distinct keys and values, of every cached length and beyond", function()
      local members, want = {}, {}
      for i = 1, 3000 do
        local k = ("k%d_"):format(i) .. ("x"):rep(i % 90)
        local v = ("v%d"):format(i) .. ("y"):rep(i % 40)
        members[#members + 1] = ('{"%s":"%s","n":%d}'):format(k, v, i)
        want[i] = {k, v}
      end
      local text = "[" .. table.concat(members, ",") .. "]"
      for _ = 1, 2 do -- the second time, the cache holds strings of the first
        local a = decode(text)
        for i = 1, #want do
          assert.equal(want[i][2], a[i][want[i][1]])
          assert.equal(i, a[i].n)
        end
        assert.same(cjson.decode(text), a)
      end
    end)

    it("tells apart strings that share a cache slot", function()
      -- same length, first, middle and last byte; they differ elsewhere,
      -- inside the first word, the last (overlapping) word, or a short string
      local pairs_ = {{"a1c9z", "a2c8z"}, {"abcdefghij", "abcdXfghij"}, {"abcdefgXi", "abcdefgYi"},
                      {("p"):rep(30) .. "1" .. ("q"):rep(33), ("p"):rep(30) .. "2" .. ("q"):rep(33)}}
      for _, p in ipairs(pairs_) do
        for _ = 1, 3 do
          local o = decode(('[{"%s":"%s"},{"%s":"%s"}]'):format(p[1], p[2], p[2], p[1]))
          assert.equal(p[2], o[1][p[1]])
          assert.is_nil(o[1][p[2]])
          assert.equal(p[1], o[2][p[2]])
          assert.is_nil(o[2][p[1]])
        end
      end
    end)

    it("keeps escaped, NUL-holding and huge keys apart from cached ones", function()
      local o = decode('[{"ab":1},{"a\\u0062":2},{"a\\u0000b":3},{"a":4,"ab":5}]')
      assert.equal(1, o[1].ab)
      assert.equal(2, o[2].ab)
      assert.equal(3, o[3]["a\0b"])
      assert.is_nil(o[3].ab)
      assert.same({a = 4, ab = 5}, o[4])
      local huge = ("k"):rep(100000)
      local h = decode(('[{"%s":1,"k":2},{"%s":3}]'):format(huge, huge .. "x"))
      assert.equal(1, h[1][huge])
      assert.equal(2, h[1].k)
      assert.equal(3, h[2][huge .. "x"])
    end)

    it("tries each key against the one that followed the previous key last time, never trusting it", function()
      -- after "id", "name" came last time; the next objects have other keys there
      local text = '[{"id":1,"name":2},{"id":1,"name":2},{"id":1,"names":3},{"id":1,"nam":4},' ..
        '{"id":1,"name\\"x":5},{"id":1,"na\\u006de":6},{"id":1,"x":7,"name":8},{"id":1,"name":9}]'
      for _ = 1, 2 do
        local a = decode(text)
        assert.same({id = 1, name = 2}, a[2])
        assert.same({id = 1, names = 3}, a[3])
        assert.same({id = 1, nam = 4}, a[4])
        assert.same({id = 1, ['name"x'] = 5}, a[5])
        assert.same({id = 1, name = 6}, a[6])
        assert.same({id = 1, x = 7, name = 8}, a[7])
        assert.same({id = 1, name = 9}, a[8])
      end
      -- the predicted key cut by the end of the input, or not followed by ':'
      decode('[{"id":1,"name":2}]')
      decode_fails('[{"id":1,"name', "unexpected end of input", 14)
      decode_fails('[{"id":1,"name"', "unexpected end of input", 15)
      decode_fails('[{"id":1,"name"}', "expected ':'", 15)
    end)

    it("decodes objects whose size differs from the last one with the same first key", function()
      local function obj(n, dup)
        local f = {'"id":0'}
        for i = 2, n do f[i] = ('"f%d":%d'):format(dup and i % 5 or i, i) end
        return "{" .. table.concat(f, ",") .. "}"
      end
      local list = {}
      for _, n in ipairs{3, 100, 1, 200, 64, 65, 2, 130, 128, 129, 3} do
        list[#list + 1] = obj(n)
        list[#list + 1] = obj(n, true)
      end
      local text = "[" .. table.concat(list, ",") .. "]"
      for _ = 1, 2 do assert.same(cjson.decode(text), decode(text)) end
    end)
  end)

  describe("encode errors", function()
    it("refuses NaN and infinities", function()
      encode_fails(0 / 0, "cannot encode NaN or infinity")
      encode_fails(math.huge, "cannot encode NaN or infinity")
      encode_fails(-math.huge, "cannot encode NaN or infinity")
      encode_fails({ a = { 1, 0 / 0 } }, "cannot encode NaN or infinity")
    end)

    it("refuses invalid UTF-8", function()
      for _, s in ipairs {
        "\xFF", "a\x80", "\xC0\x80", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xED\xBF\xBF",
        "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xE2\x82", "\xC3", "\xF0\x9F\x98",
      } do
        encode_fails(s, "cannot encode invalid UTF-8 in string")
      end
      encode_fails({ ["\xFF"] = 1 }, "cannot encode invalid UTF-8 in string")
    end)

    it("refuses sparse arrays and mixed keys", function()
      encode_fails({ 1, nil, 3 }, "cannot encode sparse array")
      encode_fails({ [2] = 1 }, "cannot encode sparse array")
      encode_fails({ [1] = 1, [1000000] = 2 }, "cannot encode sparse array")
      encode_fails({ 1, a = 2 }, "cannot encode table with mixed or non-string keys")
      encode_fails({ [1.5] = 1 }, "cannot encode table with mixed or non-string keys")
      encode_fails({ [true] = 1 }, "cannot encode table with mixed or non-string keys")
      encode_fails({ [{}] = 1 }, "cannot encode table with mixed or non-string keys")
      encode_fails({ [0] = 1 }, "cannot encode table with mixed or non-string keys")
      encode_fails({ [-1] = 1 }, "cannot encode table with mixed or non-string keys")
      encode_fails({ a = 1, [2] = 2 }, "cannot encode table with mixed or non-string keys")
    end)

    it("refuses cycles but accepts shared subtables", function()
      local t = {}
      t.self = t
      encode_fails(t, "cannot encode a table that contains itself (cycle)")
      local a, b = {}, {}
      a[1], b.a = b, a
      encode_fails(a, "cannot encode a table that contains itself (cycle)")
      local shared = { 1 }
      assert.equal('[[1],[1],{"x":[1]}]', encode({ shared, shared, { x = shared } }))
    end)

    it("limits depth to 1000", function()
      assert.equal(("["):rep(1000) .. ("]"):rep(1000), encode(nest(1000)))
      encode_fails(nest(1001), "cannot encode: nesting deeper than 1000")
      encode_fails(nest(100000), "cannot encode: nesting deeper than 1000")
    end)

    it("refuses functions, userdata and threads", function()
      encode_fails(print, "cannot encode a function")
      encode_fails({ f = function() end }, "cannot encode a function")
      encode_fails(io.stdout, "cannot encode a userdata")
      encode_fails(coroutine.create(print), "cannot encode a thread")
    end)

    it("takes exactly one argument", function()
      assert.truthy(err_of(encode):find("json encode:", 1, true))
      assert.truthy(err_of(encode, 1, 2):find("json encode:", 1, true))
    end)

    it("stays usable after errors", function()
      for _ = 1, 100 do pcall(encode, { a = { 1, 2, print } }) end
      assert.equal('[1,"x"]', encode({ 1, "x" }))
    end)
  end)

  describe("decode errors", function()
    it("reports truncated input", function()
      decode_fails("", "unexpected end of input", 0)
      decode_fails("   ", "unexpected end of input", 3)
      decode_fails("[1,2", "unexpected end of input", 4)
      decode_fails("[1,2,", "unexpected end of input", 5)
      decode_fails('{"a":1', "unexpected end of input", 6)
      decode_fails('{"a"', "unexpected end of input", 4)
      decode_fails('{"a":', "unexpected end of input", 5)
      decode_fails('{', "unexpected end of input", 1)
      decode_fails('"abc', "unexpected end of input", 4)
      decode_fails('"ab\\', "unexpected end of input", 4)
      decode_fails('"\\u12', "unexpected end of input", 5)
      decode_fails('"\\ud83d', "unexpected end of input", 7)
      decode_fails('"\\ud83d\\ude0', "unexpected end of input", 12)
      decode_fails("tru", "unexpected end of input", 3)
      decode_fails("-", "unexpected end of input", 1)
      decode_fails("1.", "unexpected end of input", 2)
      decode_fails("1e", "unexpected end of input", 2)
      decode_fails("1e+", "unexpected end of input", 3)
    end)

    it("reports trailing characters", function()
      decode_fails("[1] x", "trailing characters", 4)
      decode_fails("{} {}", "trailing characters", 3)
      decode_fails("0x10", "trailing characters", 1)
      decode_fails("1 2", "trailing characters", 2)
      decode_fails("truex", "trailing characters", 4)
    end)

    it("reports bad escapes and lone surrogates", function()
      decode_fails('"\\x"', "invalid escape", 1)
      decode_fails('"ab\\U0041"', "invalid escape", 3)
      decode_fails('"\\u12G4"', "invalid \\u escape", 1)
      decode_fails('"\\ud800"', "lone surrogate", 1)
      decode_fails('"\\udc00"', "lone surrogate", 1)
      decode_fails('"ab\\ud83d\\u0041"', "lone surrogate", 3)
      decode_fails('"\\ud83dx"', "lone surrogate", 1)
      decode_fails('"\\ud83d\\ud83d"', "lone surrogate", 1)
    end)

    it("reports raw control characters", function()
      decode_fails('"a\nb"', "control character in string", 2)
      decode_fails('"a\0b"', "control character in string", 2)
      decode_fails('"\\n\tb"', "control character in string", 3)
    end)

    it("reports invalid UTF-8", function()
      decode_fails('"\xFF"', "invalid UTF-8", 1)
      decode_fails('"ok\xC0\x80"', "invalid UTF-8", 3)
      decode_fails('"\xED\xA0\x80"', "invalid UTF-8", 1)
      decode_fails('"\xF4\x90\x80\x80"', "invalid UTF-8", 1)
      decode_fails('"\xE2\x82"', "invalid UTF-8", 1)
      decode_fails('"\\n\x80"', "invalid UTF-8", 3)
      decode_fails('{"k\xFE":1}', "invalid UTF-8", 3)
    end)

    it("enforces the number grammar", function()
      decode_fails("[01]", "leading zero in number", 2)
      decode_fails("-01", "leading zero in number", 2)
      decode_fails("00", "leading zero in number", 1)
      decode_fails("+1", "unexpected character", 0)
      decode_fails(".5", "unexpected character", 0)
      decode_fails("1.e5", "invalid number", 2)
      decode_fails("1ex", "invalid number", 2)
      decode_fails("-a", "invalid number", 1)
      decode_fails("NaN", "unexpected character", 0)
      decode_fails("Infinity", "unexpected character", 0)
      decode_fails("-Infinity", "invalid number", 1)
      decode_fails("1e400", "number out of range", 0)
      decode_fails("[0,-1e400]", "number out of range", 3)
    end)

    it("reports structural errors", function()
      decode_fails("trux", "invalid literal", 3)
      decode_fails("falsy", "invalid literal", 4)
      decode_fails("nil", "invalid literal", 1)
      decode_fails("[1,]", "unexpected character", 3)
      decode_fails('{"a":1,}', "expected string key", 7)
      decode_fails("{a:1}", "expected string key", 1)
      decode_fails('{"a" 1}', "expected ':'", 5)
      decode_fails("[1 2]", "expected ',' or ']'", 3)
      decode_fails('{"a":1 "b":2}', "expected ',' or '}'", 7)
      decode_fails("'a'", "unexpected character", 0)
      decode_fails("]", "unexpected character", 0)
    end)

    it("limits depth to 1000 and survives 100,000 levels", function()
      assert.equal(json.array_mt, getmetatable(decode(("["):rep(1000) .. ("]"):rep(1000))))
      decode_fails(("["):rep(1001) .. ("]"):rep(1001), "nesting deeper than 1000", 1000)
      decode_fails(('{"a":'):rep(1001) .. "1" .. ("}"):rep(1001), "nesting deeper than 1000", 5000)
      decode_fails(("["):rep(100000), "nesting deeper than 1000", 1000)
      decode_fails(("[{\"a\":"):rep(50000), "nesting deeper than 1000", 3000)
    end)

    it("handles a 10,000-digit number", function()
      decode_fails("1" .. ("0"):rep(9999), "number out of range", 0)
      local v = decode("[" .. ("1"):rep(10000) .. "e-9990,2]")
      assert.equal("float", math.type(v[1]))
      assert.is_true(math.abs(v[1] - 1111111111.1111112) < 1e-3)
      assert.equal(2, v[2])
      local tiny = decode("0." .. ("0"):rep(9998) .. "1")
      assert.equal("float", math.type(tiny))
      assert.equal(0.0, tiny)
      local big = decode(("9"):rep(300))
      assert.equal("float", math.type(big))
      assert.equal(1e300, big)
    end)

    it("never reads past the given length", function()
      decode_fails("[1]\0", "trailing characters", 3)
      decode_fails("1\0", "trailing characters", 1)
      decode_fails("\0", "unexpected character", 0)
      decode_fails('"abc"\0"', "trailing characters", 5)
      assert.equal(12, decode(("12\0"):sub(1, 2)))
      assert.equal(true, decode(("true\0"):sub(1, 4)))
    end)

    it("raises on a non-string argument", function()
      assert.truthy(err_of(decode, {}):find("bad argument #1", 1, true))
      assert.truthy(err_of(decode):find("bad argument #1", 1, true))
    end)

    it("stays usable after errors", function()
      for i = 1, 200 do pcall(decode, '{"a":[1,2,"x\\n' .. ("y"):rep(i * 10) .. "\\q\"]}") end
      assert_same({ a = 1 }, decode('{"a":1}'))
    end)
  end)

  describe("differential test against lua-cjson", function()
    local R = math.random

    local function ws()
      if R(4) > 1 then return "" end
      local t = { " ", "\t", "\n", "\r\n  ", "    " }
      return t[R(#t)]
    end

    local simple_escapes = { '\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t" }
    local function random_cp()
      local r = R(4)
      if r == 1 then return R(0x80, 0x7FF) end
      if r == 2 then
        local c = R(0x800, 0xFFFF - 0x800)
        return c >= 0xD800 and c + 0x800 or c
      end
      if r == 3 then return R(0x10000, 0x10FFFF) end
      local c = R(0x20, 0x7E)
      return (c == 0x22 or c == 0x5C) and 0x41 or c -- no raw '"' or '\\'
    end

    local function gen_string()
      local parts = { '"' }
      for _ = 1, R(0, 12) do
        local r = R(10)
        if r <= 4 then
          parts[#parts + 1] = ("abcxyz09 _-.:"):sub(R(13), R(13))
        elseif r == 5 then
          parts[#parts + 1] = simple_escapes[R(#simple_escapes)]
        elseif r == 6 then
          parts[#parts + 1] = ("\\u%04x"):format(R(0, 0x1F))
        elseif r == 7 then
          local c = R(0x20, 0xFFFF - 0x800)
          if c >= 0xD800 then c = c + 0x800 end
          parts[#parts + 1] = (R(2) == 1 and "\\u%04x" or "\\u%04X"):format(c)
        elseif r == 8 then
          local c = R(0x10000, 0x10FFFF) - 0x10000
          parts[#parts + 1] = ("\\u%04x\\u%04x"):format(0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF))
        else
          parts[#parts + 1] = utf8.char(random_cp())
        end
      end
      parts[#parts + 1] = '"'
      return table.concat(parts)
    end

    local function gen_number()
      local r = R(10)
      if r == 1 then return tostring(R(0, 9)) end
      if r == 2 then return tostring(R(-1000000, 1000000)) end
      if r == 3 then return tostring(R(-(1 << 53), 1 << 53)) end
      if r == 4 then return "-0" end
      if r == 5 then return ("%d.%d"):format(R(-999, 999), R(0, 99999)) end
      if r == 6 then return ("%d.%de%s%d"):format(R(0, 99), R(0, 999), ({ "", "+", "-" })[R(3)], R(0, 300)) end
      if r == 7 then return ("%dE%d"):format(R(1, 9), R(-20, 20)) end
      if r == 8 then return ("%.17g"):format((R() - 0.5) * 10.0 ^ R(-30, 30)) end
      if r == 9 then return ("%.3f"):format((R() - 0.5) * 1e6) end
      return "0.0"
    end

    local function gen_value(depth)
      local r = R(depth > 5 and 7 or 10)
      if r <= 2 then return gen_string() end
      if r <= 4 then return gen_number() end
      if r == 5 then return ({ "true", "false", "null" })[R(3)] end
      if r == 6 then return gen_number() end
      if r == 7 then return gen_string() end
      local parts = {}
      if r <= 8 then
        for i = 1, R(0, 8) do parts[i] = ws() .. gen_value(depth + 1) .. ws() end
        return "[" .. ws() .. table.concat(parts, ",") .. "]"
      end
      for i = 1, R(0, 8) do
        parts[i] = ws() .. gen_string() .. ws() .. ":" .. ws() .. gen_value(depth + 1) .. ws()
      end
      return "{" .. ws() .. table.concat(parts, ",") .. "}"
    end

    it("agrees with cjson.decode and round-trips exactly on 2,000 documents", function()
      math.randomseed(20240107, 42)
      local total = 0
      for n = 1, 2000 do
        local text = ws() .. gen_value(0) .. ws()
        total = total + #text
        local ok, ours = pcall(decode, text)
        assert(ok, ("document %d: %s\n%s"):format(n, tostring(ours), text))
        local ref = cjson.decode(text)
        local eq, why = similar(ours, ref)
        assert(eq, ("document %d differs from cjson at %s\n%s"):format(n, why, text))
        local out = encode(ours)
        local back = decode(out)
        eq, why = same(ours, back)
        assert(eq, ("document %d does not round-trip at %s\n%s\n%s"):format(n, why, text, out))
        eq, why = similar(cjson.decode(out), ours)
        assert(eq, ("cjson reads our encoding of document %d differently at %s\n%s"):format(n, why, out))
      end
      assert.is_true(total > 100000)
    end)
  end)
end)
