"""tests/hostile/notutf8.py - configurations whose bytes are not UTF-8.

A configuration is bytes: only a NUL byte makes it "not text". A Latin-1
comment (`# Konfiguration f\\xfcr ...`, common on older European
installations) must not stop status, set, compliance or rollback; a stray
byte in the value the helper reads is reported like any other bad value;
lines a change does not touch keep their bytes; and every reply is JSON in
strict UTF-8 (lib.run decodes it strictly: a reply that is not is None),
with each byte that is not UTF-8 shown as '?'.
"""
import hashlib
import os

from lib import code, diff, journal_entries, message, ok, run, setup, snapshot

FLOOR = "TLSv1"

# The key each service's floor file holds, and its line with a bad byte.
BAD_VALUE = {
    "dovecot": (b"ssl_min_protocol", b"ssl_min_protocol = TLSv1\xff", "TLSv1?"),
    "postfix": (b"smtpd_tls_protocols", b"smtpd_tls_protocols = >=TLSv1.2 \xfc", ">=TLSv1.2 ?"),
}
KEY = {"dovecot": b"ssl_min_protocol", "postfix": b"smtpd_tls_protocols",
       "courier": b"TLS_PROTOCOL="}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def etc_files(base):
    etc = os.path.join(base, "etc")
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(etc) for f in fs)


def latin1_lines(base):
    """{path: [every line holding a byte above 0x7f]} of the tree's files."""
    return {p: [l for l in read(p).split(b"\n") if any(c > 0x7f for c in l)] for p in etc_files(base)}


def add_latin1_comments(base, service, target):
    """A Latin-1 comment at the top of every file, one just above the floor
    key (inside a diff's context) and one at the end of the floor file."""
    for p in etc_files(base):
        write(p, b"# Konfiguration f\xfcr " + service.encode() + b" (\xa9 M\xfcller GmbH)\n" + read(p))
    lines = read(target).split(b"\n")
    at = next((i for i, l in enumerate(lines) if l.startswith(KEY[service])), len(lines))
    lines.insert(at, b"# Mindestversion f\xfcr TLS, ge\xe4ndert")
    data = b"\n".join(lines)
    write(target, data + (b"" if data.endswith(b"\n") else b"\n") + b"# Ende der Datei \xe4\xf6\xfc\n")


def endpoints(reply):
    return [e for s in (reply or {}).get("services", []) for e in s.get("endpoints", [])]


def floors(reply):
    return {e["endpoint"]: (e.get("configured"), e.get("effective")) for e in endpoints(reply)}


def diffs(reply):
    return [f.get("diff", "") for s in (reply or {}).get("services", []) for f in s.get("files", [])]


def sha(path):
    return hashlib.sha256(read(path)).hexdigest()


def check_latin1(service):
    """Latin-1 comments everywhere: every action works, the comments stay."""
    _, pristine, _ = setup(f"bytes-{service}-pristine", service)
    base, prof, target = setup(f"bytes-{service}-comments", service)
    add_latin1_comments(base, service, target)
    kept = latin1_lines(base)
    tag = f"{service}: Latin-1 comments"

    rc, r, _ = run(pristine, {"api": 1, "action": "status"})
    want = floors(r)
    rc, r, err = run(prof, {"api": 1, "action": "status"})
    ok(rc == 0 and r is not None and r.get("ok") is True and floors(r) == want and want,
       f"{tag}: status exit 0, a UTF-8 JSON reply, the floors of the same files without them",
       (rc, r, err[-500:]))

    before = snapshot(os.path.join(base, "etc"))
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {service: FLOOR}, "dry_run": True,
                          "actor": "hostile"})
    ok(rc == 0 and r is not None and any("f?r" in d or "???" in d for d in diffs(r))
       and snapshot(os.path.join(base, "etc")) == before,
       f"{tag}: set dry run exit 0, UTF-8 JSON, the diff shows the comment with '?', nothing "
       "written", (rc, r))

    originals = {p: sha(p) for p in etc_files(base)}
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {service: FLOOR}, "actor": "hostile"})
    set_id = (r or {}).get("change_id")
    ok(rc == 0 and r is not None and r.get("ok") is True and set_id,
       f"{tag}: set {FLOOR} exit 0, a UTF-8 JSON reply", (rc, r))
    ok(latin1_lines(base) == kept and sha(target) != originals[target],
       f"{tag}: set changed the floor file and kept every Latin-1 line byte for byte",
       (latin1_lines(base), kept))
    rc, r, _ = run(prof, {"api": 1, "action": "status"})
    got = {c for c, _ in floors(r).values()}
    ok(rc == 0 and r is not None and FLOOR in got,
       f"{tag}: status after set reads the new floor {FLOOR}", (rc, floors(r)))

    after_set = {p: sha(p) for p in etc_files(base)}
    rc, r, _ = run(prof, {"api": 1, "action": "compliance", "mode": "enable", "actor": "hostile"})
    ok(rc == 0 and r is not None and r.get("ok") is True and latin1_lines(base) == kept,
       f"{tag}: compliance enable exit 0, UTF-8 JSON, every Latin-1 line kept", (rc, r))
    rc, r, _ = run(prof, {"api": 1, "action": "rollback", "change_id": "last", "actor": "hostile"})
    ok(rc == 0 and r is not None and {p: sha(p) for p in etc_files(base)} == after_set,
       f"{tag}: rollback of compliance (its .orig holds Latin-1) exit 0, every file back "
       "byte for byte", (rc, r))
    rc, r, _ = run(prof, {"api": 1, "action": "rollback", "change_id": set_id, "actor": "hostile"})
    ok(rc == 0 and r is not None and {p: sha(p) for p in etc_files(base)} == originals,
       f"{tag}: rollback of the set exit 0, every file as before it byte for byte", (rc, r))
    rc, r, _ = run(prof, {"api": 1, "action": "history"})
    ok(rc == 0 and r is not None and len(r.get("changes", [])) == 4,
       f"{tag}: history lists the four changes", (rc, r))


