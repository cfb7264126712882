"""Categories from the YAML config, and config errors that name the key and line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from diffinsight.categories import categorize, matches
from diffinsight.config import load_config, parse_config
from diffinsight.errors import ConfigError
from diffinsight.models import ChangeSet, FileChange, FileStatus

EXISTING_TOOL_CONFIG = """\
categories:
  openai: {paths: [articles/ai-services/openai]}
  search: {paths: [articles/search]}
"""


def cs(*paths: str) -> ChangeSet:
    return ChangeSet(
        repo="Owner/docs", files=[FileChange(path=p, status=FileStatus.MODIFIED) for p in paths]
    )


def test_existing_tool_config_works_unchanged() -> None:
    cfg = parse_config(EXISTING_TOOL_CONFIG)
    groups = categorize(
        cs("articles/ai-services/openai/a.md", "articles/search/b.md", "articles/other/c.md"), cfg
    )
    assert {k: [f.path for f in v.files] for k, v in groups.items()} == {
        "openai": ["articles/ai-services/openai/a.md"],
        "search": ["articles/search/b.md"],
        "misc": ["articles/other/c.md"],
    }


def test_prefix_is_a_folder_not_a_string_prefix() -> None:
    assert matches("articles/search/x.md", "articles/search")
    assert matches("articles/search/x.md", "articles/search/")
    assert not matches("articles/searchable/x.md", "articles/search")


def test_globs_and_first_match_wins() -> None:
    cfg = parse_config(
        "categories:\n  images: {paths: ['**/*.png']}\n  docs: {paths: ['articles/*/index.md', 'articles']}\n"
    )
    groups = categorize(
        cs("articles/a/media/x.png", "articles/a/index.md", "articles/a/b/c.md"), cfg
    )
    assert [f.path for f in groups["images"].files] == ["articles/a/media/x.png"]
    assert [f.path for f in groups["docs"].files] == ["articles/a/index.md", "articles/a/b/c.md"]
    assert matches("a/b/c.md", "a/*")  # a glob that names a folder covers what is inside
    assert not matches("a/b/c.md", "*.md")


def test_renamed_file_follows_its_old_path_when_the_new_one_matches_nothing() -> None:
    cfg = parse_config(EXISTING_TOOL_CONFIG)
    f = FileChange(
        path="elsewhere/a.md", old_path="articles/search/a.md", status=FileStatus.RENAMED
    )
    groups = categorize(ChangeSet(files=[f]), cfg)
    assert list(groups) == ["search"]


def test_catch_all_name_and_drop_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    cfg = parse_config(EXISTING_TOOL_CONFIG + "catch_all: rest\n")
    assert list(categorize(cs("x/y.md"), cfg)) == ["rest"]
    dropped = parse_config(EXISTING_TOOL_CONFIG + "catch_all: null\n")
    with caplog.at_level(logging.WARNING):
        assert categorize(cs("x/y.md", "articles/search/z.md"), dropped).keys() == {"search"}
    assert "x/y.md" in caplog.text


def test_no_config_one_category_named_after_the_repo() -> None:
    groups = categorize(cs("a.md"), parse_config(""))
    assert list(groups) == ["docs"]


def test_config_errors_name_key_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 3: unknown key 'categoreis'"):
        parse_config("languages: [en_US]\n\ncategoreis: {}\n", "c.yml")
    with pytest.raises(ConfigError, match=r"line 2: categories.openai.paths"):
        parse_config("categories:\n  openai: {paths: []}\n", "c.yml")
    with pytest.raises(ConfigError, match=r"line 3: unknown key 'categories.openai.path'"):
        parse_config("categories:\n  openai:\n    path: [x]\n", "c.yml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_config("categories: [\n", "c.yml")
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "missing.yml")
    bad = tmp_path / "bin.yml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match=r"bin\.yml"):
        load_config(bad)
