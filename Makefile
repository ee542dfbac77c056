# mail-tls - build, test, demo, install.
#   make            build helper/mail-tls-helper
#   make test       install missing Debian packages, unit + golden + sandbox tests
#   make demo       the main job end to end on the loopback sandbox of real mail servers
#   make asan       the tests again under AddressSanitizer + UBSan (not the fuzz, allocation,
#                   load and Plesk suites: they build their own binaries or test no helper C)
#   make install PREFIX=/usr/local DESTDIR=

VERSION   := 0.4.0
CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
PKGS      := openssl jansson uuid zlib

WARN      := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wvla
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT       ?= -O2 -g
CFLAGS    += -std=c11 -D_DEFAULT_SOURCE -DMT_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(HARDEN) \
             $(shell pkg-config --cflags $(PKGS))
LDFLAGS   += -pie -Wl,-z,relro,-z,now
LDLIBS    += $(shell pkg-config --libs $(PKGS))

HELPER    := helper/mail-tls-helper
MAIN_SRC  := helper/main.c
LIB_SRC   := $(filter-out $(MAIN_SRC),$(wildcard helper/*.c))
LIB_OBJ   := $(LIB_SRC:.c=.o)
LIB       := helper/libmailtls.a

# The test build with crash points (fault.h): never installed.
FAULT_HELPER := helper/mail-tls-helper-fault

TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BIN  := $(TEST_SRC:.c=)

.PHONY: all deps test unit-test sandbox-test demo asan install clean bench

all: $(HELPER)

$(LIB): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(HELPER): $(MAIN_SRC:.c=.o) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(FAULT_HELPER): helper/*.c helper/*.h Makefile
	$(CC) $(CFLAGS) -DMT_FAULT_INJECTION $(LDFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)

# Objects depend on the Makefile too: VERSION and the flags live here.
helper/%.o: helper/%.c helper/*.h Makefile
	$(CC) $(CFLAGS) -c -o $@ $<

tests/unit/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h tests/unit/*.inc) $(LIB)
	$(CC) $(CFLAGS) -Ihelper $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

deps:
	./scripts/install-deps.sh

# The README's test command. Runs every suite and ends with one summary line.
test: deps
	$(MAKE) all $(FAULT_HELPER) $(TEST_BIN)
	./tests/run-tests

unit-test: all $(FAULT_HELPER) $(TEST_BIN)
	./tests/run-tests --unit

demo: deps all
	./tests/demo

asan: deps
	$(MAKE) clean
	$(MAKE) OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=address,undefined" HARDEN="-fPIE" all $(FAULT_HELPER) $(TEST_BIN)
	ASAN_OPTIONS=detect_leaks=1 MT_SKIP_SUITES="fuzz alloc load plesk" ./tests/run-tests; \
	  rc=$$?; $(MAKE) clean; exit $$rc

bench: all
	./bench/status
	./bench/probe
	./bench/diagnose

install: $(HELPER)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(HELPER) $(DESTDIR)$(PREFIX)/sbin/mail-tls-helper
	install -m 0644 docs/mail-tls-helper.8 $(DESTDIR)$(PREFIX)/share/man/man8/mail-tls-helper.8

clean:
	rm -f helper/*.o $(LIB) $(HELPER) $(FAULT_HELPER) $(TEST_BIN)

# Parts of the build that have their own file: mk/package.mk (the Plesk extension's zip),
# mk/fuzz.mk (libFuzzer targets), mk/hardening.mk (allocation-failure and hostile-input builds).
# Each may add prerequisites to clean (`clean: fuzz-clean`) and its own .PHONY targets.
-include mk/*.mk
