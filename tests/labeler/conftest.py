from __future__ import annotations

import pytest

from rxlabel.labeler import Labeler
from tests.conftest import TEST_DATA

MINI = TEST_DATA / "labeler" / "mini_es"


@pytest.fixture(scope="session")
def mini() -> Labeler:
    """The engine with the small Spanish test pack."""
    return Labeler(MINI)


@pytest.fixture(scope="session")
def english() -> Labeler:
    return Labeler("en")


@pytest.fixture(scope="session")
def vi() -> Labeler:
    """The Vietnamese pack (test modules that define their own ``vi`` fixture override this one)."""
    return Labeler("vi")
