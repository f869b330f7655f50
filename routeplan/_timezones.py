"""Time zones of coordinates and wall-time localisation, vectorised over photos.

Zones come from timezonefinder (offline polygons, ocean zones included). Where it finds no zone,
the nautical zone ``Etc/GMT±N`` of the longitude is used (N = round(lon / 15); note the POSIX sign
convention of the ``Etc`` zones: ``Etc/GMT-9`` is UTC+9).
"""

from __future__ import annotations

import atexit
import logging
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

logger = logging.getLogger(__name__)

#: Coordinates are rounded to this many decimals (about 11 m) before a zone lookup, so that
#: photos taken at the same place share one lookup.
ZONE_LOOKUP_DECIMALS: int = 4


@cache
def _finder() -> TimezoneFinder:
    """The one TimezoneFinder of the process (loading its index takes ~0.2 s)."""
    from timezonefinder import TimezoneFinder

    finder = TimezoneFinder()
    # Release its memory-mapped polygon files at exit instead of leaving them to the garbage
    # collector (which reports them as unclosed files).
    if hasattr(finder, "cleanup"):
        atexit.register(finder.cleanup)
    return finder


def nautical_zone(lon: ArrayLike) -> NDArray[np.object_]:
    """Nautical time zone ``Etc/GMT±N`` of each longitude (N = round(lon / 15), in −12..12).

    Parameters
    ----------
    lon
        Longitudes in degrees.

    Returns
    -------
    numpy.ndarray
        Zone names; ``Etc/GMT-9`` is UTC+9 (POSIX sign convention of the IANA ``Etc`` zones).
    """
    hours = np.clip(np.rint(np.asarray(lon, dtype=float) / 15.0), -12, 12).astype(int)
    # POSIX sign: east of Greenwich (positive offset) is "Etc/GMT-N".
    names = np.where(hours > 0, "Etc/GMT-", "Etc/GMT+").astype(object) + np.abs(hours).astype(str)
    names[hours == 0] = "Etc/GMT"
    return names


def zones_at(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.object_]:
    """IANA time zone of each coordinate.

    Lookups are deduplicated over coordinates rounded to ``ZONE_LOOKUP_DECIMALS`` decimals; where
    timezonefinder has no zone, the nautical zone of the longitude is used (see
    :func:`nautical_zone`).

    Parameters
    ----------
    lat, lon
        WGS84 degrees (valid, finite values), same length.

    Returns
    -------
    numpy.ndarray
        One zone name (str) per coordinate.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if lat.size == 0:
        return np.empty(0, dtype=object)
    keys = np.round(np.column_stack([lat, lon]), ZONE_LOOKUP_DECIMALS)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    finder = _finder()
    found = np.array(
        [finder.timezone_at(lng=float(x), lat=float(y)) for y, x in unique], dtype=object
    )
    missing = pd.isna(found)
    if missing.any():
        found[missing] = nautical_zone(unique[missing, 1])
        logger.debug("no time zone polygon at %d coordinate(s); used Etc/GMT±N", missing.sum())
    return found[inverse.reshape(-1)]


def localize_wall_times(wall: pd.Series, zones: pd.Series) -> pd.Series:
    """Instants (UTC) of naive local wall times, each in its own IANA zone.

    Vectorised per zone with :meth:`pandas.DatetimeIndex.tz_localize`. Daylight-saving edges:

    - an *ambiguous* wall time (it occurs twice when clocks fall back) is read as the first
      occurrence, i.e. still on daylight-saving time;
    - a *nonexistent* wall time (skipped when clocks spring forward) is shifted forward to the first
      instant after the gap (e.g. 02:30 on the spring-forward day in Toronto → 03:00 EDT).

    Parameters
    ----------
    wall
        Naive datetimes (NaT allowed).
    zones
        IANA zone name per row, same index as ``wall``.

    Returns
    -------
    pandas.Series
        ``datetime64[ns, UTC]`` with the index of ``wall``; NaT where ``wall`` is NaT.
    """
    out = pd.Series(pd.NaT, index=wall.index, dtype="datetime64[ns, UTC]")
    for zone, positions in pd.Series(np.arange(len(wall))).groupby(zones.to_numpy()).groups.items():
        idx = pd.DatetimeIndex(wall.iloc[positions].to_numpy())
        local = idx.tz_localize(
            str(zone), ambiguous=np.ones(len(idx), dtype=bool), nonexistent="shift_forward"
        )
        out.iloc[positions] = local.tz_convert("UTC").as_unit("ns")
    return out
