"""The notify stage: which reports each target has not had yet, rendered and sent once.

Exactly once: before a message leaves, its (target, recipient, reports) are recorded as
``sending`` under a delivery key; once the receiver has accepted it they become
``delivered``. A run stopped anywhere leaves either nothing (sent next run), or ``sending``
rows: the next run sends that same message again first, under the same key, which the
receivers that can deduplicate use (webhook ``Idempotency-Key``, email ``Message-ID``, Slack
bot message metadata). Only a kill in the instant between a receiver's answer and the
commit of ``delivered`` can repeat a message, and only to Slack and Teams webhooks, which
have no way to deduplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import httpx

from diffinsight import __version__
from diffinsight.errors import ConfigError, DiffInsightError, InputError
from diffinsight.i18n import catalog
from diffinsight.notify import mail, slack, teams
from diffinsight.notify.config import (
    IMPORTANCE,
    EmailTarget,
    NotifyTarget,
    SlackTarget,
    TeamsTarget,
    WebhookTarget,
    secret,
)
from diffinsight.notify.content import Item, importance, load_report, report_link, sample_report
from diffinsight.notify.transport import DeliveryError, Masker, RedactFilter, post
from diffinsight.render.json import JsonRenderer
from diffinsight.state import ReportRow, State
from diffinsight.watchlist import WatchConfig

log = logging.getLogger(__name__)

#: Called with ``sending`` (recorded, about to send), ``sent`` (accepted, not yet recorded)
#: and ``recorded``; tests pass one that kills the process to prove a rerun completes.
Checkpoint = Callable[[str], None]
SIGNATURE_HEADER = "X-Diffinsight-Signature-256"
_LOGGERS = ("httpx", "httpcore", "slack_sdk", "urllib3")


@dataclass
class Message:
    """One message to one receiver: a report (chat, webhook) or a day's digest (email)."""

    target: str
    kind: str
    recipient: str  #: the email address; empty for the other kinds
    language: str
    key: str  #: the delivery key recorded in the state
    items: list[Item]
    body: bytes | None = None
    email: EmailMessage | None = None
    #: It was being sent when an earlier run stopped: the same key goes out again.
    resend: bool = False

    @property
    def idempotency_key(self) -> str:
        """What receivers deduplicate on: fixed by the delivery key, so a resend repeats it."""
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:32]

    def preview(self) -> str:
        """What ``--dry-run`` prints: the headers and body the receiver would get."""
        head = f"== {self.target} ({self.kind}) {self.recipient or ''}".rstrip()
        head += f" [{self.language}] {', '.join(i.row.path for i in self.items)}"
        if self.email is not None:
            return head + "\n" + self.email.as_string()
        assert self.body is not None
        try:
            text = json.dumps(json.loads(self.body), ensure_ascii=False, indent=2)
        except ValueError:
            text = self.body.decode("utf-8", "replace")
        return head + "\n" + text + "\n"


@dataclass
class TargetOutcome:
    """What a run did for one target."""

    name: str
    kind: str
    sent: list[Message] = field(default_factory=list)
    #: Messages planned (in a dry run: what would be sent).
    planned: list[Message] = field(default_factory=list)
    #: Reports whose day has not ended yet in their time zone (announced once it has).
    waiting: int = 0
    #: Reports held for the next day's digest (this recipient had today's already).
    deferred: int = 0
    error: str | None = None
    exit_code: int = 0


@dataclass
class NotifyResult:
    """What a notify run did, target by target."""

    targets: list[TargetOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.error is None for t in self.targets)

    @property
    def messages(self) -> list[Message]:
        return [m for t in self.targets for m in t.planned]


class Sender(Protocol):
    """Delivers messages of one target; :class:`DeliveryError` when one is not accepted."""

    def send(self, msg: Message) -> None: ...

    def close(self) -> None: ...


