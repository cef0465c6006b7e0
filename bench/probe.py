#!/usr/bin/env python3
"""HTTP helpers for bench/auth.sh (Python 3 standard library only; one keep-alive connection per call).

  probe.py tally BASE PATH HEADER VALUE N    send N GETs with "HEADER: VALUE"; print the tally of responses as
                                             "STATUS[:code]=COUNT,..." (the format of cycle.lua's BENCH_STATUS line)
  probe.py mint BASE KEY NAME PER_MINUTE     create a key through the API (authenticated with KEY, sent as Bearer)
                                             with its own limit of PER_MINUTE requests a minute; print "ID SECRET"
  probe.py keyid BASE KEY                    print the id of KEY (from GET /api/v1/company-info)
  probe.py propagation A B KEY N             N times: create a key through A's API (authenticated with KEY), get a 200
                                             for it from B (so B has it cached), revoke it with DELETE on A, and ask B
                                             on one kept-alive connection, as fast as it answers, until it says 401;
                                             one line per revocation on stderr, then the milliseconds from the DELETE's
                                             answer (and from it being sent) to B's first 401 on stdout, as
                                             "after_answer,... after_send,..."
  probe.py propagation-cli A B KEY -- CMD... the same once, revoking with CMD (the app's "apikey revoke", the key's
                                             id appended): milliseconds from launching CMD and from its exit to B's
                                             first 401, on stdout as "after_exit after_launch" (after_exit is negative
                                             when B refused the key before the command had exited)

BASE is http://host:port. Exit status 1, with the response on stderr, when a call does not answer as expected.
"""
import datetime
import http.client
import json
import subprocess
import sys
import time
import urllib.parse


def connect(base: str) -> http.client.HTTPConnection:
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def code_of(status: int, body: bytes) -> str:
    if status < 400:
        return str(status)
    try:
        return f"{status}:{json.loads(body)['code']}"
    except (ValueError, KeyError, TypeError):
        return str(status)


