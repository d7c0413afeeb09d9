"""Write and verify the append-only audit log.

Every event stores the hash of the event before it, so editing or deleting any row breaks the
chain at that row (`verify_chain`). Database triggers (see the migration) refuse UPDATE of a
sealed row and any DELETE; the ORM refuses them too.

Sealing: events are inserted with a pending hash and sealed together just before their
transaction commits — under the database's write lock (SQLite takes it at BEGIN IMMEDIATE) or an
advisory transaction lock (PostgreSQL) — so the chain, ordered by `seq`, never forks, and a
transaction that writes many events pays for one chain read and one batched update. Batch writers
(`deferred`) skip the update: their events are inserted already sealed, under the same lock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, event, func, inspect, null, select, text, update
from sqlalchemy.orm import Session

from cauce.audit import keys
from cauce.audit.models import AuditEvent
from cauce.db import bulk_insert, reserve_ids, table_of, utcnow

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_270_101  # arbitrary, stable: "audit chain" advisory lock


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, the system itself, or a connector."""

    type: str
    id: str | None = None
    label: str | None = None

    @classmethod
    def user(cls, user_id: int, label: str) -> Actor:
        return cls("user", str(user_id), label)

    @classmethod
    def connector(cls, name: str) -> Actor:
        return cls("connector", name, name)


