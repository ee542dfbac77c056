# shellcheck shell=bash disable=SC2086,SC2015,SC2034
# (port lists are split on purpose; a && b || die idioms; variables are used by the sourcing scripts)
# tests/sandbox/lib.sh - shared by start, stop, reset-config and check-handshakes.
#
# The sandbox runs real Postfix, Dovecot and Courier (plus an rsyslogd for Courier when no
# syslog exists) on 127.0.0.1 high ports, each with its own configuration and state under
# $SANDBOX_DIR. Nothing under /etc/postfix, /etc/dovecot or /etc/courier is touched (read-only
# use of /etc/postfix: Postfix's meta_directory, see the postfix notes in write_postfix_config).
#
# Layout ($SB = $SANDBOX_DIR, default /var/tmp/mail-tls-sandbox):
#   profile.json                 helper profile (DESIGN.md §3), root 0644
#   state/                       helper state_dir (0700)
#   tls/                         cert.pem key.pem (CN=mail.test), courier.pem (key+cert), dhparams.pem
#   log/                         postfix.log dovecot.log courier.log (+ *.out: daemons' stdout/stderr)
#   run/                         rsyslogd.pid, courier/*.pid
#   postfix/etc/{main,master}.cf postfix/spool (queue_directory) postfix/data (data_directory)
#   dovecot/dovecot.conf conf.d/*.conf users   dovecot/run (base_dir) dovecot/state (state_dir)
#   courier/{imapd,imapd-ssl,pop3d,pop3d-ssl}  courier/sbin/<launchers>  courier/imapaccess*
#   rsyslog.conf rsyslog/ (rsyslogd work directory)
#
# Sourced with `set -euo pipefail` already set by the caller.

umask 022
export LC_ALL=C
PATH=/usr/sbin:/usr/bin:/sbin:/bin

REPO=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
CROOT="$REPO/.deps/courier-root"          # courier-imap + courier-pop, unpacked with dpkg -x (FACTS G12)

