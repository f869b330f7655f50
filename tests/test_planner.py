"""Tests of routeplan.planner: feasibility, places, schedule, optimality and errors."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from routeplan import BudgetTooShortError, InputError, UnknownPlaceError, ValidationError
from routeplan.itinerary import Itinerary
from routeplan.planner import (
    PlanningModel,
    lift_matrix,
    plan,
    resolve_place,
    route_score,
    solve_exact,
    solve_heuristic,
)

TZ = "Europe/Paris"
START = "2024-06-01 09:00"
WALK_KMH = 4.5
DETOUR = 1.3
ALPHA = 1.0
R_EARTH_M = 6_371_008.8


# --- helpers written independently of the planner --------------------------------------------


def random_graph(
    seed: int,
    n: int,
    *,
    edge_prob: float = 0.4,
    spread_deg: float = 0.02,
    tz: str = TZ,
) -> nx.DiGraph:
    """A random TransitionGraph per the data contract.

    ``n`` landmarks around central Paris (within ``spread_deg`` degrees), random stays and
    photographer counts; each ordered pair is an observed edge with probability ``edge_prob``,
    with random trip counts and a travel time between half and twice the walking estimate.
    """
    rng = np.random.default_rng(seed)
    G = nx.DiGraph(crs="EPSG:4326", tz=tz, params={"seed": seed})
    lat = 48.8566 + rng.uniform(-spread_deg, spread_deg, n)
    lon = 2.3522 + rng.uniform(-spread_deg, spread_deg, n)
    n_users = rng.integers(3, 60, n)
    for i in range(n):
        G.add_node(
            i,
            name=f"Place {i}",
            lat=float(lat[i]),
            lon=float(lon[i]),
            popularity=float(n_users[i] / n_users.max()),
            n_users=int(n_users[i]),
            n_photos=int(n_users[i] * 4),
            stay_min=float(rng.uniform(10, 80)),
            hourly=[1 / 24] * 24,
            monthly=[1 / 12] * 12,
        )
    for u in range(n):
        for v in range(n):
            if u != v and rng.random() < edge_prob:
                estimate = walk_minutes(lat[u], lon[u], lat[v], lon[v])
                trips = int(rng.integers(1, 30))
                G.add_edge(
                    u,
                    v,
                    n_trips=trips,
                    n_users=max(1, trips // 2),
                    travel_min=float(estimate * rng.uniform(0.5, 2.0)),
                    observed=True,
                )
    for u in range(n):
        total = sum(d["n_trips"] for d in G.adj[u].values())
        for d in G.adj[u].values():
            d["p"] = d["n_trips"] / total
    return G


MIN_OBSERVED_USERS = 2  # the documented default: one traveller's move is not trusted for its time


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (math module, independent of routeplan._geo)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_EARTH_M * math.asin(math.sqrt(a))


def walk_minutes(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Estimated walking minutes between two points (detour 1.3 at 4.5 km/h)."""
    return haversine(lat1, lon1, lat2, lon2) * DETOUR / (WALK_KMH * 1000 / 60)


