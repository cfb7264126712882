"""Local preview of a built site: the standard library's HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import mimetypes
import re
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from diffinsight.errors import InputError

__all__ = ["base_path", "make_server", "serve"]


class _Handler(SimpleHTTPRequestHandler):
    """Static files only, quiet, with the types a feed reader and a browser expect.

    The site is served under the path of its base URL (``/reports/`` for
    ``https://you.github.io/reports/``), as its host will serve it: the 404 page links from
    there, so it must work here too.
    """

    prefix = "/"

    extensions_map = {  # noqa: RUF012  (the base class declares it this way)
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/atom+xml; charset=utf-8",
        ".atom": "application/atom+xml; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def translate_path(self, path: str) -> str:
        # Outside the prefix nothing is found (the folder's own root stands for it).
        if self.prefix != "/":
            if not path.startswith(self.prefix):
                return str(Path(self.directory) / ".not-in-site" / "x")
            path = "/" + path[len(self.prefix) :]
        return super().translate_path(path)

    def send_head(self) -> Any:
        """Files as usual, gzipped when the client accepts it; the site's 404.html if none."""
        if self.prefix != "/" and self.path.split("?", 1)[0] in ("/", self.prefix.rstrip("/")):
            self.send_response(HTTPStatus.FOUND)  # the bare host or prefix: to the site's home
            self.send_header("Location", self.prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the base class redirects to the folder's "/"
            path = path / "index.html"
        if not path.is_file():
            return self._not_found()
        ctype = self.guess_type(str(path))
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not _compressible(ctype):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _not_found(self) -> Any:
        page = Path(self.directory) / "404.html"
        if not page.is_file():
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        body = page.read_bytes()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def _compressible(ctype: str) -> bool:
    return ctype.startswith(("text/", "application/json", "application/atom+xml"))


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
    mimetypes.add_type("application/atom+xml", ".atom")
    handler_class = type("_SiteHandler", (_Handler,), {"prefix": base_path(root)})
    handler = functools.partial(handler_class, directory=str(root))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise InputError(
            f"{host}:{port}: cannot listen ({exc.strerror}); pick another --port"
        ) from None


_ROOT_ATTR = re.compile(rb'data-root="(/[^"]*)"')


def base_path(site_dir: str | Path) -> str:
    """The path the site was built for (``/reports/``), read from its 404 page; ``/`` if none."""
    try:
        head = (Path(site_dir) / "404.html").read_bytes()[:2048]
    except OSError:
        return "/"
    m = _ROOT_ATTR.search(head)
    path = m.group(1).decode("utf-8", "replace") if m else "/"
    return path if path.endswith("/") else path + "/"


def serve(site_dir: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``site_dir`` until interrupted."""
    server = make_server(site_dir, host, port)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
