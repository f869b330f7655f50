"""Published trip datasets (CIKM'16, IJCAI'15) and routeplan's own visits as one structure.

routeplan is evaluated against published trip-recommendation results; this module reads the trips
and POIs of those datasets into a :class:`TourData` (POI table + :class:`Trip` objects):

- :func:`read_trajectories`: Chen, Ong & Xie (CIKM 2016) ``traj-*.csv`` + ``poi-*.csv``;
- :func:`read_user_visits`: Lim et al. (IJCAI 2015) ``userVisits-*.csv`` + ``POI-*.csv``;
- :func:`tour_data_from_visits`: routeplan's visits table + landmarks.

Dropped rows
------------
Bad rows never raise: they are dropped, logged (``logging.WARNING``, with the count and a few
examples) and counted in :attr:`TourData.dropped` under one of these keys:

``"poi_bad_value"``
    a POI row whose id or coordinates are missing or not numbers (or the id not an integer);
``"poi_out_of_range"``
    a POI row with a latitude outside [-90, 90] or a longitude outside [-180, 180];
``"bad_value"``
    a visit (or photo) row with a missing or unparseable user, trip, POI id, time or photo count;
``"left_before_arrived"``
    a visit that ends before it begins;
``"unknown_poi"``
    a visit (or photo) at a POI id absent from the POI table (or dropped from it).

What does raise: a missing file or one with no row (:class:`~routeplan.InputError`, naming the
path), missing columns or duplicate POI ids (:class:`~routeplan.ValidationError`, naming the
columns or ids and the expected format), and no trip left after dropping
(:class:`~routeplan.InputError`).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ._errors import InputError, ValidationError
from ._geo import distance_matrix_m
from ._segment import VISIT_COLUMNS

__all__ = [
    "TourData",
    "Trip",
    "read_trajectories",
    "read_user_visits",
    "tour_data_from_visits",
]

logger = logging.getLogger(__name__)

#: Header of the CIKM'16 trips file (``trajLen`` and ``poiDuration`` are not needed).
TRAJ_FORMAT = "userID,trajID,poiID,startTime,endTime,#photo,trajLen,poiDuration"
#: Header of the CIKM'16 POI file.
TRAJ_POI_FORMAT = "poiID,poiCat,poiLon,poiLat"
#: Header of the IJCAI'15 photos file (``photoID``, ``poiTheme`` and ``poiFreq`` are not needed).
USER_VISITS_FORMAT = "photoID;userID;dateTaken;poiID;poiTheme;poiFreq;seqID"
#: Header of the IJCAI'15 POI file.
USER_VISITS_POI_FORMAT = "poiID;poiName;lat;long;theme"

#: How many offending ids a drop warning quotes.
_N_EXAMPLES = 5
_INTEGER = re.compile(r"[+-]?\d+")


# --- data structures ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Trip:
    """One trip: the POIs a user visited, in visit order, with the times of each visit.

    Consecutive visits at the same POI are kept as in the data. The arrays are read-only copies.
    Trips compare by identity (``eq=False``): arrays have no single truth value.

    Attributes
    ----------
    trip_id
        The trip's id as in the data, as text (e.g. ``"17"``).
    user_id
        The traveller.
    pois
        POI ids in visit order.
    arrived_s, left_s
        Unix seconds (float64) of the start and end of each visit.
    n_photos
        Photos taken during each visit (int64).
    """

    trip_id: str
    user_id: str
    pois: tuple[int, ...]
    arrived_s: NDArray[np.float64]
    left_s: NDArray[np.float64]
    n_photos: NDArray[np.int64]

    def __post_init__(self) -> None:
        object.__setattr__(self, "pois", tuple(int(p) for p in self.pois))
        for name, dtype in (
            ("arrived_s", np.float64),
            ("left_s", np.float64),
            ("n_photos", np.int64),
        ):
            values = np.array(getattr(self, name), dtype=dtype)
            values.setflags(write=False)
            object.__setattr__(self, name, values)
        n = len(self.pois)
        if not (len(self.arrived_s) == len(self.left_s) == len(self.n_photos) == n) or n == 0:
            raise ValidationError(
                f"trip {self.trip_id!r}: pois, arrived_s, left_s and n_photos must have the same "
                f"non-zero length, got {n}, {len(self.arrived_s)}, {len(self.left_s)}, "
                f"{len(self.n_photos)}"
            )

    @property
    def duration_s(self) -> float:
        """Trip duration in seconds: the last departure minus the first arrival."""
        return float(self.left_s.max() - self.arrived_s.min())

    @property
    def visit_s(self) -> NDArray[np.float64]:
        """Duration of each visit in seconds (left minus arrived, >= 0)."""
        return self.left_s - self.arrived_s


@dataclass(frozen=True, eq=False)
class TourData:
    """POIs and trips of one city, read from a published dataset or built from visits.

    Attributes
    ----------
    pois
        One row a POI, index ``poi_id`` (int, sorted); columns ``category`` (text), ``lat``,
        ``lon`` (float64, WGS84 degrees), ``name`` (text, ``""`` when unknown).
    trips
        Sorted by ``trip_id``: numerically when every id is an integer, else as text.
    source
        ``"trajectories"``, ``"user-visits"`` or ``"visits"``: the reader that made it.
    dropped
        Rows dropped while reading, by reason (see the module docstring); empty when none.
    """

    pois: pd.DataFrame
    trips: tuple[Trip, ...]
    source: str
    dropped: dict[str, int] = field(default_factory=dict)

    def poi_index(self) -> dict[int, int]:
        """Position (0..n-1) of each POI id in :attr:`pois`' order (rows of :meth:`distance_km`)."""
        return {int(p): i for i, p in enumerate(self.pois.index)}

    def distance_km(self) -> NDArray[np.float64]:
        """Great-circle (haversine) distances between the POIs in km, an (n, n) matrix.

        Rows and columns follow :attr:`pois`' order (see :meth:`poi_index`).
        """
        lat = self.pois["lat"].to_numpy(np.float64)
        lon = self.pois["lon"].to_numpy(np.float64)
        return distance_matrix_m(lat, lon) / 1000.0

    def queries(self, *, min_distinct: int = 3) -> list[Trip]:
        """Trips with at least ``min_distinct`` distinct POIs (the CIKM'16 evaluation queries).

        Parameters
        ----------
        min_distinct
            Minimum number of distinct POIs of a trip.

        Returns
        -------
        list of Trip
            In :attr:`trips`' order.
        """
        return [t for t in self.trips if len(set(t.pois)) >= min_distinct]

    def without(self, trip_id: str | int) -> TourData:
        """A copy without the trip ``trip_id`` (for leave-one-out); the POI table is shared.

        Raises
        ------
        InputError
            No trip has this id.
        """
        key = str(trip_id)
        kept = tuple(t for t in self.trips if t.trip_id != key)
        if len(kept) == len(self.trips):
            raise InputError(f"no trip {key!r} in this {self.source} data")
        return TourData(pois=self.pois, trips=kept, source=self.source, dropped=dict(self.dropped))


