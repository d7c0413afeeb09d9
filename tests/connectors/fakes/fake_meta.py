"""A fake Graph API for Page/Instagram answers, with Graph-style errors (HTTP 400 + code)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.fakes.ratelimits import Windows, meta_buc_limits, middleware

PAGE_TOKEN = "EAAG-fake-page-token"
PAGE_ID = "1122334455"
IG_ID = "17841400000000001"


@dataclass
class FakeGraph:
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Pages Business Use Case with a Page token: 4800 calls x engaged users per 24 h (one user here).
    buc: Windows = field(default_factory=lambda: Windows(limit=4800, period_s=86400))
    _ids: Any = field(default_factory=lambda: itertools.count(900))

    async def handle(self, request: Request) -> Response:
        path = request.path_params["path"]
        if request.headers.get("authorization") != f"Bearer {PAGE_TOKEN}":
            return JSONResponse(
                {
                    "error": {
                        "message": "Error validating access token: Session has expired",
                        "type": "OAuthException",
                        "code": 190,
                        "error_subcode": 463,
                    }
                },
                status_code=400,
            )
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = dict(await request.form())
        self.calls.append((request.method, path, body))
        if self.fail_next:
            status, payload = self.fail_next.pop(0)
            return JSONResponse(payload, status_code=status)
        parts = path.split("/")
        if request.method == "GET":
            if path == "me":
                return JSONResponse({"id": PAGE_ID, "name": "Marca Oficial"})
            if len(parts) == 2:  # edges: /{id}/comments, /{id}/replies
                return JSONResponse(self.objects.get(path, {"data": []}))
            found = self.objects.get(parts[0])
            if found is None:
                return JSONResponse({"error": {"message": "Unsupported get request.", "code": 100}}, status_code=400)
            return JSONResponse(found)
        if len(parts) == 2 and parts[1] in ("comments", "replies"):
            new_id = f"{parts[0].split('_')[0]}_{next(self._ids)}" if parts[1] == "comments" else str(next(self._ids))
            author = {"id": PAGE_ID, "name": "Marca"} if parts[1] == "comments" else {"id": IG_ID}
            self.objects.setdefault(path, {"data": []})["data"].append({"id": new_id, "from": author})
            return JSONResponse({"id": new_id})
        if len(parts) == 2 and parts[1] == "messages":
            return JSONResponse({"recipient_id": "psid-1", "message_id": f"m_{next(self._ids)}"})
        if len(parts) == 1:
            return JSONResponse({"success": True})
        return JSONResponse({"error": {"message": "Unknown path", "code": 803}}, status_code=404)

    def app(self) -> Starlette:
        return Starlette(middleware=[middleware(meta_buc_limits(self.buc, PAGE_ID))],
                         routes=[Route("/v21.0/{path:path}", self.handle, methods=["GET", "POST"])])
