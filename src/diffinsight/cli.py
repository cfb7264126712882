"""The command line: parse options, call one library function, print the result.

Commands import what they need when they run, so ``diffinsight --help`` stays fast. A new command
is one more ``@app.command()`` function (or a group added with ``app.add_typer``).
"""

from __future__ import annotations

import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from diffinsight.cliutil import (
    QuietOption,
    VerboseOption,
    err_console,
    error_line,
    fail,
    new_app,
    setup_logging,
)
from diffinsight.render import FORMATS
from diffinsight.site.cli import site_app

if TYPE_CHECKING:
    from diffinsight.pipeline import RunPlan, RunResult

app = new_app(
    "Grounded, multilingual Diff Insight Reports from git history.\n\n"
    "Exit codes: 0 done, 2 bad option, input or config, 3 a source (git, GitHub) failed,"
    " 4 an output file could not be written, 130 interrupted."
)
app.add_typer(site_app, name="site")
config_app = new_app("Check configuration files.", add_completion=False)
app.add_typer(config_app, name="config")

#: The languages with a catalogue, for help and completion (the catalogues load lazily;
#: a test checks this list against them).
LANGUAGE_CODES = ("en_US", "ja_JP", "zh_CN", "zh_TW", "ko_KR", "fr_FR", "de_DE", "es_ES")
LANGUAGES = ", ".join(LANGUAGE_CODES)


def _complete_language(incomplete: str) -> list[str]:
    key = incomplete.replace("-", "_").lower()
    return [c for c in LANGUAGE_CODES if c.lower().startswith(key)]


class Engine(str, Enum):
    auto = "auto"
    llm = "llm"
    offline = "offline"


if TYPE_CHECKING:

    class Format(str, Enum):
        """An output format name."""

else:
    #: The output formats: the names of the one registry, :data:`diffinsight.render.FORMATS`.
    Format = Enum("Format", {name: name for name in FORMATS}, type=str)
DEFAULT_FORMAT = Format("markdown")


# Options that several commands share, declared once.
EngineOption = Annotated[
    Engine,
    typer.Option(help="Writer engine: auto (LLM when a provider is configured), llm, offline."),
]
MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        metavar="USD",
        min=0,
        help="LLM spend limit in USD; files past it are written offline.",
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(metavar="N", min=1, help="Concurrent LLM calls (default 8, or llm.concurrency)."),
]
LangOption = Annotated[
    list[str] | None,
    typer.Option(
        "--lang",
        metavar="LANG",
        autocompletion=_complete_language,
        help=f"Report language, repeatable: {LANGUAGES} (zh-CN, zh_cn and ja work too).",
    ),
]


