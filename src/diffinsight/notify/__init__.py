"""Notifications after publishing: Slack, Microsoft Teams, email digests and webhooks.

``notify.config`` holds the ``notify:`` list of the watch list; ``notify.deliver`` decides
what each target has not had yet and sends it exactly once; ``slack``, ``teams``, ``mail``
render the messages. Imported lazily (HTTP and mail libraries load only when used).
"""

from __future__ import annotations

from typing import Any

_EXPORTS = ("Message", "NotifyError", "NotifyResult", "TargetOutcome", "notify", "send_test")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from diffinsight.notify import deliver

        return getattr(deliver, name)
    raise AttributeError(name)


__all__ = list(_EXPORTS)
