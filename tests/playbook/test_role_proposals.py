"""The supervisor's troll queue, read from each person's own words with the SHIPPED triage model (§6, §7).

Mentions go through `mentions.service.ingest_many` exactly as connectors send them: no scripted
assessor. PLAYBOOK §7: «Be sure before calling anyone a troll [...] A customer who insults once
after being ignored three times is still a customer. The system must be conservative, explain
its evidence, and let a person confirm.»
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playbook_helpers import setup_brand

from cauce.audit.service import Actor
from cauce.db import Database
from cauce.mentions import service as mentions
from cauce.mentions.models import Mention
from cauce.mentions.schemas import MentionIn
from cauce.people.models import Handle
from cauce.playbook import moderation
from cauce.playbook.moderation import Principalish, TrollProposal
from helpers import T0, make_brand

SUPERVISOR = Principalish(Actor.user(2, "Valentina Ríos"), user_id=None, is_supervisor=True)


def post(id: str, handle: str, text: str, *, minutes: float, reply_to: str | None = None, followers: int = 300,
         brand: str = "conectel") -> MentionIn:
    return MentionIn.model_validate({
        "id": id, "created_at": (T0 + timedelta(minutes=minutes)).isoformat(), "channel": "twitter",
        "brand": brand, "author": {"handle": handle, "followers": followers}, "text": text,
        "in_reply_to": reply_to})


def ingest(db: Database, items: list[MentionIn]) -> None:
    with db.session() as s:
        results = mentions.ingest_many(s, items)
    assert {r.status for r in results} == {"created"}, results


def queue(db: Database) -> list[TrollProposal]:
    with db.read_session() as s:
        return moderation.troll_proposals(s)


def person_of(db: Database, handle: str) -> int:
    with db.read_session() as s:
        person_id = s.query(Handle.person_id).filter(Handle.handle == handle.lstrip("@").lower()).scalar()
        assert person_id is not None, handle
        return int(person_id)


def own_mentions(db: Database, handle: str) -> dict[int, str]:
    with db.read_session() as s:
        rows = s.query(Mention.id, Mention.text).filter(Mention.person_id == person_of(db, handle)).all()
        return {row.id: row.text for row in rows}


def latest_role(db: Database, handle: str) -> str | None:
    with db.read_session() as s:
        return s.query(Mention.author_role).filter(Mention.person_id == person_of(db, handle)) \
            .order_by(Mention.created_at.desc()).limit(1).scalar()


def assert_evidence_is_own(db: Database, proposal: TrollProposal) -> None:
    """Every item quotes one of the proposed person's own messages, with the rule it shows."""
    with db.read_session() as s:
        handle = s.query(Handle.handle).filter(Handle.person_id == proposal.person_id).limit(1).scalar()
    own = own_mentions(db, str(handle))
    assert proposal.evidence
    for item in proposal.evidence:
        assert item["mention_id"] in own, item
        assert item["message"] and item["message"] in own[item["mention_id"]]
        assert item["rule"] and item["signal"]


CUSTOMER_THREAD = [
    ("c1", "@lucia_mx", "@Conectel llevo 3 días sin internet en Narvarte, contrato 77120", 0, None),
    ("c2", "@lucia_mx", "@Conectel ¿me pueden ayudar? trabajo desde casa y sigo sin servicio", 60, "c1"),
    ("c3", "@lucia_mx", "@Conectel tercer mensaje y nadie responde", 180, "c2"),
]
TROLL_REPLIES = [
    ("t1", "@burlon_99", "jajaja pobres payasos 🤡 nadie les cree", 20, "c1"),
    ("t2", "@burlon_99", "sigan llorando jaja, ridículos 😂", 70, "c2"),
    ("t3", "@burlon_99", "jajaja qué circo de empresa, payasos 🤡🤡", 190, "c3"),
]


