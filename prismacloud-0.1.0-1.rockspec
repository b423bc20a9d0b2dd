rockspec_format = "3.0"
package = "prismacloud"
version = "0.1.0-1"
source = {
  url = "git+https://example.invalid/prismacloud-lua.git",
  tag = "v0.1.0",
}
description = {
  summary = "Client for the Prisma Cloud CSPM REST API: C core on libcurl, idiomatic Lua API",
  detailed = [[
A Lua 5.4 client for the Prisma Cloud "Cloud Security" (CSPM) REST API. A C core on
libcurl owns transport, the JWT lifecycle, retries and an exact JSON <-> Lua mapping;
Lua modules give each resource family idiomatic functions. Ships a command line tool, a
REPL and a local API emulator, whose own dependencies the rock prismacloud-emulator brings.
]],
  license = "MIT",
  labels = { "prismacloud", "cspm", "security", "rest", "curl" },
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "argparse",   -- the CLI's command line (Debian: lua-argparse)
  "lua-term",   -- the CLI's isatty (Debian: lua-term)
}
build_dependencies = {}
-- The library needs nothing more; the CLI, argparse and lua-term. The emulator (`prismacloud emulator`)
-- needs cqueues, luaossl and lua-zlib: the rock prismacloud-emulator depends on them.
test_dependencies = {
  "busted",
  "lua-cjson",
  "luasocket",
  "luasec",
  "cqueues",
  "luaossl",
  "lua-zlib",
}
-- Only the library is looked for: LuaRocks searches lib/ and the multiarch lib/<triplet>/ for it,
-- but headers only in include/, while Debian keeps curl/curl.h in include/<triplet>/, where the
-- compiler finds it by itself. LIBCURL_DIR (or LIBCURL_INCDIR and LIBCURL_LIBDIR) still points
-- elsewhere, as for any rock.
external_dependencies = {
  LIBCURL = { library = "curl" },
}
build = {
  type = "builtin",
  -- kept in the rock's folder (luarocks show --rock-dir prismacloud): the guides and the
  -- lua-language-server type definitions
  copy_directories = { "doc", "types" },
  modules = {
    ["prismacloud.core"] = {
      sources = {
        "src/pc_auth.c", "src/pc_buf.c", "src/pc_client.c", "src/pc_clock.c", "src/pc_core.c",
        "src/pc_error.c", "src/pc_exchange.c", "src/pc_fs.c", "src/pc_hook.c", "src/pc_interrupt.c", "src/pc_json.c",
        "src/pc_jwt.c", "src/pc_parallel.c", "src/pc_request.c", "src/pc_response.c",
        "src/pc_retry.c", "src/pc_sink.c", "src/pc_trace.c", "src/pc_url.c", "src/pc_util.c",
        "src/pc_xfer.c",
      },
      libraries = { "curl" },
      incdirs = { "$(LIBCURL_INCDIR)" },
      libdirs = { "$(LIBCURL_LIBDIR)" },
      defines = { "_POSIX_C_SOURCE=200809L" },
    },
    ["prismacloud"] = "lua/prismacloud/init.lua",
    ["prismacloud.json"] = "lua/prismacloud/json.lua",
    ["prismacloud.config"] = "lua/prismacloud/config.lua",
    ["prismacloud.limiter"] = "lua/prismacloud/limiter.lua",
    ["prismacloud.catalog"] = "lua/prismacloud/catalog.lua",
    ["prismacloud.client"] = "lua/prismacloud/client.lua",
    ["prismacloud.doc_comments"] = "lua/prismacloud/doc_comments.lua",
    ["prismacloud.errors"] = "lua/prismacloud/errors.lua",
    ["prismacloud.operations"] = "lua/prismacloud/operations.lua",
    ["prismacloud.pager"] = "lua/prismacloud/pager.lua",
    ["prismacloud.verbs"] = "lua/prismacloud/verbs.lua",
    ["prismacloud.filters"] = "lua/prismacloud/filters.lua",
    ["prismacloud.timerange"] = "lua/prismacloud/timerange.lua",
    ["prismacloud.alerts"] = "lua/prismacloud/alerts.lua",
    ["prismacloud.policies"] = "lua/prismacloud/policies.lua",
    ["prismacloud.account_groups"] = "lua/prismacloud/account_groups.lua",
    ["prismacloud.cloud_accounts"] = "lua/prismacloud/cloud_accounts.lua",
    ["prismacloud.compliance"] = "lua/prismacloud/compliance.lua",
    ["prismacloud.audit_logs"] = "lua/prismacloud/audit_logs.lua",
    ["prismacloud.resources"] = "lua/prismacloud/resources.lua",
    ["prismacloud.inventory"] = "lua/prismacloud/inventory.lua",
    ["prismacloud.cli.repl"] = "lua/prismacloud/cli/repl.lua",
    ["prismacloud.licensing"] = "lua/prismacloud/licensing.lua",
    ["prismacloud.trusted_ips"] = "lua/prismacloud/trusted_ips.lua",
    ["prismacloud.settings"] = "lua/prismacloud/settings.lua",
    ["prismacloud.access_keys"] = "lua/prismacloud/access_keys.lua",
    ["prismacloud.permission_groups"] = "lua/prismacloud/permission_groups.lua",
    ["prismacloud.roles"] = "lua/prismacloud/roles.lua",
    ["prismacloud.users"] = "lua/prismacloud/users.lua",
    ["prismacloud.cli"] = "lua/prismacloud/cli/init.lua",
    ["prismacloud.cli.args"] = "lua/prismacloud/cli/args.lua",
    ["prismacloud.cli.output"] = "lua/prismacloud/cli/output.lua",
    ["prismacloud.cli.summary"] = "lua/prismacloud/cli/summary.lua",
    ["prismacloud.cli.completion"] = "lua/prismacloud/cli/completion.lua",
    ["prismacloud.notification_templates"] = "lua/prismacloud/notification_templates.lua",
    ["prismacloud.integrations"] = "lua/prismacloud/integrations.lua",
    ["prismacloud.alert_rules"] = "lua/prismacloud/alert_rules.lua",
    ["prismacloud.saved_searches"] = "lua/prismacloud/saved_searches.lua",
    ["prismacloud.jobs"] = "lua/prismacloud/jobs.lua",
    ["prismacloud.reports"] = "lua/prismacloud/reports.lua",
    ["prismacloud.search"] = "lua/prismacloud/search.lua",
    ["prismacloud.collections"] = "lua/prismacloud/collections.lua",
    ["prismacloud.resource_lists"] = "lua/prismacloud/resource_lists.lua",
    ["prismacloud.emulator"] = "lua/prismacloud/emulator/init.lua",
    ["prismacloud.emulator.cloud_accounts"] = "lua/prismacloud/emulator/cloud_accounts.lua",
    ["prismacloud.emulator.alerts"] = "lua/prismacloud/emulator/alerts.lua",
    ["prismacloud.emulator.api"] = "lua/prismacloud/emulator/api.lua",
    ["prismacloud.emulator.audit_logs"] = "lua/prismacloud/emulator/audit_logs.lua",
    ["prismacloud.emulator.compliance"] = "lua/prismacloud/emulator/compliance.lua",
    ["prismacloud.emulator.alert_jobs"] = "lua/prismacloud/emulator/alert_jobs.lua",
    ["prismacloud.emulator.data"] = "lua/prismacloud/emulator/data.lua",
    ["prismacloud.emulator.account_groups"] = "lua/prismacloud/emulator/account_groups.lua",
    ["prismacloud.emulator.http"] = "lua/prismacloud/emulator/http.lua",
    ["prismacloud.emulator.policies"] = "lua/prismacloud/emulator/policies.lua",
    ["prismacloud.emulator.rql"] = "lua/prismacloud/emulator/rql.lua",
    ["prismacloud.emulator.search"] = "lua/prismacloud/emulator/search.lua",
    ["prismacloud.emulator.state"] = "lua/prismacloud/emulator/state.lua",
    ["prismacloud.emulator.jwt"] = "lua/prismacloud/emulator/jwt.lua",
    ["prismacloud.emulator.tls"] = "lua/prismacloud/emulator/tls.lua",
    ["prismacloud.emulator.users"] = "lua/prismacloud/emulator/users.lua",
    ["prismacloud.emulator.roles"] = "lua/prismacloud/emulator/roles.lua",
    ["prismacloud.emulator.process"] = "lua/prismacloud/emulator/process.lua",
    ["prismacloud.emulator.inventory"] = "lua/prismacloud/emulator/inventory.lua",
    ["prismacloud.emulator.resources"] = "lua/prismacloud/emulator/resources.lua",
    ["prismacloud.emulator.licensing"] = "lua/prismacloud/emulator/licensing.lua",
    ["prismacloud.emulator.settings"] = "lua/prismacloud/emulator/settings.lua",
    ["prismacloud.emulator.trusted_ips"] = "lua/prismacloud/emulator/trusted_ips.lua",
    ["prismacloud.emulator.permission_groups"] = "lua/prismacloud/emulator/permission_groups.lua",
    ["prismacloud.emulator.access_keys"] = "lua/prismacloud/emulator/access_keys.lua",
    ["prismacloud.emulator.integrations"] = "lua/prismacloud/emulator/integrations.lua",
    ["prismacloud.emulator.notification_templates"] = "lua/prismacloud/emulator/notification_templates.lua",
    ["prismacloud.emulator.alert_rules"] = "lua/prismacloud/emulator/alert_rules.lua",
    ["prismacloud.emulator.reports"] = "lua/prismacloud/emulator/reports.lua",
    ["prismacloud.emulator.resource_lists"] = "lua/prismacloud/emulator/resource_lists.lua",
    ["prismacloud.emulator.collections"] = "lua/prismacloud/emulator/collections.lua",
    ["prismacloud.emulator.referee"] = "lua/prismacloud/emulator/referee.lua",
    ["prismacloud.emulator.fallback"] = "lua/prismacloud/emulator/fallback.lua",
    ["prismacloud.emulator.auth"] = "lua/prismacloud/emulator/auth.lua",
    ["prismacloud.emulator.control_plane"] = "lua/prismacloud/emulator/control_plane.lua",
    ["prismacloud.emulator.faults"] = "lua/prismacloud/emulator/faults.lua",
    ["prismacloud.emulator.test_routes"] = "lua/prismacloud/emulator/test_routes.lua",
    ["prismacloud.emulator.cloud_resources"] = "lua/prismacloud/emulator/cloud_resources.lua",
    ["prismacloud.emulator.saved_searches"] = "lua/prismacloud/emulator/saved_searches.lua",
    ["prismacloud.emulator.search_query"] = "lua/prismacloud/emulator/search_query.lua",
    ["prismacloud.emulator.search_events"] = "lua/prismacloud/emulator/search_events.lua",
    ["prismacloud.emulator.search_iam"] = "lua/prismacloud/emulator/search_iam.lua",
    ["prismacloud.emulator.search_network"] = "lua/prismacloud/emulator/search_network.lua",
    ["prismacloud.emulator.search_alert"] = "lua/prismacloud/emulator/search_alert.lua",
    ["prismacloud.emulator.search_suggest"] = "lua/prismacloud/emulator/search_suggest.lua",
    ["prismacloud.schema"] = "lua/prismacloud/schema/init.lua",
    ["prismacloud.schema.data"] = "lua/prismacloud/schema/data.lua",
    ["prismacloud.schema.defects"] = "lua/prismacloud/schema/defects.lua",
    ["prismacloud.schema.synth"] = "lua/prismacloud/schema/synth.lua",
  },
  install = {
    bin = { ["prismacloud-emulator"] = "bin/prismacloud-emulator", ["prismacloud"] = "bin/prismacloud" },
  },
}
test = {
  type = "busted",
}
