# mk/package.mk - the Plesk extension's installable zip (DESIGN.md §4, docs/plesk.md).
#   make package   dist/mail-tls-$(VERSION).zip: meta.xml, htdocs/ (htdocs-stub/), plib/ (plesk-ext/),
#                  sbin/mail-tls-helper (release build), _meta/, DESCRIPTION.md, CHANGES.md
# The release helper links Jansson and libuuid statically; the build refuses a helper that needs any
# shared library but libc, libssl.so.3, libcrypto.so.3 and libz.so.1. The package records the OS family
# it was built for (PKG_OS), because its helper links that system's OpenSSL 3 and libc.

PKG_OS      ?= $(shell . /etc/os-release && echo "$$ID-$$VERSION_ID")-$(shell uname -m)
PKG_BUILD   := dist/build
PKG_HELPER  := $(PKG_BUILD)/mail-tls-helper
PKG_ZIP     := dist/mail-tls-$(VERSION).zip
PKG_STATIC  := $(shell pkg-config --variable=libdir jansson)/libjansson.a \
               $(shell pkg-config --variable=libdir uuid)/libuuid.a
PKG_SHARED  := libc.so.6 libssl.so.3 libcrypto.so.3 libz.so.1
PKG_SOURCES := meta.xml DESCRIPTION.md CHANGES.md $(shell find htdocs-stub plesk-ext _meta -type f 2>/dev/null)

.PHONY: package package-clean

package: $(PKG_ZIP)

# Built from the sources with its own flags, never from helper/*.o: those may be a sanitizer build
# (make asan runs the tests, and so this target, with -fsanitize flags in MAKEFLAGS).
PKG_CFLAGS   = $(filter-out -fsanitize=% -fno-sanitize%,$(CFLAGS))
PKG_LDFLAGS  = $(filter-out -fsanitize=%,$(LDFLAGS))

$(PKG_HELPER): helper/*.c helper/*.h Makefile
	@mkdir -p $(PKG_BUILD)
	$(CC) $(PKG_CFLAGS) $(PKG_LDFLAGS) -o $@ $(filter %.c,$^) $(PKG_STATIC) \
	      $(filter-out -ljansson -luuid,$(LDLIBS))
	@needed=$$(readelf -d $@ | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); \
	for lib in $$needed; do \
	  case " $(PKG_SHARED) " in *" $$lib "*) ;; \
	    *) echo "package: $@ needs $$lib (allowed: $(PKG_SHARED))" >&2; rm -f $@; exit 1 ;; esac; \
	done; echo "package: $@ shared libraries:" $$needed

$(PKG_ZIP): $(PKG_HELPER) $(PKG_SOURCES) scripts/plesk-package
	./scripts/plesk-package --version $(VERSION) --os $(PKG_OS) --helper $(PKG_HELPER) --out $@

package-clean:
	rm -rf dist

clean: package-clean