# --- public readers ----------------------------------------------------------------------------


def read_trajectories(
    traj_csv: str | os.PathLike[str], poi_csv: str | os.PathLike[str]
) -> TourData:
    """Read CIKM'16 trips (``traj-*.csv``) and POIs (``poi-*.csv``).

    A trip is one ``trajID``; its rows (one a visit) are not in time order in the file and are
    ordered by ``startTime`` with a stable sort (ties keep file order), as the published
    evaluation did.

    Parameters
    ----------
    traj_csv
        Comma-separated, header ``userID,trajID,poiID,startTime,endTime,#photo,trajLen,
        poiDuration`` (times in unix seconds; ``trajLen`` and ``poiDuration`` are ignored).
    poi_csv
        Comma-separated, header ``poiID,poiCat,poiLon,poiLat``.

    Returns
    -------
    TourData
        ``source="trajectories"``; POI names are ``""`` (the file has none).

    Raises
    ------
    InputError
        A file is missing, empty or unreadable, or no trip is left.
    ValidationError
        A file lacks a column, or the POI file repeats an id.
    """
    dropped: dict[str, int] = {}
    raw = _read_csv(traj_csv, sep=",", what="CIKM'16 trips file", header=TRAJ_FORMAT)
    poi_raw = _read_csv(poi_csv, sep=",", what="CIKM'16 POI file", header=TRAJ_POI_FORMAT)
    pois = _poi_table(
        where=Path(poi_csv).name,
        poi_id=poi_raw["poiID"],
        lat=poi_raw["poiLat"],
        lon=poi_raw["poiLon"],
        category=poi_raw["poiCat"],
        name=None,
        dropped=dropped,
    )
    where = Path(traj_csv).name
    user = raw["userID"].to_numpy(object)
    trip = raw["trajID"].to_numpy(object)
    poi, poi_ok = _integers(raw["poiID"])
    arrived = _numbers(raw["startTime"])
    left = _numbers(raw["endTime"])
    n_photos, photos_ok = _integers(raw["#photo"])
    return _checked_visits(
        raw,
        where=where,
        dropped=dropped,
        pois=pois,
        user=user,
        trip=trip,
        poi=(poi, poi_ok),
        arrived=arrived,
        left=left,
        n_photos=(n_photos, photos_ok),
        source="trajectories",
        bad="row(s) with a missing or unparseable value",
        backwards="visit(s) with endTime before startTime",
        unknown=f"visit(s) at a POI id absent from {Path(poi_csv).name}",
    )


