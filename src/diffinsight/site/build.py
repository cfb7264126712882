"""Build the static report site from a folder of reports in the reference format.

Layout of the output (all links relative, so the site works under any path prefix)::

    index.html                      latest reports per language, links to every list
    lang/<code>/index.html          all reports of a language, by month
    month/<YYYY-MM>/index.html      all reports of a month
    category/<name>/index.html      all reports of a category, by month
    reports/<source path>.html      one page per report
    search.html, search-index.json  client-side search
    feeds/lang-<code>.xml, feeds/category-<name>.xml   Atom feeds
    static/                         CSS and JavaScript
    .diffinsight-site.json          manifest for incremental rebuilds

A rebuild hashes every input, parses only new or changed reports, re-renders only report
pages whose input, translations or templates changed, and rewrites the list, feed and
search files (cheap) only where their bytes differ.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, Field

from diffinsight.errors import InputError
from diffinsight.render.reference import read as reference_read
from diffinsight.render.reference.read import ParsedReport, language_from_script, parse_report
from diffinsight.site.feeds import FeedEntry, atom_feed
from diffinsight.site.links import DocLinks, repository_of
from diffinsight.site.render import (
    breakable,
    code_spans,
    is_safe_url,
    render_diff,
    render_inline,
    render_markdown,
)
from diffinsight.site.search import SearchUnit, build_index
from diffinsight.site.text import (
    DEFAULT_LOCALE,
    UNKNOWN_LANGUAGE,
    format_day,
    format_month,
    language_name,
    messages_digest,
    site_text,
)

__all__ = ["DEFAULT_BASE_URL", "SiteBuildResult", "SkippedReport", "build_site"]

log = logging.getLogger("diffinsight.site")

_HERE = Path(__file__).parent
TEMPLATES = _HERE / "templates"
STATIC = _HERE / "static"
MANIFEST = ".diffinsight-site.json"
#: Bump when the page-building code changes in a way the templates do not show.
RENDER_VERSION = "2"
#: Where ``diffinsight site serve`` listens by default; feeds point here without a base URL.
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"

_LOCALE_DIR = re.compile(r"^([a-z]{2,3})[_-]([A-Za-z]{2}|[A-Z][a-z]{3})$")
_FILENAME_DATE = re.compile(r"(20\d\d)-?([01]\d)-?([0-3]\d)")
_FILENAME_CATEGORY = re.compile(r"report-\d{8}-([A-Za-z0-9_-]+)$")


class SkippedReport(BaseModel):
    """An input file that was left out of the site, and why."""

    source: str
    reason: str


class SiteBuildResult(BaseModel):
    """What a build did."""

    out_dir: Path
    reports: int = 0
    languages: dict[str, int] = Field(default_factory=dict)
    categories: dict[str, int] = Field(default_factory=dict)
    months: dict[str, int] = Field(default_factory=dict)
    #: Reports parsed in this build (new or changed inputs, or siblings to re-render).
    reports_parsed: int = 0
    #: Report pages rendered in this build (the rest were up to date).
    report_pages_rendered: int = 0
    #: Files whose bytes changed on disk (pages, feeds, index, static files).
    files_written: int = 0
    files_removed: int = 0
    feeds: list[str] = Field(default_factory=list)
    skipped: list[SkippedReport] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    full_rebuild: bool = True
    seconds: float = 0.0


class _Entry(BaseModel):
    """What the lists, feeds and search need of one report (kept in the manifest)."""

    source: str
    digest: str
    url: str  #: site-relative, e.g. ``reports/ja_JP/202409/report-20240912-misc.html``
    title: str
    date: Date
    language: str
    category: str
    permalink: str | None = None
    summary: str = ""
    files: int = 0
    #: (anchor, path, title) of each file section, for search.
    file_units: list[tuple[str, str, str]] = Field(default_factory=list)
    page_key: str = ""  #: hash of everything the page shows; re-render when it changes
    #: What the parser could not read as written (each names its line).
    warnings: list[str] = Field(default_factory=list)
    #: Prompt-leak artefacts removed on reading.
    leaks: int = 0
    #: When a build first saw the file's current content, if it changed after it was first
    #: published (feeds re-announce a corrected report); None for an unchanged report.
    updated: datetime | None = None

    @property
    def month(self) -> str:
        return self.date.strftime("%Y-%m")


class _Manifest(BaseModel):
    version: str
    entries: dict[str, _Entry] = Field(default_factory=dict)
    outputs: list[str] = Field(default_factory=list)
    #: Hash of what the lists, feeds and search are made of (see step 4 of build_site).
    derived: str = ""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """Write ``data`` to ``path`` unless the file already holds it; whether it wrote."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.stat().st_size == len(raw) and path.read_bytes() == raw:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return True


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return slug or "x"


def _report_url(source: str) -> str:
    """Site-relative URL of the page of the report at ``source`` (relative to the input)."""
    parts = [_slug(p) for p in Path(source).with_suffix("").parts]
    return "reports/" + "/".join(parts) + ".html"


def _html_lang(code: str) -> str:
    return "und" if code == UNKNOWN_LANGUAGE else code.replace("_", "-")


