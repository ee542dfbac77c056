# mk/memcheck.mk - the unit binaries and the helper under valgrind (tests/memcheck/run-valgrind).
#   make memcheck   plain build (no sanitizer: ASan and valgrind do not mix), then valgrind
.PHONY: memcheck

memcheck: all $(TEST_BIN)
	./tests/memcheck/run-valgrind