def _version(value: bool) -> None:
    if value:
        from diffinsight import __version__

        typer.echo(f"diffinsight {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", is_eager=True, callback=_version, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Options of every command."""


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from diffinsight.errors import InputError

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value}: not a date; use YYYY-MM-DD") from None


def _run_with_progress(**kwargs: object) -> RunResult:
    from diffinsight.pipeline import run

    console = err_console()
    if not console.is_terminal:
        return run(**kwargs)  # type: ignore[arg-type]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = int(bar.add_task(what, total=total))
            bar.update(tasks[what], completed=done, total=total)  # type: ignore[arg-type]

        return run(progress=progress, **kwargs)  # type: ignore[arg-type]


def _print_written(result: RunResult) -> None:
    for r, p in zip(result.reports, result.paths, strict=True):
        typer.echo(f"{p}\t{r.language}\t{r.category}\t{len(r.files)} files")


@app.command()
def report(
    source: Annotated[str, typer.Argument(metavar="SOURCE", hidden=True)],
    range_spec: Annotated[str | None, typer.Argument(metavar="RANGE", hidden=True)] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="First day of a date window."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Last day of a date window."),
    ] = None,
    branch: Annotated[
        str,
        typer.Option(
            metavar="BRANCH", help="Branch whose first-parent history a date window reads."
        ),
    ] = "HEAD",
    remote: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Remote on GitHub (or GitHub Enterprise) the View Diff link points to"
            " (default origin).",
        ),
    ] = None,
    lang: LangOption = None,
    config: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="YAML config (categories, languages, output...)."),
    ] = None,
    report_day: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="Date of the report (default: newest commit's)."
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="IANA time zone for dates (default UTC)."),
    ] = None,
    engine: EngineOption = Engine.auto,
    max_cost: MaxCostOption = None,
    concurrency: ConcurrencyOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = DEFAULT_FORMAT,
    output: Annotated[
        str | None,
        typer.Option(
            metavar="TEMPLATE", help="Path template: strftime codes plus {lang} and {category}."
        ),
    ] = None,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Print the reports instead of writing files.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="List the files, categories and reports, and the LLM calls and estimated cost;"
            " write nothing, call no model.",
        ),
    ] = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write Diff Insight Reports for a range of a repository or for a patch.

    SOURCE is a git repository folder, a patch file, - for standard input, OWNER/REPO or a
    GitHub compare URL. RANGE is BASE...HEAD (from their merge base), BASE..HEAD or one commit.
    """
    setup_logging(verbose, quiet)
    from diffinsight.config import load_config
    from diffinsight.errors import DiffInsightError, InputError
    from diffinsight.sources import DateWindow, open_source
    from diffinsight.writers.llm.engine import select_writer, unreached, unreached_message

    try:
        if stdout and output:
            raise InputError("--stdout and --output: choose one")
        cfg = load_config(config)
        zone = tz or cfg.timezone or "UTC"
        window = None
        if since or until:
            start, end = _parse_day(since, "--since"), _parse_day(until, "--until")
            if range_spec:
                raise InputError(f"{range_spec}: give either RANGE or --since/--until, not both")
            start = start or end
            end = end or start
            assert start is not None and end is not None
            if end < start:
                raise InputError(f"--until {until}: before --since {since}; swap them")
            window = DateWindow(start, end, zone)
        src = open_source(source, range_spec, window=window, branch=branch, remote=remote)
        if dry_run:  # a dry run opens no call cache either
            cfg = cfg.model_copy(update={"llm": {**cfg.llm, "cache": "off"}})
        writer = select_writer(cfg, engine.value, max_cost=max_cost, concurrency=concurrency)
        if dry_run:
            from diffinsight.pipeline import plan_run

            plan = plan_run(
                src,
                writer=writer,
                config=cfg,
                languages=lang or cfg.languages or ["en_US"],
                day=_parse_day(report_day, "--date"),
                tz=zone,
                fmt=fmt.value,
                output=output,
            )
            typer.echo("\n".join(_plan_lines(plan, writer, stdout)))
            return
        result = _run_with_progress(
            writer=writer,
            source=src,
            config=cfg,
            languages=lang or cfg.languages or ["en_US"],
            day=_parse_day(report_day, "--date"),
            tz=zone,
            fmt=fmt.value,
            output=output,
            write=not stdout,
        )
    except DiffInsightError as exc:
        fail(exc)
    if not result.reports:
        err_console().print("Nothing to report: the range holds no changed files.")
        return
    missed = unreached(result.reports)
    if stdout:
        if fmt.value == "json" and len(result.texts) > 1:
            # Several JSON documents would not parse as one: print them as one array.
            sys.stdout.write("[\n" + ",\n".join(t.rstrip("\n") for t in result.texts) + "\n]\n")
        else:
            sys.stdout.write("\n".join(result.texts))
    else:
        _print_written(result)
    if missed is not None:
        # The offline reports are written either way; a forced LLM run that reached no
        # model must not look like a success.
        if engine is Engine.llm:
            error_line(unreached_message(missed))
            raise typer.Exit(1)
        if not quiet:
            from rich.text import Text

            warning = unreached_message(missed, forced=False)
            err_console().print(Text.assemble(("warning: ", "yellow"), warning))


def _plan_lines(plan: RunPlan, writer: object, stdout: bool) -> list[str]:
    cs = plan.changeset
    lines = [
        f"source: {cs.repo or 'patch'} ({(cs.base or '?')[:12]}..{(cs.head or '?')[:12]},"
        f" {len(cs.commits)} commit(s), {len(cs.files)} changed file(s))"
    ]
    if not plan.reports:
        return [*lines, "nothing to report: the range holds no changed files"]
    by_path = {f.path: f for f in cs.files}
    for name, paths in plan.categories.items():
        lines.append(f"category {name}: {len(paths)} file(s)")
        for path in paths:
            f = by_path[path]
            lines.append(f"  {f.status.value:<8} +{f.additions} -{f.deletions}\t{path}")
    verb = "would print" if stdout else "would write"
    lines.append(f"{verb} {len(plan.reports)} report(s) dated {plan.day}:")
    lines += [
        f"  {'(stdout)' if stdout else r.path}\t{r.language}\t{r.category}\t{r.files} file(s)"
        for r in plan.reports
    ]
    est = plan.llm
    if est is None:
        lines.append("engine: offline (no model calls, no cost)")
        return lines
    model = getattr(writer, "model", "?")
    file_model = getattr(writer, "file_model", model)
    cost = "unknown (no price for the model; add llm.prices)"
    if est.cost_usd is not None:
        cost = f"about ${est.cost_usd:.4f} at most, before cache hits and repairs"
    lines += [
        f"engine: llm ({file_model} for files, {model} for reports)",
        f"  {est.calls} model calls; {est.files_to_model} files to the model,"
        f" {est.files_offline} written offline (binary, trivial or no text change)",
        f"  about {est.input_tokens:,} input tokens, up to {est.output_tokens:,} output tokens",
        f"  estimated cost: {cost}",
    ]
    return lines


@app.command()
def example(
    out: Annotated[Path, typer.Argument(metavar="OUT", hidden=True)] = Path("example-reports"),
    repo: Annotated[
        Path | None,
        typer.Option(
            metavar="FOLDER",
            help="Where to build the example repository (default: a temp folder).",
        ),
    ] = None,
    lang: LangOption = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Build the bundled example documentation repository and report on its history.

    The reports (Markdown and JSON, default languages en_US, ja_JP, zh_CN) go to OUT
    (default example-reports).
    """
    setup_logging(verbose, quiet)
    from diffinsight.errors import DiffInsightError
    from diffinsight.example import next_steps, run_example

    try:
        results = run_example(out, repo=repo, languages=lang or ["en_US", "ja_JP", "zh_CN"])
    except DiffInsightError as exc:
        fail(exc)
    for result in results:
        _print_written(result)
    if not quiet:
        err_console().print(next_steps(out, results))


@app.command("run")
def run_daily(
    config: Annotated[
        Path,
        typer.Option(
            metavar="FILE", help="Watch list (YAML): repositories, categories, languages, output."
        ),
    ] = Path("diffinsight-watch.yml"),
    backfill: Annotated[
        str | None,
        typer.Option(
            metavar="FIRST..LAST",
            help="Days to (re)write, YYYY-MM-DD..YYYY-MM-DD or one day.",
        ),
    ] = None,
    from_rev: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="COMMIT", help="Start after this commit instead of the recorded one."
        ),
    ] = None,
    repo: Annotated[
        list[str] | None,
        typer.Option("--repo", metavar="NAME", help="Only this repository (repeatable)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="FOLDER", help="Output folder (default: the watch list's output_dir)."
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="State file (default: OUT/.diffinsight/state.sqlite)."),
    ] = None,
    engine: EngineOption = Engine.auto,
    max_cost: MaxCostOption = None,
    concurrency: ConcurrencyOption = None,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify/--no-notify", help="Tell the watch list's notify: targets afterwards."
        ),
    ] = True,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Report every watched repository from its last processed commit (or --backfill days)."""
    setup_logging(verbose, quiet)
    from diffinsight.daily import parse_backfill, run_watchlist
    from diffinsight.errors import DiffInsightError, SourceError
    from diffinsight.watchlist import load_watchlist
    from diffinsight.writers.llm.engine import unreached_message, unreached_writer, writers_for

    try:
        watch = load_watchlist(config)
        writers = writers_for(watch, engine.value, max_cost=max_cost, concurrency=concurrency)
        summary = run_watchlist(
            watch,
            backfill=parse_backfill(backfill) if backfill else None,
            from_rev=from_rev,
            only=repo,
            output_dir=out,
            state_path=state,
            writers=writers,
            notify=notify,
        )
    except DiffInsightError as exc:
        fail(exc)
    for r in summary.repos:
        for p in r.written:
            typer.echo(f"{p}\t{r.name}\twritten")
        if r.error is None and not r.written and not quiet:
            err_console().print(f"{r.name}: nothing new to write")
    for t in summary.notify.targets if summary.notify and not quiet else []:
        if t.sent:  # a failed target was logged; it is retried by the next run
            err_console().print(f"notify {t.name}: {len(t.sent)} message(s) sent")
    failed = [r for r in summary.repos if r.error is not None]
    if failed:  # each failure was logged with its message as it happened
        error_line(
            f"{len(failed)} of {len(summary.repos)} repositories failed:"
            f" {', '.join(r.name for r in failed)}; their state is unchanged"
        )
        raise typer.Exit(max(r.error.exit_code for r in failed if r.error is not None))
    missed = [r.name for r in summary.repos if r.llm_missed]
    if missed:
        from diffinsight.models import Usage

        usage = unreached_writer(writers, missed) or Usage(last_error="not recorded")
        # Written and recorded (offline), and retried with the model on the next runs.
        forced = engine is Engine.llm
        line = unreached_message(usage, forced=forced, repositories=missed)
        if forced:
            error_line(line)
            raise typer.Exit(SourceError.exit_code)
        if not quiet:
            from rich.text import Text

            err_console().print(Text.assemble(("warning: ", "yellow"), line))


@app.command("notify")
def notify_cmd(
    config: Annotated[
        Path,
        typer.Option(metavar="FILE", help="Watch list (YAML) with a notify: list of targets."),
    ] = Path("diffinsight-watch.yml"),
    backfill: Annotated[
        str | None,
        typer.Option(
            metavar="FIRST..LAST", help="Only reports of these days (YYYY-MM-DD..YYYY-MM-DD)."
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", metavar="NAME", help="Only this target (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what each target would get; send nothing.")
    ] = False,
    test: Annotated[
        str | None, typer.Option("--test", metavar="TARGET", help="Send TARGET one sample message.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="FOLDER", help="Output folder (default: the watch list's output_dir)."
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="State file (default: OUT/.diffinsight/state.sqlite)."),
    ] = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Send the notify targets the reports they have not had (what diffinsight run does last)."""
    setup_logging(verbose, quiet)
    from diffinsight.daily import default_state_path, parse_backfill
    from diffinsight.errors import DiffInsightError, InputError
    from diffinsight.notify.deliver import notify, send_test
    from diffinsight.state import State
    from diffinsight.watchlist import load_watchlist

    try:
        watch = load_watchlist(config)
        folder = (out or Path(watch.output_dir)).resolve()
        days = parse_backfill(backfill) if backfill else None
        if test and (dry_run or days or target):
            raise InputError("--test: give it alone (not with --dry-run, --backfill or --target)")
        with State(state or default_state_path(watch, folder)) as st:
            if test:
                for m in send_test(watch, st, folder, test):
                    typer.echo(f"{m.target}\t{m.recipient or m.kind}\ttest sent")
                return
            result = notify(watch, st, folder, days=days, only=target, dry_run=dry_run)
    except DiffInsightError as exc:
        fail(exc)
    for t in result.targets:
        if dry_run:
            for m in t.planned:
                sys.stdout.write(m.preview() + "\n")
        for m in t.sent:
            typer.echo(
                f"{t.name}\t{m.recipient or t.kind}\t{', '.join(i.row.path for i in m.items)}"
            )
        if (t.waiting or t.deferred) and not quiet:
            err_console().print(
                f"{t.name}: {t.waiting} report(s) wait for their day to end,"
                f" {t.deferred} for the next daily digest"
            )
    failed = [t for t in result.targets if t.error]
    if failed:  # each was logged with its reason
        raise typer.Exit(max(t.exit_code for t in failed))


@config_app.command("check")
def config_check(file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True)]) -> None:
    """Validate FILE, a report config or a watch list, and print what it resolves to.

    Categories, languages, output, time zone and the engine and provider a run would use (the
    key masked).
    """
    from diffinsight.configcheck import check_config_file
    from diffinsight.errors import DiffInsightError

    try:
        summary = check_config_file(file)
    except DiffInsightError as exc:
        fail(exc)
    typer.echo("\n".join(summary.lines()))


def main() -> None:
    """Console-script entry point."""
    app(prog_name="diffinsight")


if __name__ == "__main__":
    main()
