"""Vectorised geodesy helpers (great-circle distances on a sphere)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import settings


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray:
    """Great-circle distance in metres between points given in degrees (broadcasting).

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Latitudes and longitudes in WGS84 degrees; any shapes numpy can broadcast together.

    Returns
    -------
    numpy.ndarray
        Distances in metres on a sphere of radius ``settings.EARTH_RADIUS_M``.
    """
    p1 = np.radians(np.asarray(lat1, dtype=float))
    p2 = np.radians(np.asarray(lat2, dtype=float))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * settings.EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix_m(lat: ArrayLike, lon: ArrayLike) -> NDArray:
    """Square matrix of great-circle distances in metres between all points."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    return haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
