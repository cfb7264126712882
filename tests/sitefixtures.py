"""Site test fixtures: a folder of synthetic reports and built sites.

Test modules load this with ``pytest_plugins = ["sitefixtures"]``; the ``anchor_reports``
fixture comes from ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diffinsight.site import build_site
from sitedata import write_synthetic_reports


@pytest.fixture(scope="session")
def synthetic_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    write_synthetic_reports(root)
    return root


@pytest.fixture(scope="session")
def synthetic_site(synthetic_reports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(synthetic_reports, out, base_url="https://example.org/reports")
    return out


@pytest.fixture(scope="session")
def anchor_site(anchor_reports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("anchor-site")
    build_site(anchor_reports, out, base_url="https://example.org/di/")
    return out
