"""The ``notify:`` list of the watch list: who hears about which reports, and how.

Secrets never appear in the file: each one is named by the environment variable that holds
it (``webhook_url_env``, ``bot_token_env``, ``password_env``, ``secret_env``)::

    notify:
      - name: docs-channel
        kind: slack
        webhook_url_env: SLACK_DOCS_WEBHOOK
        filter: {categories: [openai], min_importance: new feature}
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from diffinsight.errors import ConfigError
from diffinsight.models import ModificationType

#: Importance of a kind of change, lowest first (``min_importance`` compares against it).
IMPORTANCE: dict[str, int] = {
    "every": 0,
    ModificationType.MINOR_UPDATE.value: 0,
    ModificationType.BUG_FIX.value: 1,
    ModificationType.NEW_FEATURE.value: 2,
    ModificationType.BREAKING_CHANGE.value: 3,
}

Importance = Literal["every", "minor update", "bug fix", "new feature", "breaking change"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NotifyFilter(BaseModel):
    """Which reports a target gets; an unset list means all."""

    model_config = ConfigDict(extra="forbid")

    #: Repository names as in the watch list (``name``, else ``OWNER/REPO`` or the folder).
    repositories: list[str] | None = None
    categories: list[str] | None = None
    #: Report languages; unset: the first language of each repository.
    languages: list[str] | None = None
    #: ``every`` report, or only those with at least one change this important.
    min_importance: Importance = "every"


def _env_name(v: str | None) -> str | None:
    if v is not None and not _ENV.match(v):
        raise ValueError(
            "expected the NAME of an environment variable (such as SLACK_WEBHOOK_URL),"
            " never the secret itself"
        )
    return v


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    filter: NotifyFilter = Field(default_factory=NotifyFilter)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("use letters, digits, '.', '_' or '-' (at most 64)")
        return v


class SlackTarget(_Target):
    """A Slack channel: an incoming webhook, or a bot token and a channel (Web API)."""

    kind: Literal["slack"]
    webhook_url_env: str | None = None
    bot_token_env: str | None = None
    channel: str | None = None
    #: The Web API's base URL (bot token only); change it for a proxy or a test server.
    api_url: str = "https://slack.com/api/"

    @field_validator("webhook_url_env", "bot_token_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        return _env_name(v)

    @model_validator(mode="after")
    def _one_way(self) -> SlackTarget:
        bot = self.bot_token_env is not None or self.channel is not None
        if (self.webhook_url_env is None) == (not bot):
            raise ValueError("give either webhook_url_env, or bot_token_env and channel (not both)")
        if bot and (self.bot_token_env is None or self.channel is None):
            raise ValueError("a bot needs both bot_token_env and channel")
        return self


class TeamsTarget(_Target):
    """A Microsoft Teams channel through a Workflows (or incoming) webhook URL."""

    kind: Literal["teams"]
    webhook_url_env: str

    @field_validator("webhook_url_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        return _env_name(v)


class SmtpSettings(BaseModel):
    """How to reach the mail server."""

    model_config = ConfigDict(extra="forbid")

    host: str
    port: int = 587
    #: ``starttls`` (usually port 587), ``tls`` (implicit, usually 465) or ``none`` (local relay).
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password_env: str | None = None
    #: CA bundle for a server whose certificate a private CA signed.
    ca_file: str | None = None
    timeout: float = 30.0

    @field_validator("password_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        return _env_name(v)

    @model_validator(mode="after")
    def _login(self) -> SmtpSettings:
        if (self.user is None) != (self.password_env is None):
            raise ValueError("give both user and password_env, or neither")
        return self


class EmailTarget(_Target):
    """A daily digest by email: one message per recipient, day and language."""

    kind: Literal["email"]
    smtp: SmtpSettings
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for a in v:
            if "@" not in a or any(c in a for c in "\r\n,;<> "):
                raise ValueError(f"{a!r} is not one plain address (name@example.com)")
        return v


class WebhookTarget(_Target):
    """A JSON POST of each report (the ``--format json`` schema), signed with HMAC-SHA256."""

    kind: Literal["webhook"]
    url: str | None = None
    url_env: str | None = None
    secret_env: str

    @field_validator("url_env", "secret_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        return _env_name(v)

    @model_validator(mode="after")
    def _one_url(self) -> WebhookTarget:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        if self.url is not None and not re.match(r"^https?://", self.url):
            raise ValueError("url must start with http:// or https://")
        return self


NotifyTarget = Annotated[
    SlackTarget | TeamsTarget | EmailTarget | WebhookTarget, Field(discriminator="kind")
]


def check_targets(targets: list[NotifyTarget], where: str) -> None:
    """Target names are unique: they key the deliveries in the state."""
    names = [t.name for t in targets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: notify targets {', '.join(dupes)} appear twice; rename one")


def secret(env: str, target: str) -> str:
    """The value of the environment variable ``env``; a one-line error when it is unset."""
    value = os.environ.get(env, "")
    if not value:
        raise ConfigError(
            f"notify target {target}: environment variable {env} is not set;"
            " set it (in GitHub Actions: a repository secret passed as env)"
        )
    return value
