"""Turn network HTML (Mastodon statuses, feed summaries) into the plain text a person reads.

Scripts and styles are dropped with their content; tags never leak into text; entities decode.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "blockquote", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"}
_SKIP = {"script", "style", "template", "noscript"}
# Mastodon hides the URL scheme and overflow of links in <span class="invisible">; keep them
# (the reader needs the full URL), but nothing else changes.


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK and self.parts:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
