"""The notify stage against real receivers on 127.0.0.1: content, limits, escaping, once only."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from diffinsight.daily import parse_backfill, run_watchlist
from diffinsight.errors import ConfigError
from diffinsight.models import Report
from diffinsight.notify.deliver import NotifyResult
from diffinsight.state import State
from diffinsight.watchlist import load_watchlist
from notify_servers import HOOK_PATH, SLACK_PATH
from notifyfixtures import HOSTILE, Env, HostileWriter

pytest_plugins = ["notifyfixtures"]

MAY = parse_backfill("2025-05-01..2025-05-02")
#: en_US reports (the first language is the default): 05-01 openai, 05-01 search, 05-02 openai.
EN_REPORTS = [
    "docs/202505/en_US/report-20250501-openai.md",
    "docs/202505/en_US/report-20250501-search.md",
    "docs/202505/en_US/report-20250502-openai.md",
]


def daily(env: Env, **options: object) -> NotifyResult:
    summary = run_watchlist(
        load_watchlist(env.watch), backfill=MAY, writer=HostileWriter(), notify_options=options
    )
    assert summary.ok and summary.notify is not None
    return summary.notify


def no_sleep(seconds: float) -> None:
    pass


def test_every_kind_gets_each_report_once_with_escaped_content(nenv: Env) -> None:
    nenv.write_watch("slack", "teams", "email", "webhook")
    result = daily(nenv, sleep=no_sleep)
    assert result.ok, [t.error for t in result.targets]
    recv = nenv.receiver

    slack = [r.json() for r in recv.at(SLACK_PATH)]
    assert len(slack) == 3
    first = slack[0]
    blocks = first["blocks"]
    assert blocks[0]["text"]["text"] == "docs · openai · 2025-05-01"
    texts = "\n".join(
        b["text"]["text"] if "text" in b else json.dumps(b, ensure_ascii=False) for b in blocks
    )
    assert "Breaking changes" in texts and "Removed the v1 endpoint" in texts
    assert texts.count("• Feature") == 5  # up to 5 highlights, the rest counted
    same = Report.model_validate_json(recv.at(HOOK_PATH)[0].body)  # the same report, as JSON
    hidden = len(same.highlights.new_features) + len(same.highlights.other_updates) - 5
    assert f"{hidden} more changes in the report" in texts
    button = blocks[-1]["elements"][0]
    assert button["url"] == (
        "https://docs.example.com/reports-site/reports/docs/202505/en_US/report-20250501-openai.html"
    )
    whole = json.dumps(first, ensure_ascii=False)
    for raw in ("<script>", "<!channel>", "<https://evil", "@here"):
        assert raw not in whole, raw
    assert "&lt;script&gt;" in whole and "&lt;!channel&gt;" in whole and "@\u2060here" in whole

    teams = [r.json() for r in recv.at("/workflows/")]
    assert len(teams) == 3
    card = teams[0]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["actions"][0]["url"] == button["url"]
    kinds = {b["type"] for b in card["body"]}
    assert kinds == {"RichTextBlock"}  # TextRuns: plain text, Markdown links are not rendered
    runs = [i["text"] for b in card["body"] for i in b["inlines"]]
    assert any(HOSTILE in t for t in runs)

    hooks = recv.at(HOOK_PATH)
    assert len(hooks) == 3
    for h in hooks:
        rep = Report.model_validate_json(h.body)
        assert rep.language == "en_US"
        sig = hmac.new(b"hook-secret", h.body, hashlib.sha256).hexdigest()
        assert h.headers["X-Diffinsight-Signature-256"] == "sha256=" + sig
    assert len({h.headers["Idempotency-Key"] for h in hooks}) == 3

    # One digest per recipient (the target asks for one language): three reports in each.
    mails = nenv.smtp.messages
    assert sorted(env.rcpt_tos[0] for env, _ in mails) == ["ann@example.com", "bob@example.com"]
    envelope, msg = mails[0]
    assert envelope.mail_from == "reports@example.com"
    assert "3 reports" in str(msg["Subject"])
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content(), html.get_content()
    assert HOSTILE in text and text.count("docs · ") == 3
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<img" not in markup and "src=" not in markup
    assert markup.count("<a href=") == 3 and 'evil.example"' not in markup

    # Everything was recorded: a second run sends nothing anywhere.
    before = (len(recv.received), len(mails))
    again = daily(nenv, sleep=no_sleep)
    assert again.ok and all(not t.sent for t in again.targets)
    assert (len(recv.received), len(nenv.smtp.messages)) == before
    with State(nenv.site / ".diffinsight/state.sqlite") as st:
        done = st.deliveries("team-slack")
    assert sorted(p for _, p in done) == EN_REPORTS
    assert {s for _, s in done.values()} == {"delivered"}


def _kill_run(env: Env, step: str, n: int) -> int:
    import os
    import subprocess
    import sys

    tests = Path(__file__).resolve().parent
    src = tests.parent / "src"
    proc = subprocess.run(
        [
            sys.executable,
            str(tests / "notify_kill.py"),
            str(env.watch),
            step,
            str(n),
            "2025-05-01..2025-05-02",
        ],
        env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{tests}"},
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode


@pytest.mark.parametrize("kind", ["webhook", "email", "slackbot", "slack", "teams"])
@pytest.mark.parametrize("step", ["sending", "sent", "recorded"])
def test_killed_at_any_step_a_rerun_sends_the_rest_once(nenv: Env, kind: str, step: str) -> None:
    nenv.write_watch(kind)
    summary = run_watchlist(
        load_watchlist(nenv.watch), backfill=MAY, writer=HostileWriter(), notify=False
    )
    assert summary.ok
    # The second message is interrupted (email: the second recipient's digest).
    assert _kill_run(nenv, step, 2) == -9
    assert _kill_run(nenv, "none", 0) == 0
    assert _kill_run(nenv, "none", 0) == 0  # and a third run has nothing left
    expected = 2 if kind == "email" else 3
    got: list[Any]
    if kind == "email":
        got = [m for _, m in nenv.smtp.messages]
        keys = [str(m["Message-ID"]) for m in got]
    elif kind == "slackbot":
        got = nenv.receiver.slack_history
        keys = [m["metadata"]["event_payload"]["delivery"] for m in got]
    else:
        got = nenv.receiver.received
        keys = [r.headers["Idempotency-Key"] for r in got]
    # Each receiver saw every message; deduplicated on the key, each exactly once.
    assert len(set(keys)) == expected
    duplicates = len(keys) - expected
    if step == "sent" and kind != "slackbot":
        # Killed after the receiver accepted, before the record: the rerun sends the very
        # same message under the same key (Message-ID, Idempotency-Key) for it to drop.
        assert duplicates == 1
    else:
        assert duplicates == 0
    with State(nenv.site / ".diffinsight/state.sqlite") as st:
        name = {"webhook": "bot-hook", "email": "digest", "slackbot": "team-bot"}.get(kind)
        done = st.deliveries(name or ("team-slack" if kind == "slack" else "team-teams"))
    assert {s for _, s in done.values()} == {"delivered"}
    assert sorted({p for _, p in done}) == EN_REPORTS


def test_retry_after_is_honoured_and_a_down_target_waits_for_the_next_run(
    nenv: Env, caplog: pytest.LogCaptureFixture
) -> None:
    nenv.write_watch("slack", "teams", "webhook")
    recv = nenv.receiver
    recv.faults[SLACK_PATH] = [(429, {"Retry-After": "7"}), (503, {})]
    recv.down.add("/workflows/abc/triggers/manual/paths/invoke")
    waits: list[float] = []
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # a CLI test before may have quietened it
    result = daily(nenv, sleep=waits.append)
    by_name = {t.name: t for t in result.targets}
    assert len(by_name["team-slack"].sent) == 3 and by_name["team-slack"].error is None
    assert waits[0] == 7.0  # Retry-After, then the client's own backoff for the 503
    assert len(recv.at(SLACK_PATH)) == 3
    # Teams was down the whole run: it failed after its tries, the webhook was not held up.
    teams = by_name["team-teams"]
    assert teams.sent == [] and teams.error and "HTTP 503 after 4 tries" in teams.error
    assert len(by_name["bot-hook"].sent) == 3
    # No secret in the error, the logs (httpx logs each URL at debug), the state or the site.
    url = nenv.env()["DI_TEAMS_URL"]
    assert "127.0.0.1" in teams.error and "t3amsSig" not in teams.error
    logs = caplog.text
    assert "HTTP Request" in logs
    for value in ("t3amsSig", "s3cr3tSlackToken", "hook-secret"):
        assert value not in logs, value
        for p in nenv.site.rglob("*"):
            if p.is_file():
                assert value.encode() not in p.read_bytes(), (value, p)
    assert url not in logs
    # Next run, Teams is back: it gets its three reports; nobody else gets anything again.
    recv.down.clear()
    again = daily(nenv, sleep=waits.append)
    assert again.ok
    assert [len(t.sent) for t in again.targets] == [0, 3, 0]
    assert len(recv.at("/workflows/")) == 3 and len(recv.at(SLACK_PATH)) == 3


def test_filters_languages_and_importance(nenv: Env) -> None:
    nenv.write_watch(
        extra=f"""\
  - name: ja-openai
    kind: webhook
    url: {nenv.receiver.base}/hook
    secret_env: DI_HOOK_SECRET
    filter: {{categories: [openai], languages: [ja_JP, en_US]}}
  - name: breaking-only
    kind: slack
    webhook_url_env: DI_SLACK_URL
    filter: {{min_importance: breaking change, repositories: [docs]}}
  - name: other-repo
    kind: slack
    webhook_url_env: DI_SLACK_URL
    filter: {{repositories: [elsewhere]}}
