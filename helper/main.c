/*
 * main.c - mail-tls-helper: one JSON request on stdin, one JSON reply on
 * stdout, exit 0 (ok), 1 (failed, undone), 2 (refused, nothing attempted),
 * 3 (rollback failed).
 *
 * Reads top to bottom: make the process safe, read the arguments, close the
 * input contract, load the host profile, run one action, reply.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "actions.h"
#include "cipherlist.h"
#include "err.h"
#include "fault.h"
#include "hygiene.h"
#include "profile.h"
#include "reply.h"
#include "request.h"
#include "vcache.h"

static const char usage[] =
	"usage: mail-tls-helper [--profile FILE] < request.json\n"
	"       mail-tls-helper --help | --version\n"
	"\n"
	"Reads one JSON request (at most 64 KiB) on stdin and writes one JSON reply on stdout.\n"
	"Actions of protocol v1: capabilities, status, set, compliance, rollback, history, probe\n"
	"and diagnose (current log files; rotated ones follow).\n"
	"\n"
	"  --profile FILE  host profile (root-owned, no group/other write on it or its parents);\n"
	"                  default: the built-in 'plesk' profile ('debian' is built in too:\n"
	"                  --profile debian)\n"
	"  --help          this text\n"
	"  --version       the helper's version\n"
	"\n"
	"Example: echo '{\"api\": 1, \"action\": \"status\"}' | mail-tls-helper\n"
	"Exit status: 0 ok, 1 failed (any change undone), 2 refused (nothing changed),\n"
	"3 rollback failed (the error says what to do by hand). See mail-tls-helper(8).\n";

struct options {
	const char *profile;   /* a built-in name or an absolute path */
	int help, version;
};

/* parse_args - the command line. Returns 0 or -1 with bad_request. */
static int parse_args(int argc, char **argv, struct options *opt, struct mt_err *err)
{
	opt->profile = "plesk";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			opt->help = 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			opt->version = 1;
		} else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
			opt->profile = argv[++i];
		} else {
			mt_err_set(err, "bad_request", "unknown argument \"%.64s\" (see --help)", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* load_profile - a built-in name, or a file given by absolute path. */
static int load_profile(const char *name, struct mt_profile *p, struct mt_err *err)
{
	if (name[0] == '/')
		return profile_load_file(p, name, err);
	return profile_load_builtin(p, name, err);
}

/* serve - read, check, dispatch. Fills reply; returns 0 or -1 with err. */
static int serve(const struct options *opt, struct mt_request *req, json_t *reply,
		 struct mt_err *err)
{
	static char buf[REQUEST_MAX + 1];
	struct mt_profile profile = { 0 };
	struct vcache vc;
	struct mt_ctx ctx = { &profile, &vc, req, reply };
	long len = request_read(STDIN_FILENO, buf, err);
	char section[96];
	int rc = -1;

	if (len < 0)
		return -1;
	rc = request_parse(buf, (size_t)len, req, err);
	json_object_set_new(reply, "action", req->action[0] ? json_string(req->action) : json_null());
	if (req->has_request_id)
		json_object_set_new(reply, "request_id", json_string(req->request_id));
	if (rc != 0 || load_profile(opt->profile, &profile, err) != 0)
		return -1;
	vcache_open(&vc, profile_str(&profile, NULL, "state_dir"));
	snprintf(section, sizeof(section), "cipherlists %s", OpenSSL_version(OPENSSL_VERSION_STRING));
	cipherlist_attach_cache(vcache_section(&vc, section), &vc.dirty);
	rc = actions_run(&ctx, err);
	cipherlist_attach_cache(NULL, NULL);
	vcache_close(&vc);
	profile_free(&profile);
	return rc;
}

int main(int argc, char **argv)
{
	struct mt_err err = { 0 };
	struct mt_request req = { 0 };
	struct options opt = { 0 };
	json_t *reply = NULL;
	int status = 0;

	fault_init();
	if (hygiene_init() != 0) {
		static const char msg[] = "{\"api\":1,\"action\":null,\"request_id\":null,\"ok\":false,"
			"\"error\":{\"code\":\"internal\",\"message\":\"cannot set up a safe process state\"}}\n";

		ssize_t n = write(STDOUT_FILENO, msg, sizeof(msg) - 1);

		(void)n;
		return 1;
	}
	reply = reply_new(NULL, NULL);
	if (parse_args(argc, argv, &opt, &err) == 0) {
		if (opt.help || opt.version) {
			fputs(opt.help ? usage : "mail-tls-helper " MT_VERSION "\n", stdout);
			json_decref(reply);
			return 0;
		}
		serve(&opt, &req, reply, &err);
	}
	if (err.code != NULL) {
		/* Partial results of a failed action are not part of the reply. */
		json_object_del(reply, "services");
		reply_fail(reply, &err);
		status = mt_err_exit_status(err.code);
	}
	if (reply_emit(reply) != 0 && status == 0)
		status = 1;
	json_decref(reply);
	request_free(&req);
	return status;
}
