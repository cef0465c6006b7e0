#!/usr/bin/env python3
"""HTTP helpers for bench/auth.sh (Python 3 standard library only; one keep-alive connection per call).

  probe.py tally BASE PATH HEADER VALUE N    send N GETs with "HEADER: VALUE"; print the tally of responses as
                                             "STATUS[:code]=COUNT,..." (the format of cycle.lua's BENCH_STATUS line)
  probe.py mint BASE KEY NAME PER_MINUTE     create a key through the API (authenticated with KEY, sent as Bearer)
                                             with its own limit of PER_MINUTE requests a minute; print "ID SECRET"
  probe.py keyid BASE KEY                    print the id of KEY (from GET /api/v1/company-info)

BASE is http://host:port. Exit status 1, with the response on stderr, when a call does not answer as expected.
"""
import datetime
import http.client
import json
import sys
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


def main(argv: list) -> int:
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "tally" and len(args) == 5:
        return tally(args[0], args[1], args[2], args[3], int(args[4]))
    if cmd == "mint" and len(args) == 4:
        return mint(args[0], args[1], args[2], int(args[3]))
    if cmd == "keyid" and len(args) == 2:
        return keyid(args[0], args[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