"""
    )
    summary = run_watchlist(load_watchlist(nenv.watch), backfill=MAY, notify_options={})
    assert summary.notify is not None and summary.notify.ok
    by_name = {t.name: t for t in summary.notify.targets}
    hooked = [m.items[0].row.path for m in by_name["ja-openai"].sent]
    assert sorted(hooked) == sorted(
        f"docs/202505/{lang}/report-{d}-openai.md"
        for lang in ("en_US", "ja_JP")
        for d in ("20250501", "20250502")
    )
    ja = [Report.model_validate_json(h.body) for h in nenv.receiver.at(HOOK_PATH)]
    assert {r.language for r in ja} == {"en_US", "ja_JP"}
    # The offline writer found no breaking change in this history: nothing for that target.
    assert by_name["breaking-only"].sent == [] and by_name["other-repo"].sent == []


def test_messages_in_the_reports_language(nenv: Env) -> None:
    nenv.write_watch(
        extra="""\
  - name: ja-chat
    kind: slack
    webhook_url_env: DI_SLACK_URL
    filter: {languages: [ja_JP]}
  - name: ja-mail
    kind: email
    from: reports@example.com
    to: [ann@example.com]
    filter: {languages: [ja_JP, en_US]}
    smtp: {host: 127.0.0.1, port: PORT, user: bot, password_env: DI_SMTP_PASSWORD, ca_file: CERT}