def read_user_visits(
    visits_csv: str | os.PathLike[str], poi_csv: str | os.PathLike[str]
) -> TourData:
    """Read IJCAI'15 photos (``userVisits-*.csv``) and POIs (``POI-*.csv``) as trips of visits.

    A trip is one ``seqID`` (per user: when a ``seqID`` belongs to several users, trips are keyed
    on (``userID``, ``seqID``) and named ``"<userID>#<seqID>"``). Its photos are ordered by
    ``dateTaken`` (a stable sort: ties keep file order); consecutive photos at the same POI form
    one visit (arrived = first photo, left = last photo, ``n_photos`` = their number), so a
    revisit A B A is three visits.

    Parameters
    ----------
    visits_csv
        ``;``-separated, quoted, header ``photoID;userID;dateTaken;poiID;poiTheme;poiFreq;seqID``
        (``dateTaken`` in unix seconds; ``photoID``, ``poiTheme`` and ``poiFreq`` are ignored).
    poi_csv
        ``;``-separated, header ``poiID;poiName;lat;long;theme``; names are URL-encoded (decoded
        with :func:`urllib.parse.unquote`); ``theme`` becomes ``category``.

    Returns
    -------
    TourData
        ``source="user-visits"``.

    Raises
    ------
    InputError
        A file is missing, empty or unreadable, or no trip is left.
    ValidationError
        A file lacks a column, or the POI file repeats an id.
    """
    dropped: dict[str, int] = {}
    raw = _read_csv(
        visits_csv, sep=";", what="IJCAI'15 user-visits file", header=USER_VISITS_FORMAT
    )
    poi_raw = _read_csv(poi_csv, sep=";", what="IJCAI'15 POI file", header=USER_VISITS_POI_FORMAT)
    names = poi_raw["poiName"]
    decoded = {n: unquote(n) for n in names.unique()}
    pois = _poi_table(
        where=Path(poi_csv).name,
        poi_id=poi_raw["poiID"],
        lat=poi_raw["lat"],
        lon=poi_raw["long"],
        category=poi_raw["theme"],
        name=names.map(decoded),
        dropped=dropped,
    )
    where = Path(visits_csv).name
    user = raw["userID"].to_numpy(object)
    seq = raw["seqID"].to_numpy(object)
    poi, poi_ok = _integers(raw["poiID"])
    taken = _numbers(raw["dateTaken"])
    ok = (user != "") & (seq != "") & poi_ok & np.isfinite(taken)
    keep = _drop(
        ok, "bad_value", "photo(s) with a missing or unparseable value", raw, where, dropped
    )
    keep &= _drop(
        ~keep | np.isin(poi, pois.index.to_numpy()),
        "unknown_poi",
        f"photo(s) at a POI id absent from {Path(poi_csv).name}",
        raw,
        where,
        dropped,
        ids=poi,
    )
    user, seq, poi, taken = user[keep], seq[keep], poi[keep], taken[keep]
    trip = seq
    if len(seq):
        users_per_seq = pd.Series(user).groupby(seq).nunique()
        shared = users_per_seq[users_per_seq > 1]
        if len(shared):
            logger.info(
                "%s: %d seqID(s) belong to several users (e.g. %s); trips are keyed on "
                "(userID, seqID)",
                where,
                len(shared),
                ", ".join(map(str, shared.index[:_N_EXAMPLES])),
            )
            trip = (pd.Series(user) + "#" + pd.Series(seq)).to_numpy(object)

    # photos in trip order, then time order (stable); runs of photos at one POI are visits
    order = _trip_time_order(trip, taken)
    trip, user, poi, taken = trip[order], user[order], poi[order], taken[order]
    new_visit = np.ones(len(trip), dtype=bool)
    new_visit[1:] = (trip[1:] != trip[:-1]) | (poi[1:] != poi[:-1])
    first = np.flatnonzero(new_visit)
    last = np.r_[first[1:], len(trip)] - 1
    return _assemble(
        trip_id=trip[first],
        user_id=user[first],
        poi=poi[first],
        arrived_s=taken[first],
        left_s=taken[last],
        n_photos=last - first + 1,
        pois=pois,
        source="user-visits",
        dropped=dropped,
        where=where,
    )


