"""Spanish by default, English through the language switch; every UI string has its translation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cauce.config import Settings
from cauce.db import Database
from cauce.web.app import create_app
from cauce.web.i18n import pick_language, source_messages, translations

# The agent screens (top-level templates). Other screens' folders add their own check, e.g.
# source_messages("dashboard/**.html").
AGENT_TEMPLATES = "*.html"


def test_every_template_string_has_an_english_translation() -> None:
    english = translations("en")
    messages = source_messages(AGENT_TEMPLATES)
    assert len(messages) > 100
    missing = sorted(m for m in messages if english.gettext(m) == m and re.search(r"[a-záéíóúñ]{4}", m)
                     and m not in {"Facebook", "Instagram", "Mastodon", "Bluesky", "Telegram", "TikTok", "YouTube",
                                   "WhatsApp", "Web", "Demo", "Excel", "Error", "Web / blogs", "X / Twitter"})
    assert not missing, f"add these to i18n/en/LC_MESSAGES/messages.po: {missing[:15]}"


def test_translations_keep_their_placeholders() -> None:
    english = translations("en")
    for message in source_messages():
        assert sorted(re.findall(r"%\(\w+\)s", message)) == sorted(re.findall(r"%\(\w+\)s", english.gettext(message)))


def test_language_choice() -> None:
    assert pick_language(None, None) == "es"
    assert pick_language(None, "en-US,en;q=0.9") == "en"
    assert pick_language(None, "fr-FR,es;q=0.8") == "es"
    assert pick_language("es", "en-US") == "es"
    assert pick_language("xx", None) == "es"


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db.url), db=db, run_scheduler=False)) as c:
        yield c


def test_the_language_switch_sets_a_cookie_and_the_page_follows(client: TestClient) -> None:
    assert "Iniciar sesión" in client.get("/login").text
    response = client.get("/lang/en?next=/login", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "cauce_lang=en" in response.headers["set-cookie"]
    page = client.get("/login").text
    assert "Sign in" in page and '<html lang="en">' in page
    # Only local paths are followed after switching.
    assert client.get("/lang/es?next=//evil.example", follow_redirects=False).headers["location"] == "/inbox"
