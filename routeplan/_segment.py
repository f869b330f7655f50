"""Vectorised segmentation of photo streams into trips and visits.

Shared by :mod:`routeplan.landmarks` (typical stay, internal paths) and :mod:`routeplan.visits`
(the visits table), so both agree on what a visit is:

- photos are ordered by user, time and photo id; a photo that is a **GPS jump** (see
  :func:`gps_jumps`) is dropped first;
- a user's photos start a new **trip** after a gap longer than ``gap_h`` (all of the user's photos
  count, also those at no landmark: they show the user was out);
- inside a trip, photos at no landmark (``landmark_id == -1``) are dropped, and each maximal run of
  consecutive photos at the same landmark is one **visit** (arrive = first photo, leave = last).

A user is a **local** when their photos span more than ``local_days`` days (see
:func:`local_users`): people who live in the area photograph their street, not the sights.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from . import settings
from ._geo import haversine_m

MAX_SPEED_KMH = settings.MAX_SPEED_KMH
LOCAL_DAYS = settings.LOCAL_DAYS

VISIT_COLUMNS = ["user_id", "trip_id", "landmark_id", "arrived_at", "left_at", "n_photos"]

#: Time differences below this many seconds count as this long when computing speeds, so that GPS
#: noise between burst shots (same second, a few metres apart) is never an "infinite" speed.
MIN_JUMP_DT_S = 60.0

log = logging.getLogger(__name__)


def local_users(photos: pd.DataFrame, *, local_days: float) -> pd.Series:
    """Per photo: True when its user's photos span more than ``local_days`` days (a local).

    Vectorised (one groupby); indexed like ``photos``.
    """
    if local_days <= 0:
        raise ValueError(f"local_days must be positive, got {local_days}")
    user = photos["user_id"].astype(str)
    taken = photos["taken_at"]
    g = taken.groupby(user.to_numpy())
    span = (g.transform("max") - g.transform("min")).dt.total_seconds().to_numpy()
    return pd.Series(span > local_days * 86400.0, index=photos.index, name="is_local")


def gps_jumps(
    user: np.ndarray, t_s: np.ndarray, lat: np.ndarray, lon: np.ndarray, *, max_speed_kmh: float
) -> np.ndarray:
    """Mask of the photos that are GPS jumps, for photos already sorted by user and time.

    The rule: photo ``i`` is a jump when the speed implied from the previous photo of the same user
    to ``i`` **and** from ``i`` to the next one both exceed ``max_speed_kmh``, while the previous
    and next photos are within ``max_speed_kmh`` of each other: ``i`` is an isolated outlier
    (out and back), and dropping it leaves a plausible path. The first and last photo of a user
    are never jumps (one side alone cannot tell a bad fix from a flight), nor are two consecutive
    bad fixes (each has a plausible neighbour). Time differences below :data:`MIN_JUMP_DT_S`
    count as that long.
    """
    n = len(user)
    if n < 3 or not np.isfinite(max_speed_kmh):
        return np.zeros(n, dtype=bool)
    max_mps = max_speed_kmh / 3.6

    def too_fast(a: slice, b: slice) -> np.ndarray:
        d = haversine_m(lat[a], lon[a], lat[b], lon[b])
        dt = np.maximum(t_s[b] - t_s[a], MIN_JUMP_DT_S)
        return (d / dt > max_mps) & (user[a] == user[b])

    step = too_fast(slice(0, n - 1), slice(1, n))  # i -> i+1, length n-1
    skip = too_fast(slice(0, n - 2), slice(2, n))  # i-1 -> i+1 for i = 1..n-2
    same = user[:-2] == user[2:]
    jump = np.zeros(n, dtype=bool)
    jump[1:-1] = step[:-1] & step[1:] & same & ~skip
    return jump


def epoch_seconds(taken: pd.Series) -> np.ndarray:
    """Seconds since 1970-01-01 UTC (float64) of a datetime Series (naive values read as UTC)."""
    epoch = (
        pd.Timestamp(0, tz="UTC")
        if isinstance(taken.dtype, pd.DatetimeTZDtype)
        else (pd.Timestamp(0))
    )
    return ((taken - epoch) / pd.Timedelta(seconds=1)).to_numpy(float)


def _stable_order(users: np.ndarray, t_s: np.ndarray, photo_id: pd.Series) -> np.ndarray:
    """Positions sorting photos by (user, time, photo_id), strings compared as text.

    Users are sorted once per distinct user; photo ids only break ties of equal (user, time).
    """
    ucode = pd.factorize(users, sort=True)[0]
    order = np.lexsort((t_s, ucode))
    u, t = ucode[order], t_s[order]
    tie = np.r_[False, (u[1:] == u[:-1]) & (t[1:] == t[:-1])]
    if tie.any():
        start = tie.copy()
        start[:-1] |= tie[1:]  # every row of a run of equal (user, time)
        rows = np.flatnonzero(start)
        run = np.cumsum(~tie)[rows]
        sub = pd.DataFrame({"run": run, "pid": photo_id.astype(str).to_numpy()[order[rows]]})
        sub_order = sub.sort_values(["run", "pid"], kind="mergesort").index.to_numpy()
        order[rows] = order[rows[sub_order]]
    return order.astype(np.int64)


def photo_visits(
    photos: pd.DataFrame, *, gap_h: float, max_speed_kmh: float = np.inf
) -> pd.DataFrame:
    """Photos sorted by user and time, GPS jumps dropped, with ``trip_no`` and ``visit`` columns.

    Columns: ``row`` (position of the photo in the input), ``user_id``, ``taken_at``,
    ``landmark_id``, ``trip_no`` (1.. per user), ``visit`` (0..n_visits-1 in
    visit-table order, -1 for photos at no landmark).
    """
    if gap_h <= 0:
        raise ValueError(f"gap_h must be positive, got {gap_h}")
    users = photos["user_id"].astype(str).to_numpy(dtype=object)
    if len(photos) == 0:
        return pd.DataFrame(
            {
                "row": np.zeros(0, dtype=np.int64),
                "user_id": users,
                "taken_at": photos["taken_at"].reset_index(drop=True),
                "landmark_id": np.zeros(0, dtype=np.int64),
                "trip_no": np.zeros(0, dtype=np.int64),
                "visit": np.zeros(0, dtype=np.int64),
            }
        )
    t_all = epoch_seconds(photos["taken_at"].reset_index(drop=True))
    order = _stable_order(users, t_all, photos["photo_id"])
    df = pd.DataFrame(
        {
            "row": order,
            "user_id": users[order],
            "taken_at": photos["taken_at"]
            .reset_index(drop=True)
            .take(order)
            .reset_index(drop=True),
            "landmark_id": photos["landmark_id"].to_numpy(dtype=np.int64)[order],
        }
    )
    user = df["user_id"].to_numpy()
    t_s = t_all[order]

    if np.isfinite(max_speed_kmh) and "lat" in photos.columns and "lon" in photos.columns:
        rows = df["row"].to_numpy()
        lat = photos["lat"].to_numpy(float)[rows]
        lon = photos["lon"].to_numpy(float)[rows]
        jump = gps_jumps(user, t_s, lat, lon, max_speed_kmh=max_speed_kmh)
        if jump.any():
            log.info(
                "dropped %d GPS jump(s) implying more than %g km/h", int(jump.sum()), max_speed_kmh
            )
            df = df[~jump].reset_index(drop=True)
            user = df["user_id"].to_numpy()
            t_s = t_s[~jump]

    new_user = np.r_[True, user[1:] != user[:-1]]
    long_gap = np.r_[True, np.diff(t_s) > gap_h * 3600.0]
    new_trip = new_user | long_gap
    # trip number per user: running count of trip starts minus the count before the user's start
    starts = np.cumsum(new_trip)
    user_first = np.maximum.accumulate(np.where(new_user, np.arange(len(df)), 0))
    df["trip_no"] = starts - starts[user_first] + 1
    trip_seq = starts

    lm = df["landmark_id"].to_numpy()
    at = lm >= 0
    lm_at, seq_at = lm[at], trip_seq[at]
    new_visit = np.r_[True, (lm_at[1:] != lm_at[:-1]) | (seq_at[1:] != seq_at[:-1])]
    visit = np.full(len(df), -1, dtype=np.int64)
    visit[at] = np.cumsum(new_visit) - 1 if len(lm_at) else np.zeros(0, dtype=np.int64)
    df["visit"] = visit
    return df


def segment_visits(
    photos: pd.DataFrame, *, gap_h: float, max_speed_kmh: float = np.inf
) -> pd.DataFrame:
    """Visits table from photos with ``user_id``, ``taken_at``, ``photo_id`` and ``landmark_id``.

    GPS jumps are dropped first when ``max_speed_kmh`` is finite and photos have ``lat``/``lon``.
    Returns a DataFrame with :data:`VISIT_COLUMNS`, ordered by user, arrival and trip, index 0..n-1.
    """
    df = photo_visits(photos, gap_h=gap_h, max_speed_kmh=max_speed_kmh)
    at = df[df["visit"] >= 0]
    if at.empty:
        return _empty(photos)
    g = at.groupby("visit", sort=True)
    visits = g.agg(
        user_id=("user_id", "first"),
        trip_no=("trip_no", "first"),
        landmark_id=("landmark_id", "first"),
        arrived_at=("taken_at", "min"),
        left_at=("taken_at", "max"),
        n_photos=("landmark_id", "size"),
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