class BruteForce:
    """Exhaustive optimum over all ordered subsets, with the documented objective re-derived.

    Places are landmark ids (int) or ("xy", lat, lon) tuples for coordinates.
    """

    def __init__(self, G: nx.DiGraph, *, weight: float) -> None:
        self.G = G
        self.weight = weight
        self.n = G.number_of_nodes()

    def pos(self, p):
        return (
            (p[1], p[2])
            if isinstance(p, tuple)
            else (
                self.G.nodes[p]["lat"],
                self.G.nodes[p]["lon"],
            )
        )

    def travel(self, a, b) -> float:
        if (
            not isinstance(a, tuple)
            and not isinstance(b, tuple)
            and self.G.has_edge(a, b)
            and self.G.edges[a, b]["n_users"] >= MIN_OBSERVED_USERS
        ):
            return self.G.edges[a, b]["travel_min"]
        return walk_minutes(*self.pos(a), *self.pos(b))

    def lift(self, a, b) -> float:
        if isinstance(a, tuple) or isinstance(b, tuple) or a == b:
            return 0.0
        out = sum(d["n_trips"] for d in self.G.adj[a].values())
        count = self.G.edges[a, b]["n_trips"] if self.G.has_edge(a, b) else 0
        p_hat = (count + ALPHA) / (out + ALPHA * (self.n - 1))
        return math.log(p_hat / (1 / (self.n - 1)))

    def evaluate(self, route: list, *, round_trip: bool) -> tuple[float, float]:
        """(minutes, score) of a full route; a round trip's last stop has no stay or value."""
        stays = [0.0 if isinstance(p, tuple) else self.G.nodes[p]["stay_min"] for p in route]
        values = [0.0 if isinstance(p, tuple) else self.G.nodes[p]["popularity"] for p in route]
        if round_trip:
            stays[-1] = values[-1] = 0.0
        minutes = sum(stays) + sum(self.travel(a, b) for a, b in itertools.pairwise(route))
        lifts = sum(self.lift(a, b) for a, b in itertools.pairwise(route))
        return minutes, sum(values) + self.weight * lifts

    def best(self, start, end, budget: float, max_stops: int | None = None) -> float:
        round_trip = end is not None and end == start
        fixed = {p for p in (start, end) if not isinstance(p, tuple) and p is not None}
        pool = [v for v in self.G.nodes if v not in fixed]
        tail = [] if end is None else [end]
        best = -math.inf
        for k in range(len(pool) + 1):
            if max_stops is not None and 1 + k + len(tail) != max_stops:
                continue
            for mid in itertools.permutations(pool, k):
                minutes, score = self.evaluate([start, *mid, *tail], round_trip=round_trip)
                if minutes <= budget + 1e-9:
                    best = max(best, score)
        return best


def place_of(spec):
    """Brute-force place for a plan() start/end spec."""
    return ("xy", *spec) if isinstance(spec, tuple) else spec


def check_schedule(it: Itinerary, G: nx.DiGraph, *, budget: float) -> None:
    """Assert the itinerary's times add up, fit the budget and visit no landmark twice."""
    tol = pd.Timedelta(microseconds=1)
    for i, leg in enumerate(it.legs):
        gap = it.stops[i + 1].arrive - it.stops[i].leave
        assert abs(gap - pd.Timedelta(minutes=leg.travel_min + leg.wait_min)) <= tol
        assert leg.wait_min >= 0
    for stop in it.stops:
        assert stop.leave >= stop.arrive
        assert str(stop.arrive.tz) == G.graph["tz"]
    assert it.total_min <= budget + 1e-6
    ids = it.landmark_ids
    round_trip = it.query["round_trip"]
    body = ids[:-1] if round_trip else ids
    assert len(body) == len(set(body))
    if round_trip:
        assert ids[-1] == ids[0]
        assert it.stops[-1].stay_min == 0


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def line_graph() -> nx.DiGraph:
    """Four landmarks ~1 km apart on a meridian; one observed move 0 → 1 of 5 min.

    Stays are 30 min each, popularities 1, 0.8, 0.6, 0.4.
    """
    G = nx.DiGraph(crs="EPSG:4326", tz=TZ, params={})
    names = ["Eiffel Tower", "Louvre Museum", "Notre Dame", "Sacre Coeur"]
    for i, name in enumerate(names):
        G.add_node(
            i,
            name=name,
            lat=48.85 + 0.009 * i,
            lon=2.35,
            popularity=1.0 - 0.2 * i,
            n_users=10 - 2 * i,
            n_photos=50,
            stay_min=30.0,
            hourly=[1 / 24] * 24,
            monthly=[1 / 12] * 12,
        )
    G.add_edge(0, 1, n_trips=4, n_users=3, travel_min=5.0, observed=True, p=1.0)
    return G


