# knockwatch — one flat GNU Makefile. `make demo` and `make check` first run
# tests/deps.sh (installs missing Debian packages as root, or prints the
# apt-get line), then build and run.

PREFIX   ?= /usr/local
DESTDIR  ?=
PKGS     := libpcre2-8 yaml-0.1 libgcrypt zlib libseccomp
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
# Every object of the daemon but main.o, as one static library: unit tests,
# fuzz targets and bench tools link it and the linker takes only the members
# they need, so adding or splitting a source file needs no list edited here.
LIBSRCS  := $(filter-out knockwatch/main.c,$(SRCS))
KW_LIB   := $(BUILD)/libknockwatch.a

.PHONY: all check test demo deps clean asan lint bench install uninstall
all: $(BUILD)/knockwatch

$(BUILD)/knockwatch: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(KW_LIBS)

$(BUILD)/obj/%.o: knockwatch/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS) $(KW_CFLAGS) -c -o $@ $<

$(BUILD)/obj:
	mkdir -p $@

# The daemon with its test hooks (-DKW_TEST_HOOKS: KW_TEST_FORGE, which
# tests/integration/t_privsep.sh drives), built like the daemon otherwise;
# the installed build/knockwatch has none.
HOOKED   := $(BUILD)/obj/monitor-hooks.o $(BUILD)/obj/worker-hooks.o
HOOKOBJS := $(filter-out $(HOOKED:-hooks.o=.o),$(OBJS)) $(HOOKED)
$(BUILD)/knockwatch-hooks: $(HOOKOBJS)
	$(CC) $(LDFLAGS) -o $@ $(HOOKOBJS) $(KW_LIBS)

$(BUILD)/obj/%-hooks.o: knockwatch/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS) $(KW_CFLAGS) -DKW_TEST_HOOKS -c -o $@ $<

$(KW_LIB): $(LIBOBJS)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJS)

$(BUILD)/test_%: tests/unit/test_%.c tests/unit/test.h tests/unit/fixture.h $(KW_LIB)
	$(CC) $(CFLAGS) $(KW_CFLAGS) -Iknockwatch -o $@ $< $(KW_LIB) $(KW_LIBS)

deps:
	@sh tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory test

test: all $(UNITS) $(BUILD)/knockwatch-hooks
	@sh tests/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

# libgcrypt keeps its random pool (allocated by genkey's strong random) to
# exit: tests/fuzz/lsan.supp names that library allocation, nothing of ours.
asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	$(MAKE) BUILD=build/asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

