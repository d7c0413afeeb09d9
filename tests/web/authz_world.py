"""A seeded two-organisation world for authorisation tests.

Organisation «Uno» has brands A and B, organisation «Dos» has brand C. Every brand has its own
person, mention, case, moderation action, reply, follow-up, crisis, root cause, improvement action,
channel account, area and staff user. Every text and name of brand X carries the marker
`SECRETO-X`, so a response that shows another brand's data is caught by a substring test.

Identity resolution and data rights: every brand also has an open merge proposal between its person
and their twin on Instagram (to confirm), another open proposal (to reject), a person made of two
handles by a confirmed merge (to split), the same three for the person page, and a person of their
own to forget, so the destructive calls never remove what later cells of the matrix read. Brand A's
person also has an open proposal with a person of brand B (same handle on Facebook): bait that brand
A's staff must never see.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import select

from cauce.audit.service import SYSTEM
from cauce.auth import service as auth
from cauce.auth.models import User
from cauce.brands import service as brands
from cauce.brands.models import ChannelAccount
from cauce.cases.models import Area, Case, FollowUp, SavedView
from cauce.db import Base, Database, import_all_models, utcnow
from cauce.macros.models import Macro
from cauce.mentions.models import Mention
from cauce.mentions.service import ingest
from cauce.people import identity
from cauce.people.models import Handle, MergeProposal
from cauce.playbook import moderation
from cauce.playbook.models import Crisis, ImprovementAction, RootCause
from cauce.replies.models import Reply
from helpers import mention

PASSWORD = "clave-segura-1"
TROLL = {"author_role": "troll", "role_confidence": 0.95, "abusive": True}


def marker(letter: str) -> str:
    return f"SECRETO-{letter}"


NOISE = {"relevant": False, "relevance": 0.1, "relevance_reasons": ["deporte"], "is_complaint": False,
         "pqr_type": "otro", "category": None, "author_role": "ninguno"}


@dataclass(frozen=True)
class Target:
    """One brand's objects; a route's path parameters and bodies are filled from these."""

    letter: str
    brand_id: int
    brand_slug: str
    organisation_id: int
    person_id: int
    mention_id: int
    case_id: int
    action_id: int
    reply_id: int
    follow_up_id: int
    crisis_id: int
    root_cause_id: int
    improvement_id: int
    channel_id: int
    area_id: int
    user_id: int
    # Identity resolution and data rights: API and person page each get objects of their own, so
    # each destructive call succeeds once (the first authorised caller) and then meets a decided state.
    proposal_id: int  # open: the person and their twin on Instagram (confirm)
    reject_proposal_id: int  # open: two other people of the brand (reject)
    handle_id: int  # the second handle of a person made by a confirmed merge (split)
    forget_person_id: int  # a person of their own, only in this brand (forget)
    page_person_id: int  # the person page's own pair to confirm, pair to reject, handle to split
    page_proposal_id: int
    page_reject_person_id: int
    page_reject_proposal_id: int
    page_split_person_id: int
    page_handle_id: int
    # API tokens of the brand's staff user: revoking one is its owner's act or an admin's.
    token_id: int = 0
    delete_channel_id: int = 0  # a channel of its own for the (soft) delete
    page_token_id: int = 0
    any_token_id: int = 0
    noise_mention_id: int = 0  # stored as noise (no case): brought into the queue, marked noise again
    macro_id: int = 0  # a saved reply of the brand (edited, filled for a case)
    delete_macro_id: int = 0  # another one, for the delete routes
    view_id: int = 0  # a saved inbox view of the brand's staff user: personal, 404 to everyone else
    notification_id: int = 0  # a notification of the brand's staff user: only its owner may mark it read


@dataclass(frozen=True)
class Principal:
    name: str
    user_id: int | None
    token: str | None  # API bearer token
    cookie: str | None  # web session cookie
    csrf: str | None
    brand_ids: frozenset[int] | None


def _person(db: Database, n: str, slug: str, channel: str, handle: str, letter: str) -> int:
    """Ingest one message of a new handle and return its person."""
    with db.session() as s:
        result = ingest(s, mention(n, brand=slug, channel=channel, handle=handle,
                                   text=f"Sigo esperando {marker(letter)}",
                                   author={"handle": handle, "name": f"Persona {marker(letter)}", "followers": 5}))
        assert result.mention_id is not None
        m = s.get(Mention, result.mention_id)
        assert m is not None
        return m.person_id


def _proposal(db: Database, a: int, b: int) -> int:
    with db.read_session() as s:
        row = s.scalar(select(MergeProposal).where(MergeProposal.person_a_id == min(a, b),
                                                   MergeProposal.person_b_id == max(a, b)))
        assert row is not None and row.status == identity.ProposalStatus.PROPOSED, (a, b)
        return row.id


PAIRS = ("reject", "merge", "page", "page_reject", "page_merge")  # besides the person's twin


def _identity_people(db: Database, t: Target) -> dict[str, tuple[int, int]]:
    """New people of the brand, in pairs the sweep will propose (one handle on two networks)."""
    x, slug = t.letter.lower(), t.brand_slug
    pairs = {"twin": (t.person_id, _person(db, f"{x}-twin", slug, "instagram", f"@persona_{x}", t.letter))}
    for name in PAIRS:
        pairs[name] = (_person(db, f"{x}-{name}-1", slug, "twitter", f"@{name}_{x}", t.letter),
                       _person(db, f"{x}-{name}-2", slug, "instagram", f"@{name}_{x}", t.letter))
    pairs["forget"] = (_person(db, f"{x}-olvido", slug, "twitter", f"@olvido_{x}", t.letter), 0)
    return pairs


def _merged_handle(db: Database, t: Target, name: str, pair: tuple[int, int]) -> int:
    """Confirm the pair's proposal; return the handle the merge moved (the one a split takes back)."""
    with db.session() as s:
        identity.confirm(s, proposal_id=_proposal(db, *pair), actor=SYSTEM)
        handle = s.scalar(select(Handle).where(Handle.channel == "instagram",
                                               Handle.handle == f"{name}_{t.letter.lower()}"))
        assert handle is not None and handle.person_id == pair[0]
        return handle.id


