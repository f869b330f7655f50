"""The Itinerary: what the planner returns and every output (map, exports) reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

__all__ = ["Itinerary", "Leg", "Stop"]


@dataclass(frozen=True)
class Stop:
    """One stop of an itinerary.

    ``landmark_id`` is ``None`` for a place given by coordinates (a hotel), which has no value and
    no stay. ``arrive`` (when the visit begins, after any wait for the place to come alive) and
    ``leave`` are time-zone aware timestamps in the local zone of the plan. ``off_hours`` marks a
    visit that begins in an hour when nobody photographs the landmark (allowed with
    ``alive="soft"``, at a cost).
    """

    landmark_id: int | None
    name: str
    lat: float
    lon: float
    arrive: pd.Timestamp
    leave: pd.Timestamp
    off_hours: bool = False

    @property
    def stay_min(self) -> float:
        """Minutes spent at the stop."""
        return (self.leave - self.arrive).total_seconds() / 60.0


@dataclass(frozen=True)
class Leg:
    """The move between two consecutive stops.

    ``observed`` is true when ``travel_min`` is the median of real travellers' moves, false when it
    was estimated from the distance and a speed. ``wait_min`` is the time spent waiting on arrival
    for the next place to come alive (hard alive hours).
    """

    from_stop: int
    to_stop: int
    travel_min: float
    distance_m: float
    observed: bool
    wait_min: float = 0.0


@dataclass(frozen=True)
class Itinerary:
    """An ordered route through landmarks with its schedule and score.

    Attributes
    ----------
    stops
        Stops in visiting order; the first is the start, the last the end.
    legs
        ``len(stops) - 1`` legs; leg ``i`` goes from stop ``i`` to stop ``i + 1``.
    score
        The objective value (see :mod:`routeplan.planner.objective`), the sum of ``score_parts``.
    score_parts
        The parts of the objective, e.g. ``{"value": ..., "transitions": ...}``.
    query
        The query this itinerary answers (start, end, budget_min, start_time, options).
    """

    stops: tuple[Stop, ...]
    legs: tuple[Leg, ...]
    score: float
    score_parts: Mapping[str, float] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.stops) == 0:
            raise ValueError("an itinerary needs at least one stop")
        if len(self.legs) != len(self.stops) - 1:
            raise ValueError(
                f"{len(self.stops)} stops need {len(self.stops) - 1} legs, got {len(self.legs)}"
            )

    def __len__(self) -> int:
        return len(self.stops)

    @property
    def landmark_ids(self) -> list[int]:
        """Landmark ids of the stops in order (coordinate stops left out)."""
        return [s.landmark_id for s in self.stops if s.landmark_id is not None]

    @property
    def start_time(self) -> pd.Timestamp:
        """Arrival at the first stop."""
        return self.stops[0].arrive

    @property
    def end_time(self) -> pd.Timestamp:
        """Departure from the last stop."""
        return self.stops[-1].leave

    @property
    def total_min(self) -> float:
        """Minutes from the start to leaving the last stop (stays and travel)."""
        return (self.end_time - self.start_time).total_seconds() / 60.0

    @property
    def travel_min(self) -> float:
        """Minutes spent travelling between stops."""
        return float(sum(leg.travel_min for leg in self.legs))

    @property
    def wait_min(self) -> float:
        """Minutes spent waiting for places to come alive."""
        return float(sum(leg.wait_min for leg in self.legs))

    @property
    def distance_m(self) -> float:
        """Sum of the legs' distances in metres."""
        return float(sum(leg.distance_m for leg in self.legs))

    def to_gdf(self) -> gpd.GeoDataFrame:
        """The stops as a GeoDataFrame (EPSG:4326), one row a stop in visiting order.

        Columns: ``order`` (1-based), ``landmark_id``, ``name``, ``arrive``, ``leave``,
        ``stay_min``, ``travel_in_min`` (travel to reach the stop, 0 for the first),
        ``wait_in_min``, ``observed_in``, ``off_hours`` and geometry.
        """
        travel_in = [0.0] + [leg.travel_min for leg in self.legs]
        wait_in = [0.0] + [leg.wait_min for leg in self.legs]
        observed_in = [True] + [leg.observed for leg in self.legs]
        df = pd.DataFrame(
            {
                "order": range(1, len(self.stops) + 1),
                "landmark_id": pd.array([s.landmark_id for s in self.stops], dtype="Int64"),
                "name": [s.name for s in self.stops],
                "arrive": [s.arrive for s in self.stops],
                "leave": [s.leave for s in self.stops],
                "stay_min": [s.stay_min for s in self.stops],
                "travel_in_min": travel_in,
                "wait_in_min": wait_in,
                "observed_in": observed_in,
                "off_hours": [s.off_hours for s in self.stops],
            }
        )
        geometry = [Point(s.lon, s.lat) for s in self.stops]
        return gpd.GeoDataFrame(df, geometry=geometry, crs="EPSG:4326")

    def legs_gdf(self) -> gpd.GeoDataFrame:
        """The legs as a GeoDataFrame of straight lines (EPSG:4326)."""
        rows = []
        for leg in self.legs:
            a, b = self.stops[leg.from_stop], self.stops[leg.to_stop]
            rows.append(
                {
                    "from_stop": leg.from_stop + 1,
                    "to_stop": leg.to_stop + 1,
                    "travel_min": leg.travel_min,
                    "distance_m": leg.distance_m,
                    "observed": leg.observed,
                    "wait_min": leg.wait_min,
                    "geometry": LineString([(a.lon, a.lat), (b.lon, b.lat)]),
                }
            )
        columns = [
            "from_stop",
            "to_stop",
            "travel_min",
            "distance_m",
            "observed",
            "wait_min",
            "geometry",
        ]
        return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")

    def to_gpx(self, *, name: str = "routeplan") -> str:
        """This itinerary as a GPX 1.1 document (see :func:`routeplan.export.to_gpx`)."""
        from .export import to_gpx

        return to_gpx([self], name=name)

    def to_geojson(self) -> dict[str, Any]:
        """This itinerary as GeoJSON (see :func:`routeplan.export.to_geojson`)."""
        from .export import to_geojson

        return to_geojson([self])

    def to_ics(self, *, name: str = "routeplan") -> str:
        """This itinerary as an iCalendar file (see :func:`routeplan.export.to_ics`)."""
        from .export import to_ics

        return to_ics([self], name=name)

    def summary(self) -> str:
        """A short human-readable schedule, one line a stop."""
        lines = []
        day = self.query.get("day")
        if day is not None and self.query.get("days", 1) > 1:
            lines.append(f"Day {day} of {self.query['days']}, {self.start_time:%a %d %b %Y}")
        for i, s in enumerate(self.stops, start=1):
            note = "  (off hours)" if s.off_hours else ""
            lines.append(f"{i:>2}. {s.arrive:%H:%M}–{s.leave:%H:%M}  {s.name}{note}")
        waiting = f", waiting {self.wait_min:.0f} min" if self.wait_min > 0 else ""
        lines.append(
            f"total {self.total_min:.0f} min, travel {self.travel_min:.0f} min{waiting}, "
            f"{self.distance_m / 1000:.1f} km, score {self.score:.3f}"
        )
        return "\n".join(lines)
