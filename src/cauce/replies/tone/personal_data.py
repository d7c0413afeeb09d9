"""§3: data are asked for through a private channel, never in a public reply.

Asking someone to *send* the number by DM is fine; asking them to write it here is not.
The rule looks, sentence by sentence, for a request verb followed closely by a personal-data
noun, then decides by the channel words around it (same, previous or next sentence).
"""

from __future__ import annotations

import re

from cauce.replies.tone import lexicon
from cauce.replies.tone.normalize import phrase_pattern, sentences, words
from cauce.replies.tone.schemas import Finding, GuardContext

RULE = "public-personal-data"
_MAX_GAP = 8  # tokens between "envíanos" and "tu número de pedido"
_WE_VERB = re.compile(r"\w+(amos|emos|imos)$")


def _token_index(text: str, pos: int) -> int:
    return text.count(" ", 0, pos)


def _requested_datum(sentence: str) -> str | None:
    """The data noun this sentence asks for, or None when it asks for nothing personal."""
    nouns = list(phrase_pattern(lexicon.DATA_NOUNS).finditer(sentence))
    if not nouns:
        return None
    verbs = list(phrase_pattern(lexicon.REQUEST_VERBS).finditer(sentence))
    tokens = sentence.split(" ")
    for noun in nouns:
        noun_at = _token_index(sentence, noun.start())
        for verb in verbs:
            verb_at = _token_index(sentence, verb.start())
            gap = noun_at - verb_at
            if gap < 0 or gap > _MAX_GAP:
                continue
            between = tokens[verb_at + 1:noun_at]
            # "compártenos más detalles y revisamos el cobro a tu tarjeta": a new clause starts.
            if any(_WE_VERB.match(t) for t in between) or ("y" in between[:-1] and gap > 4):
                continue
            return noun.group(0)
    return None


def check(text: str, context: GuardContext) -> list[Finding]:
    if context.visibility != "public":
        return []
    parts = [words(s) for s in sentences(text)]
    private = phrase_pattern(lexicon.PRIVATE_CHANNEL)
    here = phrase_pattern(lexicon.PUBLIC_HERE)
    negation = phrase_pattern(lexicon.DATA_NEGATION)
    for i, sentence in enumerate(parts):
        datum = _requested_datum(sentence)
        if datum is None or negation.search(sentence):
            continue
        near = " ".join(parts[max(0, i - 1):i + 2])
        if here.search(sentence) or not private.search(near):
            return [Finding(
                rule=RULE, severity="block",
                message=(f"La respuesta pública pide un dato personal («{datum}»). Pedir datos en "
                         "público expone a la persona y contradice §3 del playbook."),
                suggestion=("Pide que envíe ese dato por un canal privado, por ejemplo: «¿Nos escribes "
                            "por DM tu número de pedido para revisarlo?», o indica el correo o teléfono "
                            "de atención."),
            )]
    return []