def tour_data_from_visits(visits: pd.DataFrame, landmarks: pd.DataFrame) -> TourData:
    """routeplan's visits and landmarks as a :class:`TourData` (POIs = landmarks).

    Parameters
    ----------
    visits
        Columns ``user_id``, ``trip_id``, ``landmark_id``, ``arrived_at``, ``left_at``,
        ``n_photos`` (as :func:`routeplan.find_visits` returns; other columns are ignored). Times
        are converted to unix seconds; times without a zone are taken as UTC. A trip's visits are
        ordered by ``arrived_at`` (stable).
    landmarks
        ``landmark_id`` (a column, or the index's name), ``lat``/``lon`` columns or a point
        geometry (reprojected to EPSG:4326 when it has a CRS); optional ``name`` and
        ``category`` or ``theme`` (``""`` where missing).

    Returns
    -------
    TourData
        ``source="visits"``.

    Raises
    ------
    ValidationError
        A table lacks a column, or ``landmarks`` repeats an id.
    InputError
        No trip is left.
    """
    missing = [c for c in VISIT_COLUMNS if c not in visits.columns]
    if missing:
        raise ValidationError(
            f"the visits table lacks the column(s) {', '.join(missing)}; expected "
            f"{', '.join(VISIT_COLUMNS)} (as find_visits() returns)"
        )
    dropped: dict[str, int] = {}
    poi_id, lat, lon, category, name = _landmark_columns(landmarks)
    pois = _poi_table(
        where="the landmarks table",
        poi_id=poi_id,
        lat=lat,
        lon=lon,
        category=category,
        name=name,
        dropped=dropped,
    )
    where = "the visits table"
    raw = visits.reset_index(drop=True)
    user = _text(raw["user_id"]).to_numpy(object)
    trip = _text(raw["trip_id"]).to_numpy(object)
    poi, poi_ok = _integers(raw["landmark_id"])
    arrived = _unix_s(raw["arrived_at"])
    left = _unix_s(raw["left_at"])
    n_photos, photos_ok = _integers(raw["n_photos"])
    return _checked_visits(
        raw,
        where=where,
        dropped=dropped,
        pois=pois,
        user=user,
        trip=trip,
        poi=(poi, poi_ok),
        arrived=arrived,
        left=left,
        n_photos=(n_photos, photos_ok),
        source="visits",
        bad="visit(s) with a missing or unparseable value",
        backwards="visit(s) with left_at before arrived_at",
        unknown="visit(s) at a landmark id absent from the landmarks table",
    )


