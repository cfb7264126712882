"""The pipeline: source -> change set -> categories -> facts -> writer -> renderers -> files."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from diffinsight.analysis import analyze
from diffinsight.categories import categorize
from diffinsight.config import DEFAULT_OUTPUT, Config, zone_of
from diffinsight.errors import InputError
from diffinsight.i18n import catalog, normalize_language
from diffinsight.models import ChangeSet, Report
from diffinsight.publish import check_writable, output_path, plan_files, write_plan
from diffinsight.render import Renderer, get_renderer
from diffinsight.sources import Source
from diffinsight.writers.base import DEFAULT_TITLE_TEMPLATE, ReportRequest, Writer
from diffinsight.writers.offline import OfflineWriter

if TYPE_CHECKING:
    from diffinsight.writers.llm.estimate import CallEstimate

__all__ = [
    "LogProgress",
    "PlannedReport",
    "Progress",
    "RunPlan",
    "RunResult",
    "build_reports",
    "check_template",
    "plan_run",
    "report_date",
    "run",
]

log = logging.getLogger(__name__)

#: Called as work advances: (what, done, total).
Progress = Callable[[str, int, int], None]
#: Without a progress callback (no terminal: cron, CI), a log line this often on long runs.
PROGRESS_LOG_SECONDS = 10.0


class LogProgress:
    """A :data:`Progress` that logs files done, rate and time left every few seconds."""

    def __init__(self, every: float | None = None) -> None:
        self.every = PROGRESS_LOG_SECONDS if every is None else every
        self.start = time.monotonic()
        self.next = self.start + self.every

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now < self.next or done >= total:
            return
        self.next = now + self.every
        rate = done / max(now - self.start, 1e-9)
        log.info(
            "%s: %d/%d done, %.0f/s, about %.0f s left",
            what,
            done,
            total,
            rate,
            (total - done) / rate,
        )


#: Allocations between two young-generation collections while reports are built (Python's
#: default is 700). Analysis allocates millions of short-lived objects that reference counting
#: frees; at the default, the collector ran thousands of times and rescanned every live object
#: of a large change set on each full pass, about a tenth of the CPU of a run.
GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often for the block, as before afterwards."""
    old = gc.get_threshold()
    if old[0] == 0 or old[0] >= GC_THRESHOLD:  # collection disabled, or already rarer
        yield
        return
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


#: Files analysed between two hand-backs of freed document memory (see below).
TRIM_EVERY = 1000


def _return_freed_memory() -> None:
    """Hand the heap pages of freed documents back to the system (glibc only; else nothing).

    The documents were allocated before every fact and report; what is allocated after them
    (small objects, in Python's own arenas) cannot reuse their pages, so without this the
    peak holds both.
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass
class RunResult:
    """What a run produced."""

    changeset: ChangeSet
    reports: list[Report] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def report_date(changeset: ChangeSet, tz: str = "UTC", explicit: date | None = None) -> date:
    """The date a report is filed under: given, else the newest commit's date in ``tz``, else today."""
    if explicit is not None:
        return explicit
    zone = zone_of(tz)
    stamps = [datetime.fromisoformat(c.date) for c in changeset.commits if c.date]
    if stamps:
        return max(stamps).astimezone(zone).date()
    return datetime.now(zone).date()


def build_reports(
    changeset: ChangeSet,
    *,
    config: Config | None = None,
    languages: Sequence[str] = ("en_US",),
    day: date,
    writer: Writer | None = None,
    title_template: str | None = None,
    progress: Progress | None = None,
) -> list[Report]:
    """One report per category and language (categories in config order, then languages).

    When the writer does not read whole documents (``reads_contents = False``, as the offline
    one), each file's ``old_text`` and ``new_text`` are cleared once its facts are taken.
    """
    config = config or Config()
    languages = [normalize_language(lang) for lang in languages]
    for lang in languages:
        catalog(lang)  # fail fast on an unknown language, before any work
    writer = writer or OfflineWriter()
    groups = categorize(changeset, config)
    progress = progress or LogProgress()
    with _fewer_collections():
        return _build(groups, config, languages, day, writer, title_template, progress)


