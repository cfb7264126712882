"""Facts any text file yields: whole-file events and in-place edits read from the hunks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher

from diffinsight.facts.code import changed_names, code_facts, is_code_path, listed
from diffinsight.facts.kinds import FactKind as K
from diffinsight.facts.patch import Hunk, line_edits, pair_lines, parse_hunks, visible
from diffinsight.facts.scan import parse_heading
from diffinsight.facts.structure import clean_inline
from diffinsight.grounding import LISTED
from diffinsight.models import Fact, FileChange, FileStatus

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_KEY_RE = re.compile(r"^\s*(?:-\s*)?([A-Za-z_][\w.\-]*)\s*:\s")
#: An in-place edit longer than this is described as rewritten lines, not as old -> new values.
MAX_VALUE_CHARS = 80

_WORDISH_RE = re.compile(r"\w")

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")


def _outside_fences(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) for the lines outside fenced code (fence lines themselves left out)."""
    fence: str | None = None
    for n, line in enumerate(lines, start=1):
        fm = _FENCE_RE.match(line)
        if fm:
            mark = fm.group(1)
            if fence is None:
                fence = mark[0] * len(mark)
            elif mark.startswith(fence):
                fence = None
            continue
        if not fence:
            yield n, line


def section_index(text: str | None) -> list[tuple[int, str]]:
    """(line number, heading path) for each Markdown heading, skipping fenced code."""
    if not text:
        return []
    out: list[tuple[int, str]] = []
    stack: list[tuple[int, str]] = []
    for n, line in _outside_fences(text.split("\n")):
        h = parse_heading(line)
        if h:
            level = h[0]
            stack = [s for s in stack if s[0] < level] + [(level, h[1].strip())]
            out.append((n, " > ".join(s[1] for s in stack)))
    return out


def section_at(index: list[tuple[int, str]], line_no: int) -> str | None:
    """The heading path that line ``line_no`` sits under."""
    found = None
    for n, path in index:
        if n > line_no:
            break
        found = path
    return found


def document_title(text: str | None) -> str | None:
    """A document's title: front matter ``title:``, else its first H1."""
    if not text:
        return None
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for line in lines[1:60]:
            if line.strip() == "---":
                break
            m = re.match(r"^title:(?=.)\s*((?:.*\S)?)\s*$", line)
            if m:
                return m.group(1).strip().strip("'\"").strip() or None
    # A '# comment' in a code block is no title.
    for _, line in _outside_fences(lines):
        h = parse_heading(line)
        if h and h[0] == 1:
            return h[1].strip()
    return None


def _title_from_added_lines(hunks: list[Hunk]) -> str | None:
    text = "\n".join(ln[1:] for h in hunks for ln in h.lines if ln.startswith("+"))
    return document_title(text)


def _headings_in(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(h[1].strip() for ln in lines if (h := parse_heading(ln))))


#: Longer lines are not read as a new page's section names (no real heading is this long).
MAX_HEADING_CHARS = 500
#: Headings that hold no content yet.
_PLACEHOLDER_RE = re.compile(
    r"^(?:coming soon|tbd|todo|placeholder|under construction|wip)\W*$", re.IGNORECASE
)
_TAB_LINK_RE = re.compile(r"\]\(#tab/", re.IGNORECASE)


def page_sections(lines: list[str]) -> list[str]:
    """What a new page teaches: its H2 headings (H3 when it has none), as a reader sees them.

    Fenced code is skipped (a ``# comment`` is no heading); link markup and emphasis are
    dropped; tab labels (``[Python](#tab/python)``), placeholders ("Coming soon") and
    repeats (one per language tab) are left out.
    """
    found: dict[int, list[str]] = {2: [], 3: []}
    for _, line in _outside_fences(lines):
        h = parse_heading(line) if len(line) <= MAX_HEADING_CHARS else None
        if not h or h[0] not in found or _TAB_LINK_RE.search(h[1]):
            continue
        text = re.sub(r"<[^<>]*>", "", clean_inline(h[1])).strip()
        if text and not _PLACEHOLDER_RE.match(text) and text not in found[h[0]]:
            found[h[0]].append(text)
    return found[2] or found[3]


