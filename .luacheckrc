std = "lua54"
max_line_length = 120
files["spec/"] = { std = "+busted" }
files["spec/json_spec.lua"] = { ignore = { "631" } } -- a real policy document has long RQL lines
exclude_files = { "build/", "prismacloud/" }
files["lua/prismacloud/schema/data.lua"] = { ignore = { "631" } } -- generated: one schema node a line
