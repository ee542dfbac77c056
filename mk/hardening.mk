# mk/hardening.mk - test builds of the helper for hardening tests. Never installed.
#   helper/mail-tls-helper-alloc   the allocation-failure build (helper/fault.h):
#                                  MT_ALLOC_FAIL=N makes the helper's Nth allocation fail;
#                                  the crash points of the fault build are in it too.
#   make alloc-test                build it and run tests/alloc/run-suite

ALLOC_HELPER := helper/mail-tls-helper-alloc
ALLOC_WRAP   := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup

.PHONY: alloc-test hardening-clean

$(ALLOC_HELPER): helper/*.c helper/*.h
	$(CC) $(CFLAGS) -DMT_FAULT_INJECTION -DMT_ALLOC_FAULT $(LDFLAGS) $(ALLOC_WRAP) -o $@ \
	      $(filter %.c,$^) $(LDLIBS)

alloc-test: all $(ALLOC_HELPER)
	./tests/alloc/run-suite

hardening-clean:
	rm -f $(ALLOC_HELPER)

clean: hardening-clean
