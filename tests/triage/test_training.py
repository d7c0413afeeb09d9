"""`cauce train`: deterministic, re-runnable on a growing corpus, and the shipped files load offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from triage_helpers import history, mention
from typer.testing import CliRunner

from cauce.triage.cli import register
from cauce.triage.model_classifier import MODEL_FILE, load_models
from cauce.triage.pipeline import MODELS_DIR, load_default
from cauce.triage.schemas import History

COMPLAINTS = [
    ("Llevo {n} días sin internet y nadie me responde", "queja", "producto"),
    ("Me cobraron {n} pesos de más en la factura, exijo el reembolso", "reclamo", "cobro"),
    ("Mi pedido {n} no ha llegado y el repartidor no contesta", "queja", "entrega"),
    ("El asesor me colgó {n} veces, pésima atención", "queja", "atencion"),
]
OTHERS = [
    ("Gracias por la atención de hoy, excelente servicio {n}", "felicitacion"),
    ("¿A qué hora abre la sucursal {n}?", "peticion"),
    ("Deberían abrir los domingos en la sucursal {n}", "sugerencia"),
    ("Hoy vi el anuncio {n} en la tele", "otro"),
]


def _message(i: int, text: str, pqr: str, category: str | None, **flags: bool) -> dict[str, object]:
    complaint = pqr in {"queja", "reclamo"}
    return {"id": f"m-{i:04d}", "text": text, "sector": "telecom", "brand": "Telco", "dialect": "mx",
            "channel": "twitter", "language": "es", "is_complaint": complaint, "pqr_type": pqr,
            "category": category, "sentiment": "negativo" if complaint else "neutro", "anger": 2 if complaint else 0,
            "abusive": flags.get("abusive", False), "threat": flags.get("threat", False),
            "legal_risk": flags.get("legal_risk", False), "sarcasm": False, "split": "test" if i % 5 == 0 else "train"}


def _author(i: int, role: str, texts: list[str], reply: bool = False) -> dict[str, object]:
    return {"author_id": f"a-{i:03d}", "handle": f"@u{i}", "role": role, "split": "test" if i % 5 == 0 else "train",
            "followers": 100 + i, "messages": [{"text": t, "created_at": "2026-01-01T00:00:00Z", "answered": False,
                                                "reply_to_other": reply} for t in texts]}


def write_tiny_corpus(root: Path) -> None:
    (root / "messages").mkdir(parents=True)
    (root / "authors").mkdir()
    specs: list[tuple[str, str, str | None, dict[str, bool]]] = []
    for n in range(6):
        specs += [(text.format(n=n + 2), pqr, category, {}) for text, pqr, category in COMPLAINTS]
        specs += [(text.format(n=n + 2), pqr, None, {}) for text, pqr in OTHERS]
        specs += [(f"son unos idiotas {n}", "queja", "atencion", {"abusive": True}),
                  (f"sé dónde vives, cuídate {n}", "otro", None, {"threat": True}),
                  (f"los voy a demandar ante Profeco {n}", "reclamo", "cobro", {"legal_risk": True})]
    rows = [_message(i, text, pqr, category, **flags) for i, (text, pqr, category, flags) in enumerate(specs)]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (root / "messages" / "01_tiny.jsonl").write_text("\n".join(lines) + "\n{half a line", encoding="utf-8")
    authors = []
    for n in range(5):
        authors.append(_author(4 * n, "cliente", [f"mi pedido {n}123 no llega", "sigo esperando", "nadie responde"]))
        authors.append(_author(4 * n + 1, "troll", ["jajaja pobres 🤡", "sigan llorando jaja", "qué payasos 😂"], True))
        authors.append(_author(4 * n + 2, "hostil", ["no compren ahí", "siempre lo mismo, la peor empresa"]))
        authors.append(_author(4 * n + 3, "ninguno", ["vi el anuncio en la tele", "bonito día"]))
    (root / "authors" / "01_tiny.jsonl").write_text(
        "\n".join(json.dumps(a, ensure_ascii=False) for a in authors) + "\n", encoding="utf-8")


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Cauce."""

    register(app)
    return app


def _train(corpus: Path, out: Path) -> dict[str, object]:
    result = CliRunner().invoke(_app(), ["train", "--corpus", str(corpus), "--output", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


def test_training_twice_gives_identical_models_and_predictions(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_tiny_corpus(corpus)
    meta_a, meta_b = _train(corpus, tmp_path / "a"), _train(corpus, tmp_path / "b")
    assert meta_a == meta_b
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() == (tmp_path / "b" / MODEL_FILE).read_bytes()
    assert meta_a["data_sha256"] and meta_a["heldout"]["scores"]  # type: ignore[index]
    texts = ["Me cobraron de más en la factura", "jajaja pobres 🤡", "sé dónde vives", "Gracias, excelente"]
    runs = []
    for folder in ("a", "b"):
        pipeline = load_default(tmp_path / folder)
        assert pipeline.model_version == meta_a["version"]
        runs.append([pipeline.assess(mention(t), history("sigan llorando jaja")) for t in texts])
    assert runs[0] == runs[1]


def test_training_without_a_corpus_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["train", "--corpus", str(tmp_path / "none"), "--output", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "corpus" in result.output


def test_shipped_models_load_offline_with_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("triage must not use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    load_models.cache_clear()
    meta = json.loads((MODELS_DIR / "meta.json").read_text(encoding="utf-8"))
    pipeline = load_default()
    assert pipeline.model_version == meta["version"] != "rules-1"
    assert (MODELS_DIR / MODEL_FILE).stat().st_size < 30_000_000
    assert meta["heldout"]["scores"]["roles"]["cliente_to_troll"] == 0
    assert pipeline.assess(mention("Llevo 3 días sin internet"), History()).is_complaint


def test_corrupt_model_file_falls_back_to_rules(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"not a model")
    pipeline = load_default(tmp_path)
    assert pipeline.model_version == "rules-1"
    assert pipeline.assess(mention("Pésimo servicio, llevo 3 días sin internet"), History()).is_complaint


def test_models_trained_with_other_text_rules_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import shutil

    shutil.copy(MODELS_DIR / MODEL_FILE, tmp_path / MODEL_FILE)
    meta = json.loads((MODELS_DIR / "meta.json").read_text(encoding="utf-8"))
    meta["feature_code_sha256"] = "0" * 64
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert load_models(tmp_path) is not None
    assert "cauce train" in caplog.text
