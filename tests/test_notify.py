"""The notify stage against real receivers on 127.0.0.1: content, limits, escaping, once only."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from diffinsight.daily import parse_backfill, run_watchlist
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
