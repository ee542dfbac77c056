/*
 * profile_builtin.c - the built-in host profiles: plesk (the default) and
 * debian. They are ordinary profiles in the public JSON shape and go through
 * the same validation as a profile file.
 */
#include "profile_builtin.h"

#include <string.h>

#define PF_DIR "/etc/postfix"
#define DV_CONF "/etc/dovecot/dovecot.conf"

#define POSTFIX_SECTION                                                              \
	"\"postfix\": {\"config_dir\": \"" PF_DIR "\","                              \
	" \"check\": [\"/usr/sbin/postfix\", \"-c\", \"" PF_DIR "\", \"check\"],"    \
	" \"reload\": [\"/usr/sbin/postfix\", \"-c\", \"" PF_DIR "\", \"reload\"],"  \
	" \"start\": [\"/usr/sbin/postfix\", \"-c\", \"" PF_DIR "\", \"start\"],"    \
	" \"stop\": [\"/usr/sbin/postfix\", \"-c\", \"" PF_DIR "\", \"stop\"],"      \
	" \"pidfiles\": [\"/var/spool/postfix/pid/master.pid\"]}"

#define DOVECOT_SECTION(floor_file)                                                  \
	"\"dovecot\": {\"config\": \"" DV_CONF "\", \"floor_file\": \"" floor_file "\"," \
	" \"check\": [\"/usr/bin/doveconf\", \"-c\", \"" DV_CONF "\", \"-x\"],"          \
	" \"reload\": [\"/usr/bin/doveadm\", \"-c\", \"" DV_CONF "\", \"reload\"],"      \
	" \"start\": [\"/usr/sbin/dovecot\", \"-c\", \"" DV_CONF "\"],"                  \
	" \"stop\": [\"/usr/bin/doveadm\", \"-c\", \"" DV_CONF "\", \"stop\"],"          \
	" \"pidfiles\": [\"/run/dovecot/master.pid\"]}"

#define ENDPOINT(name, port) "\"" name "\": {\"host\": \"127.0.0.1\", \"port\": " #port "}"

#define ENDPOINTS                                                                    \
	"\"endpoints\": {" ENDPOINT("postfix/smtp", 25) ", "                         \
	ENDPOINT("postfix/submission", 587) ", " ENDPOINT("postfix/smtps", 465) ", " \
	ENDPOINT("dovecot/imap", 143) ", " ENDPOINT("dovecot/imaps", 993) ", "       \
	ENDPOINT("dovecot/pop3", 110) ", " ENDPOINT("dovecot/pop3s", 995) ", "       \
	ENDPOINT("courier/imap", 143) ", " ENDPOINT("courier/imaps", 993) ", "       \
	ENDPOINT("courier/pop3", 110) ", " ENDPOINT("courier/pop3s", 995) "}"

static const char plesk_profile[] =
	"{\"name\": \"plesk\", \"state_dir\": \"/var/lib/mail-tls\","
	" \"logs\": [\"/var/log/maillog\"],"
	" \"qmail_binary\": \"/var/qmail/bin/qmail-smtpd\", "
	POSTFIX_SECTION ", "
	DOVECOT_SECTION("/etc/dovecot/conf.d/11-plesk-security-ssl.conf") ", "
	"\"courier\": {\"imapd_ssl\": \"/etc/courier-imap/imapd-ssl\","
	" \"pop3d_ssl\": \"/etc/courier-imap/pop3d-ssl\","
	" \"imapd\": \"/etc/courier-imap/imapd\", \"pop3d\": \"/etc/courier-imap/pop3d\","
	" \"restart\": [[\"/usr/sbin/service\", \"courier-imaps\", \"restart\"],"
	" [\"/usr/sbin/service\", \"courier-pop3s\", \"restart\"],"
	" [\"/usr/sbin/service\", \"courier-imapd\", \"restart\"],"
	" [\"/usr/sbin/service\", \"courier-pop3d\", \"restart\"]]}, "
	ENDPOINTS "}";

static const char debian_profile[] =
	"{\"name\": \"debian\", \"state_dir\": \"/var/lib/mail-tls\","
	" \"logs\": [\"/var/log/mail.log\"], "
	POSTFIX_SECTION ", "
	DOVECOT_SECTION("/etc/dovecot/conf.d/10-ssl.conf") ", "
	"\"courier\": {\"imapd_ssl\": \"/etc/courier/imapd-ssl\","
	" \"pop3d_ssl\": \"/etc/courier/pop3d-ssl\","
	" \"imapd\": \"/etc/courier/imapd\", \"pop3d\": \"/etc/courier/pop3d\","
	" \"stop\": [[\"/usr/sbin/imapd\", \"stop\"], [\"/usr/sbin/imapd-ssl\", \"stop\"],"
	" [\"/usr/sbin/pop3d\", \"stop\"], [\"/usr/sbin/pop3d-ssl\", \"stop\"]],"
	" \"start\": [[\"/usr/sbin/imapd\", \"start\"], [\"/usr/sbin/imapd-ssl\", \"start\"],"
	" [\"/usr/sbin/pop3d\", \"start\"], [\"/usr/sbin/pop3d-ssl\", \"start\"]],"
	" \"pidfiles\": [\"/run/courier/imapd.pid\", \"/run/courier/imapd-ssl.pid\","
	" \"/run/courier/pop3d.pid\", \"/run/courier/pop3d-ssl.pid\"]}, "
	ENDPOINTS "}";

const char *profile_builtin_text(const char *name)
{
	if (strcmp(name, "plesk") == 0)
		return plesk_profile;
	if (strcmp(name, "debian") == 0)
		return debian_profile;
	return NULL;
}
