"""Run the notify stage and SIGKILL the process at the Nth time it reaches a step.

``python notify_kill.py WATCH STEP N DAYS`` (STEP: sending, sent, recorded; N 0 = never;
DAYS as ``--backfill``). The
hook is a parameter of ``notify``: production code reads no test switch.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from diffinsight.daily import default_state_path, parse_backfill
from diffinsight.notify.deliver import notify
from diffinsight.state import State
from diffinsight.watchlist import load_watchlist


def main() -> None:
    watch, step, n, days = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        if name == step:
            seen += 1
            if seen == n:
                os.kill(os.getpid(), signal.SIGKILL)

    cfg = load_watchlist(watch)
    out = Path(cfg.output_dir)
    with State(default_state_path(cfg, out)) as st:
        result = notify(
            cfg, st, out, days=parse_backfill(days), checkpoint=checkpoint, sleep=lambda s: None
        )
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
