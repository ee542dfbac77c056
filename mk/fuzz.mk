# mk/fuzz.mk - libFuzzer targets (fuzz/, docs/hardening.md). Never installed.
#   make fuzz            build fuzz/build/fuzz_<target> for every fuzz/fuzz_*.c
#   make fuzz-run        run each briefly (FUZZ_SECONDS, default 10) from its seed corpus
#   make fuzz-seeds      regenerate fuzz/build/seeds/<target>/ from the golden cases and fixtures
# The helper's sources are compiled again with clang, ASan, UBSan and the
# fuzzer's coverage into fuzz/build/ (the normal build is not touched).

FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -DMT_VERSION='"$(VERSION)"' -O1 -g $(WARN) $(FUZZ_SAN) \
                $(shell pkg-config --cflags $(PKGS)) -Ihelper -Ifuzz
FUZZ_LIBS    := $(shell pkg-config --libs $(PKGS))
FUZZ_DIR     := fuzz/build
FUZZ_HELPER_OBJ := $(patsubst helper/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC))
FUZZ_COMMON  := $(FUZZ_DIR)/obj/fuzz.o $(FUZZ_DIR)/obj/fzplan.o
FUZZ_SRC     := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 10

.PHONY: fuzz fuzz-run fuzz-seeds fuzz-clean
.SECONDARY: $(FUZZ_COMMON) $(patsubst fuzz/%.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRC))

fuzz: $(FUZZ_BIN)

$(FUZZ_DIR)/obj/%.o: helper/%.c helper/*.h
	@mkdir -p $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/obj/%.o: fuzz/%.c fuzz/*.h helper/*.h
	@mkdir -p $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libmailtls-fuzz.a: $(FUZZ_HELPER_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz_%.o $(FUZZ_COMMON) $(FUZZ_DIR)/libmailtls-fuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

fuzz-seeds:
	./fuzz/make-seeds $(FUZZ_DIR)/seeds

fuzz-run: fuzz fuzz-seeds
	@for t in $(FUZZ_BIN); do \
	  n=$$(basename $$t); mkdir -p $(FUZZ_DIR)/corpus/$$n $(FUZZ_DIR)/seeds/$$n fuzz/regress/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $(FUZZ_DIR)/corpus/$$n \
	      $(FUZZ_DIR)/seeds/$$n fuzz/regress/$$n >$(FUZZ_DIR)/$$n.log 2>&1; rc=$$?; \
	  grep -aE 'DONE|ERROR|SUMMARY' $(FUZZ_DIR)/$$n.log; [ $$rc = 0 ] || exit 1; \
	done

fuzz-clean:
	rm -rf $(FUZZ_DIR)

clean: fuzz-clean
