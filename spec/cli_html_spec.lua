-- `prismacloud alerts summary -o html` in headless Chromium: the page is
-- self-contained (no external file of any kind), its inline script runs
-- without error and every SVG bar it should draw has a rendered size (the
-- page's script counts them into #rendered-bars; the spec compares that with
-- the counts of `-o json` on the same data). A page with a broken script
-- shows the error in #script-errors, so the check can fail. Pending when
-- Chromium is not installed.
local server = require "spec.support.server"
local files = require "spec.support.files"
local shell_quote, read_file, write_file = files.shell_quote, files.read, files.write
local cjson = require "cjson"

local function chromium_path()
  for _, name in ipairs{"chromium", "chromium-browser"} do
    local p = io.popen("command -v " .. name .. " 2>/dev/null")
    local path = p:read("l")
    p:close()
    if path and path ~= "" then return path end
  end
  return nil
end

local CHROMIUM = chromium_path()

describe("alerts summary as HTML in headless Chromium", function()
  if not CHROMIUM then
    pending("chromium is not installed")
    return
  end

  local srv, dir

  setup(function()
    srv = server.start{alerts = 1200}
    dir = files.temp_dir()
  end)

  teardown(function()
    if srv then srv.stop() end
    if dir then files.remove_dir(dir) end
  end)

  local function cli(args)
    local out = dir .. "/cli.out"
    local cmd = ("env PC_URL=%s PC_IDENTITY=test-key PC_SECRET=test-secret PC_CONFIG_DIR=/nonexistent "
      .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 bin/prismacloud %s > %s 2>/dev/null")
      :format(shell_quote(srv.url), args, shell_quote(out))
    local _, _, code = os.execute(cmd)
    assert.equals(0, code)
    return read_file(out)
  end

  -- Runs Chromium on a file with extra flags; returns its stdout.
  local function chromium(file, flags)
    local out = dir .. "/chromium.out"
    -- without the sanitizer preload of `make asan` (Chromium is not ours to check)
    local cmd = ("env -u LD_PRELOAD timeout 120 %s --headless --disable-gpu --no-sandbox --user-data-dir=%s %s %s"
      .. " > %s 2>/dev/null")
      :format(shell_quote(CHROMIUM), shell_quote(dir .. "/profile"), flags, shell_quote("file://" .. file),
        shell_quote(out))
    os.execute(cmd)
    return read_file(out) or ""
  end

  local function bars_of(dom)
    return tonumber(dom:match('id="rendered%-bars">(%d+)<')), tonumber(dom:match('id="expected%-bars">(%d+)<')),
      dom:match('id="script%-errors">(.-)</pre>')
  end

  it("renders every bar without script errors, and looks right in a screenshot", function()
    local html = cli("alerts summary --since to_now:epoch -o html")
    local summary = cjson.decode(cli("alerts summary --since to_now:epoch -o json"))
    assert.matches("^<!DOCTYPE html>", html)
    for _, external in ipairs{"src=", "href=", "@import", "url(", "http://", "https://"} do
      assert.is_nil(html:find(external, 1, true), "the page refers to something outside itself: " .. external)
    end
    local want = 0
    for _, group in ipairs{"by_severity", "by_policy", "by_cloud", "by_account"} do
      want = want + #summary[group]
    end
    for _, d in ipairs(summary.by_day) do
      if d.count > 0 then want = want + 1 end
    end
    assert.is_true(want > 20)

    local page = dir .. "/summary.html"
    write_file(page, html)
    local dom = chromium(page, "--dump-dom")
    assert.matches('data%-charts="ready"', dom)
    local rendered, expected, errors = bars_of(dom)
    assert.equals(want, expected)
    assert.equals(want, rendered)
    assert.equals("", errors)
    assert.truthy(dom:find(("<b id=\"total\">%d</b>"):format(summary.total), 1, true))

    local shot = dir .. "/summary.png"
    chromium(page, "--window-size=1100,1800 --screenshot=" .. shell_quote(shot))
    local png = read_file(shot)
    assert.is_string(png, "no screenshot was written")
    assert.equals("\137PNG\r\n\26\n", png:sub(1, 8))
    assert.is_true(#png > 20000, "the screenshot is suspiciously small: " .. #png .. " bytes")
  end)

  it("shows a script error in the page (the check above can fail)", function()
    local html = cli("alerts summary --since 7d -o html")
    local page = dir .. "/broken.html"
    write_file(page, (html:gsub("</body>", "<script>window.noSuchFunction();</script></body>", 1)))
    local dom = chromium(page, "--dump-dom")
    local _, _, errors = bars_of(dom)
    assert.matches("noSuchFunction", errors)
  end)
end)
