"""The watch list takes its report settings from Config: one declaration of each setting."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from diffinsight.config import Config
from diffinsight.errors import ConfigError
from diffinsight.watchlist import DEFAULT_WATCH_OUTPUT, parse_watchlist

TOP = """\
timezone: Asia/Tokyo
languages: [en_US, ja_JP]
output: "{repo}/{lang}/%Y%m%d-{category}.md"
title: "[{lang}] {repo}"
catch_all: other
llm_retry_days: 0
llm: {model: gpt-4o-mini, max_tokens: 900}
categories:
  docs: {paths: [articles]}
repositories:
  - path: /srv/a
  - path: /srv/b
    name: b
    languages: [zh_CN]
    timezone: UTC
    catch_all: null
    llm_retry_days: 5
    llm: {max_tokens: 300}
    categories:
      api: {paths: [reference]}
"""


def test_every_top_level_setting_reaches_each_repository() -> None:
    cfg = parse_watchlist(TOP)
    inherited = cfg.repo_config(cfg.repositories[0])
    # Every field of Config, so a new setting is covered here without editing this test.
    for name in Config.model_fields:
        assert getattr(inherited, name) == getattr(cfg, name), name
    assert inherited.llm_retry_days == 0


def test_a_repository_overrides_the_keys_it_sets() -> None:
    cfg = parse_watchlist(TOP)
    own = cfg.repo_config(cfg.repositories[1])
    assert own.languages == ["zh_CN"]
    assert own.timezone == "UTC"
    assert own.catch_all is None
    assert own.llm_retry_days == 5
    assert list(own.categories) == ["api"]
    assert own.llm == {"model": "gpt-4o-mini", "max_tokens": 300}
    assert (own.output, own.title) == (cfg.output, cfg.title)


def test_the_daily_defaults_apply_where_neither_level_says() -> None:
    cfg = parse_watchlist("repositories:\n  - path: /srv/a\n")
    rc = cfg.repo_config(cfg.repositories[0])
    assert (rc.languages, rc.output, rc.timezone) == (["en_US"], DEFAULT_WATCH_OUTPUT, "UTC")
    assert (rc.catch_all, rc.llm_retry_days, rc.categories) == ("misc", 3, {})


def test_a_bad_repository_setting_is_checked_as_at_the_top_level() -> None:
    with pytest.raises(ConfigError, match=r"line 3: repositories\.0\.llm_retry_days"):
        parse_watchlist("repositories:\n  - path: /srv/a\n    llm_retry_days: -1\n")
    with pytest.raises(ConfigError, match=r"line 3: unknown key 'repositories\.0\.langauges'"):
        parse_watchlist("repositories:\n  - path: /srv/a\n    langauges: [en_US]\n")


def test_a_new_config_field_needs_no_change_to_the_watch_list() -> None:
    # A fresh interpreter in which Config has one more field than today, as if added to
    # config.py; watchlist.py is imported afterwards, as it is.
    code = textwrap.dedent(
        """
        import json
        import diffinsight.config as config

        class Config(config.Config):
            reviewers: list[str] = []

        config.Config = Config
        from diffinsight.watchlist import parse_watchlist

        cfg = parse_watchlist(
            "reviewers: [ann]\\n"
            "repositories:\\n"
            "  - path: /srv/a\\n"
            "  - path: /srv/b\\n"
            "    reviewers: [bob]\\n"
        )
        print(json.dumps([cfg.repo_config(r).reviewers for r in cfg.repositories]))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [["ann"], ["bob"]]


def test_the_automation_guide_names_every_report_setting() -> None:
    text = (ROOT / "docs" / "automation.md").read_text("utf-8")
    start = text.index("Every key of the report")
    listed = set(re.findall(r"`(\w+)`", text[start : text.index("\n\n", start)]))
    assert listed == set(Config.model_fields)
