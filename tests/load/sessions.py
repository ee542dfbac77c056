#!/usr/bin/env python3
"""tests/load/sessions.py - sessions held open while `set` changes floors.

For each daemon of the running sandbox (Postfix, Dovecot, Courier) and each
restart mode (reload, restart, auto): open 50 sessions to the daemon (plain
and TLS: SMTP, SMTP STARTTLS and SMTPS; IMAP, IMAPS and POP3 / POP3S), check
that every one answers a NOOP, run the real helper's `set` that changes that
daemon's floor with that restart mode, wait a moment, and send every session
a NOOP again: a session that gets no answer, an error, a BYE or EOF was
dropped. Prints TAP and a table; --json FILE writes the figures.

Needs the sandbox running (tests/sandbox/start) and its lock held by the
caller (run-suite runs under tests/run-tests, which holds it; by hand:
flock /var/tmp/mail-tls-sandbox.lock tests/load/run-suite).
"""
import argparse
import json
import os
import socket
import ssl
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELPER = os.environ.get("MT_HELPER", os.path.join(TOP, "helper", "mail-tls-helper"))
PROFILE = os.path.join(os.environ.get("SANDBOX_DIR", "/var/tmp/mail-tls-sandbox"), "profile.json")
HOST = "127.0.0.1"
TIMEOUT = 8.0

# daemon -> [(port, protocol, tls: none | starttls | implicit, count)]: 50 per
# daemon, within Courier's MAXPERIP (20 per address and launcher in the sandbox).
SESSIONS = {
    "postfix": [(10025, "smtp", "none", 20), (10025, "smtp", "starttls", 15), (10465, "smtp", "implicit", 15)],
    "dovecot": [(10143, "imap", "none", 20), (10993, "imap", "implicit", 15), (10110, "pop3", "none", 15)],
    "courier": [(11143, "imap", "none", 20), (11993, "imap", "implicit", 20), (11995, "pop3", "implicit", 10)],
}
MODES = ["reload", "restart", "auto"]

_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_ctx.check_hostname = False
_ctx.verify_mode = ssl.CERT_NONE


