"""The daily job: for each watched repository, one report per day, category and language.

Work is split into days (commit dates in the configured time zone, on the branch's
first-parent history): ``run`` takes the days that have commits after the last processed one
(each day's report always covers that whole day, so a second run on the same day completes
it), ``backfill`` takes every day of a date range. Each day is written atomically, then
recorded in the state; the repository's last processed commit advances only once all its days
are written. A run killed anywhere and started again writes the same files, no duplicates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diffinsight import __version__
from diffinsight.config import Config
from diffinsight.errors import ConfigError, DiffInsightError, InputError, SourceError
from diffinsight.i18n import catalog
from diffinsight.pipeline import build_reports, check_template
from diffinsight.publish import output_path, safe_component, write_all
from diffinsight.render import Renderer, get_renderer
from diffinsight.sources.base import Source
from diffinsight.sources.git import DateWindow, Git, GitSource
from diffinsight.sources.github import CompareSpec, GitHubClient, GitHubRepo, GitHubSource
from diffinsight.state import ReportRow, State, sha256_text
from diffinsight.watchlist import WatchConfig, WatchedRepo
from diffinsight.writers.base import Writer
from diffinsight.writers.offline import OfflineWriter

if TYPE_CHECKING:
    from diffinsight.notify.deliver import NotifyResult

log = logging.getLogger(__name__)

#: Test hook: ``after-write:N`` / ``after-record:N`` makes the process SIGKILL itself the Nth
#: time it reaches that point, to prove a killed run resumes cleanly.
CRASH_ENV = "DIFFINSIGHT_CRASH_AT"
_crash_counts: dict[str, int] = {}


def _crash_point(name: str) -> None:
    spec = os.environ.get(CRASH_ENV, "")
    if not spec.startswith(name + ":"):
        return
    _crash_counts[name] = _crash_counts.get(name, 0) + 1
    if _crash_counts[name] == int(spec.split(":", 1)[1]):
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class ChainCommit:
    """A commit of the first-parent history: sha, committer time, first parent."""

    sha: str
    ts: int
    parent: str | None


class History(Protocol):
    """What the daily job reads of a repository's branch."""

    def head(self) -> str:
        """The branch's current commit."""
        ...

    def commit(self, sha: str) -> ChainCommit:
        """One commit; :class:`InputError` when it does not exist."""
        ...

    def is_ancestor(self, a: str, b: str) -> bool:
        """Whether ``a`` is ``b`` or one of its ancestors."""
        ...

    def first_parents(self, head: str, stop: Callable[[ChainCommit], bool]) -> list[ChainCommit]:
        """First-parent commits from ``head``, newest first, ending before ``stop`` holds."""
        ...

    def source(self, base: str | None, head: str, day: date, tz: str) -> Source:
        """The source for one day: ``base..head`` (``base`` None: from the root)."""
        ...


class LocalHistory:
    """A branch of a local repository."""

    def __init__(self, path: str, branch: str) -> None:
        self.path = path
        self.git = Git(path)
        self.branch = branch

    def head(self) -> str:
        return self.git.resolve(self.branch)

    def commit(self, sha: str) -> ChainCommit:
        out = self.git.resolve(sha)
        ts, *parents = self.git.run("log", "-1", "--format=%ct %P", out).decode().split()
        return ChainCommit(out, int(ts), parents[0] if parents else None)

    def is_ancestor(self, a: str, b: str) -> bool:
        try:
            self.git.run("merge-base", "--is-ancestor", a, b)
        except SourceError:
            return False
        return True

    def first_parents(self, head: str, stop: Callable[[ChainCommit], bool]) -> list[ChainCommit]:
        out = self.git.run("log", "--first-parent", "--format=%H %ct %P", head).decode()
        chain = []
        for line in out.splitlines():
            sha, ts, *parents = line.split()
            c = ChainCommit(sha, int(ts), parents[0] if parents else None)
            if stop(c):
                break
            chain.append(c)
        return chain

    def source(self, base: str | None, head: str, day: date, tz: str) -> Source:
        if base is None:  # the root commit's day: the window reads it against the empty tree
            return GitSource(self.path, window=DateWindow(day, day, tz), branch=head)
        return GitSource(self.path, f"{base}..{head}")


