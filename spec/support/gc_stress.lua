-- GC-stress mode for the sanitizer and valgrind runs (busted --helper):
-- the collector runs in its most aggressive incremental setting, and a full
-- collection follows every test, so that a missing reference or a __gc that
-- frees too early shows up as a use-after-free there.
local busted = require "busted"

collectgarbage("incremental", 100, 100, 0) -- pause 100%, step multiplier 100, smallest steps
busted.subscribe({"test", "end"}, function()
  collectgarbage()
  collectgarbage()
  return nil, true
end)
