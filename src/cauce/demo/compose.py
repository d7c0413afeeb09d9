"""Compose varied Spanish mention texts from the phrase parts, per brand, person and intent."""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from typing import NamedTuple

from cauce.demo import phrases as P
from cauce.demo.catalog import DemoBrand
from cauce.demo.people import SimPerson

_ACCENTS = str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU")
_SHORTHAND = ((" que ", " q "), (" porque ", " xq "), (" por ", " x "), (" también ", " tmb "),
              (" para ", " pa "), (" nada", " nadaaa"), (" días", " dias"))


@functools.cache
def _brand_terms(brand: DemoBrand) -> re.Pattern[str]:
    """One case-insensitive pattern for every way the brand is named (a single C-level scan)."""
    terms = (brand.name, *brand.handles.values(), *brand.hashtags, *brand.misspellings,
             *brand.search_terms)
    return re.compile("|".join(re.escape(t) for t in dict.fromkeys(terms)), re.IGNORECASE)


class _Slots(dict[str, str]):
    """Template slots computed only when a template uses them (generation speed matters)."""

    def __init__(self, composer: Composer, brand: DemoBrand, person: SimPerson, channel: str
                 ) -> None:
        super().__init__()
        self.composer, self.brand, self.person, self.channel = composer, brand, person, channel

    def __missing__(self, key: str) -> str:
        rng, brand = self.composer.rng, self.brand
        if key == "brand":
            return self.composer.brand_ref(brand, self.channel)
        if key == "brand_tag":
            return brand.hashtags[0].lstrip("#")
        if key == "product":
            return rng.choice(brand.products) if brand.products else "el servicio"
        if key == "agency":
            return rng.choice(brand.agencies) if brand.agencies else "un abogado"
        if key == "amount":
            fmt, low, high = P.CURRENCY.get(brand.country, P.CURRENCY["CO"])
            return fmt.format(rng.randrange(low, high, max(1, (high - low) // 200)))
        if key == "order":
            return f"#{rng.randint(100000, 999999)}"
        if key == "days":
            return str(rng.choice((2, 3, 3, 4, 5, 7, 10, 15)))
        if key == "hours":
            return str(rng.choice((1, 2, 3, 4, 5)))
        if key == "money":
            return rng.choice(P.DIALECT_MONEY[self.person.dialect])
        if key == "tag":
            return rng.choice(brand.hashtags)
        raise KeyError(key)


class Composed(NamedTuple):
    text: str
    flags: frozenset[str] = frozenset()


class Composer:
    """Builds one message at a time; all randomness comes from the caller's `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # --- slots ----------------------------------------------------------------------------
    def brand_ref(self, brand: DemoBrand, channel: str = "twitter") -> str:
        roll = self.rng.random()
        if roll < 0.35:
            return brand.handles.get(channel) or brand.main_handle
        if roll < 0.7:
            return brand.name
        if roll < 0.8:
            return brand.hashtags[0]  # the neutral brand tag, not a crisis hashtag
        if roll < 0.92:
            return self.rng.choice(brand.misspellings)
        return self.rng.choice(brand.search_terms)

    def fill(self, template: str, brand: DemoBrand, person: SimPerson, channel: str) -> str:
        if "{" not in template:
            return template
        text = template.format_map(_Slots(self, brand, person, channel))
        # Templates say "de {product}"; Spanish contracts "de el" / "a el".
        return text.replace(" de el ", " del ").replace(" a el ", " al ")

    # --- finishing touches ---------------------------------------------------------------
    def emoji(self, mood: str, chance: float) -> str:
        if self.rng.random() >= chance:
            return ""
        return self.rng.choice(P.EMOJI[mood]) * self.rng.choice((1, 1, 1, 2, 3))

    def typos(self, text: str, chance: float = 0.3) -> str:
        """Realistic sloppiness: dropped accents, SMS shorthand, stretched words, caps."""
        if self.rng.random() >= chance:
            return text
        roll = self.rng.random()
        if roll < 0.35:
            text = text.translate(_ACCENTS)
        elif roll < 0.7:
            old, new = self.rng.choice(_SHORTHAND)
            text = text.replace(old, new)
        elif roll < 0.85:
            text = text.lower().translate(_ACCENTS)
        else:
            text = text.upper()
        return text

    def _join(self, parts: Sequence[str]) -> str:
        text = " ".join(p for p in parts if p).strip()
        return text[:1].upper() + text[1:] if text else text

    def _with_brand(self, text: str, brand: DemoBrand, channel: str) -> str:
        # A listening tool only sees mentions that name the brand somehow.
        if _brand_terms(brand).search(text):
            return text
        ref = self.brand_ref(brand, channel)
        return f"{ref} {text}" if self.rng.random() < 0.5 else f"{text} {ref}"

    # --- intents ---------------------------------------------------------------------------
    def complaint(self, brand: DemoBrand, person: SimPerson, category: str, channel: str,
                  *, legal_chance: float = 0.12) -> Composed:
        rng = self.rng
        flags: set[str] = set()
        core = self.fill(rng.choice(P.COMPLAINTS[brand.sector][category]), brand, person, channel)
        opener = (rng.choice(P.DIALECT_OPENERS[person.dialect]) if rng.random() < 0.35
                  else self.fill(rng.choice(P.OPENERS), brand, person, channel))
        parts = [opener, core + "."]
        if rng.random() < 0.2:
            parts.append(self.fill(rng.choice(P.SARCASM), brand, person, channel))
        if rng.random() < 0.2:
            parts.append(self.fill(rng.choice(P.MONEY_LINES), brand, person, channel))
        if rng.random() < 0.08:
            parts.append(rng.choice(P.SWEARING))
        if rng.random() < 0.55:
            parts.append(rng.choice(P.DEMANDS))
        if rng.random() < legal_chance:
            parts.append(self.fill(rng.choice(P.LEGAL_THREATS), brand, person, channel))
            flags.add("legal_risk")
        if rng.random() < 0.35:
            parts.append(rng.choice(P.DIALECT_CLOSERS[person.dialect]))
        parts.append(self.emoji(rng.choice(("anger", "anger", "sad", "sarcasm")), 0.5))
        text = self.typos(_localise(self._join(parts), person.dialect))
        return Composed(self._with_brand(text, brand, channel), frozenset(flags))

    def follow_up(self, brand: DemoBrand, person: SimPerson, level: int, channel: str,
                  *, insult: bool, category: str = "otro") -> Composed:
        """Level 1..3 of an ignored customer's anger; `insult` picks the one rude message."""
        rng = self.rng
        pool = P.FOLLOW_UPS[min(level, 3) - 1]
        if level >= 3:
            pool = pool[:P.FOLLOW_UP_INSULTS] if insult else pool[P.FOLLOW_UP_INSULTS:]
        parts = [self.fill(rng.choice(pool), brand, person, channel)]
        if rng.random() < 0.5:
            missing = rng.choice(P.STILL_MISSING.get(category, P.STILL_MISSING["otro"]))
            parts.append(rng.choice(P.STILL_MISSING_LINES).format(missing=missing))
        if level >= 2 and rng.random() < 0.4:
            parts.append(self.fill(rng.choice(P.DEMANDS), brand, person, channel))
        if level >= 2 and rng.random() < 0.3:
            parts.append(rng.choice(P.DIALECT_CLOSERS[person.dialect]))
        parts.append(self.emoji("anger", 0.3 * level))
        flags = frozenset({"abusive"}) if level >= 3 and insult else frozenset()
        return Composed(self.typos(self._join(parts), 0.2 * level), flags)

    def simple(self, pool: Sequence[str], brand: DemoBrand, person: SimPerson, channel: str,
               mood: str) -> Composed:
        template = self.rng.choice(pool)
        parts = [self.fill(template, brand, person, channel)]
        if pool is P.PETITIONS:
            parts.append(self.rng.choice(P.PETITION_ENDINGS).strip())
        if self.rng.random() < 0.25:
            if not template.startswith("{"):
                parts[0] = _lower_first(parts[0])
            parts.insert(0, self.rng.choice(P.DIALECT_OPENERS[person.dialect]))
        parts.append(self.emoji(mood, 0.4))
        text = self.typos(self._join(parts), 0.15)
        return Composed(self._with_brand(text, brand, channel))

    def hostile_attack(self, brand: DemoBrand, person: SimPerson, channel: str) -> Composed:
        text = self.fill(self.rng.choice(P.HOSTILE_ATTACKS), brand, person, channel)
        return Composed(self._with_brand(self._join([text, self.emoji("anger", 0.6)]), brand,
                                         channel))

    def troll(self, brand: DemoBrand, person: SimPerson, channel: str, *, threat: bool,
              victim: str = "") -> Composed:
        """Mockery aimed at `victim` (a handle without "@"), or once a threat at the brand."""
        pool = P.TROLL_THREATS if threat else P.TROLL_REPLIES
        text = self.fill(self.rng.choice(pool), brand, person, channel)
        if not threat:
            text += self.rng.choice(P.TROLL_ENDINGS)
            if victim and self.rng.random() < 0.6:
                text = f"@{victim} {text}"
        return Composed(text, frozenset({"threat"}) if threat else frozenset())

    def crisis(self, brand: DemoBrand, person: SimPerson, channel: str) -> Composed:
        spec = P.CRISIS[brand.sector]
        lines = spec["lines"]
        assert isinstance(lines, tuple)
        line = str(self.rng.choice(lines)) + "."
        opener = ""
        if self.rng.random() < 0.4:
            opener, line = self.rng.choice(P.DIALECT_OPENERS[person.dialect]), _lower_first(line)
        parts = [opener, line, self.rng.choice(P.DEMANDS), str(spec["tag"]),
                 self.emoji("anger", 0.7)]
        return Composed(self._with_brand(self.typos(self._join(parts), 0.35), brand, channel))

    def campaign(self, brand: DemoBrand) -> Composed:
        """Near-identical text of a coordinated campaign: only trivia vary between copies."""
        spec = P.CRISIS[brand.sector]
        text = str(spec["campaign"]).format(brand=brand.main_handle, tag=spec["tag"])
        variant = self.rng.random()
        if variant < 0.3:
            text += " " + self.rng.choice(("RT", "🔁", "‼️", "#Compartir"))
        elif variant < 0.45:
            text = text.replace(".", "!", 1)
        return Composed(text)

    def press(self, brand: DemoBrand, pool: Sequence[str]) -> Composed:
        spec = P.CRISIS[brand.sector]
        return Composed(self.rng.choice(pool).format(brand=brand.main_handle, tag=spec["tag"]))

    def email(self, body: str, person: SimPerson, subject: str) -> str:
        greeting = self.rng.choice(("Buenos días:", "Buenas tardes,", "Estimados:", "Hola,"))
        farewell = self.rng.choice(("Atentamente,", "Saludos,", "Quedo atento/a,", "Gracias,"))
        return f"Asunto: {subject}\n\n{greeting}\n\n{body}\n\n{farewell}\n{person.name}"

    def blog(self, brand: DemoBrand, person: SimPerson, category: str) -> Composed:
        """A longer open-web post: a title and several complaint sentences."""
        title = f"Mi experiencia con {brand.name}: " + self.rng.choice(
            ("nunca más", "una pesadilla", "lo que nadie te cuenta", "cómo perdí un mes"))
        body = [self.complaint(brand, person, category, "blog", legal_chance=0.0).text
                for _ in range(self.rng.randint(2, 4))]
        return Composed(title + "\n\n" + "\n\n".join(body))


def _localise(text: str, dialect: str) -> str:
    for neutral, local in P.DIALECT_WORDS.get(dialect, ()):
        if neutral in text:
            text = text.replace(neutral, local)
    return text


def _lower_first(text: str) -> str:
    """Continue a sentence after an opener such as "Che,": "Necesito..." -> "necesito..."."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def emoji_only(rng: random.Random) -> str:
    return rng.choice(P.EMOJI_ONLY)


def hostile_input(rng: random.Random, base: str) -> tuple[str, str]:
    """Adversarial variants of a real message: (kind, text). Text stays ≤ 100,000 chars."""
    kind = rng.choice(("html", "long", "rtl", "zalgo", "emoji_only", "invisible"))
    if kind == "html":
        payload = rng.choice(("<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
                              "<a href=\"javascript:alert('xss')\">ver factura</a>",
                              "<iframe src=//evil.example></iframe>", "{{7*7}} ${7*7} <b>"))
        return kind, f"{base} {payload}"
    if kind == "long":
        # 20-90 kB: a pasted rant; repetition is cheap to build and realistic for copy-paste.
        target = rng.randint(20_000, 90_000)
        return kind, (base + " ") * (target // (len(base) + 1) + 1)
    if kind == "rtl":
        return kind, f"\u202e{base}\u202c \u200f(\u05e9\u05dc\u05d5\u05dd)\u200f"
    if kind == "zalgo":
        marks = "\u0300\u0301\u0302\u0303\u0308\u030a\u0327\u0336\u0489"
        return kind, "".join(c + "".join(rng.choice(marks) for _ in range(rng.randint(0, 8)))
                             if c.isalpha() else c for c in base[:200])
    if kind == "emoji_only":
        return kind, emoji_only(rng)
    return kind, base.replace(" ", "\u200b \u2060", 3) + " \ufeff\u00a0ｆｕｌｌｗｉｄｔｈ"