class GitHubHistory:
    """A branch of a GitHub repository, through the REST API."""

    def __init__(self, owner_repo: str, branch: str, client: GitHubClient) -> None:
        self.repo = GitHubRepo(owner_repo, client)
        self.branch = branch
        self.client = client

    def head(self) -> str:
        return self.repo.commit(self.branch).sha

    def commit(self, sha: str) -> ChainCommit:
        c = self.repo.commit(sha)
        return ChainCommit(c.sha, c.ts, c.parent)

    def is_ancestor(self, a: str, b: str) -> bool:
        first, _ = self.repo.compare(a, b)
        return first.get("status") in ("ahead", "identical")

    def first_parents(self, head: str, stop: Callable[[ChainCommit], bool]) -> list[ChainCommit]:
        chain = self.repo.first_parents(head, lambda c: stop(ChainCommit(c.sha, c.ts, c.parent)))
        return [ChainCommit(c.sha, c.ts, c.parent) for c in chain]

    def source(self, base: str | None, head: str, day: date, tz: str) -> Source:
        if base is None:
            raise SourceError(
                f"{self.repo.owner_repo}: {day} holds the root commit, which the compare API"
                " cannot diff; report that day from a local clone (path: in the watch list)"
            )
        return GitHubSource(CompareSpec(self.repo.owner_repo, base, head), client=self.client)


@dataclass(frozen=True)
class DayUnit:
    """One day of one repository: the range ``base..head`` of its first-parent commits."""

    day: date
    base: str | None
    head: str
    commits: int


@dataclass
class RepoOutcome:
    """What a run did for one repository."""

    name: str
    branch: str
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    skipped_days: list[date] = field(default_factory=list)
    empty_days: list[date] = field(default_factory=list)
    cursor_from: str | None = None
    cursor_to: str | None = None
    error: DiffInsightError | None = None


@dataclass
class RunSummary:
    """What a run did, repository by repository."""

    repos: list[RepoOutcome] = field(default_factory=list)
    index: Path | None = None
    state: Path | None = None
    #: What the notify stage did (None when the watch list has no ``notify:`` targets).
    notify: NotifyResult | None = None

    @property
    def ok(self) -> bool:
        """Whether every repository was processed."""
        return all(r.error is None for r in self.repos)

    @property
    def written(self) -> list[Path]:
        """Every report file written (created or changed) by this run."""
        return [p for r in self.repos for p in r.written]


def parse_backfill(text: str) -> tuple[date, date]:
    """``2025-05-01..2025-05-31`` (or one day) as inclusive dates."""
    first, _, last = text.partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if last else start
    except ValueError:
        raise InputError(
            f"--backfill {text}: expected FIRST..LAST dates, such as 2025-05-01..2025-05-31"
        ) from None
    if end < start:
        raise InputError(f"--backfill {text}: the last day is before the first; swap them")
    return start, end


def _zone(tz: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: timezone {tz!r} is unknown; use an IANA name such as UTC or Asia/Tokyo"
        ) from None


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[int, int]:
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return int(start.timestamp()), int(end.timestamp())


