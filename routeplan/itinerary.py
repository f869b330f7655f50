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
    no stay. ``arrive`` and ``leave`` are time-zone aware timestamps in the local zone of the plan.
    """

    landmark_id: int | None
    name: str
    lat: float
    lon: float
    arrive: pd.Timestamp
    leave: pd.Timestamp

    @property
    def stay_min(self) -> float:
        """Minutes spent at the stop."""
        return (self.leave - self.arrive).total_seconds() / 60.0


@dataclass(frozen=True)
class Leg:
    """The move between two consecutive stops.

    ``observed`` is true when ``travel_min`` is the median of real travellers' moves, false when it
    was estimated from the distance and a speed.
    """

    from_stop: int
    to_stop: int
    travel_min: float
    distance_m: float
    observed: bool


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
    def distance_m(self) -> float:
        """Sum of the legs' distances in metres."""
        return float(sum(leg.distance_m for leg in self.legs))

    def to_gdf(self) -> gpd.GeoDataFrame:
        """The stops as a GeoDataFrame (EPSG:4326), one row a stop in visiting order.

        Columns: ``order`` (1-based), ``landmark_id``, ``name``, ``arrive``, ``leave``,
        ``stay_min``,
        ``travel_in_min`` (travel to reach the stop, 0 for the first), ``observed_in`` and geometry.
        """
        travel_in = [0.0] + [leg.travel_min for leg in self.legs]
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
                "observed_in": observed_in,
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
                    "geometry": LineString([(a.lon, a.lat), (b.lon, b.lat)]),
                }
            )
        columns = ["from_stop", "to_stop", "travel_min", "distance_m", "observed", "geometry"]
        return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")

    def summary(self) -> str:
        """A short human-readable schedule, one line a stop."""
        lines = []
        for i, s in enumerate(self.stops, start=1):
            lines.append(f"{i:>2}. {s.arrive:%H:%M}–{s.leave:%H:%M}  {s.name}")
        lines.append(
            f"total {self.total_min:.0f} min, travel {self.travel_min:.0f} min, "
            f"{self.distance_m / 1000:.1f} km, score {self.score:.3f}"
        )
        return "\n".join(lines)
