#!/usr/bin/env python3
"""Helpers for bench/many-keys.sh (Python 3 standard library only).

  many_keys.py seed DB TOTAL TEMPLATE_KEY_ID
      adds keys to the SQLite store DB until its ApiKeys table holds TOTAL rows: each a copy of the template key's row
      with its own id, name, hint and the SHA-256 digest of its own well-formed fc_live_ secret (keys.py's generator,
      the digest the app computes), in one transaction. The secrets are not kept: these keys only have to exist.
  many_keys.py seed-postgres CONNINFO TOTAL TEMPLATE_KEY_ID
      the same for a PostgreSQL store (CONNINFO as psql takes it: "host=… port=… user=… dbname=…"), through psql: the
      new ids, names, hints and digests are sent with COPY into a temporary table, and one INSERT … SELECT copies the
      template's other columns, in one transaction; then ANALYZE.
  many_keys.py first-request URL KEY LOG -- COMMAND...
      starts COMMAND (the server), then asks URL with "Authorization: Bearer KEY" every 10 ms; prints the milliseconds
      from the start to the first 200 and to the first 200 from /health/ready beside it (same host), then stops the
      server (SIGTERM). Its output goes to LOG.
"""
import hashlib
import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keys  # noqa: E402


def seed(db_path: str, total: int, template_id: str) -> None:
    db = sqlite3.connect(db_path)
    have = db.execute("SELECT COUNT(*) FROM ApiKeys").fetchone()[0]
    columns = [row[1] for row in db.execute("PRAGMA table_info(ApiKeys)")]
    replaced = {"Id": "?", "Name": "?", "Hint": "?", "SecretHash": "?"}
    select = ", ".join(replaced.get(c, f'"{c}"') for c in columns)
    sql = f'INSERT INTO ApiKeys ({", ".join(chr(34) + c + chr(34) for c in columns)}) SELECT {select} FROM ApiKeys WHERE Id = ?'
    order = [c for c in columns if c in replaced]

    def rows():
        for i in range(have, total):
            secret = keys.random_key()
            values = {"Id": f"key_seed{i:020d}", "Name": f"seed-{i}", "Hint": f"{secret[:12]}…{secret[-4:]}",
                      "SecretHash": hashlib.sha256(secret.encode("ascii")).digest()}
            yield tuple(values[c] for c in order) + (template_id,)

    started = time.monotonic()
    with db:
        db.executemany(sql, rows())
    count = db.execute("SELECT COUNT(*) FROM ApiKeys").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"{count} keys ({count - have} added in {time.monotonic() - started:.1f} s)", file=sys.stderr)
    if count < total:
        sys.exit(f"expected {total} keys, found {count}")


def psql(conninfo: str, *args: str, stdin=None) -> subprocess.Popen:
    return subprocess.Popen(["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-X", "-qtA", *args], stdin=stdin,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8")


def psql_value(conninfo: str, sql: str) -> str:
    process = psql(conninfo, "-c", sql)
    out, _ = process.communicate()
    if process.returncode != 0:
        sys.exit(f"psql failed on: {sql}")
    return out.strip()


def seed_postgres(conninfo: str, total: int, template_id: str) -> None:
    have = int(psql_value(conninfo, 'SELECT COUNT(*) FROM "ApiKeys"'))
    columns = psql_value(conninfo, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                                   "AND table_name = 'ApiKeys' ORDER BY ordinal_position").split()
    replaced = ("Id", "Name", "Hint", "SecretHash")
    # Every table and column is quoted, as EF Core made them (mixed case).
    select = ", ".join(f's."{c}"' if c in replaced else f'k."{c}"' for c in columns)
    template = template_id.replace("'", "''")
    started = time.monotonic()
    process = psql(conninfo, "--single-transaction", "-f", "-", stdin=subprocess.PIPE)
    write = process.stdin.write
    write('CREATE TEMP TABLE seed ("Id" text, "Name" text, "Hint" text, "SecretHash" bytea) ON COMMIT DROP;\n')
    write("COPY seed FROM STDIN;\n")
    for i in range(have, total):
        secret = keys.random_key()
        digest = hashlib.sha256(secret.encode("ascii")).hexdigest()
        # COPY's text format: a backslash is doubled, so the bytea literal \x… is written \\x….
        write(f"key_seed{i:020d}\tseed-{i}\t{secret[:12]}…{secret[-4:]}\t\\\\x{digest}\n")
    write("\\.\n")
    write(f'INSERT INTO "ApiKeys" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
          f"SELECT {select} FROM seed s CROSS JOIN \"ApiKeys\" k WHERE k.\"Id\" = '{template}';\n")
    process.stdin.close()
    process.wait()
    if process.returncode != 0:
        sys.exit("seeding through psql failed")
    psql_value(conninfo, 'ANALYZE "ApiKeys"')
    count = int(psql_value(conninfo, 'SELECT COUNT(*) FROM "ApiKeys"'))
    print(f"{count} keys ({count - have} added in {time.monotonic() - started:.1f} s)", file=sys.stderr)
    if count < total:
        sys.exit(f"expected {total} keys, found {count}")


def status(host: str, port: int, path: str, headers: dict) -> int:
    try:
        connection = http.client.HTTPConnection(host, port, timeout=5)
        connection.request("GET", path, headers=headers)
        code = connection.getresponse().status
        connection.close()
        return code
    except OSError:
        return 0


def first_request(url: str, key: str, log: str, command: list) -> None:
    parsed = urllib.parse.urlsplit(url)
    headers = {"Authorization": f"Bearer {key}"}
    with open(log, "ab") as out:
        started = time.monotonic()
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        first = ready = listening = None
        try:
            while first is None or ready is None or listening is None:
                if server.poll() is not None:
                    sys.exit(f"the server exited during start-up (status {server.returncode}); see {log}")
                if time.monotonic() - started > 120:
                    sys.exit(f"no answer within 120 s; see {log}")
                # /health answers as soon as the server listens (it does no I/O): the start-up before the app's own work.
                if listening is None and status(parsed.hostname, parsed.port, "/health", {}) == 200:
                    listening = time.monotonic() - started
                if first is None:
                    code = status(parsed.hostname, parsed.port, parsed.path, headers)
                    if code == 200:
                        first = time.monotonic() - started
                    elif code not in (0, 503):
                        sys.exit(f"the key got {code}, not 200; see {log}")
                if ready is None and status(parsed.hostname, parsed.port, "/health/ready", {}) == 200:
                    ready = time.monotonic() - started
                time.sleep(0.01)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"{first * 1000:.0f} {ready * 1000:.0f} {listening * 1000:.0f}")


def main(argv: list) -> None:
    if len(argv) == 5 and argv[1] == "seed":
        seed(argv[2], int(argv[3]), argv[4])
    elif len(argv) == 5 and argv[1] == "seed-postgres":
        seed_postgres(argv[2], int(argv[3]), argv[4])
    elif len(argv) > 6 and argv[1] == "first-request" and argv[5] == "--":
        first_request(argv[2], argv[3], argv[4], argv[6:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
