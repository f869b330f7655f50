"""Builders of small, exact inputs for tests (photo tables by hand, no files)."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd


def make_photos(rows: Iterable[tuple], *, tz: str = "America/Toronto") -> gpd.GeoDataFrame:
    """Photos table from ``(user_id, "YYYY-MM-DD HH:MM" UTC, lat, lon[, title[, tags]])`` tuples.

    The ``tags`` column exists only when some row gives tags.
    """
    rows = list(rows)
    df = pd.DataFrame(
        {
            "photo_id": [f"p{i:05d}" for i in range(len(rows))],
            "user_id": [r[0] for r in rows],
            "taken_at": pd.to_datetime([r[1] for r in rows], utc=True),
            "tz": tz,
            "lat": np.array([r[2] for r in rows], dtype=float),
            "lon": np.array([r[3] for r in rows], dtype=float),
            "title": [r[4] if len(r) > 4 else None for r in rows],
        }
    )
    if any(len(r) > 5 for r in rows):
        df["tags"] = [r[5] if len(r) > 5 else None for r in rows]
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


def offset_north(lat: float, d_m: float, r_m: float = 6_371_008.8) -> float:
    """Latitude exactly ``d_m`` metres north of ``lat`` on the sphere."""
    return lat + np.degrees(d_m / r_m)


def offset_east(lat: float, lon: float, d_m: float, r_m: float = 6_371_008.8) -> float:
    """Longitude of the point exactly ``d_m`` metres (great circle) east of (lat, lon)."""
    return lon + np.degrees(2 * np.arcsin(np.sin(d_m / (2 * r_m)) / np.cos(np.radians(lat))))
