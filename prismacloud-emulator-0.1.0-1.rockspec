rockspec_format = "3.0"
package = "prismacloud-emulator"
version = "0.1.0-1"
source = {
  url = "git+https://example.invalid/prismacloud-lua.git",
  tag = "v0.1.0",
}
description = {
  summary = "The dependencies of the local Prisma Cloud API emulator of prismacloud for Lua",
  detailed = [[
The prismacloud rock ships a local imitation of the Prisma Cloud CSPM REST API
(`prismacloud emulator`, `prismacloud-emulator`, `prismacloud repl --emulator`) so that
scripts can be tried and tested without a tenant. The library does not need what the
emulator needs; this rock brings it: install it to run the emulator.
]],
  license = "MIT",
  labels = { "prismacloud", "cspm", "emulator", "testing" },
}
-- On Debian these come as the packages lua-cqueues, lua-luaossl and lua-zlib: with them
-- installed, `luarocks make --deps-mode none` this rockspec (or skip it).
dependencies = {
  "lua >= 5.4, < 5.5",
  "prismacloud == 0.1.0",
  "cqueues",
  "luaossl",
  "lua-zlib",
}
-- The emulator's modules and scripts are in the prismacloud rock.
build = {
  type = "none",
}
