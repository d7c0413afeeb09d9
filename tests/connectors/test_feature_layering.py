"""Connectors sit above brands: connectors build from channel accounts, brands never reach back.

Building a connector used to live in `brands/channels.py`, which imported `cauce.connectors` (inside
functions, and by module name through importlib) while connectors imported brands: a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import cauce

BRANDS = Path(cauce.__file__).resolve().parent / "brands"


def _imports_of(path: Path) -> list[str]:
    """Every module a file imports, wherever the import sits, including importlib's string names."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append(arg.value)
                elif isinstance(arg, ast.JoinedStr):
                    found.append("".join(str(v.value) for v in arg.values if isinstance(v, ast.Constant)))
    return found


def test_no_brands_module_imports_the_connectors_feature() -> None:
    offenders = {
        f"{path.relative_to(BRANDS.parent)}: {module}"
        for path in sorted(BRANDS.rglob("*.py"))
        for module in _imports_of(path)
        if module == "cauce.connectors" or module.startswith("cauce.connectors.")
    }
    assert not offenders, "brands imports connectors (a cycle: connectors imports brands):\n" + "\n".join(
        sorted(offenders))


def test_importing_brands_loads_no_connector_module() -> None:
    """Transitively too: a fresh interpreter importing every brands module loads nothing of connectors."""
    modules = [f"cauce.brands.{p.stem}" for p in sorted(BRANDS.glob("*.py")) if p.stem != "__init__"]
    script = ("import importlib, sys\n"
              f"for name in {modules!r}: importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m.startswith('cauce.connectors')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_connectors_build_channels_through_their_own_module() -> None:
    from cauce.brands import channels
    from cauce.connectors import construction

    for name in ("connector_class", "build_connector", "get_connector", "connector_config", "split_options",
                 "config_for", "validate"):
        assert hasattr(construction, name)
        assert not hasattr(channels, name), f"brands.channels.{name} is the connectors feature's job"
