"""The improvement loop (§9): group complaints by root cause, track improvement actions, and tell
every affected customer what changed when an action is done.

Clustering proposes (TF-IDF over the complaints' text + agglomerative clustering, cosine);
an agent confirms, renames or dismisses. Only confirmed causes get improvement actions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cauce.audit.service import Actor, record, record_changes
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import utcnow
from cauce.errors import InvalidInput, InvalidTransition, NotFound
from cauce.mentions.models import Mention
from cauce.playbook.models import ImprovementAction, RootCause, RootCauseCase

MAX_CASES = 1500
DISTANCE_THRESHOLD = 0.85  # cosine distance under which complaints share a cause
_NOISE = re.compile(r"https?://\S+|[@#]\w+|\d+|[^\w\s]")
_STOPWORDS_TEXT = """
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bien cada casi como con
contra cual cuando de del desde donde dos el ella ellas ellos en entre era eran es esa esas ese eso esos
esta estaba estan estar estas este esto estos estoy fue fueron ha hace hacen hacer han hasta hay la las
le les lo los mas me mi mis mismo mucho muy nada ni no nos nosotros nuestra nuestro o otra otro para pero
poco por porque que quien se sea ser si sido sin sobre solo son su sus tambien te tiene tienen todo todos
tu tus un una uno unos usted ustedes va vez y ya yo hola gracias buenas buenos dias tardes favor
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOISE.sub(" ", text).split())


@dataclass(frozen=True)
class RootCauseView:
    id: int
    brand_id: int
    category: str | None
    label: str
    terms: tuple[str, ...]
    status: str
    case_ids: tuple[int, ...]
    examples: tuple[str, ...]
    actions: tuple[dict[str, Any], ...]


