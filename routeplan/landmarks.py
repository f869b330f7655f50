"""Landmarks: clusters of photo locations that many photographers share.

Photos are clustered with DBSCAN on the great-circle (haversine) metric. Identical coordinates are
merged first and their counts passed as ``sample_weight``: exact, and it keeps the neighbourhoods
DBSCAN stores small where thousands of photos share a spot. The merged points are sorted by
(lat, lon), so the labels do not depend on the input order.

A cluster is a landmark only when at least ``min_users`` distinct photographers took its photos:
one prolific photographer never makes a landmark. Landmarks are numbered 0..n-1 by decreasing
popularity (distinct users, then photos, then position), so landmark 0 is the most popular.
"""

from __future__ import annotations

import logging
import re

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import MultiPoint
from sklearn.cluster import DBSCAN

from . import settings
from ._errors import NoPhotosError, ValidationError
from ._geo import haversine_m
from ._segment import segment_visits, stay_minutes

__all__ = ["LANDMARK_COLUMNS", "find_landmarks", "validate_landmarks"]

log = logging.getLogger(__name__)

#: Columns of the landmarks table, in order (``geometry`` is the centre point).
LANDMARK_COLUMNS = [
    "landmark_id",
    "name",
    "lat",
    "lon",
    "n_photos",
    "n_users",
    "popularity",
    "stay_min",
    "hourly",
    "monthly",
    "tz",
    "cover_photo",
    "footprint",
    "geometry",
]

_REQUIRED_PHOTO_COLUMNS = ["photo_id", "user_id", "taken_at", "lat", "lon"]

# Titles that cameras write on their own: file names and stock strings, never a place name.
_GENERIC_TITLE = re.compile(
    r"^(?:img|dsc|dscf|dscn|pxl|mvi|p|sam|gopr|dji|pict|photo|image|untitled|olympus digital camera|"
    r"default|sony dsc|\d+)[\s_\-]*[\d_\-\s]*(?:\.\w{3,4})?$",
    re.IGNORECASE,
)


