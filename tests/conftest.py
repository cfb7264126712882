"""Shared fixtures: where the third-party data lives (never inside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT / ".." / "shared"
ANCHOR_REPORTS = SHARED / "anchor-reports"
REFERENCE_REPORT = SHARED / "reference" / "000_b10c9de956213888.txt"


@pytest.fixture(scope="session")
def anchor_reports() -> Path:
    if not ANCHOR_REPORTS.is_dir():
        pytest.skip(f"anchor reports not found at {ANCHOR_REPORTS} (../shared is absent)")
    return ANCHOR_REPORTS


@pytest.fixture(scope="session")
def reference_report() -> Path:
    if not REFERENCE_REPORT.is_file():
        pytest.skip(f"reference report not found at {REFERENCE_REPORT} (../shared is absent)")
    return REFERENCE_REPORT
