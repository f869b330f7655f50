"""The transition graph: landmarks as nodes, the moves real travellers made as edges.

An edge u→v counts the moves from a visit at u to the next visit at v within the same trip:
``n_trips`` (trips that made the move), ``n_users`` (distinct travellers), ``travel_min`` (median
minutes from leaving u to arriving at v), ``travel_min_q25``/``travel_min_q75`` (their spread),
``observed`` (always true here: estimated times are the planner's business) and ``p``, the share of
u's outgoing moves (among the edges kept) that go to v. Moves made by fewer than
``min_edge_users`` distinct travellers are dropped (privacy and noise).

The graph round-trips exactly through :func:`graph_to_gdfs` / :func:`graph_from_gdfs`, and through
GraphML (:func:`write_graphml` / :func:`read_graphml`); :func:`to_geojson` exports it for GIS tools.
"""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from . import settings
from ._errors import ValidationError
from .landmarks import LANDMARK_COLUMNS, validate_landmarks
from .visits import validate_visits

__all__ = [
    "EDGE_ATTRS",
    "MIN_EDGE_USERS",
    "NODE_ATTRS",
    "build_graph",
    "graph_from_gdfs",
    "graph_to_gdfs",
    "read_graphml",
    "to_geojson",
    "transitions",
    "write_graphml",
]

MIN_EDGE_USERS = settings.MIN_EDGE_USERS

#: Landmark columns copied onto each node: all but the id (the node itself), the cover photo and
#: the geometries (kept in the landmarks table; graph_to_gdfs rebuilds the point from lat/lon).
NODE_ATTRS = [
    c for c in LANDMARK_COLUMNS if c not in ("landmark_id", "cover_photo", "footprint", "geometry")
]
#: Landmark columns copied onto a node when present and not missing (POI landmarks).
OPTIONAL_NODE_ATTRS = ["poi_id", "theme"]
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
    min_edge_users: int = MIN_EDGE_USERS,
    exclude_locals: bool = False,
) -> nx.DiGraph:
    """Build the TransitionGraph from landmarks and visits.

    Parameters
    ----------
    landmarks
        The landmarks table (:func:`routeplan.find_landmarks`).
    visits
        The visits table (:func:`routeplan.find_visits`).
    min_edge_users
        Moves made by fewer distinct travellers are left out (noise and privacy); 1 keeps every
        observed move.
    exclude_locals
        Leave out the moves of locals (visits with ``is_local`` true; see
        :func:`routeplan.find_visits`). Default False: everybody's moves count.

    Returns
    -------
    networkx.DiGraph
        Nodes are landmark ids with the landmark's attributes (:data:`NODE_ATTRS`, plus
        ``poi_id``/``theme`` where known); edges carry :data:`EDGE_ATTRS`; ``G.graph`` holds
        ``crs``, ``tz`` (the zone of most landmarks) and ``params``.

    Raises
    ------
    ValidationError
        If a table breaks its contract, or ``exclude_locals`` is set and visits lack
        ``is_local``.
    """
    validate_landmarks(landmarks)
    validate_visits(visits)
    if min_edge_users < 1:
        raise ValueError(f"min_edge_users must be at least 1, got {min_edge_users}")
    if exclude_locals:
        if "is_local" not in visits.columns:
            raise ValidationError(
                "visits lack 'is_local'; make them with find_visits() to exclude locals"
            )
        visits = visits[~visits["is_local"].to_numpy(bool)]

    G = nx.DiGraph()
    tz = landmarks["tz"].mode().sort_values().iloc[0] if len(landmarks) else "UTC"
    G.graph.update(
        crs="EPSG:4326",
        tz=str(tz),
        params={"min_edge_users": int(min_edge_users), "exclude_locals": bool(exclude_locals)},
    )
    optional = [c for c in OPTIONAL_NODE_ATTRS if c in landmarks.columns]
    records = landmarks[["landmark_id", *NODE_ATTRS, *optional]].to_dict("records")
    G.add_nodes_from((int(r.pop("landmark_id")), _plain(r)) for r in records)

    edges = transitions(visits)
    edges = edges[edges["n_users"] >= min_edge_users]
    out_total = edges.groupby("u")["n_trips"].transform("sum")
    edges = edges.assign(p=edges["n_trips"] / out_total)
    columns = [edges[c].tolist() for c in ("u", "v", *EDGE_ATTRS)]  # Python scalars
    G.add_edges_from(
        (u, v, dict(zip(EDGE_ATTRS, vals, strict=True)))
        for u, v, *vals in zip(*columns, strict=True)
    )
    return G


