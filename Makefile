# prismacloud for Lua: build, test and install.
# Every variable can be overridden: make CC=clang LUA=lua5.4 PREFIX=/usr

LUA          ?= lua5.4
LUA_PC       ?= lua5.4
PKG_CONFIG   ?= pkg-config
CC           ?= cc
BUSTED       ?= $(LUA) /usr/bin/busted
# A hung suite fails instead of stalling CI (seconds; valgrind gets four times as long).
TEST_TIMEOUT ?= 900
LUACHECK     ?= luacheck
CPPCHECK     ?= cppcheck

LUA_CFLAGS   ?= $(shell $(PKG_CONFIG) --cflags $(LUA_PC))
CURL_CFLAGS  ?= $(shell $(PKG_CONFIG) --cflags libcurl)
CURL_LIBS    ?= $(shell $(PKG_CONFIG) --libs libcurl)

OPTFLAGS     ?= -O2 -g
WARNFLAGS    ?= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS       ?= $(OPTFLAGS)
ALL_CFLAGS    = -std=c99 -D_POSIX_C_SOURCE=200809L $(WARNFLAGS) -fPIC -fvisibility=hidden \
                $(LUA_CFLAGS) $(CURL_CFLAGS) $(CFLAGS)
LDFLAGS      ?=
ALL_LDFLAGS   = -shared $(LDFLAGS)
LIBS          = $(CURL_LIBS)

# Install where Debian's lua5.4 looks by default (package.path / package.cpath).
PREFIX       ?= /usr/local
DESTDIR      ?=
LUA_VERSION  ?= 5.4
LUA_LMOD     ?= $(PREFIX)/share/lua/$(LUA_VERSION)
LUA_CMOD     ?= $(PREFIX)/lib/lua/$(LUA_VERSION)
BINDIR       ?= $(PREFIX)/bin
# Completion scripts, generated from the CLI's command table at install time.
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
TYPESDIR     ?= $(PREFIX)/share/prismacloud/types

