"""Local preview of a built site: the standard library's HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import mimetypes
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from diffinsight.errors import InputError

__all__ = ["make_server", "serve"]


class _Handler(SimpleHTTPRequestHandler):
    """Static files only, quiet, with the types a feed reader and a browser expect."""

    extensions_map = {  # noqa: RUF012  (the base class declares it this way)
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/atom+xml; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def make_server(
    site_dir: str | Path, host: str = "127.0.0.1", port: int = 8000
) -> ThreadingHTTPServer:
    """An HTTP server for ``site_dir`` (not yet serving; ``port=0`` picks a free port)."""
    root = Path(site_dir)
    if not (root / "index.html").is_file():
        raise InputError(
            f"{root}: no built site here (index.html is missing); run 'diffinsight site build' first"
        )
    mimetypes.add_type("application/atom+xml", ".xml")
    handler = functools.partial(_Handler, directory=str(root))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise InputError(
            f"{host}:{port}: cannot listen ({exc.strerror}); pick another --port"
        ) from None


def serve(site_dir: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``site_dir`` until interrupted."""
    server = make_server(site_dir, host, port)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