def test_a_customer_whose_thread_has_a_trolls_messages_is_not_queued(db: Database) -> None:
    """§7: treating an unhappy customer as a troll does great harm — a troll replying in her thread
    is evidence about the troll, never about her."""
    setup_brand(db)
    items = sorted(CUSTOMER_THREAD + TROLL_REPLIES, key=lambda x: x[3])
    ingest(db, [post(i, h, t, minutes=m, reply_to=r) for i, h, t, m, r in items])
    lucia, troll = person_of(db, "@lucia_mx"), person_of(db, "@burlon_99")
    proposed = queue(db)
    assert lucia not in {p.person_id for p in proposed}
    assert latest_role(db, "@lucia_mx") == "cliente"
    # The troll is proposed on his own three mocking replies to somebody else's posts, nothing else.
    assert [p.person_id for p in proposed] == [troll]
    assert_evidence_is_own(db, proposed[0])
    assert {"pile_on", "mockery"} <= {e["signal"] for e in proposed[0].evidence}
    with db.read_session() as s:
        lucia_cases = {m.case_id for m in s.query(Mention).filter(Mention.person_id == lucia)}
    assert not set(proposed[0].case_ids) & lucia_cases


def test_a_customer_who_insults_once_after_three_unanswered_messages_stays_a_customer(db: Database) -> None:
    """§7: «A customer who insults once after being ignored three times is still a customer.» Her
    follow-ups answer her own thread: that is not a pile-on on somebody else's post."""
    setup_brand(db)
    insult = ("c4", "@lucia_mx", "@Conectel son unos inútiles de mierda, 3 días ignorándome", 300, "c3")
    again = ("c5", "@lucia_mx", "@Conectel sigo esperando al técnico, contrato 77120", 420, "c4")
    ingest(db, [post(i, h, t, minutes=m, reply_to=r) for i, h, t, m, r in [*CUSTOMER_THREAD, insult, again]])
    lucia = person_of(db, "@lucia_mx")
    with db.read_session() as s:
        mine = {m.external_id: m for m in s.query(Mention).filter(Mention.person_id == lucia)}
        assert mine["c4"].abusive and "3 mensajes sin respuesta" in mine["c4"].assessment["reasons"]
        assert {m.author_role for m in mine.values()} == {"cliente"}
        for m in mine.values():
            assert "pile_on" not in {e["signal"] for e in m.assessment["evidence"]}
    assert queue(db) == []


def test_a_troll_who_admits_faking_is_proposed_with_his_own_admission(db: Database) -> None:
    """«ni tengo la app, la foto la saqué de Google»: their own words, quoted to the supervisor."""
    setup_brand(db)
    ingest(db, [
        post("f1", "@falso_reclamo", "@Conectel me llegó el módem quemado, miren la foto, qué vergüenza", minutes=0),
        post("f2", "@falso_reclamo", "@Conectel exijo que me lo cambien ya, son unos estafadores", minutes=90),
        post("f3", "@falso_reclamo", "jajaja ni tengo la app, la foto la saqué de Google. Qué fácil es hacerlos caer",
             minutes=200),
    ])
    proposed = queue(db)
    assert [p.person_id for p in proposed] == [person_of(db, "@falso_reclamo")]
    assert proposed[0].confidence >= 0.75
    assert_evidence_is_own(db, proposed[0])
    admission = [e for e in proposed[0].evidence if e["signal"] == "admits_faking"]
    assert admission and "la foto la saqué de Google" in admission[0]["message"]
    assert "inventada" in admission[0]["rule"]


def test_a_grudge_counted_every_day_is_hostile_not_a_troll(db: Database) -> None:
    """§6 hostile users hold a grudge: «Día 995 sin que me devuelvan mi plata», daily, is not a troll."""
    setup_brand(db)
    ingest(db, [post(f"g{n}", "@dia_tras_dia", f"@Conectel Día {n} sin que me devuelvan mi plata. Ladrones.",
                     minutes=(n - 990) * 24 * 60) for n in range(990, 996)])
    assert latest_role(db, "@dia_tras_dia") == "hostil"
    assert queue(db) == []