# --- behaviour --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_starts_where_asked_by_id_name_and_coordinates(line_graph, method):
    """The first stop is the start: a landmark by id or (loosely written) name, or a hotel."""
    by_id = plan(line_graph, start=2, start_time=START, method=method)[0]
    assert by_id.stops[0].landmark_id == 2
    assert by_id.stops[0].stay_min == pytest.approx(30.0)
    by_name = plan(line_graph, start="  louvre_MUSEUM ", start_time=START, method=method)[0]
    assert by_name.stops[0].landmark_id == 1
    hotel = plan(line_graph, start=(48.86, 2.36), start_time=START, method=method)[0]
    first = hotel.stops[0]
    assert first.landmark_id is None and first.name == "Start"
    assert (first.lat, first.lon) == (48.86, 2.36)
    assert first.stay_min == 0
    assert first.arrive == pd.Timestamp(START, tz=TZ)
    assert hotel.legs[0].observed is False
    as_string = plan(line_graph, start="48.86, 2.36", start_time=START, method=method)[0]
    assert as_string.stops == hotel.stops


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_ends_where_asked(line_graph, method):
    """A given end is the last stop (landmark or coordinates); the start again is a round trip."""
    kw = {"start_time": START, "method": method, "budget_min": 240}
    to_landmark = plan(line_graph, start=0, end="Sacre Coeur", **kw)[0]
    assert to_landmark.stops[-1].landmark_id == 3
    assert to_landmark.stops[-1].stay_min == pytest.approx(30.0)
    to_hotel = plan(line_graph, start=0, end=(48.84, 2.35), **kw)[0]
    assert to_hotel.stops[-1].landmark_id is None and to_hotel.stops[-1].name == "End"
    loop = plan(line_graph, start=1, end=1, **kw)[0]
    assert loop.query["round_trip"]
    assert loop.stops[0].landmark_id == loop.stops[-1].landmark_id == 1
    assert loop.stops[-1].stay_min == 0
    assert loop.landmark_ids[1:-1] and 1 not in loop.landmark_ids[1:-1]
    # the start's value counts once
    assert loop.score_parts["value"] == pytest.approx(
        sum(line_graph.nodes[i]["popularity"] for i in set(loop.landmark_ids))
    )
    for it in (to_landmark, to_hotel, loop):
        check_schedule(it, line_graph, budget=240)


def test_a_single_travellers_move_is_not_trusted_for_its_time(line_graph):
    """The observed 0 → 1 move of one person (5 min for 1 km) gives way to the walking estimate,
    unless min_observed_users allows it; its trips still count for the lift."""
    line_graph.edges[0, 1]["n_users"] = 1
    it = plan(line_graph, start=0, budget_min=600, start_time=START, method="exact")[0]
    assert not it.legs[0].observed
    assert it.legs[0].travel_min == pytest.approx(walk_minutes(48.85, 2.35, 48.859, 2.35))
    assert it.score_parts["transitions"] > 0
    it = plan(
        line_graph, start=0, budget_min=600, start_time=START, method="exact", min_observed_users=1
    )[0]
    assert it.legs[0].observed and it.legs[0].travel_min == 5.0


def test_observed_edge_time_used_else_estimate(line_graph):
    """Leg 0 → 1 takes the observed 5 min; other legs the walking estimate (≈ 21 min per km)."""
    it = plan(line_graph, start=0, budget_min=600, start_time=START, method="exact")[0]
    assert it.landmark_ids == [0, 1, 2, 3]
    first, second = it.legs[0], it.legs[1]
    assert first.observed and first.travel_min == 5.0
    assert not second.observed
    expected = walk_minutes(48.859, 2.35, 48.868, 2.35)
    assert second.travel_min == pytest.approx(expected, rel=1e-9)
    assert second.distance_m == pytest.approx(haversine(48.859, 2.35, 48.868, 2.35) * DETOUR)
    # the observed leg's distance is still the walking estimate
    assert first.distance_m == pytest.approx(haversine(48.85, 2.35, 48.859, 2.35) * DETOUR)
    assert it.stops[1].arrive == pd.Timestamp(START, tz=TZ) + pd.Timedelta(minutes=35)


