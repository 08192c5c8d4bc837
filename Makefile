# sentui build. `make run` and `make test` are the two commands a newcomer needs;
# both check dependencies first (scripts/deps.sh) and install nothing silently:
# deps.sh says what it installs, or prints the command when it cannot.

PKGS    := openblas yaml-0.1 ncursesw libarchive jansson libutf8proc
BUILD   ?= build
CC      ?= cc
# GCC 12 at -O2 leaves loops over runtime lengths scalar; the dynamic cost model vectorises them.
OPT     ?= -O2 -march=native -fvect-cost-model=dynamic
SANITIZE ?=
CFLAGS  ?= $(OPT) -g
override CFLAGS += $(SANITIZE) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -MMD -MP -I. -Iengine -Itui -Itests/support
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
override LDFLAGS += $(SANITIZE)
LDLIBS  += $(PKG_LIBS) -lm -pthread
# Open MPI, when installed, for data-parallel training (`mpirun -np N sentui
# train`); MPI=0 builds the single-process sentui even where it is installed.
MPI ?= $(shell pkg-config --exists ompi-c 2>/dev/null && echo 1 || echo 0)
ifeq ($(MPI),1)
override CFLAGS += -DSENTUI_MPI
PKG_CFLAGS += $(shell pkg-config --cflags ompi-c)
LDLIBS  += $(shell pkg-config --libs ompi-c)
endif
IMDB_TARBALL ?=
DATA_DIR := data
IMDB_URL := https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz

ENGINE_SRC := $(sort $(wildcard engine/*.c engine/*/*.c))
TUI_SRC    := $(sort $(filter-out tui/main.c,$(wildcard tui/*.c tui/*/*.c)))
TEST_SRC   := $(sort $(wildcard tests/test_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/support/*.c))

# `sentui --version`: git's description of this checkout when built from one
# (and only when this folder is the checkout's top, not a source tree unpacked
# inside some other repository); else the version already built (so `sudo make
# install`, where git may refuse another user's checkout, keeps it); else
# VERSION_FALLBACK.
VERSION_FALLBACK ?= 0.1-unknown
VERSION := $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$$(pwd -P)" ] && \
             git describe --always --dirty 2>/dev/null | tr -cd 'A-Za-z0-9._+-')
VERSION := $(or $(VERSION),$(shell sed -n 's/^const char sentui_version\[\] = "\(.*\)";$$/\1/p' \
             $(BUILD)/gen/version.c 2>/dev/null),$(VERSION_FALLBACK))
VERSION_OBJ := $(BUILD)/gen/version.o

LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC) $(TUI_SRC)) $(VERSION_OBJ)
MAIN_OBJ := $(BUILD)/tui/main.o
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT))

.PHONY: all run test check asan test-asan deps data bench bench-ref clean fixtures fuzz fuzz-build install uninstall FORCE

# Fuzz targets (tests/fuzz/fuzz_<reader>.c): `make test` replays their seed
# corpora and regression inputs through build/tests/test_fuzz_<reader>;
# `make fuzz` builds them with clang's libFuzzer and runs each FUZZ_SECONDS.
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_REPLAY := $(patsubst %,$(BUILD)/tests/test_fuzz_%,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 20
FUZZ_OBJ    := $(patsubst %,$(BUILD)/tests/fuzz/fuzz_%.o,$(FUZZ_NAMES)) $(BUILD)/tests/fuzz/replay_main.o
.SECONDARY: $(FUZZ_OBJ)

all: $(BUILD)/sentui $(TEST_BIN) $(FUZZ_REPLAY)

# V=1 shows full command lines.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# Rewritten only when the version changes, so an unchanged tree relinks nothing.
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@printf 'const char sentui_version[] = "%s";\n' '$(VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(VERSION_OBJ): $(BUILD)/gen/version.c
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/sentui: $(LIB_OBJ) $(MAIN_OBJ)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(SUPPORT_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/tests/test_fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

# The library without main(): the events target includes train_cli.c, which
# draws on the tui's formatters and sanitizer.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDFLAGS) $(LDLIBS)

# The engine built by clang with libFuzzer's coverage hooks and ASan/UBSan, in build-fuzz/.
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g -march=native -fno-omit-frame-pointer -Wno-unknown-warning-option" \
	  SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	  $(patsubst %,build-fuzz/fuzz/fuzz_%,$(FUZZ_NAMES))

fuzz: fuzz-build
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

deps:
	@scripts/deps.sh

data: deps
	@IMDB_TARBALL="$(IMDB_TARBALL)" scripts/data.sh "$(DATA_DIR)" "$(IMDB_URL)"

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/sentui
	@IMDB_TARBALL="$(IMDB_TARBALL)" scripts/data.sh "$(DATA_DIR)" "$(IMDB_URL)"
	./$(BUILD)/sentui

# Every test: unit, gradient checks, PyTorch fixtures, end-to-end (tmux).
test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run.sh

check: all
	@BUILD=$(BUILD) tests/run.sh

# Address and undefined-behaviour sanitizers over the whole suite.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -march=native -fno-omit-frame-pointer" \
	  SANITIZE="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow" all

test-asan: asan
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh

bench: $(BUILD)/sentui
	./$(BUILD)/sentui bench

bench-ref: $(BUILD)/sentui
	scripts/bench/bench_ref.sh $(BUILD)/sentui

# Regenerates the PyTorch reference fixtures (needs Debian's python3-torch; the tests never do).
fixtures:
	for f in scripts/fixtures/recurrent.py scripts/fixtures/transformer.py; do /usr/bin/python3 $$f tests/fixtures || exit 1; done
	/usr/bin/python3 scripts/fixtures/hf_bert.py tests/fixtures/hf

# `make install PREFIX=~/.local` (or DESTDIR=staging for a package): the binary,
# its man page and bash/zsh completion (all printed by the binary from its own
# tables), and the shipped configs, which the workbench lists when it runs
# outside a checkout (found as ../share/sentui/configs next to bin/sentui).
PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share
SHIPPED_CONFIGS := $(sort $(wildcard configs/*.yaml configs/*/*.yaml))
INSTALLED := $(BINDIR)/sentui $(DATADIR)/man/man1/sentui.1 $(DATADIR)/bash-completion/completions/sentui \
             $(DATADIR)/zsh/site-functions/_sentui $(addprefix $(DATADIR)/sentui/,$(SHIPPED_CONFIGS))

