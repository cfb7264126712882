"""A published site for the notify tests: real git history, the daily run, receivers up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from diffinsight.models import Report
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.offline import OfflineWriter
from gitutil import commit_files, init_repo
from notify_servers import SLACK_PATH, TEAMS_PATH, Receiver, SmtpServer, self_signed

HOSTILE = "<script>alert(1)</script> <!channel> @here [click](https://evil.example) <https://evil.example|x>"

#: Two days of May 2025: 05-01 (openai, search), 05-02 (openai only).
HISTORY: list[tuple[str, dict[str, str | None]]] = [
    (
        "2025-05-01T01:00:00",
        {"articles/openai/a.md": "# A\n\nOne.\n", "articles/search/s.md": "# S\n\nOne.\n"},
    ),
    ("2025-05-02T01:00:00", {"articles/openai/b.md": "# B\n\nNew page.\n"}),
]


class HostileWriter(OfflineWriter):
    """The offline writer, plus text an untrusted LLM could write: markup, mentions, links,
    and more highlights than a chat message shows."""

    name = "hostile"

    def write_one(self, request: ReportRequest, lang: str) -> Report:
        rep = super().write_one(request, lang)
        h = rep.highlights.model_copy(
            update={
                "breaking_changes": [f"Removed the v1 endpoint {HOSTILE}"],
                "new_features": [f"Feature {i} {HOSTILE}" for i in range(8)],
            }
        )
        return rep.model_copy(update={"summary": f"{rep.summary} {HOSTILE}", "highlights": h})


WATCH = """\
output_dir: site
languages: [en_US, ja_JP]
site_url: https://docs.example.com/reports-site/
categories:
  openai: {{paths: [articles/openai]}}
  search: {{paths: [articles/search]}}
catch_all: null
repositories:
  - path: docs
    branch: main
notify:
{targets}
"""

TARGETS = {
    "slack": """\
  - name: team-slack
    kind: slack
    webhook_url_env: DI_SLACK_URL
""",
    "slackbot": """\
  - name: team-bot
    kind: slack
    bot_token_env: DI_SLACK_TOKEN
    channel: C0DOCS
    api_url: {base}/api/
""",
    "teams": """\
  - name: team-teams
    kind: teams
    webhook_url_env: DI_TEAMS_URL
""",
    "email": """\
  - name: digest
    kind: email
    from: "Docs reports <reports@example.com>"
    to: [ann@example.com, bob@example.com]
    smtp: {{host: 127.0.0.1, port: {smtp_port}, security: starttls, user: bot, password_env: DI_SMTP_PASSWORD, ca_file: {cert}}}
""",
    "webhook": """\
  - name: bot-hook
    kind: webhook
    url: {base}/hook
    secret_env: DI_HOOK_SECRET
""",
}

SMTP_PASSWORD = "smtp-pa55word"


@dataclass
class Env:
    root: Path
    receiver: Receiver
    smtp: SmtpServer
    cert: Path

    @property
    def watch(self) -> Path:
        return self.root / "watch.yml"

    @property
    def site(self) -> Path:
        return self.root / "site"

    def env(self) -> dict[str, str]:
        """The secrets, as the environment a real run gets them from."""
        return {
            "DI_SLACK_URL": self.receiver.base + SLACK_PATH,
            "DI_TEAMS_URL": self.receiver.base + TEAMS_PATH,
            "DI_HOOK_SECRET": self.receiver.secret,
            "DI_SMTP_PASSWORD": SMTP_PASSWORD,
            "DI_SLACK_TOKEN": self.receiver.slack_token,
        }

    def write_watch(self, *kinds: str, extra: str = "") -> Path:
        targets = "".join(
            TARGETS[k].format(base=self.receiver.base, smtp_port=self.smtp.port, cert=self.cert)
            for k in kinds
        )
        self.watch.write_text(WATCH.format(targets=targets + extra), encoding="utf-8")
        return self.watch


def build_docs(repo: Path) -> None:
    init_repo(repo)
    for i, (when, files) in enumerate(HISTORY):
        commit_files(repo, files, f"change {i}", when + "+00:00")


@pytest.fixture
def nenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    build_docs(tmp_path / "docs")
    cert, key = self_signed(tmp_path)
    receiver = Receiver().start()
    smtp = SmtpServer(cert, key, "bot", SMTP_PASSWORD).start()
    env = Env(tmp_path, receiver, smtp, cert)
    for k, v in env.env().items():
        monkeypatch.setenv(k, v)
    try:
        yield env
    finally:
        receiver.stop()
        smtp.stop()
