"""Run the daily job and SIGKILL the process the Nth time it reaches a point.

``python daily_kill.py WATCH POINT N [DAYS]`` (POINT: mid-write, after-write, after-record;
DAYS as ``--backfill``). The hook is a parameter of ``run_watchlist``: production code reads
no test switch.
"""

from __future__ import annotations

import os
import signal
import sys

from diffinsight.daily import parse_backfill, run_watchlist
from diffinsight.watchlist import load_watchlist


def main() -> None:
    watch, point, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    days = sys.argv[4] if len(sys.argv) > 4 else None
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        if name == point:
            seen += 1
            if seen == n:
                os.kill(os.getpid(), signal.SIGKILL)

    summary = run_watchlist(
        load_watchlist(watch),
        backfill=parse_backfill(days) if days else None,
        checkpoint=checkpoint,
    )
    sys.exit(0 if summary.ok else 1)


if __name__ == "__main__":
    main()
