"""Property tests: the linear readers agree with the patterns they replace; readers never crash;
the patch parser reads like git; front matter and table facts name exactly what changed."""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
from pathlib import Path

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diffinsight import safeyaml
from diffinsight.errors import InputError
from diffinsight.facts import extract_facts
from diffinsight.facts.frontmatter import frontmatter_facts, split_front_matter
from diffinsight.facts.kinds import FactKind as K
from diffinsight.facts.scan import parse_heading, replace_links, strip_heading_id
from diffinsight.facts.structure import split_row
from diffinsight.models import FileChange, FileStatus
from diffinsight.render.reference.read import parse_report
from diffinsight.sources import parse_patch
from diffinsight.sources.patch import unquote_git_path

OLD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
OLD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
OLD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
OLD_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")

heading_text = st.text(alphabet=" #\ta\u3000\x0bx", max_size=16)
link_text = st.text(alphabet="[]()!a ", max_size=20)
anchor_text = st.text(alphabet="{}# a\t", max_size=16)
few = settings(max_examples=300, deadline=None)


@few
@given(heading_text)
def test_heading_parser_reads_like_the_old_pattern(line: str) -> None:
    m = OLD_HEADING.match(line)
    assert parse_heading(line) == ((len(m.group(1)), m.group(2)) if m else None)


@few
@given(link_text)
def test_link_scanner_reads_like_the_old_patterns(text: str) -> None:
    assert replace_links(text) == OLD_LINK.sub(r"\1", text)
    assert replace_links(text, images=True) == OLD_IMAGE.sub("", text)


@few
@given(anchor_text)
def test_anchor_strip_reads_like_the_old_pattern(text: str) -> None:
    assert strip_heading_id(text) == OLD_ANCHOR.sub("", text)


yaml_text = st.text(alphabet="&*ab: -[]{}\n'\"2025-02-30#!\\u", max_size=60)


@few
@given(yaml_text)
def test_yaml_loader_only_raises_yaml_errors(text: str) -> None:
    with contextlib.suppress(yaml.YAMLError):
        safeyaml.load(text)


report_lines = st.lists(
    st.sampled_from(
        [
            "---",
            "title: '[en_US] Docs - updates'",
            "date: '2025-02-30'",
            "date: 2025-01-02",
            "summary: &a [x, *a]",
            "# Summary Table",
            "# Modified Contents",
            "| File | Type |",
            "|---|---|",
            "| [a.md](#item-1) | modified |",
            "## a.md {#item-1}",
            "### Summary",
            "```json",
            '{"a": [[[1]]]}',
            "```",
            "### Explanation",
            "text \ud800",
            "",
            "- **New**: x",
        ]
    ),
    max_size=25,
)


@few
@given(report_lines)
def test_report_reader_raises_only_input_errors(lines: list[str]) -> None:
    try:
        report = parse_report("\n".join(lines), source="r.md")
    except InputError as exc:
        assert str(exc).startswith("r.md: ") and "\n" not in str(exc)
        return
    # Whatever it kept can be written out.
    report.model_dump_json().encode("utf-8")


# --- The patch parser ----------------------------------------------------------------------------


def _git_numstat(patch: bytes, cwd: Path) -> list[tuple[int, int]] | None:
    """``git apply --numstat``'s +/- counts, or None when git refuses the patch."""
    proc = subprocess.run(
        ["git", "apply", "--numstat", "-z", "-"], input=patch, cwd=cwd, capture_output=True
    )
    if proc.returncode != 0:
        return None
    counts: dict[str, tuple[int, int]] = {}
    for rec in proc.stdout.split(b"\0"):
        if rec.count(b"\t") == 2:
            a, d, path = rec.split(b"\t")
            old = counts.get(path.decode("utf-8", "replace"), (0, 0))
            counts[path.decode("utf-8", "replace")] = (old[0] + int(a), old[1] + int(d))
    return sorted(counts.values())


def _ours(patch: bytes) -> list[tuple[int, int]] | None:
    try:
        files = parse_patch(patch, name="p.patch")
    except InputError as exc:
        assert str(exc).startswith("p.patch: ") and "\n" not in str(exc)
        return None
    return sorted((f.additions, f.deletions) for f in files if not f.binary)


#: Document lines as git sees them: stray carriage returns inside and at the end, tabs, NULs
#: aside (git calls those files binary), non-ASCII, lines that look like diff syntax.
doc_line = st.text(alphabet='ab \t\r#|-+@\\"é語', max_size=8)
doc = st.lists(doc_line, max_size=12).map("\n".join)