install: $(BUILD)/sentui
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(DATADIR)/man/man1" "$(DESTDIR)$(DATADIR)/bash-completion/completions" \
	  "$(DESTDIR)$(DATADIR)/zsh/site-functions"
	install -m 755 $(BUILD)/sentui "$(DESTDIR)$(BINDIR)/sentui"
	$(BUILD)/sentui man >"$(DESTDIR)$(DATADIR)/man/man1/sentui.1"
	$(BUILD)/sentui completion bash >"$(DESTDIR)$(DATADIR)/bash-completion/completions/sentui"
	$(BUILD)/sentui completion zsh >"$(DESTDIR)$(DATADIR)/zsh/site-functions/_sentui"
	for f in $(SHIPPED_CONFIGS); do install -D -m 644 "$$f" "$(DESTDIR)$(DATADIR)/sentui/$$f" || exit 1; done

# Removes what install wrote, then the folders it made that are left empty.
uninstall:
	rm -f $(foreach f,$(INSTALLED),"$(DESTDIR)$(f)")
	for d in $(addprefix $(DATADIR)/sentui/,$(sort $(dir $(wildcard configs/*/*.yaml))) configs) $(DATADIR)/sentui \
	  $(DATADIR)/man/man1 $(DATADIR)/man $(DATADIR)/bash-completion/completions $(DATADIR)/bash-completion \
	  $(DATADIR)/zsh/site-functions $(DATADIR)/zsh $(DATADIR) $(BINDIR); do \
	  rmdir "$(DESTDIR)$$d" 2>/dev/null || true; done

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
