"""The simulator: a deterministic, living stream of Spanish mentions for the demo and benchmarks.

Processes run side by side on one simulated clock (a heap of scheduled emissions):
ordinary mentions (Poisson, `rate_per_min` over all brands), escalating threads of ignored
customers, a hostile user with a grudge, a troll replying to other people's complaints, a crisis
burst with a coordinated campaign and press/influencer posts, metric growth re-emissions of
earlier mentions, now and then hostile input (HTML/JS, huge posts, RTL, zalgo, emoji-only), and
conversations where other people reply inside a customer's thread (`conversations.py`).
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from cauce.demo import phrases as P
from cauce.demo.catalog import BRANDS, CHANNELS, PRIVATE_CHANNELS, DemoBrand, brand_by_slug
from cauce.demo.compose import Composed, Composer, hostile_input
from cauce.demo.conversations import SCENARIOS as CONVERSATIONS
from cauce.demo.people import (
    DIALECTS,
    HOSTILE,
    INFLUENCER,
    JOURNALIST,
    TROLL,
    SimPerson,
    build_population,
    campaign_account,
)
from cauce.demo.relevance import CONECTEL_NOISE
from cauce.mentions.schemas import MAX_TEXT_CHARS, AuthorIn, MentionIn, MetricsIn
from cauce.mentions.text import clean_text

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

_T = TypeVar("_T")

# Who writes about each brand: dialect weights by the brand's market.
_DIALECT_MIX = {
    "conectel": {"co": 0.85, "mx": 0.03, "ar": 0.03, "es": 0.03, "cl": 0.03, "pe": 0.03},
    "lumina": {"mx": 0.3, "co": 0.2, "ar": 0.12, "es": 0.18, "cl": 0.1, "pe": 0.1},
    "banco-andino": {"mx": 0.85, "co": 0.03, "ar": 0.03, "es": 0.03, "cl": 0.03, "pe": 0.03},
    "rapidito": {"ar": 0.6, "cl": 0.3, "mx": 0.03, "co": 0.03, "es": 0.02, "pe": 0.02},
    "alcaldia-san-telmo": {"co": 0.9, "pe": 0.04, "mx": 0.02, "ar": 0.02, "es": 0.01, "cl": 0.01},
}
_CHANNEL_WEIGHTS = {"twitter": 30, "facebook": 20, "instagram": 15, "mastodon": 6, "bluesky": 6,
                    "blog": 3, "email": 10, "telegram": 10}
# Share of ordinary mentions by intent; complaints dominate a care queue.
_INTENTS = (("queja", 0.5), ("peticion", 0.15), ("sugerencia", 0.07), ("felicitacion", 0.1),
            ("otro", 0.15), ("foreign", 0.03))
_CATEGORY_WEIGHTS = {"cobro": 22, "entrega": 18, "contrato": 10, "producto": 20,
                     "atencion": 16, "garantia": 7, "otro": 7}
_URLS = {
    "twitter": "https://x.example/{handle}/status/{id}",
    "facebook": "https://facebook.example/{handle}/posts/{id}",
    "instagram": "https://instagram.example/p/{id}",
    "mastodon": "https://mastodon.example/@{handle}/{id}",
    "bluesky": "https://bsky.example/profile/{handle}/post/{id}",
    "blog": "https://{handle}.blog.example/{id}",
}


class _FastRandom(random.Random):
    """`choice` via one float draw: ~2x faster than the exact-uniform default, bias < 1e-15."""

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        return seq[int(self.random() * len(seq))]


def _repeat(now: datetime, *, mention: MentionIn, labels: SimLabels) -> SimEvent:
    return SimEvent(now, mention, labels, repeat=True)


def _conversation_line(now: datetime, *, mention: MentionIn, labels: SimLabels) -> SimEvent:
    return SimEvent(now, mention, labels)


_MENTION_FIELDS = frozenset(MentionIn.model_fields)
# model_construct's general alias handling costs ~4x what the simulator needs; the lean path is
# only taken when the schema has no aliases or post-init hooks it would skip.
_LEAN_CONSTRUCT = not MentionIn.__pydantic_post_init__ and all(
    f.alias is None and f.validation_alias is None for f in MentionIn.model_fields.values())


def _trusted_mention(**fields: Any) -> MentionIn:
    """A MentionIn from values that already satisfy the schema (all fields given)."""
    if not _LEAN_CONSTRUCT or fields.keys() != _MENTION_FIELDS:
        return MentionIn.model_construct(**fields)
    mention = MentionIn.__new__(MentionIn)
    object.__setattr__(mention, "__dict__", fields)
    object.__setattr__(mention, "__pydantic_fields_set__", set(_MENTION_FIELDS))
    object.__setattr__(mention, "__pydantic_extra__", {})
    object.__setattr__(mention, "__pydantic_private__", None)
    return mention


class _Weighted:
    """Weighted choice with precomputed cumulative weights (random.choices rebuilds them)."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        total = sum(weights)
        self.cumulative = [c / total for c in itertools.accumulate(weights)]

    def pick(self, rng: random.Random) -> str:
        index = bisect.bisect(self.cumulative, rng.random())
        return self.items[min(index, len(self.items) - 1)]


