"""The web layer sits on top: no feature package imports `cauce.web` (DESIGN.md, "Layout").

Shared request dependencies live in `cauce.app_deps`, the domain vocabulary in `cauce.vocabulary`;
`cauce.web` installs its own pages. Only the runtime entry points that start the server may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cauce

SRC = Path(cauce.__file__).parent
# Runtime entry points: they start the web server, so they sit above it.
RUNTIME = {"cli.py", "demo/runner.py"}


def _imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Every module an AST imports: import/from-import (relative ones resolved), and string
    constants given to importlib.import_module or __import__."""
    found: list[tuple[int, str]] = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((node.lineno, arg.value))
    return found


def _offenders(root: Path, forbidden: str, *, skip: set[str], above: tuple[str, ...] = ("web/",)) -> list[str]:
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(above) or relative in skip:
            continue
        module = "cauce." + relative[:-3].replace("/", ".").removesuffix(".__init__")
        if relative.endswith("__init__.py"):
            module += ".__init__"
        for line, name in _imported_modules(ast.parse(path.read_text(encoding="utf-8")), module):
            if name == forbidden or name.startswith(forbidden + "."):
                offenders.append(f"{relative}:{line} imports {name}")
    return offenders


def test_no_feature_imports_the_web_layer() -> None:
    offenders = _offenders(SRC, "cauce.web", skip=RUNTIME)
    assert not offenders, "move what these need below the features (cauce.app_deps, cauce.vocabulary):\n" + \
        "\n".join(offenders)


# The background-job composition root (#16) sits on top too: features register their jobs through
# `cauce.jobspec`; only the entry points that start an executor (and the web app) import it.
RUNTIME_IMPORTERS = {"cli.py", "worker.py", "demo/runner.py"}


def test_no_feature_imports_the_job_runtime() -> None:
    offenders = _offenders(SRC, "cauce.runtime", skip=RUNTIME_IMPORTERS, above=("web/", "runtime/"))
    assert not offenders, "features register jobs through cauce.jobspec, never cauce.runtime:\n" + \
        "\n".join(offenders)


def test_the_runtime_check_sees_a_feature_importing_it(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "runtime").mkdir()
    (tmp_path / "cases" / "jobs.py").write_text("from cauce.runtime.registry import Registry\n", encoding="utf-8")
    (tmp_path / "runtime" / "local.py").write_text("from cauce.runtime import leases\n", encoding="utf-8")
    (tmp_path / "worker.py").write_text("from cauce.runtime import local_executor\n", encoding="utf-8")
    offenders = _offenders(tmp_path, "cauce.runtime", skip=RUNTIME_IMPORTERS, above=("web/", "runtime/"))
    assert [o.split(":")[0] for o in offenders] == ["cases/jobs.py", "cases/jobs.py"]


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The walker must catch plain, from, relative and importlib imports (else the test above proves nothing)."""
    (tmp_path / "feature").mkdir()
    samples = {
        "feature/a.py": "import cauce.web.app\n",
        "feature/b.py": "from cauce.web import labels\n",
        "feature/c.py": "from ..web.deps import DbSession\n",
        "feature/d.py": "import importlib\nimportlib.import_module('cauce.web.pages')\n",
        "feature/ok.py": "from cauce.webhooks import x\nfrom cauce.app_deps.deps import DbSession\n",
    }
    for name, text in samples.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    offenders = _offenders(tmp_path, "cauce.web", skip=set())
    assert sorted({o.split(":")[0] for o in offenders}) == ["feature/a.py", "feature/b.py", "feature/c.py",
                                                         "feature/d.py"]