class HttpSender:
    """Slack and Teams webhooks, and the generic webhook."""

    def __init__(
        self,
        url: str,
        client: httpx.Client,
        mask: Masker,
        sleep: Callable[[float], None],
        accept: Callable[[str], str | None] | None = None,
        secret_key: str | None = None,
    ) -> None:
        self.url, self.client, self.mask, self.sleep = url, client, mask, sleep
        self.accept = accept
        self.secret_key = secret_key

    def send(self, msg: Message) -> None:
        assert msg.body is not None
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"diffinsight/{__version__}",
            "Idempotency-Key": msg.idempotency_key,
            "X-Diffinsight-Delivery": msg.idempotency_key,
        }
        if self.secret_key is not None:
            digest = hmac.new(self.secret_key.encode("utf-8"), msg.body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = "sha256=" + digest
            headers["X-Diffinsight-Event"] = "test" if msg.key.startswith("test/") else "report"
        accept = self.accept
        post(
            self.client,
            self.url,
            msg.body,
            headers,
            what=f"{msg.target} ({self.mask(self.url)})",
            mask=self.mask,
            accept=(lambda r: accept(r.text)) if accept else None,
            sleep=self.sleep,
        )

    def close(self) -> None:
        pass


class SlackBotSender:
    """A bot token and a channel, through ``slack_sdk``'s Web API client.

    Each message carries its idempotency key as message metadata; a resend first looks for
    it in the channel's recent history, so even a kill right after Slack accepted a message
    does not post it twice.
    """

    def __init__(self, target: SlackTarget, token: str, mask: Masker) -> None:
        try:
            from slack_sdk import WebClient
            from slack_sdk.http_retry.builtin_handlers import (
                RateLimitErrorRetryHandler,
                ServerErrorRetryHandler,
            )
        except ImportError:
            raise ConfigError(
                f"notify target {target.name}: a Slack bot needs slack_sdk;"
                " pip install 'diffinsight[slack]'"
            ) from None
        self.target, self.mask = target, mask
        base = target.api_url if target.api_url.endswith("/") else target.api_url + "/"
        self.client = WebClient(token=token, base_url=base, timeout=30)
        # Honours Retry-After on 429, and retries 5xx: the same policy as the webhooks.
        self.client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
        self.client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=3))

    def _already_posted(self, key: str) -> bool:
        from slack_sdk.errors import SlackApiError

        try:
            resp = self.client.conversations_history(
                channel=str(self.target.channel), limit=100, include_all_metadata=True
            )
        except SlackApiError:
            return False  # cannot look (e.g. a channel name, not an ID): send again
        for m in resp.get("messages") or []:
            payload = (m.get("metadata") or {}).get("event_payload") or {}
            if payload.get("delivery") == key:
                return True
        return False

    def send(self, msg: Message) -> None:
        from slack_sdk.errors import SlackApiError

        assert msg.body is not None
        if msg.resend and self._already_posted(msg.idempotency_key):
            log.info(
                "%s: %s was posted before the last run stopped", msg.target, msg.items[0].row.path
            )
            return
        data = json.loads(msg.body)
        try:
            self.client.chat_postMessage(
                channel=str(self.target.channel),
                text=data["text"],
                blocks=data["blocks"],
                unfurl_links=False,
                unfurl_media=False,
                metadata={
                    "event_type": "diffinsight_report",
                    "event_payload": {"delivery": msg.idempotency_key},
                },
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            raise DeliveryError(
                f"{msg.target}: Slack refused the message ({self.mask(str(error or exc))})"
            ) from None
        except (OSError, ValueError) as exc:
            raise DeliveryError(
                f"{msg.target}: {type(exc).__name__}: {self.mask(str(exc))}"
            ) from None

    def close(self) -> None:
        pass


class EmailSender:
    """Digests over SMTP; server and network errors become :class:`DeliveryError`."""

    def __init__(self, target: EmailTarget, mask: Masker) -> None:
        self.smtp = mail.SmtpSender(target)
        self.mask = mask

    def send(self, msg: Message) -> None:
        assert msg.email is not None
        try:
            self.smtp.send(msg.email, msg.recipient)
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            self.smtp.close()
            raise DeliveryError(
                f"{msg.target}: the mail server did not take the digest for {msg.recipient}"
                f" ({type(exc).__name__}: {self.mask(str(exc))})"
            ) from None

    def close(self) -> None:
        self.smtp.close()


def make_sender(
    target: NotifyTarget,
    mask: Masker,
    client: httpx.Client,
    sleep: Callable[[float], None],
) -> Sender:
    """The sender of ``target``, its secrets read from the environment (and masked)."""
    if isinstance(target, SlackTarget):
        if target.webhook_url_env:
            url = secret(target.webhook_url_env, target.name)
            mask.add_url(url)
            return HttpSender(url, client, mask, sleep, accept=slack.webhook_accepts)
        assert target.bot_token_env is not None
        token = secret(target.bot_token_env, target.name)
        mask.add(token)
        return SlackBotSender(target, token, mask)
    if isinstance(target, TeamsTarget):
        url = secret(target.webhook_url_env, target.name)
        mask.add_url(url)
        return HttpSender(url, client, mask, sleep, accept=teams.webhook_accepts)
    if isinstance(target, WebhookTarget):
        url = target.url or secret(str(target.url_env), target.name)
        mask.add_url(url)  # a plain url may still carry a token in its query
        key = secret(target.secret_env, target.name)
        mask.add(key)
        return HttpSender(url, client, mask, sleep, secret_key=key)
    if target.smtp.password_env:
        mask.add(secret(target.smtp.password_env, target.name))
    return EmailSender(target, mask)


def render(target: NotifyTarget, item: Item, key: str) -> Message:
    """The message of one report for a chat or webhook target."""
    cat = catalog(item.report.language)
    msg = Message(target.name, target.kind, "", item.report.language, key, [item])
    if isinstance(target, SlackTarget):
        msg.body = slack.payload_bytes(slack.blocks(item, cat))
    elif isinstance(target, TeamsTarget):
        msg.body = teams.payload_bytes(teams.card(item, cat))
    else:
        msg.body = JsonRenderer().render(item.report).encode("utf-8")
    return msg


def render_digest(
    target: EmailTarget, recipient: str, language: str, items: list[Item], key: str, day: str
) -> Message:
    """The digest email of ``items`` for one recipient."""
    cat = catalog(language)
    msg = Message(target.name, target.kind, recipient, language, key, items)
    msg.email = mail.digest(target, recipient, items, cat, key, day)
    return msg


@contextmanager
def _redacting(mask: Masker) -> Iterator[None]:
    """Masks secrets in what HTTP libraries log (httpx logs every request's URL)."""
    f = RedactFilter(mask)
    loggers = [logging.getLogger(n) for n in _LOGGERS]
    for lg in loggers:
        lg.addFilter(f)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(f)


class _Planner:
    """Which reports a target gets, and the messages that carry them."""

    def __init__(self, config: WatchConfig, state: State, out: Path, now: datetime) -> None:
        self.config, self.state, self.out, self.now = config, state, out, now
        self.repos = {r.key: r for r in config.repositories}
        self._items: dict[str, Item | InputError] = {}

    def first_language(self, row: ReportRow) -> str:
        repo = self.repos.get(row.repo)
        langs = self.config.repo_config(repo).languages if repo else self.config.languages
        return (langs or ["en_US"])[0]

    def ended(self, row: ReportRow) -> bool:
        """Whether the report's day is over in its repository's time zone."""
        repo = self.repos.get(row.repo)
        tz = (self.config.repo_config(repo).timezone if repo else self.config.timezone) or "UTC"
        return date.fromisoformat(row.day) < self.now.astimezone(ZoneInfo(tz)).date()

    def item(self, row: ReportRow) -> Item:
        """The loaded report of ``row`` (read once per run)."""
        got = self._items.get(row.path)
        if got is None:
            try:
                got = Item(
                    row,
                    load_report(self.out, row),
                    report_link(row, self.config.site_url, self.config.files_url),
                )
            except InputError as exc:
                got = exc
            self._items[row.path] = got
        if isinstance(got, InputError):
            raise got
        return got

    def matching(
        self,
        target: NotifyTarget,
        rows: list[ReportRow],
        since: str | None,
        days: tuple[date, date] | None,
    ) -> tuple[list[ReportRow], int]:
        """Rows the target's filter takes (importance aside) whose day is over; and how many wait."""
        f = target.filter
        picked, waiting = [], 0
        for row in rows:
            if f.repositories is not None and row.repo_name not in f.repositories:
                continue
            if f.categories is not None and row.category not in f.categories:
                continue
            if row.language not in (f.languages or [self.first_language(row)]):
                continue
            if days is not None:
                if not days[0].isoformat() <= row.day <= days[1].isoformat():
                    continue
            elif since is not None and row.day < since:
                continue
            if not self.ended(row):
                waiting += 1
                continue
            picked.append(row)
        picked.sort(key=lambda r: (r.day, r.repo_name, r.category, r.language))
        return picked, waiting

    def important(self, target: NotifyTarget, item: Item) -> bool:
        return importance(item.report) >= IMPORTANCE[target.filter.min_importance]


def notify(
    config: WatchConfig,
    state: State,
    out: Path,
    *,
    days: tuple[date, date] | None = None,
    first_day: date | None = None,
    only: list[str] | None = None,
    dry_run: bool = False,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    checkpoint: Checkpoint | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyResult:
    """Send every target the reports it has not had (see the module doc).

    ``days`` limits it to reports of those days (also before the target existed); else a
    target gets the reports from the day it was first used (``first_day`` when it is new:
    the daily run passes its first day). ``dry_run`` renders the messages without sending or
    recording anything.
    """
    now = now or datetime.now(timezone.utc)
    targets = _selected(config, only)
    planner = _Planner(config, state, out, now)
    rows = state.reports()
    mask = Masker()
    result = NotifyResult()
    own_client = client is None
    http = client or httpx.Client(timeout=30.0, follow_redirects=False)
    send_day = now.astimezone(ZoneInfo(config.timezone or "UTC")).date().isoformat()
    try:
        with _redacting(mask):
            for target in targets:
                outcome = TargetOutcome(target.name, target.kind)
                result.targets.append(outcome)
                try:
                    _notify_target(
                        target,
                        planner,
                        rows,
                        outcome,
                        days,
                        first_day,
                        send_day,
                        dry_run,
                        mask,
                        http,
                        checkpoint,
                        sleep,
                    )
                except DiffInsightError as exc:
                    outcome.error, outcome.exit_code = mask(str(exc)), exc.exit_code
                except DeliveryError as exc:
                    outcome.error, outcome.exit_code = mask(str(exc)), 3
                if outcome.error:
                    log.error("notify: %s", outcome.error)
    finally:
        if own_client:
            http.close()
    return result


def _selected(config: WatchConfig, only: list[str] | None) -> list[NotifyTarget]:
    targets = list(config.notify)
    if only:
        names = [t.name for t in targets]
        missing = [n for n in only if n not in names]
        if missing:
            raise InputError(
                f"--target {missing[0]}: no such notify target; choose from"
                f" {', '.join(names) or '(none: add a notify: list to the watch list)'}"
            )
        targets = [t for t in targets if t.name in only]
    return targets


def _notify_target(
    target: NotifyTarget,
    planner: _Planner,
    rows: list[ReportRow],
    outcome: TargetOutcome,
    days: tuple[date, date] | None,
    first_day: date | None,
    send_day: str,
    dry_run: bool,
    mask: Masker,
    http: httpx.Client,
    checkpoint: Checkpoint | None,
    sleep: Callable[[float], None],
) -> None:
    state = planner.state
    default_since = min(first_day or date.fromisoformat(send_day), date.fromisoformat(send_day))
    since = (
        _since_readonly(state, target.name, default_since.isoformat())
        if dry_run
        else state.target_since(target.name, default_since.isoformat())
    )
    picked, outcome.waiting = planner.matching(target, rows, since, days)
    done = state.deliveries(target.name)
    by_path = {r.path: r for r in rows}
    problems: list[str] = []

    def load(row: ReportRow) -> Item | None:
        try:
            return planner.item(row)
        except InputError as exc:
            problems.append(str(exc))
            return None

    messages: list[Message] = []
    if isinstance(target, EmailTarget):
        messages = _plan_digests(target, picked, done, by_path, load, planner, send_day, outcome)
    else:
        inflight = {path for (_, path), (_, status) in done.items() if status == "sending"}
        for path in sorted(inflight):  # first what an earlier run left half-way
            row = by_path.get(path)
            item = load(row) if row else None
            if item is not None:
                msg = render(target, item, f"{target.name}/{path}")
                msg.resend = True
                messages.append(msg)
        for row in picked:
            if ("", row.path) in done:
                continue
            item = load(row)
            if item is not None and planner.important(target, item):
                messages.append(render(target, item, f"{target.name}/{row.path}"))
    outcome.planned = messages
    if problems:
        outcome.error = "; ".join(problems[:3]) + (
            f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        )
        outcome.exit_code = 2
    if dry_run or not messages:
        return
    sender = make_sender(target, mask, http, sleep)
    try:
        for msg in messages:
            reports = [(i.row.path, i.row.sha256) for i in msg.items]
            state.begin_delivery(target.name, msg.recipient, msg.key, reports)
            if checkpoint:
                checkpoint("sending")
            sender.send(msg)
            if checkpoint:
                checkpoint("sent")
            state.finish_delivery(target.name, msg.recipient, msg.key)
            outcome.sent.append(msg)
            log.info(
                "notify %s: sent %s%s",
                target.name,
                ", ".join(i.row.path for i in msg.items),
                f" to {msg.recipient}" if msg.recipient else "",
            )
            if checkpoint:
                checkpoint("recorded")
    finally:
        sender.close()


def _plan_digests(
    target: EmailTarget,
    picked: list[ReportRow],
    done: dict[tuple[str, str], tuple[str, str]],
    by_path: dict[str, ReportRow],
    load: Callable[[ReportRow], Item | None],
    planner: _Planner,
    send_day: str,
    outcome: TargetOutcome,
) -> list[Message]:
    """One digest per recipient and language for ``send_day``, after any left half-way."""
    messages = []
    for rcpt in target.to:
        sending: dict[str, list[str]] = {}
        used: set[str] = set()  # languages whose digest of send_day this recipient has
        for (r, path), (key, status) in done.items():
            if r != rcpt:
                continue
            if key.endswith("/" + send_day):
                used.add(key.split("/")[-2])
            if status == "sending":
                sending.setdefault(key, []).append(path)
        for key, paths in sorted(sending.items()):
            items = [i for p in sorted(paths) if p in by_path for i in [load(by_path[p])] if i]
            if items:
                lang, day = key.split("/")[-2:]
                msg = render_digest(target, rcpt, lang, items, key, day)
                msg.resend = True
                messages.append(msg)
        fresh: dict[str, list[Item]] = {}
        for row in picked:
            if (rcpt, row.path) in done:
                continue
            item = load(row)
            if item is None or not planner.important(target, item):
                continue
            if row.language in used:
                outcome.deferred += 1
                continue
            fresh.setdefault(row.language, []).append(item)
        for lang, items in sorted(fresh.items()):
            key = f"{target.name}/{rcpt}/{lang}/{send_day}"
            messages.append(render_digest(target, rcpt, lang, items, key, send_day))
    return messages


def _since_readonly(state: State, target: str, default: str) -> str:
    row = state.db.execute(
        "SELECT since FROM notify_targets WHERE target = ?", (target,)
    ).fetchone()
    return str(row[0]) if row else default


def send_test(
    config: WatchConfig,
    state: State,
    out: Path,
    name: str,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Message]:
    """Send target ``name`` one sample: its newest matching report, else a made-up one.

    Nothing is recorded: a test message never counts as a delivery.
    """
    (target,) = _selected(config, [name])
    now = now or datetime.now(timezone.utc)
    planner = _Planner(config, state, out, now)
    rows, _ = planner.matching(target, state.reports(), None, None)
    item: Item | None = None
    for row in reversed(rows):
        try:
            item = planner.item(row)
            break
        except InputError:
            continue
    if item is None:
        lang = (target.filter.languages or config.languages or ["en_US"])[0]
        cat = catalog(lang)
        report = sample_report(
            lang,
            cat.t("notify.test_title"),
            cat.t("notify.test_summary", target=target.name),
            cat.t("notify.test_highlight"),
        )
        fake = ReportRow(
            path="sample",
            repo="",
            repo_name="diffinsight",
            branch="",
            day=report.date.isoformat(),
            base=None,
            head="",
            category="sample",
            language=lang,
            title=report.title,
            permalink=None,
            summary=report.summary,
            sha256="",
        )
        item = Item(fake, report, config.site_url)
    key = f"test/{target.name}/{now.isoformat()}"
    if isinstance(target, EmailTarget):
        msgs = [
            render_digest(
                target, r, item.report.language, [item], key + "/" + r, now.date().isoformat()
            )
            for r in target.to
        ]
    else:
        msgs = [render(target, item, key)]
    mask = Masker()
    own = client is None
    http = client or httpx.Client(timeout=30.0, follow_redirects=False)
    try:
        with _redacting(mask):
            sender = make_sender(target, mask, http, sleep)
            try:
                for m in msgs:
                    try:
                        sender.send(m)
                    except DeliveryError as exc:
                        raise NotifyError(mask(str(exc))) from None
            finally:
                sender.close()
    finally:
        if own:
            http.close()
    return msgs


class NotifyError(DiffInsightError):
    """A receiver did not accept a message (network, refusal, retries used up)."""

    exit_code = 3


__all__ = [
    "Checkpoint",
    "Message",
    "NotifyError",
    "NotifyResult",
    "TargetOutcome",
    "notify",
    "send_test",
]
