"""Categories per brand: a new case gets the brand's own category nearest to its opening message
(multilingual USE sentence embeddings, nearest centroid), stored, audited and filterable."""

from __future__ import annotations

from sqlalchemy import select

from cauce.audit.models import AuditEvent
from cauce.audit.service import SYSTEM
from cauce.brands import service as brands
from cauce.cases import service as cases
from cauce.cases.models import Case
from cauce.db import Database
from cauce.demo.relevance import TRIAGE_SETTINGS
from cauce.mentions import service as mentions
from cauce.mentions.service import ingest, ingest_batch
from cauce.triage import brand_categories
from helpers import make_brand, mention, scripted_triage

NOISE = {"relevant": False, "relevance": 0.1, "relevance_reasons": ["homónimo"], "is_complaint": False,
         "pqr_type": "otro"}


def test_new_cases_get_the_brands_own_category(db: Database) -> None:
    brand = make_brand(db, handles=["@ConectelCO"])
    make_brand(db, name="Lumina")  # no categories of its own
    with db.session() as s:
        brands.update_triage_settings(s, brand_id=brand.id, settings=TRIAGE_SETTINGS["conectel"], actor=SYSTEM)
    with scripted_triage():
        with db.session() as s:
            billed = ingest(s, mention(1, text="Me llegó la factura con un cobro doble, quiero la devolución"))
        results = list(ingest_batch(db.session, [
            mention(2, handle="@b", text="El decodificador se queda pegado en el logo y no prende"),
            mention(3, handle="@c", text="Llevo 4 días sin señal de celular en todo el barrio"),
            mention(4, handle="@d", brand="lumina", text="Mi pedido no llega"),
            mention(5, handle="@e", text="Qué bonito día para ir a la playa", test_triage=NOISE),
        ]))
        with db.session() as s:
            noise_id = results[3].mention_id
            assert noise_id is not None
            brought = mentions.bring_into_queue(s, mention_id=noise_id, actor=SYSTEM)
            brought_case = brought.mention.case_id
    with db.session() as s:
        category = {c.id: c.brand_category for c in s.scalars(select(Case))}
        assert category[billed.case_id] == "facturación"
        assert category[results[0].case_id] == "equipos"
        assert category[results[1].case_id] == "cobertura y señal"
        assert category[results[2].case_id] is None  # the brand defines no categories
        assert category[brought_case] is None  # off every category: below the similarity threshold
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "case.brand_categorised")).all()
        assert {e.case_id for e in events} == {billed.case_id, results[0].case_id, results[1].case_id}
        found = cases.list_cases(s, filters=cases.CaseFilters(brand_category="equipos"))
        assert [c.id for c in found] == [results[0].case_id]


def test_tfidf_stands_in_without_the_sentence_encoder() -> None:
    pairs = [(c["name"], c["examples"]) for c in TRIAGE_SETTINGS["conectel"]["categories"]]
    centroids = brand_categories.build(pairs, brand_categories.TfidfEmbedder())
    [match] = centroids.assign(["Me cobraron dos veces la factura de este mes otra vez"])
    assert match.category == "facturación" and centroids.embedder.name == "tfidf"