def transitions(visits: pd.DataFrame) -> pd.DataFrame:
    """Aggregate consecutive visits of each trip into moves u→v (u ≠ v), one row a pair.

    Columns ``u``, ``v``, ``n_trips`` (distinct trips making the move), ``n_users`` (distinct
    travellers), ``travel_min`` (median minutes from leaving u to arriving at v),
    ``travel_min_q25``, ``travel_min_q75`` and ``observed``; ordered by (u, v). Vectorised.
    """
    cols = ["u", "v", *EDGE_ATTRS[:-1]]
    if len(visits) < 2:
        return _empty_edges(cols)
    trip = pd.factorize(visits["trip_id"].to_numpy())[0]
    user = pd.factorize(visits["user_id"].to_numpy())[0]
    arrived = _seconds(visits["arrived_at"])
    left = _seconds(visits["left_at"])
    order = np.lexsort((arrived, trip))
    trip, user, arrived, left = trip[order], user[order], arrived[order], left[order]
    lm = visits["landmark_id"].to_numpy(np.int64)[order]
    move = (trip[1:] == trip[:-1]) & (lm[1:] != lm[:-1])
    moves = pd.DataFrame(
        {
            "u": lm[:-1][move],
            "v": lm[1:][move],
            "trip": trip[:-1][move],
            "user": user[:-1][move],
            "minutes": (arrived[1:] - left[:-1])[move] / 60.0,
        }
    )
    if moves.empty:
        return _empty_edges(cols)
    g = moves.groupby(["u", "v"], sort=True)
    edges = g.agg(
        n_trips=("trip", "nunique"),
        n_users=("user", "nunique"),
        travel_min=("minutes", "median"),
    )
    q = g["minutes"].quantile([0.25, 0.75]).unstack()
    edges["travel_min_q25"] = q[0.25]
    edges["travel_min_q75"] = q[0.75]
    edges = edges.reset_index()
    edges["observed"] = True
    edges[["u", "v", "n_trips", "n_users"]] = edges[["u", "v", "n_trips", "n_users"]].astype(
        np.int64
    )
    return edges[cols]


def _seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the epoch of a datetime Series."""
    epoch = (
        pd.Timestamp(0, tz="UTC")
        if isinstance(times.dtype, pd.DatetimeTZDtype)
        else (pd.Timestamp(0))
    )
    return ((times - epoch) / pd.Timedelta(seconds=1)).to_numpy(float)


def _empty_edges(cols: list[str]) -> pd.DataFrame:
    dtypes: dict[str, Any] = {"u": np.int64, "v": np.int64, "n_trips": np.int64}
    dtypes |= {"n_users": np.int64, "observed": bool, "p": float}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, float)) for c in cols})


def _missing(val: Any) -> bool:
    return val is None or (isinstance(val, float) and math.isnan(val))


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars → Python scalars, arrays → lists; missing values (None, NaN) left out."""
    out = {}
    for k, val in attrs.items():
        if isinstance(val, np.generic):
            val = val.item()
        elif isinstance(val, np.ndarray):
            val = val.tolist()
        if _missing(val):
            continue
        out[k] = val
    return out