def _build(
    groups: dict[str, ChangeSet],
    config: Config,
    languages: list[str],
    day: date,
    writer: Writer,
    title_template: str | None,
    progress: Progress,
) -> list[Report]:
    total = sum(len(cs.files) for cs in groups.values())
    analyzed = {}
    done = 0
    # Whole documents are read only for facts; a writer that does not read them again lets
    # them go as soon as a file is analysed (at 50,000 files they are a third of the memory).
    release = getattr(writer, "reads_contents", True) is False
    freed = False  # whether documents were let go since the last hand-back
    for cs in groups.values():
        for f in cs.files:
            analyzed[id(f)] = analyze(f)
            if release and (f.old_text is not None or f.new_text is not None):
                f.old_text = f.new_text = None
                freed = True
            done += 1
            progress("analyse", done, total)
            if freed and done % TRIM_EVERY == 0:
                _return_freed_memory()
                freed = False
    if freed:
        # (Not after patch-only change sets: nothing large was let go, and a trim walks
        # the whole heap.)
        _return_freed_memory()
    reports: list[Report] = []
    for name, cs in groups.items():
        request = ReportRequest(
            changeset=cs,
            category=name,
            date=day,
            languages=list(languages),
            files=[analyzed[id(f)] for f in cs.files],
            title_template=title_template or config.title or DEFAULT_TITLE_TEMPLATE,
        )
        reports.extend(writer.write(request))
        progress("write", len(reports), len(groups) * len(languages))
    return reports


def check_template(template: str, languages: Sequence[str], many_categories: bool) -> None:
    """Refuse templates that would make two reports share one file."""
    if len(languages) > 1 and "{lang}" not in template:
        raise InputError(
            f"--output {template}: several languages need {{lang}} in the template, or one file would overwrite another"
        )
    if many_categories and "{category}" not in template:
        raise InputError(
            f"--output {template}: several categories need {{category}} in the template"
        )


def swapped(range_spec: str) -> str:
    """``B..A`` for ``A..B`` (and ``B...A`` for ``A...B``)."""
    sep = "..." if "..." in range_spec else ".."
    a, b = range_spec.split(sep, 1)
    return f"{b or 'HEAD'}{sep}{a or 'HEAD'}"


def range_warning(changeset: ChangeSet, range_spec: str | None) -> str | None:
    """A warning when the range looks reversed (head older than base), with the swapped range."""
    if not changeset.base or not changeset.head or changeset.commits:
        return None
    if changeset.files:
        # Changes but no commit from base to head: head is an ancestor of base.
        spec = range_spec or f"{changeset.base[:12]}..{changeset.head[:12]}"
        fix = swapped(spec) if ".." in spec else f"{changeset.head[:12]}..{changeset.base[:12]}"
        return (
            f"{spec}: no commits lead from base to head, so this report shows the changes"
            f" undone; if you meant the other direction, swap the range: {fix}"
        )
    if range_spec and ".." in range_spec:
        sep = "..." if "..." in range_spec else ".."
        a, b = range_spec.split(sep, 1)
        if a and b and a != b:
            return (
                f"{range_spec}: no commits lead from {a} to {b}; if {b} is the older one,"
                f" swap the range: {swapped(range_spec)}"
            )
    return None