def check_bad_value(service):
    """A byte that is not UTF-8 in the very value the helper reads."""
    key, line, shown = BAD_VALUE[service]
    base, prof, target = setup(f"bytes-{service}-value", service)
    data = read(target).split(b"\n")
    data = [line if l.startswith(key) else l for l in data]
    write(target, b"\n".join(data))
    original = sha(target)
    tag = f"{service}: {line!r}"

    rc, r, err = run(prof, {"api": 1, "action": "status"})
    bad = [e for e in endpoints(r)
           if any(w["code"] == "invalid_value" and shown in w["message"] for w in e.get("warnings", []))
           and any(s["value"] == shown for s in e.get("sources", []))]
    ok(rc == 0 and r is not None and bad,
       f"{tag}: status exit 0, UTF-8 JSON, invalid_value naming {shown!r}", (rc, r, err[-500:]))

    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {service: "TLSv1.2"},
                          "actor": "hostile"})
    rc2, r2, _ = run(prof, {"api": 1, "action": "status"})
    fixed = [e for e in endpoints(r2) if e["endpoint"] == bad[0]["endpoint"]] if bad else []
    ok(rc == 0 and r is not None and fixed and fixed[0]["configured"] == "TLSv1.2"
       and not any(w["code"] == "invalid_value" for w in fixed[0].get("warnings", [])),
       f"{tag}: set TLSv1.2 exit 0, UTF-8 JSON, the value replaced", (rc, r, fixed))
    rc, r, _ = run(prof, {"api": 1, "action": "rollback", "change_id": "last", "actor": "hostile"})
    ok(rc == 0 and r is not None and sha(target) == original,
       f"{tag}: rollback exit 0, the bad byte back as it was", (rc, r))


def check_limits():
    """Where text that is not UTF-8 cannot be kept exactly (a file name the
    planner would need, a value a change must record in state.json), the
    reply is still UTF-8 JSON and, if the change is refused, nothing changed."""
    base, prof, target = setup("bytes-dovecot-filename", "dovecot")
    inc = os.path.join(base, "etc", "dovecot", "conf.d").encode() + b"/99-f\xfcr.conf"
    write(inc, b"# f\xfcr\nssl_min_protocol = TLSv1.1\n")
    os.chmod(inc, 0o644)
    rc, r, _ = run(prof, {"api": 1, "action": "status"})
    ok(rc == 0 and r is not None and any(s["file"].endswith("/99-f?r.conf") and s["value"] == "TLSv1.1"
                                         for e in endpoints(r) for s in e.get("sources", [])),
       "dovecot: the floor in a file named 99-f\\xfcr.conf: status exit 0, UTF-8 JSON, the file "
       "named with '?'", (rc, r))
    before = snapshot(os.path.join(base, "etc"))
    rc, r, _ = run(prof, {"api": 1, "action": "set", "floors": {"dovecot": "TLSv1.2"},
                          "actor": "hostile"})
    changed = diff(before, snapshot(os.path.join(base, "etc"))) + journal_entries(base)
    ok(r is not None and ((rc == 0 and read(inc).endswith(b"TLSv1.2\n")) or
                          (rc != 0 and code(r) and not changed)),
       f"dovecot: set with the floor in 99-f\\xfcr.conf: UTF-8 JSON; done, or refused with nothing "
       f"changed (exit {rc}: {code(r)} {message(r)[:80]})", (rc, r, changed))

    base, prof, target = setup("bytes-dovecot-cipherlist", "dovecot")
    write(target, read(target) + b"ssl_cipher_list = ALL:!aNULL:f\xfcr\n")
    rc, r, _ = run(prof, {"api": 1, "action": "status"})
    ok(rc == 0 and r is not None, "dovecot: ssl_cipher_list with \\xfc: status exit 0, UTF-8 JSON",
       (rc, r))
    before = snapshot(os.path.join(base, "etc"))
    rc, r, _ = run(prof, {"api": 1, "action": "compliance", "mode": "enable", "actor": "hostile"})
    ok(r is not None and (rc == 0 or (code(r) and snapshot(os.path.join(base, "etc")) == before)),
       f"dovecot: compliance enable over ssl_cipher_list with \\xfc (recorded in state.json): UTF-8 "
       f"JSON; done, or refused with nothing changed (exit {rc}: {code(r)} {message(r)[:80]})",
       (rc, r))


def main():
    for service in ("dovecot", "postfix", "courier"):
        check_latin1(service)
    for service in BAD_VALUE:
        check_bad_value(service)
    check_limits()


if __name__ == "__main__":
    main()