def _excerpt(text: str, limit: int = 150) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Site:
    """One build: inputs, manifest, renderer and the writes it made."""

    def __init__(
        self,
        reports_dir: Path,
        out_dir: Path,
        base_url: str,
        site_title: str | None,
        site_locale: str,
        latest_per_language: int,
        feed_entries: int,
        result: SiteBuildResult,
        languages: dict[str, str] | None = None,
        docs_url: str | None = None,
    ) -> None:
        self.reports_dir = reports_dir
        self.out_dir = out_dir
        self.base_url = base_url
        self.site_locale = site_locale
        self.latest_per_language = latest_per_language
        self.feed_entries = feed_entries
        self.languages = languages or {}
        self.docs_url = docs_url
        self.result = result
        self.site_title = site_title
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["breakable"] = breakable
        self.env.filters["code_spans"] = code_spans
        self.outputs: set[str] = set()

    # -- output --------------------------------------------------------------

    def write(self, rel: str, data: bytes | str) -> None:
        """Write ``rel`` under the output folder unless it already holds these bytes."""
        self.outputs.add(rel)
        if write_if_changed(self.out_dir / rel, data):
            self.result.files_written += 1

    def render(
        self, template: str, rel: str, locale: str, root: str | None = None, **context: Any
    ) -> str:
        depth = rel.count("/")
        messages = site_text(locale)
        page = {
            "root": "../" * depth if root is None else root,
            "rel": rel,
            "lang": _html_lang(locale),
            "locale": locale,
            "site_title": self.site_title or messages("site_title"),
        }
        return self.env.get_template(template).render(t=messages, page=page, **context)

    # -- entries -------------------------------------------------------------

    def entry_for(self, source: str, digest: str, parsed: ParsedReport) -> _Entry | None:
        path = Path(source)
        language = (
            parsed.language
            or self._language_given(path)
            or self._language_from_folder(path)
            or language_from_script(parsed.prose())
            or UNKNOWN_LANGUAGE
        )
        day = parsed.date or self._date_from_name(path)
        if day is None:
            self.skip(
                source, "no date in the front matter or the file name; add 'date: YYYY-MM-DD'"
            )
            return None
        category = parsed.category
        if not category:
            m = _FILENAME_CATEGORY.search(path.stem)
            category = m.group(1) if m else "uncategorized"
        return _Entry(
            source=source,
            digest=digest,
            url=_report_url(source),
            title=parsed.plain_title or path.stem,
            date=day,
            language=language,
            category=category,
            permalink=parsed.permalink,
            summary=parsed.summary,
            files=len(parsed.files) or len(parsed.table),
            file_units=_file_units(parsed),
            warnings=parsed.warnings,
            leaks=parsed.leaks_removed,
        )

    def _language_given(self, path: Path) -> str | None:
        """The ``--lang`` of the deepest given folder that holds ``path``."""
        best: tuple[int, str] | None = None
        for folder, code in self.languages.items():
            parts = Path(folder).parts
            if path.parts[: len(parts)] == parts and (best is None or len(parts) > best[0]):
                best = (len(parts), code)
        return best[1] if best else None

    @staticmethod
    def _language_from_folder(path: Path) -> str | None:
        for part in reversed(path.parent.parts):
            m = _LOCALE_DIR.match(part)
            if not m:
                continue
            sub = m.group(2).upper() if len(m.group(2)) == 2 else m.group(2)
            code = f"{m.group(1)}_{sub}"
            # "my-Docs" looks like a locale but is not one: the parts must be known ones.
            known = Locale.parse("en").territories if len(sub) == 2 else Locale.parse("en").scripts
            if sub not in known:
                continue
            try:
                Locale.parse(code)
            except (UnknownLocaleError, ValueError):
                continue
            return code
        return None

    @staticmethod
    def _date_from_name(path: Path) -> Date | None:
        m = _FILENAME_DATE.search(path.name)
        if not m:
            return None
        try:
            return Date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None

    def skip(self, source: str, reason: str) -> None:
        message = f"{source}: skipped, {reason}"
        log.warning(message)
        self.result.skipped.append(SkippedReport(source=source, reason=reason))

    # -- pages ---------------------------------------------------------------

    def report_page(
        self, entry: _Entry, parsed: ParsedReport, siblings: list[_Entry], names: dict[str, str]
    ) -> str:
        locale = entry.language if entry.language != UNKNOWN_LANGUAGE else DEFAULT_LOCALE
        t = site_text(locale)
        compare = next(
            (
                u
                for u in (parsed.compare_url, parsed.permalink)
                if u and u.startswith(("http://", "https://")) and is_safe_url(u)
            ),
            None,
        )
        page_ids = {_slug(f.anchor) for f in parsed.files}
        page_ids.update(("main", "s-summary", "s-highlights", "s-insights", "s-table", "s-files"))
        links = DocLinks(
            repository_of(parsed.compare_url) or repository_of(parsed.permalink),
            self.docs_url,
            frozenset(page_ids),
        )
        hl = parsed.highlights
        groups = []
        for key, group in (
            ("new_features", hl.new_features),
            ("breaking_changes", hl.breaking_changes),
            ("other_updates", hl.other_updates),
        ):
            groups.append(
                {
                    "key": key,
                    "label": t(key),
                    "items": [Markup(render_inline(i, links)) for i in group.items],
                    "text": Markup(render_markdown(group.text, top_level=4, links=links)),
                }
            )
        files = []
        for f in parsed.files:
            diff_html, cut = render_diff(f.patch) if f.patch is not None else ("", False)
            files.append(
                {
                    "path": f.path,
                    "anchor": _slug(f.anchor),
                    "type": f.modification_type,
                    "type_label": t.label("types", f.modification_type),
                    "type_class": _slug(f.modification_type.lower()),
                    # Titles hold code spans (`2024-12-17`); inline Markdown, never raw HTML.
                    "title": Markup(render_inline(f.modification_title, links)),
                    "summary_raw": f.summary_raw,
                    "diff": Markup(diff_html),
                    "has_diff": f.patch is not None,
                    "cut": cut,
                    "explanation": Markup(
                        render_markdown(f.explanation, top_level=4, links=links, base_path=f.path)
                    ),
                    "history": history_url(f.path),
                }
            )
        rows = [
            {
                "name": r.name,
                "anchor": _slug(r.anchor) if r.anchor else None,
                "type": r.type,
                "type_label": t.label("types", r.type),
                "type_class": _slug(r.type.lower()),
                "title": Markup(render_inline(r.title, links)),
                "status": r.status,
                "status_label": t.label("statuses", r.status),
                "additions": r.additions,
                "deletions": r.deletions,
                "changes": r.changes,
            }
            for r in parsed.table
        ]
        translations = [
            {
                "url": s.url,
                "language": s.language,
                "name": names[s.language],
                "lang": _html_lang(s.language),
                "current": s.url == entry.url,
            }
            for s in siblings
        ]
        return self.render(
            "report.html",
            entry.url,
            locale,
            entry=entry,
            day=format_day(entry.date, locale),
            month_label=format_month(entry.date.year, entry.date.month, locale),
            language_label=names[entry.language],
            lang_url=f"lang/{_slug(entry.language)}/index.html",
            category_url=f"category/{_slug(entry.category)}/index.html",
            compare=compare,
            summary=Markup(render_markdown(parsed.summary, top_level=3, links=links)),
            highlights_text=Markup(render_markdown(hl.text, top_level=3, links=links)),
            groups=groups,
            extra=[
                {
                    "heading": s.heading,
                    "body": Markup(render_markdown(s.body, top_level=4, links=links)),
                }
                for s in hl.extra
            ],
            insights=Markup(
                render_markdown("\n\n".join(parsed.insights), top_level=3, links=links)
            ),
            rows=rows,
            files=files,
            translations=translations if len(translations) > 1 else [],
        )

    def list_item(self, e: _Entry, locale: str, names: dict[str, str]) -> dict[str, Any]:
        return {
            "url": e.url,
            "date": e.date.isoformat(),
            "day": format_day(e.date, locale),
            "category": e.category,
            "title": e.title,
            "language": e.language,
            "language_name": names[e.language],
            "lang": _html_lang(e.language),
            "summary": _excerpt(e.summary),
            "files": e.files,
        }

    def by_month(
        self, entries: list[_Entry], locale: str, names: dict[str, str]
    ) -> list[dict[str, Any]]:
        groups: dict[str, list[_Entry]] = defaultdict(list)
        for e in entries:
            groups[e.month].append(e)
        return [
            {
                "id": month,
                "label": format_month(int(month[:4]), int(month[5:]), locale),
                "datetime": month,
                "url": f"month/{month}/index.html",
                "items": [self.list_item(e, locale, names) for e in groups[month]],
            }
            for month in sorted(groups, reverse=True)
        ]


