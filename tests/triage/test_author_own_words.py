"""Author roles settled by the author's own words, with the SHIPPED model (PLAYBOOK §6, §7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from triage_helpers import T0, history, mention

from cauce.triage import service as triage
from cauce.triage.pipeline import Pipeline, load_default
from cauce.triage.schemas import History, PriorMessage


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_default()


FAKED = history("@MercaPlaza mi pedido llegó roto, miren la foto, qué vergüenza de empresa",
                "@MercaPlaza exijo reembolso ya, son unos estafadores")


def test_a_troll_who_admits_the_complaint_was_fake_is_a_troll(pipeline: Pipeline) -> None:
    result = pipeline.assess(mention("jajaja ni tengo la app, la foto la saqué de Google. Qué fácil es hacerlos caer",
                                     id="m-admits"), FAKED)
    assert result.author_role == "troll" and result.role_confidence >= 0.75
    admission = [e for e in result.evidence if e.signal == "admits_faking"]
    assert [e.external_id for e in admission] == ["m-admits"]  # their own message, quoted
    assert "la foto la saque de Google" in admission[0].message.replace("é", "e")


@pytest.mark.parametrize("text", ["jajaja ni soy cliente, qué fácil es hacerlos caer",
                                  "jaja ni soy cliente de ustedes 😂 los troleé"])
def test_admitting_not_being_a_customer_while_laughing_after_complaining_is_a_troll(pipeline: Pipeline,
                                                                                   text: str) -> None:
    result = pipeline.assess(mention(text), history("Me vendieron un celular usado como nuevo, ladrones"))
    assert result.author_role == "troll"


def test_not_being_a_customer_in_earnest_is_a_complaint_not_an_admission(pipeline: Pipeline) -> None:
    """«me cobran y ni soy cliente» is a billing complaint (identity theft?), never a troll."""
    prior = history("@Telandes me llegó una factura de $120.000 a mi nombre")
    result = pipeline.assess(mention("@Telandes ni soy cliente de ustedes y me siguen cobrando, respondan"), prior)
    assert result.author_role == "cliente"
    assert "admits_faking" not in {e.signal for e in result.evidence}


def test_one_message_is_never_enough_even_an_admission(pipeline: Pipeline) -> None:
    result = pipeline.assess(mention("jajaja qué fácil es hacerlos caer, la foto la saqué de Google"), History())
    assert result.author_role != "troll"


def _daily(template: str, start: int, days: int) -> History:
    texts = [template.format(n) for n in range(start, start + days)]
    return History(prior_messages=tuple(
        PriorMessage(text=t, created_at=T0 - timedelta(days=days - i), external_id=f"d{i}")
        for i, t in enumerate(texts)))


def test_a_grudge_counted_every_day_is_hostile(pipeline: Pipeline) -> None:
    """§6: «Día 995 sin que me devuelvan mi plata», posted daily, is a hostile user with a grudge."""
    result = pipeline.assess(mention("Día 995 sin que me devuelvan mi plata @BancoAndino"),
                             _daily("Día {} sin que me devuelvan mi plata @BancoAndino", 990, 5))
    assert result.author_role == "hostil"
    assert "grudge_counter" in {e.signal for e in result.evidence}


def test_counting_the_days_of_a_live_outage_is_a_customer(pipeline: Pipeline) -> None:
    result = pipeline.assess(mention("@Conectel día 5 sin internet, contrato 77120, ¿me ayudan?"),
                             _daily("@Conectel día {} sin internet, contrato 77120", 1, 4))
    assert result.author_role == "cliente"


def test_customer_insults_once_after_three_unanswered_messages_is_a_customer(pipeline: Pipeline) -> None:
    prior = history("@Conectel llevo desde ayer sin internet en Coyoacán",
                    "@Conectel ¿me pueden ayudar? sigo sin servicio",
                    "Tercer mensaje y nadie responde, @Conectel")
    result = pipeline.assess(mention("@Conectel son unos inútiles de mierda, 3 días ignorándome"), prior)
    assert result.abusive and result.author_role == "cliente"


def _posted(n: int, author: int, text: str, minutes: float) -> triage.PostedMessage:
    return triage.PostedMessage(n, author, text, T0 + timedelta(minutes=minutes))


COPIES = ["jajaja llorona, esta empresa es un circo 🤡", "JAJAJA llorona esta empresa es un circo",
          "jajaja llorona, esta empresa es un circo!! 🤡🤡", "jaja llorona esta empresa es un circo @Conectel"]


def test_brigade_groups_near_identical_hostile_copies_by_different_accounts() -> None:
    posted = [_posted(i, author=i, text=t, minutes=i * 4) for i, t in enumerate(COPIES)]
    posted.append(_posted(9, author=9, text="A mí también me pasó, contrato 88120, sin servicio", minutes=3))
    groups = triage.brigades(posted, window=timedelta(hours=2), min_accounts=3)
    assert [[m.key for m in g] for g in groups] == [[0, 1, 2, 3]]


@pytest.mark.parametrize("case", ["one_account", "spread_out", "not_hostile"])
def test_no_brigade_without_several_accounts_a_short_window_and_hostile_text(case: str) -> None:
    if case == "one_account":
        posted = [_posted(i, author=1, text=t, minutes=i) for i, t in enumerate(COPIES)]
    elif case == "spread_out":
        posted = [_posted(i, author=i, text=t, minutes=i * 180) for i, t in enumerate(COPIES)]
    else:
        posted = [_posted(i, author=i, text="A mí también me pasó, sin servicio desde ayer", minutes=i)
                  for i in range(5)]
    assert triage.brigades(posted, window=timedelta(hours=2), min_accounts=3) == []


@pytest.mark.parametrize(("earlier", "last"), [
    ("La vía que arreglaron hace un mes ya está llena de huecos otra vez. Excelente servicio, como siempre 🙃 "
     "Quiero hablar con un supervisor.",
     "Oigan #SanTelmo: el alumbrado de mi cuadra lleva 3 días apagado. ¿Es en serio? Mañana mismo voy a la "
     "Procuraduría. 🙃🙃🙃"),
    ("Uf, el soporte del chat me cierra la conversacion sin responder. Excelente servicio, como siempre 🙃",
     "Mi gato se durmió encima del router de RapiditoApp 😂 🤔🤔🤔"),
])
def test_a_customers_sarcasm_about_their_own_problem_and_a_joke_are_not_taunts(pipeline: Pipeline, earlier: str,
                                                                             last: str) -> None:
    """Both were called trolls at 0.83-0.85 by the shipped model before `troll_gate` (demo stream, §7)."""
    assert pipeline.assess(mention(last), history(earlier)).author_role != "troll"