class Session:
    """One client connection that answers NOOPs until the server drops it."""

    def __init__(self, port, proto, tls):
        self.port, self.proto, self.tls = port, proto, tls
        self.tag = 0
        self.buf = b""
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        if tls == "implicit":
            self.sock = _ctx.wrap_socket(self.sock, server_hostname="mail.test")
        self._expect_greeting()
        if tls == "starttls":
            self._line(b"EHLO load.test\r\n", final=b"250 ")
            self._line(b"STARTTLS\r\n", final=b"220")
            self.sock = _ctx.wrap_socket(self.sock, server_hostname="mail.test")
            self._line(b"EHLO load.test\r\n", final=b"250 ")

    def _readline(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("EOF")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def _line(self, cmd, final):
        """Send cmd; read lines until one starts with final. An error or
        BYE is a dropped session."""
        self.sock.sendall(cmd)
        while True:
            line = self._readline()
            if line.startswith(b"* BYE") or line.startswith(b"-ERR") or line[:1] in (b"4", b"5"):
                raise ConnectionError(line.decode(errors="replace").strip())
            if line.startswith(final):
                return line

    def _expect_greeting(self):
        line = self._readline()
        ok = {"smtp": b"220", "imap": b"* OK", "pop3": b"+OK"}[self.proto]
        if self.proto == "smtp":
            while line[3:4] == b"-":
                line = self._readline()
        if not line.startswith(ok):
            raise ConnectionError(line.decode(errors="replace").strip())

    def noop(self):
        """True when the session still answers."""
        try:
            if self.proto == "smtp":
                self._line(b"NOOP\r\n", final=b"250")
            elif self.proto == "pop3":
                # NOOP is for the TRANSACTION state; before a login, CAPA
                # (its list ends with a lone ".").
                self._line(b"CAPA\r\n", final=b"+OK")
                while self._readline() != b".\r\n":
                    pass
            else:
                self.tag += 1
                t = b"a%d" % self.tag
                self._line(t + b" NOOP\r\n", final=t + b" OK")
            return True
        except (OSError, ConnectionError, ssl.SSLError):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def helper(request, profile):
    t0 = time.monotonic()
    p = subprocess.run([HELPER, "--profile", profile], input=json.dumps(request).encode(),
                       capture_output=True, timeout=300)
    try:
        reply = json.loads(p.stdout)
    except ValueError:
        reply = None
    return p.returncode, reply, (time.monotonic() - t0) * 1000


def configured(profile, daemon):
    """The daemon's configured floor (its first endpoint's)."""
    _, r, _ = helper({"api": 1, "action": "status"}, profile)
    for s in (r or {}).get("services", []):
        if s["service"] == daemon:
            return s["endpoints"][0]["configured"]
    return None


def open_sessions(daemon):
    held, failed = [], []
    for port, proto, tls, count in SESSIONS[daemon]:
        for _ in range(count):
            try:
                held.append(Session(port, proto, tls))
            except (OSError, ConnectionError, ssl.SSLError) as e:
                failed.append(f"{port}/{proto}/{tls}: {e}")
    return held, failed


def kind(s):
    return f"{s.port}/{s.proto}{'' if s.tls == 'none' else '+' + s.tls}"


def one_run(profile, daemon, mode, settle):
    """Hold 50 sessions across one `set` of daemon with mode. Returns a dict
    of figures."""
    held, failed = open_sessions(daemon)
    alive0 = [s for s in held if s.noop()]
    floor = "TLSv1" if configured(profile, daemon) != "TLSv1" else "TLSv1.2"
    rc, reply, ms = helper({"api": 1, "action": "set", "floors": {daemon: floor}, "restart": mode,
                            "actor": "load-test"}, profile)
    time.sleep(settle)
    dropped = [s for s in alive0 if not s.noop()]
    by_kind = {}
    for s in dropped:
        by_kind[kind(s)] = by_kind.get(kind(s), 0) + 1
    cmds = []
    for svc in (reply or {}).get("services", []):
        cmds += [" ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(c["argv"]))
                 for c in svc.get("commands", [])]
    for s in held:
        s.close()
    return {"daemon": daemon, "mode": mode, "floor": floor, "opened": len(held),
            "open_failed": failed, "alive_before": len(alive0), "dropped": len(dropped),
            "dropped_by_kind": by_kind, "set_exit": rc, "set_ok": bool(reply and reply.get("ok")),
            "set_error": (reply or {}).get("error"), "set_ms": round(ms), "commands": cmds}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default=PROFILE)
    ap.add_argument("--json")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds between the set and the check")
    ap.add_argument("--daemons", default="postfix,dovecot,courier")
    a = ap.parse_args()
    n = failed = 0

    def ok(cond, what, detail=""):
        nonlocal n, failed
        n += 1
        print(f"{'ok' if cond else 'not ok'} {n} - {what}", flush=True)
        if not cond:
            failed += 1
            if detail:
                print("# " + str(detail).replace("\n", "\n# "), flush=True)

    results = []
    for daemon in a.daemons.split(","):
        for mode in MODES:
            r = one_run(a.profile, daemon, mode, a.settle)
            results.append(r)
            ok(r["opened"] == 50 and r["alive_before"] == 50,
               f"{daemon} {mode}: 50 sessions held before the change ({r['alive_before']} answering)",
               r["open_failed"][:5])
            ok(r["set_ok"], f"{daemon} {mode}: set {r['floor']} ok in {r['set_ms']} ms "
               f"({'; '.join(r['commands'])})", r["set_error"])
            print(f"# {daemon} {mode}: {r['dropped']} of {r['alive_before']} sessions dropped "
                  f"{r['dropped_by_kind'] or ''}", flush=True)
    by = {(r["daemon"], r["mode"]): r for r in results}
    for daemon in a.daemons.split(","):
        modes = {m: by[(daemon, m)]["dropped"] for m in MODES}
        # auto must drop no more than the gentlest mode that applies a change:
        # reload for Postfix and Dovecot; Courier's launchers re-read nothing
        # on reload (its profile has none: every mode stops and starts).
        best = min(modes["reload"], modes["restart"]) if daemon != "courier" else modes["restart"]
        ok(modes["auto"] <= best, f"{daemon}: auto drops {modes['auto']} (reload {modes['reload']}, "
           f"restart {modes['restart']}): no more than the gentlest mode that applies the change")
    print("\n# daemon   mode     sessions dropped  set ms  commands")
    for r in results:
        print(f"# {r['daemon']:8} {r['mode']:8} {r['alive_before']:8} {r['dropped']:7} {r['set_ms']:7}  "
              f"{'; '.join(r['commands'])}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
