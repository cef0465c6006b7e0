#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector for bench/telemetry.sh (Python 3 standard library only).

  otlp_sink.py PORT_FILE
      listens on a free loopback port (written to PORT_FILE once listening) and answers every POST with 200 and an
      empty protobuf body (a valid, empty Export*ServiceResponse), reading and discarding what it is sent;
      GET /stats answers {"/v1/traces": {"requests": N, "bytes": N}, "/v1/metrics": {...}, ...}, by path.
      Runs until it is sent SIGTERM.

So the app's exporter really serializes and sends its batches, as it would to a collector, at the least cost on this
side: nothing is decoded.
"""
import http.server
import json
import sys
import threading

STATS = {}
LOCK = threading.Lock()


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a collector would

    def do_POST(self):  # noqa: N802 (the standard library's naming)
        length = int(self.headers.get("Content-Length") or 0)
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                break
            remaining -= len(chunk)
        path = self.path.split("?", 1)[0]
        with LOCK:
            entry = STATS.setdefault(path, {"requests": 0, "bytes": 0})
            entry["requests"] += 1
            entry["bytes"] += length - remaining
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        with LOCK:
            body = json.dumps(STATS, sort_keys=True).encode()
        self.send_response(200 if self.path == "/stats" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # one line per export would be noise
        pass


def main(argv: list) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    server.daemon_threads = True
    with open(argv[1], "w", encoding="ascii") as f:
        f.write(f"{server.server_address[1]}\n")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main(sys.argv))
