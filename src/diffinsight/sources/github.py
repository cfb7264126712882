"""Source: a GitHub comparison (``OWNER/REPO BASE...HEAD`` or a pasted compare URL).

Read through the REST compare API. The API lists at most 300 files and drops the patch of a
large file, without saying how many it left out; so a list of 300 files, or a changed file
without its patch, switches to a shallow, blob-filtered fetch of the two commits and a local
diff, and no file is ever missing from a report.

Environment, as GitHub Actions sets it: ``GITHUB_TOKEN`` (else ``gh auth token``),
``GITHUB_API_URL`` (default ``https://api.github.com``), ``GITHUB_SERVER_URL`` (default
``https://github.com``; clone URLs are ``$GITHUB_SERVER_URL/OWNER/REPO.git``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from diffinsight.errors import InputError, SourceError
from diffinsight.models import ChangeSet, Commit, FileChange, FileStatus
from diffinsight.sources.base import DEFAULT_MAX_PATCH_BYTES, clip_patch
from diffinsight.sources.fetch import cache_root, fetch_commits, prefetch_blobs
from diffinsight.sources.git import GitSource, github_permalink

__all__ = [
    "CompareSpec",
    "GitHubClient",
    "GitHubSource",
    "find_token",
    "parse_compare_url",
    "parse_github_spec",
]

log = logging.getLogger(__name__)

#: The compare API lists at most this many files and says nothing about the rest.
API_FILE_LIMIT = 300
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"

_OWNER_REPO = re.compile(r"^(?P<owner>[A-Za-z0-9][A-Za-z0-9-]*)/(?P<repo>[A-Za-z0-9_.-]+)$")
_COMPARE_PATH = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/compare/(?P<range>.+?)/?$",
)
_LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_STATUS = {
    "added": FileStatus.ADDED,
    "copied": FileStatus.ADDED,
    "removed": FileStatus.REMOVED,
    "modified": FileStatus.MODIFIED,
    "changed": FileStatus.MODIFIED,
    "renamed": FileStatus.RENAMED,
}


@dataclass(frozen=True)
class CompareSpec:
    """One comparison on GitHub: ``owner_repo`` and the two revisions as the user gave them."""

    owner_repo: str
    base: str
    head: str


def api_url() -> str:
    """``$GITHUB_API_URL`` or the public API."""
    return (os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def server_url() -> str:
    """``$GITHUB_SERVER_URL`` or github.com."""
    return (os.environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/")


def clone_url(owner_repo: str) -> str:
    """Where the repository's git data is: ``$GITHUB_SERVER_URL/OWNER/REPO.git``."""
    return f"{server_url()}/{owner_repo}.git"


def is_owner_repo(spec: str) -> bool:
    """Whether ``spec`` reads as ``OWNER/REPO``."""
    return bool(_OWNER_REPO.match(spec))


def _split_range(owner_repo: str, text: str, what: str) -> tuple[str, str]:
    if "..." in text:
        base, head = text.split("...", 1)
    elif ".." in text:
        raise InputError(
            f"{what}: GitHub compares BASE...HEAD (three dots), from the merge base; use ..."
        )
    else:
        raise InputError(f"{what}: expected BASE...HEAD, such as main~3...main")
    owner = owner_repo.split("/", 1)[0]
    out = []
    for part in (base, head):
        rev = unquote(part)
        if ":" in rev:
            who, rev = rev.split(":", 1)
            if who.lower() != owner.lower():
                raise InputError(
                    f"{what}: {who}:{rev} is in another fork; compare revisions of {owner_repo} only"
                )
        if not rev or rev.startswith("-"):
            raise InputError(f"{what}: empty or invalid revision; expected BASE...HEAD")
        out.append(rev)
    return out[0], out[1]


def parse_compare_url(url: str) -> CompareSpec | None:
    """A pasted ``https://github.com/OWNER/REPO/compare/A...B`` URL (also ``OWNER:A...OWNER:B``)."""
    for server in {DEFAULT_SERVER_URL, server_url()}:
        if url.startswith(server + "/"):
            path = url[len(server) :].split("#", 1)[0].split("?", 1)[0]
            m = _COMPARE_PATH.match(path)
            if not m:
                return None
            owner_repo = f"{m.group('owner')}/{m.group('repo')}"
            base, head = _split_range(owner_repo, m.group("range"), url)
            return CompareSpec(owner_repo, base, head)
    return None


