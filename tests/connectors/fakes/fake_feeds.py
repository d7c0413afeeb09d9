"""A fake web server publishing RSS 2.0 and Atom feeds with ETag / Last-Modified validators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class FakeFeeds:
    items: list[dict[str, str]] = field(default_factory=list)  # guid, title, link, description, date
    version: int = 1
    hits: list[tuple[str, int]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)

    def add(self, guid: str, title: str, description: str, day: int = 1) -> None:
        date = format_datetime(datetime(2026, 11, day, 12, 0, tzinfo=UTC), usegmt=True)
        self.items.append(
            {
                "guid": guid,
                "title": title,
                "link": f"https://blog.example/{guid}",
                "description": description,
                "date": date,
            }
        )
        self.version += 1

    def _conditional(self, request: Request, path: str) -> Response | None:
        if self.fail_next:
            status = self.fail_next.pop(0)
            self.hits.append((path, status))
            return Response("busy", status_code=status, headers={"Retry-After": "120"} if status == 429 else {})
        etag = f'"v{self.version}"'
        if request.headers.get("if-none-match") == etag:
            self.hits.append((path, 304))
            return Response(status_code=304, headers={"ETag": etag})
        self.hits.append((path, 200))
        return None

    async def rss(self, request: Request) -> Response:
        if (early := self._conditional(request, "rss")) is not None:
            return early
        items = "".join(
            f"<item><title>{escape(i['title'])}</title><link>{i['link']}</link>"
            f"<description>{escape(i['description'])}</description><guid>{i['guid']}</guid>"
            f"<pubDate>{i['date']}</pubDate><author>autor@blog.example (Rita Blog)</author></item>"
            for i in self.items
        )
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Blog del Consumidor</title>'
            f"<link>https://blog.example/</link><description>d</description>{items}</channel></rss>"
        )
        return Response(
            body,
            media_type="application/rss+xml",
            headers={"ETag": f'"v{self.version}"', "Last-Modified": "Mon, 23 Nov 2026 08:00:00 GMT"},
        )

    async def atom(self, request: Request) -> Response:
        if (early := self._conditional(request, "atom")) is not None:
            return early
        entries = "".join(
            f'<entry><id>tag:alerts.example,2026:{i["guid"]}</id><title type="html">{escape(i["title"])}</title>'
            f'<link href="{i["link"]}"/><updated>2026-11-0{min(9, int(i["guid"][-1]) + 1)}T10:00:00Z</updated>'
            f'<content type="html">{escape(i["description"])}</content><author><name>Noticias</name></author></entry>'
            for i in self.items
        )
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Alerta: MoviPlus</title><id>tag:alerts</id><updated>2026-11-23T00:00:00Z</updated>{entries}</feed>"
        )
        return Response(body, media_type="application/atom+xml", headers={"ETag": f'"v{self.version}"'})

    async def broken(self, request: Request) -> Response:
        return Response("<html><body>no soy un feed", media_type="text/html")

    async def moved(self, request: Request) -> Response:
        return Response(status_code=301, headers={"Location": "/rss.xml"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/rss.xml", self.rss),
                Route("/atom.xml", self.atom),
                Route("/broken", self.broken),
                Route("/old-feed", self.moved),
            ]
        )