@settings(max_examples=120, deadline=None)
@given(doc, doc, st.booleans())
def test_reading_of_git_diff_output_counts_like_git(old: str, new: str, eol: bool) -> None:
    """Whatever two texts are, our reading of ``git diff`` of them is git's own."""
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "a").mkdir()
        (cwd / "b").mkdir()
        (cwd / "a" / "d.md").write_bytes((old + ("\n" if eol else "")).encode())
        (cwd / "b" / "d.md").write_bytes((new + "\n").encode())
        patch = subprocess.run(
            ["git", "diff", "--no-index", "--no-color", "a/d.md", "b/d.md"],
            cwd=cwd,
            capture_output=True,
        ).stdout
        assume(patch)
        files = parse_patch(patch, name="p.patch")
        assert sorted((f.additions, f.deletions) for f in files) == _git_numstat(patch, cwd)
        # Every line of the hunks is kept as it was, carriage returns and all.
        body = patch.decode().split("\n@@", 1)[1]
        assert ("@@" + body).rstrip("\n") == (files[0].patch or "").rstrip("\n")


hunk_line = st.sampled_from(
    [" a", "-b", "+c", " a\r", "+\r", "-x\ry", "", "\\ No newline at end of file", "junk", "@@ x"]
)


@st.composite
def hunked_patches(draw: st.DrawFn) -> bytes:
    """A git diff of one or two files whose hunk counts may be wrong, as git's checks see them."""
    out = []
    for name in draw(st.lists(st.sampled_from(["d.md", "e.md"]), min_size=1, max_size=2)):
        out.append(f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n")
        start = 1
        for _ in range(draw(st.integers(1, 2))):
            a, b = draw(st.integers(0, 4)), draw(st.integers(0, 4))
            out.append(f"@@ -{start},{a} +{start},{b} @@\n")
            out.extend(ln + "\n" for ln in draw(st.lists(hunk_line, max_size=7)))
            start += 10
    return "".join(out).encode()


@settings(max_examples=200, deadline=None)
@given(hunked_patches())
def test_hunk_counts_are_checked_like_git_apply(patch: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert _ours(patch) == _git_numstat(patch, Path(tmp))


patch_piece = st.sampled_from(
    [
        b"diff --git a/x b/x\n",
        b'diff --git "a/x b/x\n',
        b'diff --git "a/\\3x" "b/\\3x"\n',
        b'diff --git "a/caf\xc3\xa9" "b/\\303\\251"\n',
        b"diff --git a/caf\xe9 b/caf\xe9\n",
        b"--- a/x\n",
        b"+++ b/x\n",
        b'+++ "b/\\777"\n',
        b"--- /dev/null\n",
        b"new file mode 100644\n",
        b"deleted file mode 100644\n",
        b"rename from y\n",
        b"similarity index 250%\n",
        b"index 0123abc..4567def 100644\n",
        b"@@ -1 +1 @@\n",
        b"@@ -1,2 +1,3 @@ heading\n",
        b"@@ -0,0 +1 @@\n",
        b" context\n",
        b"-old\r\n",
        b"+new\r\r\n",
        b"+\xff\xfe\n",
        b"\\ No newline at end of file\n",
        b"GIT binary patch\n",
        b"literal 5\n",
        b"zzzzz\n",
        b"Binary files a/x and b/x differ\n",
        b"\n",
        b"\r",
        b"\x00",
    ]
)


@few
@given(st.lists(patch_piece, max_size=20).map(b"".join))
def test_patch_parser_reads_or_refuses_in_one_line(patch: bytes) -> None:
    try:
        files = parse_patch(patch, name="p.patch")
    except InputError as exc:
        assert str(exc).startswith("p.patch: ") and "\n" not in str(exc)
        return
    for f in files:
        assert f.additions >= 0 and f.deletions >= 0
        f.model_dump_json().encode("utf-8")  # paths and text are valid Unicode


def _quote_c(path: str) -> str:
    """git's C-style quoting (core.quotepath on): specials escaped, non-ASCII bytes in octal."""
    named = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 34: '"', 92: "\\"}
    out = []
    for byte in path.encode("utf-8"):
        if byte in named:
            out.append("\\" + named[byte])
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    return '"' + "".join(out) + '"'


@few
@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=12))
def test_quoted_paths_read_back_as_written(path: str) -> None:
    assert unquote_git_path(_quote_c(path)) == path


# --- Front matter --------------------------------------------------------------------------------

fm_key = st.from_regex(r"[a-z][a-z_.]{0,6}", fullmatch=True)
fm_value = st.one_of(
    st.text(alphabet="ab :#-'\"é01/", max_size=10),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.lists(st.text(alphabet="ab -", max_size=4), max_size=3),
)
fm_mapping = st.dictionaries(fm_key, fm_value, max_size=6)


def _front(mapping: dict[str, object]) -> str:
    dumped = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False, width=10_000)
    return "---\n" + ("" if not mapping else dumped) + "---\n# Title\n\nBody.\n"


@few
@given(fm_mapping)
def test_front_matter_reads_what_yaml_wrote(mapping: dict[str, object]) -> None:
    data, note = split_front_matter(_front(mapping))
    assert note is None
    assert (data or {}) == mapping