def _day_of(ts: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(ts, zone).date()


def plan_days(chain: list[ChainCommit], days: list[date], zone: ZoneInfo) -> dict[date, DayUnit]:
    """For each day, its first-parent range in ``chain``; days without commits are left out."""
    units = {}
    for day in days:
        start, end = _day_bounds(day, zone)
        idx = [i for i, c in enumerate(chain) if start <= c.ts < end]
        if idx:
            oldest = chain[max(idx)]
            units[day] = DayUnit(day, oldest.parent, chain[min(idx)].sha, len(idx))
    return units


def _settings_hash(cfg: Config, fmt: str, writer: Writer, template: str) -> str:
    data = {
        "version": __version__,
        "config": cfg.model_dump(mode="json"),
        "format": fmt,
        "writer": writer.name,
        "template": template,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _history(repo: WatchedRepo, client: GitHubClient | None) -> History:
    if repo.github:
        return GitHubHistory(repo.github, repo.branch, client or GitHubClient())
    assert repo.path is not None
    return LocalHistory(repo.path, repo.branch)


def default_state_path(config: WatchConfig, output_dir: Path) -> Path:
    """Where the state lives: the config's ``state``, else inside the output folder."""
    return Path(config.state) if config.state else output_dir / ".diffinsight" / "state.sqlite"


def run_watchlist(
    config: WatchConfig,
    *,
    backfill: tuple[date, date] | None = None,
    from_rev: str | None = None,
    only: list[str] | None = None,
    output_dir: Path | None = None,
    state_path: Path | None = None,
    writer: Writer | None = None,
    client: GitHubClient | None = None,
    writers: Mapping[str, Writer] | None = None,
    notify: bool = True,
    notify_options: dict[str, Any] | None = None,
) -> RunSummary:
    """Process every watched repository (or those named in ``only``); see the module doc.

    ``writers`` gives a repository (by name) its own writer, e.g. from its own ``llm:``;
    the others use ``writer``. Then, when the watch list has ``notify:`` targets (and
    ``notify``), send them what they have not had yet; ``notify_options`` go to
    :func:`diffinsight.notify.deliver.notify`.
    """
    out = Path(output_dir or config.output_dir).resolve()
    repos = config.repositories
    if only:
        names = {r.display: r for r in repos}
        missing = [n for n in only if n not in names]
        if missing:
            raise InputError(
                f"--repo {missing[0]}: not in the watch list; choose from {', '.join(names)}"
            )
        repos = [names[n] for n in only]
    if from_rev and len(repos) != 1:
        raise InputError("--from: name the one repository it applies to with --repo")
    if from_rev and backfill:
        raise InputError("--from and --backfill: choose one")
    templates: dict[str, str] = {}
    for r in config.repositories:  # fail on bad settings before any work
        rc = config.repo_config(r)
        for lang in rc.languages:
            catalog(lang)
        _zone(rc.timezone or "UTC", r.display)
        check_template(rc.output or "", rc.languages, len(rc.categories) > 0)
        t = _template(r, rc)
        if t in templates:
            raise ConfigError(
                f"output {rc.output}: repositories {templates[t]} and {r.display} would write"
                " the same files; add {repo} to the template"
            )
        templates[t] = r.display
    state_file = state_path or default_state_path(config, out)
    summary = RunSummary(state=state_file)
    renderer = get_renderer(config.format)
    writer = writer or OfflineWriter()
    new_folders = _missing_folders(state_file.parent)
    new_state = not state_file.exists()
    with State(state_file) as state:
        for r in repos:
            outcome = RepoOutcome(name=r.display, branch=r.branch)
            summary.repos.append(outcome)
            try:
                own = (writers or {}).get(r.display, writer)
                _run_repo(r, config, state, out, renderer, own, client, backfill, from_rev, outcome)
            except DiffInsightError as exc:
                log.error("%s: %s", r.display, exc)
                outcome.error = exc
            index = out / config.index if config.index else None
            # After each repository, so a later failure keeps it current; never created by a
            # repository that failed.
            if index is not None and (outcome.error is None or index.exists()):
                summary.index = index
                _write_index(state, index)
        if notify and config.notify:  # after publishing: only what is written is announced
            from diffinsight.notify.deliver import notify as send_notifications

            days = [d for r in summary.repos for d in r.days]
            summary.notify = send_notifications(
                config, state, out, first_day=min(days, default=None), **(notify_options or {})
            )
    if new_state and all(r.error is not None for r in summary.repos):
        _remove_new_state(state_file, new_folders)
    return summary


def _missing_folders(folder: Path) -> list[Path]:
    """The folders of ``folder``'s path that do not exist yet, innermost first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_new_state(state_file: Path, folders: list[Path]) -> None:
    """Undo a state file (and its folders) made by a run in which every repository failed."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{state_file}{suffix}").unlink(missing_ok=True)
    for folder in folders:
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()


def _run_repo(
    repo: WatchedRepo,
    config: WatchConfig,
    state: State,
    out: Path,
    renderer: Renderer,
    writer: Writer,
    client: GitHubClient | None,
    backfill: tuple[date, date] | None,
    from_rev: str | None,
    outcome: RepoOutcome,
) -> None:
    rc = config.repo_config(repo)
    zone = _zone(rc.timezone or "UTC", repo.display)
    history = _history(repo, client)
    head = history.head()
    if backfill:
        first, last = backfill
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    else:
        cursor = from_rev or state.cursor(repo.key, repo.branch)
        outcome.cursor_from = cursor
        days = _days_since(history, repo, head, cursor, zone, bool(from_rev))
        if not days:
            log.info("%s %s: nothing new since %s", repo.display, repo.branch, head[:7])
            if from_rev is None:
                state.set_cursor(repo.key, repo.branch, head)
            outcome.cursor_to = head
            return
    start, _ = _day_bounds(min(days), zone)
    chain = history.first_parents(head, lambda c: c.ts < start)
    units = plan_days(chain, days, zone)
    outcome.empty_days = [d for d in days if d not in units]
    if outcome.empty_days:
        log.info(
            "%s %s: %d of %d day(s) have no commits, so no reports",
            repo.display,
            repo.branch,
            len(outcome.empty_days),
            len(days),
        )
        log.debug("days without commits: %s", ", ".join(map(str, outcome.empty_days)))
    template = str(out / _template(repo, rc))
    targets = {output_path(template, d, "x", "x") for d in units}
    if len(targets) < len(units):
        raise InputError(
            f"output {rc.output}: several days map to the same file; add %Y%m%d to the template"
        )
    # Relative, so that the same output folder checked out elsewhere is still "done".
    settings = _settings_hash(rc, config.format, writer, f"{repo.display}\n{rc.output}")
    for unit in units.values():
        _run_day(repo, rc, unit, history, state, out, template, renderer, writer, settings, outcome)
    if not backfill:
        state.set_cursor(repo.key, repo.branch, head)
        outcome.cursor_to = head


def _template(repo: WatchedRepo, rc: Config) -> str:
    """The repository's output template, ``{repo}`` filled in (relative to the output folder)."""
    return (rc.output or "").replace("{repo}", safe_component(repo.display))


def _days_since(
    history: History,
    repo: WatchedRepo,
    head: str,
    cursor: str | None,
    zone: ZoneInfo,
    explicit: bool,
) -> list[date]:
    """The days with first-parent commits after ``cursor`` (none yet: the head's day)."""
    what = "--from" if explicit else "the last processed commit"
    if cursor is None:
        return [_day_of(history.commit(head).ts, zone)]
    try:
        since = history.commit(cursor)
    except InputError:
        fix = "" if explicit else "; the branch was probably force-pushed: rerun with --from REV"
        raise InputError(
            f"{repo.display} {repo.branch}: {what} {cursor[:12]} no longer exists{fix}"
        ) from None
    if not history.is_ancestor(since.sha, head):
        fix = "" if explicit else " (force-push?); rerun with --from REV"
        raise InputError(
            f"{repo.display} {repo.branch}: {what} {cursor[:12]} is not an ancestor of"
            f" {head[:7]}{fix}"
        )
    if since.sha == head:
        return []
    week = 7 * 86400  # guards the walk should the cursor sit off the first-parent line
    new = history.first_parents(head, lambda c: c.sha == since.sha or c.ts < since.ts - week)
    return sorted({_day_of(c.ts, zone) for c in new})


def _run_day(
    repo: WatchedRepo,
    rc: Config,
    unit: DayUnit,
    history: History,
    state: State,
    out: Path,
    template: str,
    renderer: Renderer,
    writer: Writer,
    settings: str,
    outcome: RepoOutcome,
) -> None:
    day = unit.day.isoformat()
    outcome.days.append(unit.day)
    done = state.unit_reports(repo.key, repo.branch, day, unit.base, unit.head, settings)
    if done is not None and all(_intact(out / r.path, r.sha256) for r in done):
        log.info("%s %s: %s already reported", repo.display, repo.branch, day)
        outcome.skipped_days.append(unit.day)
        return
    tz = rc.timezone or "UTC"
    cs = history.source(unit.base, unit.head, unit.day, tz).changeset()
    if repo.name:
        cs = cs.model_copy(update={"repo": repo.name})
    reports = (
        build_reports(cs, config=rc, languages=rc.languages, day=unit.day, writer=writer)
        if cs.files
        else []
    )
    files: list[tuple[Path, str]] = []
    rows: list[ReportRow] = []
    for rep in reports:
        text = renderer.render(rep)
        path = output_path(template, rep.date, rep.language, rep.category, suffix=renderer.suffix)
        if path in {p for p, _ in files}:
            raise InputError(
                f"output {rc.output}: two reports of {day} map to {path}; add {{lang}} and {{category}}"
            )
        files.append((path, text))
        usage = rep.model_dump(mode="json").get("usage")
        rows.append(
            ReportRow(
                path=path.relative_to(out).as_posix(),
                repo=repo.key,
                repo_name=repo.display,
                branch=repo.branch,
                day=day,
                base=unit.base,
                head=unit.head,
                category=rep.category,
                language=rep.language,
                title=rep.title,
                permalink=rep.permalink,
                summary=rep.summary,
                sha256=sha256_text(text),
                usage=usage if isinstance(usage, dict) else None,
            )
        )
    changed = [(p, t) for p, t in files if not _intact(p, sha256_text(t))]
    write_all(changed)
    outcome.written.extend(p for p, _ in changed)
    outcome.unchanged.extend(p for p, t in files if (p, t) not in changed)
    _crash_point("after-write")
    keep = {r.path for r in rows}
    for rel in state.day_paths(repo.key, repo.branch, day):
        if rel not in keep:  # a report this day no longer has (its changes were undone)
            (out / rel).unlink(missing_ok=True)
            outcome.removed.append(out / rel)
    state.record_unit(repo.key, repo.branch, day, unit.base, unit.head, settings, rows)
    _crash_point("after-record")
    log.info(
        "%s %s: %s, %d commit(s), %d report(s)",
        repo.display,
        repo.branch,
        day,
        unit.commits,
        len(files),
    )


def _intact(path: Path, digest: str) -> bool:
    try:
        return sha256_text(path.read_text(encoding="utf-8")) == digest
    except (OSError, UnicodeDecodeError):
        return False


def _write_index(state: State, path: Path) -> None:
    """``index.json``: every report, newest day first, for the site and for bots."""
    entries = [r.index_entry() for r in state.reports()]
    text = json.dumps({"reports": entries}, ensure_ascii=False, indent=2) + "\n"
    if not _intact(path, sha256_text(text)):
        write_all([(path, text)])