def brigade(minutes_apart: float, followers: int = 12) -> list[MentionIn]:
    texts = ["jajaja llorona, esta empresa es un circo y vos más 🤡",
             "jajaja llorona esta empresa es un circo y vos mas",
             "JAJAJA llorona, esta empresa es un circo y vos más 🤡🤡",
             "jajaja llorona, esta empresa es un circo y vos más!!"]
    return [post(f"b{i}", f"@cuenta_nueva_{i}", text, minutes=10 + i * minutes_apart, reply_to="c1",
                 followers=followers) for i, text in enumerate(texts)]


def test_brigading_accounts_are_proposed_each_on_their_own_copy(db: Database) -> None:
    """Several new, low-follower accounts posting near-identical mockery under one complaint within
    minutes: each is proposed with its own message and the number of copies; the customer is not."""
    setup_brand(db)
    ingest(db, [post(i, h, t, minutes=m, reply_to=r) for i, h, t, m, r in CUSTOMER_THREAD[:1]] + brigade(3))
    proposed = queue(db)
    accounts = {person_of(db, f"@cuenta_nueva_{i}") for i in range(4)}
    assert {p.person_id for p in proposed} == accounts
    for proposal in proposed:
        assert_evidence_is_own(db, proposal)
        copies = [e for e in proposal.evidence if e["signal"] == "brigade"]
        assert len(copies) == 1 and copies[0]["copies"] == 4 and "4 cuentas" in copies[0]["rule"]
        assert 0.6 <= proposal.confidence <= 0.85
    # A supervisor decides; a decided person is not proposed again.
    first = sorted(accounts)[0]
    with db.session() as s:
        moderation.decide_role(s, person_id=first, brand_id=proposed[0].brand_id, role="ninguno", who=SUPERVISOR,
                               reason="Cuenta de un vecino, no es campaña")
    assert first not in {p.person_id for p in queue(db)}


def test_the_same_words_spread_over_a_day_or_from_established_accounts_are_no_brigade(db: Database) -> None:
    setup_brand(db)
    ingest(db, [post(i, h, t, minutes=m, reply_to=r) for i, h, t, m, r in CUSTOMER_THREAD[:1]] + brigade(6 * 60))
    assert queue(db) == []
    db2_items = [post(f"x{i}", f"@vecina_{i}", m.text, minutes=15 + i, reply_to="c1", followers=5000)
                 for i, m in enumerate(brigade(1))]
    ingest(db, db2_items)
    assert queue(db) == []


def test_proposals_are_per_brand(db: Database) -> None:
    """The same person trolls one brand and is a customer of another: proposed for the first only."""
    conectel = setup_brand(db)
    make_brand(db, name="Telandes", organisation="Conectel")
    trolling = [post(i, h, t, minutes=m, reply_to=r) for i, h, t, m, r in sorted(CUSTOMER_THREAD + TROLL_REPLIES,
                                                                                 key=lambda x: x[3])]
    customer: list[dict[str, Any]] = [
        {"id": "o1", "text": "@Telandes me cobraron $89.000 que no reconozco, cuenta 55120", "minutes": 5},
        {"id": "o2", "text": "@Telandes ¿me pueden revisar el cobro por favor?", "minutes": 400},
    ]
    ingest(db, trolling + [post(c["id"], "@burlon_99", c["text"], minutes=c["minutes"], brand="telandes")
                           for c in customer])
    proposed = queue(db)
    assert [(p.person_id, p.brand_id) for p in proposed] == [(person_of(db, "@burlon_99"), conectel.id)]


def test_two_jokes_are_not_enough_to_put_anyone_in_front_of_a_supervisor(db: Database) -> None:
    """Triage may lean troll on two «jaja» jokes about the brand; the queue wants a strong own signal
    (a pile-on, an insult, a threat, an admission, a brigade) or three mocking messages (§7)."""
    setup_brand(db)
    ingest(db, [post("j1", "@chistoso", "El logo nuevo de Conectel parece de los 90 jaja 🤔", minutes=0),
                post("j2", "@chistoso", "Vi una publicidad de Conectel en el metro y me acordé de mi ex jaja",
                     minutes=40)])
    assert latest_role(db, "@chistoso") == "troll"  # what the shipped model says on the mention
    assert queue(db) == []