SYSTEM = Actor("system", None, "Cauce")


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_: Any) -> None:
    raise AppendOnlyViolation("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_: Any) -> None:
    raise AppendOnlyViolation("audit events are append-only")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _json_default(value: Any) -> Any:
    """What `json.dumps` cannot encode itself, encoded as `_jsonable` would."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set):
        return list(value)
    return str(value)


def _canonical(fields: dict[str, Any]) -> str:
    # The fields are `_jsonable` already (string keys), so json's own encoding gives the same text.
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """The unkeyed hash of the earlier code (chain_version NULL): still how those rows verify."""
    return hashlib.sha256((prev_hash + _canonical(fields)).encode()).hexdigest()


KEYED = 2
_PAYLOAD = ("before", "after", "reason")
_HASHED = ("id", "created_at", "actor_type", "actor_id", "actor_label", "brand_id", "case_id", "entity_type",
           "entity_id", "action", "before", "after", "reason")
_META = tuple(name for name in _HASHED if name not in _PAYLOAD)


def _payload_digest(key: bytes, fields: dict[str, Any]) -> str:
    # Keyed, so that an erased payload cannot be guessed back from its digest (names are few).
    text_ = _canonical({name: fields[name] for name in _PAYLOAD})
    return hmac.digest(key, b"cauce-audit-payload\n" + text_.encode(), "sha256").hex()


def _keyed_digest(key: bytes, prev_hash: str, fields: dict[str, Any], payload_digest: str, seq: int) -> str:
    meta = {name: fields[name] for name in _META} | {"payload": payload_digest, "seq": seq, "v": KEYED}
    return hmac.digest(key, (prev_hash + _canonical(meta)).encode(), "sha256").hex()


def _seal(key: bytes, prev_hash: str, fields: dict[str, Any], seq: int) -> tuple[str, str]:
    """(payload digest, hash) of a new event."""
    payload = _payload_digest(key, fields)
    return payload, _keyed_digest(key, prev_hash, fields, payload, seq)


def _redaction_seal(key: bytes, row: AuditEvent) -> str:
    """Vouches for what is left of an unkeyed event once its payload is erased."""
    meta = {name: _hashed_fields(row)[name] for name in _META} | {"seq": row.seq, "hash": row.hash}
    return hmac.new(key, b"cauce-audit-redaction\n" + _canonical(meta).encode(), hashlib.sha256).hexdigest()


def _hashed_fields(row: AuditEvent | dict[str, Any]) -> dict[str, Any]:
    """The fields the hash covers, from an ORM row or a row about to be inserted."""
    fields = dict(row) if isinstance(row, dict) else {name: getattr(row, name) for name in _HASHED}
    hashed = {name: fields[name] for name in _HASHED}
    hashed["created_at"] = fields["created_at"].isoformat(timespec="microseconds")
    return hashed


_PENDING_KEY = "cauce_audit_pending"


_DEFERRED_KEY = "cauce_audit_deferred"


class IdOf:
    """The primary key of a row that may not have one yet: read when the event is written."""

    __slots__ = ("row",)

    def __init__(self, row: Any) -> None:
        self.row = row


def _resolve(session: Session, value: Any) -> Any:
    if not isinstance(value, IdOf):
        return value
    if value.row.id is None:
        session.flush()  # the row is new: its id comes from the database
    return value.row.id


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    case_id: int | IdOf | None = None,
    brand_id: int | None = None,
) -> None:
    """Append one event in the caller's transaction; it is sealed into the chain at commit.

    `entity_id` and `case_id` may be `IdOf(row)` for a row not flushed yet. Inside `deferred`, the
    event is only queued; otherwise such a row is flushed now.
    """
    queue: list[dict[str, Any]] | None = session.info.get(_DEFERRED_KEY)
    if queue is not None:
        queue.append({"created_at": utcnow(), "actor": actor, "action": action, "entity_type": entity_type,
                      "entity_id": entity_id, "before": before, "after": after, "reason": reason,
                      "case_id": case_id, "brand_id": brand_id})
        return
    _add(session, created_at=utcnow(), actor=actor, action=action, entity_type=entity_type, entity_id=entity_id,
         before=before, after=after, reason=reason, case_id=case_id, brand_id=brand_id)


def _values(session: Session, *, created_at: datetime, actor: Actor, action: str, entity_type: str, entity_id: Any,
            before: dict[str, Any] | None, after: dict[str, Any] | None, reason: str | None,
            case_id: int | IdOf | None, brand_id: int | None) -> dict[str, Any]:
    return {
        "created_at": created_at,
        "actor_type": actor.type,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "brand_id": brand_id,
        "case_id": _resolve(session, case_id),
        "entity_type": entity_type,
        "entity_id": str(_resolve(session, entity_id)),
        "action": action,
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
        "reason": reason,
    }


def _add(session: Session, **event: Any) -> None:
    row = AuditEvent(**_values(session, **event), prev_hash="", hash=f"pending:{uuid.uuid4().hex}")
    session.add(row)
    session.info.setdefault(_PENDING_KEY, []).append(row)


@contextmanager
def deferred(session: Session) -> Iterator[None]:
    """Queue the events recorded inside; write them, in order and sealed, when the block ends without error.

    For batch writers that flush many new rows at once: each event's ids are read after that flush
    instead of forcing one flush per row, and the events go in with one batched insert, already
    sealed into the chain (no ORM rows, no sealing update at commit). An error inside drops the
    queue (the caller rolls back).
    """
    if session.info.get(_DEFERRED_KEY) is not None:
        yield  # already deferring: the outer block writes
        return
    queue: list[dict[str, Any]] = []
    session.info[_DEFERRED_KEY] = queue
    try:
        yield
    finally:
        session.info.pop(_DEFERRED_KEY, None)
    session.flush()
    _insert_sealed(session, [_values(session, **kwargs) for kwargs in queue])


def _chain_head(session: Session) -> tuple[int, str]:
    """Take the chain lock (held until the transaction ends) and read the last sealed link."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if last is None or last[0] is None:
        return 0, GENESIS
    return last[0], last[1]


def _insert_sealed(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert events already linked into the chain (under the chain lock, like `_seal_pending`)."""
    if not rows:
        return
    table = table_of(AuditEvent)
    ids = reserve_ids(session, table, len(rows))  # the hash covers the id
    key = keys.chain_key()
    seq, prev_hash = _chain_head(session)
    for row, row_id in zip(rows, ids, strict=True):
        seq += 1
        row["id"] = row_id
        payload, sealed = _seal(key, prev_hash, _hashed_fields(row), seq)
        row.update(seq=seq, prev_hash=prev_hash, hash=sealed, chain_version=KEYED, payload_digest=payload,
                   redacted_at=None, redaction_seal=None)
        prev_hash = sealed
    bulk_insert(session, table, rows)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # releasing a savepoint: seal once, when the real transaction commits
    pending: list[AuditEvent] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    session.flush()
    # Events added inside a rolled-back savepoint are no longer persistent: they never happened.
    rows = sorted((r for r in pending if inspect(r).persistent), key=lambda r: r.id)
    if not rows:
        return
    key = keys.chain_key()
    seq, prev_hash = _chain_head(session)
    updates = []
    for row in rows:
        seq += 1
        payload, sealed = _seal(key, prev_hash, _hashed_fields(row), seq)
        updates.append({"row_id": row.id, "seq": seq, "prev_hash": prev_hash, "hash": sealed, "payload": payload})
        prev_hash = sealed
    table = table_of(AuditEvent)
    session.execute(
        update(table).where(table.c.id == bindparam("row_id")).values(
            seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash"),
            payload_digest=bindparam("payload"), chain_version=KEYED),
        updates,
    )
    for row in rows:  # keep the identity map in step without an ORM update
        session.expire(row, ["seq", "prev_hash", "hash", "payload_digest", "chain_version"])


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING_KEY, None)


def record_changes(
    session: Session,
    obj: Any,
    changes: dict[str, Any],
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    reason: str | None = None,
    case_id: int | IdOf | None = None,
    brand_id: int | None = None,
) -> dict[str, Any]:
    """Apply field changes to `obj` and audit the ones that really changed (one event).

    Returns the changed fields' new values; nothing is recorded when nothing changed.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        old = getattr(obj, name)
        if old != value:
            before[name] = old
            after[name] = value
            setattr(obj, name, value)
    if after:
        record(
            session,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=IdOf(obj),
            before=before,
            after=after,
            reason=reason,
            case_id=case_id,
            brand_id=brand_id,
        )
    return after


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    last_seq: int = 0
    last_hash: str = GENESIS
    # Last event sealed by the earlier, unkeyed code (0: none); checkpoints pin it.
    legacy_until: int = 0
    redacted: int = 0


def _iter_events(session: Session, batch: int = 2000, after_seq: int = 0) -> Iterator[AuditEvent]:
    last_seq = after_seq
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq or last_seq


def _row_problem(key: bytes, row: AuditEvent, prev_hash: str) -> str | None:
    """Why this sealed row does not fit after `prev_hash`, or None."""
    fields = _hashed_fields(row)
    redacted = row.redacted_at is not None
    if redacted and any(fields[name] is not None for name in _PAYLOAD):
        return "el contenido de un evento depurado fue alterado"
    if row.chain_version is None:
        if redacted:
            if row.redaction_seal is None or not hmac.compare_digest(row.redaction_seal, _redaction_seal(key, row)):
                return "el sello de depuración no coincide (evento alterado, o clave de auditoría distinta)"
        elif _digest(prev_hash, fields | {"seq": row.seq}) != row.hash:
            return "el contenido del evento fue alterado"
        return None
    if row.chain_version != KEYED or row.payload_digest is None:
        return "versión de sellado desconocida"
    if not redacted and not hmac.compare_digest(_payload_digest(key, fields), row.payload_digest):
        return ("el contenido del evento fue alterado: no coincide con su huella sellada con la clave de "
                "auditoría (o CAUCE_AUDIT_KEY / audit.key no es la clave con que se escribió)")
    if not hmac.compare_digest(_keyed_digest(key, prev_hash, fields, row.payload_digest, row.seq or 0), row.hash):
        return ("el evento no está sellado con la clave de auditoría: fue alterado o reescrito sin la clave "
                "(o CAUCE_AUDIT_KEY / audit.key no es la clave con que se escribió)")
    return None


def verify_chain(session: Session, *, legacy_until: int | None = None,
                 start: tuple[int, str] | None = None) -> ChainReport:
    """Recompute every hash; report the first row that does not fit.

    Unkeyed rows (written before the chain was keyed) verify as they always did, but only before
    the first keyed row and, when a checkpoint pinned it, not after `legacy_until`: a suffix
    rewritten without the key cannot pass itself off as old. `start` = (seq, hash) of an event
    already trusted (a verified checkpoint) checks only what came after it.
    """
    key = keys.chain_key()
    start_seq, prev_hash = start or (0, GENESIS)
    if start_seq and hash_at(session, start_seq) != prev_hash:
        return ChainReport(False, 0, None, f"el evento {start_seq} ya no tiene el hash de partida")
    checked = start_seq
    redacted = 0
    last_legacy = min(start_seq, legacy_until or 0)
    keyed_seen = bool(start_seq) and legacy_until is not None and start_seq > legacy_until
    unsealed = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))) or 0
    if unsealed:
        first = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.seq.is_(None)))
        return ChainReport(False, 0, first, "hay eventos fuera de la cadena")

    def bad(row: AuditEvent, problem: str) -> ChainReport:
        return ChainReport(False, checked, row.id, problem, checked, prev_hash, last_legacy, redacted)

    for row in _iter_events(session, after_seq=start_seq):
        if row.seq != checked + 1:
            return bad(row, f"faltan eventos antes del número {row.seq} de la cadena")
        if row.prev_hash != prev_hash:
            return bad(row, "el enlace con el evento anterior no coincide")
        if row.chain_version is None:
            if keyed_seen or (legacy_until is not None and (row.seq or 0) > legacy_until):
                return bad(row, "evento sin clave después de los eventos con clave: la cadena fue reescrita sin "
                                "la clave de auditoría")
            last_legacy = row.seq or 0
        else:
            keyed_seen = True
        problem = _row_problem(key, row, prev_hash)
        if problem:
            return bad(row, problem)
        redacted += row.redacted_at is not None
        prev_hash = row.hash
        checked += 1
    return ChainReport(True, checked, last_seq=checked, last_hash=prev_hash, legacy_until=last_legacy,
                       redacted=redacted)


