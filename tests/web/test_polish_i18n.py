"""English mode translates triage's Spanish reasons at render, names every channel (blog too), and
dates such as a crisis's start are formatted with babel in the page's language."""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cauce import vocabulary
from cauce.reports import export
from cauce.reports.tables import Table
from cauce.triage import priority
from cauce.web.i18n import translations
from cauce.web.reasons import translate_reason
from cauce.web.rendering import env


def _fixed_reasons() -> set[str]:
    """Every plain-string reason priority.score can give (read from its source), and its tables."""
    tree = ast.parse(inspect.getsource(priority))
    found = {node.args[0].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
             and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
    return found | set(priority._ROLE_REASONS.values())


def test_every_reason_triage_can_give_reads_in_english() -> None:
    english = translations("en").gettext
    fixed = _fixed_reasons()
    assert len(fixed) >= 10
    untranslated = sorted(r for r in fixed if translate_reason(r, english) == r)
    assert not untranslated
    assert translate_reason("3 mensajes sin respuesta", english) == "3 unanswered message(s)"
    assert translate_reason("autor con 120 k seguidores", english) == "author with 120 k followers"
    assert translate_reason("crece rápido: +25 interacciones/h", english) == "growing fast: +25 interactions/h"
    for topic in priority._CATEGORY_NAMES.values():
        for pqr in ("queja", "reclamo"):
            text = translate_reason(f"{pqr}: {topic}", english)
            assert text != f"{pqr}: {topic}" and text.split(": ")[1] != topic, text
    # Spanish stays Spanish; an unknown reason is shown as stored.
    spanish = translations("es").gettext
    assert translate_reason("enojo alto", spanish) == "enojo alto"
    assert translate_reason("algo nuevo", english) == "algo nuevo"


def test_the_filter_follows_the_page_language() -> None:
    template = env.from_string('{{ reasons|map("reason")|join(" · ") }}')
    reasons = ["amenaza", "queja: cobros", "2 mensajes sin respuesta"]
    assert template.render(reasons=reasons, _=translations("en").gettext) == \
        "threat · complaint: billing · 2 unanswered message(s)"
    assert template.render(reasons=reasons, _=translations("es").gettext) == \
        "amenaza · queja: cobros · 2 mensajes sin respuesta"


def test_every_channel_has_a_label_and_blog_is_translated() -> None:
    assert vocabulary.label(vocabulary.CHANNELS, "blog") == "Blog"
    from cauce.demo import catalog, stream

    demo_channels = set(catalog.CHANNELS) | set(stream._CHANNEL_WEIGHTS)
    assert "blog" in demo_channels and demo_channels <= set(vocabulary.CHANNELS)
    english = translations("en").gettext
    assert all(english(label) for label in vocabulary.CHANNELS.values())


def test_a_crisis_start_is_a_date_in_the_page_language_not_an_iso_string() -> None:
    since = datetime(2026, 12, 3, 13, 25, tzinfo=UTC).astimezone(ZoneInfo("America/Bogota"))
    macro = env.from_string('{% from "dashboard/_tables.html" import value with context %}{{ value(v) }}')
    assert macro.render(v=since, lang="es", _=translations("es").gettext) == "3 dic 2026, 08:25"
    assert macro.render(v=since, lang="en", _=translations("en").gettext) == "3 Dec 2026, 08:25"
    table = Table("crisis", "Crisis", ["Marca", "Desde"], [["A", since]])
    assert "2026-12-03 08:25" in export.to_csv(table, style="es").decode("utf-8-sig")
    assert "T13:25" not in export.to_csv(table).decode("utf-8-sig")