def page_description(lines: list[str]) -> str | None:
    """The front matter ``description:`` of a page (its lines), None when it has none."""
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:60]:
        if line.strip() == "---":
            break
        m = re.match(r"^description:\s*(.+?)\s*$", line)
        if m:
            value = m.group(1).strip().strip("'\"").strip()
            return value if value and value not in (">", "|", ">-", "|-") else None
    return None


def _no_headings(_lines: list[str]) -> list[str]:
    return []


def file_facts(change: FileChange) -> list[Fact]:
    """Whole-file facts: added / removed / renamed / binary."""
    hunks = parse_hunks(change.patch)
    facts: list[Fact] = []
    if change.binary:
        kind = {
            FileStatus.ADDED: K.BINARY_ADDED,
            FileStatus.REMOVED: K.BINARY_REMOVED,
        }.get(change.status, K.BINARY_CHANGED)
        facts.append(
            Fact(
                kind=kind,
                new=change.path if kind != K.BINARY_REMOVED else None,
                old=change.path if kind == K.BINARY_REMOVED else None,
            )
        )
        if change.status is FileStatus.RENAMED:
            facts.append(_renamed(change))
        return facts
    # Only Markdown has titles and headings: a '# comment' or a 'title:' string in code is not one.
    doc = change.path.lower().endswith(MARKDOWN_SUFFIXES)
    if change.status is FileStatus.ADDED:
        title = (document_title(change.new_text) or _title_from_added_lines(hunks)) if doc else None
        lines = (
            (change.new_text or "").split("\n")
            if change.new_text
            else [ln[1:] for h in hunks for ln in h.lines if ln.startswith("+")]
        )
        detail: dict[str, object] = {
            "headings": page_sections(lines)[:8] if doc else [],
            "lines": change.additions,
        }
        description = page_description(lines) if doc else None
        if description:
            detail["description"] = description
        facts.append(Fact(kind=K.FILE_ADDED, new=title, detail=detail))
    elif change.status is FileStatus.REMOVED:
        gone = (
            change.old_text.split("\n")
            if change.old_text
            else [ln[1:] for h in hunks for ln in h.lines if ln.startswith("-")]
        )
        title = document_title("\n".join(gone)) if doc else None
        # What the page taught, as for a new page: its description and sections.
        removed: dict[str, object] = {"lines": change.deletions}
        if doc:
            removed["headings"] = page_sections(gone)[:8]
            if description := page_description(gone):
                removed["description"] = description
        facts.append(Fact(kind=K.FILE_REMOVED, old=title, detail=removed))
    elif change.status is FileStatus.RENAMED:
        facts.append(_renamed(change))
    return facts


def _renamed(change: FileChange) -> Fact:
    return Fact(
        kind=K.FILE_RENAMED,
        old=change.old_path,
        new=change.path,
        detail={"similarity": change.similarity},
    )


