# ihala: one C program, its web interface and its tests.
#   make            release build: build/release/ihala
#   make run        install what is missing, build, init var/ (demo) once, serve on :8080
#   make test       sanitizer build, unit + fuzz-replay + API (SQLite, PostgreSQL) + browser tests
#   make bench      benchmarks in bench/, printed beside a reference run
#   make lint       layering and banned-function checks

MODE ?= release
B := build/$(MODE)
CC ?= cc
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium liboath libutf8proc xlsxwriter expat libzip libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Isrc -I$(B)/gen $(WARN) $(PKG_CFLAGS) -MMD -MP
ifeq ($(MODE),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDOPT := -fsanitize=address,undefined
else
  OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
  LDOPT :=
endif
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(CFLAGS)

LIB_SRCS := $(shell find src -name '*.c' ! -name main.c | sort)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/gen/assets.o $(B)/obj/gen/migrations.o $(B)/obj/gen/docs.o $(B)/obj/gen/registry.o \
	$(B)/obj/gen/screening_sets.o
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
REGISTRY := $(sort $(wildcard src/domain/registry/data/*.json))
SCREENING_SETS := $(sort $(wildcard src/domain/screening/sets/*.set))
UI_SRCS := $(shell find ui/src ui/i18n ui/index.html ui/package.json ui/vite.config.* ui/tsconfig.json -type f 2>/dev/null)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TEST_SUPPORT := $(wildcard tests/unit/support/*.c)

.PHONY: all run test bench lint ui deps clean unit fuzz
all: $(B)/ihala

deps:
	@bash scripts/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/embed: scripts/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -std=c11 -D_GNU_SOURCE $< -o $@ $$(pkg-config --cflags --libs libsodium)

# The web interface, built with Vite into ui/dist. Skipped (empty asset table)
# when IHALA_NO_UI=1, for quick C-only work.
ui/dist/index.html: $(UI_SRCS)
	cd ui && npm run --silent build
	@touch $@

ui: ui/dist/index.html

ifeq ($(IHALA_NO_UI),1)
ASSET_DEPS :=
ASSET_FILES :=
else
ASSET_DEPS := ui/dist/index.html
ASSET_FILES = $(shell find ui/dist -type f 2>/dev/null | sort)
endif

# A stamp per UI mode, so that switching IHALA_NO_UI regenerates the asset table.
UI_MODE := $(if $(filter 1,$(IHALA_NO_UI)),none,dist)
$(B)/gen/ui.$(UI_MODE):
	@mkdir -p $(dir $@)
	@rm -f $(B)/gen/ui.none $(B)/gen/ui.dist
	@touch $@

$(B)/gen/assets.c: $(B)/embed $(ASSET_DEPS) $(B)/gen/ui.$(UI_MODE)
	@mkdir -p $(dir $@)
	$(B)/embed ihala_assets ui/dist $@ $(ASSET_FILES)

$(B)/gen/migrations.c: $(B)/embed $(MIGRATIONS)
	@mkdir -p $(dir $@)
	$(B)/embed ihala_migrations src/store/migrations $@ $(MIGRATIONS)

$(B)/gen/registry.c: $(B)/embed $(REGISTRY)
	@mkdir -p $(dir $@)
	$(B)/embed ihala_registry src/domain/registry/data $@ $(REGISTRY)

$(B)/gen/screening_sets.c: $(B)/embed $(SCREENING_SETS)
	@mkdir -p $(dir $@)
	$(B)/embed ihala_screening_sets src/domain/screening/sets $@ $(SCREENING_SETS)

$(B)/gen/docs.c: $(B)/embed docs/openapi.yaml
	@mkdir -p $(dir $@)
	$(B)/embed ihala_docs docs $@ docs/openapi.yaml

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/libihala.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/ihala: $(B)/obj/src/main.o $(B)/libihala.a
	$(CC) $(LDOPT) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(TEST_SUPPORT) $(B)/libihala.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(TEST_SUPPORT) $(B)/libihala.a $(PKG_LIBS) -lcmocka $(LDOPT)

unit: $(UNIT_BINS)

# The case benchmark's generator (bench/cases.sh), linked like the server.
$(B)/bench/gen_cases: bench/gen_cases.c $(B)/libihala.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/libihala.a $(PKG_LIBS) $(LDOPT)

# The referral benchmark's generator (bench/referrals.sh), the same way.
$(B)/bench/gen_referrals: bench/gen_referrals.c $(B)/libihala.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/libihala.a $(PKG_LIBS) -lm $(LDOPT)

# The statistics benchmark's driver (bench/stats.sh), the same way.
$(B)/bench/stats_bench: bench/stats_bench.c $(B)/libihala.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/libihala.a $(PKG_LIBS) -lm $(LDOPT)

# libFuzzer targets (clang): the library is compiled once with coverage
# instrumentation and ASan/UBSan, then each target links against it.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Isrc -I$(B)/gen $(PKG_CFLAGS) -g -O1 -MMD -MP
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o) \
	$(addprefix build/fuzz/obj/gen/,assets.o migrations.o docs.o registry.o screening_sets.o)
build/fuzz/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
build/fuzz/libihala.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c build/fuzz/libihala.a
	clang $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined -o $@ $< build/fuzz/libihala.a $(PKG_LIBS)
fuzz: $(FUZZ_BINS)

run: deps
	@$(MAKE) --no-print-directory MODE=release all
	@if [ ! -d var ]; then \
	  umask 077 && build/release/ihala init --demo var > build/demo-credentials.txt && \
	  mv build/demo-credentials.txt var/demo-credentials.txt && cat var/demo-credentials.txt && \
	  echo "(kept in var/demo-credentials.txt)"; fi
	build/release/ihala serve var

test: deps
	@$(MAKE) --no-print-directory MODE=asan all unit
	@$(MAKE) --no-print-directory MODE=asan fuzz
	@bash scripts/test.sh

bench: deps
	@$(MAKE) --no-print-directory MODE=release all build/release/bench/gen_cases build/release/bench/gen_referrals \
		build/release/bench/stats_bench
	@bash bench/run.sh
	@bash bench/cases.sh
	@bash bench/referrals.sh
	@bash bench/stats.sh
	@bash bench/link.sh

lint:
	@bash scripts/lint.sh

clean:
	rm -rf build ui/dist

-include $(shell find build -name '*.d' 2>/dev/null)
