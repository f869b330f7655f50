"""Visits and trips: each user's photo stream cut into trips, and trips into landmark visits.

See :mod:`routeplan._segment` for the exact rules (shared with the typical-stay estimate of
:mod:`routeplan.landmarks`, so both agree on what a visit is).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import settings
from ._errors import ValidationError
from ._segment import VISIT_COLUMNS, segment_visits

__all__ = ["VISIT_COLUMNS", "find_visits", "validate_visits"]


def find_visits(photos: pd.DataFrame, *, gap_h: float = settings.GAP_H) -> pd.DataFrame:
    """Visits (arrive/leave at a landmark) grouped into trips, from labelled photos.

    Parameters
    ----------
    photos
        Photos with a ``landmark_id`` column (-1 at no landmark), as returned by
        :func:`routeplan.find_landmarks`.
    gap_h
        A user's photo stream starts a new trip after a pause longer than this many hours.

    Returns
    -------
    pandas.DataFrame
        Columns ``user_id``, ``trip_id`` (``"<user>#<n>"``, n from 1 per user), ``landmark_id``,
        ``arrived_at``, ``left_at`` (UTC), ``n_photos``; ordered by user and time.
    """
    for col in ("user_id", "taken_at", "photo_id", "landmark_id"):
        if col not in photos.columns:
            raise ValidationError(
                f"photos lack {col!r}; label them with find_landmarks() before find_visits()"
            )
    if gap_h <= 0:
        raise ValueError(f"gap_h must be positive, got {gap_h}")
    return segment_visits(photos, gap_h=gap_h)


def validate_visits(visits: pd.DataFrame) -> pd.DataFrame:
    """Check the visits contract and return the table unchanged.

    Raises
    ------
    ValidationError
        If a column is missing, a visit leaves before it arrives, or times are not UTC-aware.
    """
    missing = [c for c in VISIT_COLUMNS if c not in visits.columns]
    if missing:
        raise ValidationError(f"visits lack the columns {missing}")
    for col in ("arrived_at", "left_at"):
        if not isinstance(visits[col].dtype, pd.DatetimeTZDtype):
            raise ValidationError(f"visits.{col} must be time-zone aware (UTC)")
    if (visits["left_at"] < visits["arrived_at"]).any():
        raise ValidationError("a visit leaves before it arrives")
    if (visits["landmark_id"].to_numpy(np.int64) < 0).any():
        raise ValidationError("visits must be at a landmark (landmark_id >= 0)")
    return visits