SRCS  = $(wildcard src/*.c)
HDRS  = $(wildcard src/*.h)
OBJS  = $(SRCS:src/%.c=build/%.o)
LMODS = $(shell find lua -name '*.lua' | sort)
CORE  = prismacloud/core.so

# Environment that runs the in-tree build.
RUN_ENV = LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;'

.PHONY: all test check lint demo deps install uninstall clean asan valgrind bench generate doc

all: $(CORE)

build/%.o: src/%.c $(HDRS) | build
	$(CC) $(ALL_CFLAGS) -c $< -o $@

build prismacloud:
	mkdir -p $@

$(CORE): $(OBJS) | prismacloud
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

# Installs the Debian packages the build, the tests and the demo need.
deps:
	sh .ci/deps

test: all
	$(RUN_ENV) timeout $(TEST_TIMEOUT) $(BUSTED) $(BUSTED_ARGS)

lint:
	$(LUACHECK) --quiet lua spec examples bin bench tools fuzz
	$(CPPCHECK) --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem src

# What CI runs: lint, the suite, the suite again under ASan+UBSan and under valgrind, the fuzzers (C and Lua).
check: lint test asan valgrind fuzz fuzz-lua

demo: all
	$(RUN_ENV) $(LUA) examples/demo.lua

# Every generated file that is committed, from the doc comments and the CLI's help: the README's
# table of contents, families, library modules and CLI help, and the editor type definitions in
# types/ (spec/docs_spec.lua and spec/types_spec.lua fail when any is stale); and, from the OpenAPI
# reference (OPENAPI), the operation catalog (spec/catalog_spec.lua) and the request and response
# schemas of every operation (spec/schema_spec.lua).
OPENAPI      ?= ../shared/reference/openapi
generate: all
	$(RUN_ENV) $(LUA) tools/gen_operations.lua $(OPENAPI) lua/prismacloud/operations.lua
	$(RUN_ENV) $(LUA) tools/gen_docs.lua
	$(RUN_ENV) $(LUA) tools/gen_schemas.lua $(OPENAPI) lua/prismacloud/schema/data.lua

# The browsable HTML reference, from the same doc comments, into build/doc (a build output).
doc: all
	rm -rf build/doc
	$(RUN_ENV) $(LUA) tools/gen_docs.lua --html build/doc

# Benchmarks against curl, lua-cjson and the ideal schedule on a private nginx
# (prints ratios, asserts nothing; not part of test/check). See bench/README.md.
bench: all
	$(RUN_ENV) LUA=$(LUA) $(LUA) bench/run.lua

# The suite under AddressSanitizer + UndefinedBehaviorSanitizer, in GC-stress mode.
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
asan: clean
	$(MAKE) all CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined"
	$(RUN_ENV) LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  timeout $(TEST_TIMEOUT) $(BUSTED) --helper=spec/support/gc_stress.lua $(BUSTED_ARGS)
	$(MAKE) clean

valgrind:
	$(MAKE) all
	$(RUN_ENV) timeout $$(( $(TEST_TIMEOUT) * 4 )) valgrind --quiet --keep-debuginfo=yes --leak-check=full --errors-for-leak-kinds=definite \
	  --error-exitcode=99 $(BUSTED) --helper=spec/support/gc_stress.lua $(BUSTED_ARGS)

install: all
	install -d $(DESTDIR)$(LUA_CMOD)/prismacloud $(DESTDIR)$(LUA_LMOD) $(DESTDIR)$(BINDIR)
	install -m 0755 $(CORE) $(DESTDIR)$(LUA_CMOD)/prismacloud/core.so
	cd lua && find . -name '*.lua' -exec install -D -m 0644 {} $(DESTDIR)$(LUA_LMOD)/{} \;
	cd types && find . -name '*.lua' -exec install -D -m 0644 {} $(DESTDIR)$(TYPESDIR)/{} \;
	install -m 0755 bin/prismacloud-emulator $(DESTDIR)$(BINDIR)/prismacloud-emulator
	install -m 0755 bin/prismacloud $(DESTDIR)$(BINDIR)/prismacloud
	mkdir -p build/completion
	$(RUN_ENV) $(LUA) bin/prismacloud completion bash > build/completion/prismacloud
	$(RUN_ENV) $(LUA) bin/prismacloud completion zsh > build/completion/_prismacloud
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 build/completion/prismacloud $(DESTDIR)$(BASHCOMPDIR)/prismacloud
	install -m 0644 build/completion/_prismacloud $(DESTDIR)$(ZSHCOMPDIR)/_prismacloud

uninstall:
	rm -rf $(DESTDIR)$(LUA_CMOD)/prismacloud $(DESTDIR)$(LUA_LMOD)/prismacloud
	rm -f $(DESTDIR)$(BINDIR)/prismacloud-emulator $(DESTDIR)$(BINDIR)/prismacloud
	rm -f $(DESTDIR)$(BASHCOMPDIR)/prismacloud $(DESTDIR)$(ZSHCOMPDIR)/_prismacloud
	rm -rf $(DESTDIR)$(TYPESDIR)

clean:
	rm -rf build prismacloud

# libFuzzer targets (clang): every parser of what a server or a caller
# sends: the JSON decoder, the JWT reader, the error reader, response header
# parsing, the request-URL builder, the base-URL reader, the trace's
# redaction and the Retry-After reader. Each runs
# FUZZ_SECONDS from the seed corpus in fuzz/corpus/<target> (copied, so the
# seeds stay as committed); a crash leaves its input in build/fuzz/. Leaks are
# checked once, at exit (-detect_leaks=0 turns off only libFuzzer's check after
# each input, which scans the heap whenever the decoder's string cache grows:
# 330 runs/s instead of 96,000; a leak still fails the run).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_TARGETS  = json jwt error headers url base trace retry_after
FUZZ_FLAGS    = -std=c99 -D_POSIX_C_SOURCE=200809L -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all $(LUA_CFLAGS) $(CURL_CFLAGS)
# The Lua-side parsers (config.normalize_url, prismacloud.timerange): a seeded,
# fixed-budget generator checking their properties (a few seconds; see the file).
.PHONY: fuzz-lua
fuzz-lua: all
	$(RUN_ENV) $(LUA) fuzz/lua_fuzz.lua

.PHONY: fuzz
fuzz:
	mkdir -p build/fuzz
	for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) $(FUZZ_FLAGS) fuzz/fuzz_$$t.c $(SRCS) -o build/fuzz/$$t \
	    $$($(PKG_CONFIG) --libs $(LUA_PC)) $(CURL_LIBS) -lm || exit 1; \
	done
	for t in $(FUZZ_TARGETS); do \
	  rm -rf build/fuzz/corpus-$$t && mkdir -p build/fuzz/corpus-$$t && \
	  cp fuzz/corpus/$$t/* build/fuzz/corpus-$$t/ 2>/dev/null; \
	  (cd build/fuzz && ./$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -detect_leaks=0 \
	    -print_final_stats=1 corpus-$$t 2>$$t.log; rc=$$?; \
	    grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' $$t.log | sed "s/^/$$t: /"; exit $$rc) || exit 1; \
	done
