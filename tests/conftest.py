"""Shared fixtures: paths to the repository's test data and to ../shared/data (may be absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: CI machines are shared and the first example pays for imports and caches.
settings.register_profile("rxlabel", deadline=None)
settings.load_profile("rxlabel")

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: restricted data is read from there only, never copied."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent (restricted datasets are read from there only)")
    return SHARED
