"""A small, realistic documentation repository to try diffinsight on, built from scratch with git.

Its history holds what real documentation repos see every day: date bumps, a new article, a
removed article, a rename, a new table row, an API version bump, a link fix, a new image, TOC edits.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from diffinsight._gitrun import run_git

if TYPE_CHECKING:
    from diffinsight.pipeline import RunResult

log = logging.getLogger(__name__)

#: The range the example reports on: everything after the initial import.
EXAMPLE_RANGE = "initial...main"

EXAMPLE_CONFIG = """\
categories:
  speech: {paths: [articles/speech]}
  openai: {paths: [articles/openai]}
catch_all: misc
"""

# A 1x1 transparent PNG: enough for git to see a binary image.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

_QUICKSTART = """\
---
title: 'Quickstart: Use the Realtime API'
description: Learn how to stream audio to and from a model with the Realtime API.
ms.service: contoso-openai
ms.topic: quickstart
ms.date: 04/10/2025
author: jdoe
---

# Quickstart: Use the Realtime API

The Realtime API streams audio in both directions over a WebSocket.

## Prerequisites

- A Contoso account.
- A deployed `gpt-4o-realtime-preview` model.

## Connect

Construct the request URI:

```http
wss://my-resource.openai.contoso.com/openai/realtime?api-version=2024-12-17&deployment=gpt-4o-realtime
```

[!INCLUDE [auth](../includes/auth.md)]

## Next steps

* Learn more about [quotas and limits](quotas-limits.md)
"""

_MODELS = """\
---
title: Models
description: Models available for fine-tuning.
ms.date: 04/10/2025
---

# Fine-tuning models

| Model ID | Regions | Training context |
|---|---|---|
| `gpt-4o` (2024-08-06) | East US2 <br> Sweden Central | 65,536 |
| `gpt-4o-mini` (2024-07-18) | North Central US <br> Sweden Central | 65,536 |

![Model picker](media/model-picker.png)