def test_budget_and_max_stops_respected(line_graph):
    """A 100 min budget fits 2 stops (30 + 5 + 30 = 65, a third needs +51); max_stops is exact."""
    it = plan(line_graph, start=0, budget_min=100, start_time=START)[0]
    assert it.landmark_ids == [0, 1]
    assert it.total_min == pytest.approx(65.0)
    for method in ("exact", "heuristic"):
        for n in (2, 3):
            kw = {"budget_min": 600, "max_stops": n, "start_time": START, "method": method}
            assert len(plan(line_graph, start=0, **kw)[0]) == n
        # without a budget, max_stops alone bounds the plan
        free = plan(line_graph, start=0, budget_min=None, max_stops=4, method=method)[0]
        assert free.landmark_ids == [0, 1, 2, 3]
    # 100 minutes cannot hold 3 stops
    with pytest.raises(BudgetTooShortError, match="exactly 3 stops"):
        plan(line_graph, start=0, budget_min=100, max_stops=3, start_time=START)
    with pytest.raises(InputError, match="budget_min, max_stops"):
        plan(line_graph, start=0, budget_min=None)


def test_start_time_forms(line_graph):
    """HH:MM is today in the graph's zone; naive date-times are local; aware ones converted."""
    it = plan(line_graph, start=0, start_time="10:30")[0]
    today = pd.Timestamp.now(tz=TZ)
    assert (it.start_time.hour, it.start_time.minute) == (10, 30)
    assert it.start_time.date() in {today.date(), (today - pd.Timedelta(hours=1)).date()}
    aware = pd.Timestamp("2024-06-01 07:00", tz="UTC")
    assert plan(line_graph, start=0, start_time=aware)[0].start_time == aware
    assert plan(line_graph, start=0, start_time=aware)[0].start_time.hour == 9
    default = plan(line_graph, start=0)[0]
    assert (default.start_time.hour, default.start_time.minute) == (9, 0)
    with pytest.raises(InputError, match="start time"):
        plan(line_graph, start=0, start_time="25:00")


def test_score_parts_follow_objective(line_graph):
    """score = value + transitions, and equals route_score computed from the graph."""
    it = plan(line_graph, start=0, budget_min=600, start_time=START, transition_weight=0.3)[0]
    assert it.score == pytest.approx(sum(it.score_parts.values()))
    parts = route_score(line_graph, it.landmark_ids, transition_weight=0.3)
    assert parts == pytest.approx({k: it.score_parts[k] for k in ("value", "transitions")})
    assert it.score_parts["off_hours"] == 0
    # 0 → 1 is observed (4 trips) and so favoured: positive lift; 1 → 2 unobserved: lift 0
    lifts = lift_matrix(nx.to_numpy_array(line_graph, nodelist=range(4), weight="n_trips"))
    assert lifts[0, 1] == pytest.approx(math.log((4 + 1) / (4 + 3) * 3))
    assert lifts[0, 2] < 0 and lifts[1, 2] == 0


