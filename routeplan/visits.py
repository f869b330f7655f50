"""Visits and trips: each user's photo stream cut into trips, and trips into landmark visits.

See :mod:`routeplan._segment` for the exact rules (shared with the typical-stay estimate of
:mod:`routeplan.landmarks`, so both agree on what a visit is): GPS jumps dropped, trips cut on long
gaps, runs of photos at one landmark become visits. Every visit says whether its user is a local.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import settings
from ._errors import ValidationError
from ._segment import LOCAL_DAYS, MAX_SPEED_KMH, VISIT_COLUMNS, local_users, segment_visits

__all__ = ["LOCAL_DAYS", "MAX_SPEED_KMH", "VISIT_COLUMNS", "find_visits", "validate_visits"]


def find_visits(
    photos: pd.DataFrame,
    *,
    gap_h: float = settings.GAP_H,
    max_speed_kmh: float = MAX_SPEED_KMH,
    local_days: float = LOCAL_DAYS,
    exclude_locals: bool = False,
) -> pd.DataFrame:
    """Visits (arrive/leave at a landmark) grouped into trips, from labelled photos.

    Parameters
    ----------
    photos
        Photos with a ``landmark_id`` column (-1 at no landmark), as returned by
        :func:`routeplan.find_landmarks`.
    gap_h
        A user's photo stream starts a new trip after a pause longer than this many hours.
    max_speed_kmh
        A photo whose position implies more than this speed from the previous photo of its user
        and to the next one, while those two agree, is a GPS jump and is dropped before
        segmentation (see :func:`routeplan._segment.gps_jumps`); ``inf`` keeps every photo.
        Needs ``lat``/``lon`` columns (skipped without them). The count is logged.
    local_days
        A user whose photos span more than this many days is a local (``is_local``); ignored
        when the photos already have an ``is_local`` column (as :func:`find_landmarks` adds).
    exclude_locals
        Leave the visits of locals out (default False: keep them, flagged by ``is_local``;
        :func:`routeplan.build_graph` can still drop them).

    Returns
    -------
    pandas.DataFrame
        Columns ``user_id``, ``trip_id`` (``"<user>#<n>"``, n from 1 per user), ``landmark_id``,
        ``arrived_at``, ``left_at`` (UTC), ``n_photos``, ``is_local`` (bool); ordered by user and
        time, index 0..n-1.
    """
    for col in ("user_id", "taken_at", "photo_id", "landmark_id"):
        if col not in photos.columns:
            raise ValidationError(
                f"photos lack {col!r}; label them with find_landmarks() before find_visits()"
            )
    if gap_h <= 0:
        raise ValueError(f"gap_h must be positive, got {gap_h}")
    if not max_speed_kmh > 0:
        raise ValueError(f"max_speed_kmh must be positive, got {max_speed_kmh}")
    visits = segment_visits(photos, gap_h=gap_h, max_speed_kmh=max_speed_kmh)
    if "is_local" in photos.columns:
        flags = photos["is_local"].to_numpy(bool)
    else:
        flags = local_users(photos, local_days=local_days).to_numpy()
    locals_ = set(photos["user_id"].astype(str).to_numpy()[flags])
    visits["is_local"] = visits["user_id"].isin(locals_).to_numpy(bool)
    if exclude_locals:
        visits = visits[~visits["is_local"]].reset_index(drop=True)
    return visits


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
