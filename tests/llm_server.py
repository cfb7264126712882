"""A real HTTP server on 127.0.0.1 speaking the Chat Completions surface the LLM writer uses.

It serves OpenAI's ``/v1/chat/completions`` and Azure's
``/openai/deployments/{deployment}/chat/completions?api-version=...`` (and, when given
``models``, ``GET /v1/models`` listing them), records every request, and
answers from a per-test script: queued :class:`Reply` objects first, then a responder function
(by default :func:`auto_answer`, which writes valid answers in the requested languages).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_AZURE_PATH = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")
_FILE_RE = re.compile(r"^### file id=(\S+)\npath=(\S+)", re.MULTILINE)
_LANGS_RE = re.compile(r"^Write in: (.+)$", re.MULTILINE)

#: Canned prose per language: (title, explanation about {name}, report sentence).
PHRASES = {
    "en": (
        "Documentation update",
        "The page `{name}` revises the text of one section. Readers now see the updated wording.",
        "This set of changes revises several documentation pages and their wording.",
    ),
    "zh": (
        "文档内容更新",
        "本页 `{name}` 修订了一个章节的内容，读者现在会看到更新后的说明。",
        "这组变更修订了多个文档页面的内容和措辞。",
    ),
    "ja": (
        "ドキュメントの更新",
        "このページ `{name}` では、一つのセクションの内容を改訂しました。読者は更新された説明を確認できます。",
        "この一連の変更では、複数のドキュメントページの内容と表現を改訂しています。",
    ),
}


@dataclass
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: Any = None  # dict -> JSON; str -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]
    deployment: str | None = None

    @property
    def user(self) -> str:
        """The first user message."""
        return str(next(m["content"] for m in self.body["messages"] if m["role"] == "user"))

    @property
    def system(self) -> str:
        return str(next(m["content"] for m in self.body["messages"] if m["role"] == "system"))

    @property
    def is_report(self) -> bool:
        """A report-level call (sections only)."""
        return self.system.startswith("You write the report-level")

    @property
    def is_combined(self) -> bool:
        """A call writing the file entries and the report sections at once."""
        return 'under "report"' in self.system

    @property
    def is_repair(self) -> bool:
        return any(m["role"] == "assistant" for m in self.body["messages"])


def completion(
    content: str | dict[str, Any],
    *,
    finish_reason: str = "stop",
    model: str = "test-model",
    prompt_tokens: int = 100,
    completion_tokens: int = 50,
    refusal: str | None = None,
) -> dict[str, Any]:
    """A Chat Completions response body."""
    if not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def ok(content: str | dict[str, Any], **kwargs: Any) -> Reply:
    """A 200 answer with ``content``."""
    return Reply(body=completion(content, **kwargs))


def languages(seen: Seen) -> list[str]:
    """The language codes a request asks for."""
    m = _LANGS_RE.search(seen.user)
    assert m, "no 'Write in:' line in the prompt"
    return [part.split("=")[0].strip() for part in m.group(1).split(";")]


def files_in(seen: Seen) -> list[tuple[str, str]]:
    """(id, path) of each file a per-file request holds."""
    return _FILE_RE.findall(seen.user)


def file_answer(
    seen: Seen, text: Callable[[str, str], tuple[str, str]] | None = None
) -> dict[str, Any]:
    """A valid per-file answer (with sections if asked); ``text(lang, path)`` may supply texts."""
    out = []
    for fid, path in files_in(seen):
        texts = {}
        for lang in languages(seen):
            if text is not None:
                title, expl = text(lang, path)
            else:
                title, expl, _ = PHRASES[lang[:2]]
                expl = expl.format(name=path.rsplit("/", 1)[-1])
            texts[lang] = {"title": title, "explanation": expl}
        out.append({"id": fid, "texts": texts})
    if seen.is_combined:
        return {"files": out, "report": report_answer(seen)["texts"]}
    return {"files": out}


def report_answer(seen: Seen, sentence: Callable[[str], str] | None = None) -> dict[str, Any]:
    """A valid report-level answer."""
    texts = {}
    for lang in languages(seen):
        s = sentence(lang) if sentence else PHRASES[lang[:2]][2]
        texts[lang] = {
            "summary": s,
            "highlights": s,
            "new_features": [],
            "breaking_changes": [],
            "other_updates": [s],
            "insights": [s],
        }
    return {"texts": texts}


def auto_answer(seen: Seen) -> Reply:
    """Valid answers for any request of the writer."""
    return ok(report_answer(seen) if seen.is_report else file_answer(seen))


class ChatServer:
    """The server; use as a context manager. ``url`` is ``http://127.0.0.1:PORT``."""

    def __init__(
        self,
        responder: Callable[[Seen], Reply] = auto_answer,
        *,
        latency: float = 0.0,
        models: list[str] | None = None,
    ) -> None:
        self.responder = responder
        self.latency = latency
        #: What ``GET /models`` lists; None: the route does not exist (404), as on some servers.
        self.models = models
        #: Paths of the GET requests received.
        self.gets: list[str] = []
        self.queue: deque[Reply | Callable[[Seen], Reply]] = deque()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with server._lock:
                    server.gets.append(path)
                if server.models is None or path not in ("/v1/models", "/models"):
                    self._send(Reply(404, {"error": {"message": f"no route {path}"}}))
                    return
                data = [
                    {"id": m, "object": "model", "created": 0, "owned_by": "test"}
                    for m in server.models
                ]
                self._send(Reply(body={"object": "list", "data": data}))

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                deployment = None
                if parts.path not in ("/v1/chat/completions", "/chat/completions"):
                    m = _AZURE_PATH.match(parts.path)
                    if not m:
                        self._send(Reply(404, {"error": {"message": f"no route {parts.path}"}}))
                        return
                    deployment = m.group(1)
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = Seen(
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    deployment=deployment,
                )
                with server._lock:
                    server.requests.append(seen)
                    step = server.queue.popleft() if server.queue else server.responder
                reply = step if isinstance(step, Reply) else step(seen)
                wait = reply.delay + server.latency
                if wait:
                    time.sleep(wait)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                raw = (
                    reply.body
                    if isinstance(reply.body, str)
                    else json.dumps(reply.body if reply.body is not None else {})
                ).encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(raw)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Reply | Callable[[Seen], Reply]) -> None:
        """Queue replies for the next requests (then the responder takes over)."""
        with self._lock:
            self.queue.extend(replies)

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