def find_landmarks(
    photos: gpd.GeoDataFrame,
    *,
    eps_m: float = settings.EPS_M,
    min_samples: int = settings.MIN_SAMPLES,
    min_users: int = settings.MIN_USERS,
    gap_h: float = settings.GAP_H,
    min_stay_min: float = settings.MIN_STAY_MIN,
    max_stay_min: float = settings.MAX_STAY_MIN,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cluster photos into landmarks.

    Parameters
    ----------
    photos
        The photos table (see :func:`routeplan.photos.validate_photos`); ``title`` is used for
        names when present, ``tz`` for local hours (UTC where missing).
    eps_m
        DBSCAN neighbourhood radius in metres.
    min_samples
        Photos (duplicates counted) within ``eps_m`` that make a core point.
    min_users
        Distinct photographers a cluster needs to become a landmark.
    gap_h
        Trip gap used to cut visits when estimating the typical stay.
    min_stay_min, max_stay_min
        Floor for a single-photo visit and cap of the typical stay, in minutes.

    Returns
    -------
    landmarks : geopandas.GeoDataFrame
        One row a landmark (columns :data:`LANDMARK_COLUMNS`, CRS EPSG:4326), ordered by id.
    photos : geopandas.GeoDataFrame
        A copy of the input with a ``landmark_id`` column (-1: at no landmark).

    Raises
    ------
    NoPhotosError
        If ``photos`` is empty.
    ValueError
        If a parameter is out of range.
    """
    if eps_m <= 0:
        raise ValueError(f"eps_m must be positive, got {eps_m}")
    if min_samples < 1 or min_users < 1:
        raise ValueError("min_samples and min_users must be at least 1")
    missing = [c for c in _REQUIRED_PHOTO_COLUMNS if c not in photos.columns]
    if missing:
        raise ValidationError(f"photos lack the columns {missing}; read them with read_photos()")
    if len(photos) == 0:
        raise NoPhotosError("no photo with a valid position and time to cluster")

    photos = photos.copy()
    labels = _dbscan_labels(
        photos["lat"].to_numpy(float),
        photos["lon"].to_numpy(float),
        eps_m=eps_m,
        min_samples=min_samples,
    )
    labels = _apply_min_users(labels, photos["user_id"].to_numpy(), min_users=min_users)
    labels = _relabel_by_popularity(labels, photos)
    photos["landmark_id"] = labels
    landmarks = _profile(photos, gap_h=gap_h, min_stay_min=min_stay_min, max_stay_min=max_stay_min)
    log.info("%d photos -> %d landmarks (eps %.0f m)", len(photos), len(landmarks), eps_m)
    return landmarks, photos


def _dbscan_labels(
    lat: np.ndarray, lon: np.ndarray, *, eps_m: float, min_samples: int
) -> np.ndarray:
    """DBSCAN labels (-1 noise) per photo, computed on unique coordinates weighted by their counts."""
    coords = np.column_stack([lat, lon])
    uniq, inverse, counts = np.unique(coords, axis=0, return_inverse=True, return_counts=True)
    # np.unique sorts rows lexicographically: (lat, lon) order, independent of the input order.
    model = DBSCAN(
        eps=eps_m / settings.EARTH_RADIUS_M,
        min_samples=min_samples,
        metric="haversine",
        algorithm="ball_tree",
    )
    model.fit(np.radians(uniq), sample_weight=counts)
    return model.labels_[inverse.ravel()].astype(np.int64)


def _apply_min_users(labels: np.ndarray, users: np.ndarray, *, min_users: int) -> np.ndarray:
    """Turn clusters with fewer than ``min_users`` distinct users into noise."""
    df = pd.DataFrame({"label": labels, "user": users})
    n_users = df[df["label"] >= 0].groupby("label")["user"].nunique()
    keep = n_users.index[n_users >= min_users].to_numpy()
    return np.where(np.isin(labels, keep), labels, -1)


def _relabel_by_popularity(labels: np.ndarray, photos: pd.DataFrame) -> np.ndarray:
    """Number clusters 0..n-1 by (users desc, photos desc, mean lat, mean lon)."""
    mask = labels >= 0
    if not mask.any():
        return labels
    df = pd.DataFrame(
        {
            "label": labels[mask],
            "user": photos["user_id"].to_numpy()[mask],
            "lat": photos["lat"].to_numpy()[mask],
            "lon": photos["lon"].to_numpy()[mask],
        }
    )
    stats = df.groupby("label").agg(
        n_users=("user", "nunique"),
        n_photos=("user", "size"),
        lat=("lat", "mean"),
        lon=("lon", "mean"),
    )
    stats = stats.sort_values(
        ["n_users", "n_photos", "lat", "lon"],
        ascending=[False, False, True, True],
        kind="mergesort",
    )
    mapping = np.full(labels.max() + 1, -1, dtype=np.int64)
    mapping[stats.index.to_numpy()] = np.arange(len(stats))
    return np.where(mask, mapping[np.clip(labels, 0, None)], -1)


def _profile(
    photos: gpd.GeoDataFrame, *, gap_h: float, min_stay_min: float, max_stay_min: float
) -> gpd.GeoDataFrame:
    """The landmarks table of photos labelled 0..n-1."""
    at = photos[photos["landmark_id"] >= 0]
    if at.empty:
        return _empty_landmarks()
    lid = at["landmark_id"].to_numpy()
    n = int(lid.max()) + 1

    lat = at["lat"].to_numpy(float)
    lon = at["lon"].to_numpy(float)
    centre_lat, centre_lon = _spherical_centres(lid, lat, lon, n)
    n_photos = np.bincount(lid, minlength=n)
    n_users = at.groupby("landmark_id")["user_id"].nunique().reindex(range(n)).to_numpy()

    local = _local_times(at)
    hourly = _shares(lid, local.dt.hour.to_numpy(), n, 24)
    monthly = _shares(lid, local.dt.month.to_numpy() - 1, n, 12)

    visits = segment_visits(photos, gap_h=gap_h)
    stay = stay_minutes(visits, min_stay_min=min_stay_min, max_stay_min=max_stay_min)
    stay = stay.reindex(range(n)).fillna(min_stay_min).to_numpy(float)

    # Cover photo: the photo nearest the centre (ties: smallest photo_id).
    dist = haversine_m(lat, lon, centre_lat[lid], centre_lon[lid])
    order = pd.DataFrame({"lid": lid, "d": dist, "pid": at["photo_id"].astype(str).to_numpy()})
    cover = order.sort_values(["lid", "d", "pid"], kind="mergesort").drop_duplicates("lid")
    cover_photo = cover.set_index("lid")["pid"].reindex(range(n)).to_numpy()

    if "tz" in at.columns:
        tz = at.groupby("landmark_id")["tz"].agg(lambda s: s.mode().sort_values().iloc[0])
        tz = tz.reindex(range(n)).to_numpy()
    else:
        tz = np.full(n, "UTC", dtype=object)

    footprint = _footprints(at, n)
    names = _names(at, n)

    landmarks = gpd.GeoDataFrame(
        {
            "landmark_id": np.arange(n, dtype=np.int64),
            "name": names,
            "lat": centre_lat,
            "lon": centre_lon,
            "n_photos": n_photos.astype(np.int64),
            "n_users": n_users.astype(np.int64),
            "popularity": n_users / n_users.max(),
            "stay_min": stay,
            "hourly": list(hourly),
            "monthly": list(monthly),
            "tz": tz,
            "cover_photo": cover_photo,
            "footprint": gpd.GeoSeries(footprint, crs="EPSG:4326"),
        },
        geometry=gpd.points_from_xy(centre_lon, centre_lat),
        crs="EPSG:4326",
    )
    landmarks["hourly"] = [list(map(float, h)) for h in hourly]
    landmarks["monthly"] = [list(map(float, m)) for m in monthly]
    return landmarks[LANDMARK_COLUMNS]


def _spherical_centres(
    lid: np.ndarray, lat: np.ndarray, lon: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean position per label on the sphere (unit vectors averaged), safe across the antimeridian."""
    phi, lmb = np.radians(lat), np.radians(lon)
    xyz = np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])
    sums = np.column_stack([np.bincount(lid, weights=xyz[:, k], minlength=n) for k in range(3)])
    x, y, z = sums.T
    return np.degrees(np.arctan2(z, np.hypot(x, y))), np.degrees(np.arctan2(y, x))


