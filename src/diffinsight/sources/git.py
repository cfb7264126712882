"""Source: a local git repository and a range (``A...B``, ``A..B``, one commit, or a date window)."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diffinsight.errors import InputError, SourceError
from diffinsight.models import ChangeSet, Commit, FileChange, FileStatus
from diffinsight.sources.base import DEFAULT_MAX_PATCH_BYTES, decode_text
from diffinsight.sources.patch import parse_patch

__all__ = ["DateWindow", "Git", "GitSource", "resolve_range", "resolve_window"]

#: Whole documents above this size are not loaded for doc-aware analysis (the patch still is).
MAX_CONTENT_BYTES = 2_000_000

# Options that keep git from running anything a repository's own config or attributes name:
# untrusted repos must not get code execution through us.
_SAFE_CONFIG = (
    "-c",
    "core.quotepath=off",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "diff.external=",
    "-c",
    "color.ui=false",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "-c",
    "diff.relative=false",
)
_DIFF_FLAGS = ("--no-ext-diff", "--no-textconv", "-M", "--no-color", "--ignore-submodules=none")
# A remote URL: https://host[:port]/OWNER/REPO(.git), ssh://user@host/OWNER/REPO, user@host:OWNER/REPO.
_REMOTE_URL = re.compile(
    r"^(?:(?P<scheme>https?|ssh|git)://(?:[^@/]+@)?(?P<host>[^/:]+)(?::(?P<port>\d+))?/"
    r"|(?:[^@/:]+@)?(?P<scp_host>[^/:]+):)"
    r"(?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$"
)
GITHUB_WEB = "https://github.com"


def github_permalink(owner_repo: str, base: str, head: str, server: str = GITHUB_WEB) -> str:
    """The compare URL exactly as the reference reports spell it (7-character SHAs)."""
    owner = owner_repo.split("/", 1)[0]
    return f"{server.rstrip('/')}/{owner_repo}/compare/{owner}:{base[:7]}...{owner}:{head[:7]}"


def _gh_hosts(env: Mapping[str, str]) -> set[str]:
    """Hosts the GitHub CLI is logged in to (its ``hosts.yml``), GitHub Enterprise ones included."""
    folder = env.get("GH_CONFIG_DIR") or str(
        Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "gh"
    )
    try:
        text = (Path(folder) / "hosts.yml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    # Top-level keys are host names; no YAML parser needed for that.
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9.-]+):\s*$", text, re.M)}


def github_web_of_url(url: str, env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(web root, ``OWNER/REPO``) of a GitHub or GitHub Enterprise remote URL, else None.

    GitHub Enterprise hosts are recognised from ``GITHUB_SERVER_URL``, the GitHub CLI's logged-in
    hosts, ``*.ghe.com`` and host names with a ``github`` label (``github.example.com``).
    """
    env = os.environ if env is None else env
    m = _REMOTE_URL.match(url.strip())
    if not m:
        return None
    host = (m.group("host") or m.group("scp_host") or "").lower()
    server = (env.get("GITHUB_SERVER_URL") or "").rstrip("/")
    server_host = urlsplit(server).hostname if server else None
    labels = host.split(".")
    if host in ("github.com", "www.github.com"):
        web = GITHUB_WEB
    elif host == server_host:
        web = server
    elif host.endswith(".ghe.com") or "github" in labels[:-1] or host in _gh_hosts(env):
        port = m.group("port")
        keep_port = m.group("scheme") in ("http", "https") and port
        web = f"{'http' if m.group('scheme') == 'http' else 'https'}://{host}" + (
            f":{port}" if keep_port else ""
        )
    else:
        return None
    return web, f"{m.group('owner')}/{m.group('repo')}"


def github_repo_of_url(url: str) -> str | None:
    """``OWNER/REPO`` of a GitHub remote URL, else None."""
    found = github_web_of_url(url, env={})
    return found[1] if found and found[0] == GITHUB_WEB else None


@dataclass(frozen=True)
class DateWindow:
    """Commits whose committer date falls on ``since`` .. ``until`` (inclusive days) in ``tz``."""

    since: date
    until: date
    tz: str = "UTC"

    def bounds(self) -> tuple[int, int]:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(
                f"--tz {self.tz}: unknown time zone; use an IANA name such as UTC or Asia/Tokyo"
            ) from exc
        start = datetime.combine(self.since, time(0), zone)
        end = datetime.combine(self.until + timedelta(days=1), time(0), zone)
        return int(start.timestamp()), int(end.timestamp())


