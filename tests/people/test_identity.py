"""One person across networks and brands: proposals with evidence, confirm/reject/split, contact history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cauce.audit.service import Actor, events_for
from cauce.cases import service as cases
from cauce.cases.service import Scope
from cauce.db import Database
from cauce.errors import InvalidTransition, NotFound
from cauce.mentions import service as mentions
from cauce.people import identity
from cauce.people import service as people
from cauce.people.models import Handle, MergeProposal, Person
from cauce.playbook import moderation
from cauce.playbook.moderation import ModerationRequest, Principalish
from helpers import make_brand, mention, scripted_triage

AGENT = Actor.user(1, "Laura Gómez")


def _ingest(db: Database, n: str, *, brand: str = "conectel", channel: str = "twitter", handle: str = "@ana_perez",
            name: str = "Ana Pérez", text: str = "Sin internet hace 3 días", private: bool = False,
            minutes: float = 0, **extra: Any) -> tuple[int, int | None, int]:
    item = mention(n, brand=brand, handle=handle, text=text, minutes=minutes, channel=channel, private=private,
                   author={"handle": handle, "name": name, "followers": 10}, **extra)
    with db.session() as s:
        result = mentions.ingest(s, item)
        assert result.status == "created", result
        assert result.mention_id is not None
        person_id = mentions.get(s, mention_id=result.mention_id).person_id  # type: ignore[union-attr]
    return result.mention_id, result.case_id, person_id


def _sweep(db: Database) -> identity.SweepResult:
    with db.session() as s:
        return identity.sweep(s)


def _proposals(db: Database) -> list[MergeProposal]:
    with db.read_session() as s:
        rows = list(s.query(MergeProposal).order_by(MergeProposal.id))
        for row in rows:
            s.expunge(row)
        return rows


def test_same_handle_on_two_networks_is_proposed_with_evidence(db: Database) -> None:
    make_brand(db, name="Conectel")
    with scripted_triage():
        _, _, on_x = _ingest(db, "x1", channel="twitter", handle="@Ana_Perez")
        _, _, on_ig = _ingest(db, "ig1", channel="instagram", handle="ana.perez")
        _, _, stranger = _ingest(db, "x2", channel="twitter", handle="@otra_persona", name="Otra Persona")
    assert len({on_x, on_ig, stranger}) == 3  # ingest keeps one person per network handle
    result = _sweep(db)
    assert result.proposed == 1 and result.handles_read == 3
    (row,) = _proposals(db)
    assert (row.person_a_id, row.person_b_id, row.status) == (on_x, on_ig, "proposed")
    (evidence,) = row.evidence
    assert evidence["kind"] == "same_handle"
    assert evidence["values"] == ["instagram:@ana.perez", "twitter:@ana_perez"]
    assert row.score == pytest.approx(0.75)  # same handle, and the display names agree
    # Rows of the last minute are read again (a lower id may still commit late): nothing is proposed twice.
    again = _sweep(db)
    assert (again.handles_read, again.proposed, again.updated) == (3, 0, 0)
    with db.session() as s:
        settled = identity.sweep(s, settle=timedelta(0))
        assert (settled.handles_read, settled.proposed) == (3, 0)
        assert identity.sweep(s, settle=timedelta(0)).handles_read == 0  # read past them now
    with db.read_session() as s:
        assert [e.action for e in events_for(s, "merge_proposal", [row.id])] == ["people.merge_proposed"]


def test_short_or_single_network_handles_are_not_evidence(db: Database) -> None:
    make_brand(db, name="Conectel")
    with scripted_triage():
        _ingest(db, "1", channel="twitter", handle="@ana")  # too short to mean one human
        _ingest(db, "2", channel="instagram", handle="ana")
    assert _sweep(db).proposed == 0


def test_email_given_in_a_private_message_links_two_people(db: Database) -> None:
    make_brand(db, name="Conectel")
    with scripted_triage():
        m1, _, dm_author = _ingest(db, "dm1", channel="twitter", handle="@anita_99", name="Anita",
                                   private=True, text="Les escribo por aquí: mi correo es Ana.P@Example.com, gracias")
        _, _, by_mail = _ingest(db, "mail1", channel="email", handle="ana.p@example.com", name="Ana P.",
                                private=True, text="Sigo sin servicio, les escribí por Twitter")
        m3, _, other_dm = _ingest(db, "dm2", channel="facebook", handle="ana.fb.2026", name="Ana F",
                                  private=True, text="Pedido 1234567890. Mi teléfono es +57 300 123 4567")
        m4, _, phone_dm = _ingest(db, "dm3", channel="instagram", handle="anita.ig", name="Ana I",
                                  private=True, text="Llámenme al 300-123-4567 por favor")
        # Public posts never give contact points.
        _ingest(db, "pub", channel="twitter", handle="@alguien_mas", name="Alguien",
                text="escriban a ana.p@example.com")
    _sweep(db)
    by_pair = {(p.person_a_id, p.person_b_id): p for p in _proposals(db)}
    email = by_pair[tuple(sorted((dm_author, by_mail)))]
    assert [(e["kind"], e["values"], e["message_ids"]) for e in email.evidence] == [
        ("same_email", ["ana.p@example.com"], [m1])]
    assert email.score == pytest.approx(0.9)
    phone = by_pair[tuple(sorted((other_dm, phone_dm)))]
    # The order number is not taken for a phone.
    assert [(e["kind"], e["values"], e["message_ids"]) for e in phone.evidence] == [
        ("same_phone", ["001234567"], [m3, m4])]
    assert len(by_pair) == 2


def test_phone_numbers_are_compared_by_digits() -> None:
    assert identity.contact_values("Pedido 1234567890, mi cel +57 300 123 4567") == [("same_phone", "001234567")]
    assert identity.normalise_phone("300-123-4567") == identity.normalise_phone("(+57) 300 1234567")
    assert identity.contact_values("correo: Ana.P@Example.com.") == [("same_email", "ana.p@example.com")]
    assert identity.contact_values("sígueme en @ana@mastodon.social") == []


def test_same_name_and_a_link_to_the_other_account(db: Database) -> None:
    make_brand(db, name="Conectel")
    with scripted_triage():
        m1, _, on_x = _ingest(db, "x1", channel="twitter", handle="@caro_gomez", name="Carolina Gómez 🌻",
                              text="Ya les conté todo en Instagram: instagram.com/carolinag.fotos")
        _, _, on_ig = _ingest(db, "ig1", channel="instagram", handle="carolinag.fotos", name="Carolina Gomez")
        # A link to someone with another name is a conversation, not the same human.
        _ingest(db, "x2", channel="twitter", handle="@pedro_r", name="Pedro Ruiz",
                text="Miren lo que dice instagram.com/carolinag.fotos")
        # Profile fields count too (raw data of the mention).
        m4, _, on_masto = _ingest(db, "m1", channel="mastodon", handle="carog@social.example", name="Carolina Gómez",
                                  text="Igual aquí", profile={"links": ["https://twitter.com/caro_gomez"]})
    _sweep(db)
    by_pair = {(p.person_a_id, p.person_b_id): p for p in _proposals(db)}
    assert set(by_pair) == {tuple(sorted((on_x, on_ig))), tuple(sorted((on_x, on_masto)))}
    link = by_pair[tuple(sorted((on_x, on_ig)))]
    assert [(e["kind"], e["message_ids"]) for e in link.evidence] == [("cross_link", [m1])]
    assert link.evidence[0]["values"] == ["twitter:@caro_gomez → instagram:@carolinag.fotos"]
    assert by_pair[tuple(sorted((on_x, on_masto)))].evidence[0]["message_ids"] == [m4]


def test_no_proposal_across_organisations(db: Database) -> None:
    make_brand(db, name="Conectel")
    make_brand(db, name="Lumina")  # its own organisation: another customer of the installation
    with scripted_triage():
        _ingest(db, "x1", brand="conectel", channel="twitter", handle="@ana_perez")
        _ingest(db, "ig1", brand="lumina", channel="instagram", handle="ana.perez")
        _ingest(db, "dm1", brand="conectel", channel="twitter", handle="@ana_perez", private=True,
                text="mi correo es ana@example.com")
        _ingest(db, "dm2", brand="lumina", channel="facebook", handle="ana.fb", private=True,
                text="mi correo es ana@example.com")
    result = _sweep(db)
    assert result.organisations == 2
    assert _proposals(db) == []


def _two_networks(db: Database) -> dict[str, Any]:
    """One human on X (brand A) and Instagram (brand B, same organisation), with a case each and a warning."""
    a = make_brand(db, name="Conectel", organisation="Grupo Andino")
    b = make_brand(db, name="Conectel Hogar", organisation="Grupo Andino")
    with scripted_triage():
        mx, case_x, on_x = _ingest(db, "x1", brand="conectel", channel="twitter", handle="@ana_perez")
        mi, case_i, on_ig = _ingest(db, "ig1", brand="conectel-hogar", channel="instagram", handle="ana.perez",
                                    text="Son unos ladrones inútiles", test_triage={"abusive": True})
    with db.session() as s:
        warn = moderation.moderate(s, ModerationRequest(b.id, on_ig, "warn", "respeto", case_i, mi),
                                   who=Principalish(AGENT, user_id=None, is_supervisor=False))
        warn_id = warn.id
    _sweep(db)
    (proposal,) = _proposals(db)
    return {"a": a, "b": b, "on_x": on_x, "on_ig": on_ig, "case_x": case_x, "case_i": case_i, "mx": mx, "mi": mi,
            "warn": warn_id, "proposal": proposal.id}


def test_confirmed_merge_moves_handles_and_history_and_is_audited(db: Database) -> None:
    w = _two_networks(db)
    with db.session() as s:
        merge = identity.confirm(s, proposal_id=w["proposal"], actor=AGENT, user_id=None, reason="misma persona")
        assert (merge.survivor_id, merge.merged_id) == (w["on_x"], w["on_ig"])
    with db.read_session() as s:
        survivor = people.get(s, person_id=w["on_x"])
        assert survivor.strikes == 1  # the warning given on Instagram counts for the one human
        assert people.get(s, person_id=w["on_ig"]).merged_into_id == w["on_x"]
        assert {h.channel for h in people.handles_of(s, person_id=w["on_x"])} == {"twitter", "instagram"}
        history = identity.history(s, person_id=w["on_ig"])  # the old id answers with the survivor
        assert history.person.id == w["on_x"]
        assert {m.id for m in history.mentions} == {w["mx"], w["mi"]}
        assert {c.id for c in history.cases} == {w["case_x"], w["case_i"]}
        assert [a.id for a in history.moderation] == [w["warn"]]
        assert history.channels == ["instagram", "twitter"]
        (event,) = events_for(s, "person", [w["on_x"]])[-1:]
        assert event.action == "people.merged" and event.reason == "misma persona"
        assert event.after is not None and event.after["mentions"] == [w["mi"]]
        assert event.after["cases"] == [w["case_i"]] and event.after["moderation"] == [w["warn"]]
        assert s.get(MergeProposal, w["proposal"]).status == "confirmed"  # type: ignore[union-attr]
    # New messages through the Instagram handle land on the survivor; a first message on X to brand B
    # starts with the person's brand-B history from Instagram (triage sees it), not empty.
    with scripted_triage() as assessor:
        _, _, author = _ingest(db, "ig2", brand="conectel-hogar", channel="instagram", handle="ana.perez", minutes=5)
        _, _, x_author = _ingest(db, "x9", brand="conectel-hogar", channel="twitter", handle="@ana_perez",
                                 text="Les escribo también por aquí", minutes=6)
    assert author == x_author == w["on_x"]
    prior = [m.text for m in assessor.calls[-1][1].prior_messages]
    assert prior == ["Son unos ladrones inútiles", "Sin internet hace 3 días"]
    with db.session() as s, pytest.raises(InvalidTransition):
        identity.confirm(s, proposal_id=w["proposal"], actor=AGENT)


def test_rejected_pair_is_never_proposed_again(db: Database) -> None:
    w = _two_networks(db)
    with db.session() as s:
        identity.reject(s, proposal_id=w["proposal"], actor=AGENT, reason="son hermanas")
    with db.read_session() as s:
        events = events_for(s, "merge_proposal", [w["proposal"]])
        assert [e.action for e in events] == ["people.merge_proposed", "people.merge_rejected"]
        assert events[-1].reason == "son hermanas"
    # New, stronger evidence for the same pair: still not proposed again.
    with scripted_triage():
        _ingest(db, "dm1", brand="conectel", channel="twitter", handle="@ana_perez", private=True,
                text="mi correo es ana@example.com")
        _ingest(db, "dm2", brand="conectel-hogar", channel="instagram", handle="ana.perez", private=True,
                text="ana@example.com es mi correo")
    result = _sweep(db)
    assert (result.proposed, result.updated) == (0, 0)
    (row,) = _proposals(db)
    assert row.status == "rejected"
    with db.session() as s, pytest.raises(InvalidTransition):
        identity.confirm(s, proposal_id=w["proposal"], actor=AGENT)


def test_split_undoes_a_wrong_merge(db: Database) -> None:
    w = _two_networks(db)
    with db.session() as s:
        identity.confirm(s, proposal_id=w["proposal"], actor=AGENT)
    with db.read_session() as s:
        ig_handle = next(h.id for h in people.handles_of(s, person_id=w["on_x"]) if h.channel == "instagram")
    with db.session() as s:
        back = identity.split(s, handle_id=ig_handle, actor=AGENT, reason="no era ella")
        assert back.id == w["on_ig"]  # the person it was merged from, with their own history
    with db.read_session() as s:
        assert people.get(s, person_id=w["on_ig"]).merged_into_id is None
        assert people.get(s, person_id=w["on_x"]).strikes == 0
        assert people.get(s, person_id=w["on_ig"]).strikes == 1
        assert [m.id for m in mentions.mentions_of_person(s, person_id=w["on_ig"], brand_ids=None)] == [w["mi"]]
        assert [c.id for c in cases.cases_of_person(s, person_id=w["on_ig"])] == [w["case_i"]]
        assert [a.id for a in moderation.actions_of(s, person_id=w["on_ig"])] == [w["warn"]]
        assert [h.channel for h in people.handles_of(s, person_id=w["on_x"])] == ["twitter"]
        event = events_for(s, "person", [w["on_x"]])[-1]
        assert event.action == "people.handle_split" and event.reason == "no era ella"
        assert event.after is not None and event.after["merge_undone"] is True
        assert s.get(MergeProposal, w["proposal"]).status == "split"  # type: ignore[union-attr]
    # The sweep does not propose the pair again; a person with one handle has nothing to split.
    with scripted_triage():
        _ingest(db, "ig9", brand="conectel-hogar", channel="instagram", handle="ana.perez", minutes=9)
    assert _sweep(db).proposed == 0
    with db.session() as s, pytest.raises(Exception, match="una sola cuenta"):
        identity.split(s, handle_id=ig_handle, actor=AGENT)


def test_split_of_a_handle_that_never_was_merged_makes_a_new_person(db: Database) -> None:
    w = _two_networks(db)
    with db.session() as s:
        identity.confirm(s, proposal_id=w["proposal"], actor=AGENT)
        x_handle = next(h for h in people.handles_of(s, person_id=w["on_x"]) if h.channel == "twitter")
        fresh = identity.split(s, handle_id=x_handle.id, actor=AGENT)
        assert fresh.id not in (w["on_x"], w["on_ig"])
        assert s.get(Handle, x_handle.id).person_id == fresh.id  # type: ignore[union-attr]
        assert [m.id for m in mentions.mentions_of_person(s, person_id=fresh.id, brand_ids=None)] == [w["mx"]]
        assert [c.id for c in cases.cases_of_person(s, person_id=fresh.id)] == [w["case_x"]]


def test_history_shows_only_the_brands_the_caller_may_see(db: Database) -> None:
    w = _two_networks(db)
    with db.session() as s:
        identity.confirm(s, proposal_id=w["proposal"], actor=AGENT)
    only_a = Scope(frozenset({w["a"].id}))
    only_b = Scope(frozenset({w["b"].id}))
    with db.read_session() as s:
        seen_by_a = identity.history(s, person_id=w["on_x"], scope=only_a)
        assert [m.id for m in seen_by_a.mentions] == [w["mx"]]
        assert [c.id for c in seen_by_a.cases] == [w["case_x"]]
        assert seen_by_a.moderation == [] and set(seen_by_a.brand_names) == {w["a"].id}
        seen_by_b = identity.history(s, person_id=w["on_x"], scope=only_b)
        assert [m.id for m in seen_by_b.mentions] == [w["mi"]]
        with pytest.raises(NotFound):
            identity.history(s, person_id=w["on_x"], scope=Scope(frozenset({999})))


def test_scoped_agent_does_not_see_evidence_from_another_brand(db: Database) -> None:
    a = make_brand(db, name="Conectel", organisation="Grupo Andino")
    b = make_brand(db, name="Conectel Hogar", organisation="Grupo Andino")
    with scripted_triage():
        _ingest(db, "x1", brand="conectel", channel="twitter", handle="@anita_99", name="Anita")
        _ingest(db, "dm1", brand="conectel-hogar", channel="twitter", handle="@anita_99", name="Anita",
                private=True, text="mi correo es ana@example.com")
        _ingest(db, "mail", brand="conectel", channel="email", handle="ana@example.com", name="Ana",
                private=True, text="Sigo esperando")
    _sweep(db)
    (row,) = _proposals(db)
    with db.read_session() as s:
        assert identity.open_proposals(s, scope=Scope(frozenset({b.id}))) == []  # the e-mail person is not theirs
        assert identity.open_proposals(s, scope=Scope(frozenset({a.id}))) == []  # the evidence is brand B's DM
        (both,) = identity.open_proposals(s, scope=Scope(frozenset({a.id, b.id})))
        assert both.proposal.id == row.id
    with db.session() as s, pytest.raises(NotFound):
        identity.confirm(s, proposal_id=row.id, actor=AGENT, scope=Scope(frozenset({a.id})))
    with db.read_session() as s:
        assert s.get(Person, row.person_b_id).merged_into_id is None  # type: ignore[union-attr]


def test_read_position_stops_before_rows_that_may_still_be_committing() -> None:
    from helpers import T0

    rows = [(6, T0), (7, T0 + timedelta(seconds=10)), (8, T0)]  # 7 is too fresh: 8 may have overtaken it
    assert identity._read_up_to(5, rows, settled=T0) == 6
    assert identity._read_up_to(5, [], settled=T0) == 5


def test_the_worker_sweep_proposes(db: Database) -> None:
    from cauce.worker import sweep

    make_brand(db, name="Conectel")
    with scripted_triage():
        _ingest(db, "x1", channel="twitter", handle="@ana_perez")
        _ingest(db, "ig1", channel="instagram", handle="ana.perez")
    assert sweep(db)["people.identity"]["proposed"] == 1


def test_one_handle_on_four_networks_collapses_to_one_person(db: Database) -> None:
    make_brand(db, name="Conectel")
    with scripted_triage():
        ids = [_ingest(db, f"m{n}", channel=channel, handle=handle)[2] for n, (channel, handle) in enumerate(
            (("twitter", "@ana_perez"), ("instagram", "ana.perez"), ("facebook", "ana.perez"),
             ("bluesky", "ana-perez.bsky.social")))]
    assert _sweep(db).proposed == 6  # every pair; confirming them folds all four into the oldest
    with db.session() as s:
        for row in identity.proposals_for(s, person_id=ids[0]):
            identity.confirm(s, proposal_id=row.proposal.id, actor=AGENT)
        assert identity.proposals_for(s, person_id=ids[0]) == []
        assert len(people.handles_of(s, person_id=ids[0])) == 4
        assert all(s.get(Person, i).merged_into_id == ids[0] for i in ids[1:])  # type: ignore[union-attr]


def test_a_key_two_accounts_share_on_one_network_is_not_evidence(db: Database) -> None:
    make_brand(db, name="Conectel")
    with scripted_triage():
        _ingest(db, "1", channel="twitter", handle="@ana_perez")
        _ingest(db, "2", channel="twitter", handle="@anaperez", name="Ana Pérez R.")  # another account
        _ingest(db, "3", channel="instagram", handle="ana.perez")
    assert _sweep(db).proposed == 0  # which of the two X accounts is the Instagram one? Nobody can tell.
