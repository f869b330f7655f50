"""The transition graph built from visits."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
import pytest
from factories import make_photos

from routeplan import ValidationError
from routeplan.graph import (
    build_graph,
    graph_from_gdfs,
    graph_to_gdfs,
    read_graphml,
    to_geojson,
    write_graphml,
)
from routeplan.landmarks import find_landmarks
from routeplan.visits import find_visits

SPOTS = {"Tower": (43.6426, -79.3871), "Market": (43.6547, -79.4007), "Castle": (43.6781, -79.4095)}


def _trips(plan):
    """plan: {user: [(spot, "HH:MM" UTC arrival, minutes stayed), ...]}, all on 2024-07-01.

    Each visit is two photos (arrival and departure), at the exact spot coordinates.
    """
    rows = []
    for user, stops in plan.items():
        for spot, hhmm, stay in stops:
            h, m = map(int, hhmm.split(":"))
            t0 = h * 60 + m
            t1 = t0 + stay
            lat, lon = SPOTS[spot]
            rows += [
                (user, f"2024-07-01 {t0 // 60:02d}:{t0 % 60:02d}", lat, lon, spot),
                (user, f"2024-07-01 {t1 // 60:02d}:{t1 % 60:02d}", lat, lon, spot),
            ]
    return make_photos(rows)


def _graph(plan, **kw):
    landmarks, photos = find_landmarks(_trips(plan), eps_m=50, min_samples=2, min_users=2)
    return build_graph(landmarks, find_visits(photos), **kw), landmarks


PLAN = {
    "u1": [("Tower", "10:00", 30), ("Market", "11:00", 20), ("Castle", "12:00", 10)],
    "u2": [("Tower", "10:00", 30), ("Market", "10:50", 20)],
    "u3": [("Tower", "10:00", 30), ("Castle", "11:30", 10)],
    "u4": [("Market", "09:00", 10), ("Tower", "09:40", 10)],
}


def test_edges_count_trips_users_and_median_times():
    """With min_edge_users=1 every observed move is an edge, counted and timed."""
    G, lm = _graph(PLAN, min_edge_users=1)
    ids = dict(zip(lm["name"], lm["landmark_id"], strict=True))
    a, b, c = ids["Tower"], ids["Market"], ids["Castle"]
    assert set(G.edges) == {(a, b), (b, c), (a, c), (b, a)}
    ab = G.edges[a, b]
    assert (ab["n_trips"], ab["n_users"]) == (2, 2)
    assert ab["travel_min"] == pytest.approx(25.0)  # 30 and 20 minutes
    assert G.edges[a, c]["travel_min"] == pytest.approx(60.0)
    assert ab["p"] == pytest.approx(2 / 3)
    assert G.edges[a, c]["p"] == pytest.approx(1 / 3)
    assert G.edges[b, a]["travel_min"] == pytest.approx(30.0)
    assert G.nodes[a]["name"] == "Tower" and G.nodes[a]["n_users"] == 4
    assert G.graph["tz"] == "America/Toronto"


def test_min_edge_users_drops_single_person_moves():
    """The default (2) keeps only Tower→Market, the one move two travellers made."""
    G, lm = _graph(PLAN)
    assert G.graph["params"]["min_edge_users"] == 2
    ids = dict(zip(lm["name"], lm["landmark_id"], strict=True))
    assert set(G.edges) == {(ids["Tower"], ids["Market"])}
    assert G.edges[ids["Tower"], ids["Market"]]["p"] == pytest.approx(1.0)


def test_gdf_round_trip_is_exact():
    G, _ = _graph(PLAN, min_edge_users=1)
    nodes, edges = graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    H = graph_from_gdfs(nodes, edges)
    assert nx.utils.graphs_equal(G, H)
    assert H.graph == G.graph

    assert nodes["n_users"].dtype == "int64" and edges["observed"].dtype == bool


def _types(G):
    """Every attribute value's type, by node / edge and key."""
    nodes = {(n, k): type(v) for n, d in G.nodes(data=True) for k, v in d.items()}
    edges = {(u, v, k): type(x) for u, v, d in G.edges(data=True) for k, x in d.items()}
    return nodes, edges