def _checked_visits(
    raw: pd.DataFrame,
    *,
    where: str,
    dropped: dict[str, int],
    pois: pd.DataFrame,
    user: NDArray,
    trip: NDArray,
    poi: tuple[NDArray, NDArray],
    arrived: NDArray,
    left: NDArray,
    n_photos: tuple[NDArray, NDArray],
    source: str,
    bad: str,
    backwards: str,
    unknown: str,
) -> TourData:
    """Drop (and report) the visits with bad values, that end before they begin or that are at
    an unknown POI, then assemble the trips. ``poi`` and ``n_photos`` are (values, parsed ok)."""
    poi_id, poi_ok = poi
    photos, photos_ok = n_photos
    ok = (
        (user != "")
        & (trip != "")
        & poi_ok
        & photos_ok
        & (photos >= 0)
        & np.isfinite(arrived)
        & np.isfinite(left)
    )
    keep = _drop(ok, "bad_value", bad, raw, where, dropped)
    keep &= _drop(~keep | (left >= arrived), "left_before_arrived", backwards, raw, where, dropped)
    keep &= _drop(
        ~keep | np.isin(poi_id, pois.index.to_numpy()),
        "unknown_poi",
        unknown,
        raw,
        where,
        dropped,
        ids=poi_id,
    )
    return _assemble(
        trip_id=trip[keep],
        user_id=user[keep],
        poi=poi_id[keep],
        arrived_s=arrived[keep],
        left_s=left[keep],
        n_photos=photos[keep],
        pois=pois,
        source=source,
        dropped=dropped,
        where=where,
    )


# --- reading -----------------------------------------------------------------------------------