SB=${SANDBOX_DIR:-/var/tmp/mail-tls-sandbox}
case $SB in /*) ;; *) echo "SANDBOX_DIR must be an absolute path: $SB" >&2; exit 2 ;; esac
SB=$(realpath -m "$SB")
# Paths are written unquoted into main.cf, shell-sourced courier files, sed expressions and JSON:
# keep them to a safe character set instead of escaping for four syntaxes.
if [[ ! $SB =~ ^/[A-Za-z0-9._/-]+$ ]] || [ "$SB" = / ]; then
	echo "SANDBOX_DIR may only contain A-Z a-z 0-9 . _ / - (got: $SB)" >&2; exit 2
fi
# Unix socket paths (sun_path) are limited to 107 bytes; Dovecot and Postfix put sockets 30-40
# bytes deep under their directories.
if [ ${#SB} -gt 60 ]; then echo "SANDBOX_DIR is too long (max 60 characters): $SB" >&2; exit 2; fi

# ---------------------------------------------------------------- ports (127.0.0.1 only)
HOST=127.0.0.1
PF_SMTP=10025 PF_SUBMISSION=10587 PF_SMTPS=10465
DV_IMAP=10143 DV_IMAPS=10993 DV_POP3=10110 DV_POP3S=10995
CO_IMAP=11143 CO_IMAPS=11993 CO_POP3=11110 CO_POP3S=11995
ALL_PORTS="$PF_SMTP $PF_SUBMISSION $PF_SMTPS $DV_IMAP $DV_IMAPS $DV_POP3 $DV_POP3S $CO_IMAP $CO_IMAPS $CO_POP3 $CO_POP3S"

# endpoint  port  starttls-mode-for-openssl (none = implicit TLS)
ENDPOINTS="postfix/smtp:$PF_SMTP:smtp postfix/submission:$PF_SUBMISSION:smtp postfix/smtps:$PF_SMTPS:none
dovecot/imap:$DV_IMAP:imap dovecot/imaps:$DV_IMAPS:none dovecot/pop3:$DV_POP3:pop3 dovecot/pop3s:$DV_POP3S:none
courier/imap:$CO_IMAP:imap courier/imaps:$CO_IMAPS:none courier/pop3:$CO_POP3:pop3 courier/pop3s:$CO_POP3S:none"

# ---------------------------------------------------------------- paths
TLS_DIR=$SB/tls LOG_DIR=$SB/log RUN_DIR=$SB/run STATE_DIR=$SB/state
CERT=$TLS_DIR/cert.pem KEY=$TLS_DIR/key.pem CO_CERT=$TLS_DIR/courier.pem DHPARAMS=$TLS_DIR/dhparams.pem
PF_ETC=$SB/postfix/etc PF_SPOOL=$SB/postfix/spool PF_DATA=$SB/postfix/data
PF_LOG=$LOG_DIR/postfix.log PF_PIDFILE=$PF_SPOOL/pid/master.pid
DV_DIR=$SB/dovecot DV_CONF=$SB/dovecot/dovecot.conf DV_BASE=$SB/dovecot/run DV_STATE=$SB/dovecot/state
DV_FLOOR=$SB/dovecot/conf.d/11-plesk-security-ssl.conf DV_LOG=$LOG_DIR/dovecot.log DV_PIDFILE=$DV_BASE/master.pid
CO_ETC=$SB/courier CO_SBIN=$SB/courier/sbin CO_RUN=$RUN_DIR/courier CO_LOG=$LOG_DIR/courier.log
CO_LAUNCHERS="imapd imapd-ssl pop3d pop3d-ssl"
RS_CONF=$SB/rsyslog.conf RS_WORK=$SB/rsyslog RS_PIDFILE=$RUN_DIR/rsyslogd.pid
PROFILE=$SB/profile.json
CONFIGURED_MARK=$SB/.configured      # config files written at least once (start keeps later edits)

POSTFIX=/usr/sbin/postfix POSTCONF=/usr/sbin/postconf
DOVECOT=/usr/sbin/dovecot DOVECONF=/usr/bin/doveconf DOVEADM=/usr/bin/doveadm
COURIERTLS=/usr/bin/couriertls GNUTLS_CLI=/usr/bin/gnutls-cli RSYSLOGD=/usr/sbin/rsyslogd
# Daemons are started with a small fixed environment, as the helper does (DESIGN.md §3).
DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C)

# Courier's floor for the sandbox (GnuTLS priority string; FACTS 4c: TLSv1.2 minimum).
CO_PRIORITY='NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2'

# ---------------------------------------------------------------- small helpers
# print_help SCRIPT: the script's leading comment block.
print_help() { awk 'NR > 1 && /^#/ { if ($0 !~ /shellcheck/) { sub(/^# ?/, ""); print }; next } NR > 1 { exit }' "$1"; }
say() { printf '%s\n' "$*"; }
warn() { printf 'sandbox: %s\n' "$*" >&2; }
die() { printf 'sandbox: error: %s\n' "$*" >&2; exit 1; }
ms() { date +%s%3N; }

listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# wait_ports up|down TIMEOUT_S PORT... : poll `ss -ltn` every 50 ms; prints the ports that are
# still in the wrong state and returns 1 on timeout.
wait_ports() {
	local want=$1 t=$2; shift 2
	local deadline=$(( $(ms) + t * 1000 )) p bad
	while :; do
		bad=""
		for p in "$@"; do
			if [ "$want" = up ]; then listening "$p" || bad+=" $p"; else ! listening "$p" || bad+=" $p"; fi
		done
		[ -z "$bad" ] && return 0
		if [ "$(ms)" -ge "$deadline" ]; then echo "${bad# }"; return 1; fi
		sleep 0.05
	done
}

# proc_alive PID -> 0 when the process exists and is not a zombie. PID 1 on this machine is not an
# init and reaps orphaned daemons only every ~1.5 s, so `kill -0` alone would see a stopped daemon
# as alive for that long (the "[stats] <defunct>" of FACTS §3 Dovecot is the same effect).
proc_alive() {
	local st
	[ -n "$1" ] && st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "${st%% *}" != Z ]
}
# pid_alive PIDFILE -> 0 when the file holds the pid of a live process.
pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(head -n1 "$1" 2>/dev/null | tr -dc 0-9)
	proc_alive "$pid"
}

require_root() { [ "$(id -u)" = 0 ] || die "must run as root (the daemons bind ports and switch users)"; }

# ---------------------------------------------------------------- directories and files
# The helper refuses a profile (and config files) if the file or any parent directory is writable by
# group/others, unless it is a root-owned sticky directory such as /var/tmp (DESIGN.md §3). So every
# ancestor of $SB is checked, and every directory we create is root:root 0755.
secure_ancestors() {
	local path="" comp st owner mode rest=${SB#/}
	IFS=/ read -r -a comps <<<"$rest"
	for comp in "" "${comps[@]}"; do
		[ -n "$comp" ] && path+="/$comp"
		local d=${path:-/}
		if [ ! -e "$d" ]; then
			mkdir -m 0755 "$d"; chown root:root "$d"
			continue
		fi
		[ -d "$d" ] && [ ! -L "$d" ] || die "$d is not a directory"
		st=$(stat -c '%u %a' "$d"); owner=${st% *}; mode=$((8#${st#* }))
		[ "$owner" = 0 ] || die "$d is not owned by root: the helper would refuse the profile"
		if (( mode & 8#022 )) && ! (( mode & 8#1000 )); then
			die "$d is writable by group/others and not sticky: the helper would refuse the profile"
		fi
		# The daemons' unprivileged users (postfix, dovecot/dovenull, courier) must reach their
		# files, e.g. couriertls (user courier) reads the certificate: /root (0700) would not do.
		(( mode & 8#001 )) || die "$d is not searchable by others (mode $(printf %o "$mode")): the postfix/courier users could not reach the sandbox"
	done
	chmod 0755 "$SB"
}

mkdirs() { # MODE DIR...
	local m=$1 d; shift
	for d in "$@"; do mkdir -p "$d"; chown root:root "$d"; chmod "$m" "$d"; done
}

# put_file PATH MODE [GROUP] < content : atomic replace, owner root, given mode.
put_file() {
	local path=$1 mode=$2 group=${3:-root} tmp
	tmp=$(mktemp "$path.XXXXXX")
	cat >"$tmp"
	chown "root:$group" "$tmp"; chmod "$mode" "$tmp"
	mv -f "$tmp" "$path"
}

# ---------------------------------------------------------------- certificate (once per sandbox)
make_cert() {
	mkdirs 0755 "$TLS_DIR"
	if [ ! -s "$CERT" ] || [ ! -s "$KEY" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=mail.test' \
			-addext 'subjectAltName=DNS:mail.test' -keyout "$KEY.new" -out "$CERT.new" 2>/dev/null \
			|| die "openssl req failed"
		chmod 0600 "$KEY.new"; chmod 0644 "$CERT.new"
		mv -f "$KEY.new" "$KEY"; mv -f "$CERT.new" "$CERT"
		rm -f "$CO_CERT" "$DHPARAMS"
	fi
	# Courier wants key and certificate in one file. FACTS G10: the STARTTLS path reads it as group
	# courier, so 0640 root:courier (0600 breaks STARTTLS silently).
	[ -s "$CO_CERT" ] || cat "$KEY" "$CERT" | put_file "$CO_CERT" 0640 courier
	# Debian's courier points TLS_DHPARAMS at /etc/courier/dhparams.pem; the sandbox has its own
	# (RFC 7919 ffdhe2048 from certtool: instant, no prime generation).
	[ -s "$DHPARAMS" ] || certtool --get-dh-params --sec-param=medium 2>/dev/null \
		| sed -n '/^-----BEGIN DH PARAMETERS-----$/,/^-----END DH PARAMETERS-----$/p' | put_file "$DHPARAMS" 0640 courier
	[ -s "$DHPARAMS" ] || die "certtool --get-dh-params failed"
}

# ---------------------------------------------------------------- Postfix configuration
# Postfix with a non-default config directory ("postfix -c $PF_ETC start"), as found here:
#   - As root, `postfix -c DIR start|stop|status|reload|check` and `postconf -c DIR` work without
#     listing DIR in alternate_config_directories of /etc/postfix/main.cf, and without
#     multi_instance_enable/postmulti (measured). Source (mail_conf_suck): the check applies only
#     when the directory comes from an untrusted environment (set-gid postdrop/postqueue run by a
#     non-root user) and euid != 0; the sandbox accepts no local submissions, so it never matters.
#   - `-c DIR` reaches every Postfix process as MAIL_CONFIG: the master and its children read
#     DIR/main.cf. The instance needs its own queue_directory and data_directory (pid file,
#     master.lock, sockets) or it collides with the default instance.
#   - postfix-script still reads the DEFAULT main.cf (multi_instance_directories, to decide whether
#     this is a secondary instance) and post-install reads meta_directory=/etc/postfix/postfix-files:
#     read-only; nothing under /etc/postfix was written (checked with md5sum and find -newer).
#   - postlogd only writes a maillog_file under maillog_file_prefixes (postconf(5); default /var,
#     /dev/stdout), so the sandbox log directory is added (SANDBOX_DIR may live outside /var).
#   - Debian's stock master.cf runs smtpd chrooted (chroot=y) into queue_directory; Debian's init
#     (configure-instance.sh) copies a few /etc files into the chroot; we do the same for ours.
#   - Any Postfix command stalls ~2 s when main.cf is less than ~1 s old (FACTS G2): see
#     write_all_config.
write_postfix_config() {
	mkdirs 0755 "$SB/postfix" "$PF_ETC" "$PF_SPOOL"
	local master_src
	for master_src in /usr/share/postfix/master.cf.dist /etc/postfix/master.cf.proto ""; do
		[ -z "$master_src" ] && die "no stock master.cf (/usr/share/postfix/master.cf.dist) found"
		[ -s "$master_src" ] && break
	done
	put_file "$PF_ETC/main.cf" 0644 <<EOF
# mail-tls sandbox: Postfix instance (written by tests/sandbox; restore with tests/sandbox/reset-config).
# This is not /etc/postfix: it runs as "postfix -c $PF_ETC start", on 127.0.0.1 high ports only.
# See /usr/share/postfix/main.cf.dist for a commented, more complete version.

compatibility_level = 3.6
myhostname = mail.test
mydomain = mail.test
myorigin = \$myhostname
smtpd_banner = \$myhostname ESMTP \$mail_name (mail-tls sandbox)
biff = no
append_dot_mydomain = no
readme_directory = no

# Own queue, data and log locations: never the default instance's.
queue_directory = $PF_SPOOL
data_directory = $PF_DATA
maillog_file = $PF_LOG
maillog_file_prefixes = /var, /dev/stdout, $LOG_DIR

inet_interfaces = 127.0.0.1
inet_protocols = ipv4

# The sandbox accepts and delivers nothing: no local domains, no relaying.
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
default_transport = error:mail-tls sandbox does not deliver mail
relay_transport = error:mail-tls sandbox does not deliver mail
# Trusted networks (this value continues on the next line, as long values do on real hosts).
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104
    [::1]/128
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unauth_destination

# TLS parameters (server side), in the shape Plesk writes them.
smtpd_tls_cert_file = $CERT
smtpd_tls_key_file = $KEY
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database = btree:\${data_directory}/smtpd_scache
smtpd_tls_ciphers = medium
smtpd_tls_mandatory_ciphers = medium
# Port 10025 (opportunistic STARTTLS) reads smtpd_tls_protocols; 10587 (encrypt) and
# 10465 (wrappermode) read smtpd_tls_mandatory_protocols (FACTS G1).
smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1
smtpd_tls_mandatory_protocols = >=TLSv1.2

# Outbound TLS (reported read-only as postfix/outbound).
smtp_tls_security_level = may
smtp_tls_loglevel = 1
EOF
	# Stock Debian master.cf with the "smtp inet" line replaced by the three sandbox listeners.
	awk -v h="$HOST" -v p25="$PF_SMTP" -v p587="$PF_SUBMISSION" -v p465="$PF_SMTPS" '
		/^smtp[ \t]+inet[ \t]/ && !done {
			print "# mail-tls sandbox listeners (stock: smtp inet ... smtpd):"
			printf "%s:%s inet  n       -       y       -       -       smtpd\n", h, p25
			printf "%s:%s inet  n       -       y       -       -       smtpd\n", h, p587
			print  "  -o syslog_name=postfix/submission"
			print  "  -o smtpd_tls_security_level=encrypt"
			printf "%s:%s inet  n       -       y       -       -       smtpd\n", h, p465
			print  "  -o syslog_name=postfix/submissions"
			print  "  -o smtpd_tls_wrappermode=yes"
			done = 1; next
		}
		{ print }
		END { if (!done) exit 1 }' "$master_src" | put_file "$PF_ETC/master.cf" 0644
}

# Files Debian's configure-instance.sh copies into the chroot (queue_directory) before starting.
prepare_postfix_chroot() {
	local f
	mkdirs 0755 "$PF_SPOOL/etc"
	for f in localtime services resolv.conf hosts host.conf nsswitch.conf; do
		[ -f "/etc/$f" ] && cp -L "/etc/$f" "$PF_SPOOL/etc/$f" && chmod a+r "$PF_SPOOL/etc/$f"
	done
	return 0
}

# ---------------------------------------------------------------- Dovecot configuration
# Laid out like Debian's /etc/dovecot (dovecot.conf + !include conf.d/*.conf + !include_try
# local.conf) with the floor in Plesk's file name, so that readers must follow the includes.
# Started as "dovecot -c $DV_CONF"; base_dir, state_dir and the log are the sandbox's own.
write_dovecot_config() {
	mkdirs 0755 "$DV_DIR" "$DV_DIR/conf.d"
	put_file "$DV_CONF" 0644 <<EOF
## mail-tls sandbox: Dovecot instance (written by tests/sandbox; restore with tests/sandbox/reset-config).
## Started as "dovecot -c $DV_CONF"; laid out like Debian's /etc/dovecot/dovecot.conf.

protocols = imap pop3
listen = $HOST
base_dir = $DV_BASE
state_dir = $DV_STATE
instance_name = mail-tls-sandbox

# Most of the actual configuration gets included below. The filenames are first sorted by their
# ASCII value and parsed in that order.
!include conf.d/*.conf

# A config file can also be tried to be included without giving an error if it's not found:
!include_try local.conf
EOF
	put_file "$DV_DIR/conf.d/10-auth.conf" 0644 <<EOF
## Authentication: the sandbox only does TLS handshakes, so every login fails (empty user file).
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = $DV_DIR/users
}
userdb {
  driver = passwd-file
  args = $DV_DIR/users
}
EOF
	put_file "$DV_DIR/users" 0644 </dev/null
	put_file "$DV_DIR/conf.d/10-logging.conf" 0644 <<EOF
## Log destination. %k adds the TLS version and cipher to login lines (FACTS G9).
log_path = $DV_LOG
login_log_format_elements = user=<%u> method=%m rip=%r lip=%l mpid=%e %c %k session=<%{session}>
EOF
	put_file "$DV_DIR/conf.d/10-master.conf" 0644 <<EOF
## Listeners: high ports on $HOST (see "listen" in dovecot.conf).
service imap-login {
  inet_listener imap {
    port = $DV_IMAP
  }
  inet_listener imaps {
    port = $DV_IMAPS
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $DV_POP3
  }
  inet_listener pop3s {
    port = $DV_POP3S
    ssl = yes
  }
}
EOF
	put_file "$DV_DIR/conf.d/10-ssl.conf" 0644 <<EOF
##
## SSL settings
##

# SSL/TLS support: yes, no, required. <doc/wiki/SSL.txt>
ssl = yes

# PEM encoded X.509 SSL/TLS certificate and private key. They're opened before
# dropping root privileges, so keep the key file unreadable by anyone but root.
ssl_cert = <$CERT
ssl_key = <$KEY

ssl_client_ca_dir = /etc/ssl/certs
ssl_dh = <$DHPARAMS

# Minimum SSL protocol version to use. Potentially recognized values are SSLv3,
# TLSv1, TLSv1.1, and TLSv1.2, depending on the OpenSSL version used.
#ssl_min_protocol = TLSv1
EOF
	put_file "$DV_FLOOR" 0644 <<EOF
# TLS settings managed by the mail-tls sandbox (Plesk keeps its own in this file name).
ssl_min_protocol = TLSv1.2
ssl_prefer_server_ciphers = yes
EOF
	rm -f "$DV_DIR/local.conf"
}

# ---------------------------------------------------------------- Courier configuration
# Courier-IMAP/POP (GnuTLS build) from $CROOT: own copies of the four files Debian keeps in
# /etc/courier, and the package's launchers with their paths rewritten (they hard-code
# /etc/courier and /usr/lib/courier/courier). Only TLS_PRIORITY counts for this build (FACTS G5):
# Debian's TLS_STARTTLS_PROTOCOL="$TLS_PROTOCOL" lines stay as shipped, as ignored settings.
write_courier_config() {
	local f
	[ -x "$CROOT/usr/lib/courier/courier/imaplogin" ] && [ -f "$CROOT/etc/courier/imapd-ssl" ] \
		|| die "courier-imap/courier-pop not unpacked under $CROOT (run scripts/install-deps.sh)"
	mkdirs 0755 "$CO_ETC" "$CO_SBIN" "$CO_ETC/imapaccess" "$CO_ETC/cache"
	for f in imapd imapd-ssl pop3d pop3d-ssl; do
		sed -e "1i # mail-tls sandbox: copy of Debian's /etc/courier/$f (written by tests/sandbox)." \
			-e "s/^ADDRESS=0\$/ADDRESS=$HOST/" -e "s/^SSLADDRESS=0\$/SSLADDRESS=$HOST/" \
			-e "s#^PIDFILE=/run/courier/#PIDFILE=$CO_RUN/#" \
			-e "s#^SSLPIDFILE=/run/courier/#SSLPIDFILE=$CO_RUN/#" \
			-e "s#^IMAPACCESSFILE=.*#IMAPACCESSFILE=$CO_ETC/imapaccess#" \
			-e "s#^TLS_CERTFILE=.*#TLS_CERTFILE=$CO_CERT#" \
			-e "s#^TLS_DHPARAMS=.*#TLS_DHPARAMS=$DHPARAMS#" \
			-e "s#^TLS_CACHEFILE=.*#TLS_CACHEFILE=$CO_ETC/cache/$f.cache#" \
			"$CROOT/etc/courier/$f" | put_file "$CO_ETC/$f" 0644
	done
	sed -i -e "s/^PORT=143\$/PORT=$CO_IMAP/" "$CO_ETC/imapd"
	sed -i -e "s/^SSLPORT=993\$/SSLPORT=$CO_IMAPS/" "$CO_ETC/imapd-ssl"
	# Debian's pop3d allows 4 connections per client address (MAXPERIP=4): the tests connect
	# from 127.0.0.1 back to back, faster than couriertls processes exit. imapd allows 20.
	sed -i -e "s/^PORT=110\$/PORT=$CO_POP3/" -e "s/^MAXPERIP=4\$/MAXPERIP=20/" "$CO_ETC/pop3d"
	sed -i -e "s/^SSLPORT=995\$/SSLPORT=$CO_POP3S/" "$CO_ETC/pop3d-ssl"
	# The floor: an explicit TLS_PRIORITY just before Debian's "##NAME: TLS_PROTOCOL:0" section.
	for f in imapd-ssl pop3d-ssl; do
		awk -v prio="$CO_PRIORITY" '
			/^##NAME: TLS_PROTOCOL:0/ && !done {
				print "# mail-tls sandbox floor: TLSv1.2 (GnuTLS priority string)"
				print "TLS_PRIORITY=\"" prio "\""; print ""; done = 1 }
			{ print }
			END { if (!done) exit 1 }' "$CO_ETC/$f" | put_file "$CO_ETC/$f.new" 0644
		mv -f "$CO_ETC/$f.new" "$CO_ETC/$f"
	done
	local want
	for want in "$CO_ETC/imapd:PORT=$CO_IMAP" "$CO_ETC/imapd-ssl:SSLPORT=$CO_IMAPS" "$CO_ETC/pop3d:PORT=$CO_POP3" \
		"$CO_ETC/pop3d-ssl:SSLPORT=$CO_POP3S" "$CO_ETC/imapd:ADDRESS=$HOST" "$CO_ETC/pop3d-ssl:TLS_CERTFILE=$CO_CERT"; do
		grep -qx "${want#*:}" "${want%%:*}" || die "courier config rewrite failed: ${want#*:} missing in ${want%%:*}"
	done
	# imapaccess.dat: the packaged makeimapaccess hard-codes /etc/courier, so call makedat directly.
	/usr/lib/courier/makedat -src="$CO_ETC/imapaccess" -file="$CO_ETC/imapaccess.dat" \
		-tmp="$CO_ETC/imapaccess.tmp" -cidr || die "makedat failed"
	# Launchers: the package's scripts with /etc/courier, the login/daemon binaries and imapd
	# pointed at the sandbox copies and $CROOT (as the lab script does).
	for f in $CO_LAUNCHERS; do
		sed -e "s#/etc/courier/#$CO_ETC/#g" -e "s#^sysconfdir=.*#sysconfdir=$CO_ETC#" \
			-e "s#\${prefix}/lib/courier/courier/#$CROOT/usr/lib/courier/courier/#g" \
			-e "s#\$libexecdir/courier/#$CROOT/usr/lib/courier/courier/#g" \
			-e "s#/usr/bin/imapd #$CROOT/usr/bin/imapd #g" \
			-e "s#^[[:space:]]*\$sbindir/makeimapaccess#\t: #" \
			-e "2i # mail-tls sandbox: Debian's /usr/lib/courier/$f with paths rewritten (tests/sandbox)." \
			"$CROOT/usr/lib/courier/$f" | put_file "$CO_SBIN/$f" 0755
		! sed "s#$CROOT/usr/#@CROOT@/#g" "$CO_SBIN/$f" | grep -q '/etc/courier/\|/usr/lib/courier/courier/' \
			|| die "launcher rewrite left a system path in $CO_SBIN/$f"
	done
}
courier_port() { # launcher -> its port
	case $1 in imapd) echo "$CO_IMAP" ;; imapd-ssl) echo "$CO_IMAPS" ;; pop3d) echo "$CO_POP3" ;; pop3d-ssl) echo "$CO_POP3S" ;; esac
}
courier_pidfile() { # launcher -> its PID file
	case $1 in imapd) echo "$CO_RUN/imapd.pid" ;; imapd-ssl) echo "$CO_RUN/imapd-ssl.pid" ;;
		pop3d) echo "$CO_RUN/pop3d.pid" ;; pop3d-ssl) echo "$CO_RUN/pop3d-ssl.pid" ;; esac
}

# ---------------------------------------------------------------- rsyslog (for Courier only)
write_rsyslog_config() {
	mkdirs 0700 "$RS_WORK"
	put_file "$RS_CONF" 0644 <<EOF
# mail-tls sandbox rsyslogd: started by tests/sandbox/start only when no /dev/log existed.
# Courier logs only through syslog (courierlogger); Postfix and Dovecot write their own files.
global(workDirectory="$RS_WORK")
module(load="imuxsock")      # the /dev/log socket
mail.*                  action(type="omfile" file="$CO_LOG")
*.*;mail.none           action(type="omfile" file="$LOG_DIR/syslog-other.log")
EOF
}

# ---------------------------------------------------------------- helper profile (DESIGN.md §3)
write_profile() {
	local ep name port sni=mail.test endpoints="" sep="" st
	for ep in $ENDPOINTS; do
		IFS=: read -r name port st <<<"$ep"
		endpoints+="$sep"$'\n'"    \"$name\": {\"host\": \"$HOST\", \"port\": $port, \"sni\": \"$sni\"}"
		sep=,
	done
	put_file "$PROFILE" 0644 <<EOF
{
  "name": "sandbox",
  "state_dir": "$STATE_DIR",
  "logs": ["$PF_LOG", "$DV_LOG", "$CO_LOG"],
  "postfix": {
    "config_dir": "$PF_ETC",
    "check": ["$POSTFIX", "-c", "$PF_ETC", "check"],
    "reload": ["$POSTFIX", "-c", "$PF_ETC", "reload"],
    "start": [["$POSTFIX", "-c", "$PF_ETC", "start"]],
    "stop": [["$POSTFIX", "-c", "$PF_ETC", "stop"]],
    "pidfiles": ["$PF_PIDFILE"],
    "postconf": "$POSTCONF",
    "postfix": "$POSTFIX"
  },
  "dovecot": {
    "config": "$DV_CONF",
    "floor_file": "$DV_FLOOR",
    "check": ["$DOVECONF", "-c", "$DV_CONF", "-x"],
    "reload": ["$DOVEADM", "-c", "$DV_CONF", "reload"],
    "start": [["$DOVECOT", "-c", "$DV_CONF"]],
    "stop": [["$DOVEADM", "-c", "$DV_CONF", "stop"]],
    "pidfiles": ["$DV_PIDFILE"],
    "dovecot": "$DOVECOT",
    "doveconf": "$DOVECONF",
    "doveadm": "$DOVEADM"
  },
  "courier": {
    "imapd_ssl": "$CO_ETC/imapd-ssl",
    "pop3d_ssl": "$CO_ETC/pop3d-ssl",
    "imapd": "$CO_ETC/imapd",
    "pop3d": "$CO_ETC/pop3d",
    "stop": [["$CO_SBIN/imapd-ssl", "stop"], ["$CO_SBIN/pop3d-ssl", "stop"], ["$CO_SBIN/imapd", "stop"], ["$CO_SBIN/pop3d", "stop"]],
    "start": [["$CO_SBIN/imapd-ssl", "start"], ["$CO_SBIN/pop3d-ssl", "start"], ["$CO_SBIN/imapd", "start"], ["$CO_SBIN/pop3d", "start"]],
    "pidfiles": ["$(courier_pidfile imapd-ssl)", "$(courier_pidfile pop3d-ssl)", "$(courier_pidfile imapd)", "$(courier_pidfile pop3d)"],
    "couriertls": "$COURIERTLS",
    "imapd_bin": "$CROOT/usr/bin/imapd",
    "gnutls_cli": "$GNUTLS_CLI"
  },
  "endpoints": {$endpoints
  }
}
EOF
	if command -v jq >/dev/null; then jq -e . "$PROFILE" >/dev/null || die "generated $PROFILE is not valid JSON"; fi
}

# ---------------------------------------------------------------- all config files
write_all_config() {
	secure_ancestors
	mkdirs 0755 "$LOG_DIR" "$RUN_DIR" "$CO_RUN"
	mkdirs 0700 "$STATE_DIR"
	make_cert
	write_postfix_config
	write_dovecot_config
	write_courier_config
	write_rsyslog_config
	write_profile
	# Postfix re-reads main.cf until its mtime is at least 1 s old ("pausing to let ... cool down",
	# dict_load_file_xt): every Postfix command right after a write stalls ~2 s (FACTS G2).
	# Back-date the freshly written files so the first start is not slowed down.
	touch -d "@$(( $(date +%s) - 5 ))" "$PF_ETC/main.cf" "$PF_ETC/master.cf"
	: > "$CONFIGURED_MARK"
}

# ---------------------------------------------------------------- running state
rsyslog_ours_alive() { # our rsyslogd: the recorded PID, alive, and started with our config file
	pid_alive "$RS_PIDFILE" || return 1
	local pid; pid=$(head -n1 "$RS_PIDFILE" | tr -dc 0-9)
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$RS_CONF"
}
# A /dev/log socket that some process has bound (a stale socket file does not count).
syslog_socket_live() {
	[ -S /dev/log ] && ss -Hxa 2>/dev/null | awk '{print $5}' | grep -qx /dev/log
}
# sandbox_running: a daemon of THIS sandbox runs (by its PID file; ports alone say nothing: another
# SANDBOX_DIR uses the same ports).
sandbox_running() {
	local f
	for f in "$PF_PIDFILE" "$DV_PIDFILE" "$(courier_pidfile imapd)" "$(courier_pidfile imapd-ssl)" \
		"$(courier_pidfile pop3d)" "$(courier_pidfile pop3d-ssl)"; do
		pid_alive "$f" && return 0
	done
	rsyslog_ours_alive
}
# busy_ports: the sandbox ports something is listening on (empty when all are free).
busy_ports() {
	local p out=""
	for p in $ALL_PORTS; do listening "$p" && out+=" $p"; done
	echo "${out# }"
}
show_port_owners() { # ports... -> the `ss -ltnp` lines for them, on stderr
	[ $# -gt 0 ] && ss -ltnp | grep -E ":($(echo "$*" | tr ' ' '|'))\b" >&2 || true
}

# stop_all [quiet]: stop whatever the sandbox runs, with each daemon's own stop command or, for
# rsyslogd, the PID it recorded. Never by process name. Returns 1 if ports stay open.
stop_all() {
	local quiet=${1:-} t0 jobs=() cjobs=() f pid rc=0 left
	t0=$(ms)
	# Postfix: "postfix stop" signals the master and returns at once; it exits 1 when nothing runs
	# and logs that to the maillog (FACTS G8), as "postfix status" would: decide by the master's
	# PID file instead, and wait for the ports below.
	if [ -f "$PF_ETC/main.cf" ] && pid_alive "$PF_PIDFILE"; then
		[ -n "$quiet" ] || say "postfix   stopping (postfix -c $PF_ETC stop)"
		"${DAEMON_ENV[@]}" "$POSTFIX" -c "$PF_ETC" stop </dev/null >>"$LOG_DIR/postfix.out" 2>&1 &
		jobs+=($!)
	fi
	# Dovecot: "doveadm stop" returns when the master is gone; that takes ~2.2 s here because the
	# exited master stays a zombie until PID 1 reaps it (FACTS §3). Run it in the background.
	if [ -f "$DV_CONF" ] && pid_alive "$DV_PIDFILE"; then
		[ -n "$quiet" ] || say "dovecot   stopping (doveadm -c $DV_CONF stop)"
		"${DAEMON_ENV[@]}" "$DOVEADM" -c "$DV_CONF" stop </dev/null >>"$LOG_DIR/dovecot.out" 2>&1 &
		jobs+=($!)
	fi
	# Courier: each launcher's "stop" (courierlogger -pid=FILE -stop), ~5 ms each.
	for f in $CO_LAUNCHERS; do
		if [ -x "$CO_SBIN/$f" ] && pid_alive "$(courier_pidfile "$f")"; then
			[ -n "$quiet" ] || say "courier   stopping ($CO_SBIN/$f stop)"
			"${DAEMON_ENV[@]}" "$CO_SBIN/$f" stop </dev/null >>"$LOG_DIR/courier.out" 2>&1 &
			cjobs+=($!)
		fi
	done
	for pid in "${cjobs[@]}"; do wait "$pid" || true; done
	# rsyslogd after Courier, so Courier's shutdown lines are still logged. Only the PID we
	# recorded, and only if that process was started with our config file.
	if rsyslog_ours_alive; then
		pid=$(head -n1 "$RS_PIDFILE" | tr -dc 0-9)
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do proc_alive "$pid" || break; sleep 0.05; done
		if proc_alive "$pid"; then warn "rsyslogd $pid did not exit after SIGTERM"; rc=1; fi
		# imuxsock unlinks /dev/log on exit; remove a leftover only if nobody is bound to it.
		[ -S /dev/log ] && ! syslog_socket_live && rm -f /dev/log
		rm -f "$RS_PIDFILE"
		[ -n "$quiet" ] || say "rsyslogd  stopped (pid $pid)"
	fi
	for pid in "${jobs[@]}"; do wait "$pid" || true; done
	if ! left=$(wait_ports down 15 $ALL_PORTS); then
		warn "ports still listening after stop: $left"
		show_port_owners $left
		rc=1
	fi
	STOP_MS=$(( $(ms) - t0 ))
	return $rc
}
