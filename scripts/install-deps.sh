#!/usr/bin/env bash
# install-deps.sh - install, from Debian packages, whatever the build, the tests
# and the sandbox need. Idempotent and non-interactive: a second run on a
# complete machine runs no apt command at all.
#
# courier-imap and courier-pop conflict with dovecot-imapd/-pop3d in apt
# (FACTS.md G12), so they are downloaded and unpacked with dpkg -x into the
# project-owned directory .deps/courier-root, never installed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
courier_root="$top/.deps/courier-root"

packages=(build-essential pkg-config clang libclang-rt-14-dev libjansson-dev uuid-dev libssl-dev libcmocka-dev
          zlib1g-dev tzdata php8.2-cli php8.2-xml phpunit
          postfix dovecot-core dovecot-imapd dovecot-pop3d courier-base openssl gnutls-bin
          rsyslog valgrind python3-jsonschema iproute2 procps)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ] || [ ! -x "$courier_root/usr/lib/courier/courier/imaplogin" ]; then
  [ "$(id -u)" = 0 ] || { echo "install-deps: missing ${missing[*]:-courier-root}; run as root" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # keep maintainer scripts from starting daemons on public addresses
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt-get update -qq
  debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string localhost
SEL
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ ! -x "$courier_root/usr/lib/courier/courier/imaplogin" ]; then
    echo "install-deps: unpacking courier-imap and courier-pop into $courier_root"
    dl=$(mktemp -d); chmod 755 "$dl"; chown _apt "$dl" 2>/dev/null || true
    (cd "$dl" && apt-get download -q courier-imap courier-pop >/dev/null)
    rm -rf "$courier_root"; mkdir -p "$courier_root"
    for d in "$dl"/courier-imap_*.deb "$dl"/courier-pop_*.deb; do dpkg -x "$d" "$courier_root"; done
    rm -rf "$dl"
  fi
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
echo "install-deps: all dependencies present"
