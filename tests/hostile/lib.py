"""tests/hostile/lib.py - shared by the hostile-input suites: TAP output,
throwaway profiles on private copies of golden configurations, the helper
run with a bound, and snapshots that prove no file changed.

Every tree lives under ROOT (/var/tmp/mail-tls-hostile-test, root 0755, in
root-owned directories, as the helper demands of a profile's parents).
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELPER = os.environ.get("MT_HELPER", os.path.join(TOP, "helper", "mail-tls-helper"))
GOLDEN = os.path.join(TOP, "tests", "golden", "status")
ROOT = "/var/tmp/mail-tls-hostile-test"
NOBODY = 65534

# The golden case each service's hostile files start from, and the file a
# `set` of that service writes (relative to the case's etc/).
CASES = {
    "dovecot": ("dovecot-plesk", "dovecot/conf.d/11-plesk-security-ssl.conf"),
    "postfix": ("postfix-plesk", "postfix/main.cf"),
    "courier": ("courier-openssl-plesk", "courier-imap/imapd-ssl"),
}

_n = 0
_failed = 0


def ok(cond, what, detail=""):
    """One TAP line; detail is shown as a comment when cond is false."""
    global _n, _failed
    _n += 1
    if cond:
        print(f"ok {_n} - {what}", flush=True)
    else:
        _failed += 1
        print(f"not ok {_n} - {what}", flush=True)
        if detail != "":
            print("# " + str(detail)[:2000].replace("\n", "\n# "), flush=True)
    return cond


def skip(what, why):
    global _n
    _n += 1
    print(f"ok {_n} - {what} # SKIP {why}", flush=True)


def summary():
    print(f"1..{_n}")
    return 1 if _failed else 0


def profile_for(service, base, etc, **overrides):
    """The profile dict of one service on a copy of its golden case."""
    sd = os.path.join(base, "state")
    if service == "dovecot":
        sec = {"config": os.path.join(etc, "dovecot", "dovecot.conf"),
               "floor_file": os.path.join(etc, CASES["dovecot"][1])}
    elif service == "postfix":
        sec = {"config_dir": os.path.join(etc, "postfix")}
    else:
        d = os.path.join(etc, "courier-imap")
        sec = {"imapd": os.path.join(d, "imapd"), "imapd_ssl": os.path.join(d, "imapd-ssl"),
               "pop3d": os.path.join(d, "pop3d"), "pop3d_ssl": os.path.join(d, "pop3d-ssl")}
    sec["check"] = ["/bin/true"]
    sec["reload" if service != "courier" else "restart"] = ["/bin/true"]
    prof = {"name": "hostile-test", "state_dir": sd, service: sec}
    for k, v in overrides.items():
        if k in ("check", "reload", "restart", "start", "stop", "pidfiles"):
            sec[k] = v
        else:
            prof[k] = v
    return prof


def setup(name, service="dovecot", **overrides):
    """A fresh tree ROOT/name: etc/ copied from the service's golden case
    (root, dirs 0755, files 0644) and profile.json. Returns (base, profile
    path, the path of the file a `set` writes)."""
    base = os.path.join(ROOT, name)
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base, mode=0o755)
    os.chmod(base, 0o755)
    case, target = CASES[service]
    etc = os.path.join(base, "etc")
    shutil.copytree(os.path.join(GOLDEN, case, "etc"), etc)
    for d, _, files in os.walk(base):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    path = os.path.join(base, "profile.json")
    write_json(path, profile_for(service, base, etc, **overrides))
    return base, path, os.path.join(etc, target)


def write_json(path, obj, mode=0o644):
    with open(path, "w") as f:
        json.dump(obj, f)
    os.chmod(path, mode)


def run(profile, request, helper=None, env=None, timeout=60, raw=None, preexec=None, pass_fds=()):
    """Run the helper once: (exit status, reply or None, stderr bytes). The
    reply is None unless stdout is one JSON text in strict UTF-8. A helper
    that does not answer within timeout is (-9, None, b"timeout")."""
    data = raw if raw is not None else json.dumps(request).encode()
    argv = [helper or HELPER] + (["--profile", profile] if profile else [])
    try:
        p = subprocess.run(argv, input=data, capture_output=True, env=env, timeout=timeout,
                           preexec_fn=preexec, pass_fds=pass_fds)
    except subprocess.TimeoutExpired:
        return -9, None, b"timeout"
    try:  # a reply is UTF-8 JSON: bytes that are not UTF-8 make it None
        reply = json.loads(p.stdout.decode("utf-8", "strict"))
    except ValueError:
        reply = None
    return p.returncode, reply, p.stderr


def code(reply):
    return ((reply or {}).get("error") or {}).get("code")


def message(reply):
    return ((reply or {}).get("error") or {}).get("message", "")


def _describe(path):
    """What a snapshot keeps of one directory entry, never opening anything
    that is not a regular file (a FIFO would block, a device would read)."""
    st = os.lstat(path)
    kind = stat.S_IFMT(st.st_mode)
    d = (kind, st.st_mode & 0o7777, st.st_uid, st.st_gid, st.st_nlink)
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return d + (st.st_size, h.hexdigest())
    if stat.S_ISLNK(st.st_mode):
        return d + (os.readlink(path),)
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return d + (st.st_rdev,)
    return d


def snapshot(*tops):
    """{path: (type, mode, uid, gid, nlink, [size, sha256 | target | rdev])}
    of every entry under each top, symlinks not followed."""
    out = {}
    for top in tops:
        if not os.path.lexists(top):
            continue
        out[top] = _describe(top)
        if os.path.islink(top) or not os.path.isdir(top):
            continue
        for d, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(d, name)
                out[p] = _describe(p)
    return out


def diff(a, b):
    """The paths whose snapshot differs (for a failure's detail)."""
    return sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))


def journal_entries(base):
    d = os.path.join(base, "state", "changes")
    return sorted(os.listdir(d)) if os.path.isdir(d) and not os.path.islink(d) else []