> [!NOTE]
> Global training is available in [more regions](https://contoso.example/regions).
"""

_QUOTAS = """\
---
title: Quotas and limits
description: Limits of the Contoso OpenAI service.
ms.date: 03/01/2025
---

# Quotas and limits

| Limit | Value |
|---|---|
| Requests per minute | 300 |
| Max files per resource | 100 |
"""

_LEGACY = """\
---
title: Legacy completions
description: The legacy Completions API.
ms.date: 01/15/2025
---

# Legacy completions

The Completions API is retired. Use the Chat Completions API instead.

## Migrate

Replace `prompt` with a `messages` array.
"""

_SPEECH = """\
---
title: Speech to text overview
description: Convert audio to text.
ms.date: 04/02/2025
---

# Speech to text overview

Speech to text supports real-time and batch transcription.

## Languages

See [language support](language-support.md).
"""

_TOC = """\
items:
- name: Contoso OpenAI
  items:
  - name: Realtime quickstart
    href: realtime-quickstart.md
  - name: Fine-tuning models
    href: fine-tuning-models.md
  - name: Quotas and limits
    href: quotas-limits.md
  - name: Legacy completions
    href: legacy-completions.md
"""

_AUTH = """\
---
ms.date: 04/10/2025
---

To authenticate, pass an `api-key` header or a Microsoft Entra ID token.
"""

_README = """\
# Contoso docs

Documentation for Contoso AI services.
"""


def _git(repo: Path, *args: str, when: str | None = None) -> None:
    run_git(repo, *args, name="Docs Writer", email="writer@contoso.example", when=when)


def _write(repo: Path, rel: str, text: str | bytes) -> None:
    p = repo / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")


def _commit(repo: Path, message: str, when: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, when=when)


def build_example_repo(repo: Path) -> Path:
    """Create the example repository at ``repo`` (an empty or missing folder) and return it."""
    if repo.exists() and any(repo.iterdir()):
        from diffinsight.errors import InputError

        raise InputError(
            f"{repo}: folder is not empty; pass a new folder for the example repository"
        )
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, "init", "-q", "-b", "main")
    o = "articles/openai"
    _write(repo, "README.md", _README)
    _write(repo, f"{o}/realtime-quickstart.md", _QUICKSTART)
    _write(repo, f"{o}/fine-tuning-models.md", _MODELS)
    _write(repo, f"{o}/quotas-limits.md", _QUOTAS)
    _write(repo, f"{o}/legacy-completions.md", _LEGACY)
    _write(repo, f"{o}/toc.yml", _TOC)
    _write(repo, f"{o}/media/model-picker.png", _PNG)
    _write(repo, "articles/includes/auth.md", _AUTH)
    _write(repo, "articles/speech/speech-to-text.md", _SPEECH)
    _commit(repo, "Initial import", "2025-05-20T09:00:00+00:00")
    _git(repo, "tag", "initial")

    # Day of changes: an API version bump and a date bump.
    q = (repo / f"{o}/realtime-quickstart.md").read_text(encoding="utf-8")
    q = q.replace("api-version=2024-12-17", "api-version=2025-04-01-preview")
    q = q.replace("ms.date: 04/10/2025", "ms.date: 05/21/2025")
    q += "* Learn more about [Language and voice support for the Speech service](../speech/language-support.md)\n"
    _write(repo, f"{o}/realtime-quickstart.md", q)
    _commit(repo, "Realtime: use the 2025-04-01-preview API version", "2025-05-21T08:30:00+00:00")

    # A new model row, a new image and a date bump.
    m = (repo / f"{o}/fine-tuning-models.md").read_text(encoding="utf-8")
    m = m.replace(
        "| `gpt-4o-mini` (2024-07-18) | North Central US <br> Sweden Central | 65,536 |\n",
        "| `gpt-4o-mini` (2024-07-18) | North Central US <br> Sweden Central | 65,536 |\n"
        "| `o4-mini` (2025-04-16) | East US2 <br> Sweden Central | 65,536 |\n",
    )
    m = m.replace("ms.date: 04/10/2025", "ms.date: 05/21/2025")
    _write(repo, f"{o}/fine-tuning-models.md", m)
    _write(repo, f"{o}/media/o4-mini-regions.png", _PNG + b"o4")
    _commit(repo, "Fine-tuning: add o4-mini", "2025-05-21T10:00:00+00:00")

    # A new article, a removed article, a rename, TOC edits, a limit corrected.
    _write(
        repo,
        f"{o}/reinforcement-fine-tuning.md",
        "---\ntitle: Reinforcement fine-tuning (Preview)\ndescription: Improve reasoning models with"
        " graders.\nms.date: 05/21/2025\n---\n\n# Reinforcement fine-tuning (Preview)\n\n"
        "Reinforcement fine-tuning (RFT) trains reasoning models such as `o4-mini` with rewards.\n\n"
        "## Prepare a grader\n\nWrite a grader that scores each answer.\n\n"
        "## Start a job\n\nCreate a job with `method: reinforcement`.\n",
    )
    (repo / f"{o}/legacy-completions.md").unlink()
    (repo / f"{o}/quotas-limits.md").rename(repo / f"{o}/quotas-and-limits.md")
    ql = (repo / f"{o}/quotas-and-limits.md").read_text(encoding="utf-8")
    _write(
        repo,
        f"{o}/quotas-and-limits.md",
        ql.replace("| Max files per resource | 100 |", "| Max files per resource | 500 |"),
    )
    t = (repo / f"{o}/toc.yml").read_text(encoding="utf-8")
    t = t.replace("href: quotas-limits.md", "href: quotas-and-limits.md")
    t = t.replace(
        "  - name: Legacy completions\n    href: legacy-completions.md\n",
        "  - name: Reinforcement fine-tuning\n    href: reinforcement-fine-tuning.md\n",
    )
    _write(repo, f"{o}/toc.yml", t)
    qs = (repo / f"{o}/realtime-quickstart.md").read_text(encoding="utf-8")
    _write(
        repo,
        f"{o}/realtime-quickstart.md",
        qs.replace("(quotas-limits.md)", "(quotas-and-limits.md)"),
    )
    _commit(repo, "Add RFT, retire legacy completions, rename quotas", "2025-05-21T15:00:00+00:00")

    # Speech: a date bump and a new section.
    s = (repo / "articles/speech/speech-to-text.md").read_text(encoding="utf-8")
    s = s.replace("ms.date: 04/02/2025", "ms.date: 05/21/2025")
    s += "\n## Pricing\n\nBatch transcription is billed per audio hour.\n"
    _write(repo, "articles/speech/speech-to-text.md", s)
    a = (repo / "articles/includes/auth.md").read_text(encoding="utf-8")
    _write(
        repo, "articles/includes/auth.md", a.replace("ms.date: 04/10/2025", "ms.date: 05/21/2025")
    )
    _commit(repo, "Speech: pricing section", "2025-05-21T16:45:00+00:00")
    return repo


def run_example(
    out: Path, *, repo: Path | None = None, languages: Sequence[str] = ("en_US", "ja_JP", "zh_CN")
) -> list[RunResult]:
    """Build the example repository (in a temp folder unless ``repo``) and write its reports.

    Writes Markdown and JSON under ``out/%Y%m/{lang}/``, all files at once; returns one result
    per format.
    """
    from diffinsight.config import Config, parse_config
    from diffinsight.pipeline import RunResult, run
    from diffinsight.publish import check_writable, output_path, write_all
    from diffinsight.render import get_renderer
    from diffinsight.sources import GitSource

    template = str(out / "%Y%m/{lang}/report-%Y%m%d-{category}.md")
    check_writable(template)  # before the repository is built, not after
    with tempfile.TemporaryDirectory(prefix="diffinsight-example-") as tmp:
        where = build_example_repo(repo or Path(tmp) / "contoso-docs")
        source = GitSource(where, EXAMPLE_RANGE)
        config: Config = parse_config(EXAMPLE_CONFIG, "example config")
        # One read and one analysis; the JSON is rendered from the same reports.
        md = run(source=source, config=config, languages=languages, output=template, write=False)
    renderer = get_renderer("json")
    as_json = RunResult(
        changeset=md.changeset,
        reports=md.reports,
        texts=[renderer.render(r) for r in md.reports],
        paths=[
            output_path(template, r.date, r.language, r.category, suffix=renderer.suffix)
            for r in md.reports
        ],
    )
    results = [md, as_json]
    write_all([(p, t) for r in results for p, t in zip(r.paths, r.texts, strict=True)])
    log.info("wrote %d report(s) in Markdown and JSON", len(md.reports))
    return results


def next_steps(out: Path, results: Sequence[RunResult]) -> str:
    """What to do after ``diffinsight example``: open a report, build and preview the site."""
    first = results[0].paths[0] if results and results[0].paths else out
    return (
        "Next steps:\n"
        f"  open a report:     less {first}\n"
        f"  build the site:    diffinsight site build {out} --out _site\n"
        "  preview it:        diffinsight site serve _site   (http://127.0.0.1:8000/)\n"
        "  your repository:   diffinsight report path/to/repo main~10...main --lang en_US"
    )