""".replace("PORT", str(nenv.smtp.port)).replace("CERT", str(nenv.cert))
    )
    result = daily(nenv, sleep=no_sleep)
    assert result.ok, [t.error for t in result.targets]
    slack = [r.json() for r in nenv.receiver.at(SLACK_PATH)]
    assert len(slack) == 3
    assert "破壊的変更" in json.dumps(slack[0], ensure_ascii=False)
    assert "レポートを開く" in json.dumps(slack[0], ensure_ascii=False)
    # One digest per language the target asks for, to the one recipient.
    subjects = sorted(str(m["Subject"]) for _, m in nenv.smtp.messages)
    assert len(subjects) == 2
    assert subjects[0].startswith("Documentation changes, ") and "ドキュメントの変更" in subjects[1]


def test_limits_slack_blocks_and_teams_card_size() -> None:
    from diffinsight.i18n import catalog
    from diffinsight.models import Highlights
    from diffinsight.notify import slack, teams
    from diffinsight.notify.content import Item
    from diffinsight.state import ReportRow
    from notify_servers import slack_problems

    long = "x" * 2900
    rep = Report(
        date=parse_backfill("2025-05-01")[0],
        language="en_US",
        category="openai",
        title="t",
        repo="docs",
        summary="S" * 5000,
        highlights=Highlights(
            breaking_changes=[f"break {i} {long}" for i in range(80)],
            new_features=[f"feat {i}" for i in range(20)],
        ),
    )
    row = ReportRow(
        "p.md", "k", "docs", "main", "2025-05-01", None, "h", "openai", "en_US", "t", None, "", ""
    )
    item = Item(row, rep, "https://docs.example.com/r.html")
    payload = slack.blocks(item, catalog("en_US"))
    assert slack_problems(payload) == []
    assert len(payload["blocks"]) == 50 and len(payload["text"]) <= 3000
    context = payload["blocks"][-2]["elements"][0]["text"]
    # 80 breaking changes cannot all fit in 50 blocks: what is cut is counted, none is lost.
    shown = sum(b["text"]["text"].count("• ") for b in payload["blocks"] if b["type"] == "section")
    assert f"{80 + 20 - shown} more changes" in context
    card = teams.card(item, catalog("en_US"))
    size = len(teams.payload_bytes(card))
    assert 20_000 < size <= teams.MAX_BYTES
    foot = card["attachments"][0]["content"]["body"][-1]["inlines"][0]["text"]
    assert "more changes in the report" in foot


def test_config_keeps_secrets_out_and_names_the_line(nenv: Env) -> None:
    base = nenv.watch
    nenv.write_watch("slack")
    good = base.read_text("utf-8")
    bad = good.replace(
        "webhook_url_env: DI_SLACK_URL", "webhook_url_env: https://hooks.slack.com/services/T/B/x"
    )
    base.write_text(bad, "utf-8")
    with pytest.raises(
        ConfigError,
        match=r"line 12: notify.0.slack.webhook_url_env: .*NAME of an environment variable",
    ):
        load_watchlist(base)
    base.write_text(good + good[good.index("  - name") :], "utf-8")
    with pytest.raises(ConfigError, match="notify targets team-slack appear twice"):
        load_watchlist(base)
    nenv.write_watch("slack")
    cfg = load_watchlist(base)
    # An unset secret fails that target only, with the variable's name (never a value).
    import os

    del os.environ["DI_SLACK_URL"]
    summary = run_watchlist(cfg, backfill=MAY)
    assert summary.ok and summary.notify is not None
    (t,) = summary.notify.targets
    assert t.error == (
        "notify target team-slack: environment variable DI_SLACK_URL is not set;"
        " set it (in GitHub Actions: a repository secret passed as env)"
    )
    with State(nenv.site / ".diffinsight/state.sqlite") as st:
        assert st.deliveries("team-slack") == {}


def test_cli_dry_run_renders_without_sending_and_test_sends_one_sample(nenv: Env) -> None:
    from typer.testing import CliRunner

    from diffinsight.cli import app

    nenv.write_watch("slack", "email", "webhook")
    run_watchlist(load_watchlist(nenv.watch), backfill=MAY, notify=False)
    state_file = nenv.site / ".diffinsight/state.sqlite"
    before = state_file.read_bytes()
    runner = CliRunner()
    res = runner.invoke(
        app, ["notify", "--config", str(nenv.watch), "--dry-run", "--backfill", "2025-05-02"]
    )
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.count("== team-slack (slack)") == 1 and "report-20250502-openai.md" in out
    assert out.count("== digest (email) ") == 2 and "Content-Type: multipart/alternative" in out
    assert out.count("== bot-hook (webhook)") == 1 and "20250501" not in out
    assert nenv.receiver.received == [] and nenv.smtp.messages == []
    assert state_file.read_bytes() == before
    # A test message goes out at once and is never recorded as a delivery.
    res = runner.invoke(app, ["notify", "--config", str(nenv.watch), "--test", "team-slack"])
    assert res.exit_code == 0, res.output
    (got,) = nenv.receiver.at(SLACK_PATH)
    assert got.json()["blocks"][0]["type"] == "header"
    with State(state_file) as st:
        assert st.deliveries("team-slack") == {}
    res = runner.invoke(app, ["notify", "--config", str(nenv.watch), "--test", "nope"])
    assert res.exit_code == 2 and "--target nope: no such notify target" in res.output
    # The real thing: everything of the range, then nothing more.
    res = runner.invoke(
        app, ["notify", "--config", str(nenv.watch), "--backfill", "2025-05-01..2025-05-02"]
    )
    assert res.exit_code == 0, res.output
    assert len(nenv.receiver.at(SLACK_PATH)) == 1 + 3 and len(nenv.smtp.messages) == 2


def test_documented_watch_list_with_every_kind_is_valid() -> None:
    import re

    from diffinsight.watchlist import parse_watchlist

    doc = (Path(__file__).resolve().parents[1] / "docs" / "automation.md").read_text("utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "\nnotify:" in b)
    cfg = parse_watchlist(block, "docs/automation.md")
    assert sorted({t.kind for t in cfg.notify}) == ["email", "slack", "teams", "webhook"]
    envs = {
        v for t in cfg.notify for k, v in t.model_dump().items() if k.endswith("_env") and v
    } | {t.smtp.password_env for t in cfg.notify if t.kind == "email"}
    # Every secret the watch list names is in the documented table of Actions secrets.
    table = doc[doc.index("### GitHub Actions secrets") :]
    assert envs and all(f"`{e}`" in table for e in envs), envs


def test_email_over_implicit_tls_and_a_refused_login(
    nenv: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notify_servers import SmtpServer
    from notifyfixtures import SMTP_PASSWORD

    tls = SmtpServer(nenv.cert, nenv.root / "key.pem", "bot", SMTP_PASSWORD, implicit_tls=True)
    tls.start()
    try:
        nenv.write_watch(
            extra=f"""\
  - name: tls-digest
    kind: email
    from: reports@example.com
    to: [ann@example.com]
    smtp: {{host: 127.0.0.1, port: {tls.port}, security: tls, user: bot,
            password_env: DI_SMTP_PASSWORD, ca_file: {nenv.cert}}}
