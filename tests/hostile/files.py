"""tests/hostile/files.py - hostile configuration files, state directories
and journals. Each case builds a private tree, makes one thing hostile, runs
the real helper (bounded by a timeout: a FIFO must not block it) and checks
both the answer (error code, exit status) and, by hash, that no file changed.
"""
import json
import os
import shutil
import stat
import time

from lib import (NOBODY, ROOT, code, diff, journal_entries, message, ok, run, setup, skip, snapshot,
                 write_json)

SET = {"dovecot": "TLSv1", "postfix": "TLSv1", "courier": "TLSv1"}


def set_req(service, **extra):
    return dict({"api": 1, "action": "set", "floors": {service: SET[service]}, "actor": "hostile"},
                **extra)


# ---------------------------------------------------------------- hostile shapes of one file
def make_symlink(base, t):
    out = os.path.join(base, "outside")
    os.makedirs(out, mode=0o755, exist_ok=True)
    real = os.path.join(out, os.path.basename(t))
    shutil.copy2(t, real)
    os.unlink(t)
    os.symlink(real, t)


def make_hardlink(base, t):
    out = os.path.join(base, "outside")
    os.makedirs(out, mode=0o755, exist_ok=True)
    os.link(t, os.path.join(out, "second-link"))


def make_foreign(base, t):
    os.chown(t, NOBODY, NOBODY)


def make_group_writable(base, t):
    os.chmod(t, 0o664)


def make_world_writable(base, t):
    os.chmod(t, 0o646)


def make_directory(base, t):
    os.unlink(t)
    os.mkdir(t, 0o755)
    with open(os.path.join(t, "inner.conf"), "w") as f:
        f.write("ssl_min_protocol = TLSv1\n")


def make_fifo(base, t):
    os.unlink(t)
    os.mkfifo(t, 0o644)


