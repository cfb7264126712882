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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diffinsight import __version__
from diffinsight.config import Config
from diffinsight.errors import ConfigError, DiffInsightError, InputError
from diffinsight.i18n import catalog
from diffinsight.pipeline import build_reports, check_template
from diffinsight.publish import (
    Checkpoint,
    PlannedFile,
    files,
    output_path,
    plan_files,
    safe_component,
    write_all,
    write_plan,
)
from diffinsight.render import Renderer, get_renderer
from diffinsight.sources.history import ChainCommit, History, HistoryOpener, open_history
from diffinsight.state import ReportRow, State, sha256_text
from diffinsight.watchlist import WatchConfig, WatchedRepo
from diffinsight.writers.base import Writer
from diffinsight.writers.offline import OfflineWriter

if TYPE_CHECKING:
    from diffinsight.notify.deliver import NotifyResult

__all__ = [
    "DayUnit",
    "RepoOutcome",
    "RunSummary",
    "default_state_path",
    "parse_backfill",
    "plan_days",
    "run_watchlist",
]

log = logging.getLogger(__name__)


def _no_checkpoint(name: str) -> None:
    """A run that nobody watches point by point."""


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
    #: Days written offline because the model wanted for them was not reached.
    llm_missed: list[date] = field(default_factory=list)
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
        # The retry window changes no output: a new value must not redo every day.
        "config": cfg.model_dump(mode="json", exclude={"llm_retry_days"}),
        "format": fmt,
        "writer": writer.name,
        "template": template,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


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
    histories: Mapping[str, HistoryOpener] | None = None,
    writers: Mapping[str, Writer] | None = None,
    notify: bool = True,
    notify_options: dict[str, Any] | None = None,
    checkpoint: Checkpoint | None = None,
) -> RunSummary:
    """Process every watched repository (or those named in ``only``); see the module doc.

    ``writers`` gives a repository (by name) its own writer, e.g. from its own ``llm:``;
    the others use ``writer``. ``histories`` open a kind of source their own way (by kind, as
    in :data:`~diffinsight.sources.history.SOURCE_KINDS`: a GitHub client of your own). Then, when the watch list has ``notify:`` targets (and
    ``notify``), send them what they have not had yet; ``notify_options`` go to
    :func:`diffinsight.notify.deliver.notify`. ``checkpoint`` is told each point a day's
    work passes (``mid-write``, ``after-write``, ``after-record``): tests kill the run there.
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
        run = _Run(
            config,
            state,
            out,
            renderer,
            histories,
            backfill,
            from_rev,
            checkpoint or _no_checkpoint,
        )
        started = datetime.now().timestamp()
        for stale in files.remove_stale_temps(out, started):
            log.info("removed %s, left by an interrupted run", stale)
        for r in repos:
            outcome = RepoOutcome(name=r.display, branch=r.branch)
            summary.repos.append(outcome)
            try:
                _run_repo(run, r, (writers or {}).get(r.display, writer), outcome)
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


@dataclass(frozen=True)
class _Run:
    """What every repository of one run shares."""

    config: WatchConfig
    state: State
    out: Path
    renderer: Renderer
    histories: Mapping[str, HistoryOpener] | None
    backfill: tuple[date, date] | None
    from_rev: str | None
    checkpoint: Checkpoint


def _run_repo(run: _Run, repo: WatchedRepo, writer: Writer, outcome: RepoOutcome) -> None:
    config, state, out = run.config, run.state, run.out
    rc = config.repo_config(repo)
    zone = _zone(rc.timezone or "UTC", repo.display)
    history = open_history(repo.kind, repo.location, repo.branch, run.histories)
    head = history.head()
    if run.backfill:
        first, last = run.backfill
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    else:
        cursor = run.from_rev or state.cursor(repo.key, repo.branch)
        outcome.cursor_from = cursor
        days = _days_since(history, repo, head, cursor, zone, bool(run.from_rev))
        if not days:
            log.info("%s %s: nothing new since %s", repo.display, repo.branch, head[:7])
            if run.from_rev is None:
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
    job = _RepoJob(
        repo,
        rc,
        history,
        state,
        out,
        template,
        run.renderer,
        writer,
        settings,
        outcome,
        run.checkpoint,
    )
    for unit in units.values():
        _run_day(job, unit)
    if not run.backfill:
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


@dataclass(frozen=True)
class _RepoJob:
    """What every day of one repository's run shares."""

    repo: WatchedRepo
    rc: Config
    history: History
    state: State
    out: Path
    template: str
    renderer: Renderer
    writer: Writer
    settings: str
    outcome: RepoOutcome
    checkpoint: Checkpoint