def _identity_world(db: Database, t: Target, p: dict[str, tuple[int, int]]) -> Target:
    """Fill the identity and data-rights ids once the sweep has proposed the pairs."""
    return replace(t, proposal_id=_proposal(db, *p["twin"]), reject_proposal_id=_proposal(db, *p["reject"]),
                   handle_id=_merged_handle(db, t, "merge", p["merge"]), forget_person_id=p["forget"][0],
                   page_person_id=p["page"][0], page_proposal_id=_proposal(db, *p["page"]),
                   page_reject_person_id=p["page_reject"][0],
                   page_reject_proposal_id=_proposal(db, *p["page_reject"]),
                   page_split_person_id=p["page_merge"][0],
                   page_handle_id=_merged_handle(db, t, "page_merge", p["page_merge"]))


def _brand_world(db: Database, letter: str, organisation: str, n: int) -> Target:
    with db.session() as s:
        brand = brands.create_brand(s, name=f"Marca {letter}", organisation=organisation, actor=SYSTEM)
        brand_id, slug, org_id = brand.id, brand.slug, brand.organisation_id
    with db.session() as s:
        result = ingest(s, mention(n, brand=slug, handle=f"@persona_{letter.lower()}",
                                   text=f"Pésimo servicio {marker(letter)}, estafadores",
                                   author={"handle": f"@persona_{letter.lower()}",
                                           "name": f"Persona {marker(letter)}", "followers": 10},
                                   test_triage=TROLL))
        case_id = result.case_id
        assert case_id is not None
        m = s.scalar(select(Mention).where(Mention.case_id == case_id))
        assert m is not None
        mention_id, person_id = m.id, m.person_id
        noise = ingest(s, mention(f"{letter}-ruido", brand=slug, handle=f"@hincha_{letter.lower()}",
                                  text=f"Golazo del clásico {marker(letter)}", test_triage=NOISE))
        assert noise.mention_id is not None and noise.case_id is None
        noise_mention_id = noise.mention_id
    who = moderation.Principalish(actor=SYSTEM, user_id=None, is_supervisor=True)
    now = utcnow()
    with db.session() as s:
        action = moderation.moderate(s, moderation.ModerationRequest(
            brand_id=brand_id, person_id=person_id, action="warn", clause_id="respeto", case_id=case_id,
            reason=f"Advertencia {marker(letter)}"), who=who)
        channel = ChannelAccount(brand_id=brand_id, kind="webhook", name=f"Canal {marker(letter)}")
        doomed = ChannelAccount(brand_id=brand_id, kind="webhook", name=f"Canal a borrar {marker(letter)}")
        s.add_all([channel, doomed])
        s.flush()
        reply = Reply(case_id=case_id, channel="twitter", visibility="public", text=f"Respuesta {marker(letter)}",
                      state="failed", idempotency_key=f"seed-{letter}", error="caído")
        follow_up = FollowUp(case_id=case_id, kind="follow_up", due_at=now + timedelta(days=1),
                             text=f"Seguimiento {marker(letter)}")
        crisis = Crisis(brand_id=brand_id, kind="spike", title=f"Crisis {marker(letter)}", started_at=now,
                        detected_at=now, last_signal_at=now)
        cause = RootCause(brand_id=brand_id, label=f"Causa {marker(letter)}", status="confirmed")
        s.add_all([reply, follow_up, crisis, cause])
        s.flush()
        improvement = ImprovementAction(brand_id=brand_id, root_cause_id=cause.id, title=f"Mejora {marker(letter)}")
        s.add(improvement)
        area = s.scalar(select(Area).where(Area.brand_id == brand_id).order_by(Area.id).limit(1))
        if area is None:
            area = Area(brand_id=brand_id, slug="general", name="General")
            s.add(area)
        staff = auth.create_user(s, email=f"staff-{letter.lower()}@marca.co", name=f"Staff {letter}",
                                 role="agent", password=PASSWORD, brand_ids=[brand_id], actor=SYSTEM)
        s.flush()
        target = Target(letter, brand_id, slug, org_id, person_id, mention_id, case_id, action.id, reply.id,
                        follow_up.id, crisis.id, cause.id, improvement.id, channel.id, area.id, staff.id,
                        *[0] * 10,  # the identity objects: `_identity_world`
                        noise_mention_id=noise_mention_id)
        macro = Macro(brand_id=brand_id, title=f"Macro {marker(letter)}", text=f"Hola {{nombre}} {marker(letter)}")
        doomed_macro = Macro(brand_id=brand_id, title=f"Macro a borrar {marker(letter)}", text="Hola")
        view = SavedView(user_id=staff.id, name=f"Vista {marker(letter)}", filters={"q": marker(letter)})
        s.add_all([macro, doomed_macro, view])
        s.flush()
        return replace(target, delete_channel_id=doomed.id, macro_id=macro.id, delete_macro_id=doomed_macro.id,
                       view_id=view.id)


