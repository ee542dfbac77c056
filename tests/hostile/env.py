"""tests/hostile/env.py - a hostile caller's environment and a full disk.

The stand-in check and reload commands are a small program that writes what
it was given (its execve environment from /proc/self/environ, its open fds,
whether a preload library is mapped) into a file: the children of the helper
must see only the environment the helper builds, fds 0-2 on /dev/null or the
helper's output buffer, and nothing else. The full disk is a small tmpfs
mounted by the test.
"""
import glob
import json
import os
import subprocess

from lib import HELPER, ROOT, code, diff, message, ok, run, setup, skip, snapshot, write_json

BIN = os.path.join(ROOT, "bin")
DUMP = os.path.join(BIN, "dump-env")
PRELOAD = os.path.join(ROOT, "preload", "evil.so")
MARKER = os.path.join(ROOT, "preload-marker")
DISK = os.path.join(ROOT, "disk")
BUILT_ENV = ["LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]

DUMP_SRC = r'''#!/usr/bin/python3 -S
# dump-env OUT - stand-in check/reload: record this process's execve
# environment, open fds, umask and mapped preload libraries in OUT.<pid>.
import json, os, sys
env = sorted(x.decode() for x in open("/proc/self/environ", "rb").read().split(b"\0") if x)
fds = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        t = os.readlink("/proc/self/fd/" + fd)
    except OSError:
        continue
    if not t.startswith("/proc/"):
        fds[fd] = t
maps = [l.split()[-1] for l in open("/proc/self/maps") if "evil" in l]
um = os.umask(0); os.umask(um)
with open(sys.argv[1] + "." + str(os.getpid()), "w") as f:
    json.dump({"env": env, "fds": fds, "maps": maps, "umask": um, "cwd": os.getcwd(),
               "argv": sys.argv}, f)
'''

PRELOAD_SRC = r'''
/* evil.so - a preload library that records every process it is loaded into. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	char exe[512] = "", line[600];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fd = open("@MARKER@", O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (n > 0) exe[n] = 0;
	snprintf(line, sizeof(line), "%s\n", exe);
	if (fd >= 0) { write(fd, line, strlen(line)); close(fd); }
	fputs("EVIL PRELOAD LOADED\n", stderr);
}
'''


def build_tools():
    os.makedirs(BIN, mode=0o755, exist_ok=True)
    with open(DUMP, "w") as f:
        f.write(DUMP_SRC)
    os.chmod(DUMP, 0o755)
    os.makedirs(os.path.dirname(PRELOAD), mode=0o755, exist_ok=True)
    src = PRELOAD + ".c"
    with open(src, "w") as f:
        f.write(PRELOAD_SRC.replace("@MARKER@", MARKER))
    p = subprocess.run(["cc", "-shared", "-fPIC", "-o", PRELOAD, src], capture_output=True)
    return p.returncode == 0, p.stderr.decode()


def dumps(out):
    res = []
    for p in sorted(glob.glob(out + ".*")):
        with open(p) as f:
            res.append(json.load(f))
    return res


def hostile_env():
    """What a hostile caller of the wrapper could hand the helper."""
    evil_tmp = os.path.join(ROOT, "evil-tmp")
    evil_path = os.path.join(ROOT, "evil-path")
    for d in (evil_tmp, evil_path):
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
    for name in ("true", "doveconf", "postfix", "sh"):   # a PATH lookup would find these
        p = os.path.join(evil_path, name)
        with open(p, "w") as f:
            f.write(f"#!/bin/sh\necho PATH-HIJACK >> {MARKER}\n")
        os.chmod(p, 0o755)
    return {
        "LD_PRELOAD": PRELOAD, "LD_LIBRARY_PATH": os.path.dirname(PRELOAD),
        "PATH": evil_path + ":/usr/bin:/bin", "IFS": "/ \t", "LANG": "tr_TR.UTF-8",
        "LC_ALL": "tr_TR.UTF-8", "LANGUAGE": "tr", "TMPDIR": evil_tmp, "HOME": evil_tmp,
        "OPENSSL_CONF": os.path.join(evil_tmp, "openssl.cnf"), "MALLOC_CHECK_": "3",
        "GCONV_PATH": evil_tmp, "BASH_ENV": os.path.join(evil_tmp, "rc"), "ENV": os.path.join(evil_tmp, "rc"),
        "PYTHONPATH": evil_tmp, "PYTHONSTARTUP": os.path.join(evil_tmp, "rc"), "MT_FAULT": "after_journal",
        "SHELLOPTS": "xtrace", "PS4": "$(touch " + MARKER + ")",
        # Under make asan: keep its options; a preload library ahead of the ASan runtime is
        # what this test is about, not a link-order mistake.
        **({"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
           if "ASAN_OPTIONS" in os.environ else {}),
    }


def test_environment():
    built, err = build_tools()
    if not ok(built, "the preload library builds", err):
        return
    base, prof, target = setup("env", check=[DUMP, os.path.join(ROOT, "out-check")],
                               reload=[DUMP, os.path.join(ROOT, "out-reload")])
    for p in glob.glob(os.path.join(ROOT, "out-*")) + [MARKER]:
        if os.path.exists(p):
            os.unlink(p)
    env = hostile_env()
    rc, r, stderr = run(prof, {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1"}}, env=env)
    ok(rc == 0 and r and r.get("ok"), "set with a hostile environment succeeds", (rc, r, stderr[-500:]))
    children = dumps(os.path.join(ROOT, "out-check")) + dumps(os.path.join(ROOT, "out-reload"))
    ok(len(children) == 2, f"both stand-in commands ran ({len(children)})", children)
    ok(children and all(c["env"] == BUILT_ENV for c in children),
       "children see only PATH=/usr/sbin:/usr/bin:/sbin:/bin and LC_ALL=C",
       [c["env"] for c in children])
    ok(children and all(not c["maps"] for c in children), "no child has the preload library mapped",
       [c["maps"] for c in children])
    marks = open(MARKER).read().split() if os.path.exists(MARKER) else []
    foreign = [m for m in marks if not m.endswith("mail-tls-helper")]
    ok(not foreign, "LD_PRELOAD and PATH reach no child (the marker names no process but the helper)",
       marks)
    if marks:
        print("# note: the preload library was loaded into the helper itself, as the caller ran it "
              "directly; mod_wrapper is setuid, and glibc ignores LD_PRELOAD in a setuid process")
    ok(children and all(set(c["fds"]) == {"0", "1", "2"} and c["fds"]["0"] == "/dev/null"
                        for c in children),
       "children get fds 0-2 only, stdin /dev/null (no fd of the helper or its caller leaks)",
       [c["fds"] for c in children])
    ok(children and all(c["umask"] == 0o022 and c["cwd"] == "/" for c in children),
       "children run with umask 022 in /", [(c["umask"], c["cwd"]) for c in children])
    ok(not os.listdir(env["TMPDIR"]), "nothing was created in the hostile TMPDIR",
       os.listdir(env["TMPDIR"]))
    rc, r, _ = run(prof, {"api": 1, "action": "history"})
    ok(rc == 0 and [c["state"] for c in r["changes"]] == ["committed"],
       "MT_FAULT from the caller is ignored by the real helper (the change committed)", r)


def test_inherited_fds():
    """An fd the caller leaves open (a config file opened for writing) is
    closed before anything runs: the children do not get it."""
    base, prof, target = setup("env-fds", check=[DUMP, os.path.join(ROOT, "out-fds")])
    secret = os.open(target, os.O_RDWR)
    try:
        rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1"}},
                       pass_fds=(secret,))
    finally:
        os.close(secret)
    children = dumps(os.path.join(ROOT, "out-fds"))
    ok(rc == 0 and children and all(set(c["fds"]) == {"0", "1", "2"} for c in children),
       "an fd the caller left open does not reach the children", [c["fds"] for c in children])


def run_closed(prof, request, close):
    """The helper with some of fds 0-2 closed; stdout captured in a file
    when it stays open. Returns (exit status, stdout text)."""
    out = os.path.join(ROOT, "closed-out")
    with open(out, "wb") as o:
        def pre():
            for fd in close:
                os.close(fd)
        p = subprocess.Popen([HELPER, "--profile", prof],
            stdin=subprocess.PIPE, stdout=o, stderr=subprocess.DEVNULL, preexec_fn=pre,
            close_fds=True)
        try:
            if 0 not in close:
                p.stdin.write(json.dumps(request).encode())
            p.stdin.close()
        except BrokenPipeError:
            pass
        rc = p.wait(timeout=60)
    with open(out) as f:
        return rc, f.read()


def test_closed_fds():
    base, prof, target = setup("env-closed", check=[DUMP, os.path.join(ROOT, "out-closed")])
    req = {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1"}}
    rc, out = run_closed(prof, req, (0,))
    ok(rc == 2 and '"bad_request"' in out, "stdin closed: bad_request on stdout, exit 2", (rc, out))
    before = snapshot(os.path.join(base, "etc"))
    rc, out = run_closed(prof, req, (1, 2))
    with open(target) as f:
        text = f.read()
    ok(rc == 0, f"stdout and stderr closed: the change still succeeds (exit {rc})")
    ok('"api"' not in text and "ssl_min_protocol = TLSv1\n" in text,
       "no reply bytes landed in a config file (fds 1-2 were reopened on /dev/null first)",
       text[-300:])
    children = dumps(os.path.join(ROOT, "out-closed"))
    ok(children and all(c["fds"].get("0") == "/dev/null" and set(c["fds"]) == {"0", "1", "2"}
                        for c in children),
       "children of a helper started with closed fds get fds 0-2 only", [c["fds"] for c in children])
    ok(set(diff(before, snapshot(os.path.join(base, "etc")))) == {target},
       "only the planned file changed")
    rc, out = run_closed(prof, {"api": 1, "action": "status"}, (2,))
    ok(rc == 0 and json.loads(out).get("ok") is True, "stderr closed: status answers on stdout",
       (rc, out[:200]))


# ---------------------------------------------------------------- full disk
def mount_disk(size="512k"):
    os.makedirs(DISK, mode=0o755, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755,uid=0,gid=0", "tmpfs",
                        DISK], capture_output=True)
    return p.returncode == 0, p.stderr.decode()


def cleanup():
    if os.path.ismount(DISK):
        subprocess.run(["umount", "-l", DISK])


def fill(disk, leave_pages):
    """Fill the filesystem of disk, then free leave_pages pages."""
    filler = os.path.join(disk, "filler")
    with open(filler, "wb") as f:
        chunk = b"\0" * 65536
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
    size = os.path.getsize(filler)
    os.truncate(filler, max(0, size - leave_pages * 4096))
    st = os.statvfs(disk)
    return st.f_bavail * st.f_frsize


def full_disk_tree(name, service, state_on_disk):
    """A tree whose etc/ (and state/ when state_on_disk) live on the tmpfs."""
    base, prof, target = setup(name, service)
    on_disk = os.path.join(DISK, name)
    os.makedirs(on_disk, mode=0o755)
    subprocess.run(["cp", "-a", os.path.join(base, "etc"), on_disk], check=True)
    subprocess.run(["rm", "-rf", os.path.join(base, "etc")], check=True)
    with open(prof) as f:
        text = f.read().replace(os.path.join(base, "etc"), os.path.join(on_disk, "etc"))
    if state_on_disk:
        text = text.replace(os.path.join(base, "state"), os.path.join(on_disk, "state"))
    p = json.loads(text)
    write_json(prof, p)
    return base, prof, on_disk, target.replace(os.path.join(base, "etc"), os.path.join(on_disk, "etc"))


def test_full_disk():
    mounted, err = mount_disk()
    if not mounted:
        skip("full disk during a change", f"cannot mount a tmpfs here ({err.strip()})")
        return
    try:
        full_disk_cases()
    finally:
        cleanup()


def full_disk_cases():
    # 1. The config files' filesystem is full, the journal's is not: the
    #    first write fails, nothing changed, the entry undone.
    base, prof, on_disk, target = full_disk_tree("full-etc", "dovecot", False)
    fill(DISK, 0)
    before = snapshot(os.path.join(on_disk, "etc"))
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1"}})
    ok(rc == 1 and code(r) == "io_error" and "space" in message(r).lower(),
       "full disk under the config: io_error naming the lack of space, exit 1", (rc, r))
    ok(snapshot(os.path.join(on_disk, "etc")) == before, "full disk under the config: every file unchanged")
    ok(not [p for p in os.listdir(os.path.dirname(target)) if ".mail-tls-" in p],
       "full disk under the config: no temporary file left behind")
    rc, h, _ = run(prof, {"api": 1, "action": "history"})
    ok(rc == 0 and [c["state"] for c in h["changes"]] in ([], ["undone"]),
       "full disk under the config: no journal entry left open", h)
    os.unlink(os.path.join(DISK, "filler"))

    # 2. Everything on the full disk: the journal cannot be written; nothing
    #    changed and nothing is left open for the next request to undo.
    base, prof, on_disk, target = full_disk_tree("full-all", "dovecot", True)
    run(prof, {"api": 1, "action": "status"})
    fill(DISK, 0)
    before = snapshot(os.path.join(on_disk, "etc"))
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1"}})
    ok(rc in (1, 2) and code(r) in ("io_error", "unsafe_file") and message(r),
       f"full disk under config and journal: a clear error ({code(r)}, exit {rc})", (rc, r))
    ok(snapshot(os.path.join(on_disk, "etc")) == before, "full disk under config and journal: every file unchanged")
    os.unlink(os.path.join(DISK, "filler"))
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1"}})
    ok(rc == 0 and not any(w["code"] == "recovered" for w in r.get("warnings", [])),
       "with space again the change succeeds, with nothing to recover", (rc, r))

    # 3. Two files, room for the first only: the first is written, the second
    #    fails, the first is restored byte for byte.
    base, prof, on_disk, target = full_disk_tree("full-mid", "courier", False)
    pop = os.path.join(on_disk, "etc", "courier-imap", "pop3d-ssl")
    with open(pop, "a") as f:
        f.write(("# padding, so that this file needs more room than imapd-ssl" + " " * 60 + "\n") * 100)
    before = snapshot(os.path.join(on_disk, "etc"))
    free = fill(DISK, 2)
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {"courier": "TLSv1"}})
    ok(rc == 1 and code(r) == "io_error" and "space" in message(r).lower(),
       f"full disk after the first of two files ({free} bytes free): io_error, exit 1", (rc, r))
    ok(snapshot(os.path.join(on_disk, "etc")) == before,
       "full disk after the first of two files: both files as before, byte for byte",
       diff(before, snapshot(os.path.join(on_disk, "etc"))))
    audit = os.path.join(base, "state", "audit.log")
    lines = [json.loads(x) for x in open(audit)] if os.path.exists(audit) else []
    ok(lines and lines[-1].get("outcome") == "io_error",
       "full disk after the first of two files: a file had been written and was undone (audit line)",
       lines)
    rc, h, _ = run(prof, {"api": 1, "action": "history"})
    ok(rc == 0 and h["changes"] and h["changes"][0]["state"] == "undone",
       "full disk after the first of two files: the journal says undone", h)


def main():
    test_environment()
    test_inherited_fds()
    test_closed_fds()
    test_full_disk()
