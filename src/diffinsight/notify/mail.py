"""Email: one digest per recipient, day and language, with a plain-text and an HTML part.

The HTML part escapes every report text and has no images or remote content; its only
links are the reports' own.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html import escape

from diffinsight.i18n import Catalog
from diffinsight.notify.config import EmailTarget, secret
from diffinsight.notify.content import Item, picked_highlights
from diffinsight.notify.slack import title


def message_id(key: str) -> str:
    """A Message-ID fixed by the delivery key: a resent digest is the same message to mail
    systems that drop duplicates by Message-ID."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@diffinsight.invalid>"


def digest(
    target: EmailTarget, recipient: str, items: list[Item], cat: Catalog, key: str, day: str
) -> EmailMessage:
    """The digest email of ``items`` for ``recipient``."""
    msg = EmailMessage()
    msg["Subject"] = cat.t("notify.email_subject", count=len(items), day=day)
    msg["From"] = target.sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg["Message-ID"] = message_id(key)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Diffinsight-Delivery"] = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    intro = cat.t("notify.email_intro", count=len(items))
    footer = cat.t("notify.email_footer", target=target.name)
    text: list[str] = [intro, ""]
    html: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(cat.lang.replace("_", "-"))}"><head><meta charset="utf-8">',
        f"<title>{escape(str(msg['Subject']))}</title></head>",
        '<body style="font-family:sans-serif;line-height:1.4;max-width:46em">',
        f"<p>{escape(intro)}</p>",
    ]
    for item in items:
        head = title(item, cat)
        r = item.report
        breaking, others, more = picked_highlights(r.highlights)
        text += [head, "=" * min(len(head), 72), " ".join(r.summary.split()), ""]
        html += [f"<h2>{escape(head)}</h2>", f"<p>{escape(' '.join(r.summary.split()))}</p>"]
        for heading, bullets in (
            (cat.t("notify.breaking_changes"), breaking),
            (cat.t("notify.highlights"), others),
        ):
            if not bullets:
                continue
            text.append(heading + ":")
            text += ["- " + " ".join(b.split()) for b in bullets]
            text.append("")
            html.append(f"<h3>{escape(heading)}</h3><ul>")
            html += [f"<li>{escape(' '.join(b.split()))}</li>" for b in bullets]
            html.append("</ul>")
        foot = [cat.t("notify.files", count=len(r.files))]
        if more:
            foot.append(cat.t("notify.more", count=more))
        text.append(" · ".join(foot))
        html.append(f"<p><small>{escape(' · '.join(foot))}</small></p>")
        if item.link:
            text += [f"{cat.t('notify.open_report')}: {item.link}"]
            html.append(
                f'<p><a href="{escape(item.link, quote=True)}">{escape(cat.t("notify.open_report"))}</a></p>'
            )
        text.append("")
    text += ["--", footer]
    html += [f"<hr><p><small>{escape(footer)}</small></p>", "</body></html>"]
    msg.set_content("\n".join(text) + "\n")
    msg.add_alternative("\n".join(html) + "\n", subtype="html")
    return msg


class SmtpSender:
    """One SMTP session for a target's digests of a run (opened on the first one)."""

    def __init__(self, target: EmailTarget, *, local_hostname: str | None = None) -> None:
        self.target = target
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        s = self.target.smtp
        return (
            ssl.create_default_context(cafile=s.ca_file)
            if s.ca_file
            else ssl.create_default_context()
        )

    def _open(self) -> smtplib.SMTP:
        s = self.target.smtp
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=self._context())
        if s.user and s.password_env:
            smtp.login(s.user, secret(s.password_env, self.target.name))
        return smtp

    def send(self, msg: EmailMessage, recipient: str) -> None:
        """Hand ``msg`` to the server; returns once the server accepted it (250 after DATA)."""
        if self._smtp is None:
            self._smtp = self._open()
        self._smtp.send_message(
            msg, from_addr=parseaddr(self.target.sender)[1], to_addrs=[recipient]
        )

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None
