"""Landmarks: clusters of photo locations that many photographers share.

Photos are clustered with DBSCAN on the great-circle (haversine) metric. Identical coordinates are
merged first and their counts passed as ``sample_weight``: exact, and it keeps the neighbourhoods
DBSCAN stores small where thousands of photos share a spot. The merged points are sorted by
(lat, lon), so the labels do not depend on the input order.

Instead of clustering, :func:`landmarks_from_pois` snaps photos to a user's own list of points of
interest (nearest POI within ``radius_m``).

A cluster (or POI) is a landmark only when at least ``min_users`` distinct photographers took its
photos: one prolific photographer never makes a landmark. Landmarks are numbered 0..n-1 by
decreasing popularity (distinct users, then photos, then position), so landmark 0 is the most
popular. Users whose photos span more than ``local_days`` are locals (``is_local``); with
``exclude_locals`` they count neither for ``min_users`` nor for ``n_users``/``popularity``/stays.

:func:`internal_paths` finds the sub-spots of large landmarks and the order visitors walk them.
"""

from __future__ import annotations

import logging
import os
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sklearn.neighbors import BallTree

from . import settings
from ._cluster import cluster_labels
from ._errors import InputError, NoPhotosError, ValidationError
from ._geo import haversine_m
from ._segment import (
    LOCAL_DAYS,
    MAX_SPEED_KMH,
    epoch_seconds,
    local_users,
    photo_visits,
    segment_visits,
    stay_minutes,
)

__all__ = [
    "INTERNAL_PATH_COLUMNS",
    "LANDMARK_COLUMNS",
    "POI_RADIUS_M",
    "find_landmarks",
    "internal_paths",
    "landmarks_from_pois",
    "validate_landmarks",
]

POI_RADIUS_M = settings.POI_RADIUS_M
#: Columns of :func:`internal_paths`.
INTERNAL_PATH_COLUMNS = [
    "landmark_id",
    "spot_id",
    "order",
    "lat",
    "lon",
    "n_photos",
    "n_users",
    "median_rank",
]

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
    r"^(?:img|dsc|dscf|dscn|pxl|mvi|p|sam|gopr|dji|pict|photo|image|untitled|"
    r"olympus digital camera|"
    r"default|sony dsc|\d+)[\s_\-]*[\d_\-\s]*(?:\.\w{3,4})?$",
    re.IGNORECASE,
)


