#!/usr/bin/env python3
"""Credential helpers for bench/auth.sh (Python 3 standard library only).

  keys.py check KEY              exit 0 when KEY is a well-formed fc_live_ key with a valid checksum
  keys.py unknown N FILE         N distinct well-formed keys with a VALID checksum (unknown to the server)
  keys.py badsum N FILE          N distinct keys whose checksum is wrong (a valid key with its last char changed)
  keys.py jwt SIGNING_KEY CLAIMS_JSON   an HS256 JWT carrying CLAIMS_JSON, signed with SIGNING_KEY (UTF-8)

Key format (DESIGN.md section 4): "fc_live_" + 43 base62 chars + 6-char checksum, where the checksum is the
CRC-32 (zlib) of the ASCII bytes of everything before it, in base62 (0-9A-Za-z, ASCII order), most significant
digit first, left-padded with '0' to 6 characters.
"""
import base64
import hashlib
import hmac
import json
import secrets
import sys
import zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIX = "fc_live_"
RANDOM_DIGITS = 43
CHECKSUM_DIGITS = 6
LENGTH = len(PREFIX) + RANDOM_DIGITS + CHECKSUM_DIGITS  # 57


def base62(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, r = divmod(value, 62)
        digits.append(ALPHABET[r])
    if value:
        raise ValueError("value does not fit")
    return "".join(reversed(digits))


def checksum(body: str) -> str:
    return base62(zlib.crc32(body.encode("ascii")) & 0xFFFFFFFF, CHECKSUM_DIGITS)


def is_well_formed(key: str) -> bool:
    if len(key) != LENGTH or not key.startswith(PREFIX):
        return False
    if any(c not in ALPHABET for c in key[len(PREFIX):]):
        return False
    body = key[: LENGTH - CHECKSUM_DIGITS]
    return key[LENGTH - CHECKSUM_DIGITS:] == checksum(body)


def random_key() -> str:
    # 43 base62 digits drawn uniformly: random bytes below 248 (= 4 * 62), each taken modulo 62; then the checksum.
    digits = []
    while len(digits) < RANDOM_DIGITS:
        digits.extend(ALPHABET[b % 62] for b in secrets.token_bytes(64) if b < 248)
    body = PREFIX + "".join(digits[:RANDOM_DIGITS])
    return body + checksum(body)


def distinct(n: int, make) -> list:
    seen, out = set(), []
    while len(out) < n:
        k = make()
        if k not in seen:
            seen.add(k)
            out.append(k)
    return out


def bad_checksum_key() -> str:
    key = random_key()
    last = key[-1]
    replacement = secrets.choice([c for c in ALPHABET if c != last])
    bad = key[:-1] + replacement
    assert not is_well_formed(bad)
    return bad


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_hs256(signing_key: str, claims: dict) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(signing_key.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def write_lines(path: str, lines: list) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


def main(argv: list) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "check" and len(argv) == 3:
        return 0 if is_well_formed(argv[2].strip()) else 1
    if cmd == "unknown" and len(argv) == 4:
        keys = distinct(int(argv[2]), random_key)
        assert all(is_well_formed(k) for k in keys[:1000])
        write_lines(argv[3], keys)
        return 0
    if cmd == "badsum" and len(argv) == 4:
        write_lines(argv[3], distinct(int(argv[2]), bad_checksum_key))
        return 0
    if cmd == "jwt" and len(argv) == 4:
        print(jwt_hs256(argv[2], json.loads(argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