class Git:
    """A repository, queried with options that are safe on untrusted clones."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"{path}: no such file or folder; pass a git repository or a patch")
        try:
            out = self.run("rev-parse", "--absolute-git-dir", what=str(path)).strip()
        except SourceError as exc:
            raise InputError(
                f"{path}: not a git repository; pass a repository folder, a patch file or -"
            ) from exc
        self.git_dir = Path(out.decode())

    def _argv(self, args: tuple[str, ...]) -> list[str]:
        return ["git", *_SAFE_CONFIG, "-C", str(self.path), *args]

    @staticmethod
    def _env() -> dict[str, str]:
        env = dict(os.environ)
        env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_PAGER="cat")
        env.pop("GIT_EXTERNAL_DIFF", None)
        return env

    def _failed(
        self, args: tuple[str, ...], what: str | None, code: int, err: bytes
    ) -> SourceError:
        msg = err.decode("utf-8", "replace").strip().splitlines()
        detail = msg[-1] if msg else f"exit {code}"
        return SourceError(f"{what or self.path}: git {args[0]} failed: {detail}")

    def run(self, *args: str, what: str | None = None, input: bytes | None = None) -> bytes:
        """Run git and return stdout; a failure becomes a one-line :class:`SourceError`."""
        try:
            proc = subprocess.run(
                self._argv(args), input=input, capture_output=True, env=self._env(), check=False
            )
        except FileNotFoundError as exc:
            raise SourceError("git: not found on PATH; install git") from exc
        if proc.returncode != 0:
            raise self._failed(args, what, proc.returncode, proc.stderr)
        return proc.stdout

    def blobs(self, shas: list[str]) -> Iterator[tuple[str, bytes]]:
        """(sha, contents) of each blob, streamed from one ``cat-file --batch``, one at a time.

        Never the whole output in memory at once: 50,000 documents would otherwise be held as
        one buffer of bytes beside their decoded text.
        """
        args = ("cat-file", "--batch")
        with tempfile.TemporaryFile() as err:
            try:
                proc = subprocess.Popen(
                    self._argv(args),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    env=self._env(),
                )
            except FileNotFoundError as exc:
                raise SourceError("git: not found on PATH; install git") from exc
            assert proc.stdin is not None and proc.stdout is not None
            stdin, out = proc.stdin, proc.stdout

            def feed() -> None:
                # From a thread: git blocks on a full stdout pipe while we would block on stdin.
                try:
                    stdin.write("".join(f"{s}\n" for s in shas).encode())
                    stdin.close()
                except (BrokenPipeError, ValueError):
                    pass

            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
            try:
                for _ in shas:
                    head = out.readline()
                    parts = head.split()
                    if len(parts) != 3:
                        break  # "<sha> missing", or git stopped: the caller sees no contents
                    body = out.read(int(parts[2]) + 1)[:-1]
                    yield parts[0].decode(), body
            finally:
                out.close()
                writer.join()
                code = proc.wait()
            if code != 0:
                err.seek(0)
                raise self._failed(args, None, code, err.read())

    def resolve(self, rev: str) -> str:
        """Full SHA of a commit-ish; :class:`InputError` naming it when unknown."""
        if rev.startswith("-"):
            raise InputError(f"{rev}: not a revision; revisions cannot start with '-'")
        try:
            return (
                self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", what=rev)
                .decode()
                .strip()
            )
        except SourceError as exc:
            raise InputError(
                f"{rev}: unknown revision in {self.path}; check the name (git log --oneline)"
            ) from exc

    def empty_tree(self) -> str:
        return self.run("hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()

    def first_parent(self, sha: str) -> str:
        out = self.run("rev-list", "--parents", "-n", "1", sha).decode().split()
        return out[1] if len(out) > 1 else self.empty_tree()

    def merge_base(self, a: str, b: str) -> str:
        try:
            return self.run("merge-base", a, b, what=f"{a}...{b}").decode().strip()
        except SourceError as exc:
            raise InputError(
                f"{a}...{b}: the two revisions share no history; use {a}..{b} to diff them directly"
            ) from exc

    def github_repo(self) -> str | None:
        """``OWNER/REPO`` when ``origin`` is on github.com."""
        found = self.github_remote("origin")
        return found[1] if found and found[0] == GITHUB_WEB else None

    def github_remote(self, remote: str = "origin") -> tuple[str, str] | None:
        """(web root, ``OWNER/REPO``) when ``remote`` is on GitHub or GitHub Enterprise."""
        try:
            url = self.run("config", "--get", f"remote.{remote}.url").decode()
        except SourceError:
            return None
        return github_web_of_url(url)


def resolve_range(git: Git, spec: str) -> tuple[str, str]:
    """``A...B`` (from their merge base), ``A..B``, or one commit ``C`` (``C^..C``) to SHAs."""
    if "..." in spec:
        a, b = spec.split("...", 1)
        base_rev, head = git.resolve(a or "HEAD"), git.resolve(b or "HEAD")
        return git.merge_base(base_rev, head), head
    if ".." in spec:
        a, b = spec.split("..", 1)
        return git.resolve(a or "HEAD"), git.resolve(b or "HEAD")
    head = git.resolve(spec)
    return git.first_parent(head), head


def resolve_window(git: Git, window: DateWindow, branch: str = "HEAD") -> tuple[str, str] | None:
    """The first-parent commits of ``branch`` in the window, as (parent of oldest, newest)."""
    tip = git.resolve(branch)
    start, end = window.bounds()
    out = git.run("log", "--first-parent", "--format=%H %ct", tip).decode().split("\n")
    chain = [(sha, int(ts)) for sha, ts in (ln.split() for ln in out if ln.strip())]
    idx = [i for i, (_, ts) in enumerate(chain) if start <= ts < end]
    if not idx:
        return None
    newest, oldest = chain[min(idx)][0], chain[max(idx)][0]
    return git.first_parent(oldest), newest


def _parse_raw_numstat(
    out: bytes,
) -> list[tuple[FileStatus, str | None, str, str, str, int | None, int | None, int | None]]:
    """Parse ``git diff --raw --numstat -z`` into (status, old, new, old_blob, new_blob, sim, a, d)."""
    parts = out.split(b"\0")
    raws: list[tuple[FileStatus, str | None, str, str, str, int | None]] = []
    i = 0
    while i < len(parts) and parts[i].startswith(b":"):
        meta = parts[i].decode().split()
        old_blob, new_blob, code = meta[2], meta[3], meta[4]
        letter = code[0]
        sim = int(code[1:]) if len(code) > 1 and code[1:].isdigit() else None
        if letter in "RC":
            old, new = (
                parts[i + 1].decode("utf-8", "replace"),
                parts[i + 2].decode("utf-8", "replace"),
            )
            i += 3
        else:
            old = new = parts[i + 1].decode("utf-8", "replace")
            i += 2
        if letter == "A" or letter == "C":
            raws.append((FileStatus.ADDED, None, new, old_blob, new_blob, None))
        elif letter == "D":
            raws.append((FileStatus.REMOVED, None, old, old_blob, new_blob, None))
        elif letter == "R":
            raws.append((FileStatus.RENAMED, old, new, old_blob, new_blob, sim))
        else:  # M, T (type change), U
            raws.append((FileStatus.MODIFIED, None, new, old_blob, new_blob, None))
    counts: list[tuple[int | None, int | None]] = []
    while i < len(parts):
        field = parts[i]
        if not field:
            i += 1
            continue
        a, d, rest = field.split(b"\t", 2)
        counts.append((None if a == b"-" else int(a), None if d == b"-" else int(d)))
        i += 3 if rest == b"" else 1  # a rename's paths follow as two more fields
    if len(counts) != len(raws):
        raise SourceError("git diff: --raw and --numstat disagree; please report this repository")
    return [(*r, *c) for r, c in zip(raws, counts, strict=True)]


class GitSource:
    """A range of a local repository as a :class:`ChangeSet`, with full old/new documents."""

    def __init__(
        self,
        path: Path | str,
        range_spec: str | None = None,
        *,
        window: DateWindow | None = None,
        branch: str = "HEAD",
        max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES,
        with_contents: bool = True,
        remote: str | None = None,
    ) -> None:
        if (range_spec is None) == (window is None):
            raise InputError("range: give either BASE...HEAD (or BASE..HEAD) or --since/--until")
        self.git = Git(path)
        #: The remote whose GitHub compare view the permalink points to (default ``origin``).
        self.remote = remote
        if remote is not None and remote.startswith("-"):
            raise InputError(f"--remote {remote}: not a remote name")
        self.range_spec = range_spec
        self.window = window
        self.branch = branch
        self.max_patch_bytes = max_patch_bytes
        self.with_contents = with_contents

    def _endpoints(self) -> tuple[str, str] | None:
        if self.range_spec is not None:
            return resolve_range(self.git, self.range_spec)
        assert self.window is not None
        return resolve_window(self.git, self.window, self.branch)

    def changeset(self) -> ChangeSet:
        """Read the comparison from git."""
        found = self.git.github_remote(self.remote or "origin")
        if found is None and self.remote is not None:
            raise InputError(
                f"--remote {self.remote}: no such remote on GitHub in {self.git.path};"
                " check 'git remote -v'"
            )
        web, gh = found if found else (GITHUB_WEB, None)
        name = gh or self.git.path.resolve().name
        ends = self._endpoints()
        if ends is None or ends[0] == ends[1]:
            return ChangeSet(
                repo=name, base=ends[0] if ends else None, head=ends[1] if ends else None
            )
        base, head = ends
        entries = _parse_raw_numstat(
            self.git.run(
                "diff", *_DIFF_FLAGS, "--raw", "--numstat", "-z", "--no-abbrev", base, head
            )
        )
        patch_out = self.git.run("diff", *_DIFF_FLAGS, "-p", base, head)
        sections = _split_sections(patch_out)
        files: list[FileChange] = []
        for n, (status, old, new, _old_blob, _new_blob, sim, adds, dels) in enumerate(entries):
            binary = adds is None
            parsed = (
                parse_patch(sections[n], name=new, max_patch_bytes=self.max_patch_bytes)
                if n < len(sections)
                else []
            )
            patch = None if binary else (parsed[0].patch if parsed else "")
            notes = [] if not parsed else [x for x in parsed[0].notes if x != "series"]
            files.append(
                FileChange(
                    path=new,
                    old_path=old,
                    status=status,
                    additions=adds or 0,
                    deletions=dels or 0,
                    binary=binary,
                    similarity=sim,
                    patch=patch,
                    notes=notes,
                )
            )
        if self.with_contents:
            self._load_contents(files, entries)
        commits = self._commits(base, head)
        return ChangeSet(
            repo=name,
            base=base,
            head=head,
            permalink=github_permalink(gh, base, head, web) if gh else None,
            commits=commits,
            files=files,
        )

    def _commits(self, base: str, head: str) -> list[Commit]:
        fmt = "%H%x1f%cI%x1f%an%x1f%s%x1e"
        rng = head if base == self.git.empty_tree() else f"{base}..{head}"
        out = self.git.run("log", f"--format={fmt}", rng).decode("utf-8", "replace")
        commits = []
        for rec in out.split("\x1e"):
            rec = rec.strip("\n")
            if rec:
                sha, when, author, subject = ([*rec.split("\x1f"), "", "", ""])[:4]
                commits.append(Commit(sha=sha, date=when, author=author, subject=subject))
        return commits

    def _load_contents(
        self,
        files: list[FileChange],
        entries: list[
            tuple[FileStatus, str | None, str, str, str, int | None, int | None, int | None]
        ],
    ) -> None:
        null = "0" * len(entries[0][3]) if entries else ""
        wanted: list[str] = []
        for f, e in zip(files, entries, strict=True):
            if not f.binary:
                wanted.extend(b for b in (e[3], e[4]) if b != null)
        if not wanted:
            return
        blobs = self._read_blobs(sorted(set(wanted)))
        for f, e in zip(files, entries, strict=True):
            if f.binary:
                continue
            f.old_text = blobs.get(e[3]) if f.status is not FileStatus.ADDED else None
            f.new_text = blobs.get(e[4]) if f.status is not FileStatus.REMOVED else None

    def _read_blobs(self, shas: list[str]) -> dict[str, str]:
        check = self.git.run("cat-file", "--batch-check", input="\n".join(shas).encode() + b"\n")
        small = []
        for line in check.decode().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == "blob" and int(parts[2]) <= MAX_CONTENT_BYTES:
                small.append(parts[0])
        if not small:
            return {}
        blobs: dict[str, str] = {}
        for sha, body in self.git.blobs(small):
            text, bad = decode_text(body)
            if not bad and "\x00" not in text:
                blobs[sha] = text
        return blobs


def _split_sections(out: bytes) -> list[bytes]:
    """Split ``git diff -p`` output into one chunk per file, in git's order."""
    if not out:
        return []
    chunks = out.split(b"\ndiff --git ")
    # Each section keeps the newline that ends its last line: the patch reader, like git,
    # takes a hunk line without one for a truncated patch.
    heads = [b"diff --git " + c for c in chunks[1:]]
    return [c + b"\n" for c in [chunks[0], *heads][:-1]] + [[chunks[0], *heads][-1]]
