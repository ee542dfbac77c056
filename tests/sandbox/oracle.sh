# shellcheck shell=bash
# tests/sandbox/oracle.sh - the handshake oracle shared by the sandbox tests: which TLS versions
# an endpoint really accepts, judged by `openssl s_client -brief` (client at @SECLEVEL=0 for
# TLSv1/TLSv1.1, FACTS G13) from "CONNECTION ESTABLISHED" and its "Protocol version:" line,
# never from its exit status (FACTS G14). Sourced after lib.sh.

ORACLE_VERSIONS="TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"

sclient_flag() { case $1 in TLSv1) echo -tls1 ;; TLSv1.1) echo -tls1_1 ;; TLSv1.2) echo -tls1_2 ;; TLSv1.3) echo -tls1_3 ;; esac; }

# accepted NAME -> the versions a handshake completes with, space-separated ("" for none)
accepted() {
	local ep port st v out res=""
	ep=$(grep -o "$1:[0-9]*:[a-z0-9]*" <<<"$ENDPOINTS")
	IFS=: read -r _ port st <<<"$ep"
	for v in $ORACLE_VERSIONS; do
		local args=(-brief -connect "$HOST:$port" -servername mail.test "$(sclient_flag "$v")")
		[ "$st" != none ] && args+=(-starttls "$st")
		case $v in TLSv1|TLSv1.1) args+=(-cipher 'DEFAULT@SECLEVEL=0') ;; esac
		out=$(timeout 5 openssl s_client "${args[@]}" </dev/null 2>&1 | tr -d '\0')
		grep -q '^CONNECTION ESTABLISHED' <<<"$out" && grep -q "^Protocol version: $v\$" <<<"$out" && res+="$v "
	done
	echo "${res% }"
}

# expected_set FLOOR -> the versions a floor admits ("" for none)
expected_set() {
	local v res="" on=0
	for v in $ORACLE_VERSIONS; do [ "$v" = "$1" ] && on=1; [ $on = 1 ] && res+="$v "; done
	echo "${res% }"
}