def parse_github_spec(spec: str, range_spec: str | None) -> CompareSpec | None:
    """The comparison named by SOURCE [RANGE] when it is a GitHub one, else None."""
    if re.match(r"^https?://", spec):
        parsed = parse_compare_url(spec)
        if parsed is None:
            raise InputError(
                f"{spec}: not a compare URL; paste one like https://github.com/OWNER/REPO/compare/A...B"
            )
        if range_spec:
            raise InputError(f"{spec}: the compare URL already names the range; drop {range_spec}")
        return parsed
    if is_owner_repo(spec):
        if not range_spec:
            raise InputError(f"{spec}: give a RANGE such as main~3...main")
        base, head = _split_range(spec, range_spec, f"{spec} {range_spec}")
        return CompareSpec(spec, base, head)
    return None


def find_token() -> str | None:
    """``$GITHUB_TOKEN``, else what ``gh auth token`` prints when ``gh`` is on PATH, else None."""
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if token:
        return token
    gh = shutil.which("gh")
    if gh is None:
        return None
    try:
        proc = subprocess.run(
            [gh, "auth", "token"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and out else None


class GitHubClient:
    """A small REST client: token, conditional requests (ETag cache), rate-limit care.

    ``transport`` is handed to httpx (tests pass their own); ``sleep`` is how it waits for a
    rate-limit reset, at most ``max_wait`` seconds, else it fails naming the reset time.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | bool | None = True,
        transport: httpx.BaseTransport | None = None,
        cache_dir: Path | None = None,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = (base_url or api_url()).rstrip("/")
        self.token: str | None = find_token() if token is True else (token or None)
        self.cache_dir = (cache_dir or cache_root()) / "http"
        self.max_wait = max_wait
        self.sleep = sleep
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "diffinsight",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, transport=transport, timeout=timeout
        )
        self.requests = 0

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _cache_file(self, url: str) -> Path:
        key = hashlib.sha256(f"{self.base_url}\n{url}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def get(self, url: str, *, what: str) -> tuple[Any, str | None]:
        """GET ``url`` (a path or an absolute URL): the JSON body and the next page's URL.

        An absolute URL must be on the API's origin (scheme, host, port): the client sends the
        token with every request, so a ``Link`` header naming another host is refused.
        """
        if "://" in url and _origin(url) != _origin(self.base_url):
            raise SourceError(
                f"{what}: the server's next-page link points to {_origin_text(url)}, not to the "
                f"API at {_origin_text(self.base_url)}; refusing to send the token there "
                "(check GITHUB_API_URL)"
            )
        cache = self._cache_file(url)
        cached: dict[str, Any] | None = None
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = None
        headers = {"If-None-Match": cached["etag"]} if cached else {}
        for attempt in range(2):
            try:
                self.requests += 1
                resp = self.http.get(url, headers=headers)
            except httpx.HTTPError as exc:
                raise SourceError(
                    f"{what}: cannot reach {self.base_url} ({exc}); check the network or GITHUB_API_URL"
                ) from exc
            if resp.status_code == 304 and cached is not None:
                log.debug("%s: not modified (ETag cache)", url)
                return cached["body"], cached.get("next")
            if resp.status_code == 200:
                try:
                    body = resp.json()
                except ValueError as exc:
                    raise SourceError(f"{what}: GitHub answered with non-JSON text") from exc
                m = _LINK_NEXT.search(resp.headers.get("link", ""))
                nxt = m.group(1) if m else None
                etag = resp.headers.get("etag")
                if etag:
                    self._store(cache, {"etag": etag, "body": body, "next": nxt})
                return body, nxt
            wait = self._rate_limit_wait(resp)
            if wait is not None:
                if attempt > 0:
                    raise SourceError(
                        f"{what}: GitHub rate limit still reached after waiting for the reset;"
                        " try again later"
                    )
                if wait > self.max_wait:
                    raise SourceError(
                        f"{what}: GitHub rate limit reached; it resets at {_reset_text(wait)}"
                        " (wait, or set GITHUB_TOKEN for a higher limit)"
                    )
                log.warning("GitHub rate limit reached; waiting %.0f s for the reset", wait)
                self.sleep(wait)
                continue
            if resp.status_code in (500, 502, 503, 504) and attempt == 0:
                # Large comparisons sometimes time out once on GitHub's side; one retry only.
                log.warning("%s: GitHub answered %d; retrying once", what, resp.status_code)
                self.sleep(2.0)
                continue
            raise self._error(resp, what)
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _store(self, path: Path, data: dict[str, Any]) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot be written only costs requests
            log.debug("ETag cache not written: %s", exc)

    @staticmethod
    def _rate_limit_wait(resp: httpx.Response) -> float | None:
        """Seconds until the limit resets when ``resp`` is a rate-limit refusal, else None."""
        if resp.status_code not in (403, 429):
            return None
        retry_after = resp.headers.get("retry-after")
        if retry_after and retry_after.isdigit():
            return float(retry_after)
        if resp.headers.get("x-ratelimit-remaining") == "0":
            reset = resp.headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                return max(0.0, int(reset) - time.time()) + 1.0
            return 60.0
        return None

    @staticmethod
    def _error(resp: httpx.Response, what: str) -> Exception:
        try:
            message = str(resp.json().get("message", "")).strip()
        except (ValueError, AttributeError):
            message = ""
        said = f" ({resp.status_code} {message})" if message else f" ({resp.status_code})"
        if resp.status_code == 401:
            return InputError(
                f"{what}: GitHub refused the token{said}; set GITHUB_TOKEN to a valid token"
            )
        if resp.status_code == 403:
            return InputError(
                f"{what}: GitHub forbids this{said}; check the token can read the repository"
            )
        if resp.status_code == 404:
            return InputError(
                f"{what}: not found on GitHub{said}; check OWNER/REPO and the revisions"
                " (a private repository needs GITHUB_TOKEN)"
            )
        if resp.status_code == 422:
            return InputError(f"{what}: GitHub cannot resolve this{said}; check the revisions")
        return SourceError(f"{what}: GitHub answered{said}; try again later")

    def pages(self, url: str, *, what: str) -> Iterator[Any]:
        """Each page's body, following ``Link: rel="next"``."""
        nxt: str | None = url
        while nxt:
            body, nxt = self.get(nxt, what=what)
            yield body


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # an unreadable port matches nothing
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def _reset_text(wait: float) -> str:
    at = datetime.fromtimestamp(time.time() + wait, tz=timezone.utc)
    return f"{at:%H:%M:%S} UTC (in {int(wait // 60)} min {int(wait % 60)} s)"


@dataclass(frozen=True)
class GitHubCommit:
    """What the daily job needs of a commit: its sha, committer time, first parent."""

    sha: str
    ts: int
    parent: str | None
    author: str = ""
    subject: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> GitHubCommit:
        """From a REST commit object."""
        info = data.get("commit", {})
        when = (info.get("committer") or {}).get("date") or (info.get("author") or {}).get("date")
        parents = data.get("parents") or []
        ts = int(datetime.fromisoformat(str(when).replace("Z", "+00:00")).timestamp())
        return cls(
            sha=data["sha"],
            ts=ts,
            parent=parents[0]["sha"] if parents else None,
            author=str((info.get("author") or {}).get("name", "")),
            subject=str(info.get("message", "")).split("\n", 1)[0],
        )

    def as_commit(self) -> Commit:
        """As the model's :class:`Commit`."""
        when = datetime.fromtimestamp(self.ts, tz=timezone.utc).isoformat()
        return Commit(sha=self.sha, date=when, author=self.author, subject=self.subject)


class GitHubRepo:
    """One repository through the REST API."""

    def __init__(self, owner_repo: str, client: GitHubClient) -> None:
        if not is_owner_repo(owner_repo):
            raise InputError(f"{owner_repo}: expected OWNER/REPO")
        self.owner_repo = owner_repo
        self.client = client

    def commit(self, rev: str) -> GitHubCommit:
        """The commit ``rev`` names; :class:`InputError` naming it when unknown."""
        path = f"/repos/{self.owner_repo}/commits/{_quote(rev)}"
        body, _ = self.client.get(path, what=f"{self.owner_repo} {rev}")
        return GitHubCommit.from_api(body)

    def compare(self, base: str, head: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The first compare page (with the files) and every commit across pages."""
        url = f"/repos/{self.owner_repo}/compare/{_quote(base)}...{_quote(head)}?per_page=100"
        first: dict[str, Any] | None = None
        commits: list[dict[str, Any]] = []
        for page in self.client.pages(url, what=f"{self.owner_repo} {base[:12]}...{head[:12]}"):
            if first is None:
                first = page
            commits.extend(page.get("commits") or [])
        assert first is not None
        return first, commits

    def first_parents(self, head: str, stop: Callable[[GitHubCommit], bool]) -> list[GitHubCommit]:
        """First-parent commits from ``head`` down, newest first, ending before ``stop`` holds."""
        known: dict[str, GitHubCommit] = {}
        pages = self.client.pages(
            f"/repos/{self.owner_repo}/commits?sha={head}&per_page=100",
            what=f"{self.owner_repo} history of {head[:12]}",
        )
        chain: list[GitHubCommit] = []
        cur: str | None = head
        while cur is not None:
            while cur not in known:
                page = next(pages, None)
                if page is None:
                    raise SourceError(
                        f"{self.owner_repo}: commit {cur[:12]} is missing from the history list"
                    )
                for item in page:
                    c = GitHubCommit.from_api(item)
                    known[c.sha] = c
            c = known[cur]
            if stop(c):
                break
            chain.append(c)
            cur = c.parent
        return chain


def _quote(rev: str) -> str:
    from urllib.parse import quote

    return quote(rev, safe="")


def _file_change(data: dict[str, Any], max_patch_bytes: int) -> FileChange | None:
    status = _STATUS.get(str(data.get("status")))
    if status is None:  # "unchanged": listed but not changed
        return None
    patch = data.get("patch")
    notes: list[str] = []
    binary = patch is None and int(data.get("changes", 0)) == 0 and status is not FileStatus.RENAMED
    if patch is not None:
        patch, clipped = clip_patch(str(patch), max_patch_bytes)
        if clipped:
            notes.append("patch-clipped")
    return FileChange(
        path=data["filename"],
        old_path=data.get("previous_filename") if status is FileStatus.RENAMED else None,
        status=status,
        additions=0 if binary else int(data.get("additions", 0)),
        deletions=0 if binary else int(data.get("deletions", 0)),
        binary=binary,
        patch=None if binary else (patch or ""),
        notes=notes,
    )


def needs_local_diff(files: list[dict[str, Any]]) -> str | None:
    """Why the API's file list cannot be trusted whole, or None when it can."""
    if len(files) >= API_FILE_LIMIT:
        return f"the compare API listed {len(files)} files, its limit, so some may be cut"
    big = [f["filename"] for f in files if "patch" not in f and int(f.get("changes", 0)) > 0]
    if big:
        return f"the compare API left out the patch of {len(big)} large file(s), e.g. {big[0]}"
    return None


class GitHubSource:
    """A comparison on GitHub as a :class:`ChangeSet`."""

    def __init__(
        self,
        spec: CompareSpec,
        *,
        client: GitHubClient | None = None,
        cache_dir: Path | None = None,
        max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES,
    ) -> None:
        self.spec = spec
        self.client = client or GitHubClient(cache_dir=cache_dir)
        self.cache_dir = cache_dir
        self.max_patch_bytes = max_patch_bytes
        self.repo = GitHubRepo(spec.owner_repo, self.client)
        #: Which way the last :meth:`changeset` read the files: ``api`` or ``local``.
        self.path_taken: str | None = None

    def changeset(self) -> ChangeSet:
        """Read the comparison: the compare API, or a local diff when the API would cut it."""
        name = self.spec.owner_repo
        base_sha = self.repo.commit(self.spec.base).sha
        head_sha = self.repo.commit(self.spec.head).sha
        first, raw_commits = self.repo.compare(base_sha, head_sha)
        merge_base = (first.get("merge_base_commit") or {}).get("sha") or base_sha
        notes: list[str] = []
        if first.get("status") == "diverged":
            log.info(
                "%s: %s is not an ancestor of %s; reporting from their merge base %s",
                name,
                self.spec.base,
                self.spec.head,
                merge_base[:7],
            )
            notes.append(f"diverged: compared from the merge base {merge_base[:7]}")
        commits = [GitHubCommit.from_api(c).as_commit() for c in raw_commits]
        if merge_base == head_sha or first.get("status") in ("identical", "behind"):
            self.path_taken = "api"
            return ChangeSet(repo=name, base=merge_base, head=head_sha, source_notes=notes)
        api_files = list(first.get("files") or [])
        reason = needs_local_diff(api_files)
        if reason is None:
            self.path_taken = "api"
            log.info("%s: %d file(s) read through the compare API", name, len(api_files))
            files = [fc for fc in (_file_change(f, self.max_patch_bytes) for f in api_files) if fc]
            notes.append("github: compare API")
        else:
            self.path_taken = "local"
            log.info("%s: %s; diffing locally after a shallow fetch", name, reason)
            files = self._local_files(merge_base, head_sha)
            log.info("%s: %d file(s) read from the local diff", name, len(files))
            notes.append(f"github: local diff ({reason})")
        return ChangeSet(
            repo=name,
            base=merge_base,
            head=head_sha,
            permalink=github_permalink(name, merge_base, head_sha),
            commits=commits,
            files=files,
            source_notes=notes,
        )

    def _local_files(self, base: str, head: str) -> list[FileChange]:
        url = clone_url(self.spec.owner_repo)
        repo = fetch_commits(url, [base, head], token=self.client.token, root=self.cache_dir)
        prefetch_blobs(repo, base, head, clone_url=url, token=self.client.token)
        local = GitSource(repo, f"{base}..{head}", max_patch_bytes=self.max_patch_bytes)
        return local.changeset().files
