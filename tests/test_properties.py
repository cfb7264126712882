"""Property tests: the linear readers agree with the patterns they replace; readers never crash."""

from __future__ import annotations

import contextlib
import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from diffinsight import safeyaml
from diffinsight.errors import InputError
from diffinsight.facts.scan import parse_heading, replace_links, strip_heading_id
from diffinsight.render.reference.read import parse_report

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
