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

LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC) $(TUI_SRC))
MAIN_OBJ := $(BUILD)/tui/main.o
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT))

.PHONY: all run test check asan test-asan deps data bench bench-ref clean fixtures fuzz fuzz-build

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

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