_INTENT_PICK = _Weighted([i for i, _ in _INTENTS], [w for _, w in _INTENTS])
NOISE_MEAN_MINUTES = 3.0  # a noise post about Conectel every ~3 simulated minutes
_CATEGORY_PICK = _Weighted(tuple(_CATEGORY_WEIGHTS), tuple(_CATEGORY_WEIGHTS.values()))
_NO_METRICS = MetricsIn()


class SimLabels(NamedTuple):
    """What the simulator meant by a mention: ground truth for demos and triage evaluation.

    `flags` lists only what was deliberately injected (an insult, a threat, a legal threat).
    """

    scenario: str  # ordinary, thread, hostile, troll, crisis, campaign, press, hostile_input, conversation
    pqr_type: str  # peticion, queja, reclamo, sugerencia, felicitacion, otro
    category: str | None
    role: str  # cliente, hostil, troll, ninguno (PLAYBOOK author roles)
    dialect: str
    flags: frozenset[str] = frozenset()
    detail: str = ""  # e.g. the follow-up level or the kind of hostile input


class SimEvent(NamedTuple):  # immutable and cheap to build: the generator must stay fast
    at: datetime  # simulated emission time; non-decreasing along the stream
    mention: MentionIn
    labels: SimLabels
    repeat: bool = False  # a metric re-emission of an earlier mention (same id)


@dataclass
class _Thread:
    brand: DemoBrand
    person: SimPerson
    channel: str
    root_id: str
    last_id: str
    category: str
    level: int
    max_level: int
    insult: bool


