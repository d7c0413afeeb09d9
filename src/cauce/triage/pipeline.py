"""The default triage pipeline: named, replaceable components run in order on a batch of docs.

    language -> normalise -> relevance -> classify -> author -> impact -> priority

One config (`PipelineConfig`) names the components; `load_default()` builds it from the model
files shipped in `cauce/triage/models/` and falls back to the lexicon rules when none are there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cauce.mentions.schemas import MentionIn
from cauce.triage.author import AuthorProfiler
from cauce.triage.doc import Component, Doc
from cauce.triage.impact import ImpactScorer
from cauce.triage.language import LanguageDetector, Normaliser
from cauce.triage.priority import PriorityScorer
from cauce.triage.relevance import HIGH, LOW, RelevanceScorer
from cauce.triage.rules import RuleClassifier
from cauce.triage.schemas import Assessment, History

if TYPE_CHECKING:
    from cauce.triage.model_classifier import TextModels

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).parent / "models"
DEFAULT_COMPONENTS: tuple[str, ...] = ("language", "normalise", "relevance", "classify", "author", "impact",
                                        "priority")


def _classifier(models_dir: Path) -> Component:
    from cauce.triage.model_classifier import TrainedClassifier, load_models

    loaded = load_models(models_dir)
    if loaded is None:
        log.warning("no trained triage model in %s; using the lexicon rules", models_dir)
        return RuleClassifier()
    return TrainedClassifier(*loaded)


def _author(models_dir: Path) -> Component:
    from cauce.triage.model_classifier import load_models

    loaded = load_models(models_dir)
    return trained_author(loaded[0]) if loaded is not None else AuthorProfiler()


def _relevance(models_dir: Path) -> Component:
    from cauce.triage.model_classifier import load_models

    loaded = load_models(models_dir)
    return trained_relevance(loaded[0]) if loaded is not None else RelevanceScorer()


def trained_relevance(models: TextModels) -> Component:
    """Relevance with the trained customer-text head when the files have one, else lexicon evidence."""
    head = models.heads.get("customer")
    if head is None:
        return RelevanceScorer()
    return RelevanceScorer(models.featurizer, head, high=models.thresholds.get("relevance_high", HIGH),
                           low=models.thresholds.get("relevance_low", LOW))


def trained_author(models: TextModels) -> Component:
    """The trained role model when the files have one, else the rules."""
    from cauce.triage.author_model import TrainedAuthorProfiler

    message_head, author_head = models.heads.get("role_message"), models.heads.get("role_author")
    if message_head is None or author_head is None:
        return AuthorProfiler()
    return TrainedAuthorProfiler(models.featurizer, message_head, author_head,
                                 models.thresholds.get("troll", 0.95))


COMPONENT_FACTORIES: dict[str, Callable[[Path], Component]] = {
    "language": lambda _: LanguageDetector(),
    "normalise": lambda _: Normaliser(),
    "relevance": _relevance,
    "relevance_rules": lambda _: RelevanceScorer(),
    "classify": _classifier,
    "classify_rules": lambda _: RuleClassifier(),
    "author": _author,
    "author_rules": lambda _: AuthorProfiler(),
    "impact": lambda _: ImpactScorer(),
    "priority": lambda _: PriorityScorer(),
}


@dataclass(frozen=True)
class PipelineConfig:
    components: tuple[str, ...] = DEFAULT_COMPONENTS
    models_dir: Path = MODELS_DIR


@dataclass
class Pipeline:
    """Runs its components in order; `timings` accumulates seconds per component (profiling)."""

    components: list[Component]
    model_version: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [component.name for component in self.components]

    def replace(self, name: str, component: Component) -> None:
        self.components = [component if c.name == name else c for c in self.components]

    def run(self, docs: list[Doc]) -> list[Doc]:
        for component in self.components:
            started = time.perf_counter()
            component(docs)
            self.timings[component.name] = self.timings.get(component.name, 0.0) + time.perf_counter() - started
        return docs

    def assess(self, mention: MentionIn, history: History) -> Assessment:
        return self.assess_many([(mention, history)])[0]

    def assess_many(self, items: Iterable[tuple[MentionIn, History]]) -> list[Assessment]:
        """Batch assessment (vectorised models); each item keeps its own history."""
        docs = self.run([Doc(mention=mention, history=history) for mention, history in items])
        return [doc.to_assessment(self.model_version) for doc in docs]


def build(config: PipelineConfig) -> Pipeline:
    unknown = [name for name in config.components if name not in COMPONENT_FACTORIES]
    if unknown:
        raise ValueError(f"componentes de triage desconocidos: {', '.join(unknown)}")
    components = [COMPONENT_FACTORIES[name](config.models_dir) for name in config.components]
    versions = [getattr(c, "version", "") for c in components if getattr(c, "version", "")]
    return Pipeline(components=components, model_version="+".join(versions) or "rules-1")


def build_with(*, classifier: Component, components: Sequence[str] = DEFAULT_COMPONENTS,
               models_dir: Path = MODELS_DIR) -> Pipeline:
    """The pipeline with a given text classifier (training, evaluation, alternative back-ends)."""
    parts = [classifier if name == "classify" else COMPONENT_FACTORIES[name](models_dir) for name in components]
    versions = [getattr(c, "version", "") for c in parts if getattr(c, "version", "")]
    return Pipeline(components=parts, model_version="+".join(versions) or "rules-1")


def from_models(models: TextModels, version: str) -> Pipeline:
    """The default pipeline around in-memory models (training and evaluation)."""
    from cauce.triage.model_classifier import TrainedClassifier

    parts: list[Component] = [LanguageDetector(), Normaliser(), trained_relevance(models),
                              TrainedClassifier(models, version),
                              trained_author(models), ImpactScorer(), PriorityScorer()]
    return Pipeline(components=parts, model_version=version)


def load_default(models_dir: Path | None = None, components: Sequence[str] | None = None) -> Pipeline:
    """The configured pipeline. `CAUCE_TRIAGE_MODELS` points at another models folder (e.g. an
    opt-in model trained elsewhere); otherwise the files shipped in the package are used."""
    from cauce.config import get_settings

    folder = models_dir or get_settings().triage_models or MODELS_DIR
    return build(PipelineConfig(components=tuple(components or DEFAULT_COMPONENTS), models_dir=folder))
