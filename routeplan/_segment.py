"""Vectorised segmentation of photo streams into trips and visits.

Shared by :mod:`routeplan.landmarks` (typical stay) and :mod:`routeplan.visits` (the visits table),
so both agree on what a visit is:

- a user's photos, ordered by time, start a new **trip** after a gap longer than ``gap_h`` (all of
  the user's photos count, also those at no landmark: they show the user was out);
- inside a trip, photos at no landmark (``landmark_id == -1``) are dropped, and each maximal run of
  consecutive photos at the same landmark is one **visit** (arrive = first photo, leave = last).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VISIT_COLUMNS = ["user_id", "trip_id", "landmark_id", "arrived_at", "left_at", "n_photos"]


def segment_visits(photos: pd.DataFrame, *, gap_h: float) -> pd.DataFrame:
    """Visits table from photos with ``user_id``, ``taken_at``, ``photo_id`` and ``landmark_id``.

    Returns a DataFrame with :data:`VISIT_COLUMNS`, ordered by user, arrival and trip, index 0..n-1.
    """
    if gap_h <= 0:
        raise ValueError(f"gap_h must be positive, got {gap_h}")
    df = pd.DataFrame(
        {
            "user_id": photos["user_id"].astype(str).to_numpy(),
            "taken_at": photos["taken_at"].to_numpy(),
            "photo_id": photos["photo_id"].astype(str).to_numpy(),
            "landmark_id": photos["landmark_id"].to_numpy(dtype=np.int64),
        }
    )
    if df.empty:
        return _empty(photos)
    df = df.sort_values(["user_id", "taken_at", "photo_id"], kind="mergesort", ignore_index=True)

    user = df["user_id"].to_numpy()
    new_user = np.r_[True, user[1:] != user[:-1]]
    gap = np.diff(df["taken_at"].to_numpy()).astype("timedelta64[s]").astype(np.int64)
    long_gap = np.r_[True, gap > gap_h * 3600.0]
    new_trip = new_user | long_gap
    trip_no = pd.Series(new_trip.astype(np.int64)).groupby(user).cumsum().to_numpy()
    df["trip_no"] = trip_no
    df["trip_seq"] = np.cumsum(new_trip)

    at = df[df["landmark_id"] >= 0].reset_index(drop=True)
    if at.empty:
        return _empty(photos)
    lm = at["landmark_id"].to_numpy()
    seq = at["trip_seq"].to_numpy()
    new_visit = np.r_[True, (lm[1:] != lm[:-1]) | (seq[1:] != seq[:-1])]
    at["visit"] = np.cumsum(new_visit)

    g = at.groupby("visit", sort=True)
    visits = g.agg(
        user_id=("user_id", "first"),
        trip_no=("trip_no", "first"),
        landmark_id=("landmark_id", "first"),
        arrived_at=("taken_at", "min"),
        left_at=("taken_at", "max"),
        n_photos=("photo_id", "size"),
    ).reset_index(drop=True)
    visits["trip_id"] = visits["user_id"] + "#" + visits["trip_no"].astype(str)
    visits["landmark_id"] = visits["landmark_id"].astype(np.int64)
    visits["n_photos"] = visits["n_photos"].astype(np.int64)
    return visits[VISIT_COLUMNS]


def _empty(photos: pd.DataFrame) -> pd.DataFrame:
    tz_dtype = photos["taken_at"].dtype if "taken_at" in photos else "datetime64[ns, UTC]"
    return pd.DataFrame(
        {
            "user_id": pd.Series([], dtype=object),
            "trip_id": pd.Series([], dtype=object),
            "landmark_id": pd.Series([], dtype=np.int64),
            "arrived_at": pd.Series([], dtype=tz_dtype),
            "left_at": pd.Series([], dtype=tz_dtype),
            "n_photos": pd.Series([], dtype=np.int64),
        }
    )


def stay_minutes(visits: pd.DataFrame, *, min_stay_min: float, max_stay_min: float) -> pd.Series:
    """Typical stay per landmark: median over its visits of the visit span, floored and capped.

    A visit's span is ``left_at - arrived_at``; a single-photo visit has span 0, so each span is
    raised to ``min_stay_min`` before the median is taken, and the result is capped at
    ``max_stay_min``. Indexed by landmark_id.
    """
    span = (visits["left_at"] - visits["arrived_at"]).dt.total_seconds() / 60.0
    span = span.clip(lower=min_stay_min)
    return span.groupby(visits["landmark_id"]).median().clip(upper=max_stay_min)