def _read_csv(path: str | os.PathLike[str], *, sep: str, what: str, header: str) -> pd.DataFrame:
    """All cells of a delimited file as stripped text ("" when empty); required columns checked.

    The required columns are those of ``header`` that the readers use; a missing one is a
    :class:`ValidationError` naming it and the expected header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} {str(path)!r} does not exist or is not a file")
    try:
        with warnings.catch_warnings():
            # a row longer than the header: an error, not a silently shifted or cut row
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                index_col=False,
                keep_default_na=False,
                na_filter=False,
                encoding="utf-8-sig",
            )
    except pd.errors.EmptyDataError:
        raise InputError(f"{what} {str(path)!r} is empty; expected the header {header}") from None
    except pd.errors.ParserWarning:
        raise InputError(
            f"cannot read the {what} {str(path)!r}: a row has more fields than the header {header}"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read the {what} {str(path)!r}: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    required = [c for c in header.split(sep[0]) if c in _USED_COLUMNS]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        other = ";" if sep == "," else ","
        hint = (
            f" (it looks {other!r}-separated; is it the other dataset's file?)"
            if len(frame.columns) == 1 and other in frame.columns[0]
            else ""
        )
        raise ValidationError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; a {what} has the header "
            f"{header}, found: {', '.join(frame.columns)}{hint}"
        )
    if frame.empty:
        raise InputError(f"{what} {str(path)!r} has a header but no row")
    return frame[required].apply(lambda s: s.fillna("").astype(str).str.strip())


#: Columns the readers use (the others of the published headers are ignored).
_USED_COLUMNS = frozenset(
    {
        *("userID", "trajID", "poiID", "startTime", "endTime", "#photo"),
        *("poiCat", "poiLon", "poiLat"),
        *("dateTaken", "seqID"),
        *("poiName", "lat", "long", "theme"),
    }
)


def _landmark_columns(
    landmarks: pd.DataFrame,
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series | None, pd.Series | None]:
    """``poi_id``, ``lat``, ``lon``, ``category`` and ``name`` (or None) of a landmarks table."""
    frame = pd.DataFrame(landmarks).copy()
    if "landmark_id" not in frame.columns:
        if landmarks.index.name != "landmark_id":
            raise ValidationError(
                "the landmarks table has no landmark_id column (nor index); expected "
                "landmark_id, lat/lon or a point geometry, and optionally name and category/theme"
            )
        frame = frame.reset_index()
    frame = frame.reset_index(drop=True)
    if {"lat", "lon"} <= set(frame.columns):
        lat, lon = frame["lat"], frame["lon"]
    elif isinstance(landmarks, gpd.GeoDataFrame) and landmarks.active_geometry_name is not None:
        geometry = landmarks.geometry
        if geometry.crs is not None:
            geometry = geometry.to_crs("EPSG:4326")
        geometry = geometry.reset_index(drop=True)
        is_point = (geometry.geom_type == "Point").to_numpy(bool) & ~geometry.is_empty.to_numpy()
        lat_v, lon_v = np.full(len(geometry), np.nan), np.full(len(geometry), np.nan)
        lat_v[is_point] = geometry[is_point].y.to_numpy()
        lon_v[is_point] = geometry[is_point].x.to_numpy()
        lat, lon = pd.Series(lat_v), pd.Series(lon_v)
    else:
        raise ValidationError(
            "the landmarks table has neither lat/lon columns nor a point geometry; expected "
            "landmark_id, lat/lon or a point geometry, and optionally name and category/theme"
        )
    category = next((frame[c] for c in ("category", "theme") if c in frame.columns), None)
    name = frame["name"] if "name" in frame.columns else None
    return frame["landmark_id"], lat, lon, category, name


def _poi_table(
    *,
    where: str,
    poi_id: pd.Series,
    lat: pd.Series,
    lon: pd.Series,
    category: pd.Series | None,
    name: pd.Series | None,
    dropped: dict[str, int],
) -> pd.DataFrame:
    """The POI table of a :class:`TourData` from raw columns; bad rows dropped and counted."""
    ids, id_ok = _integers(poi_id)
    dup = pd.Series(ids[id_ok]).loc[lambda s: s.duplicated()].unique()
    if len(dup):
        raise ValidationError(
            f"{where} repeats the POI id(s) {', '.join(map(str, dup[:_N_EXAMPLES]))}; "
            "each POI must have one row"
        )
    lat_v, lon_v = _numbers(lat), _numbers(lon)
    raw = pd.DataFrame({"poi_id": _text(poi_id).to_numpy(object)})
    keep = _drop(
        id_ok & np.isfinite(lat_v) & np.isfinite(lon_v),
        "poi_bad_value",
        "POI(s) with a missing or unparseable id or coordinate",
        raw,
        where,
        dropped,
    )
    keep &= _drop(
        ~keep | ((np.abs(lat_v) <= 90) & (np.abs(lon_v) <= 180)),
        "poi_out_of_range",
        "POI(s) with a latitude or longitude out of range",
        raw,
        where,
        dropped,
        ids=ids,
    )
    if not keep.any():
        raise InputError(f"{where} has no usable POI (see the warnings above)")
    blank = pd.Series([""] * len(ids))
    table = pd.DataFrame(
        {  # arrays, not Series: a Series would be aligned on its index, not on the POI ids
            "category": _text(category if category is not None else blank).to_numpy(object),
            "lat": lat_v,
            "lon": lon_v,
            "name": _text(name if name is not None else blank).to_numpy(object),
        },
        index=pd.Index(ids, name="poi_id"),
    )
    return table[keep].sort_index()


def _text(values: pd.Series) -> pd.Series:
    """Stripped text of each value; "" for missing ones."""
    values = pd.Series(values).reset_index(drop=True)
    text = values.astype(object).where(values.notna(), "")
    return text.map(str).str.strip().astype(object)


def _numbers(values: pd.Series) -> NDArray[np.float64]:
    """Finite floats of each value; NaN where missing, not a number or infinite."""
    values = pd.Series(values).reset_index(drop=True)
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        values = pd.to_numeric(values, errors="coerce")  # spaces around numbers are fine
    out = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


def _integers(values: pd.Series) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Integer values (0 where invalid) and a mask of the valid ones (finite, integral)."""
    numbers = _numbers(values)
    ok = np.isfinite(numbers) & (np.abs(numbers) < 2.0**53)
    ok[ok] = numbers[ok] == np.round(numbers[ok])
    return np.where(ok, numbers, 0).astype(np.int64), ok