def propose(session: Session, *, brand_id: int, actor: Actor, category: str | None = None, days: int = 30,
            min_cases: int = 3, now: datetime | None = None) -> list[RootCause]:
    """Cluster recent complaint cases into proposed root causes (older proposals are superseded)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    now = now or utcnow()
    if not 1 <= days <= 365 or min_cases < 2:
        raise InvalidInput("Use entre 1 y 365 días y al menos 2 casos por causa.")
    taken = set(session.scalars(select(RootCauseCase.case_id).join(RootCause).where(
        RootCause.brand_id == brand_id, RootCause.status == "confirmed")))
    query = (select(Mention.case_id, Mention.text, Case.category)
             .join(Case, Case.id == Mention.case_id)
             .where(Mention.brand_id == brand_id, Mention.is_complaint.is_(True), Mention.third_party.is_(False),
                    Mention.created_at >= now - timedelta(days=days), Mention.created_at <= now)
             .order_by(Mention.created_at.desc()).limit(MAX_CASES * 3))
    if category:
        query = query.where(Case.category == category)
    texts: dict[int, list[str]] = {}
    cats: dict[int, str | None] = {}
    for case_id, text, cat in session.execute(query):
        if case_id is None or case_id in taken or (case_id not in texts and len(texts) >= MAX_CASES):
            continue
        texts.setdefault(case_id, []).append(text[:1000])
        cats[case_id] = cat
    session.execute(update(RootCause).where(RootCause.brand_id == brand_id, RootCause.status == "proposed")
                    .values(status="superseded"))
    created: list[RootCause] = []
    for cat in sorted({c or "" for c in cats.values()}):
        ids = [cid for cid in texts if (cats[cid] or "") == cat]
        docs = [_clean(" ".join(texts[cid])) for cid in ids]
        if len(ids) < min_cases:
            continue
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, stop_words=list(STOPWORDS))
        try:
            matrix = vectorizer.fit_transform(docs)
        except ValueError:  # no term shared by two complaints: nothing to group
            continue
        dense = matrix.toarray()
        keep = np.flatnonzero(dense.sum(axis=1) > 0)
        if len(keep) < min_cases:
            continue
        labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=DISTANCE_THRESHOLD).fit_predict(dense[keep])
        terms = vectorizer.get_feature_names_out()
        for label in sorted(set(labels.tolist())):
            members = keep[labels == label]
            if len(members) < min_cases:
                continue
            centroid = dense[members].mean(axis=0)
            top = [str(terms[i]) for i in np.argsort(centroid)[::-1][:4] if centroid[i] > 0]
            rc = RootCause(brand_id=brand_id, category=cat or None, label=", ".join(top[:3]) or "sin etiqueta",
                           terms=top, status="proposed", created_at=now,
                           examples=[texts[ids[i]][0][:280] for i in members[:3]])
            session.add(rc)
            session.flush()
            for i in members:
                session.add(RootCauseCase(root_cause_id=rc.id, case_id=ids[i]))
            created.append(rc)
    session.flush()
    record(session, actor=actor, action="improvement.root_causes_proposed", entity_type="brand",
           entity_id=brand_id, brand_id=brand_id,
           after={"proposed": [r.id for r in created], "category": category, "days": days})
    created.sort(key=lambda r: -len(case_ids_of(session, r.id)))
    return created


def case_ids_of(session: Session, root_cause_id: int) -> list[int]:
    return list(session.scalars(select(RootCauseCase.case_id).where(RootCauseCase.root_cause_id == root_cause_id)
                                .order_by(RootCauseCase.case_id)))


def get(session: Session, *, root_cause_id: int, brand_ids: frozenset[int] | None = None) -> RootCause:
    rc = session.get(RootCause, root_cause_id)
    if rc is None or (brand_ids is not None and rc.brand_id not in brand_ids):
        raise NotFound(f"No existe la causa raíz {root_cause_id}.")
    return rc


def confirm(session: Session, *, root_cause_id: int, actor: Actor, label: str | None = None,
            remove_case_ids: list[int] | None = None, brand_ids: frozenset[int] | None = None,
            now: datetime | None = None) -> RootCause:
    """An agent confirms a proposal as a root cause (optionally renaming it and dropping cases)."""
    rc = get(session, root_cause_id=root_cause_id, brand_ids=brand_ids)
    if rc.status not in ("proposed", "confirmed"):
        raise InvalidTransition(f"Esta propuesta está «{rc.status}»; genere propuestas nuevas.")
    for case_id in remove_case_ids or []:
        link = session.scalar(select(RootCauseCase).where(RootCauseCase.root_cause_id == rc.id,
                                                          RootCauseCase.case_id == case_id))
        if link is not None:
            session.delete(link)
    name = " ".join((label or rc.label).split())[:300]
    if len(name) < 3:
        raise InvalidInput("Ponga un nombre a la causa raíz (3 caracteres o más).")
    record_changes(session, rc, {"status": "confirmed", "label": name, "confirmed_at": now or utcnow()},
                   actor=actor, action="improvement.root_cause_confirmed", entity_type="root_cause",
                   brand_id=rc.brand_id, reason=f"Casos quitados: {remove_case_ids}" if remove_case_ids else None)
    return rc


def dismiss(session: Session, *, root_cause_id: int, actor: Actor,
            brand_ids: frozenset[int] | None = None) -> RootCause:
    rc = get(session, root_cause_id=root_cause_id, brand_ids=brand_ids)
    record_changes(session, rc, {"status": "dismissed"}, actor=actor, action="improvement.root_cause_dismissed",
                   entity_type="root_cause", brand_id=rc.brand_id)
    return rc


def add_action(session: Session, *, root_cause_id: int, title: str, description: str = "", actor: Actor,
               brand_ids: frozenset[int] | None = None) -> ImprovementAction:
    rc = get(session, root_cause_id=root_cause_id, brand_ids=brand_ids)
    if rc.status != "confirmed":
        raise InvalidTransition("Confirme primero la causa raíz; las propuestas no llevan acciones de mejora.")
    title = " ".join(title.split())
    if not 3 <= len(title) <= 300:
        raise InvalidInput("El título de la acción de mejora debe tener entre 3 y 300 caracteres.")
    action = ImprovementAction(brand_id=rc.brand_id, root_cause_id=rc.id, title=title,
                               description=description.strip()[:4000], status="open")
    session.add(action)
    session.flush()
    record(session, actor=actor, action="improvement.action_created", entity_type="improvement_action",
           entity_id=action.id, brand_id=rc.brand_id, after={"root_cause_id": rc.id, "title": title})
    return action


def complete_action(session: Session, *, action_id: int, notice_text: str, actor: Actor,
                    brand_ids: frozenset[int] | None = None, now: datetime | None = None) -> list[int]:
    """Mark the action done and schedule, for each affected customer, a notice of what changed (§9).

    Returns the ids of the follow-ups created (one per person: their latest case of the cause).
    """
    now = now or utcnow()
    action = session.get(ImprovementAction, action_id)
    if action is None or (brand_ids is not None and action.brand_id not in brand_ids):
        raise NotFound(f"No existe la acción de mejora {action_id}.")
    if action.status == "done":
        raise InvalidTransition("La acción de mejora ya está terminada.")
    notice = " ".join(notice_text.split())
    if len(notice) < 20:
        raise InvalidInput("Escriba qué cambió (20 caracteres o más): es lo que se contará a cada cliente.")
    record_changes(session, action, {"status": "done", "done_at": now, "notice_text": notice}, actor=actor,
                   action="improvement.action_done", entity_type="improvement_action", brand_id=action.brand_id)
    latest: dict[int, int] = {}
    for case_id, person_id in session.execute(
            select(Case.id, Case.person_id).join(RootCauseCase, RootCauseCase.case_id == Case.id)
            .where(RootCauseCase.root_cause_id == action.root_cause_id).order_by(Case.id)):
        latest[person_id] = case_id
    created = []
    for case_id in latest.values():
        item = cases.schedule_follow_up(session, case_id=case_id, kind="improvement_notice", due_at=now,
                                        text=notice, actor=actor)
        created.append(item.id)
    return created


def views(session: Session, *, brand_ids: frozenset[int] | None = None, brand_id: int | None = None,
          status: str | None = None, limit: int = 100) -> list[RootCauseView]:
    query = select(RootCause).where(RootCause.status != "superseded")
    if brand_ids is not None:
        query = query.where(RootCause.brand_id.in_(brand_ids))
    if brand_id is not None:
        query = query.where(RootCause.brand_id == brand_id)
    if status:
        query = query.where(RootCause.status == status)
    out = []
    for rc in session.scalars(query.order_by(RootCause.id.desc()).limit(limit)):
        acts = tuple({"id": a.id, "title": a.title, "status": a.status,
                      "done_at": a.done_at.isoformat() if a.done_at else None}
                     for a in session.scalars(select(ImprovementAction)
                                              .where(ImprovementAction.root_cause_id == rc.id)))
        out.append(RootCauseView(rc.id, rc.brand_id, rc.category, rc.label, tuple(rc.terms), rc.status,
                                 tuple(case_ids_of(session, rc.id)), tuple(rc.examples), acts))
    return out
