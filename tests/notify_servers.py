"""Receivers on 127.0.0.1 for the notify tests: Slack, Teams and generic webhooks, the Slack
Web API, and an SMTP server (aiosmtpd) that stores what it gets.

Each checks what the real service checks for the calls we make (Slack's block limits,
Teams' card size, the webhook signature) and answers as the real one does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

# aiosmtpd logs every connection from its own thread; through the root logger that can reach a
# stream an earlier test's capture has closed ("--- Logging error ---" in the test output).
logging.getLogger("mail.log").propagate = False

SLACK_PATH = "/services/T0001/B0001/s3cr3tSlackToken"
TEAMS_PATH = "/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=t3amsSig"
HOOK_PATH = "/hook"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def slack_problems(payload: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a Block Kit message (``invalid_blocks``)."""
    blocks = payload.get("blocks", [])
    out = []
    if len(blocks) > 50:
        out.append("more than 50 blocks")
    if len(payload.get("text", "")) > 40000:
        out.append("text too long")
    for b in blocks:
        if b["type"] == "header" and len(b["text"]["text"]) > 150:
            out.append("header over 150")
        if b["type"] == "section" and len(b["text"]["text"]) > 3000:
            out.append("section over 3000")
        if b["type"] == "actions":
            for e in b["elements"]:
                if len(e.get("url", "")) > 3000:
                    out.append("url over 3000")
    return out


@dataclass
class Receiver:
    """An HTTP server: ``faults`` maps a path to responses to give before the normal one."""

    secret: str = "hook-secret"
    slack_token: str = "xoxb-test-token"
    received: list[Received] = field(default_factory=list)
    faults: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    slack_history: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(
                self,
                code: int,
                body: bytes = b"",
                headers: dict[str, str] | None = None,
                ctype: str = "text/plain",
            ) -> None:
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._history(urlparse(self.path).query)

            def _history(self, query: str) -> None:
                """``conversations.history``: the channel's messages, newest first."""
                if urlparse(self.path).path != "/api/conversations.history":
                    return self._answer(404)
                if self.headers.get("Authorization") != f"Bearer {recv.slack_token}":
                    return self._json({"ok": False, "error": "invalid_auth"})
                if parse_qs(query).get("channel") != ["C0DOCS"]:
                    return self._json({"ok": False, "error": "channel_not_found"})
                return self._json({"ok": True, "messages": list(reversed(recv.slack_history))})

            def _json(self, data: Any, code: int = 200) -> None:
                self._answer(code, json.dumps(data).encode(), ctype="application/json")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                url = urlparse(self.path)
                key = url.path
                if key == "/api/conversations.history":  # slack_sdk may POST a form
                    return self._history(url.query + "&" + body.decode())
                with recv.lock:
                    if key in recv.down:
                        return self._answer(503, b"down")
                    planned = recv.faults.get(key)
                    if planned:
                        code, headers = planned.pop(0)
                        return self._answer(code, b"slow down", headers)
                    recv.received.append(Received(self.path, dict(self.headers.items()), body))
                if self.path == SLACK_PATH:
                    try:
                        problems = slack_problems(json.loads(body))
                    except ValueError:
                        return self._answer(400, b"invalid_payload")
                    return (
                        self._answer(400, b"invalid_blocks")
                        if problems
                        else self._answer(200, b"ok")
                    )
                if url.path == "/workflows/abc/triggers/manual/paths/invoke":
                    if parse_qs(url.query).get("sig") != ["t3amsSig"]:
                        return self._answer(401, b'{"error":"invalid signature"}')
                    if len(body) > 28 * 1024:
                        return self._answer(413, b'{"error":"RequestEntityTooLarge"}')
                    card = json.loads(body)["attachments"][0]
                    if card["contentType"] != "application/vnd.microsoft.card.adaptive":
                        return self._answer(400, b'{"error":"not a card"}')
                    return self._answer(202)
                if self.path == HOOK_PATH:
                    sig = (
                        "sha256=" + hmac.new(recv.secret.encode(), body, hashlib.sha256).hexdigest()
                    )
                    if not hmac.compare_digest(
                        self.headers.get("X-Diffinsight-Signature-256", ""), sig
                    ):
                        return self._answer(401, b"bad signature")
                    return self._answer(200, b"{}", ctype="application/json")
                if self.path == "/api/chat.postMessage":
                    if self.headers.get("Authorization") != f"Bearer {recv.slack_token}":
                        return self._json({"ok": False, "error": "invalid_auth"})
                    data = json.loads(body)
                    if slack_problems(data):
                        return self._json({"ok": False, "error": "invalid_blocks"})
                    ts = f"{len(recv.slack_history) + 1}.000"
                    with recv.lock:
                        recv.slack_history.append(
                            {"ts": ts, "text": data["text"], "metadata": data.get("metadata")}
                        )
                    return self._json({"ok": True, "channel": data["channel"], "ts": ts})
                self._answer(404, b"no_service")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def at(self, prefix: str) -> list[Received]:
        return [r for r in self.received if r.path.startswith(prefix)]


class _Store:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope, msg))
        return "250 OK"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with STARTTLS (or implicit TLS) and AUTH for one user."""

    def __init__(
        self, cert: Path, key: Path, user: str, password: str, implicit_tls: bool = False
    ) -> None:
        import ssl

        self.store = _Store()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)

        def auth(
            server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and data.login == user.encode()
                and data.password == password.encode()
            )
            # handled=False: aiosmtpd then answers 535 itself (with True it answers nothing).
            return AuthResult(success=ok, handled=False)

        # Implicit TLS: the whole session is encrypted, which aiosmtpd's STARTTLS check misses.
        kwargs: dict[str, Any] = {"authenticator": auth, "auth_require_tls": not implicit_tls}
        if implicit_tls:
            self.controller = Controller(
                self.store, hostname="127.0.0.1", port=free_port(), ssl_context=ctx, **kwargs
            )
        else:
            kwargs["tls_context"] = ctx
            kwargs["require_starttls"] = True
            self.controller = Controller(
                self.store, hostname="127.0.0.1", port=free_port(), **kwargs
            )

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[tuple[Envelope, EmailMessage]]:
        return self.store.messages