def edit_facts(change: FileChange) -> list[Fact]:
    """In-place edits (old -> new values), added and removed lines, whitespace and EOF changes."""
    if change.binary or change.status in (FileStatus.ADDED, FileStatus.REMOVED):
        return []
    hunks = parse_hunks(change.patch)
    # Headings exist only in Markdown: a '# comment' in code or .gitignore is not a section.
    doc = change.path.lower().endswith(MARKDOWN_SUFFIXES)
    new_index = section_index(change.new_text) if doc else []
    old_index = section_index(change.old_text) if doc else []
    in_code = is_code_path(change.path)
    lang = change.path.rsplit(".", 1)[-1].lower() if in_code else None
    headings = _headings_in if doc else _no_headings
    facts: list[Fact] = []
    # Lines added or removed are told by what they name that the unchanged lines do not.
    context = {id(h): [ln[1:] for ln in h.lines if ln[:1] == " "] for h in hunks}
    for hunk in hunks:
        if hunk.no_newline_old != hunk.no_newline_new:
            facts.append(Fact(kind=K.NEWLINE_EOF, detail={"added": hunk.no_newline_old}))
        for run in hunk.changes:
            where = (
                section_at(new_index, run.new_start)
                if new_index
                else section_at(old_index, run.old_start)
            )
            if run.removed and run.added and (moved := _reordered(run.removed, run.added)):
                # The same lines in another order: a move, not an edit of each line.
                facts.append(Fact(kind=K.TEXT_MOVED, where=where, detail={"count": moved}))
                continue
            pairs = pair_lines(run.removed, run.added)
            paired_old = {i for i, _ in pairs}
            paired_new = {j for _, j in pairs}
            for i, j in pairs:
                old, new = visible(run.removed[i]), visible(run.added[j])
                if old == new and run.removed[i] == run.added[j]:
                    continue  # only the end-of-file newline differed
                if old.split() == new.split():
                    facts.append(Fact(kind=K.WHITESPACE_CHANGED, where=where))
                    continue
                if in_code and (found := code_facts(old, new, where, lang)):
                    facts.extend(found)
                    continue
                key_m = _KEY_RE.match(new)
                key = key_m.group(1) if key_m and _KEY_RE.match(old) else None
                for e in line_edits(old, new):
                    if len(e.old) > MAX_VALUE_CHARS or len(e.new) > MAX_VALUE_CHARS:
                        facts.append(Fact(kind=K.LINE_REWRITTEN, where=where, detail={"count": 1}))
                        break
                    if not _WORDISH_RE.search(e.old + e.new):
                        # A comma or bracket added or dropped: formatting, not a value.
                        facts.append(Fact(kind=K.TEXT_PUNCTUATION, where=where))
                        continue
                    kind = (
                        K.TEXT_REPLACED
                        if e.old and e.new
                        else (K.TEXT_INSERTED if e.new else K.TEXT_DELETED)
                    )
                    detail = {"key": key} if key else {}
                    facts.append(
                        Fact(
                            kind=kind,
                            old=e.old or None,
                            new=e.new or None,
                            where=where,
                            detail=detail,
                        )
                    )
            added = [ln for j, ln in enumerate(run.added) if j not in paired_new]
            removed = [ln for i, ln in enumerate(run.removed) if i not in paired_old]
            if added and removed and (moved := _reordered(removed, added)) is not None:
                # The same lines: re-spaced (whitespace) or put in another order (a move).
                facts.append(
                    Fact(kind=K.TEXT_MOVED, where=where, detail={"count": moved})
                    if moved
                    else Fact(kind=K.WHITESPACE_CHANGED, where=where)
                )
                continue
            gained, lost = (
                changed_names(removed, added, context[id(hunk)])
                if (added or removed) and not doc
                else ([], [])
            )
            if [a for a in added if a.strip()]:
                facts.append(
                    Fact(
                        kind=K.LINES_ADDED,
                        where=where,
                        detail={
                            "count": len([a for a in added if a.strip()]),
                            "headings": headings(added),
                            **listed(gained, LISTED),
                        },
                    )
                )
            if [r for r in removed if r.strip()]:
                facts.append(
                    Fact(
                        kind=K.LINES_REMOVED,
                        where=where,
                        detail={
                            "count": len([r for r in removed if r.strip()]),
                            "headings": headings(removed),
                            **listed(lost, LISTED),
                        },
                    )
                )
    return _merge_rewrites(facts)


def _reordered(removed: list[str], added: list[str]) -> int | None:
    """How many lines changed place when ``added`` holds the lines of ``removed`` (spacing
    aside): 0 when only their spacing differs, None when the lines are not the same."""
    old = [v for r in removed if (v := visible(r).strip())]
    new = [v for a in added if (v := visible(a).strip())]
    if sorted(old) != sorted(new):
        return None
    kept = sum(b.size for b in SequenceMatcher(a=old, b=new, autojunk=False).get_matching_blocks())
    return len(new) - kept


def _merge_rewrites(facts: list[Fact]) -> list[Fact]:
    out: list[Fact] = []
    for f in facts:
        if (
            f.kind == K.LINE_REWRITTEN
            and out
            and out[-1].kind == K.LINE_REWRITTEN
            and out[-1].where == f.where
        ):
            out[-1].detail["count"] = int(out[-1].detail["count"]) + 1
            continue
        out.append(f)
    return out