def _unix_s(values: pd.Series) -> NDArray[np.float64]:
    """Unix seconds (float64) of timestamps; times without a zone are UTC; NaN where invalid."""
    values = pd.Series(values).reset_index(drop=True)
    try:
        times = pd.to_datetime(values, utc=True, errors="coerce")
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"visit times must be timestamps: {exc}") from None
    seconds = (times - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    return seconds.to_numpy(dtype=np.float64, na_value=np.nan)


def _drop(
    ok: NDArray[np.bool_],
    reason: str,
    what: str,
    raw: pd.DataFrame,
    where: str,
    dropped: dict[str, int],
    *,
    ids: NDArray | None = None,
) -> NDArray[np.bool_]:
    """``ok`` as a copy; the rows it rejects are counted in ``dropped`` and logged.

    The warning quotes a few examples: the offending ``ids`` when given, else file rows (counted
    from 1 at the first data row).
    """
    ok = np.asarray(ok, dtype=bool).copy()
    bad = np.flatnonzero(~ok)
    if len(bad):
        dropped[reason] = dropped.get(reason, 0) + len(bad)
        if ids is not None:
            examples = "ids " + ", ".join(map(str, pd.unique(ids[bad])[:_N_EXAMPLES]))
        else:
            examples = "rows " + ", ".join(str(i + 1) for i in bad[:_N_EXAMPLES])
        logger.warning("%s: dropped %d %s (%s) [%s]", where, len(bad), what, examples, reason)
    return ok


# --- trips -------------------------------------------------------------------------------------


def _sorted_ids(ids: Sequence[str]) -> list[str]:
    """Distinct trip ids, numerically when all are integers, else as text."""
    unique = set(ids)
    if all(_INTEGER.fullmatch(i) for i in unique):
        return sorted(unique, key=lambda i: (int(i), i))
    return sorted(unique)


def _trip_time_order(trip: NDArray, time_s: NDArray[np.float64]) -> NDArray[np.intp]:
    """Row order by trip (in :func:`_sorted_ids` order), then time; ties keep input order."""
    rank = pd.Index(_sorted_ids(trip.tolist())).get_indexer(trip)
    order = np.argsort(time_s, kind="stable")
    return order[np.argsort(rank[order], kind="stable")]


def _assemble(
    *,
    trip_id: NDArray,
    user_id: NDArray,
    poi: NDArray[np.int64],
    arrived_s: NDArray[np.float64],
    left_s: NDArray[np.float64],
    n_photos: NDArray[np.int64],
    pois: pd.DataFrame,
    source: str,
    dropped: dict[str, int],
    where: str,
) -> TourData:
    """Visits (one row each, any order) → :class:`TourData` with trips in id order."""
    if len(trip_id) == 0:
        raise InputError(f"{where}: no trip left to read (see the warnings above)")
    users_per_trip = pd.Series(user_id).groupby(trip_id).nunique()
    shared = users_per_trip[users_per_trip > 1]
    if len(shared):
        logger.warning(
            "%s: %d trip id(s) belong to several users (e.g. %s); each such trip is given to "
            "the user of its first visit",
            where,
            len(shared),
            ", ".join(map(str, shared.index[:_N_EXAMPLES])),
        )
    order = _trip_time_order(trip_id, arrived_s)
    trip_id, user_id, poi = trip_id[order], user_id[order], poi[order]
    arrived_s, left_s, n_photos = arrived_s[order], left_s[order], n_photos[order]
    starts = np.flatnonzero(np.r_[True, trip_id[1:] != trip_id[:-1]])
    ends = np.r_[starts[1:], len(trip_id)]
    trips = tuple(
        Trip(
            trip_id=str(trip_id[a]),
            user_id=str(user_id[a]),
            pois=tuple(poi[a:b].tolist()),
            arrived_s=arrived_s[a:b],
            left_s=left_s[a:b],
            n_photos=n_photos[a:b],
        )
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    )
    logger.debug("%s: %d trip(s), %d visit(s), %d POI(s)", where, len(trips), len(poi), len(pois))
    return TourData(pois=pois, trips=trips, source=source, dropped=dropped)
