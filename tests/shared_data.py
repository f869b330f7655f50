"""Where the shared reference data lives (``../shared`` from the repository root) and how tests
treat it missing: a skip on a developer's machine, a failure in CI (``CI`` set and true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TOUR = SHARED / "data" / "tour"
SCORER = SHARED / "tools" / "score_tour.py"


def in_ci() -> bool:
    """True when the environment variable CI is set to a true value."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(message: str) -> None:
    """Skip locally, fail in CI."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def need(path: Path) -> Path:
    """``path``; a skip (locally) or a failure (CI) when it is missing."""
    if not path.exists():
        missing(f"{path} is missing (see ../shared/data/README.md)")
    return path