def _local_times(photos: pd.DataFrame) -> pd.Series:
    """``taken_at`` as naive local wall time in each photo's ``tz`` (one conversion per zone)."""
    taken = photos["taken_at"]
    if "tz" not in photos.columns:
        return taken.dt.tz_convert("UTC").dt.tz_localize(None)
    out = pd.Series(pd.NaT, index=photos.index, dtype="datetime64[ns]")
    for zone, idx in photos.groupby("tz").groups.items():
        out.loc[idx] = taken.loc[idx].dt.tz_convert(zone).dt.tz_localize(None).to_numpy()
    return out


def _shares(lid: np.ndarray, bucket: np.ndarray, n: int, k: int) -> np.ndarray:
    """Row-normalised (n, k) histogram of buckets per label."""
    counts = np.bincount(lid * k + bucket, minlength=n * k).reshape(n, k).astype(float)
    return counts / counts.sum(axis=1, keepdims=True)


def _footprints(at: gpd.GeoDataFrame, n: int) -> list:
    """Convex hull of each landmark's photos, buffered by 10 m (in a local metric projection)."""
    pts = gpd.GeoSeries(gpd.points_from_xy(at["lon"], at["lat"]), crs="EPSG:4326")
    utm = pts.estimate_utm_crs()
    xy = pts.to_crs(utm)
    coords = np.column_stack([xy.x.to_numpy(), xy.y.to_numpy()])
    lid = at["landmark_id"].to_numpy()
    order = np.argsort(lid, kind="mergesort")
    bounds = np.searchsorted(lid[order], np.arange(n + 1))
    hulls = [
        MultiPoint(coords[order[bounds[i] : bounds[i + 1]]]).convex_hull.buffer(10.0)
        for i in range(n)
    ]
    return list(gpd.GeoSeries(hulls, crs=utm).to_crs("EPSG:4326"))


