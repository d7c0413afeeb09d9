"""Front-end packages from npm (installed into node_modules by scripts/bootstrap.sh)."""

from __future__ import annotations

import functools
from pathlib import Path

from cauce.config import get_settings

# Files served at /static/vendor/<name>: URL name -> path inside node_modules.
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
}


def node_modules_dir() -> Path:
    """CAUCE_NODE_MODULES, else the checkout's node_modules (the README's set-up puts it there)."""
    configured = get_settings().node_modules
    if configured:
        return configured
    for candidate in (Path(__file__).resolve().parents[3] / "node_modules", Path.cwd() / "node_modules"):
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "node_modules"


def vendor_path(name: str) -> Path | None:
    relative = VENDOR_FILES.get(name)
    return node_modules_dir() / relative if relative else None


@functools.lru_cache(maxsize=1)
def vendor_ready() -> bool:
    path = vendor_path("htmx.min.js")
    return path is not None and path.is_file()