class Simulator:
    """A reproducible mention stream: the same arguments always give the same events."""

    def __init__(self, seed: int = 7, start: datetime | None = None, rate_per_min: float = 30.0,
                 *, crisis: bool = True, crisis_at: timedelta = timedelta(minutes=10),
                 crisis_duration: timedelta = timedelta(minutes=15), crisis_factor: float = 12.0,
                 crisis_brand: str | None = None, brands: Sequence[str] | None = None,
                 followup_delay: timedelta = timedelta(minutes=4),
                 population: int = 600) -> None:
        """`start=None` means now (the live demo); pass a fixed `start` for identical output.

        `crisis_factor` multiplies the crisis brand's base rate during the crisis window.
        """
        if not rate_per_min > 0:
            raise ValueError("rate_per_min debe ser mayor que cero")
        if crisis_factor < 0 or crisis_duration <= timedelta(0) or crisis_at < timedelta(0):
            raise ValueError("parámetros de crisis inválidos: use valores positivos")
        if brands is not None and not brands:
            raise ValueError("la lista de marcas no puede estar vacía")
        self.seed = seed
        self.start = (start or datetime.now(UTC).replace(microsecond=0))
        if self.start.tzinfo is None:
            self.start = self.start.replace(tzinfo=UTC)
        self.rate_per_min = rate_per_min
        self.brands: tuple[DemoBrand, ...] = (
            BRANDS if brands is None else tuple(dict.fromkeys(brand_by_slug(b) for b in brands)))
        self.crisis = crisis
        self.crisis_start = self.start + crisis_at
        self.crisis_end = self.crisis_start + crisis_duration
        self.crisis_brand = brand_by_slug(crisis_brand) if crisis_brand else self.brands[0]
        if self.crisis_brand not in self.brands:
            raise ValueError("la marca en crisis debe estar entre las marcas simuladas")
        self.crisis_rate_per_min = crisis_factor * rate_per_min / len(self.brands)
        self.followup_delay = followup_delay
        self.hostile_brand = self.brands[1 % len(self.brands)]
        self._population = build_population(seed, population)
        self._by_dialect: dict[str, list[SimPerson]] = {
            d: [p for p in self._population if p.dialect == d] for d in DIALECTS}

    # --- public API ------------------------------------------------------------------------
    def events(self, n: int | None = None) -> Iterator[SimEvent]:
        """The first `n` events (forever when `n` is None), in simulated-time order."""
        if n is not None and n < 0:
            raise ValueError("n no puede ser negativo")
        state = _Run(self)
        count = 0
        while n is None or count < n:
            event = state.next_event()
            count += 1
            yield event

    def crisis_burst(self, n: int, window: timedelta = timedelta(minutes=5)) -> list[SimEvent]:
        """`n` crisis posts about the crisis brand within `window` from `start`, unique ids.

        A benchmark load (e.g. 10,000 mentions in five minutes): campaign copies, angry
        customers, and a journalist's and an influencer's post; no metric re-emissions.
        """
        if n < 0:
            raise ValueError("n no puede ser negativo")
        if window <= timedelta(0):
            raise ValueError("la ventana de la ráfaga debe ser positiva")
        run = _Run(self, id_prefix=f"burst{self.seed}")
        offsets = sorted(run.rng.random() for _ in range(n))
        special = {n // 10: JOURNALIST, n // 5: INFLUENCER} if n >= 10 else {}
        events: list[SimEvent] = []
        for index, offset in enumerate(offsets):
            when = self.start + window * offset
            person = special.get(index)
            events.append(run.press(when, person, growth_chance=0.0) if person
                          else run.crisis_post(when, growth_chance=0.0))
        return events

    def base_rate_per_brand(self) -> float:
        """Mentions per simulated minute per brand outside the crisis."""
        return self.rate_per_min / len(self.brands)


class _Run:
    """Mutable state of one pass over the stream (so `events()` can be called again)."""

    def __init__(self, sim: Simulator, id_prefix: str | None = None) -> None:
        self.sim = sim
        self.id_prefix = id_prefix or f"sim{sim.seed}"
        self.rng = _FastRandom(sim.seed)
        self.compose = Composer(self.rng)
        # (when, tie-breaking sequence, what to emit then); tuples keep the heap fast.
        self.heap: list[tuple[datetime, int, Callable[[datetime], SimEvent | None]]] = []
        self.people_tables = {b.slug: self._people_table(b) for b in sim.brands}
        self.channel_tables = {b.slug: self._channel_table(b) for b in sim.brands}
        self.seq = itertools.count()
        self.ids = itertools.count(1)
        self.recent_complaints: deque[tuple[str, str, DemoBrand, str, str]] = deque(maxlen=40)
        self.authors: dict[tuple[str, bool], AuthorIn] = {}
        self.troll_posts = 0
        self.campaign_accounts = 0
        # Its own generator: the conversations leave the rest of the stream as it was.
        self.conversation_rng = random.Random(sim.seed * 7919 + 1)
        self.conversations = 0
        # Noise about Conectel (a homonym, sport, news): its own generator too.
        self.noise_rng = random.Random(sim.seed * 104729 + 3)
        self.noise_posts = 0
        self._schedule_processes()

    # --- scheduling ---------------------------------------------------------------------------
    def at(self, when: datetime, make: Callable[[datetime], SimEvent | None]) -> None:
        heapq.heappush(self.heap, (when, next(self.seq), make))

    def after(self, now: datetime, mean_minutes: float) -> datetime:
        return now + timedelta(minutes=self.rng.expovariate(1.0 / mean_minutes))

    def _schedule_processes(self) -> None:
        sim = self.sim
        self.at(self.after(sim.start, 1.0 / sim.rate_per_min), self._ordinary)
        self.at(sim.start + timedelta(minutes=self.rng.uniform(0.5, 2.0)), self._hostile)
        self.at(sim.start + timedelta(minutes=self.rng.uniform(1.0, 3.0)), self._troll)
        if any(b.slug == "conectel" for b in sim.brands):  # the scenarios speak of a telecom's outages
            self.at(sim.start + timedelta(minutes=0.2), self._conversation)
            self.at(sim.start + timedelta(minutes=0.5), self._noise)
        if sim.crisis and sim.crisis_rate_per_min > 0:
            self.at(sim.crisis_start, self._crisis)
            span = (sim.crisis_end - sim.crisis_start) / 10
            self.at(sim.crisis_start + span, lambda now: self.press(now, JOURNALIST))
            self.at(sim.crisis_start + 2 * span, lambda now: self.press(now, INFLUENCER))

    def next_event(self) -> SimEvent:
        while True:
            when, _, make = heapq.heappop(self.heap)
            event = make(when)
            if event is not None:
                return event

    # --- building mentions ----------------------------------------------------------------
    def new_id(self) -> str:
        return f"{self.id_prefix}-{next(self.ids):08d}"

    def _people_table(self, brand: DemoBrand) -> tuple[list[float], list[list[SimPerson]]]:
        mix = _DIALECT_MIX.get(brand.slug, dict.fromkeys(DIALECTS, 1.0))
        cumulative = list(itertools.accumulate(mix.values()))
        return [c / cumulative[-1] for c in cumulative], [self.sim._by_dialect[d] for d in mix]

    def _channel_table(self, brand: DemoBrand) -> tuple[list[float], list[str]]:
        options = [c for c in CHANNELS if c in brand.handles or c == "blog"]
        cumulative = list(itertools.accumulate(_CHANNEL_WEIGHTS[c] for c in options))
        return [c / cumulative[-1] for c in cumulative], options

    def person_for(self, brand: DemoBrand) -> SimPerson:
        cumulative, groups = self.people_tables[brand.slug]
        group = groups[min(bisect.bisect(cumulative, self.rng.random()), len(groups) - 1)]
        return group[int(self.rng.random() * len(group))]

    def channel_for(self, brand: DemoBrand) -> str:
        cumulative, options = self.channel_tables[brand.slug]
        return options[min(bisect.bisect(cumulative, self.rng.random()), len(options) - 1)]

    def initial_metrics(self, person: SimPerson, channel: str) -> MetricsIn:
        if channel in PRIVATE_CHANNELS:
            return _NO_METRICS
        reach = person.followers * self.rng.random() * 0.02
        return MetricsIn(likes=int(reach), reposts=int(reach * 0.2),
                                         replies=int(reach * 0.05))

    def author(self, person: SimPerson, channel: str) -> AuthorIn:
        # Validated once per person and address form: people post many times.
        key = (person.handle, channel == "email")
        cached = self.authors.get(key)
        if cached is None:
            handle = f"{person.handle}@correo.example" if key[1] else "@" + person.handle
            cached = AuthorIn(handle=handle, name=person.name, followers=person.followers)
            self.authors[key] = cached
        return cached

    def mention(self, now: datetime, brand: DemoBrand, person: SimPerson, channel: str,
                text: str, *, mention_id: str | None = None, in_reply_to: str | None = None,
                conversation_id: str | None = None, raw: bool = False) -> MentionIn:
        mid = mention_id or self.new_id()
        url_tpl = _URLS.get(channel)
        # Every field is built here from checked parts, so full validation would only cost
        # time (the load generator must stay fast); `raw` texts (hostile input) still go
        # through the schema's own cleaning, and the tests re-validate every event.
        return _trusted_mention(
            id=mid,
            created_at=now,
            channel=channel,
            brand=brand.slug,
            author=self.author(person, channel),
            text=clean_text(text[:MAX_TEXT_CHARS]) if raw else text,
            in_reply_to=in_reply_to,
            metrics=self.initial_metrics(person, channel),
            url=url_tpl.format(handle=person.handle, id=mid) if url_tpl else None,
            conversation_id=conversation_id or mid,
            private=channel in PRIVATE_CHANNELS,
        )

    def emit(self, now: datetime, mention: MentionIn, labels: SimLabels,
             growth_chance: float = 0.15, growth: float = 1.0) -> SimEvent:
        if not mention.private and growth_chance and self.rng.random() < growth_chance:
            self._schedule_growth(now, mention, labels, growth)
        return SimEvent(now, mention, labels)

    def _schedule_growth(self, now: datetime, mention: MentionIn, labels: SimLabels,
                         growth: float) -> None:
        """Re-emit the same mention later with bigger metrics, so velocity can be measured."""
        likes, reposts, replies = (mention.metrics.likes, mention.metrics.reposts,
                                   mention.metrics.replies)
        when = now
        for _ in range(self.rng.randint(1, 3)):
            when = when + timedelta(minutes=self.rng.uniform(0.5, 4.0))
            factor = 1.0 + growth * self.rng.uniform(0.5, 3.0)
            likes = int(likes * factor) + self.rng.randint(1, 20)
            reposts = int(reposts * factor) + self.rng.randint(0, 8)
            replies = int(replies * factor) + self.rng.randint(0, 5)
            copy = mention.model_copy(update={
                "metrics": MetricsIn(likes=likes, reposts=reposts, replies=replies)})
            self.at(when, functools.partial(_repeat, mention=copy, labels=labels))

    # --- processes ----------------------------------------------------------------------------
    def _ordinary(self, now: datetime) -> SimEvent:
        self.at(self.after(now, 1.0 / self.sim.rate_per_min), self._ordinary)
        rng = self.rng
        brand = rng.choice(self.sim.brands)
        person = self.person_for(brand)
        channel = self.channel_for(brand)
        roll = rng.random()
        if roll < 0.02:
            return self._hostile_input(now, brand, person, channel)
        intent = _INTENT_PICK.pick(rng)
        if intent == "queja":
            return self._complaint(now, brand, person, channel, start_thread=roll < 0.12)
        pool, mood, pqr = {
            "peticion": (P.PETITIONS, "neutral", "peticion"),
            "sugerencia": (P.SUGGESTIONS, "neutral", "sugerencia"),
            "felicitacion": (P.PRAISE, "happy", "felicitacion"),
            "otro": (P.OFF_TOPIC, "neutral", "otro"),
            "foreign": (P.FOREIGN, "neutral", "otro"),
        }[intent]
        composed = self.compose.simple(pool, brand, person, channel, mood)
        text = self._wrap(composed.text, person, channel, "Consulta")
        labels = SimLabels("ordinary", pqr, None, "ninguno" if pqr == "otro" else "cliente",
                           person.dialect, detail=intent)
        return self.emit(now, self.mention(now, brand, person, channel, text), labels)

    def _wrap(self, text: str, person: SimPerson, channel: str, subject: str) -> str:
        return self.compose.email(text, person, subject) if channel == "email" else text

    def _complaint(self, now: datetime, brand: DemoBrand, person: SimPerson, channel: str,
                   *, start_thread: bool) -> SimEvent:
        rng = self.rng
        category = _CATEGORY_PICK.pick(rng)
        composed: Composed = (self.compose.blog(brand, person, category) if channel == "blog"
                              else self.compose.complaint(brand, person, category, channel))
        text = self._wrap(composed.text, person, channel, f"Reclamo {category}")
        mention = self.mention(now, brand, person, channel, text)
        pqr = "reclamo" if category in ("cobro", "garantia") else "queja"
        scenario = "thread" if start_thread else "ordinary"
        labels = SimLabels(scenario, pqr, category, "cliente", person.dialect, composed.flags,
                           detail="level0" if start_thread else "")
        if not mention.private:
            self.recent_complaints.append((mention.id, mention.conversation_id or mention.id,
                                           brand, channel, person.handle))
        if start_thread and channel != "blog":
            max_level = rng.choice((1, 2, 2, 3, 3, 3))
            thread = _Thread(brand, person, channel, mention.id, mention.id, category, 0,
                             max_level, insult=rng.random() < 0.5)
            self.at(self.after(now, self.sim.followup_delay.total_seconds() / 60),
                    functools.partial(self._follow_up, thread=thread))
        return self.emit(now, mention, labels)

    def _follow_up(self, now: datetime, thread: _Thread) -> SimEvent:
        thread.level += 1
        composed = self.compose.follow_up(thread.brand, thread.person, thread.level,
                                          thread.channel, insult=thread.insult,
                                          category=thread.category)
        text = self._wrap(composed.text, thread.person, thread.channel, "RE: Reclamo sin respuesta")
        mention = self.mention(now, thread.brand, thread.person, thread.channel, text,
                               in_reply_to=thread.last_id, conversation_id=thread.root_id)
        thread.last_id = mention.id
        if thread.level < thread.max_level:
            self.at(self.after(now, self.sim.followup_delay.total_seconds() / 60),
                    functools.partial(self._follow_up, thread=thread))
        labels = SimLabels("thread", "queja", thread.category, "cliente", thread.person.dialect,
                           composed.flags, detail=f"level{thread.level}")
        return self.emit(now, mention, labels, growth_chance=0.1)

    def _hostile(self, now: datetime) -> SimEvent:
        self.at(self.after(now, 5.0), self._hostile)
        brand = self.sim.hostile_brand
        channel = self.rng.choice(("twitter", "twitter", "facebook"))
        composed = self.compose.hostile_attack(brand, HOSTILE, channel)
        labels = SimLabels("hostile", "queja", "otro", "hostil", HOSTILE.dialect, composed.flags)
        return self.emit(now, self.mention(now, brand, HOSTILE, channel, composed.text), labels,
                         growth_chance=0.3)

    def _troll(self, now: datetime) -> SimEvent | None:
        self.at(self.after(now, 3.0), self._troll)
        targets = [c for c in self.recent_complaints if c[4] != TROLL.handle]
        if not targets:
            return None
        target_id, conversation, brand, channel, victim = self.rng.choice(targets)
        self.troll_posts += 1
        threat = self.troll_posts == 4  # exactly once per run: a threat among the mockery
        composed = self.compose.troll(brand, TROLL, channel, threat=threat, victim=victim)
        mention = self.mention(now, brand, TROLL, channel, composed.text, in_reply_to=target_id,
                               conversation_id=conversation)
        labels = SimLabels("troll", "otro", None, "troll", TROLL.dialect, composed.flags)
        return self.emit(now, mention, labels, growth_chance=0.0)

    def _conversation(self, now: datetime) -> None:
        """Start the next multi-voice scenario: its lines are emitted at their own times."""
        rng = self.conversation_rng
        self.at(now + timedelta(minutes=rng.expovariate(1.0 / 2.0)), self._conversation)
        conversation = CONVERSATIONS[self.conversations % len(CONVERSATIONS)]
        run = self.conversations
        self.conversations += 1
        brand = brand_by_slug("conectel")
        mentions = conversation.mentions(brand=brand.slug, start=now, id_prefix=f"{self.id_prefix}-c{run}-",
                                         suffix=f"_{run}" if run else "", brand_handle=brand.handles["twitter"])
        for line, mention in zip(conversation.lines, mentions, strict=True):
            speaker = conversation.speaker(line.who)
            role = "ninguno" if speaker.role == "marca" else speaker.role
            who = "customer" if line.who == conversation.customer else line.who
            labels = SimLabels("conversation", line.pqr_type, None, role, "co", detail=f"{conversation.key}:{who}")
            self.at(mention.created_at, functools.partial(_conversation_line, mention=mention, labels=labels))
        return None

    def _noise(self, now: datetime) -> SimEvent:
        """What a listening stream on the brand's name also catches: not about it, not for it."""
        self.at(now + timedelta(minutes=self.noise_rng.expovariate(1.0 / NOISE_MEAN_MINUTES)), self._noise)
        kind, handle, name, followers, text = CONECTEL_NOISE[self.noise_posts % len(CONECTEL_NOISE)]
        self.noise_posts += 1
        mid = self.new_id()
        mention = _trusted_mention(
            id=mid, created_at=now, channel="twitter", brand="conectel",
            author=AuthorIn(handle=handle, name=name, followers=followers), text=text, in_reply_to=None,
            metrics=MetricsIn(likes=self.noise_rng.randint(0, 200), reposts=self.noise_rng.randint(0, 40)),
            url=_URLS["twitter"].format(handle=handle.lstrip("@"), id=mid), conversation_id=mid, private=False)
        return SimEvent(now, mention, SimLabels("noise", "otro", None, "ninguno", "co", detail=kind))

    def _crisis(self, now: datetime) -> SimEvent:
        sim = self.sim
        nxt = self.after(now, 1.0 / sim.crisis_rate_per_min)
        if nxt < sim.crisis_end:
            self.at(nxt, self._crisis)
        return self.crisis_post(now, growth_chance=0.3)

    def crisis_post(self, now: datetime, growth_chance: float) -> SimEvent:
        """One angry post of the crisis, a third of them copies of a coordinated campaign."""
        brand = self.sim.crisis_brand
        category = str(P.CRISIS[brand.sector]["category"])
        channel = self.rng.choice(("twitter", "twitter", "twitter", "facebook", "instagram"))
        channel = channel if channel in brand.handles else "twitter"
        if self.rng.random() < 0.35:
            self.campaign_accounts += 1
            person = campaign_account(self.rng, self.campaign_accounts)
            composed = self.compose.campaign(brand)
            scenario = "campaign"
        else:
            person = self.person_for(brand)
            composed = self.compose.crisis(brand, person, channel)
            scenario = "crisis"
        mention = self.mention(now, brand, person, channel, composed.text)
        self.recent_complaints.append((mention.id, mention.id, brand, channel, person.handle))
        labels = SimLabels(scenario, "queja", category, "cliente", person.dialect)
        return self.emit(now, mention, labels, growth_chance=growth_chance, growth=2.0)

    def press(self, now: datetime, person: SimPerson, growth_chance: float = 1.0) -> SimEvent:
        brand = self.sim.crisis_brand
        pool = P.CRISIS_PRESS if person is JOURNALIST else P.CRISIS_INFLUENCER
        composed = self.compose.press(brand, pool)
        mention = self.mention(now, brand, person, "twitter", composed.text)
        category = str(P.CRISIS[brand.sector]["category"])
        labels = SimLabels("press", "queja", category, "cliente" if person is INFLUENCER
                           else "ninguno", person.dialect, detail=person.role)
        # Reach drives velocity: these posts always grow, and fast.
        return self.emit(now, mention, labels, growth_chance=growth_chance, growth=4.0)

    def _hostile_input(self, now: datetime, brand: DemoBrand, person: SimPerson,
                       channel: str) -> SimEvent:
        base = self.compose.complaint(brand, person, "otro", channel, legal_chance=0.0).text
        kind, text = hostile_input(self.rng, base)
        labels = SimLabels("hostile_input", "queja", "otro", "cliente", person.dialect,
                           detail=kind)
        return self.emit(now, self.mention(now, brand, person, channel, text, raw=True), labels,
                         growth_chance=0.0)
