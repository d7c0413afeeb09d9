"""Hostile and odd input: the guard answers sensibly and never crashes."""

from __future__ import annotations

import time

import pytest

from cauce.replies.tone import GuardContext, check_reply
from cauce.replies.tone.channels import channel_length

CTX = GuardContext(recipient_name="Jorge", agent_name="Laura", voice="usted", channel="twitter",
                   mention_text="llevo 4 días sin internet")


def test_empty_reply_blocks() -> None:
    verdict = check_reply("   \n ", CTX)
    assert verdict.verdict == "block" and verdict.rules == ["empty-reply"]


def test_invisible_characters_do_not_hide_a_phrase() -> None:
    text = "Hola, Jorge. Qué r\u200baro que nadie más tenga fallas de internet. — Laura"
    assert "sarcasm" in check_reply(text, CTX).rules


def test_fullwidth_letters_are_folded() -> None:
    text = "Ｑｕé ｒａｒｏ ｑｕｅ no le haya llegado el técnico, Jorge. — Laura"
    assert "sarcasm" in check_reply(text, CTX).rules


def test_html_is_just_text() -> None:
    text = "Hola, Jorge. <script>alert('x')</script> Revisamos la falla de internet en su casa. — Laura"
    assert check_reply(text, CTX.model_copy(update={"channel": "facebook"})).verdict == "ok"


def test_huge_text_is_judged_quickly() -> None:
    text = "Hola, Jorge. " + "Revisamos la falla de internet en su casa. " * 2500 + "— Laura"
    start = time.perf_counter()
    verdict = check_reply(text, CTX)
    assert time.perf_counter() - start < 2.0
    assert verdict.verdict == "block" and "channel-length" in verdict.rules


@pytest.mark.parametrize("text", [
    "Hola, Jorge 🙏🏽 revisamos la falla de internet en su casa 👨‍🔧 — Laura",
    "Hola, Jorge. Revisamos la falla de internet en su casa \ud83d — Laura",  # lone surrogate
    "Hola, Jorge. Revisamos la falla de internet en su casa.\x00\x07 — Laura",
    "Ho\u0301\u0301\u0301\u0301la, Jorge. Revisamos la falla de internet en su casa. — Laura",
])
def test_odd_unicode_does_not_crash(text: str) -> None:
    assert check_reply(text, CTX).verdict in {"ok", "warn", "block"}


def test_non_string_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="str"):
        check_reply(None, CTX)  # type: ignore[arg-type]


def test_x_counts_links_as_23_and_emoji_as_two() -> None:
    assert channel_length("mira https://example.com/" + "a" * 200, "twitter") == 5 + 23
    assert channel_length("🙂", "twitter") == 2
    assert channel_length("🙂", "bluesky") == 1


def test_json_shape_is_stable() -> None:
    data = check_reply("Hola, Jorge. Eso no es cierto. — Laura", CTX).as_json()
    assert set(data) == {"verdict", "findings"}
    assert all(set(f) == {"rule", "severity", "message", "suggestion"} for f in data["findings"])  # type: ignore[union-attr]
