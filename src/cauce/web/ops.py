"""Operations routes and middleware: `/metrics`, request ids, HTTP request metrics.

Who may read `/metrics` (it shows volumes and queue depths, no personal data, but still business
information): any one of
- a peer address in `CAUCE_METRICS_ALLOW` (addresses or CIDR ranges, comma separated; empty by
  default). The address is the one the app believes (`cauce.web.security.client_ip`): behind a
  proxy, list the proxy in `CAUCE_TRUSTED_PROXIES`, or every request through it would look local;
- `Authorization: Bearer <CAUCE_METRICS_TOKEN>` (a shared secret for Prometheus'
  `authorization.credentials_file`; at least 32 characters, compared in constant time);
- an administrator (their API token or web session).
Anyone else: 401 without credentials, 403 with a non-admin's.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cauce.app_deps.deps import DbSession, current_principal
from cauce.db import Database
from cauce.errors import Forbidden
from cauce.observability import logs, metrics
from cauce.web.security import client_ip

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter("cauce_http_requests", "HTTP requests by method, route template and status class.",
                        ["method", "route", "status"], registry=metrics.REGISTRY)
HTTP_SECONDS = Histogram("cauce_http_request_duration_seconds", "HTTP request wall time by route template.",
                         ["route"], registry=metrics.REGISTRY,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestContextMiddleware:
    """Binds a request id (the client's `X-Request-ID` when sane, else a new one) for every log line
    of the request, echoes it in the response, and counts the request by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), None)
        request_id = logs.accept_request_id(header)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        with logs.bind_request(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                method = scope.get("method", "GET")
                HTTP_REQUESTS.labels(method if method in _METHODS else "other", template,
                                     f"{status // 100}xx").inc()
                HTTP_SECONDS.labels(template).observe(time.perf_counter() - started)


class DatabaseCollector:
    """Gauges read from the database at scrape time: the work waiting, whoever will do it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        from cauce.cases.models import Case, ModerationAction
        from cauce.replies.models import Reply

        up = GaugeMetricFamily("cauce_database_up", "1 when the database answered this scrape.")
        try:
            with self.db.read_session() as session:
                cases = session.execute(select(Case.status, func.count()).where(Case.is_open.is_(True))
                                        .group_by(Case.status)).all()
                replies = session.execute(select(Reply.state, func.count())
                                          .where(Reply.state.in_(("queued", "sending", "failed")))
                                          .group_by(Reply.state)).all()
                moderation = session.scalar(select(func.count()).select_from(ModerationAction)
                                            .where(ModerationAction.delivery_state == "queued")) or 0
                oldest = session.scalar(select(func.min(Reply.created_at)).where(Reply.state == "queued"))
        except Exception as exc:  # a scrape during an outage still answers, saying so
            log.warning("metrics: database gauges unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        open_cases = GaugeMetricFamily("cauce_cases_open", "Open cases by status.", labels=["status"])
        for status, n in cases:
            open_cases.add_metric([str(status)], n)
        yield open_cases
        by_state = dict(replies)
        outbox = GaugeMetricFamily("cauce_outbox_depth", "Outbox items waiting to be sent (queued or sending).",
                                   labels=["kind"])
        outbox.add_metric(["reply"], by_state.get("queued", 0) + by_state.get("sending", 0))
        outbox.add_metric(["moderation"], moderation)
        yield outbox
        pending = GaugeMetricFamily("cauce_replies", "Replies not (yet) delivered, by state.", labels=["state"])
        for state in ("queued", "sending", "failed"):
            pending.add_metric([state], by_state.get(state, 0))
        yield pending
        age = GaugeMetricFamily("cauce_outbox_oldest_age_seconds", "Age of the oldest queued reply (0: none).")
        if oldest is not None:
            from cauce.db import utcnow

            age.add_metric([], max(0.0, (utcnow() - oldest).total_seconds()))
        else:
            age.add_metric([], 0.0)
        yield age


def _networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for part in (p.strip() for p in spec.split(",")):
        if part:
            out.append(ipaddress.ip_network(part, strict=False))
    return out


class MetricsAccess:
    """The `/metrics` policy (see the module docstring), read once from the environment."""

    def __init__(self, token: str | None, allow: str) -> None:
        self.token = (token or "").strip()  # Settings refuses one under 32 characters
        self.allow = _networks(allow)

    def peer_allowed(self, request: Request) -> bool:
        if not self.allow:
            return False
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            return False
        return any(address in network for network in self.allow)

    def token_matches(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self.token.encode())


def install_request_context(app: FastAPI) -> None:
    app.add_middleware(RequestContextMiddleware)


def install(app: FastAPI) -> None:
    settings = app.state.settings
    access = MetricsAccess(settings.metrics_token, settings.metrics_allow)
    app.state.metrics_access = access
    collector = DatabaseCollector(app.state.db)

    @app.get("/metrics", tags=["health"], response_class=Response,
             responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                              "description": "Prometheus text format"}})
    def prometheus_metrics(request: Request, session: DbSession) -> Response:
        """This process' metrics and the database's queue gauges (Prometheus text format)."""
        policy: MetricsAccess = request.app.state.metrics_access
        if not (policy.peer_allowed(request) or policy.token_matches(request)):
            principal = current_principal(request, session)  # 401 without credentials
            if principal.role != "admin":
                raise Forbidden("Las métricas requieren rol de administrador o el token de métricas.")
        # The runtime adds its own scrape-time collectors (the broker's queue depths on a web node).
        extra = getattr(request.app.state, "metrics_collectors", [])
        return Response(metrics.exposition(collector, *extra), media_type=CONTENT_TYPE_LATEST)