lint:
	shellcheck -x -P SCRIPTDIR actions/* examples/*.sh tests/*.sh tests/integration/*.sh tests/net/*.sh tests/fuzz/*.sh tests/soak/*.sh tests/known/*.sh tests/soak/flaky-stop tests/lib/*.sh bench/*.sh .ci/run tests/deb/*.sh debian/knockwatch.p* clients/web/*.sh

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(wildcard $(BUILD)/obj/*-hooks.d)

# --- install / uninstall (operator issue) ---
# Layout (all under $(DESTDIR)):
#   $(sbindir)/knockwatch                      binary, 0755
#   $(actiondir)/*                             actions, 0755
#   $(sysconfdir)/knockwatch/knockwatch.yaml   sample config, 0600, only if
#       absent; action paths rewritten for $(actiondir), the sample's
#       published demo key replaced by a fresh one (knockwatch genkey) and
#       its published static sequence by a random one (both printed)
#   $(mandir)/man8/knockwatch.8, $(mandir)/man5/knockwatch.yaml.5   0644
#   $(systemdunitdir)/knockwatch.service       0644, @sbindir@ and
#       @sysconfdir@ filled in; /lib/systemd/system when PREFIX=/usr,
#       else $(PREFIX)/lib/systemd/system (systemd searches
#       /usr/local/lib/systemd/system too)
# uninstall removes all of these except the config.
sbindir        ?= $(PREFIX)/sbin
sysconfdir     ?= /etc
actiondir      ?= $(PREFIX)/lib/knockwatch/actions
mandir         ?= $(PREFIX)/share/man
systemdunitdir ?= $(if $(filter /usr /usr/,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
KW_ACTIONS     := $(notdir $(wildcard actions/*))
# The sample's published sequence and key: make install replaces both
# (a sequence of KW_SEQ_KNOCKS random tcp ports in 1024-19999, below the
# sample HMAC door's range, each used once).
KW_DEMO_SEQ    := \[7000/tcp, 8000/udp, 9000\]
KW_SEQ_KNOCKS  := 4
KW_DEMO_KEY    := 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KW_CONF        := $(DESTDIR)$(sysconfdir)/knockwatch/knockwatch.yaml

install: all
	install -D -m 0755 $(BUILD)/knockwatch $(DESTDIR)$(sbindir)/knockwatch
	for a in $(KW_ACTIONS); do \
		install -D -m 0755 actions/$$a $(DESTDIR)$(actiondir)/$$a || exit 1; \
	done
	install -D -m 0644 man/knockwatch.8 $(DESTDIR)$(mandir)/man8/knockwatch.8
	install -D -m 0644 man/knockwatch.yaml.5 \
		$(DESTDIR)$(mandir)/man5/knockwatch.yaml.5
	sed -e 's#@sbindir@#$(sbindir)#g' -e 's#@sysconfdir@#$(sysconfdir)#g' \
		systemd/knockwatch.service >$(BUILD)/knockwatch.service
	install -D -m 0644 $(BUILD)/knockwatch.service \
		$(DESTDIR)$(systemdunitdir)/knockwatch.service
	@if [ -e $(KW_CONF) ]; then \
		echo "keeping the existing $(KW_CONF)"; \
	else \
		key=$$($(BUILD)/knockwatch genkey) && [ -n "$$key" ] || exit 1; \
		seq=$$(od -An -N64 -tu2 /dev/urandom | tr -s ' ' '\n' | \
			awk '/^[0-9]+$$/ { p = 1024 + $$1 % 18976; \
			if (!(p in u) && n < $(KW_SEQ_KNOCKS)) { u[p]; s = s (n++ ? " " : "") p } } \
			END { if (n == $(KW_SEQ_KNOCKS)) print s }') && [ -n "$$seq" ] || exit 1; \
		yseq=$$(echo "$$seq" | sed 's#\([0-9]*\)#\1/tcp#g; s# #, #g'); \
		(umask 077 && sed -e 's#/usr/local/lib/knockwatch/actions#$(actiondir)#g' \
			-e "s#$(KW_DEMO_KEY)#$$key#" \
			-e "s#$(KW_DEMO_SEQ)#[$$yseq]#" \
			-e "s|# THIS SEQUENCE IS PUBLISHED: .*|# Random ports, generated by make install.|" \
			-e "s|# A PUBLISHED DEMO KEY: .*|# A new key, generated by make install (knockwatch genkey).|" \
			knockwatch.yaml.sample \
			>$(BUILD)/knockwatch.yaml) || exit 1; \
		if grep -q -e '$(KW_DEMO_KEY)' -e '$(KW_DEMO_SEQ)' -e PUBLISHED $(BUILD)/knockwatch.yaml; then \
			echo "the sample's published key or sequence survived: not installed"; exit 1; fi; \
		echo "install -D -m 0600 $(BUILD)/knockwatch.yaml $(KW_CONF)"; \
		install -D -m 0600 $(BUILD)/knockwatch.yaml $(KW_CONF) || exit 1; \
		rm -f $(BUILD)/knockwatch.yaml; \
		echo "$(KW_CONF) is the sample, with:"; \
		echo "  actions from $(actiondir)"; \
		echo "  user alice: a new key (knockwatch genkey) for the sample's published one"; \
		echo "  door ssh: the sequence [$$yseq] (random) for the sample's published one"; \
		echo "  log these knock ports with your firewall's LOG rule: tcp $$(echo "$$seq" | tr ' ' ',')"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(sbindir)/knockwatch
	for a in $(KW_ACTIONS); do rm -f $(DESTDIR)$(actiondir)/$$a; done
	rmdir $(DESTDIR)$(actiondir) \
		$(DESTDIR)$(patsubst %/,%,$(dir $(actiondir))) 2>/dev/null || true
	rm -f $(DESTDIR)$(mandir)/man8/knockwatch.8 \
		$(DESTDIR)$(mandir)/man5/knockwatch.yaml.5 \
		$(DESTDIR)$(systemdunitdir)/knockwatch.service
	@echo "left in place: $(KW_CONF) (may hold keys; remove it by hand)"

# --- fuzzing, sanitizers, valgrind (reliability issue) ---

# libFuzzer targets: the modules are rebuilt with clang, ASan and UBSan under
# build/fuzz; `make fuzz` runs each target for FUZZ_SECONDS on a copy of its
# seed corpus (tests/fuzz/corpus/NAME, rebuilt by tests/fuzz/mkcorpus.sh)
# with the tokens of tests/fuzz/NAME.dict, and fails on any crash, leak or
# UB. Crashing inputs are left as build/fuzz/crash-NAME-*.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_TARGETS := parse config
FUZZ_OBJS    := $(LIBSRCS:knockwatch/%.c=$(FUZZ_BUILD)/obj/%.o)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/obj/%.o: knockwatch/%.c | $(FUZZ_BUILD)/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(KW_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/obj:
	mkdir -p $@

.PRECIOUS: $(FUZZ_BUILD)/obj/%.o
-include $(wildcard $(FUZZ_BUILD)/obj/*.d)

$(FUZZ_BUILD)/libknockwatch.a: $(FUZZ_OBJS)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_OBJS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libknockwatch.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(KW_CFLAGS) -Iknockwatch \
		-o $@ $< $(FUZZ_BUILD)/libknockwatch.a $(KW_LIBS)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		rm -rf $(FUZZ_BUILD)/corpus-$$t; \
		mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
		cp tests/fuzz/corpus/$$t/* $(FUZZ_BUILD)/corpus-$$t/; \
		echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
		if ! $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -print_final_stats=1 -dict=tests/fuzz/$$t.dict \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
			$(FUZZ_BUILD)/corpus-$$t >$(FUZZ_BUILD)/fuzz_$$t.log 2>&1; then \
			tail -n 60 $(FUZZ_BUILD)/fuzz_$$t.log; \
			echo "fuzz_$$t: FAILED (see $(FUZZ_BUILD)/fuzz_$$t.log)"; exit 1; \
		fi; \
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' \
			$(FUZZ_BUILD)/fuzz_$$t.log; \
	done; echo "fuzz: no crash"

# The integration scenarios with the daemon under valgrind (memcheck, full
# leak check): fails on any scenario failure, memory error, or definite or
# indirect leak. Logs in build/valgrind/.
.PHONY: valgrind
valgrind: all $(BUILD)/knockwatch-hooks
	@sh tests/fuzz/valgrind.sh $(BUILD)

# --- chaos soak (issue 17; run by .ci/run after `make check`) ---
# `make soak`: the daemon (plain build, real sandbox, as root) for
# SOAK_SECONDS (default 180) under scanner noise, genuine clients,
# rotations of all three kinds, reloads, worker and daemon kills and
# failing stop commands; checks its record against the ground truth and
# prints "N passed, N failed". See tests/soak/soak.sh.
.PHONY: soak
$(BUILD)/soakrun: tests/soak/soak.c
	$(CC) $(CFLAGS) $(KW_CFLAGS) -o $@ $<

soak: all $(BUILD)/soakrun
	@sh tests/soak/soak.sh $(BUILD)

# --- benchmarks (bench issue; not part of `make check`) ---
# `make bench` runs every comparison (throughput, latency, scale, idle) in
# one go, prints the table and writes bench/results.md. As root: it installs
# fail2ban if missing and builds a network-namespace rig (bench/latency.sh).
$(BUILD)/bench/linebench: bench/linebench.c $(KW_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KW_CFLAGS) -Iknockwatch -o $@ $< $(KW_LIB) $(KW_LIBS)

$(BUILD)/bench/filewatch: bench/filewatch.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KW_CFLAGS) -o $@ $<

# The latency floor (bench/latency.sh): a bare /dev/kmsg reader that forks
# and execs the same stamp command on the last knock.
$(BUILD)/bench/kmsgfloor: bench/kmsgfloor.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KW_CFLAGS) -o $@ $<

bench: all $(BUILD)/bench/linebench $(BUILD)/bench/filewatch \
		$(BUILD)/bench/kmsgfloor
	@sh bench/run.sh $(BUILD)

# knockwatch/2 first knocks alone (bench/hmac.sh): the burst on a bound and
# an unbound door, and one first knock from 1 to 10,000 users. No root.
.PHONY: bench-hmac
bench-hmac: all $(BUILD)/bench/linebench
	@sh bench/hmac.sh $(BUILD)

# --- Debian package (issue 16) ---
# `make deb` builds $(BUILD)/knockwatch_VERSION_ARCH.deb with debhelper from
# debian/: dpkg-buildpackage runs on a copy of the tree in $(BUILD)/deb
# (it writes its products to the parent directory), with a debian/changelog
# generated here from KW_VERSION in knockwatch/main.c, the version
# `knockwatch --version` prints: one source of truth.
# `make deb-test` (as root; changes the system: .ci/run calls it, make check
# does not) builds it, lints it, installs, runs, removes and purges it:
# tests/deb/deb_test.sh.
KW_VERSION := $(shell sed -n 's/^\#define KW_VERSION "\(.*\)"$$/\1/p' knockwatch/main.c)
DEB_DIR    := $(BUILD)/deb
DEB_SRC    := $(DEB_DIR)/knockwatch-$(KW_VERSION)
.PHONY: deb deb-test
deb:
	@sh tests/deps.sh debhelper dpkg-dev build-essential
	@[ -n "$(KW_VERSION)" ] || { echo "no KW_VERSION in knockwatch/main.c"; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEB_SRC)
	@d=$$(git log -1 --format=%cD 2>/dev/null || date -R) && \
	printf 'knockwatch (%s) unstable; urgency=medium\n\n  * Built from the knockwatch source tree; the version is KW_VERSION\n    in knockwatch/main.c.\n\n -- knockwatch developers <dev@knockwatch.invalid>  %s\n' \
		"$(KW_VERSION)" "$$d" >$(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage -b --no-sign
	cp $(DEB_DIR)/knockwatch_$(KW_VERSION)_$$(dpkg --print-architecture).deb $(BUILD)/
	@echo "built $(BUILD)/knockwatch_$(KW_VERSION)_$$(dpkg --print-architecture).deb"

deb-test: deb
	@sh tests/deps.sh lintian
	@sh tests/deb/deb_test.sh $(BUILD)/knockwatch_$(KW_VERSION)_$$(dpkg --print-architecture).deb