def test_round_trips_keep_types_and_missing_attributes():
    """POI attributes missing on one node, ints, bools, lists: gdfs and GraphML give G back."""
    G, _ = _graph(PLAN, min_edge_users=1)
    G.nodes[0]["theme"] = "Amusement"
    G.nodes[0]["poi_id"] = "16"
    H = graph_from_gdfs(*graph_to_gdfs(G))
    assert nx.utils.graphs_equal(G, H) and H.graph == G.graph
    assert _types(H) == _types(G)
    assert "theme" not in H.nodes[1]
    assert isinstance(H.nodes[0]["hourly"], list) and isinstance(H.nodes[0]["n_users"], int)
    # the graph dict is a copy: editing the frames' attrs leaves G alone
    nodes, _ = graph_to_gdfs(G)
    nodes.attrs["graph"]["params"]["min_edge_users"] = 99
    assert G.graph["params"]["min_edge_users"] == 1


def test_graphml_round_trip_is_exact(tmp_path):
    """Lists and the params dict travel as JSON strings; floats keep every digit; ids stay ints."""
    G, _ = _graph(PLAN, min_edge_users=1)
    G.nodes[1]["stay_min"] = 1 / 3
    G.nodes[0]["theme"] = "Amusement"  # on one node only
    path = write_graphml(G, tmp_path / "g.graphml")
    H = read_graphml(path)
    assert nx.utils.graphs_equal(G, H) and H.graph == G.graph
    assert _types(H) == _types(G)
    assert H.nodes[1]["stay_min"] == 1 / 3
    assert H.nodes[0]["theme"] == "Amusement" and "theme" not in H.nodes[1]
    # plain networkx can read the file too
    plain = nx.read_graphml(path)
    assert json.loads(plain.nodes["0"]["hourly"]) == G.nodes[0]["hourly"]


def test_geojson_has_points_then_lines(tmp_path):
    """One FeatureCollection: a Point per landmark ([lon, lat]), a LineString per edge."""
    G, lm = _graph(PLAN, min_edge_users=1)
    out = tmp_path / "g.geojson"
    fc = to_geojson(G, out)
    assert json.loads(out.read_text(encoding="utf-8")) == fc
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds == ["landmark"] * 3 + ["move"] * 4
    first = fc["features"][0]
    assert first["geometry"]["coordinates"] == [lm.loc[0, "lon"], lm.loc[0, "lat"]]
    move = fc["features"][3]
    u, v = move["properties"]["u"], move["properties"]["v"]
    assert move["geometry"]["coordinates"][0] == [G.nodes[u]["lon"], G.nodes[u]["lat"]]
    assert move["properties"]["n_trips"] == G.edges[u, v]["n_trips"]


def test_travel_time_spread_and_locals():
    """Four travellers go Tower→Market in 10, 20, 30, 40 min: median 25, quartiles 17.5 / 32.5.

    u4 is a local (photos 30 days apart): with exclude_locals its move does not count.
    """
    plan = {
        f"u{i}": [("Tower", "10:00", 10), ("Market", f"10:{10 + 10 * (i + 1):02d}", 10)]
        for i in range(4)
    }
    photos = _trips(plan)
    photos.loc[len(photos)] = photos.loc[0]
    photos.loc[len(photos) - 1, ["photo_id", "user_id", "taken_at"]] = [
        "late",
        "u3",
        pd.Timestamp("2024-08-01 10:00", tz="UTC"),
    ]
    landmarks, photos = find_landmarks(photos, eps_m=50, min_samples=2, min_users=2)
    visits = find_visits(photos)
    G = build_graph(landmarks, visits)
    e = G.edges[0, 1]
    assert (e["travel_min"], e["travel_min_q25"], e["travel_min_q75"]) == (25.0, 17.5, 32.5)
    assert e["n_users"] == 4
    H = build_graph(landmarks, visits, exclude_locals=True)
    assert H.edges[0, 1]["n_users"] == 3 and H.edges[0, 1]["travel_min"] == 20.0
    with pytest.raises(ValidationError, match="is_local"):
        build_graph(landmarks, visits.drop(columns="is_local"), exclude_locals=True)


def test_a_graph_without_edges_round_trips(tmp_path):
    """One landmark, no moves: typed empty edge table, and both round trips still exact."""
    rows = [(f"u{i}", f"2024-06-0{i + 1} 10:00", 43.6426, -79.3871) for i in range(3)]
    landmarks, photos = find_landmarks(make_photos(rows), eps_m=50, min_samples=1, min_users=3)
    G = build_graph(landmarks, find_visits(photos))
    assert G.number_of_nodes() == 1 and G.number_of_edges() == 0
    nodes, edges = graph_to_gdfs(G)
    assert edges.empty and edges["n_trips"].dtype == "int64"
    assert nx.utils.graphs_equal(G, graph_from_gdfs(nodes, edges))
    assert nx.utils.graphs_equal(G, read_graphml(write_graphml(G, tmp_path / "g.graphml")))