def seed(db: Database) -> dict[str, Target]:
    """Brands A and B in organisation «Uno», brand C in organisation «Dos» (call under scripted triage)."""
    targets = {"own": _brand_world(db, "A", "Uno", 1),
               "other_brand": _brand_world(db, "B", "Uno", 2),
               "other_org": _brand_world(db, "C", "Dos", 3)}
    new_people = {name: _identity_people(db, t) for name, t in targets.items()}
    own = targets["own"]
    bait = _person(db, "b-cebo", targets["other_brand"].brand_slug, "facebook", "@persona_a", "B")
    with db.session() as s:
        identity.sweep(s)
    _proposal(db, own.person_id, bait)  # brand A's person × a person of brand B: hidden from brand A's staff
    return {name: _notification_world(db, _token_world(db, _identity_world(db, t, new_people[name])))
            for name, t in targets.items()}


def _notification_world(db: Database, t: Target) -> Target:
    from cauce.notifications import service as notifications

    with db.session() as s:
        [row] = notifications.notify(s, kind="crisis", key=f"matrix:{t.letter}", brand_id=t.brand_id,
                                     user_ids=[t.user_id], title=f"Aviso {marker(t.letter)}")
        return replace(t, notification_id=row.id)


def _token_world(db: Database, t: Target) -> Target:
    ids = []
    with db.session() as s:
        for name in ("api", "page", "settings"):
            secret = auth.create_api_token(s, user_id=t.user_id, name=f"matrix-{name}", actor=SYSTEM)
            row = auth.find_token(s, secret)
            assert row is not None
            ids.append(row.id)
    return replace(t, token_id=ids[0], page_token_id=ids[1], any_token_id=ids[2])


