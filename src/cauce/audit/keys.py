"""Keys that make the audit log tamper-evident, kept outside the database.

* The chain key (HMAC-SHA256) seals every event: whoever can write the database but not read this
  key cannot rewrite a suffix of the chain and recompute its hashes. It comes from
  `CAUCE_AUDIT_KEY` (at least 32 characters) or a file `audit.key` (mode 0600) created once in
  the data dir (`CAUCE_DATA_DIR`), like the Fernet key of the channel credentials.
* The anchor key (Ed25519) signs the periodic checkpoints written to `CAUCE_AUDIT_ANCHOR_DIR`
  (default: `audit-anchors/` in the data dir): file `audit-anchor.key` (PEM, mode 0600) in the
  data dir, or the path in `CAUCE_AUDIT_SIGNING_KEY_FILE`.

Back both up with the database, and keep them and the anchor directory on storage the database's
administrators cannot write: losing the chain key makes every keyed event fail verification.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cauce.config import default_data_dir, get_settings
from cauce.errors import CauceError

CHAIN_KEY_FILE = "audit.key"
SIGNING_KEY_FILE = "audit-anchor.key"
ANCHOR_DIR = "audit-anchors"
MIN_KEY_CHARS = 32

_cache: dict[tuple[str, str], bytes] = {}


class AuditKeyError(CauceError):
    code = "audit_key"
    status_code = 500


def _create_once(path: Path, content: bytes) -> bytes:
    """Write `content` to `path` unless it exists (O_EXCL: two processes never write two keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return content


def chain_key() -> bytes:
    env = (get_settings().audit_key or "").strip()
    if env:
        if len(env) < MIN_KEY_CHARS:
            raise AuditKeyError(f"CAUCE_AUDIT_KEY es demasiado corta: use al menos {MIN_KEY_CHARS} caracteres "
                                f"(p. ej. `python -c 'import secrets; print(secrets.token_hex(32))'`).")
        return env.encode()
    path = default_data_dir() / CHAIN_KEY_FILE
    cached = _cache.get(("chain", str(path)))
    if cached is not None:
        return cached
    key = path.read_bytes().strip() if path.exists() else _create_once(path, secrets.token_hex(32).encode())
    if len(key) < MIN_KEY_CHARS:
        raise AuditKeyError(f"La clave de auditoría {path} está vacía o es demasiado corta.")
    _cache[("chain", str(path))] = key
    return key


def key_id(key: bytes) -> str:
    """A short public fingerprint of the chain key (names it in checkpoints without revealing it)."""
    return hmac.new(key, b"cauce-audit-key-id", hashlib.sha256).hexdigest()[:16]


def anchor_dir() -> Path:
    return get_settings().audit_anchor_dir or default_data_dir() / ANCHOR_DIR


def signing_key() -> Ed25519PrivateKey:
    path = get_settings().audit_signing_key_file or default_data_dir() / SIGNING_KEY_FILE
    if path.exists():
        pem = path.read_bytes()
    else:
        fresh = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        pem = _create_once(path, fresh)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError:
        raise AuditKeyError(f"{path} no contiene una clave Ed25519 en PEM sin cifrar.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path} no contiene una clave Ed25519.")
    return key


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