def make_device(base, t):
    os.unlink(t)
    os.mknod(t, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero: endless bytes


def make_huge(base, t):
    with open(t, "ab") as f:
        line = b"# " + b"x" * 1021 + b"\n"
        block = line * 1024
        for _ in range(100):
            f.write(block)


def make_nul(base, t):
    with open(t, "rb") as f:
        data = f.read()
    with open(t, "wb") as f:
        f.write(b"# hidden\0 bytes\n" + data.replace(b"\n", b"\n\0", 1))


def make_parent_symlink(base, t):
    """The directory holding the file becomes a symlink to a copy elsewhere."""
    d = os.path.dirname(t)
    out = os.path.join(base, "outside")
    os.makedirs(out, mode=0o755, exist_ok=True)
    real = os.path.join(out, os.path.basename(d))
    shutil.copytree(d, real, symlinks=True)
    shutil.rmtree(d)
    os.symlink(real, d)


# name, make, the codes that are a right answer, what the message must mention
FILE_CASES = [
    ("a symlink", make_symlink, {"unsafe_file"}, "symbolic link"),
    ("a hard link", make_hardlink, {"unsafe_file"}, "hard link"),
    ("owned by another user", make_foreign, {"unsafe_file"}, "not owned by root"),
    ("group-writable", make_group_writable, {"unsafe_file"}, "writable"),
    ("world-writable", make_world_writable, {"unsafe_file"}, "writable"),
    ("a directory", make_directory, {"unsafe_file"}, "not a regular file"),
    ("a FIFO", make_fifo, {"unsafe_file"}, "not a regular file"),
    ("a character device", make_device, {"unsafe_file"}, "not a regular file"),
    ("100 MB large", make_huge, {"unsafe_file", "io_error"}, "larger than"),
    ("with NUL bytes", make_nul, {"unsafe_file", "io_error"}, "NUL"),
    ("in a symlinked directory", make_parent_symlink, {"unsafe_file"}, "symbolic link"),
]

# The services each case runs against: every case on Dovecot (the floor
# file), the kinds of file that reach a different reader on Postfix (main.cf)
# and Courier (imapd-ssl).
SERVICE_CASES = {
    "dovecot": [c[0] for c in FILE_CASES],
    "postfix": ["a symlink", "owned by another user", "a FIFO", "100 MB large", "with NUL bytes",
                "in a symlinked directory"],
    "courier": ["a symlink", "a hard link", "a FIFO", "a character device", "with NUL bytes"],
}


# The exit status each error code has (docs/protocol.md): 2 refused up front,
# 1 failed (a read that failed; nothing was attempted either).
EXIT = {"unsafe_file": 2, "io_error": 1}


def refused(rc, r, codes, words=""):
    return code(r) in codes and rc == EXIT[code(r)] and words.lower() in message(r).lower()


def check_file_case(service, name, make, codes, words):
    tag = name.replace(" ", "-").replace("/", "")
    base, prof, target = setup(f"file-{service}-{tag}", service)
    make(base, target)
    tops = [os.path.join(base, "etc"), os.path.join(base, "outside"), prof]
    before = snapshot(*tops)
    t0 = time.monotonic()
    rc, r, err = run(prof, set_req(service), timeout=20)
    took = time.monotonic() - t0
    ok(rc != -9, f"{service}: set with a config {name} answers (in {took:.2f} s)", err)
    ok(refused(rc, r, codes, words),
       f"{service}: set with a config {name}: {'/'.join(sorted(codes))} naming it (exit {rc})", (rc, r))
    after = snapshot(*tops)
    ok(after == before and journal_entries(base) == [],
       f"{service}: set with a config {name}: every file unchanged (sha256), no journal entry",
       diff(before, after))
    rc, r, err = run(prof, set_req(service, dry_run=True), timeout=20)
    ok(refused(rc, r, codes, words) and snapshot(*tops) == before,
       f"{service}: dry run with a config {name}: refused the same way, nothing changed", (rc, r))
    rc, r, err = run(prof, {"api": 1, "action": "status"}, timeout=20)
    ok(refused(rc, r, codes, words),
       f"{service}: status with a config {name}: {'/'.join(sorted(codes))} (exit {rc})", (rc, r))


def test_files():
    by_name = {c[0]: c for c in FILE_CASES}
    for service, names in SERVICE_CASES.items():
        for name in names:
            _, make, codes, words = by_name[name]
            check_file_case(service, name, make, codes, words)


# ---------------------------------------------------------------- state directory and journal
def committed(name):
    """A tree with one committed change (a journal entry to tamper with)."""
    base, prof, target = setup(name)
    rc, r, _ = run(prof, set_req("dovecot"))
    assert rc == 0, r
    return base, prof, target, r["change_id"]


def entry_dir(base, cid):
    return os.path.join(base, "state", "changes", cid)


def marker(base, cid):
    """What the entry's `closed` marker holds, or None."""
    try:
        with open(os.path.join(entry_dir(base, cid), "closed")) as f:
            return f.read()
    except FileNotFoundError:
        return None


def unmark(base, cid):
    if marker(base, cid) is not None:
        os.unlink(os.path.join(entry_dir(base, cid), "closed"))


def open_entry(base, cid):
    """Turn the committed entry back into one an interrupted change left:
    state open, and no `closed` marker (written only once an entry closes)."""
    unmark(base, cid)
    mpath = os.path.join(entry_dir(base, cid), "manifest.json")
    with open(mpath) as f:
        m = json.load(f)
    m["state"] = "open"
    m["outcome"] = None
    m.pop("after", None)
    write_json(mpath, m, 0o600)
    return m, mpath


def tamper_state_owner(base, cid):
    os.chown(os.path.join(base, "state"), NOBODY, NOBODY)


def tamper_state_mode(base, cid):
    os.chmod(os.path.join(base, "state"), 0o777)


def tamper_state_symlink(base, cid):
    sd = os.path.join(base, "state")
    os.rename(sd, sd + ".real")
    os.symlink(sd + ".real", sd)


def tamper_statejson_owner(base, cid):
    os.chown(os.path.join(base, "state", "state.json"), NOBODY, NOBODY)


def tamper_statejson_garbage(base, cid):
    write_json(os.path.join(base, "state", "state.json"), [], 0o600)
    with open(os.path.join(base, "state", "state.json"), "w") as f:
        f.write("{\"services\": {\"dovecot\": ")


def tamper_changes_symlink(base, cid):
    ch = os.path.join(base, "state", "changes")
    os.makedirs(os.path.join(base, "outside"), mode=0o755, exist_ok=True)
    real = os.path.join(base, "outside", "changes")
    shutil.move(ch, real)
    os.symlink(real, ch)
    open_entry(base, cid)  # an interrupted change to recover through it


def tamper_manifest_garbage(base, cid):
    open_entry(base, cid)
    with open(os.path.join(entry_dir(base, cid), "manifest.json"), "w") as f:
        f.write("{\"state\": \"open\", \"files\": [{\"path\": ")


def tamper_manifest_owner(base, cid):
    _, mpath = open_entry(base, cid)
    os.chown(mpath, NOBODY, NOBODY)


def tamper_manifest_victim(base, cid):
    """An open entry that claims to have created a file it did not: recovery
    would unlink it."""
    m, mpath = open_entry(base, cid)
    victim = os.path.join(base, "outside", "victim")
    os.makedirs(os.path.dirname(victim), mode=0o755, exist_ok=True)
    with open(victim, "w") as f:
        f.write("not mail-tls's\n")
    m["files"].append({"path": victim, "service": "dovecot", "existed": False, "uid": 0, "gid": 0,
                       "mode": 420, "sha256_before": "", "sha256_after": "0" * 64, "removed": False})
    write_json(mpath, m, 0o600)


def tamper_manifest_types(base, cid):
    m, mpath = open_entry(base, cid)
    m["files"][0]["path"] = 7
    m["files"][0]["mode"] = "rwx"
    write_json(mpath, m, 0o600)


def tamper_orig_missing(base, cid):
    open_entry(base, cid)
    os.unlink(os.path.join(entry_dir(base, cid), "0.orig"))


def tamper_orig_changed(base, cid):
    open_entry(base, cid)
    with open(os.path.join(entry_dir(base, cid), "0.orig"), "w") as f:
        f.write("ssl_min_protocol = SSLv3\n")


def tamper_orig_symlink(base, cid):
    open_entry(base, cid)
    o = os.path.join(entry_dir(base, cid), "0.orig")
    os.rename(o, o + ".real")
    os.symlink(o + ".real", o)


STATE_CASES = [
    ("state_dir owned by another user", tamper_state_owner, {"unsafe_file"}),
    ("state_dir writable by others", tamper_state_mode, {"unsafe_file"}),
    ("state_dir a symlink", tamper_state_symlink, {"unsafe_file"}),
    ("state.json owned by another user", tamper_statejson_owner, {"unsafe_file"}),
    ("state.json not JSON", tamper_statejson_garbage, {"io_error", "unsafe_file"}),
    ("changes/ a symlink, an entry open", tamper_changes_symlink, {"unsafe_file"}),
    ("an open manifest with garbage", tamper_manifest_garbage, {"unsafe_file", "io_error"}),
    ("an open manifest owned by another user", tamper_manifest_owner, {"unsafe_file"}),
    ("an open manifest naming a file it did not write", tamper_manifest_victim, {"unsafe_file"}),
    ("an open manifest with wrong types", tamper_manifest_types, {"unsafe_file"}),
    ("an open entry whose .orig is missing", tamper_orig_missing, {"unsafe_file", "io_error"}),
    ("an open entry whose .orig was changed", tamper_orig_changed, {"unsafe_file"}),
    ("an open entry whose .orig is a symlink", tamper_orig_symlink, {"unsafe_file"}),
]


def check_state_case(name, tamper, codes):
    tag = name.replace(" ", "-").replace("/", "").replace(".", "")
    base, prof, target, cid = committed(f"state-{tag}")
    tamper(base, cid)
    tops = [os.path.join(base, "etc"), os.path.join(base, "outside"), os.path.join(base, "state"),
            os.path.join(base, "state.real")]
    before = snapshot(*tops)
    rc, r, err = run(prof, set_req("dovecot", floors={"dovecot": "TLSv1.2"}), timeout=20)
    ok(refused(rc, r, codes) and message(r),
       f"journal/state: {name}: set refused: {'/'.join(sorted(codes))} (exit {rc})", (rc, r))
    after = snapshot(*tops)
    # The lock file is the one thing a refused request may create.
    changed = [p for p in diff(before, after) if not p.endswith("/lock")]
    ok(not changed, f"journal/state: {name}: no file changed (sha256, owner, mode)", changed)


def test_state():
    for name, tamper, codes in STATE_CASES:
        check_state_case(name, tamper, codes)


def test_untampered_control():
    """The same steps without tampering succeed: the refusals above are
    about the tampering, not the setup."""
    base, prof, target, cid = committed("state-control")
    open_entry(base, cid)
    rc, r, _ = run(prof, set_req("dovecot", floors={"dovecot": "TLSv1.2"}))
    ok(rc == 0 and any(w["code"] == "recovered" for w in r.get("warnings", [])),
       "control: an untampered open entry is recovered and the change goes on", (rc, r))


# ---------------------------------------------------------------- damaged closed entries
# Recovery acts only on open entries. A closed one (committed or undone) is
# history: damaged, it must not block every later change; history leaves it
# out. journal_finish writes the marker `closed` after the manifest says so,
# which tells a damaged closed entry from one that may be an interrupted change.
def damage_garbage(mpath):
    with open(mpath, "w") as f:
        f.write("{\"state\": \"committed\", \"files\": [{\"path\": ")


def damage_owner(mpath):
    os.chown(mpath, NOBODY, NOBODY)


def damage_symlink(mpath):
    os.rename(mpath, mpath + ".real")
    os.symlink(mpath + ".real", mpath)


def damage_records(mpath):
    """Well-formed JSON, but file records no recovery could use and a
    missing original: closed, it is never checked."""
    with open(mpath) as f:
        m = json.load(f)
    m["files"][0]["path"] = 7
    m["files"][0]["mode"] = "rwx"
    write_json(mpath, m, 0o600)
    os.unlink(os.path.join(os.path.dirname(mpath), "0.orig"))


# name, damage, whether history can still list the entry (its manifest reads)
CLOSED_CASES = [
    ("garbage", damage_garbage, False),
    ("owned by another user", damage_owner, False),
    ("a symlink", damage_symlink, False),
    ("with unusable records and no .orig", damage_records, True),
]


def floor_line(target):
    with open(target, "rb") as f:
        return [l for l in f.read().split(b"\n") if l.startswith(b"ssl_min_protocol")]


def check_closed_case(name, damage, listed):
    tag = name.replace(" ", "-").replace(".", "")
    base, prof, target, cid = committed(f"closed-{tag}")
    ok(marker(base, cid) == "committed", f"journal: a committed entry is marked closed ({name})",
       marker(base, cid))
    damage(os.path.join(entry_dir(base, cid), "manifest.json"))
    entry = snapshot(entry_dir(base, cid))
    rc, r, _ = run(prof, set_req("dovecot", floors={"dovecot": "TLSv1.2"}), timeout=20)
    ok(rc == 0 and (r or {}).get("ok") is True and floor_line(target) == [b"ssl_min_protocol = TLSv1.2"]
       and not any(w["code"] == "recovered" for w in r.get("warnings", [])),
       f"journal: a closed entry's manifest {name}: the next change goes on (exit {rc})", (rc, r))
    new = (r or {}).get("change_id")
    ok(snapshot(entry_dir(base, cid)) == entry,
       f"journal: a closed entry's manifest {name}: recovery left that entry alone",
       diff(entry, snapshot(entry_dir(base, cid))))
    rc, h, _ = run(prof, {"api": 1, "action": "history"})
    ids = [c.get("change_id") for c in (h or {}).get("changes", [])]
    ok(rc == 0 and new in ids and (cid in ids) == listed,
       f"journal: a closed entry's manifest {name}: history lists the new change, "
       f"{'and the entry' if listed else 'leaves the entry out'}", (rc, h))


def test_closed_entries():
    for name, damage, listed in CLOSED_CASES:
        check_closed_case(name, damage, listed)
    # An entry that is not marked closed (an interrupted change, or one a
    # helper before the marker closed) whose manifest cannot be read may be
    # the change recovery must undo: refused, nothing changed.
    base, prof, target, cid = committed("closed-unmarked")
    unmark(base, cid)
    damage_garbage(os.path.join(entry_dir(base, cid), "manifest.json"))
    tops = [os.path.join(base, "etc"), os.path.join(base, "state")]
    before = snapshot(*tops)
    rc, r, _ = run(prof, set_req("dovecot", floors={"dovecot": "TLSv1.2"}), timeout=20)
    changed = [p for p in diff(before, snapshot(*tops)) if not p.endswith("/lock")]
    ok(refused(rc, r, {"unsafe_file"}, "remove") and cid in message(r) and not changed,
       f"journal: a garbage manifest not marked closed: unsafe_file naming the entry (exit {rc}), "
       "no file changed", (rc, r, changed))
    # A damaged closed entry next to an intact open one: the open one is
    # recovered, the change goes on.
    base, prof, target, old = committed("closed-and-open")
    rc, r, _ = run(prof, set_req("dovecot", floors={"dovecot": "TLSv1.1"}))
    damage_garbage(os.path.join(entry_dir(base, old), "manifest.json"))
    interrupted = r["change_id"]
    open_entry(base, interrupted)
    rc, r, _ = run(prof, set_req("dovecot", floors={"dovecot": "TLSv1.2"}))
    ok(rc == 0 and any(w["code"] == "recovered" for w in r.get("warnings", []))
       and floor_line(target) == [b"ssl_min_protocol = TLSv1.2"]
       and marker(base, interrupted) == "undone",
       "journal: a damaged closed entry and an intact open one: the open one is recovered (and "
       "marked closed: undone), the change goes on", (rc, r, marker(base, interrupted)))


def main():
    test_files()
    test_state()
    test_untampered_control()
    test_closed_entries()


if __name__ == "__main__":
    main()
