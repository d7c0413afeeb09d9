"""Standalone HTML documents (the public guidelines page, the printable case export).

They carry their stylesheet inline so they still look right saved to disk or printed, and are
served with their own Content-Security-Policy that allows exactly that stylesheet by its hash —
the app's policy (`style-src 'self'`) would block an inline `<style>`, and no other style, script
or resource is allowed on them.
"""

from __future__ import annotations

import base64
import hashlib

from markupsafe import Markup


def style_source(css: str) -> str:
    """The CSP source expression allowing the inline `<style>` whose text is exactly `css`."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def csp_for(css: str) -> str:
    return (f"default-src 'none'; style-src {style_source(css)}; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


def style_markup(css: str) -> Markup:
    """The stylesheet for a template's `<style>{{ css }}</style>` (trusted text of ours, not escaped)."""
    return Markup(css)  # a constant of this codebase, never user input