def _order(entries: Iterable[_Entry]) -> list[_Entry]:
    """Newest first; stable by category and language within a day."""
    return sorted(entries, key=lambda e: (e.date, e.category, e.language, e.url), reverse=True)


@dataclass
class _RenderState:
    site: _Site
    parsed: dict[str, ParsedReport]
    siblings: dict[str, list[_Entry]]
    names: dict[str, str]


#: What forked workers render from (inherited, never pickled).
_FORKED: _RenderState | None = None


def _render_one(state: _RenderState, entry: _Entry) -> tuple[int, int]:
    """Render one report page; (files written, reports parsed)."""
    site = state.site
    reparsed = 0
    report = state.parsed.get(entry.source)
    if report is None:
        report = _parse(site, entry.source, (site.reports_dir / entry.source).read_bytes())
        reparsed = 1
        if report is None:  # the file changed into something unreadable since step 1
            return 0, reparsed
    html = site.report_page(entry, report, state.siblings[entry.source], state.names)
    return int(write_if_changed(site.out_dir / entry.url, html)), reparsed


def _render_forked(entry: _Entry) -> tuple[int, int]:
    assert _FORKED is not None
    return _render_one(_FORKED, entry)


def _render_pages(state: _RenderState, todo: list[_Entry], jobs: int) -> Iterator[tuple[int, int]]:
    """Render pages in this process, or in ``jobs`` forked workers when there are many."""
    global _FORKED
    if jobs <= 1 or len(todo) < 2 * jobs or "fork" not in mp.get_all_start_methods():
        for entry in todo:
            yield _render_one(state, entry)
        return
    # Fork so that workers share the parsed reports instead of pickling them.
    _FORKED = state
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(_render_forked, todo, chunksize=8)
    finally:
        _FORKED = None


