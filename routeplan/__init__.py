"""routeplan: turn geo-tagged photos into travel itineraries.

The pipeline, one function a stage (each output a plain table or graph)::

    photos, report = routeplan.read_photos("data/sample_photos")
    landmarks, photos = routeplan.find_landmarks(photos, eps_m=100)
    visits = routeplan.find_visits(photos)
    G = routeplan.build_graph(landmarks, visits)
    [itinerary] = routeplan.plan(G, start="CN Tower", budget_min=360)
    m = routeplan.route_map(itinerary, landmarks)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._errors import (
    BudgetTooShortError,
    InputError,
    NoLandmarksError,
    NoPhotosError,
    RouteplanError,
    UnknownPlaceError,
    ValidationError,
)

__version__ = "0.1.0"

# Stages are imported on first use, so that `import routeplan` (the CLI's --help, and every worker
# process of the EXIF pool) does not pay for geopandas.
_LAZY = {
    "Itinerary": "itinerary",
    "Leg": "itinerary",
    "Stop": "itinerary",
    "read_photos": "photos",
    "validate_photos": "photos",
    "IngestReport": "photos",
    "read_photo_table": "tables",
    "read_pois": "tables",
    "hash_users": "privacy",
    "find_landmarks": "landmarks",
    "landmarks_from_pois": "landmarks",
    "internal_paths": "landmarks",
    "validate_landmarks": "landmarks",
    "find_visits": "visits",
    "validate_visits": "visits",
    "build_graph": "graph",
    "graph_to_gdfs": "graph",
    "graph_from_gdfs": "graph",
    "write_graphml": "graph",
    "read_graphml": "graph",
    "to_geojson": "graph",
    "plan": "planner",
    "replan": "planner",
    "NextStopModel": "nextstop",
    "TourData": "tourdata",
    "read_trajectories": "tourdata",
    "read_user_visits": "tourdata",
    "tour_data_from_visits": "tourdata",
    "leave_one_out": "evaluate",
    "route_map": "maps",
    "escape": "_html",
}

__all__ = [
    "BudgetTooShortError",
    "InputError",
    "NoLandmarksError",
    "NoPhotosError",
    "RouteplanError",
    "UnknownPlaceError",
    "ValidationError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'routeplan' has no attribute {name!r}")