def redact(session: Session, event_ids: Iterable[int]) -> int:
    """Erase the payload (before/after/reason) of sealed events; they keep verifying. Returns how many.

    A tombstone: the event keeps who, when, what action on which entity; the personal data it
    carried is gone. Keyed events still verify through their payload digest; unkeyed (older)
    ones get a keyed redaction seal over what remains. Not for rewriting history: only the
    payload can change, the database triggers refuse anything else.
    """
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    key = keys.chain_key()
    table = table_of(AuditEvent)
    now = utcnow()
    done = 0
    for start in range(0, len(ids), 500):
        rows = session.scalars(select(AuditEvent).where(
            AuditEvent.id.in_(ids[start:start + 500]), AuditEvent.seq.is_not(None),
            AuditEvent.redacted_at.is_(None))).all()
        updates = [{"row_id": row.id, "seal": None if row.chain_version is not None else _redaction_seal(key, row)}
                   for row in rows]
        if updates:
            session.execute(
                update(table).where(table.c.id == bindparam("row_id")).values(
                    before=null(), after=null(), reason=None, redacted_at=now, redaction_seal=bindparam("seal")),
                updates,
            )
        for row in rows:
            session.expire(row)
        done += len(rows)
    return done


def event_ids_about(session: Session, *, case_ids: Iterable[int] = (),
                    entities: Mapping[str, Iterable[Any]] | None = None) -> list[int]:
    """Ids of the sealed events about these cases or these (entity type → ids)."""
    found: set[int] = set()
    cases = sorted(set(case_ids))
    for start in range(0, len(cases), 500):
        found.update(session.scalars(select(AuditEvent.id).where(AuditEvent.case_id.in_(cases[start:start + 500]))))
    for entity_type, entity_ids in (entities or {}).items():
        wanted = sorted({str(i) for i in entity_ids})
        for start in range(0, len(wanted), 500):
            found.update(session.scalars(select(AuditEvent.id).where(
                AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(wanted[start:start + 500]))))
    return sorted(found)


def hash_at(session: Session, seq: int) -> str | None:
    return session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the last sealed event, without taking the chain lock."""
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.is_not(None))
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (0, GENESIS) if last is None or last[0] is None else (int(last[0]), str(last[1]))


def count_after(session: Session, *, seq: int, except_action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.seq > seq, AuditEvent.action != except_action)) or 0


def sealed_count(session: Session, *, up_to_seq: int) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq <= up_to_seq)) or 0


def events_by_ids(session: Session, ids: Iterable[int]) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.id.in_(list(ids))).order_by(AuditEvent.id)))


def events_by_action(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def events_for_case(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def events_for(session: Session, entity_type: str, entity_ids: Iterable[Any]) -> list[AuditEvent]:
    ids = [str(i) for i in entity_ids]
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(ids))
            .order_by(AuditEvent.id)
        )
    )
