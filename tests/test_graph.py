"""The transition graph built from visits."""

from __future__ import annotations

import networkx as nx
import pytest
from factories import make_photos

from routeplan.graph import build_graph, graph_from_gdfs, graph_to_gdfs
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
    G, lm = _graph(PLAN)
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
    G, lm = _graph(PLAN, min_edge_users=2)
    ids = dict(zip(lm["name"], lm["landmark_id"], strict=True))
    assert set(G.edges) == {(ids["Tower"], ids["Market"])}
    assert G.edges[ids["Tower"], ids["Market"]]["p"] == pytest.approx(1.0)


def test_gdf_round_trip_is_exact():
    G, _ = _graph(PLAN)
    nodes, edges = graph_to_gdfs(G)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    H = graph_from_gdfs(nodes, edges)
    assert nx.utils.graphs_equal(G, H)
    assert H.graph == G.graph
