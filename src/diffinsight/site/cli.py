"""``diffinsight site build`` and ``diffinsight site serve``: parse options, print results.

Mounted by the main CLI with ``app.add_typer(site_app, name="site")``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from diffinsight.cliutil import err_console, error_line, new_app

if TYPE_CHECKING:
    from diffinsight.errors import DiffInsightError

__all__ = ["site_app"]

# The site stack (jinja, feeds, search) loads when a command runs, not when the CLI starts.
site_app = new_app("Build and preview the static report site.", add_completion=False)


def _print(text: str) -> None:
    # Plain text: file names such as "[zh_CN] x.md" must not be read as markup.
    typer.echo(text)


def _fail(exc: DiffInsightError) -> typer.Exit:
    error_line(str(exc))
    return typer.Exit(code=exc.exit_code)


def _site_locale(locale: str) -> str:
    """``--locale`` as a catalogue name (``ja`` and ``zh-CN`` work); :class:`InputError` if none."""
    from diffinsight.errors import InputError
    from diffinsight.i18n import available_languages

    known = available_languages()
    if locale in known:
        return locale
    from diffinsight.i18n import normalize_language

    try:
        found = normalize_language(locale, option="--locale")
    except InputError:
        found = None
    if found not in known:
        raise InputError(
            f"--locale {locale}: the site has no messages for it; choose from {', '.join(known)}"
        )
    return str(found)


def _check_out(out: Path) -> None:
    from diffinsight.errors import OutputError

    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputError(
            f"--out {out}: {blocker} is a file, not a folder; choose a folder for the site"
        )


@site_app.command("build")
def build_command(
    reports_dir: Annotated[Path, typer.Argument(metavar="REPORTS", hidden=True)],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FOLDER", help="Output folder of the site.")
    ] = Path("_site"),
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="Absolute URL the site is published at (feeds need it), "
            "e.g. https://you.github.io/reports/.",
        ),
    ] = None,
    title: Annotated[
        str | None, typer.Option(metavar="TITLE", help="Site title (default: localized).")
    ] = None,
    locale: Annotated[
        str, typer.Option(metavar="LOCALE", help="Locale of the home, month and category pages.")
    ] = "en_US",
    pattern: Annotated[
        str, typer.Option(metavar="GLOB", help="File name pattern of reports.")
    ] = "*.md",
    force: Annotated[bool, typer.Option(help="Re-render every page.")] = False,
    jobs: Annotated[
        int,
        typer.Option(
            metavar="N", min=0, help="Worker processes for report pages (default: all cores)."
        ),
    ] = 0,
    docs_url: Annotated[
        str | None,
        typer.Option(
            "--docs-url",
            metavar="URL",
            help="Where the docs are published (e.g. https://learn.microsoft.com): report "
            "links from the docs root lead there (default: the config's docs_url).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="Config file to read docs_url from."),
    ] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option(
            "--lang",
            metavar="[FOLDER=]LANG",
            help="Language of reports that name none: FOLDER=ja_JP for a folder under the "
            "reports folder, or ja_JP for all (repeatable).",
        ),
    ] = None,
) -> None:
    """Build (or update) the static site for REPORTS, a folder of reports (*.md, recursively)."""
    from diffinsight.errors import DiffInsightError
    from diffinsight.site.build import build_site

    logging.getLogger("diffinsight.site").addHandler(logging.NullHandler())
    logging.getLogger("diffinsight.site").propagate = False
    try:
        site_locale = _site_locale(locale)
        _check_out(out)
        if docs_url is None and config is not None:
            from diffinsight.config import load_config

            docs_url = load_config(config).docs_url
        result = build_site(
            reports_dir,
            out,
            base_url,
            site_title=title,
            site_locale=site_locale,
            pattern=pattern,
            force=force,
            jobs=jobs or os.cpu_count() or 1,
            folder_languages=dict(v.rpartition("=")[::2] for v in lang or []),
            docs_url=docs_url,
        )
    except DiffInsightError as exc:
        raise _fail(exc) from None
    err = err_console()
    from rich.text import Text

    for skipped in result.skipped:
        err.print(Text(f"warning: {skipped.source}: skipped, {skipped.reason}"))
    for warning in result.warnings:
        err.print(Text(f"warning: {warning}"))
    langs = ", ".join(f"{k} {v}" for k, v in result.languages.items())
    mode = "full build" if result.full_rebuild else "update"
    _print(
        f"{result.reports} reports ({langs}) -> {out}/ in {result.seconds:.1f}s ({mode}: "
        f"{result.report_pages_rendered} report pages rendered, {result.files_written} files "
        f"written, {result.files_removed} removed, {len(result.skipped)} skipped)"
    )


@site_app.command("serve")
def serve_command(
    site_dir: Annotated[Path, typer.Argument(metavar="SITE", hidden=True)] = Path("_site"),
    port: Annotated[
        int,
        typer.Option(metavar="PORT", min=0, max=65535, help="Port on 127.0.0.1 (0: any free one)."),
    ] = 8000,
) -> None:
    """Preview the built site in SITE (default _site) at http://127.0.0.1:PORT/ (Ctrl+C stops)."""
    from diffinsight.errors import DiffInsightError
    from diffinsight.site.build import DEFAULT_BASE_URL
    from diffinsight.site.serve import base_path, make_server

    try:
        server = make_server(site_dir, "127.0.0.1", port)
    except DiffInsightError as exc:
        raise _fail(exc) from None
    url = f"http://127.0.0.1:{server.server_address[1]}{base_path(site_dir)}"
    _print(f"Serving {site_dir}/ at {url} (Ctrl+C stops)")
    if url != DEFAULT_BASE_URL:
        _print(f"Feeds link to the base URL given at build time (default {DEFAULT_BASE_URL}).")
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            _print("Stopped.")
