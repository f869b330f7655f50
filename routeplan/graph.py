"""The transition graph: landmarks as nodes, the moves real travellers made as edges.

An edge u→v counts the moves from a visit at u to the next visit at v within the same trip:
``n_trips`` (trips that made the move), ``n_users`` (distinct travellers), ``travel_min`` (median
minutes from leaving u to arriving at v), ``travel_min_q25``/``travel_min_q75`` (their spread),
``observed`` (always true here: estimated times are the planner's business) and ``p``, the share of
u's outgoing moves that go to v.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from ._errors import ValidationError
from .landmarks import validate_landmarks
from .visits import validate_visits

__all__ = ["EDGE_ATTRS", "NODE_ATTRS", "build_graph", "graph_from_gdfs", "graph_to_gdfs"]

#: Landmark columns copied onto each node.
NODE_ATTRS = [
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
]
#: Attributes of each edge.
EDGE_ATTRS = [
    "n_trips",
    "n_users",
    "travel_min",
    "travel_min_q25",
    "travel_min_q75",
    "observed",
    "p",
]


def build_graph(
    landmarks: gpd.GeoDataFrame,
    visits: pd.DataFrame,
    *,
    min_edge_users: int = 1,
) -> nx.DiGraph:
    """Build the TransitionGraph from landmarks and visits.

    Parameters
    ----------
    landmarks
        The landmarks table (:func:`routeplan.find_landmarks`).
    visits
        The visits table (:func:`routeplan.find_visits`).
    min_edge_users
        Moves made by fewer distinct travellers are left out (noise and privacy).

    Returns
    -------
    networkx.DiGraph
        Nodes are landmark ids with the landmark's attributes; ``G.graph`` holds ``crs``, ``tz``
        (the zone of most landmarks) and ``params``.
    """
    validate_landmarks(landmarks)
    validate_visits(visits)
    if min_edge_users < 1:
        raise ValueError(f"min_edge_users must be at least 1, got {min_edge_users}")

    G = nx.DiGraph()
    tz = landmarks["tz"].mode().sort_values().iloc[0] if len(landmarks) else "UTC"
    G.graph.update(crs="EPSG:4326", tz=str(tz), params={"min_edge_users": min_edge_users})
    for row in landmarks[["landmark_id", *NODE_ATTRS]].itertuples(index=False):
        attrs = row._asdict()
        G.add_node(int(attrs.pop("landmark_id")), **_plain(attrs))

    edges = transitions(visits)
    edges = edges[edges["n_users"] >= min_edge_users]
    out_total = edges.groupby("u")["n_trips"].transform("sum")
    edges = edges.assign(p=edges["n_trips"] / out_total)
    for row in edges.itertuples(index=False):
        attrs = row._asdict()
        u, v = int(attrs.pop("u")), int(attrs.pop("v"))
        G.add_edge(u, v, **_plain(attrs))
    return G


def transitions(visits: pd.DataFrame) -> pd.DataFrame:
    """Aggregate consecutive visits of each trip into moves u→v (u ≠ v), one row a pair."""
    v = visits.sort_values(["trip_id", "arrived_at"], kind="mergesort").reset_index(drop=True)
    same_trip = v["trip_id"].to_numpy()[1:] == v["trip_id"].to_numpy()[:-1]
    moves = pd.DataFrame(
        {
            "u": v["landmark_id"].to_numpy()[:-1][same_trip],
            "v": v["landmark_id"].to_numpy()[1:][same_trip],
            "trip_id": v["trip_id"].to_numpy()[:-1][same_trip],
            "user_id": v["user_id"].to_numpy()[:-1][same_trip],
            "minutes": (
                (v["arrived_at"].to_numpy()[1:] - v["left_at"].to_numpy()[:-1])[same_trip]
                / np.timedelta64(1, "s")
                / 60.0
            ),
        }
    )
    moves = moves[moves["u"] != moves["v"]]
    if moves.empty:
        return pd.DataFrame(columns=["u", "v", *EDGE_ATTRS[:-1]])
    g = moves.groupby(["u", "v"], sort=True)
    edges = g.agg(
        n_trips=("trip_id", "nunique"),
        n_users=("user_id", "nunique"),
        travel_min=("minutes", "median"),
        travel_min_q25=("minutes", lambda s: s.quantile(0.25)),
        travel_min_q75=("minutes", lambda s: s.quantile(0.75)),
    ).reset_index()
    edges["observed"] = True
    return edges


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars → Python scalars, so the graph serialises (GraphML, JSON) cleanly."""
    out = {}
    for k, val in attrs.items():
        if isinstance(val, np.generic):
            val = val.item()
        elif isinstance(val, np.ndarray):
            val = val.tolist()
        out[k] = val
    return out


def graph_to_gdfs(G: nx.DiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and edges of a TransitionGraph as GeoDataFrames (EPSG:4326).

    Returns
    -------
    nodes : geopandas.GeoDataFrame
        One row a landmark, ``landmark_id`` and the node attributes, Point geometry.
    edges : geopandas.GeoDataFrame
        One row an edge, ``u``, ``v`` and the edge attributes, straight LineString geometry.
    """
    nodes = pd.DataFrame([{"landmark_id": n, **d} for n, d in sorted(G.nodes(data=True))])
    if nodes.empty:
        nodes = pd.DataFrame(columns=["landmark_id", *NODE_ATTRS])
    nodes_gdf = gpd.GeoDataFrame(
        nodes, geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs=G.graph.get("crs")
    )
    rows = [{"u": u, "v": v, **d} for u, v, d in sorted(G.edges(data=True))]
    edges = pd.DataFrame(rows, columns=["u", "v", *EDGE_ATTRS]) if not rows else pd.DataFrame(rows)
    pos = {n: (d["lon"], d["lat"]) for n, d in G.nodes(data=True)}
    geometry = [LineString([pos[u], pos[v]]) for u, v in zip(edges["u"], edges["v"], strict=True)]
    edges_gdf = gpd.GeoDataFrame(edges, geometry=geometry, crs=G.graph.get("crs"))
    edges_gdf.attrs["graph"] = dict(G.graph)
    nodes_gdf.attrs["graph"] = dict(G.graph)
    return nodes_gdf, edges_gdf


def graph_from_gdfs(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, graph_attrs: dict[str, Any] | None = None
) -> nx.DiGraph:
    """Rebuild a TransitionGraph from :func:`graph_to_gdfs` output (the inverse)."""
    if "landmark_id" not in nodes.columns:
        raise ValidationError("nodes need a landmark_id column")
    G = nx.DiGraph()
    G.graph.update(graph_attrs if graph_attrs is not None else nodes.attrs.get("graph", {}))
    node_cols = [c for c in nodes.columns if c not in ("landmark_id", "geometry")]
    for row in nodes[["landmark_id", *node_cols]].itertuples(index=False):
        attrs = row._asdict()
        G.add_node(int(attrs.pop("landmark_id")), **_plain(attrs))
    edge_cols = [c for c in edges.columns if c not in ("u", "v", "geometry")]
    for row in edges[["u", "v", *edge_cols]].itertuples(index=False):
        attrs = row._asdict()
        G.add_edge(int(attrs.pop("u")), int(attrs.pop("v")), **_plain(attrs))
    return G