def _frame(rows: list[dict[str, Any]], first: list[str]) -> pd.DataFrame:
    """DataFrame of attribute dicts; a column with a missing value keeps Python objects (so ints
    stay ints through the round trip)."""
    keys = list(first)
    for r in rows:
        keys += [k for k in r if k not in keys]
    data = {}
    for k in keys:
        vals = [r.get(k) for r in rows]
        if any(v is None for v in vals) or any(isinstance(v, list | dict) for v in vals):
            data[k] = pd.Series(vals, dtype=object)
        else:
            data[k] = pd.Series(vals)
    return pd.DataFrame(data, columns=keys)


def graph_to_gdfs(G: nx.DiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Nodes and edges of a TransitionGraph as GeoDataFrames (CRS of ``G.graph["crs"]``).

    :func:`graph_from_gdfs` is the exact inverse: node and edge attributes keep their Python
    types (ints, floats, bools, lists), and ``G.graph`` travels in both frames' ``attrs["graph"]``.

    Returns
    -------
    nodes : geopandas.GeoDataFrame
        One row a landmark in id order: ``landmark_id`` and the node attributes, Point geometry.
    edges : geopandas.GeoDataFrame
        One row an edge in (u, v) order: ``u``, ``v`` and the edge attributes, straight
        LineString geometry between the two landmarks.
    """
    crs = G.graph.get("crs", "EPSG:4326")
    node_rows = [{"landmark_id": n, **d} for n, d in sorted(G.nodes(data=True))]
    nodes = _frame(node_rows, ["landmark_id", *NODE_ATTRS])
    nodes_gdf = gpd.GeoDataFrame(
        nodes,
        geometry=gpd.points_from_xy(nodes["lon"].astype(float), nodes["lat"].astype(float)),
        crs=crs,
    )
    edge_rows = [{"u": u, "v": v, **d} for u, v, d in sorted(G.edges(data=True), key=_uv)]
    edges = (
        _frame(edge_rows, ["u", "v", *EDGE_ATTRS])
        if edge_rows
        else _empty_edges(["u", "v", *EDGE_ATTRS])
    )
    pos = {n: (d["lon"], d["lat"]) for n, d in G.nodes(data=True)}
    geometry = [LineString([pos[u], pos[v]]) for u, v in zip(edges["u"], edges["v"], strict=True)]
    edges_gdf = gpd.GeoDataFrame(edges, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)
    nodes_gdf.attrs["graph"] = copy.deepcopy(dict(G.graph))
    edges_gdf.attrs["graph"] = copy.deepcopy(dict(G.graph))
    return nodes_gdf, edges_gdf


def _uv(edge: tuple) -> tuple:
    return edge[0], edge[1]


def graph_from_gdfs(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, graph_attrs: dict[str, Any] | None = None
) -> nx.DiGraph:
    """Rebuild a TransitionGraph from :func:`graph_to_gdfs` output (the exact inverse).

    Parameters
    ----------
    nodes, edges
        As returned by :func:`graph_to_gdfs` (geometry columns are ignored; missing values mean
        "no such attribute").
    graph_attrs
        ``G.graph``; default: ``nodes.attrs["graph"]``.
    """
    if "landmark_id" not in nodes.columns:
        raise ValidationError("nodes need a landmark_id column")
    if not {"u", "v"} <= set(edges.columns):
        raise ValidationError("edges need u and v columns")
    G = nx.DiGraph()
    attrs = graph_attrs if graph_attrs is not None else nodes.attrs.get("graph", {})
    G.graph.update(copy.deepcopy(dict(attrs)))
    node_cols = [c for c in nodes.columns if c not in ("landmark_id", nodes.geometry.name)]
    for r in pd.DataFrame(nodes[["landmark_id", *node_cols]]).to_dict("records"):
        G.add_node(int(r.pop("landmark_id")), **_plain(r))
    geom = edges.geometry.name if isinstance(edges, gpd.GeoDataFrame) else None
    edge_cols = [c for c in edges.columns if c not in ("u", "v", geom)]
    for r in pd.DataFrame(edges[["u", "v", *edge_cols]]).to_dict("records"):
        G.add_edge(int(r.pop("u")), int(r.pop("v")), **_plain(r))
    return G


_JSON_MARK = "routeplan_json"


def write_graphml(G: nx.DiGraph, path: str | os.PathLike[str]) -> Path:
    """Write a TransitionGraph as GraphML; :func:`read_graphml` reads it back exactly.

    GraphML holds only strings, numbers and booleans: list and dict attributes (``hourly``,
    ``monthly``, ``params``) are written as JSON strings, and the graph attribute
    ``routeplan_json`` records which ones, so that other tools (Gephi, yEd, networkx) can open the
    file and routeplan restores the lists. Floats are written with full precision.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    H = nx.DiGraph()
    marks: dict[str, list[str]] = {"graph": [], "node": [], "edge": []}
    H.graph.update(_encode(dict(G.graph), marks["graph"]))
    H.add_nodes_from((n, _encode(d, marks["node"])) for n, d in G.nodes(data=True))
    H.add_edges_from((u, v, _encode(d, marks["edge"])) for u, v, d in G.edges(data=True))
    H.graph[_JSON_MARK] = json.dumps({k: sorted(set(v)) for k, v in marks.items()})
    path = Path(path)
    nx.write_graphml(H, path)
    return path


def _encode(attrs: dict[str, Any], marks: list[str]) -> dict[str, Any]:
    out = {}
    for k, val in attrs.items():
        if isinstance(val, list | dict | tuple):
            val = json.dumps(val)
            marks.append(k)
        out[k] = val
    return out


def read_graphml(path: str | os.PathLike[str]) -> nx.DiGraph:
    """Read a TransitionGraph written by :func:`write_graphml` (node ids are ints again)."""
    H = nx.read_graphml(Path(path), node_type=int)
    marks = json.loads(H.graph.pop(_JSON_MARK, "{}"))
    for key in ("node_default", "edge_default"):  # added by networkx's reader
        if H.graph.get(key) == {}:
            del H.graph[key]
    G = nx.DiGraph()
    G.graph.update(_decode(H.graph, marks.get("graph", [])))
    G.add_nodes_from((n, _decode(d, marks.get("node", []))) for n, d in H.nodes(data=True))
    G.add_edges_from((u, v, _decode(d, marks.get("edge", []))) for u, v, d in H.edges(data=True))
    return G


def _decode(attrs: dict[str, Any], marks: list[str]) -> dict[str, Any]:
    return {k: json.loads(v) if k in marks else v for k, v in attrs.items()}


def to_geojson(G: nx.DiGraph, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The graph as one GeoJSON FeatureCollection: landmarks as Points, then moves as LineStrings.

    Each feature's properties hold the node or edge attributes plus ``kind`` (``"landmark"`` or
    ``"move"``) and ``landmark_id`` (nodes) or ``u``/``v`` (edges); ``G.graph`` is kept as the
    collection's ``graph`` member. Coordinates are [lon, lat] (RFC 7946).

    Parameters
    ----------
    G
        A TransitionGraph.
    path
        When given, the collection is also written there (UTF-8 JSON).

    Returns
    -------
    dict
        The FeatureCollection.
    """
    features = []
    for n, d in sorted(G.nodes(data=True)):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [d["lon"], d["lat"]]},
                "properties": {"kind": "landmark", "landmark_id": n, **d},
            }
        )
    for u, v, d in sorted(G.edges(data=True), key=_uv):
        a, b = G.nodes[u], G.nodes[v]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[a["lon"], a["lat"]], [b["lon"], b["lat"]]],
                },
                "properties": {"kind": "move", "u": u, "v": v, **d},
            }
        )
    collection = {"type": "FeatureCollection", "graph": dict(G.graph), "features": features}
    if path is not None:
        Path(path).write_text(
            json.dumps(collection, ensure_ascii=False, allow_nan=False), encoding="utf-8"
        )
    return collection