@few
@given(st.text(alphabet="-:\n ab&*[]{}'\"#|>", max_size=60))
def test_front_matter_of_any_text_is_a_mapping_or_a_note(text: str) -> None:
    data, note = split_front_matter(text)
    assert data is None or isinstance(data, dict)
    assert note in (None, "front-matter-unterminated", "front-matter-invalid-yaml")


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def _flat(mapping: dict[str, object]) -> list[str]:
    return [ln for ln in _front(mapping).split("\n") if ln]


@few
@given(fm_mapping, fm_mapping)
def test_front_matter_facts_name_exactly_the_fields_that_changed(
    old: dict[str, object], new: dict[str, object]
) -> None:
    """Added, removed and changed fields, each once; fields left alone are never named."""
    old_text, new_text = _front(old), _front(new)
    old_lines, new_lines = _flat(old), _flat(new)
    change = FileChange(
        path="d.md", status=FileStatus.MODIFIED, old_text=old_text, new_text=new_text
    )
    facts = frontmatter_facts(
        change,
        [ln for ln in old_lines if ln not in new_lines],
        [ln for ln in new_lines if ln not in old_lines],
    )
    named = [f.detail["key"] for f in facts]
    assert len(named) == len(set(named))
    # Compared as a report shows them: as text (null and '' are both empty; [a] reads as a).
    changed = {k for k in old.keys() & new.keys() if _shown(old[k]) != _shown(new[k])}
    changed |= old.keys() ^ new.keys()
    assert set(named) == changed
    for f in facts:
        key = f.detail["key"]
        if key not in old:
            assert f.kind == K.FRONTMATTER_ADDED
        elif key not in new:
            assert f.kind == K.FRONTMATTER_REMOVED
        else:
            assert f.kind in (K.FRONTMATTER_CHANGED, K.FRONTMATTER_DATE_CHANGED)


# --- Tables --------------------------------------------------------------------------------------

cell_piece = st.sampled_from(["a", "b c", "1.5", "\\|", "`x|y`", "**w**", "é", "\\`", "[l](u)"])
cell = st.lists(cell_piece, min_size=1, max_size=3).map(" ".join)


@few
@given(st.lists(cell, min_size=1, max_size=5), st.booleans())
def test_table_row_splits_into_the_cells_it_was_made_of(cells: list[str], outer: bool) -> None:
    row = " | ".join(cells)
    assert split_row(f"| {row} |" if outer else row) == cells


row_key = st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"])
ROW_VALUES = ["1", "2", "on", "off", "yes `x`", "10 GB"]
row_value = st.sampled_from(ROW_VALUES)


@st.composite
def table_edits(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str]]:
    old = draw(st.dictionaries(row_key, row_value, min_size=1, max_size=6))
    new = dict(old)
    for k in draw(st.lists(st.sampled_from(sorted(old)), max_size=len(old), unique=True)):
        if draw(st.booleans()):
            del new[k]
        else:
            new[k] = draw(st.sampled_from([v for v in ROW_VALUES if v != old[k]]))
    for k in draw(st.lists(row_key.filter(lambda k: k not in old), max_size=2, unique=True)):
        new[k] = draw(row_value)
    return old, new


def _table_doc(rows: dict[str, str]) -> str:
    body = "".join(f"| {k} | {v} |\n" for k, v in rows.items())
    return f"# Limits\n\nIntro text.\n\n| Name | Value |\n|---|---|\n{body}\nClosing text.\n"


@settings(max_examples=100, deadline=None)
@given(table_edits())
def test_table_facts_name_the_rows_added_removed_and_changed(
    edit: tuple[dict[str, str], dict[str, str]],
) -> None:
    old, new = edit
    assume(old != new)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        for side, rows in (("a", old), ("b", new)):
            (cwd / side).mkdir()
            (cwd / side / "d.md").write_text(_table_doc(rows), encoding="utf-8")
        patch = subprocess.run(
            ["git", "diff", "--no-index", "--no-color", "a/d.md", "b/d.md"],
            cwd=cwd,
            capture_output=True,
        ).stdout
    (read,) = parse_patch(patch)
    change = FileChange(
        path="d.md",
        status=FileStatus.MODIFIED,
        additions=read.additions,
        deletions=read.deletions,
        patch=read.patch,
        old_text=_table_doc(old),
        new_text=_table_doc(new),
    )
    named: dict[str, set[str | None]] = {
        K.TABLE_ROW_ADDED: set(),
        K.TABLE_ROW_REMOVED: set(),
        K.TABLE_ROW_CHANGED: set(),
    }
    for f in extract_facts(change):
        if f.kind in named:
            named[f.kind].add(f.new if f.kind == K.TABLE_ROW_ADDED else f.old)
    assert named[K.TABLE_ROW_ADDED] == new.keys() - old.keys()
    assert named[K.TABLE_ROW_REMOVED] == old.keys() - new.keys()
    assert named[K.TABLE_ROW_CHANGED] == {k for k in old.keys() & new.keys() if old[k] != new[k]}