@pytest.mark.parametrize("seed", range(30))
def test_exact_equals_brute_force_and_heuristic_is_close(seed):
    """Exact == exhaustive optimum (to 1e-9) on small random graphs; heuristic within 3 %."""
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(5, 8))
    G = random_graph(seed, n, edge_prob=float(rng.uniform(0.2, 0.7)))
    weight = float(rng.choice([0.0, 0.05, 0.3]))
    hotel = (48.8566 + float(rng.uniform(-0.01, 0.01)), 2.3522 + float(rng.uniform(-0.01, 0.01)))
    start = hotel if seed % 3 == 0 else int(rng.integers(n))
    end = [None, start, int(rng.integers(n)), hotel][seed % 4]
    if end == start and isinstance(start, tuple):
        end = None
    if end is not None and not isinstance(end, tuple) and end == start and seed % 8 == 2:
        end = None
    budget = float(rng.uniform(60, 300))
    max_stops = int(rng.integers(2, 5)) if seed % 5 == 4 else None
    brute = BruteForce(G, weight=weight)
    optimum = brute.best(place_of(start), place_of(end), budget, max_stops)
    kw = {
        "start": start,
        "end": end,
        "budget_min": budget,
        "start_time": START,
        "transition_weight": weight,
        "max_stops": max_stops,
    }
    if optimum == -math.inf:
        with pytest.raises(BudgetTooShortError):
            plan(G, method="exact", **kw)
        return
    exact = plan(G, method="exact", **kw)[0]
    heuristic = plan(G, method="heuristic", **kw)[0]
    assert exact.query["optimal"]
    assert exact.score == pytest.approx(optimum, abs=1e-9)
    assert heuristic.score >= optimum - 0.03 * abs(optimum) - 1e-9
    # the exact solver alone, its bound fed by no incumbent, finds the optimum too
    model = PlanningModel(
        G,
        start=resolve_place(G, start),
        end=None if end is None else resolve_place(G, end),
    )
    problem = model.problem(budget_min=budget, transition_weight=weight, n_stops=max_stops)
    alone = solve_exact(problem)
    assert alone is not None and alone.score == pytest.approx(optimum, abs=1e-9)
    for it in (exact, heuristic):
        check_schedule(it, G, budget=budget)
        if max_stops is not None:
            assert len(it) == max_stops
        route = [
            it.stops[0].landmark_id if it.stops[0].landmark_id is not None else place_of(start)
        ]
        route += it.landmark_ids[1 if isinstance(route[0], int) else 0 :]
        if it.stops[-1].landmark_id is None and len(it) > 1:
            route.append(place_of(end))
        minutes, score = brute.evaluate(route, round_trip=it.query["round_trip"])
        assert minutes == pytest.approx(it.total_min, abs=1e-6)
        assert score == pytest.approx(it.score, abs=1e-9)


def test_large_graph_heuristic_returns_feasible_route():
    """150 landmarks over a ~4 km square: the heuristic plans a full day without breaking rules."""
    G = random_graph(7, 150, edge_prob=0.05, spread_deg=0.02)
    it = plan(G, start=(48.8566, 2.3522), budget_min=480, start_time=START)[0]
    assert it.query["method"] == "heuristic"
    assert len(it) > 5
    check_schedule(it, G, budget=480)


def test_deterministic(line_graph):
    """The same input and seed give the same itinerary, also on a larger random graph."""
    G = random_graph(3, 60, edge_prob=0.1)
    kw = {"start": 5, "end": 5, "budget_min": 300, "start_time": START, "seed": 4}
    first = plan(G, method="heuristic", **kw)[0]
    assert plan(G, method="heuristic", **kw)[0] == first
    assert plan(G.copy(), method="heuristic", **kw)[0] == first


# --- errors -----------------------------------------------------------------------------------


def test_budget_too_short_says_what_is_needed(line_graph):
    """The start alone needs its 30 min stay; start → end needs stays and travel."""
    with pytest.raises(BudgetTooShortError, match="30"):
        plan(line_graph, start=0, budget_min=20)
    with pytest.raises(BudgetTooShortError, match=r"budget_min >= 65"):
        plan(line_graph, start=0, end=1, budget_min=64)


def test_unknown_place_suggests_close_names(line_graph):
    """A misspelt name lists the close names; an unknown id says it is not in the graph."""
    with pytest.raises(UnknownPlaceError, match="Louvre Museum"):
        plan(line_graph, start="Louvre Musem")
    with pytest.raises(UnknownPlaceError, match="99"):
        resolve_place(line_graph, 99)
    with pytest.raises(UnknownPlaceError, match="close names: 'Louvre Museum'"):
        plan(line_graph, start=0, end="Colosseum")
    # nothing close: the most popular landmarks are listed instead
    with pytest.raises(UnknownPlaceError, match="popular landmarks are: 'Eiffel Tower'"):
        plan(line_graph, start="xyz")