def tally(base: str, path: str, header: str, value: str, n: int) -> int:
    conn, counts = connect(base), {}
    for _ in range(n):
        conn.request("GET", path, headers={header: value})
        response = conn.getresponse()
        key = code_of(response.status, response.read())
        counts[key] = counts.get(key, 0) + 1
    print(",".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 0


def mint(base: str, key: str, name: str, per_minute: int) -> int:
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=90)
    body = json.dumps({
        "name": name,
        "scopes": ["clients:read"],
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rateLimit": {"requestsPerMinute": per_minute},
    })
    conn = connect(base)
    conn.request("POST", "/api/v1/api-keys", body=body,
                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 201:
        print(f"POST /api/v1/api-keys answered {response.status}: {data[:400]!r}", file=sys.stderr)
        return 1
    created = json.loads(data)
    print(created["id"], created["key"])
    return 0


def keyid(base: str, key: str) -> int:
    conn = connect(base)
    conn.request("GET", "/api/v1/company-info", headers={"Authorization": f"Bearer {key}"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        print(f"GET /api/v1/company-info answered {response.status}: {data[:400]!r}", file=sys.stderr)
        return 1
    print(json.loads(data)["credential"]["id"])
    return 0


def create_key(base: str, key: str, name: str, per_minute: int) -> tuple:
    """Creates a key through the API and returns (id, secret); raises on any other answer than 201."""
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    conn = connect(base)
    conn.request("POST", "/api/v1/api-keys", body=json.dumps({
        "name": name, "scopes": ["clients:read"], "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rateLimit": {"requestsPerMinute": per_minute}}),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 201:
        raise RuntimeError(f"POST /api/v1/api-keys on {base} answered {response.status}: {data[:400]!r}")
    created = json.loads(data)
    return created["id"], created["key"]


class Poller:
    """GET /api/v1/company-info with one key on one kept-alive connection (reopened if the server closes it)."""

    def __init__(self, base: str, secret: str):
        self.base, self.headers, self.conn, self.requests = base, {"Authorization": f"Bearer {secret}"}, None, 0

    def ask(self) -> str:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = connect(self.base)
            try:
                self.conn.request("GET", "/api/v1/company-info", headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
                self.requests += 1
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return code_of(response.status, body)
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return ""

    def warm(self) -> None:
        """Two 200s in a row: the first may read the store, the second is answered from B's cache."""
        for _ in range(2):
            got = self.ask()
            if got != "200":
                raise RuntimeError(f"the new key got {got} from {self.base}, not 200")

    def until_refused(self, limit_s: float = 10.0) -> tuple:
        """Asks until the answer is not 200; returns (monotonic time of that answer, the answer)."""
        deadline = time.perf_counter() + limit_s
        while True:
            got = self.ask()
            now = time.perf_counter()
            if got != "200":
                return now, got
            if now > deadline:
                raise RuntimeError(f"{self.base} still accepts the revoked key after {limit_s:.0f} s")


def propagation(base_a: str, base_b: str, key: str, n: int) -> int:
    after_answer, after_send = [], []
    revoker = connect(base_a)
    for i in range(1, n + 1):
        key_id, secret = create_key(base_a, key, f"bench-revoke-{i}", 1000000)
        poller = Poller(base_b, secret)
        poller.warm()
        sent = time.perf_counter()
        revoker.request("DELETE", f"/api/v1/api-keys/{key_id}", headers={"Authorization": f"Bearer {key}"})
        response = revoker.getresponse()
        response.read()
        answered = time.perf_counter()
        if response.status != 204:
            raise RuntimeError(f"DELETE /api/v1/api-keys/{key_id} on {base_a} answered {response.status}")
        refused, got = poller.until_refused()
        if got != "401:key_revoked":
            raise RuntimeError(f"B answered {got} for the revoked key, not 401 key_revoked")
        after_answer.append((refused - answered) * 1000)
        after_send.append((refused - sent) * 1000)
        print(f"revocation {i}/{n}: DELETE answered in {(answered - sent) * 1000:.1f} ms; B refused the key "
              f"{after_answer[-1]:.1f} ms after that answer ({poller.requests - 2} asks to B after the answer; 1 = its first answer was already 401)", file=sys.stderr)
    print(",".join(f"{v:.1f}" for v in after_answer), ",".join(f"{v:.1f}" for v in after_send))
    return 0


def propagation_cli(base_a: str, base_b: str, key: str, command: list) -> int:
    key_id, secret = create_key(base_a, key, "bench-revoke-cli", 1000000)
    poller = Poller(base_b, secret)
    poller.warm()
    launched = time.perf_counter()
    process = subprocess.Popen(command + [key_id], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    exited = None
    deadline = launched + 60
    while True:
        if exited is None and process.poll() is not None:
            exited = time.perf_counter()
            if process.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} {key_id} exited {process.returncode}: {process.stderr.read()[:400]!r}")
        got = poller.ask()
        now = time.perf_counter()
        if got != "200":
            refused = now
            break
        if now > deadline:
            raise RuntimeError(f"{base_b} still accepts the key 60 s after the command was launched")
    if exited is None:
        process.wait(60)
        exited = time.perf_counter()
    if got != "401:key_revoked":
        raise RuntimeError(f"B answered {got} for the revoked key, not 401 key_revoked")
    print(f"{(refused - exited) * 1000:.1f} {(refused - launched) * 1000:.1f}")
    return 0


def main(argv: list) -> int:
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "tally" and len(args) == 5:
        return tally(args[0], args[1], args[2], args[3], int(args[4]))
    if cmd == "mint" and len(args) == 4:
        return mint(args[0], args[1], args[2], int(args[3]))
    if cmd == "keyid" and len(args) == 2:
        return keyid(args[0], args[1])
    try:
        if cmd == "propagation" and len(args) == 4:
            return propagation(args[0], args[1], args[2], int(args[3]))
        if cmd == "propagation-cli" and len(args) > 4 and args[3] == "--":
            return propagation_cli(args[0], args[1], args[2], args[4:])
    except (RuntimeError, OSError, http.client.HTTPException) as error:
        print(error, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
