"""The optional OpenAI-compatible back-end, against a fake server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cauce.replies.drafts import CaseFacts, DraftContext, draft


class FakeLLM:
    def __init__(self) -> None:
        self.answer: str = ""
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []


@pytest.fixture
def fake_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    state = FakeLLM()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append({"path": self.path, **json.loads(body)})
            state.headers.append(dict(self.headers))
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": state.answer}}]})
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CAUCE_LLM_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("CAUCE_LLM_MODEL", "fake-model")
    monkeypatch.setenv("CAUCE_LLM_API_KEY", "secret-test-key")
    yield state
    server.shutdown()
    server.server_close()


CTX = DraftContext(brand_name="Conectel", voice="usted", recipient_name="Jorge Restrepo", agent_name="Laura",
                   mention_text="llevo 4 días sin internet y nadie me da razón", facts=CaseFacts(category="producto"))


def test_llm_text_is_used_when_it_passes_the_guard(fake_llm: FakeLLM) -> None:
    fake_llm.answer = ("Hola, Jorge. Lamentamos mucho la falla de internet en su casa; ya la estamos "
                       "revisando con el equipo técnico y le escribimos hoy. — Laura")
    result = draft(CTX, "first_reply")
    assert result.text == fake_llm.answer
    assert result.template_id == "llm:fake-model"
    request = fake_llm.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["model"] == "fake-model"
    assert "usted" in request["messages"][0]["content"]
    assert fake_llm.headers[0]["Authorization"] == "Bearer secret-test-key"


def test_llm_text_that_breaks_the_playbook_falls_back_to_the_template(fake_llm: FakeLLM) -> None:
    fake_llm.answer = "Hola, Jorge. Qué raro que nadie más se queje 🙄 ¿Nos deja aquí su número de cédula? — Laura"
    result = draft(CTX, "first_reply")
    assert result.template_id.startswith("first_reply.")
    assert any("guardián de tono" in w for w in result.warnings)


def test_llm_errors_fall_back_to_the_template(fake_llm: FakeLLM) -> None:
    fake_llm.status = 500
    result = draft(CTX, "first_reply")
    assert result.template_id.startswith("first_reply.")
    assert any("LLM no disponible" in w for w in result.warnings)


def test_no_configuration_means_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAUCE_LLM_BASE_URL", raising=False)
    result = draft(CTX, "first_reply")
    assert result.template_id.startswith("first_reply.") and result.warnings == []
