# knockwatch — one flat GNU Makefile. `make demo` and `make check` first run
# tests/deps.sh (installs missing Debian packages as root, or prints the
# apt-get line), then build and run.

PREFIX   ?= /usr/local
DESTDIR  ?=
PKGS     := libpcre2-8 yaml-0.1 libgcrypt zlib
CC       ?= cc
CFLAGS   ?= -O2 -g
WERROR   ?= -Werror
KW_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 \
	-Wmissing-prototypes $(WERROR) -MMD -MP \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
KW_LIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
BUILD    ?= build

SRCS     := $(wildcard knockwatch/*.c)
OBJS     := $(SRCS:knockwatch/%.c=$(BUILD)/obj/%.o)
LIBOBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))

# Unit tests link only the modules they test (so one module can be built and
# tested while another is being written); unlisted tests link everything.
deps_test_parse    := parse addr log
deps_test_seq      := seq log
deps_test_logwatch := logwatch log clock
deps_test_config   := config addr log parse
test_objs = $(if $(deps_$(1)),$(patsubst %,$(BUILD)/obj/%.o,$(deps_$(1))),$(LIBOBJS))

.PHONY: all check test demo deps clean asan lint bench install uninstall
all: $(BUILD)/knockwatch

$(BUILD)/knockwatch: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(KW_LIBS)

$(BUILD)/obj/%.o: knockwatch/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS) $(KW_CFLAGS) -c -o $@ $<

$(BUILD)/obj:
	mkdir -p $@

.SECONDEXPANSION:
$(BUILD)/test_%: tests/unit/test_%.c tests/unit/test.h $$(call test_objs,test_$$*)
	$(CC) $(CFLAGS) $(KW_CFLAGS) -Iknockwatch -o $@ $< \
		$(call test_objs,test_$*) $(KW_LIBS)

deps:
	@sh tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory test

test: all $(UNITS)
	@sh tests/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

asan:
	$(MAKE) BUILD=build/asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

lint:
	shellcheck actions/* examples/*.sh tests/*.sh tests/integration/*.sh

clean:
	rm -rf build

-include $(OBJS:.o=.d)

# --- install / uninstall (operator issue) ---

# --- fuzzing, sanitizers, valgrind (reliability issue) ---
