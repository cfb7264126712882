"""A local stand-in for the GitHub REST endpoints diffinsight calls, answering from real repos.

Repositories are bare git repos at ``ROOT/OWNER/REPO.git`` (the same folder serves as
``GITHUB_SERVER_URL`` for clones). Bodies follow GitHub's shapes: ``commits/{ref}``,
``commits?sha=`` (paginated with ``Link``), and ``compare/{base}...{head}`` (commits paginated,
files only on the first page and cut at ``file_limit``; a patch over ``patch_limit`` bytes is
left out). It also does ETags (304), a token check (401), a forbidden list (403) and a
rate-limit budget (403 with ``x-ratelimit-*`` headers).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

DOCS = "https://docs.github.com/rest"


class _NotFound(Exception):
    status = 404

    def __init__(self, message: str = "Not Found") -> None:
        super().__init__(message)
        self.message = message


class _Unprocessable(_NotFound):
    """What GitHub answers for an unknown revision on the commits endpoints."""

    status = 422


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "core.quotepath=off", "-C", str(repo), *args],
        capture_output=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    if proc.returncode != 0:
        raise _NotFound(proc.stderr.decode("utf-8", "replace").strip() or "git failed")
    return proc.stdout.decode("utf-8", "replace")


@dataclass
class FakeGitHub:
    """Server state and knobs; ``base_url`` once started."""

    root: Path
    token: str | None = None
    file_limit: int = 300
    patch_limit: int = 100_000
    rate_budget: int | None = None
    rate_reset_in: int = 3600
    forbidden: set[str] = field(default_factory=set)
    #: Answer this many requests with 502 first (GitHub's occasional gateway errors).
    fail_next: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base_url: str = ""
    #: Where ``Link`` headers point (default: this server); a hostile server names another host.
    link_base: str | None = None
    _reset_at: float = 0.0
    _used: int = 0
    _server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    # -- dispatch --------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        self.requests.append((h.path, {k.lower(): v for k, v in h.headers.items()}))
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segs = [unquote(s) for s in parts.path.strip("/").split("/")]
        if self.token is not None and h.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(h, 401, {"message": "Bad credentials", "documentation_url": DOCS})
        if self.fail_next > 0:
            self.fail_next -= 1
            return self._send(h, 502, {"message": "Server Error"})
        if self.rate_budget is not None:
            now = time.time()
            if now >= self._reset_at:
                self._reset_at, self._used = now + self.rate_reset_in, 0
            if self._used >= self.rate_budget:
                return self._send(
                    h,
                    403,
                    {
                        "message": "API rate limit exceeded for 127.0.0.1.",
                        "documentation_url": DOCS,
                    },
                    rate=True,
                )
        try:
            if len(segs) < 3 or segs[0] != "repos":
                raise _NotFound()
            owner_repo = f"{segs[1]}/{segs[2]}"
            if owner_repo in self.forbidden:
                return self._send(
                    h,
                    403,
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": DOCS,
                    },
                )
            repo = self.root / segs[1] / f"{segs[2]}.git"
            if not repo.is_dir():
                raise _NotFound()
            rest = segs[3:]
            if rest[:1] == ["commits"] and len(rest) == 2:
                body: Any = self._commit(repo, owner_repo, rest[1])
                return self._send(h, 200, body)
            if rest == ["commits"]:
                return self._commit_list(h, repo, owner_repo, parts.path, query)
            if rest[:1] == ["compare"] and len(rest) >= 2:
                return self._compare(h, repo, owner_repo, parts.path, "/".join(rest[1:]), query)
            raise _NotFound()
        except _NotFound as exc:
            self._send(h, exc.status, {"message": exc.message, "documentation_url": DOCS})

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        *,
        link: str | None = None,
        rate: bool = False,
    ) -> None:
        data = json.dumps(body).encode()
        etag = f'W/"{hashlib.sha256(data).hexdigest()}"'
        if status == 200 and h.headers.get("If-None-Match") == etag:
            # Conditional hits cost no rate limit on GitHub.
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        if status == 200 and self.rate_budget is not None:
            self._used += 1
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        if status == 200:
            h.send_header("ETag", etag)
        if link:
            h.send_header("Link", link)
        if self.rate_budget is not None:
            h.send_header("x-ratelimit-limit", str(self.rate_budget))
            h.send_header("x-ratelimit-remaining", str(max(0, self.rate_budget - self._used)))
            h.send_header("x-ratelimit-reset", str(int(self._reset_at)))
            h.send_header("x-ratelimit-used", str(self._used))
            h.send_header("x-ratelimit-resource", "core")
        h.end_headers()
        h.wfile.write(data)

    # -- bodies ----------------------------------------------------------------------------
    def _resolve(self, repo: Path, ref: str, *, compare: bool = False) -> str:
        try:
            return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except _NotFound:
            if compare:  # the compare endpoint answers a plain 404
                raise _NotFound() from None
            raise _Unprocessable(f"No commit found for SHA: {ref}") from None

    def _commit_obj(self, repo: Path, owner_repo: str, sha: str) -> dict[str, Any]:
        out = _git(
            repo,
            "show",
            "-s",
            "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%T%x00%B",
            sha,
        )
        h, parents, an, ae, at, cn, ce, ct, tree, msg = out.split("\x00", 9)
        api = f"{self.base_url}/repos/{owner_repo}"

        def iso(ts: str) -> str:
            return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        return {
            "sha": h,
            "node_id": "C_" + h[:20],
            "commit": {
                "author": {"name": an, "email": ae, "date": iso(at)},
                "committer": {"name": cn, "email": ce, "date": iso(ct)},
                "message": msg.rstrip("\n"),
                "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
                "url": f"{api}/git/commits/{h}",
                "comment_count": 0,
            },
            "url": f"{api}/commits/{h}",
            "html_url": f"https://github.com/{owner_repo}/commit/{h}",
            "author": None,
            "committer": None,
            "parents": [
                {
                    "sha": p,
                    "url": f"{api}/commits/{p}",
                    "html_url": f"https://github.com/{owner_repo}/commit/{p}",
                }
                for p in parents.split()
            ],
        }

    def _commit(self, repo: Path, owner_repo: str, ref: str) -> dict[str, Any]:
        return self._commit_obj(repo, owner_repo, self._resolve(repo, ref))

    @staticmethod
    def _page(query: dict[str, str], default: int) -> tuple[int, int]:
        per_page = min(100, int(query.get("per_page", default)))
        page = max(1, int(query.get("page", 1)))
        return per_page, page

    def _link(self, path: str, query: dict[str, str], page: int, last: int) -> str | None:
        if last <= 1:
            return None

        def url(n: int) -> str:
            q = dict(query, page=str(n))
            return f"{self.link_base or self.base_url}{path}?" + "&".join(
                f"{k}={v}" for k, v in q.items()
            )

        links = []
        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
        return ", ".join(links) or None

    def _commit_list(
        self,
        h: BaseHTTPRequestHandler,
        repo: Path,
        owner_repo: str,
        path: str,
        query: dict[str, str],
    ) -> None:
        tip = self._resolve(repo, query.get("sha", "HEAD"))
        shas = _git(repo, "rev-list", tip).split()
        per_page, page = self._page(query, 30)
        last = max(1, -(-len(shas) // per_page))
        chunk = shas[(page - 1) * per_page : page * per_page]
        body = [self._commit_obj(repo, owner_repo, s) for s in chunk]
        self._send(h, 200, body, link=self._link(path, query, page, last))

    def _compare(
        self,
        h: BaseHTTPRequestHandler,
        repo: Path,
        owner_repo: str,
        path: str,
        basehead: str,
        query: dict[str, str],
    ) -> None:
        if "..." not in basehead:
            raise _NotFound()
        base_ref, head_ref = basehead.split("...", 1)
        base = self._resolve(repo, base_ref, compare=True)
        head = self._resolve(repo, head_ref, compare=True)
        try:
            mb = _git(repo, "merge-base", base, head).strip()
        except _NotFound:
            raise _NotFound(f"No common ancestor between {base_ref} and {head_ref}.") from None
        ahead = _git(repo, "rev-list", "--reverse", "--topo-order", f"{mb}..{head}").split()
        behind = int(_git(repo, "rev-list", "--count", f"{mb}..{base}").strip())
        status = (
            "identical"
            if not ahead and not behind
            else "ahead"
            if not behind
            else "behind"
            if not ahead
            else "diverged"
        )
        paged = "per_page" in query or "page" in query
        per_page, page = self._page(query, 30) if paged else (250, 1)
        last = max(1, -(-len(ahead) // per_page)) if paged else 1
        chunk = ahead[(page - 1) * per_page : page * per_page]
        web = f"https://github.com/{owner_repo}"
        body: dict[str, Any] = {
            "url": f"{self.base_url}/repos/{owner_repo}/compare/{basehead}",
            "html_url": f"{web}/compare/{basehead}",
            "permalink_url": f"{web}/compare/{owner_repo.split('/')[0]}:{base[:7]}...{owner_repo.split('/')[0]}:{head[:7]}",
            "diff_url": f"{web}/compare/{basehead}.diff",
            "patch_url": f"{web}/compare/{basehead}.patch",
            "base_commit": self._commit_obj(repo, owner_repo, base),
            "merge_base_commit": self._commit_obj(repo, owner_repo, mb),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": behind,
            "total_commits": len(ahead),
            "commits": [self._commit_obj(repo, owner_repo, s) for s in chunk],
        }
        if page == 1:
            body["files"] = self._files(repo, owner_repo, mb, head)
        self._send(h, 200, body, link=self._link(path, query, page, last) if paged else None)

    def _files(self, repo: Path, owner_repo: str, base: str, head: str) -> list[dict[str, Any]]:
        raw = _git(repo, "diff", "-M", "--raw", "-z", "--no-abbrev", base, head).split("\x00")
        num = _git(repo, "diff", "-M", "--numstat", "-z", base, head).split("\x00")
        patch = _git(repo, "diff", "-M", "-p", "--no-color", base, head)
        sections = ["diff --git " + s for s in patch.split("\ndiff --git ")[0:]]
        sections[0] = sections[0][len("diff --git ") :]
        entries: list[tuple[str, str, str | None, str]] = []
        i = 0
        while i < len(raw) and raw[i].startswith(":"):
            meta = raw[i].split()
            if meta[4][0] in "RC":
                entries.append((meta[4][0], meta[3], raw[i + 1], raw[i + 2]))
                i += 3
            else:
                entries.append(
                    (meta[4][0], meta[3] if meta[4][0] != "D" else meta[2], None, raw[i + 1])
                )
                i += 2
        counts = []
        j = 0
        while j < len(num):
            if not num[j]:
                j += 1
                continue
            a, d, rest = num[j].split("\t", 2)
            counts.append((a, d))
            j += 3 if rest == "" else 1
        files = []
        names = {
            "A": "added",
            "D": "removed",
            "M": "modified",
            "T": "changed",
            "R": "renamed",
            "C": "copied",
        }
        for n, ((letter, blob, old, new), (a, d)) in enumerate(zip(entries, counts, strict=True)):
            if n >= self.file_limit:
                break
            entry: dict[str, Any] = {
                "sha": blob,
                "filename": new,
                "status": names.get(letter, "modified"),
                "additions": 0 if a == "-" else int(a),
                "deletions": 0 if d == "-" else int(d),
                "changes": 0 if a == "-" else int(a) + int(d),
                "blob_url": f"https://github.com/{owner_repo}/blob/{head}/{new}",
                "raw_url": f"https://github.com/{owner_repo}/raw/{head}/{new}",
                "contents_url": f"{self.base_url}/repos/{owner_repo}/contents/{new}?ref={head}",
            }
            if old is not None:
                entry["previous_filename"] = old
            sec = sections[n] if n < len(sections) else ""
            at = sec.find("\n@@")
            if a != "-" and at >= 0:
                text = sec[at + 1 :].rstrip("\n")
                if len(text.encode()) <= self.patch_limit:
                    entry["patch"] = text
            files.append(entry)
        return files