def _read(
    source: Source,
    config: Config,
    languages: Sequence[str],
    tz: str,
    fmt: str,
    output: str | None,
    write: bool,
) -> tuple[list[str], Renderer, str, ChangeSet]:
    """Check every option, then read the source: (languages, renderer, template, change set)."""
    langs = [normalize_language(x) for x in languages or config.languages or ["en_US"]]
    langs = list(dict.fromkeys(langs))
    renderer = get_renderer(fmt)
    template = output or config.output or DEFAULT_OUTPUT
    check_template(template, langs, len(config.categories) > 0)
    # Fail on bad options before the (possibly slow) source is read.
    for lang in langs:
        catalog(lang)
    zone_of(tz)
    output_path(template, date(2000, 1, 1), langs[0], "x", suffix=renderer.suffix)
    if write:
        check_writable(template)
    changeset = source.changeset()
    log.info(
        "read %d changed file(s) from %s (%s..%s, %d commit(s))",
        len(changeset.files),
        changeset.repo or "patch",
        (changeset.base or "?")[:12],
        (changeset.head or "?")[:12],
        len(changeset.commits),
    )
    for note in changeset.source_notes:
        log.info("%s", note)
    warning = range_warning(changeset, getattr(source, "range_spec", None))
    if warning:
        log.warning("%s", warning)
    return langs, renderer, template, changeset


@dataclass
class PlannedReport:
    """One report a run would write."""

    category: str
    language: str
    path: Path
    files: int


@dataclass
class RunPlan:
    """What :func:`run` would do, without writing or calling a model (``report --dry-run``)."""

    changeset: ChangeSet
    day: date | None = None
    #: Category name -> the paths of its files, in config order.
    categories: dict[str, list[str]] = field(default_factory=dict)
    reports: list[PlannedReport] = field(default_factory=list)
    #: The model calls the LLM writer would make (None: the offline engine writes everything).
    llm: CallEstimate | None = None


def plan_run(
    source: Source,
    *,
    config: Config | None = None,
    languages: Sequence[str] = ("en_US",),
    day: date | None = None,
    tz: str = "UTC",
    fmt: str = "markdown",
    output: str | None = None,
    writer: Writer | None = None,
) -> RunPlan:
    """Read ``source`` and say which reports :func:`run` would write, and what the LLM would cost."""
    config = config or Config()
    langs, renderer, template, changeset = _read(
        source, config, languages, tz, fmt, output, write=False
    )
    plan = RunPlan(changeset=changeset)
    if not changeset.files:
        return plan
    plan.day = d = report_date(changeset, tz, day)
    groups = categorize(changeset, config)
    planner = getattr(writer, "planner", None)
    if planner is not None:
        from diffinsight.writers.llm.estimate import CallEstimate, estimate_request

        plan.llm = CallEstimate()
    for name, cs in groups.items():
        plan.categories[name] = [f.path for f in cs.files]
        for lang in langs:
            path = output_path(template, d, lang, name, suffix=renderer.suffix)
            plan.reports.append(PlannedReport(name, lang, path, len(cs.files)))
        if planner is not None and plan.llm is not None:
            request = ReportRequest(
                changeset=cs,
                category=name,
                date=d,
                languages=langs,
                files=[analyze(f) for f in cs.files],
            )
            plan.llm.add(estimate_request(planner, planner.settings, request))
    return plan


def run(
    source: Source,
    *,
    config: Config | None = None,
    languages: Sequence[str] = ("en_US",),
    day: date | None = None,
    tz: str = "UTC",
    fmt: str = "markdown",
    output: str | None = None,
    write: bool = True,
    writer: Writer | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Read ``source``, build every report and (unless ``write`` is false) write them all atomically."""
    config = config or Config()
    languages, renderer, template, changeset = _read(
        source, config, languages, tz, fmt, output, write
    )
    result = RunResult(changeset=changeset)
    if not changeset.files:
        return result
    d = report_date(changeset, tz, day)
    result.reports = build_reports(
        changeset, config=config, languages=languages, day=d, writer=writer, progress=progress
    )
    plan = plan_files(result.reports, renderer, template, where=f"--output {template}")
    result.paths, result.texts = plan.paths, plan.texts
    if write:
        write_plan(plan)
        log.info("wrote %d report(s)", len(result.paths))
    return result
