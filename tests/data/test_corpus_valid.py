"""The shipped triage corpus stays valid: schema, label rules, no train/test near-duplicates."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


def _load(name: str) -> object:
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_validates() -> None:
    errors = _load("validate").validate()  # type: ignore[attr-defined]
    assert errors == []


def test_jsonl_is_what_the_sources_build(tmp_path: Path) -> None:
    """The JSONL files are generated from the hand-written sources; they must not drift."""
    before = {p.relative_to(CORPUS): p.read_bytes() for p in CORPUS.glob("*/*.jsonl")}
    subprocess.run([sys.executable, str(CORPUS / "build.py")], check=True, capture_output=True)
    after = {p.relative_to(CORPUS): p.read_bytes() for p in CORPUS.glob("*/*.jsonl")}
    assert before == after