@pytest.mark.parametrize(
    "spec", [(91.0, 2.0), (48.0, 181.0), "48.8, nan", (float("inf"), 0.0), (1.0, 2.0, 3.0)]
)
def test_invalid_coordinates(line_graph, spec):
    """Out-of-range or non-finite coordinates are InputErrors, not UnknownPlaceErrors."""
    with pytest.raises(InputError, match="coordinates") as err:
        plan(line_graph, start=spec)
    assert not isinstance(err.value, UnknownPlaceError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"budget_min": 0}, "budget_min"),
        ({"budget_min": -10}, "budget_min"),
        ({"budget_min": float("nan")}, "budget_min"),
        ({"speed_kmh": 0}, "speed_kmh"),
        ({"mode": "teleport"}, "mode"),
        ({"alive": "sometimes"}, "alive"),
        ({"days": 0}, "days"),
        ({"alternatives": 1.5}, "alternatives"),
        ({"off_hours_penalty": 2}, "off_hours_penalty"),
        ({"themes": {"museum": -1}}, "themes"),
        ({"must_visit": [(48.85, 2.35)]}, "must_visit"),
        ({"must_visit": [1], "avoid": ["Louvre Museum"]}, "both"),
        ({"avoid": [0]}, "cannot be avoided"),
        ({"method": "fast"}, "method"),
        ({"max_stops": 0}, "max_stops"),
        ({"end": 1, "max_stops": 1}, "max_stops"),
    ],
)
def test_invalid_options(line_graph, kwargs, match):
    """Bad options fail early with an InputError naming the option."""
    with pytest.raises(InputError, match=match):
        plan(line_graph, start=0, **kwargs)


def test_empty_and_invalid_graphs(line_graph):
    """No landmarks, or nodes without the planner's attributes, are clear errors."""
    with pytest.raises(InputError, match="no landmarks"):
        plan(nx.DiGraph(tz=TZ), start=(48.85, 2.35))
    del line_graph.nodes[2]["stay_min"]
    with pytest.raises(ValidationError, match="stay_min"):
        plan(line_graph, start=0)


def test_pruning_keeps_only_reachable_landmarks(line_graph):
    """With 70 min from landmark 0, only landmark 1 (5 min away) can follow; 2 and 3 are pruned."""
    model = PlanningModel(line_graph, start=resolve_place(line_graph, 0), end=None)
    problem = model.problem(budget_min=70, transition_weight=0.05)
    assert problem.n_candidates == 1
    assert problem.places.tolist() == [0, 1]
    solution = solve_exact(problem, incumbent=solve_heuristic(problem))
    assert solution is not None and solution.mid == (1,)


def test_quick_observed_detour_beats_slow_direct_walk():
    """A → C is a 100 min walk, but travellers go A → B → C in 1 + 1 min (B stays 10 min).

    With 75 min the only feasible route is A, B, C (30 + 1 + 10 + 1 + 30 = 72 min); the budget
    check must use that quickest way, not the direct walk.
    """
    G = nx.DiGraph(crs="EPSG:4326", tz=TZ, params={})
    for i, (lat, stay) in enumerate([(48.80, 30.0), (48.83, 10.0), (48.86, 30.0)]):
        G.add_node(
            i,
            name="ABC"[i],
            lat=lat,
            lon=2.35,
            popularity=0.5,
            n_users=5,
            n_photos=9,
            stay_min=stay,
            hourly=[1 / 24] * 24,
            monthly=[1 / 12] * 12,
        )
    G.add_edge(0, 1, n_trips=3, n_users=3, travel_min=1.0, observed=True, p=1.0)
    G.add_edge(1, 2, n_trips=3, n_users=3, travel_min=1.0, observed=True, p=1.0)
    assert walk_minutes(48.80, 2.35, 48.86, 2.35) > 100
    for method in ("exact", "heuristic"):
        it = plan(G, start="A", end="C", budget_min=75, start_time=START, method=method)[0]
        assert it.landmark_ids == [0, 1, 2]
        assert [leg.observed for leg in it.legs] == [True, True]
        assert it.total_min == pytest.approx(72.0)
    with pytest.raises(BudgetTooShortError, match="budget_min >= 72"):
        plan(G, start="A", end="C", budget_min=71)