def make_principal(db: Database, name: str, role: str | None, brand_ids: list[int]) -> Principal:
    if role is None:
        return Principal(name, None, None, None, None, frozenset())
    with db.session() as s:
        user = auth.create_user(s, email=f"{name}@uno.co", name=name.title(), role=role, password=PASSWORD,
                                brand_ids=brand_ids, actor=SYSTEM)
        token = auth.create_api_token(s, user_id=user.id, name="matrix", actor=SYSTEM)
        web = auth.start_session(s, user=user)
        return Principal(name, user.id, token, web.token, web.csrf_token,
                         None if role == "admin" else frozenset(brand_ids))


def new_web_session(db: Database, user_id: int) -> tuple[str, str]:
    with db.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        web = auth.start_session(s, user=user)
        return web.token, web.csrf_token


def rows_of(db: Database, targets: list[Target]) -> dict[str, set[tuple[str, ...]]]:
    """Every stored row that belongs to these brands (by brand, case, person, mention or user)."""
    import_all_models()
    brand_ids = {t.brand_id for t in targets}
    with db.read_session() as s:
        case_ids = set(s.scalars(select(Case.id).where(Case.brand_id.in_(brand_ids))))
        mention_ids = set(s.scalars(select(Mention.id).where(Mention.brand_id.in_(brand_ids))))
        # Every person who wrote to these brands or has a case there (twins, people to forget…).
        person_ids = ({t.person_id for t in targets}
                      | set(s.scalars(select(Mention.person_id).where(Mention.brand_id.in_(brand_ids))))
                      | set(s.scalars(select(Case.person_id).where(Case.brand_id.in_(brand_ids)))))
        user_ids = {t.user_id for t in targets}
        out: dict[str, set[tuple[str, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            cols = table.c
            if table.name == "brands":
                cond = cols.id.in_(brand_ids)
            elif table.name == "people":
                cond = cols.id.in_(person_ids)
            elif table.name == "mentions":
                cond = cols.id.in_(mention_ids)
            elif table.name == "users":
                cond = cols.id.in_(user_ids)
            elif "brand_id" in cols:
                cond = cols.brand_id.in_(brand_ids)
            elif "case_id" in cols:
                cond = cols.case_id.in_(case_ids)
            elif "mention_id" in cols:
                cond = cols.mention_id.in_(mention_ids)
            elif "person_id" in cols:
                cond = cols.person_id.in_(person_ids)
            elif "user_id" in cols and table.name != "web_sessions" and table.name != "api_tokens":
                cond = cols.user_id.in_(user_ids)
            else:
                continue
            out[table.name] = {tuple(repr(v) for v in row) for row in s.execute(select(table).where(cond))}
        return out