def find_landmarks(
    photos: gpd.GeoDataFrame,
    *,
    eps_m: float = settings.EPS_M,
    min_samples: int = settings.MIN_SAMPLES,
    min_users: int = settings.MIN_USERS,
    method: str = settings.CLUSTER_METHOD,
    snap_m: float = settings.SNAP_M,
    pois: str | os.PathLike[str] | pd.DataFrame | None = None,
    gap_h: float = settings.GAP_H,
    min_stay_min: float = settings.MIN_STAY_MIN,
    max_stay_min: float = settings.MAX_STAY_MIN,
    max_speed_kmh: float = MAX_SPEED_KMH,
    local_days: float = LOCAL_DAYS,
    exclude_locals: bool = False,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cluster photos into landmarks.

    Parameters
    ----------
    photos
        The photos table (see :func:`routeplan.photos.validate_photos`); ``title`` and ``tags``
        are used for names when present, ``tz`` for local hours (UTC where missing).
    eps_m
        DBSCAN neighbourhood radius in metres.
    min_samples
        Photos (duplicates counted) within ``eps_m`` that make a core point.
    min_users
        Distinct photographers a cluster needs to become a landmark.
    method
        ``"dbscan"`` (exact DBSCAN on the haversine metric, identical coordinates weighted by their
        counts; the same labels as scikit-learn's DBSCAN in linear memory) or ``"hdbscan"``
        (scikit-learn's HDBSCAN, for cities of very uneven density; ``eps_m`` is then unused).
    snap_m
        When positive, coordinates are snapped to a grid of this many metres before clustering,
        so near-identical positions merge into one weighted point (faster, approximate).
    pois
        Optional POI table (path or DataFrame, see :func:`routeplan.read_pois`) used only for
        names: a landmark takes the name of the nearest POI within ``eps_m`` of its centre or
        inside its footprint, and gains ``poi_id`` and ``theme`` columns (missing where no POI is
        near). Landmarks without a POI are named from titles and tags as usual.
    gap_h
        Trip gap used to cut visits when estimating the typical stay.
    min_stay_min, max_stay_min
        Floor for a single-photo visit and cap of the typical stay, in minutes.
    max_speed_kmh
        GPS jumps above this speed are ignored when estimating stays (see
        :func:`routeplan.find_visits`).
    local_days
        A user whose photos span more than this many days is a local (``is_local`` column).
    exclude_locals
        Count only non-locals for ``min_users``, ``n_users``, ``popularity`` and stays (default
        False: everybody counts; locals are only flagged).

    Returns
    -------
    landmarks : geopandas.GeoDataFrame
        One row a landmark (columns :data:`LANDMARK_COLUMNS`, plus ``poi_id``/``theme`` when
        ``pois`` is given; CRS EPSG:4326), ordered by id.
    photos : geopandas.GeoDataFrame
        A copy of the input with ``landmark_id`` (-1: at no landmark) and ``is_local`` columns.

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
    if snap_m < 0:
        raise ValueError(f"snap_m must not be negative, got {snap_m}")
    photos = _prepared(photos, local_days=local_days)
    labels = _dbscan_labels(
        photos["lat"].to_numpy(float),
        photos["lon"].to_numpy(float),
        eps_m=eps_m,
        min_samples=min_samples,
        method=method,
        snap_m=snap_m,
    )
    users = _counted_users(photos, exclude_locals=exclude_locals)
    labels = _apply_min_users(labels, users, min_users=min_users)
    labels = _relabel_by_popularity(labels, photos, users)
    photos["landmark_id"] = labels
    landmarks = _profile(
        photos,
        gap_h=gap_h,
        min_stay_min=min_stay_min,
        max_stay_min=max_stay_min,
        max_speed_kmh=max_speed_kmh,
        exclude_locals=exclude_locals,
    )
    if pois is not None:
        landmarks = _name_by_pois(landmarks, _read_pois(pois), max_m=eps_m)
    log.info("%d photos -> %d landmarks (eps %.0f m)", len(photos), len(landmarks), eps_m)
    return landmarks, photos


def landmarks_from_pois(
    photos: gpd.GeoDataFrame,
    pois: str | os.PathLike[str] | pd.DataFrame,
    *,
    radius_m: float = POI_RADIUS_M,
    min_users: int = settings.MIN_USERS,
    gap_h: float = settings.GAP_H,
    min_stay_min: float = settings.MIN_STAY_MIN,
    max_stay_min: float = settings.MAX_STAY_MIN,
    max_speed_kmh: float = MAX_SPEED_KMH,
    local_days: float = LOCAL_DAYS,
    exclude_locals: bool = False,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Landmarks from a POI list: each photo snaps to its nearest POI within ``radius_m``.

    A POI becomes a landmark when at least ``min_users`` distinct photographers (non-locals only
    with ``exclude_locals``) have a photo snapped to it. The landmark's centre is the POI's
    position, its name the POI's name ("Landmark N" where the list has none); the profile
    (footprint, counts, stay, hourly/monthly shares, cover photo) is computed as in
    :func:`find_landmarks`.

    Parameters
    ----------
    photos
        The photos table.
    pois
        A POI table: a CSV path or a DataFrame as read by :func:`routeplan.read_pois` (e.g. the
        IJCAI'15 ``POI-Toro.csv``). POIs without coordinates are ignored.
    radius_m
        Photos farther than this from every POI are at no landmark (``landmark_id`` -1).
    min_users, gap_h, min_stay_min, max_stay_min, max_speed_kmh, local_days, exclude_locals
        As in :func:`find_landmarks`.

    Returns
    -------
    landmarks : geopandas.GeoDataFrame
        Columns :data:`LANDMARK_COLUMNS` plus ``poi_id`` (str) and ``theme``, ordered by id
        (decreasing popularity).
    photos : geopandas.GeoDataFrame
        A copy of the input with ``landmark_id`` and ``is_local`` columns.

    Raises
    ------
    NoPhotosError
        If ``photos`` is empty.
    InputError
        If the POI table cannot be read or has no POI with coordinates.
    """
    if radius_m <= 0:
        raise ValueError(f"radius_m must be positive, got {radius_m}")
    if min_users < 1:
        raise ValueError("min_users must be at least 1")
    table = _read_pois(pois)
    photos = _prepared(photos, local_days=local_days)
    lat = photos["lat"].to_numpy(float)
    lon = photos["lon"].to_numpy(float)
    dist_m, nearest = _nearest(table["lat"].to_numpy(float), table["lon"].to_numpy(float), lat, lon)
    labels = np.where(dist_m <= radius_m, nearest, -1).astype(np.int64)
    users = _counted_users(photos, exclude_locals=exclude_locals)
    labels = _apply_min_users(labels, users, min_users=min_users)
    new = _relabel_by_popularity(labels, photos, users)
    photos["landmark_id"] = new
    n = int(new.max()) + 1 if (new >= 0).any() else 0
    poi_of = np.zeros(n, dtype=np.int64)
    poi_of[new[new >= 0]] = labels[new >= 0]
    chosen = table.iloc[poi_of]
    names = [
        str(x) if isinstance(x, str) and x.strip() else f"Landmark {i + 1}"
        for i, x in enumerate(chosen["name"])
    ]
    landmarks = _profile(
        photos,
        gap_h=gap_h,
        min_stay_min=min_stay_min,
        max_stay_min=max_stay_min,
        max_speed_kmh=max_speed_kmh,
        exclude_locals=exclude_locals,
        names=_unique_names(names),
        centres=(chosen["lat"].to_numpy(float), chosen["lon"].to_numpy(float)),
    )
    landmarks = _with_poi_columns(
        landmarks, chosen["poi_id"].astype(object).tolist(), chosen["theme"].tolist()
    )
    log.info(
        "%d photos -> %d landmarks from %d POIs (%d photos beyond %.0f m)",
        len(photos),
        len(landmarks),
        len(table),
        int((dist_m > radius_m).sum()),
        radius_m,
    )
    return landmarks, photos


def _prepared(photos: gpd.GeoDataFrame, *, local_days: float) -> gpd.GeoDataFrame:
    """Checked copy of the photos with an ``is_local`` column."""
    missing = [c for c in _REQUIRED_PHOTO_COLUMNS if c not in photos.columns]
    if missing:
        raise ValidationError(f"photos lack the columns {missing}; read them with read_photos()")
    if len(photos) == 0:
        raise NoPhotosError("no photo with a valid position and time to cluster")
    photos = photos.copy()
    photos["is_local"] = local_users(photos, local_days=local_days).to_numpy()
    n_local = int(photos.loc[photos["is_local"], "user_id"].nunique())
    if n_local:
        log.info("%d user(s) are locals (photos span > %g days)", n_local, local_days)
    return photos


def _counted_users(photos: pd.DataFrame, *, exclude_locals: bool) -> np.ndarray:
    """User id per photo, None for locals when they do not count."""
    users = photos["user_id"].astype(object).to_numpy()
    if exclude_locals:
        users = np.where(photos["is_local"].to_numpy(bool), None, users)
    return users


def _read_pois(pois: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """POIs with coordinates, positional index."""
    from .tables import read_pois

    table = read_pois(pois)
    table = table[np.isfinite(table["lat"]) & np.isfinite(table["lon"])].reset_index(drop=True)
    if table.empty:
        raise InputError("the POI table has no POI with valid coordinates")
    return table


def _nearest(
    ref_lat: np.ndarray, ref_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) to and index of the nearest reference point of each point (BallTree, k=1)."""
    tree = BallTree(np.radians(np.column_stack([ref_lat, ref_lon])), metric="haversine")
    dist, idx = tree.query(np.radians(np.column_stack([lat, lon])), k=1)
    return dist[:, 0] * settings.EARTH_RADIUS_M, idx[:, 0].astype(np.int64)


def _with_poi_columns(landmarks: gpd.GeoDataFrame, poi_id: list, theme: list) -> gpd.GeoDataFrame:
    """``poi_id`` and ``theme`` columns inserted after ``cover_photo``."""
    landmarks = landmarks.copy()
    at = list(landmarks.columns).index("cover_photo") + 1
    landmarks.insert(at, "poi_id", pd.Series(poi_id, index=landmarks.index, dtype=object))
    landmarks.insert(at + 1, "theme", pd.Series(theme, index=landmarks.index, dtype=object))
    return landmarks


def _name_by_pois(
    landmarks: gpd.GeoDataFrame, table: pd.DataFrame, *, max_m: float
) -> gpd.GeoDataFrame:
    """Name each landmark after its nearest POI within ``max_m`` of its centre or in its footprint.

    A POI names at most one landmark (the nearest one); the others keep their title names.
    """
    n = len(landmarks)
    poi_id: list = [None] * n
    theme: list = [None] * n
    if n == 0:
        return _with_poi_columns(landmarks, poi_id, theme)
    dist, idx = _nearest(
        table["lat"].to_numpy(float),
        table["lon"].to_numpy(float),
        landmarks["lat"].to_numpy(float),
        landmarks["lon"].to_numpy(float),
    )
    pts = gpd.GeoSeries(
        gpd.points_from_xy(table["lon"].to_numpy()[idx], table["lat"].to_numpy()[idx]),
        crs="EPSG:4326",
        index=landmarks.index,
    )
    near = (dist <= max_m) | landmarks["footprint"].contains(pts).to_numpy()
    match = pd.DataFrame({"lid": np.arange(n), "poi": idx, "d": dist})[near]
    match = match.sort_values(["poi", "d", "lid"], kind="mergesort").drop_duplicates("poi")
    names = landmarks["name"].tolist()
    for lid, poi in zip(match["lid"], match["poi"], strict=True):
        row = table.iloc[int(poi)]
        if isinstance(row["name"], str) and row["name"].strip():
            names[lid] = row["name"]
        poi_id[lid] = row["poi_id"]
        theme[lid] = row["theme"] if isinstance(row["theme"], str) else None
    landmarks = landmarks.copy()
    landmarks["name"] = _unique_names([_base_name(x) for x in names])
    return _with_poi_columns(landmarks, poi_id, theme)


def _base_name(name: str) -> str:
    """A name without the " (k)" suffix :func:`_unique_names` added."""
    return re.sub(r" \(\d+\)$", "", name)


def _dbscan_labels(
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    eps_m: float,
    min_samples: int,
    method: str = settings.CLUSTER_METHOD,
    snap_m: float = settings.SNAP_M,
) -> np.ndarray:
    """Cluster labels (-1 noise) per photo: the one place where photos are clustered (landmarks
    and sub-spots). See :func:`routeplan._cluster.cluster_labels` (exact weighted DBSCAN in
    linear memory, or HDBSCAN)."""
    return cluster_labels(
        lat, lon, eps_m=eps_m, min_samples=min_samples, method=method, snap_m=snap_m
    )


def _apply_min_users(labels: np.ndarray, users: np.ndarray, *, min_users: int) -> np.ndarray:
    """Turn clusters with fewer than ``min_users`` distinct users (None not counted) into noise."""
    df = pd.DataFrame({"label": labels, "user": users})
    n_users = df[df["label"] >= 0].groupby("label")["user"].nunique()
    keep = n_users.index[n_users >= min_users].to_numpy()
    return np.where(np.isin(labels, keep), labels, -1)


def _relabel_by_popularity(
    labels: np.ndarray, photos: pd.DataFrame, users: np.ndarray
) -> np.ndarray:
    """Number clusters 0..n-1 by (users desc, photos desc, mean lat, mean lon)."""
    mask = labels >= 0
    if not mask.any():
        return labels
    df = pd.DataFrame(
        {
            "label": labels[mask],
            "user": users[mask],
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
    photos: gpd.GeoDataFrame,
    *,
    gap_h: float,
    min_stay_min: float,
    max_stay_min: float,
    max_speed_kmh: float = MAX_SPEED_KMH,
    exclude_locals: bool = False,
    names: list[str] | None = None,
    centres: tuple[np.ndarray, np.ndarray] | None = None,
) -> gpd.GeoDataFrame:
    """The landmarks table of photos labelled 0..n-1 (shared by clustering and POI snapping).

    ``names`` and ``centres`` (lat, lon arrays) replace the title names and the spherical mean
    of the photos when given.
    """
    at = photos[photos["landmark_id"] >= 0]
    if at.empty:
        return _empty_landmarks()
    lid = at["landmark_id"].to_numpy()
    n = int(lid.max()) + 1

    lat = at["lat"].to_numpy(float)
    lon = at["lon"].to_numpy(float)
    if centres is None:
        centre_lat, centre_lon = _spherical_centres(lid, lat, lon, n)
    else:
        centre_lat, centre_lon = (np.asarray(c, dtype=float) for c in centres)
    n_photos = np.bincount(lid, minlength=n)
    counted = pd.Series(_counted_users(at, exclude_locals=exclude_locals), index=at.index)
    n_users = counted.groupby(lid).nunique().reindex(range(n), fill_value=0).to_numpy()

    local = _local_times(at)
    hourly = _shares(lid, local.dt.hour.to_numpy(), n, 24)
    monthly = _shares(lid, local.dt.month.to_numpy() - 1, n, 12)

    stay_photos = photos[~photos["is_local"]] if exclude_locals else photos
    visits = segment_visits(stay_photos, gap_h=gap_h, max_speed_kmh=max_speed_kmh)
    stay = stay_minutes(visits, min_stay_min=min_stay_min, max_stay_min=max_stay_min)
    stay = stay.reindex(range(n)).fillna(min_stay_min).to_numpy(float)

    # Cover photo: the photo nearest the centre (ties: smallest photo_id).
    dist = haversine_m(lat, lon, centre_lat[lid], centre_lon[lid])
    nearest = pd.Series(dist).groupby(lid).transform("min").to_numpy()
    tied = np.flatnonzero(dist == nearest)  # usually one row per landmark
    pid = at["photo_id"].to_numpy()[tied].astype(str)
    cover = pd.DataFrame({"lid": lid[tied], "pid": pid}).sort_values(["lid", "pid"])
    cover_photo = cover.drop_duplicates("lid").set_index("lid")["pid"].reindex(range(n)).to_numpy()

    if "tz" in at.columns:
        # most frequent zone per landmark (ties: alphabetically first)
        codes, zones = pd.factorize(at["tz"].astype(str).to_numpy(), sort=True)
        counts = np.bincount(lid * len(zones) + codes, minlength=n * len(zones))
        tz = np.asarray(zones, dtype=object)[counts.reshape(n, len(zones)).argmax(axis=1)]
    else:
        tz = np.full(n, "UTC", dtype=object)

    footprint = _footprints(at, n, centre_lat, centre_lon)
    if names is None:
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
            "hourly": [list(map(float, h)) for h in hourly],
            "monthly": [list(map(float, m)) for m in monthly],
            "tz": tz,
            "cover_photo": cover_photo,
            "footprint": gpd.GeoSeries(footprint, crs="EPSG:4326"),
        },
        geometry=gpd.points_from_xy(centre_lon, centre_lat),
        crs="EPSG:4326",
    )
    return landmarks[LANDMARK_COLUMNS]


def _spherical_centres(
    lid: np.ndarray, lat: np.ndarray, lon: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean position per label on the sphere (unit vectors averaged; safe at the antimeridian)."""
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


def _footprints(
    at: gpd.GeoDataFrame, n: int, centre_lat: np.ndarray, centre_lon: np.ndarray
) -> list:
    """Convex hull of each landmark's photos and centre, buffered by 10 m.

    Computed in a local equirectangular projection around each landmark's centre (metres; exact
    enough at landmark scale and invertible), vectorised with shapely over all landmarks.
    """
    lid = np.r_[at["landmark_id"].to_numpy(np.int64), np.arange(n)]
    lat = np.r_[at["lat"].to_numpy(float), centre_lat]
    lon = np.r_[at["lon"].to_numpy(float), centre_lon]
    r = settings.EARTH_RADIUS_M
    coslat = np.cos(np.radians(centre_lat))
    dlon = (lon - centre_lon[lid] + 180.0) % 360.0 - 180.0
    x = np.radians(dlon) * r * coslat[lid]
    y = np.radians(lat - centre_lat[lid]) * r
    keep = _hull_candidates(lid, x, y, n)
    order = np.flatnonzero(keep)[np.argsort(lid[keep], kind="stable")]
    points = shapely.multipoints(np.column_stack([x[order], y[order]]), indices=lid[order])
    hulls = shapely.convex_hull(points)
    shapes = shapely.buffer(hulls, 10.0)
    coords, index = shapely.get_coordinates(shapes, return_index=True)
    back_lon = centre_lon[index] + np.degrees(coords[:, 0] / (r * coslat[index]))
    back_lat = centre_lat[index] + np.degrees(coords[:, 1] / r)
    shapes = shapely.set_coordinates(shapes.copy(), np.column_stack([back_lon, back_lat]))
    return list(shapes)


def _hull_candidates(
    lid: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, *, k: int = 8
) -> np.ndarray:
    """Mask of the points that may lie on their group's convex hull (exact pre-filter).

    Per group, the points extreme in ``k`` directions span a polygon inside the hull; points
    strictly inside that polygon cannot be hull vertices and are dropped, so the shapely hull runs
    on a few points per landmark instead of all its photos.
    """
    theta = 2 * np.pi * np.arange(k) / k
    proj = x[:, None] * np.cos(theta) + y[:, None] * np.sin(theta)  # (N, k)
    best = pd.DataFrame(proj).groupby(lid).max().reindex(range(n)).to_numpy()
    ext = np.zeros((n, k), dtype=np.int64)
    rows, cols = np.nonzero(proj == best[lid])
    ext[lid[rows], cols] = rows  # one extreme point per group and direction
    ex, ey = x[ext], y[ext]  # (n, k), counter-clockwise
    dx = np.roll(ex, -1, axis=1) - ex
    dy = np.roll(ey, -1, axis=1) - ey
    inside = np.ones(len(x), dtype=bool)
    for j in range(k):
        cross = dx[lid, j] * (y - ey[lid, j]) - dy[lid, j] * (x - ex[lid, j])
        degenerate = (dx[lid, j] == 0) & (dy[lid, j] == 0)
        inside &= degenerate | (cross > 1e-6)
    # groups whose polygon is degenerate everywhere keep all their points
    flat = np.all((dx == 0) & (dy == 0), axis=1)
    return ~inside | flat[lid]


def _names(at: pd.DataFrame, n: int, *, max_candidates: int = 10, max_keys: int = 500) -> list[str]:
    """A name per landmark from photo titles, else tags, else "Landmark N" (N = id + 1).

    Titles first: each photographer's titles count once. Titles that cameras write on their own
    ("IMG_0042", "OLYMPUS DIGITAL CAMERA") are ignored. A candidate (one of the
    ``max_candidates`` titles most photographers used at the landmark) scores the number of
    photographers with a title that contains it as whole words (case and punctuation ignored),
    so "Union Station" wins over "Union Station at night". A candidate must score at least 2, and
    is dropped when it also occurs at more than a quarter of all landmarks (at least 3): "Toronto"
    names no one place. Ties go to the shorter, then the alphabetically first title.

    Landmarks that no title names are then named the same way from ``tags`` (when the column
    exists; a photo's tags are comma-separated when they hold a comma, else space-separated
    words). Names are made unique with a " (2)" suffix.

    Bounded work: containment is checked against the ``max_keys`` texts most photographers used
    at each landmark (rarer texts are not counted), and all text normalisation runs once per
    distinct text, so 1M photos at 300 landmarks take about a second.
    """
    names: list[str | None] = [None] * n
    for column in ("title", "tags"):
        if column not in at.columns or all(x is not None for x in names):
            continue
        entries = _name_entries(at, column)
        if entries.empty:
            continue
        found = _best_names(entries, n, max_candidates=max_candidates, max_keys=max_keys)
        for lid, name in found.items():
            if names[lid] is None:
                names[lid] = name
    return _unique_names([x if x is not None else f"Landmark {i + 1}" for i, x in enumerate(names)])


def _unique_names(names: list[str]) -> list[str]:
    """Repeated names (case-insensitive) get " (2)", " (3)"... in id order."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        k = seen.get(name.casefold(), 0)
        seen[name.casefold()] = k + 1
        out.append(f"{name} ({k + 1})" if k else name)
    return out


def _name_entries(at: pd.DataFrame, column: str) -> pd.DataFrame:
    """Distinct (lid, user, key) name texts: ``key`` normalised words, ``text`` as written."""
    raw = at[column]
    if column == "tags":
        raw = raw.where(raw.map(lambda x: isinstance(x, str)), None)
    codes, uniq = pd.factorize(raw, use_na_sentinel=True)
    ok = codes >= 0
    lid = at["landmark_id"].to_numpy()[ok]
    user = pd.factorize(at["user_id"].astype(str).to_numpy()[ok])[0]
    codes = codes[ok]
    texts = pd.Series(np.asarray(uniq, dtype=object)).astype(str)
    if column == "tags":
        # one row per (distinct tag string, tag)
        parts = texts.map(lambda x: x.split(",") if "," in x else x.split())
        parts = parts.explode()
        src = parts.index.to_numpy()
        texts = parts.fillna("").astype(str).reset_index(drop=True)
    else:
        src = np.arange(len(texts))
    texts = texts.str.strip().str.replace(r"\s+", " ", regex=True)
    good = (texts.str.len() > 1) & ~texts.str.fullmatch(_GENERIC_TITLE)
    keys = texts.str.casefold().str.replace(r"[\W_]+", " ", regex=True).str.strip()
    good &= keys.str.len() > 1
    # rows of photos x texts of their distinct raw value
    table = pd.DataFrame({"src": src[good.to_numpy()], "text": texts[good].to_numpy()})
    table["key"] = keys[good].to_numpy()
    photo = pd.DataFrame({"src": codes, "lid": lid, "user": user}).drop_duplicates()
    merged = photo.merge(table, on="src", how="inner")
    merged = merged.drop_duplicates(["lid", "user", "key"])
    return merged[["lid", "user", "key", "text"]]


def _best_names(
    entries: pd.DataFrame, n: int, *, max_candidates: int, max_keys: int
) -> dict[int, str]:
    """The winning name per landmark (see :func:`_names`) from :func:`_name_entries` rows."""
    keys = (
        entries.groupby(["lid", "key"], sort=False)
        .agg(users=("user", "size"), text=("text", "min"))
        .reset_index()
        .sort_values(["lid", "users", "key"], ascending=[True, False, True], kind="mergesort")
    )
    keys = keys.groupby("lid", sort=False).head(max_keys)
    keys["rank"] = keys.groupby("lid", sort=False).cumcount()
    kept = entries.merge(keys[["lid", "key", "rank"]], on=["lid", "key"], how="inner")
    common = max(3, n // 4)
    lids = keys["lid"].to_numpy()
    bounds = np.searchsorted(lids, np.arange(n + 1))
    padded_all = (" " + keys["key"] + " ").to_numpy(dtype=object)
    text_all = keys["text"].to_numpy(dtype=object)
    joined = ["\n".join(padded_all[bounds[i] : bounds[i + 1]]) for i in range(n)]
    kept = kept.sort_values(["lid", "rank"], kind="mergesort")
    kb = np.searchsorted(kept["lid"].to_numpy(), np.arange(n + 1))
    k_rank = kept["rank"].to_numpy()
    k_user = kept["user"].to_numpy()

    def spread_ok(needle: str) -> bool:
        hits = 0
        for text in joined:
            if needle in text:
                hits += 1
                if hits > common:
                    return False
        return True

    found: dict[int, str] = {}
    for lid in range(n):
        lo, hi = bounds[lid], bounds[lid + 1]
        if hi - lo == 0:
            continue
        padded = padded_all[lo:hi]
        rank_l, user_l = k_rank[kb[lid] : kb[lid + 1]], k_user[kb[lid] : kb[lid + 1]]
        scored = []
        for c in range(min(max_candidates, hi - lo)):
            needle = padded[c]
            contains = np.fromiter((needle in k for k in padded), dtype=bool, count=hi - lo)
            users = len(np.unique(user_l[contains[rank_l]]))
            if users >= 2:
                title = text_all[lo + c]
                scored.append((-users, len(title), title, needle))
        for _, _, title, needle in sorted(scored):
            if spread_ok(needle):
                found[lid] = title
                break
    return found


def internal_paths(
    landmarks: gpd.GeoDataFrame,
    photos: gpd.GeoDataFrame,
    *,
    spot_eps_m: float = settings.EPS_M / 4,
    min_samples: int = 2,
    min_users: int = 2,
    large_factor: float = 3.0,
    snap_m: float | None = None,
    gap_h: float = settings.GAP_H,
    max_speed_kmh: float = MAX_SPEED_KMH,
) -> pd.DataFrame:
    """Sub-spots of large landmarks and the order in which visitors typically walk them.

    A landmark is large when its photos extend (corner to corner of their lat/lon box) more than
    ``large_factor × spot_eps_m``. Its photos are clustered again, with the same DBSCAN as
    :func:`find_landmarks` at radius ``spot_eps_m``; a sub-spot needs ``min_users`` distinct
    photographers. The walking order comes from the visits (as :func:`routeplan.find_visits` cuts
    them): in each visit that saw at least two sub-spots, the sub-spots are ranked by the time of
    their first photo and the rank is scaled to [0, 1] (first 0, last 1); sub-spots are ordered by
    the median of that position over visits, then by its mean, then by id. Landmarks with fewer than
    two sub-spots have no rows.

    Parameters
    ----------
    landmarks, photos
        As returned by :func:`find_landmarks` (or :func:`landmarks_from_pois`): photos carry
        ``landmark_id``.
    spot_eps_m
        Sub-spot DBSCAN radius in metres (default a quarter of the default landmark radius).
    min_samples, min_users
        Sub-spot DBSCAN core weight and minimum distinct photographers.
    large_factor
        Landmarks smaller than this many ``spot_eps_m`` are not split.
    snap_m
        Grid (metres) that positions snap to before sub-spot clustering (see
        :func:`find_landmarks`); default ``spot_eps_m / 5``, which bounds DBSCAN's memory on
        landmarks with many thousands of photos. 0 clusters the exact positions.
    gap_h, max_speed_kmh
        Visit segmentation, as in :func:`routeplan.find_visits`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INTERNAL_PATH_COLUMNS`: ``landmark_id``, ``spot_id`` (0.. by popularity
        inside the landmark), ``order`` (0 = where visitors start), ``lat``, ``lon`` (centre),
        ``n_photos``, ``n_users``, ``median_rank`` (the median scaled position; NaN when no visit
        saw two sub-spots); ordered by landmark and walking order.
    """
    if spot_eps_m <= 0:
        raise ValueError(f"spot_eps_m must be positive, got {spot_eps_m}")
    if "landmark_id" not in photos.columns:
        raise ValidationError("photos lack 'landmark_id'; label them with find_landmarks() first")
    at = photos["landmark_id"].to_numpy(np.int64) >= 0
    lid = photos["landmark_id"].to_numpy(np.int64)[at]
    lat = photos["lat"].to_numpy(float)[at]
    lon = photos["lon"].to_numpy(float)[at]
    box = pd.DataFrame({"lid": lid, "lat": lat, "lon": lon}).groupby("lid").agg(["min", "max"])
    extent = haversine_m(
        box[("lat", "min")], box[("lon", "min")], box[("lat", "max")], box[("lon", "max")]
    )
    large = box.index[np.asarray(extent) > large_factor * spot_eps_m].to_numpy()
    out = []
    if len(large):
        seg = photo_visits(photos, gap_h=gap_h, max_speed_kmh=max_speed_kmh)
        visit_of = np.full(len(photos), -1, dtype=np.int64)
        visit_of[seg["row"].to_numpy()] = seg["visit"].to_numpy()
        t_s = epoch_seconds(photos["taken_at"])
        rows_at = np.flatnonzero(at)
        for landmark in large:
            rows = rows_at[lid == landmark]
            out.append(
                _sub_spots(
                    int(landmark),
                    photos.iloc[rows],
                    visit_of[rows],
                    t_s[rows],
                    spot_eps_m=spot_eps_m,
                    min_samples=min_samples,
                    min_users=min_users,
                    snap_m=spot_eps_m / 5 if snap_m is None else snap_m,
                )
            )
    out = [o for o in out if len(o)]
    if not out:
        return pd.DataFrame(
            {
                c: pd.Series(
                    [], dtype=np.int64 if c in ("landmark_id", "spot_id", "order") else float
                )
                for c in INTERNAL_PATH_COLUMNS
            }
        )
    return pd.concat(out, ignore_index=True)[INTERNAL_PATH_COLUMNS]


def _sub_spots(
    landmark: int,
    sub: pd.DataFrame,
    visit: np.ndarray,
    t_s: np.ndarray,
    *,
    spot_eps_m: float,
    min_samples: int,
    min_users: int,
    snap_m: float,
) -> pd.DataFrame:
    """Sub-spot table of one landmark (empty when fewer than two sub-spots)."""
    lat = sub["lat"].to_numpy(float)
    lon = sub["lon"].to_numpy(float)
    users = sub["user_id"].astype(object).to_numpy()
    labels = _dbscan_labels(lat, lon, eps_m=spot_eps_m, min_samples=min_samples, snap_m=snap_m)
    labels = _apply_min_users(labels, users, min_users=min_users)
    labels = _relabel_by_popularity(labels, sub, users)
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    if k < 2:
        return pd.DataFrame()
    ok = labels >= 0
    spot = labels[ok]
    c_lat, c_lon = _spherical_centres(spot, lat[ok], lon[ok], k)
    n_users = pd.Series(users[ok]).groupby(spot).nunique().reindex(range(k)).to_numpy()
    seen = pd.DataFrame({"visit": visit[ok], "spot": spot, "t": t_s[ok]})
    seen = seen[seen["visit"] >= 0].groupby(["visit", "spot"], as_index=False)["t"].min()
    seen = seen.sort_values(["visit", "t", "spot"], kind="mergesort")
    seen["rank"] = seen.groupby("visit").cumcount()
    seen["k"] = seen.groupby("visit")["spot"].transform("size")
    seen = seen[seen["k"] >= 2]
    pos = (seen["rank"] / (seen["k"] - 1)).groupby(seen["spot"])
    median = pos.median().reindex(range(k)).to_numpy()
    mean = pos.mean().reindex(range(k)).to_numpy()
    table = pd.DataFrame(
        {
            "landmark_id": np.int64(landmark),
            "spot_id": np.arange(k, dtype=np.int64),
            "lat": c_lat,
            "lon": c_lon,
            "n_photos": np.bincount(spot, minlength=k).astype(np.int64),
            "n_users": n_users.astype(np.int64),
            "median_rank": median,
            "_mean": mean,
        }
    )
    table = table.sort_values(["median_rank", "_mean", "spot_id"], kind="mergesort")
    table["order"] = np.arange(k, dtype=np.int64)
    return table.drop(columns="_mean")


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