def _names(at: pd.DataFrame, n: int, *, max_candidates: int = 20) -> list[str]:
    """A name per landmark from photo titles, else "Landmark N" (N = id + 1).

    Each photographer's titles count once. Titles that cameras write on their own ("IMG_0042",
    "OLYMPUS DIGITAL CAMERA") are ignored. A candidate (one of the ``max_candidates`` titles most
    photographers used at the landmark) scores the number of photographers with a title that
    contains it as whole words, so "Union Station" wins over "Union Station at night". A candidate
    must score at least 2, and is dropped when it also occurs at more than a quarter of all
    landmarks (at least 3): "Toronto" names no one place. Ties go to the shorter, then the
    alphabetically first title. Names are made unique with a " (2)" suffix.
    """
    names = [f"Landmark {i + 1}" for i in range(n)]
    if "title" in at.columns:
        t = pd.DataFrame(
            {
                "lid": at["landmark_id"].to_numpy(),
                "user": at["user_id"].astype(str).to_numpy(),
                "title": at["title"]
                .fillna("")
                .astype(str)
                .str.strip()
                .str.replace(r"\s+", " ", regex=True),
            }
        )
        t = t[(t["title"].str.len() > 1) & ~t["title"].str.fullmatch(_GENERIC_TITLE)]
        t = t.assign(key=t["title"].str.casefold()).drop_duplicates(["lid", "user", "key"])
        keys_by_lid = {lid: g for lid, g in t.groupby("lid", sort=True)}
        common = max(3, n // 4)
        for lid, g in keys_by_lid.items():
            exact = g.groupby("key").agg(users=("user", "size"), title=("title", "min"))
            exact = exact.sort_values("users", ascending=False, kind="mergesort")
            best: tuple[int, int, str] | None = None
            for key, title in exact["title"].head(max_candidates).items():
                pattern = r"(?:^|\W)" + re.escape(key) + r"(?:\W|$)"
                users = g.loc[g["key"].str.contains(pattern, regex=True), "user"].nunique()
                if users < 2:
                    continue
                spread = sum(
                    bool(o["key"].str.contains(pattern, regex=True).any())
                    for o in keys_by_lid.values()
                )
                if spread > common:
                    continue
                rank = (-users, len(title), title)
                if best is None or rank < best:
                    best = rank
            if best is not None:
                names[int(lid)] = best[2]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        k = seen.get(name.casefold(), 0)
        seen[name.casefold()] = k + 1
        if k:
            names[i] = f"{name} ({k + 1})"
    return names


def _empty_landmarks() -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype=object) for c in LANDMARK_COLUMNS if c != "geometry"})
    df["landmark_id"] = df["landmark_id"].astype(np.int64)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def validate_landmarks(landmarks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check the landmarks contract and return the table unchanged.

    Raises
    ------
    ValidationError
        If a column is missing, ids are not 0..n-1 in order, a share vector does not sum to 1,
        or a value is out of range.
    """
    missing = [c for c in LANDMARK_COLUMNS if c not in landmarks.columns]
    if missing:
        raise ValidationError(f"landmarks lack the columns {missing}")
    if landmarks.crs is None or not landmarks.crs.equals("EPSG:4326"):
        raise ValidationError(f"landmarks must be in EPSG:4326, not {landmarks.crs}")
    ids = landmarks["landmark_id"].to_numpy()
    if not np.array_equal(ids, np.arange(len(landmarks))):
        raise ValidationError("landmark_id must be 0..n-1 in row order")
    if ((landmarks["lat"].abs() > 90) | (landmarks["lon"].abs() > 180)).any():
        raise ValidationError("landmark coordinates out of range")
    pop = landmarks["popularity"].to_numpy(float)
    if len(pop) and ((pop <= 0) | (pop > 1)).any():
        raise ValidationError("popularity must lie in (0, 1]")
    if (landmarks["stay_min"].to_numpy(float) < 0).any():
        raise ValidationError("stay_min must not be negative")
    for col, k in (("hourly", 24), ("monthly", 12)):
        for i, shares in enumerate(landmarks[col]):
            arr = np.asarray(shares, dtype=float)
            if arr.shape != (k,) or not np.isclose(arr.sum(), 1.0):
                raise ValidationError(f"landmark {i}: {col} must be {k} shares summing to 1")
    return landmarks
