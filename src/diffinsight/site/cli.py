"""``diffinsight site build`` and ``diffinsight site serve``: parse options, print results.

Mounted by the main CLI with ``app.add_typer(site_app, name="site")``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from diffinsight.errors import DiffInsightError
from diffinsight.site.build import DEFAULT_BASE_URL, build_site
from diffinsight.site.serve import make_server

__all__ = ["site_app"]

site_app = typer.Typer(
    help="Build and preview the static report site.", no_args_is_help=True, add_completion=False
)
_err = Console(stderr=True, highlight=False, soft_wrap=True)
_out = Console(highlight=False, soft_wrap=True)


def _fail(exc: DiffInsightError) -> typer.Exit:
    # One plain line: file names such as "[zh_CN] x.md" must not be read as markup.
    _err.print(Text.assemble(("error: ", "red"), str(exc)))
    return typer.Exit(code=exc.exit_code)


@site_app.command("build")
def build_command(
    reports_dir: Annotated[
        Path, typer.Argument(help="Folder of reports (*.md, searched recursively).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder of the site.")] = Path(
        "_site"
    ),
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Absolute URL the site is published at (feeds need it), "
            "e.g. https://you.github.io/reports/.",
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Site title (default: localized).")] = None,
    locale: Annotated[
        str, typer.Option(help="Locale of the home, month and category pages.")
    ] = "en_US",
    pattern: Annotated[str, typer.Option(help="File name pattern of reports.")] = "*.md",
    force: Annotated[bool, typer.Option(help="Re-render every page.")] = False,
    jobs: Annotated[
        int, typer.Option(help="Worker processes for report pages (default: all cores).")
    ] = 0,
    lang: Annotated[
        list[str] | None,
        typer.Option(
            "--lang",
            help="Language of reports that name none: FOLDER=ja_JP for a folder under the "
            "reports folder, or ja_JP for all (repeatable).",
        ),
    ] = None,
) -> None:
    """Build (or update) the static site for a folder of reports."""
    logging.getLogger("diffinsight.site").addHandler(logging.NullHandler())
    logging.getLogger("diffinsight.site").propagate = False
    try:
        result = build_site(
            reports_dir,
            out,
            base_url,
            site_title=title,
            site_locale=locale,
            pattern=pattern,
            force=force,
            jobs=jobs or os.cpu_count() or 1,
            folder_languages=dict(v.rpartition("=")[::2] for v in lang or []),
        )
    except DiffInsightError as exc:
        raise _fail(exc) from None
    for skipped in result.skipped:
        _err.print(Text(f"warning: {skipped.source}: skipped, {skipped.reason}"))
    for warning in result.warnings:
        _err.print(Text(f"warning: {warning}"))
    langs = ", ".join(f"{k} {v}" for k, v in result.languages.items())
    mode = "full build" if result.full_rebuild else "update"
    _out.print(
        Text(
            f"{result.reports} reports ({langs}) -> {out}/ in {result.seconds:.1f}s ({mode}: "
            f"{result.report_pages_rendered} report pages rendered, {result.files_written} files "
            f"written, {result.files_removed} removed, {len(result.skipped)} skipped)"
        )
    )


@site_app.command("serve")
def serve_command(
    site_dir: Annotated[Path, typer.Argument(help="A built site folder.")] = Path("_site"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Preview a built site at http://127.0.0.1:PORT/ (Ctrl+C stops)."""
    try:
        server = make_server(site_dir, "127.0.0.1", port)
    except DiffInsightError as exc:
        raise _fail(exc) from None
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    _out.print(Text(f"Serving {site_dir}/ at {url} (Ctrl+C stops)"))
    if url != DEFAULT_BASE_URL:
        _out.print(
            Text(f"Feeds link to the base URL given at build time (default {DEFAULT_BASE_URL}).")
        )
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            _out.print("Stopped.")
