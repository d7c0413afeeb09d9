"""Signed checkpoints of the audit chain, written outside the database.

The hash chain shows a row edited in the middle, and the chain key stops a suffix from being
rewritten by someone without it; but a cut tail leaves a shorter chain that still verifies. So,
periodically (the worker's sweep) the head of the chain — (last seq, last hash, count) — is signed
with Ed25519 and written as `checkpoint-NNNNNN.json` to the anchor directory
(`CAUCE_AUDIT_ANCHOR_DIR`, default `audit-anchors/` in the data dir). Each checkpoint also carries
the digest of the one before it, and its writing is announced in the chain itself
(`audit.checkpoint`), so a deleted checkpoint file is noticed too.

`verify` checks the chain and every checkpoint: a signature that fails, a checkpoint whose event is
gone (a cut tail or a deleted range) or has another hash (a rewritten suffix), a gap in the
numbering, a checkpoint announced in the chain but missing from the directory.

What it cannot see: someone who can write both the database and the anchor directory and holds the
keys. Put the anchor directory on storage the database's administrators cannot write (another
host, a write-once bucket synced from it) — the checkpoint lines are also logged for that reason.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from cauce.audit import keys
from cauce.audit import service as audit
from cauce.config import get_settings
from cauce.db import utcnow

log = logging.getLogger(__name__)

ACTION = "audit.checkpoint"
_NAME = re.compile(r"checkpoint-(\d{6,})\.json")


@dataclass(frozen=True)
class Checkpoint:
    number: int
    seq: int
    hash: str
    count: int
    legacy_until: int
    prev: str  # sha256 of the previous checkpoint's signed body ("" for the first)
    created_at: str
    key_id: str
    public_key: str

    def body(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.body()).hexdigest()


def _path(directory: Path, number: int) -> Path:
    return directory / f"checkpoint-{number:06d}.json"


def _read(path: Path) -> tuple[Checkpoint, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    signature = str(data.pop("signature"))
    return Checkpoint(**data), signature


def _files(directory: Path) -> dict[int, Path]:
    if not directory.is_dir():
        return {}
    found = {}
    for path in directory.iterdir():
        match = _NAME.fullmatch(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def checkpoint_interval() -> timedelta:
    """At most one checkpoint per interval (`CAUCE_AUDIT_CHECKPOINT_SECONDS`, default 600)."""
    return timedelta(seconds=get_settings().audit_checkpoint_seconds)


def write_checkpoint(session: Session, *, force: bool = False) -> Checkpoint | None:
    """Sign the chain's head into the next checkpoint file and announce it in the chain.

    Nothing is written when the chain has not moved since the last checkpoint (apart from that
    checkpoint's own announcement) or the last one is younger than `checkpoint_interval()`,
    unless `force`. The caller commits the announcement.
    """
    directory = keys.anchor_dir()
    files = _files(directory)
    previous = _read(files[max(files)])[0] if files else None
    if previous is not None and not force:
        if datetime.fromisoformat(previous.created_at) + checkpoint_interval() > utcnow():
            return None
        if not audit.count_after(session, seq=previous.seq, except_action=ACTION):
            return None  # nothing new but the previous checkpoint's own announcement
    # Only what came after the previous checkpoint is checked (the whole chain at the first one).
    report = audit.verify_chain(session, legacy_until=previous.legacy_until if previous else None,
                                start=(previous.seq, previous.hash) if previous else None)
    if not report.ok:
        # Never sign a broken chain: that would bless the tampering.
        log.error("audit chain does not verify (%s at event %s): no checkpoint written",
                  report.problem, report.first_bad_id)
        return None
    if report.last_seq == 0:
        return None
    signer = keys.signing_key()
    number = (previous.number + 1) if previous else 1
    point = Checkpoint(number=number, seq=report.last_seq, hash=report.last_hash,
                       count=audit.sealed_count(session, up_to_seq=report.last_seq),
                       legacy_until=previous.legacy_until if previous else report.legacy_until,
                       prev=previous.digest() if previous else "", created_at=utcnow().isoformat(),
                       key_id=keys.key_id(keys.chain_key()), public_key=keys.public_key_hex(signer.public_key()))
    content = json.loads(point.body()) | {"signature": signer.sign(point.body()).hex()}
    directory.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(_path(directory, number), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None  # another process wrote this number first
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(content, handle, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    log.info("audit checkpoint %s", json.dumps(content, sort_keys=True))
    audit.record(session, actor=audit.SYSTEM, action=ACTION, entity_type="audit_checkpoint", entity_id=number,
                 after={"number": number, "seq": point.seq, "hash": point.hash})
    return point


@dataclass
class VerifyReport:
    ok: bool
    checked: int
    checkpoints: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_bad_id: int | None = None
    redacted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(session: Session) -> VerifyReport:
    """Check the chain and every checkpoint in the anchor directory; explain what does not fit."""
    directory = keys.anchor_dir()
    files = _files(directory)
    problems: list[str] = []
    warnings: list[str] = []
    public = keys.public_key_hex(keys.signing_key().public_key())
    points: list[Checkpoint] = []
    for number in sorted(files):
        try:
            point, signature = _read(files[number])
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(f"El punto de control {number} ({files[number]}) no se puede leer: {exc}.")
            continue
        if point.number != number:
            problems.append(f"El archivo {files[number].name} dice ser el punto de control {point.number}.")
        if point.public_key != public:
            problems.append(f"El punto de control {number} está firmado con otra clave ({point.public_key[:16]}…).")
            continue
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(bytes.fromhex(signature), point.body())
        except (InvalidSignature, ValueError):
            problems.append(f"La firma del punto de control {number} no es válida: el archivo fue alterado.")
            continue
        points.append(point)
    expected = 1
    for point in points:
        if point.number != expected:
            problems.append(f"Falta el punto de control {expected} en {directory}: fue borrado.")
        expected = point.number + 1
    for before, after in itertools.pairwise(points):
        if after.number == before.number + 1 and after.prev != before.digest():
            problems.append(f"El punto de control {after.number} no enlaza con el {before.number}.")
    legacy_until = points[0].legacy_until if points else None
    report = audit.verify_chain(session, legacy_until=legacy_until)
    if not report.ok:
        problems.append(f"La cadena de auditoría no verifica en el evento {report.first_bad_id}: {report.problem}.")
    last_seq, _ = audit.head(session)
    key_id = keys.key_id(keys.chain_key())
    for point in points:
        if point.key_id != key_id:
            warnings.append(f"El punto de control {point.number} se selló con otra clave de auditoría "
                            f"({point.key_id}); la actual es {key_id}.")
        if point.seq > last_seq:
            problems.append(f"La cadena fue recortada: el punto de control {point.number} ({point.created_at}) "
                            f"cubre hasta el evento {point.seq} y la cadena termina en el {last_seq}.")
            continue
        if audit.hash_at(session, point.seq) != point.hash:
            problems.append(f"La cadena fue reescrita: el evento {point.seq} no tiene el hash firmado en el punto "
                            f"de control {point.number} ({point.created_at}).")
        elif audit.sealed_count(session, up_to_seq=point.seq) != point.count:
            problems.append(f"Faltan eventos: el punto de control {point.number} contó {point.count} hasta el "
                            f"evento {point.seq}.")
    have = {p.number for p in points}
    for event in audit.events_by_action(session, ACTION):
        number = int((event.after or {}).get("number", event.entity_id))
        if number not in have and number not in files:
            problems.append(f"Falta el punto de control {number} (anunciado en el evento {event.seq}) en "
                            f"{directory}: fue borrado.")
    if not points and not problems and last_seq:
        warnings.append(f"Aún no hay puntos de control en {directory}: un recorte de la cola no se podría detectar "
                        f"(el worker los escribe; o `cauce audit checkpoint`).")
    return VerifyReport(ok=not problems, checked=report.checked, checkpoints=len(points), problems=problems,
                        warnings=warnings, first_bad_id=report.first_bad_id, redacted=report.redacted)