def _run_day(job: _RepoJob, unit: DayUnit) -> None:
    repo, rc, state, out, outcome = job.repo, job.rc, job.state, job.out, job.outcome
    day = unit.day.isoformat()
    outcome.days.append(unit.day)
    done = state.unit_reports(repo.key, repo.branch, day, unit.base, unit.head, job.settings)
    if done is not None and all(_intact(out / r.path, r.sha256) for r in done):
        missed = _retry_reason(state, repo, day, job.writer, rc.llm_retry_days)
        if missed is None:
            log.info("%s %s: %s already reported", repo.display, repo.branch, day)
            outcome.skipped_days.append(unit.day)
            return
        log.info(
            "%s %s: %s was written without the model (%s); trying the model again",
            repo.display,
            repo.branch,
            day,
            missed,
        )
    tz = rc.timezone or "UTC"
    cs = job.history.source(unit.base, unit.head, unit.day, tz).changeset()
    if repo.name:
        cs = cs.model_copy(update={"repo": repo.name})
    reports = (
        build_reports(cs, config=rc, languages=rc.languages, day=unit.day, writer=job.writer)
        if cs.files
        else []
    )
    plan = plan_files(reports, job.renderer, job.template, where=f"output {rc.output}")
    rows = [_row(job, unit, f) for f in plan.files]
    wrote = write_plan(plan, only_changed=True, checkpoint=job.checkpoint)
    outcome.written.extend(wrote.written)
    outcome.unchanged.extend(wrote.unchanged)
    job.checkpoint("after-write")
    keep = {r.path for r in rows}
    for rel in state.day_paths(repo.key, repo.branch, day):
        if rel not in keep:  # a report this day no longer has (its changes were undone)
            (out / rel).unlink(missing_ok=True)
            outcome.removed.append(out / rel)
    engine = "llm" if reports and all(r.engine == "llm" for r in reports) else "offline"
    missed_now = next((n for r in reports for n in r.notes if n.startswith(LLM_UNREACHED)), None)
    if missed_now is not None:
        outcome.llm_missed.append(unit.day)
    state.record_unit(
        repo.key,
        repo.branch,
        day,
        unit.base,
        unit.head,
        job.settings,
        rows,
        engine=engine,
        llm_missed=missed_now,
    )
    job.checkpoint("after-record")
    log.info(
        "%s %s: %s, %d commit(s), %d report(s)",
        repo.display,
        repo.branch,
        day,
        unit.commits,
        len(plan.files),
    )


def _row(job: _RepoJob, unit: DayUnit, planned: PlannedFile) -> ReportRow:
    """The state's record of one planned report file."""
    rep = planned.report
    assert rep is not None
    usage = rep.model_dump(mode="json").get("usage")
    return ReportRow(
        path=planned.path.relative_to(job.out).as_posix(),
        repo=job.repo.key,
        repo_name=job.repo.display,
        branch=job.repo.branch,
        day=unit.day.isoformat(),
        base=unit.base,
        head=unit.head,
        category=rep.category,
        language=rep.language,
        title=rep.title,
        permalink=rep.permalink,
        summary=rep.summary,
        sha256=sha256_text(planned.text),
        usage=usage if isinstance(usage, dict) else None,
    )


#: How the LLM writer notes a report written offline because no model answered.
LLM_UNREACHED = "llm-unreached"


def _retry_reason(
    state: State, repo: WatchedRepo, day: str, writer: Writer, retry_days: int
) -> str | None:
    """Why a finished day should be written again with the model, or None to keep it.

    Only a day the model missed (unreachable, not refused by a guard), only with a model
    writer, and only for ``retry_days`` after the first miss: an outage never becomes
    permanent, and a model gone for good does not redo the day for ever.
    """
    if isinstance(writer, OfflineWriter):
        return None
    _engine, missed, since = state.unit_engine(repo.key, repo.branch, day)
    if missed is None or since is None:
        return None
    try:
        first = datetime.fromisoformat(since)
    except ValueError:
        return None
    if datetime.now(first.tzinfo) - first >= timedelta(days=retry_days):
        return None
    return missed


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
