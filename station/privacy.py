"""idTokens in operator log lines: a keyed digest that nobody can turn back into the token.

A card UID is 4 to 10 bytes: a plain hash of it is reversed by trying them all. Operator
lines (journald, the buffer GetLog DiagnosticsLog uploads) therefore carry
``idt-<12 hex>``, an HMAC-SHA256 of the idToken (lower-cased: idTokens compare without
regard to case) under a per-station key of 32 random bytes. The same card gives the same
reference while the key lasts, so an operator can follow one card through the lines;
without the key the reference says nothing about the token.

The key lives in ``<data_dir>/log-token.key`` (0600), read by the OCPP side at start.
When the CSMS clears a customer's data (CustomerInformation, N10), `forget` removes the
lines that mention the customer's reference from the in-memory buffer and replaces the
key: the references already written to journald were made with a key that no longer
exists, so they cannot be linked to that idToken by anyone, the station's own user and
root included. Other cards get new references from then on.

A process that never loaded a key (the control process, which passes card UIDs on and
keeps no files of this kind; tools; tests) uses a random key of its own that is never
written anywhere: its references are consistent within the process and irreversible.

Log an idToken as ``log.info("event=... id_token=%s", token_ref(token))``: the reference
is computed when the line is formatted, with the key of that moment.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

KEY_FILE = "log-token.key"
KEY_BYTES = 32
#: Hex digits of the digest kept: 48 bits, enough to tell a station's cards apart.
REFERENCE_DIGITS = 12

_key: bytes = secrets.token_bytes(KEY_BYTES)


def reference(token: str) -> str:
    """The reference of ``token`` under the current key (``idt-`` + 12 hex digits)."""
    digest = hmac.new(_key, token.lower().encode(), hashlib.sha256).hexdigest()
    return f"idt-{digest[:REFERENCE_DIGITS]}"


class TokenRef:
    """A log argument that formats as the reference of an idToken, never as the token."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        self._token = token

    def __str__(self) -> str:
        return reference(self._token)

    __repr__ = __str__


def token_ref(token: str) -> TokenRef:
    """What to pass to a log call in place of an idToken (or card UID)."""
    return TokenRef(token)


def load_key(data_dir: Path) -> None:
    """Use the station's key from ``data_dir``, creating it on first start (blocking)."""
    global _key
    path = data_dir / KEY_FILE
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        stored = b""
    if len(stored) != KEY_BYTES:
        stored = _write_new_key(path)
    _key = stored


def rotate_key(data_dir: Path | None) -> None:
    """Replace the key (in ``data_dir`` when given): references made so far can no longer
    be linked to their tokens (blocking: file I/O)."""
    global _key
    _key = _write_new_key(data_dir / KEY_FILE) if data_dir is not None else _new_key()


#: Where new keys come from. A deterministic simulation sets a seeded source so that a
#: life's log lines replay identically; everything else keeps the OS's randomness.
key_source: Callable[[int], bytes] = secrets.token_bytes


def _new_key() -> bytes:
    return key_source(KEY_BYTES)


def _write_new_key(path: Path) -> bytes:
    """A new key written atomically, 0600, on disk before it is used."""
    key = _new_key()
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(descriptor, key)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return key


__all__ = ["KEY_FILE", "TokenRef", "load_key", "reference", "rotate_key", "token_ref"]