def _translation_key(e: _Entry) -> tuple[str, str]:
    """Reports with the same key are translations of each other.

    The key is the permalink (the compare URL) and the category. Reports of a local
    repository have no permalink; then the file's path with its locale folders left out
    stands in (``202505/ja_JP/report-20250521-openai.md`` and ``202505/en_US/...``).
    """
    if e.permalink:
        return ("permalink:" + e.permalink, e.category)
    parts = [p for p in Path(e.source).parts if _Site._language_from_folder(Path(p) / "x") is None]
    return ("path:" + "/".join(parts), e.category)


def _normalise_base_url(base_url: str | None, result: SiteBuildResult) -> str:
    if base_url is None:
        result.warnings.append(
            f"no base URL given: feeds link to {DEFAULT_BASE_URL} (the local preview); "
            "pass --base-url https://... for a published site"
        )
        return DEFAULT_BASE_URL
    url = base_url.strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise InputError(
            f"base URL {base_url!r} is not an absolute http(s) URL; "
            "pass e.g. --base-url https://example.github.io/reports/"
        )
    return url if url.endswith("/") else url + "/"


def _check_docs_url(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    if not re.match(r"^https?://[^/\s]+\S*$", url.strip()):
        raise InputError(
            f"docs URL {url!r} is not an absolute http(s) URL; "
            "pass e.g. --docs-url https://learn.microsoft.com"
        )
    return url.strip().rstrip("/")


def _check_languages(src: Path, languages: Mapping[str, str]) -> dict[str, str]:
    """``--lang`` values: folders under ``src`` (posix, "" for all) to known locale codes."""
    given: dict[str, str] = {}
    for folder, code in languages.items():
        rel = Path(folder).as_posix().strip("/")
        rel = "" if rel == "." else rel
        if rel and not (src / rel).is_dir():
            raise InputError(
                f"--lang {folder}={code}: {src / rel} is not a folder of the reports; "
                "give a folder relative to the reports folder"
            )
        try:
            Locale.parse(code.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            raise InputError(
                f"--lang {folder}={code}: {code!r} is not a language code; write e.g. ja_JP"
            ) from None
        given[rel] = _normalise_code(code)
    return given


def _normalise_code(code: str) -> str:
    loc = Locale.parse(code.replace("-", "_"))
    return f"{loc.language}_{loc.territory}" if loc.territory else loc.language


def build_site(
    reports_dir: str | Path,
    out_dir: str | Path,
    base_url: str | None = None,
    *,
    site_title: str | None = None,
    site_locale: str = DEFAULT_LOCALE,
    latest_per_language: int = 5,
    feed_entries: int = 50,
    pattern: str = "*.md",
    force: bool = False,
    jobs: int = 1,
    folder_languages: Mapping[str, str] | None = None,
    docs_url: str | None = None,
    cache_dir: str | Path | None = None,
) -> SiteBuildResult:
    """Build (or update) the static site for every report under ``reports_dir``.

    ``base_url`` is the absolute URL the site will be published at; feeds need it (without
    it they point to the local preview). Reports that cannot be parsed are skipped with a
    warning naming them (see :attr:`SiteBuildResult.skipped`). An existing build in
    ``out_dir`` is updated incrementally unless ``force`` is set or the templates changed.
    ``jobs`` > 1 renders report pages in that many worker processes (where fork exists).
    ``folder_languages`` maps folders under ``reports_dir`` ("" for all of it) to the language of
    the reports inside that say none themselves (an archive of Japanese reports without
    locale in title or folder); without it the language comes from the script of the text.
    ``docs_url`` is where the documentation is published: report links from its root
    (``/azure/...``) lead there; relative ones lead to the file at the report's head commit.
    ``cache_dir`` (default ``site/`` under ``$DIFFINSIGHT_CACHE_DIR`` or ``~/.cache/diffinsight``)
    keeps what the search index reads of each report, so that a rebuild after a change does
    not parse every unchanged report again; nothing of it is published.
    Raises :class:`~diffinsight.errors.InputError` for an unusable folder or base URL.
    """
    started = time.perf_counter()
    src = Path(reports_dir)
    out = Path(out_dir)
    if not src.is_dir():
        raise InputError(f"{src}: reports folder not found; pass the folder that holds the reports")
    if out.resolve() == src.resolve() or src.resolve() in out.resolve().parents:
        raise InputError(
            f"{out}: the output folder is inside the reports folder; choose another --out"
        )
    given = _check_languages(src, folder_languages or {})
    result = SiteBuildResult(out_dir=out)
    base = _normalise_base_url(base_url, result)
    out.mkdir(parents=True, exist_ok=True)
    docs = _check_docs_url(docs_url)
    site = _Site(
        src,
        out,
        base,
        site_title,
        site_locale,
        latest_per_language,
        feed_entries,
        result,
        given,
        docs,
    )

    code = _tree_digest([*_HERE.glob("*.py"), Path(reference_read.__file__)])
    version = _sha(
        "\n".join(
            [
                RENDER_VERSION,
                # The code that makes pages is part of the version: a new release re-renders.
                code,
                _tree_digest(TEMPLATES.iterdir()),
                _tree_digest(STATIC.iterdir()),
                messages_digest(),
                base,
                site_title or "",
                site_locale,
                str(latest_per_language),
                str(feed_entries),
                json.dumps(given, sort_keys=True),
                docs or "",
            ]
        ).encode()
    )
    old = _load_manifest(out)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    full = force or old is None or old.version != version
    result.full_rebuild = full
    previous: dict[str, _Entry] = {} if old is None or full else old.entries

    # 1. Inputs: hash everything, parse what is new or changed.
    entries: dict[str, _Entry] = {}
    parsed: dict[str, ParsedReport] = {}
    files = sorted(p for p in src.rglob(pattern) if p.is_file() and not _ignored(p, src))
    for path in files:
        source = path.relative_to(src).as_posix()
        data = path.read_bytes()
        digest = _sha(data)
        known = previous.get(source)
        if known is not None and known.digest == digest:
            entries[source] = known.model_copy()
            continue
        report = _parse(site, source, data)
        if report is None:
            continue
        entry = site.entry_for(source, digest, report)
        if entry is None:
            continue
        prior = old.entries.get(source) if old is not None else None
        if prior is not None:
            entry.updated = prior.updated if prior.digest == digest else now
        entries[source] = entry
        parsed[source] = report
    result.reports_parsed = len(parsed)

    # Two inputs mapping to one page ("a b.md", "a-b.md"): the later one gets a suffix.
    seen_urls: dict[str, str] = {}
    for source, entry in entries.items():
        entry.url = base_url_path = _report_url(source)
        n = 2
        while entry.url in seen_urls:
            entry.url = base_url_path.removesuffix(".html") + f"-{n}.html"
            n += 1
        seen_urls[entry.url] = source

    ordered = _order(entries.values())
    languages = sorted({e.language for e in ordered}, key=lambda c: (c == UNKNOWN_LANGUAGE, c))
    prefixes = [c.split("_")[0] for c in languages]
    names = {
        c: language_name(c, prefixes.count(c.split("_")[0]) > 1, site_locale) for c in languages
    }

    # 2. Translations: same permalink and category (see _translation_key).
    groups: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
    for e in ordered:
        groups[_translation_key(e)].append(e)
    siblings_of = {
        e.source: sorted(groups[_translation_key(e)], key=lambda s: (s.language, s.url))
        for e in ordered
    }

    # 3. Report pages whose key changed.
    todo: list[_Entry] = []
    for e in ordered:
        sib = siblings_of[e.source]
        e.page_key = _sha(
            json.dumps([e.digest, e.url, [(s.language, s.url) for s in sib], names]).encode()
        )
        site.outputs.add(e.url)
        known = previous.get(e.source)
        if known is not None and known.page_key == e.page_key and (out / e.url).is_file():
            continue
        todo.append(e)

    # 4. Lists, feeds, search, static files: they depend on every entry (and on the
    # version), so when no entry changed and every file is still there, they are as written.
    derived = _sha(
        json.dumps([[e.model_dump(mode="json") for e in ordered], names], sort_keys=True).encode()
    )
    unchanged = (
        old is not None
        and not full
        and old.derived == derived
        and all((out / rel).is_file() for rel in old.outputs)
    )
    search = None
    if not unchanged:
        texts = _SearchTexts.load(_search_cache(out, cache_dir), code)
        search = _SearchJob(site, ordered, names, parsed, jobs, texts)

    state = _RenderState(site, parsed, siblings_of, names)
    try:
        for written, reparsed in _render_pages(state, todo, jobs):
            result.files_written += written
            result.reports_parsed += reparsed
            result.report_pages_rendered += 1
    except BaseException:
        if search is not None:
            search.cancel()
        raise

    if search is None:
        assert old is not None
        site.outputs.update(old.outputs)
    else:
        try:
            _write_lists(site, ordered, languages, names)
            _write_feeds(site, ordered, languages, names)
            _write_histories(site, ordered, names)
        except BaseException:
            search.cancel()
            raise
        search.join()
        site.write(".nojekyll", b"")  # GitHub Pages: publish the files as they are
        for asset in sorted(STATIC.iterdir()):
            if asset.is_file():
                site.write(f"static/{asset.name}", asset.read_bytes())

    # 5. Remove what the previous build wrote and this one did not.
    if old is not None:
        for rel in old.outputs:
            if rel not in site.outputs:
                stale = out / rel
                if stale.is_file():
                    stale.unlink()
                    result.files_removed += 1

    manifest = _Manifest(
        version=version, entries=entries, outputs=sorted(site.outputs), derived=derived
    )
    write_if_changed(out / MANIFEST, manifest.model_dump_json())

    for e in ordered:
        result.warnings.extend(f"{e.source}: {w.removeprefix(e.source + ': ')}" for w in e.warnings)
    leaks = [e.leaks for e in ordered if e.leaks]
    if leaks:
        result.warnings.append(
            f"removed {sum(leaks)} leaked prompt artefacts (<format> tags, 'Locale: xx_XX' "
            f"phrases) from the text of {len(leaks)} report{'s' if len(leaks) > 1 else ''}"
        )
    result.reports = len(ordered)
    if not files:
        result.warnings.append(f"no files matching {pattern!r} under {src}; the site is empty")
    result.languages = {c: sum(e.language == c for e in ordered) for c in languages}
    result.categories = dict(sorted(_count(e.category for e in ordered).items()))
    result.months = dict(sorted(_count(e.month for e in ordered).items()))
    result.seconds = time.perf_counter() - started
    return result


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return dict(counts)


def _ignored(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    if any(part.startswith(".") for part in rel.parts):
        return True
    return path.stem.upper() in ("README", "CHANGELOG", "LICENSE", "INDEX")


def _parse(site: _Site, source: str, data: bytes) -> ParsedReport | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        site.skip(source, "not UTF-8 text; re-save it as UTF-8")
        return None
    try:
        return parse_report(text, source=source)
    except InputError as exc:
        reason = str(exc).removeprefix(f"{source}: ")
        site.skip(source, reason)
        return None
    except Exception as exc:  # a parser bug must not fail the whole site
        site.skip(source, f"cannot be parsed ({type(exc).__name__}: {exc})")
        return None


def _load_manifest(out: Path) -> _Manifest | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        return _Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def history_url(path: str) -> str:
    """The page listing every report that changed the file at ``path``.

    The path's own folders when it is made of safe characters; else their slug with a short
    hash of the path, so that two paths never share a page and the URL needs no list.
    """
    slugged = "/".join(_slug(part) for part in path.split("/"))
    if slugged != path:
        slugged += "-" + hashlib.sha1(path.encode()).hexdigest()[:8]
    return f"files/{slugged}.html"


def _write_histories(site: _Site, ordered: list[_Entry], names: dict[str, str]) -> None:
    """One page per changed file: every report that touched it, newest first."""
    locale = site.site_locale
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in ordered:
        for anchor, path, title in e.file_units:
            if path:
                by_path[path].append(
                    {
                        "url": e.url + (f"#{anchor}" if anchor else ""),
                        "date": e.date.isoformat(),
                        "day": format_day(e.date, locale),
                        "category": e.category,
                        "lang": _html_lang(e.language),
                        "language_name": names[e.language],
                        "title": title,
                    }
                )
    template = site.env.get_template("history.html")
    t = site_text(locale)
    for path, items in by_path.items():
        rel = history_url(path)
        page = {
            "root": "../" * rel.count("/"),
            "rel": rel,
            "lang": _html_lang(locale),
            "locale": locale,
            "site_title": site.site_title or t("site_title"),
        }
        site.write(rel, template.render(t=t, page=page, path=path, items=items))


def lang_category_url(code: str, category: str) -> str:
    """The page of one language's reports in one category: ``{lang}/{category}/``."""
    return f"{_slug(code)}/{_slug(category)}/index.html"


def lang_category_feed(code: str, category: str) -> str:
    """The Atom feed of one language's reports in one category."""
    return f"feeds/{_slug(code)}-{_slug(category)}.atom"


def _write_lists(
    site: _Site, ordered: list[_Entry], languages: list[str], names: dict[str, str]
) -> None:
    locale = site.site_locale
    by_lang: dict[str, list[_Entry]] = defaultdict(list)
    by_cat: dict[str, list[_Entry]] = defaultdict(list)
    by_month: dict[str, list[_Entry]] = defaultdict(list)
    for e in ordered:
        by_lang[e.language].append(e)
        by_cat[e.category].append(e)
        by_month[e.month].append(e)
    lang_links = [
        {
            "code": c,
            "name": names[c],
            "lang": _html_lang(c),
            "url": f"lang/{_slug(c)}/index.html",
            "feed": f"feeds/lang-{_slug(c)}.xml",
            "count": len(by_lang[c]),
        }
        for c in languages
    ]
    cat_links = [
        {
            "name": c,
            "url": f"category/{_slug(c)}/index.html",
            "feed": f"feeds/category-{_slug(c)}.xml",
            "count": len(by_cat[c]),
        }
        for c in sorted(by_cat)
    ]
    month_links = [
        {
            "id": m,
            "label": format_month(int(m[:4]), int(m[5:]), locale),
            "url": f"month/{m}/index.html",
            "count": len(by_month[m]),
        }
        for m in sorted(by_month, reverse=True)
    ]
    nav = {"languages": lang_links, "categories": cat_links, "months": month_links}
    latest = [
        {
            **link,
            "items": [
                site.list_item(e, code if code != UNKNOWN_LANGUAGE else locale, names)
                for e in by_lang[code][: site.latest_per_language]
            ],
        }
        for link in lang_links
        for code in [str(link["code"])]
    ]
    site.write(
        "index.html",
        site.render("index.html", "index.html", locale, nav=nav, latest=latest, total=len(ordered)),
    )
    # Language pages, and their per-category pages, speak their own language; category
    # pages (all languages) the site's.
    subs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    lang_cat_links = []
    for code in languages:
        for cat in sorted({e.category for e in by_lang[code]}):
            link = {
                "name": f"{names[code]} · {cat}",
                "code": code,
                "url": lang_category_url(code, cat),
                "feed": lang_category_feed(code, cat),
                "count": sum(e.category == cat for e in by_lang[code]),
            }
            lang_cat_links.append((link, cat))
            subs[code].append({**link, "name": cat})
    lists = (
        [
            (
                link,
                str(link["code"]),
                by_lang[str(link["code"])],
                "language",
                subs[str(link["code"])],
            )
            for link in lang_links
        ]
        + [(link, locale, by_cat[str(link["name"])], "category", []) for link in cat_links]
        + [
            (
                link,
                str(link["code"]),
                [e for e in by_lang[str(link["code"])] if e.category == cat],
                "category",
                [],
            )
            for link, cat in lang_cat_links
        ]
    )
    for link, code, selected, kind, sub_links in lists:
        page_locale = code if code != UNKNOWN_LANGUAGE else locale
        rel = str(link["url"])
        site.write(
            rel,
            site.render(
                "list.html",
                rel,
                page_locale,
                nav=nav,
                heading=link["name"],
                kind=kind,
                feed=link["feed"],
                count=link["count"],
                groups=site.by_month(selected, page_locale, names),
                subs=sub_links,
            ),
        )
    for link in month_links:
        rel = str(link["url"])
        entries = by_month[str(link["id"])]
        site.write(
            rel,
            site.render(
                "list.html",
                rel,
                locale,
                nav=nav,
                heading=link["label"],
                kind="month",
                feed=None,
                subs=[],
                count=link["count"],
                groups=[
                    {
                        "id": c,
                        "label": names[c],
                        "datetime": None,
                        "url": f"lang/{_slug(c)}/index.html",
                        "items": [
                            site.list_item(e, locale, names) for e in entries if e.language == c
                        ],
                    }
                    for c in languages
                    if any(e.language == c for e in entries)
                ],
            ),
        )
    site.write("search.html", site.render("search.html", "search.html", locale, nav=nav))
    # Served for any missing path (GitHub Pages, site serve): links from the site's root.
    root = urlsplit(site.base_url).path or "/"
    site.write("404.html", site.render("404.html", "404.html", locale, root=root))


def _write_feeds(
    site: _Site, ordered: list[_Entry], languages: list[str], names: dict[str, str]
) -> None:
    base = site.base_url
    t = site_text(site.site_locale)
    title = site.site_title or t("site_title")

    def entries(selected: list[_Entry]) -> list[FeedEntry]:
        return [
            FeedEntry(
                url=base + e.url,
                title=f"{e.title} ({e.date.isoformat()}, {names[e.language]})",
                day=e.date,
                summary=e.summary,
                language=e.language,
                category=e.category,
                updated=e.updated,
            )
            for e in selected[: site.feed_entries]
        ]

    feeds: list[tuple[str, str, str, str | None, list[_Entry]]] = [
        (
            f"lang-{_slug(code)}",
            f"lang/{_slug(code)}/index.html",
            f"{title} — {names[code]}",
            code,
            [e for e in ordered if e.language == code],
        )
        for code in languages
    ]
    feeds += [
        (
            f"category-{_slug(cat)}",
            f"category/{_slug(cat)}/index.html",
            f"{title} — {cat}",
            None,
            [e for e in ordered if e.category == cat],
        )
        for cat in sorted({e.category for e in ordered})
    ]
    feeds += [
        (
            lang_category_feed(code, cat),
            lang_category_url(code, cat),
            f"{title} — {names[code]} · {cat}",
            code,
            [e for e in ordered if e.language == code and e.category == cat],
        )
        for code in languages
        for cat in sorted({e.category for e in ordered if e.language == code})
    ]
    for name, alternate, feed_title, language, selected in feeds:
        rel = name if name.startswith("feeds/") else f"feeds/{name}.xml"
        site.write(
            rel,
            atom_feed(
                feed_url=base + rel,
                site_url=base,
                alternate_url=base + alternate,
                title=feed_title,
                language=language,
                entries=entries(selected),
            ),
        )
        site.result.feeds.append(rel)


class _SearchJob:
    """The search files, written in a forked process while pages are rendered when
    ``jobs`` > 1 (the index is the longest step that depends on every report), else at once."""

    def __init__(
        self,
        site: _Site,
        ordered: list[_Entry],
        names: dict[str, str],
        parsed: dict[str, ParsedReport],
        jobs: int,
        texts: _SearchTexts,
    ) -> None:
        self.site = site
        self.process: Any = None
        if jobs <= 1 or "fork" not in mp.get_all_start_methods():
            _write_search(site, ordered, names, parsed, jobs, texts)
            texts.save(ordered)
            return
        ctx = mp.get_context("fork")
        self.receive, send = ctx.Pipe(duplex=False)

        def work() -> None:
            before, outputs = site.result.files_written, set(site.outputs)
            try:
                _write_search(site, ordered, names, parsed, 1, texts)
                texts.save(ordered)
            except Exception as exc:  # handed to the parent, which fails the build
                send.send(("error", f"{type(exc).__name__}: {exc}"))
                return
            send.send(("ok", site.result.files_written - before, sorted(site.outputs - outputs)))

        self.process = ctx.Process(target=work, name="diffinsight-search", daemon=True)
        self.process.start()
        send.close()

    def join(self) -> None:
        """Wait for the search files; their writes count in the build's result."""
        if self.process is None:
            return
        try:
            message = self.receive.recv()
        except EOFError:
            message = ("error", f"the search index process ended with code {self.process.exitcode}")
        finally:
            self.process.join()
            self.receive.close()
        if message[0] != "ok":
            raise RuntimeError(f"building the search index failed: {message[1]}")
        self.site.result.files_written += message[1]
        self.site.outputs.update(message[2])

    def cancel(self) -> None:
        """Stop the search process (the build failed elsewhere)."""
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.receive.close()


class _SearchTexts:
    """What the index reads of each report (its file explanations), by report digest.

    One JSON file per output folder in the user's cache, not in the site: there it would be
    published (and committed daily where a branch holds the site) for nothing. The file
    names the code that read the texts; texts read by other code are ignored. An error
    reading or writing it costs only the parsing it would have saved.
    """

    def __init__(self, path: Path | None, code: str, texts: dict[str, list[str]]) -> None:
        self.path = path
        self.code = code
        self.texts = texts
        self.loaded = set(texts)

    @classmethod
    def load(cls, path: Path | None, code: str) -> _SearchTexts:
        texts: dict[str, list[str]] = {}
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("code") == code and isinstance(data.get("texts"), dict):
                    texts = data["texts"]
            except (OSError, ValueError, AttributeError):
                pass
        return cls(path, code, texts)

    def get(self, e: _Entry) -> list[str] | None:
        """The texts of ``e``'s file units, if cached for its exact content."""
        found = self.texts.get(e.digest)
        if not isinstance(found, list) or len(found) != len(e.file_units):
            return None
        return found if all(isinstance(x, str) for x in found) else None

    def save(self, ordered: list[_Entry]) -> None:
        """Keep the texts of this build's reports (and only those) when they changed."""
        keep = {e.digest: self.texts[e.digest] for e in ordered if e.digest in self.texts}
        if self.path is None or set(keep) == self.loaded:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(
                json.dumps({"code": self.code, "texts": keep}, ensure_ascii=False), "utf-8"
            )
            tmp.replace(self.path)  # atomic: a build never reads half a file
        except OSError as exc:
            log.warning("%s: search cache not written (%s)", self.path, exc)
            tmp.unlink(missing_ok=True)


def _search_cache(out: Path, cache_dir: str | Path | None) -> Path:
    """The cache file of the output folder ``out`` (one per folder, named by its path)."""
    from diffinsight.sources.fetch import cache_root

    root = Path(cache_dir) if cache_dir is not None else cache_root() / "site"
    return root / f"search-{_sha(str(out.resolve()).encode())[:16]}.json"


def _write_search(
    site: _Site,
    ordered: list[_Entry],
    names: dict[str, str],
    parsed: dict[str, ParsedReport],
    jobs: int = 1,
    cache: _SearchTexts | None = None,
) -> None:
    docs = [
        {
            "u": e.url,
            "t": e.title,
            "d": e.date.isoformat(),
            "l": e.language,
            "n": names[e.language],
            "c": e.category,
            "s": _excerpt(e.summary, 160),
        }
        for e in ordered
    ]
    cache = cache or _SearchTexts(None, "", {})
    known = {e.source: found for e in ordered if (found := cache.get(e)) is not None}
    missing = [e for e in ordered if e.source not in parsed and e.source not in known]
    known.update((source, x) for source, x in _read_again(site, missing, jobs) if x is not None)
    units: list[SearchUnit] = []
    for number, e in enumerate(ordered):
        units.append(SearchUnit(number, "", "", "", [e.title, e.category, e.summary]))
        explanations = known.get(e.source)
        if explanations is None and e.source in parsed:
            explanations = _explanations(site, e, parsed[e.source])
        if explanations is None:
            explanations = [""] * len(e.file_units)  # changed since it was hashed: next build
        else:
            cache.texts[e.digest] = explanations
        units += [
            SearchUnit(number, a, p, t, [t, x])
            for (a, p, t), x in zip(e.file_units, explanations, strict=True)
        ]
    for rel, data in build_index(docs, units).items():
        site.write(rel, data)


# A link's target and an image's address are not words of the text.
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|<https?://[^>\s]*>")


#: What forked workers read explanations with (inherited, never pickled).
_FORKED_SITE: _Site | None = None


def _explanations_forked(e: _Entry) -> tuple[str, list[str] | None]:
    assert _FORKED_SITE is not None
    return e.source, _explanations(_FORKED_SITE, e, None)


def _read_again(
    site: _Site, entries: list[_Entry], jobs: int
) -> Iterator[tuple[str, list[str] | None]]:
    """(source, explanations) of reports this build did not parse, in ``jobs`` processes."""
    global _FORKED_SITE
    if jobs <= 1 or len(entries) < 4 * jobs or "fork" not in mp.get_all_start_methods():
        for e in entries:
            yield e.source, _explanations(site, e, None)
        return
    _FORKED_SITE = site
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(_explanations_forked, entries, chunksize=16)
    finally:
        _FORKED_SITE = None


def _explanations(site: _Site, e: _Entry, report: ParsedReport | None) -> list[str] | None:
    """The explanation of each of ``e``'s file units, as search reads it.

    Reports this build did not parse (unchanged ones missing from the cache) are read again;
    None when the file is no longer what was hashed (it changed during the build).
    """
    if report is None:
        try:
            data = (site.reports_dir / e.source).read_bytes()
        except OSError:
            return None
        if _sha(data) != e.digest:
            return None
        report = _parse(site, e.source, data)
        if report is None:
            return None
    if not report.files:
        return [""] * len(e.file_units)  # table rows stand in: no explanation to index
    if len(report.files) != len(e.file_units):
        return None
    return [_LINK_TARGET.sub("]", f.explanation) for f in report.files]


def _file_units(parsed: ParsedReport) -> list[tuple[str, str, str]]:
    """(anchor, path, title) per file section; table rows stand in for a report without any."""
    titles = {r.anchor: r.title for r in parsed.table if r.anchor}
    if parsed.files:
        return [
            (_slug(f.anchor), f.path, f.modification_title or titles.get(f.anchor, ""))
            for f in parsed.files
        ]
    return [(_slug(r.anchor) if r.anchor else "", r.name, r.title) for r in parsed.table]
