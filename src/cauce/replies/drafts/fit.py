"""Fit a draft into the channel's limit without cutting a word or losing the signature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cauce.replies.tone.channels import channel_length, limit_for


@dataclass(frozen=True)
class Parts:
    greeting: str
    body: tuple[tuple[str, bool], ...]  # (sentence, optional)
    closing: str
    signature: str


def join(parts: Parts, channel: str, *, keep_optional: int | None = None, closing: bool = True) -> str:
    """Assemble the message; long-form channels get line breaks, short ones a single line."""
    body: list[str] = []
    optional_seen = 0
    for sentence, optional in parts.body:
        if optional:
            optional_seen += 1
            if keep_optional is not None and optional_seen > keep_optional:
                continue
        body.append(sentence)
    limit = limit_for(channel)
    sep = "\n\n" if limit is None or limit > 1000 else " "
    tail = " ".join(p for p in ((parts.closing if closing else ""), parts.signature) if p)
    return sep.join(p for p in (parts.greeting, " ".join(body), tail) if p)


def _truncate_words(text: str, budget: int, channel: str) -> str:
    """Longest prefix of whole words that fits in budget, ending with an ellipsis."""
    if channel_length(text, channel) <= budget:
        return text
    words = text.split(" ")
    while words and channel_length(" ".join(words) + "…", channel) > budget:
        words.pop()
    return (" ".join(words).rstrip(",;:") + "…") if words else ""


def fit(render: Callable[[bool], Parts], channel: str) -> tuple[str, list[str]]:
    """The longest version that fits; returns the text and notes about what was shortened."""
    limit = limit_for(channel)
    parts = render(False)
    optional_total = sum(1 for _, optional in parts.body if optional)
    if limit is None:
        return join(parts, channel), []
    attempts: list[tuple[Parts, int | None, bool, str | None]] = [(parts, None, True, None)]
    attempts.append((parts, None, False, None))
    for kept in range(optional_total - 1, -1, -1):
        attempts.append((parts, kept, False, "Se omitieron frases opcionales por el límite del canal."))
    short = render(True)
    attempts.append((short, 0, False, "Se usó una versión corta del problema por el límite del canal."))
    for candidate, keep, closing, note in attempts:
        text = join(candidate, channel, keep_optional=keep, closing=closing)
        if channel_length(text, channel) <= limit:
            return text, [note] if note else []
    # Last resort: trim the body at a word boundary, keep greeting and signature intact.
    frame = join(Parts(short.greeting, (("X", False),), "", short.signature), channel)
    budget: int = limit - (channel_length(frame, channel) - 1)
    body = " ".join(s for s, optional in short.body if not optional)
    trimmed = _truncate_words(body, budget, channel)
    text = join(Parts(short.greeting, ((trimmed, False),), "", short.signature), channel)
    return text, ["El texto se recortó para caber en el canal; revísalo antes de enviar."]