"""
        )
        monkeypatch.setenv("DI_SMTP_PASSWORD", "wrong-password")
        first = daily(nenv)
        (t,) = first.targets
        assert t.error and "SMTPAuthenticationError" in t.error and "wrong-password" not in t.error
        assert tls.messages == []
        monkeypatch.setenv("DI_SMTP_PASSWORD", SMTP_PASSWORD)
        second = daily(nenv)
        assert second.ok and len(tls.messages) == 1
        _, msg = tls.messages[0]
        assert msg.get_content_type() == "multipart/alternative"
    finally:
        tls.stop()


def test_run_command_notifies_unless_told_not_to(nenv: Env) -> None:
    from typer.testing import CliRunner

    from diffinsight.cli import app

    nenv.write_watch("webhook")
    runner = CliRunner()
    args = ["run", "--config", str(nenv.watch), "--backfill", "2025-05-01..2025-05-02"]
    res = runner.invoke(app, [*args, "--no-notify"])
    assert res.exit_code == 0, res.output
    assert nenv.receiver.received == []
    # The reports are written already; a new target counts from the run's first day.
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "notify bot-hook: 3 message(s) sent" in res.stderr
    assert len(nenv.receiver.at(HOOK_PATH)) == 3


def test_webhook_body_is_the_json_report_file(nenv: Env) -> None:
    nenv.write_watch("webhook")
    nenv.watch.write_text(
        nenv.watch.read_text("utf-8").replace(
            "output_dir: site\n", "output_dir: site\nformat: json\n"
        ),
        "utf-8",
    )
    result = daily(nenv)
    assert result.ok
    hooks = nenv.receiver.at(HOOK_PATH)
    files = sorted((nenv.site / "docs/202505/en_US").glob("*.json"))
    assert len(hooks) == len(files) == 3
    assert sorted(h.body for h in hooks) == sorted(p.read_bytes() for p in files)
