"""``diffinsight config check``: validate a report config or a watch list and say what it resolves to."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from diffinsight.config import DEFAULT_OUTPUT, Config, load_config
from diffinsight.errors import ConfigError


def mask_secret(value: str | None) -> str:
    """A key shown safely: its first 3 and last 4 characters at most, never all of it."""
    if not value:
        return "(none)"
    if len(value) < 16:
        return "*" * 8
    return f"{value[:3]}...{value[-4:]}"


@dataclass
class ConfigSummary:
    """What a config file resolves to, for people to read."""

    path: Path
    kind: str  #: ``report config`` or ``watch list``
    settings: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """``key: value`` lines, aligned."""
        width = max((len(k) for k, _ in self.settings), default=0)
        return [f"{self.path}: valid {self.kind}"] + [
            f"  {k + ':':<{width + 1}} {v}" for k, v in self.settings
        ]


def _engine(cfg: Config, name: str, env: Mapping[str, str]) -> list[tuple[str, str]]:
    from diffinsight.providers.registry import resolve
    from diffinsight.writers.llm.settings import parse_llm_settings

    settings = parse_llm_settings(cfg.llm, name)
    resolved = resolve(settings, env)
    if resolved is None:
        return [("engine", "offline (no LLM provider configured; --engine auto picks it)")]
    where = resolved.azure_endpoint or resolved.base_url or "api.openai.com"
    key = resolved.api_key if resolved.api_key != "unused" else None
    rows = [
        ("engine", "llm"),
        ("provider", f"{resolved.kind} at {where}"),
        ("models", f"{resolved.model} (report), {resolved.file_model} (files)"),
        ("key", mask_secret(key or resolved.azure_ad_token)),
    ]
    if settings.max_cost is not None:
        rows.append(("max cost", f"{settings.max_cost} USD"))
    return rows


def _report_rows(cfg: Config, output_default: str) -> list[tuple[str, str]]:
    cats = ", ".join(f"{n} ({', '.join(c.paths)})" for n, c in cfg.categories.items())
    return [
        ("categories", cats or "(none: one report named after the repository)"),
        ("catch-all", cfg.catch_all or "(none: unmatched files are dropped)"),
        ("languages", ", ".join(cfg.languages) or "en_US (default)"),
        ("output", cfg.output or f"{output_default} (default)"),
        ("title", cfg.title or "(default)"),
        ("time zone", cfg.timezone or "UTC (default)"),
    ]


def check_config_file(path: str | Path, env: Mapping[str, str] | None = None) -> ConfigSummary:
    """Validate ``path`` (a watch list when it has ``repositories:``, else a report config).

    Raises :class:`ConfigError` naming the file, key and line of the first problem.
    """
    env = os.environ if env is None else env
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc}); check the path") from exc
    except yaml.YAMLError:
        data = None  # the loaders below name the line
    if isinstance(data, dict) and "repositories" in data:
        from diffinsight.watchlist import DEFAULT_WATCH_OUTPUT, load_watchlist

        watch = load_watchlist(p)
        summary = ConfigSummary(p, "watch list")
        summary.settings.append(
            ("repositories", ", ".join(f"{r.display} ({r.branch})" for r in watch.repositories))
        )
        summary.settings += _report_rows(watch, DEFAULT_WATCH_OUTPUT)
        summary.settings.append(("output folder", watch.output_dir))
        for r in watch.repositories:
            rc = watch.repo_config(r)
            if rc.languages != (watch.languages or ["en_US"]) or "categories" in r.model_fields_set:
                summary.settings.append(
                    (
                        f"  {r.display}",
                        f"languages {', '.join(rc.languages)};"
                        f" categories {', '.join(rc.categories) or '(none)'}",
                    )
                )
        summary.settings += _engine(watch, str(p), env)
        return summary
    cfg = load_config(p)
    summary = ConfigSummary(p, "report config")
    summary.settings += _report_rows(cfg, DEFAULT_OUTPUT)
    summary.settings += _engine(cfg, str(p), env)
    return summary
