"""Tests of plan()'s options: days, alternatives, must-visit/avoid, themes, season, alive hours,
transport modes and re-planning."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from test_planner import START, TZ, check_schedule, random_graph, walk_minutes

from routeplan import BudgetTooShortError, InputError
from routeplan.planner import alive_hours, landmark_values, plan, replan


def hours(*alive: int) -> list[float]:
    """An hourly profile with equal shares in the given local hours."""
    out = [0.0] * 24
    for h in alive:
        out[h] = 1.0 / len(alive)
    return out


@pytest.fixture
def grid_graph() -> nx.DiGraph:
    """Nine landmarks on a 3 × 3 grid ~500 m apart (stays 20 min), no observed moves.

    Popularity falls with the id: 1.0, 0.9, ..., 0.2.
    """
    G = nx.DiGraph(crs="EPSG:4326", tz=TZ, params={})
    for i in range(9):
        G.add_node(
            i,
            name=f"P{i}",
            lat=48.85 + 0.0045 * (i // 3),
            lon=2.35 + 0.0068 * (i % 3),
            popularity=1.0 - 0.1 * i,
            n_users=20 - i,
            n_photos=80,
            stay_min=20.0,
            hourly=[1 / 24] * 24,
            monthly=[1 / 12] * 12,
        )
    return G


# --- value: themes and season ---------------------------------------------------------------


def test_landmark_values_themes_and_season():
    """Themes multiply by the largest matching weight; the season factor follows the docstring."""
    nodes = [
        {"popularity": 0.5, "theme": "Museum", "monthly": [1 / 12] * 12},
        {"popularity": 0.5, "tags": "park, garden", "monthly": [0.5] + [0.5 / 11] * 11},
        {"popularity": 0.5, "tags": ["museum", "park"], "monthly": [0.0] * 12},
        {"popularity": 0.5},
    ]
    got = landmark_values(nodes, themes={"museum": 2, "PARK": 0.5}, month=None)
    assert got.tolist() == [1.0, 0.25, 1.0, 0.5]
    seasonal = landmark_values(nodes, month=1, season_weight=1.0)
    # uniform: factor 1; half the photos in January: (6 + 1) / 2; no profile (all 0): 1
    assert seasonal.tolist() == pytest.approx([0.5, 0.5 * 3.5, 0.5, 0.5])
    july = landmark_values(nodes, month=7, season_weight=0.5)
    assert july[1] == pytest.approx(0.5 * math.sqrt((12 * 0.5 / 11 + 1) / 2))


def test_themes_change_the_route(grid_graph):
    """With one stop to spare, a heavily weighted theme wins over raw popularity."""
    grid_graph.nodes[8]["theme"] = "museum"
    kw = {"start": 4, "max_stops": 2, "budget_min": 600, "start_time": START}
    plain = plan(grid_graph, **kw)[0]
    assert plain.landmark_ids[1] != 8
    themed = plan(grid_graph, themes={"museum": 10}, **kw)[0]
    assert themed.landmark_ids == [4, 8]
    assert themed.score_parts["value"] == pytest.approx(0.6 + 10 * 0.2)


def test_season_prefers_landmarks_photographed_in_the_month(grid_graph):
    """A landmark photographed only in December is worth more in December than in June."""
    grid_graph.nodes[8]["monthly"] = [0.0] * 11 + [1.0]
    kw = {"start": 4, "max_stops": 2, "budget_min": 600, "season_weight": 1.0}
    june = plan(grid_graph, start_time="2024-06-01 09:00", **kw)[0]
    december = plan(grid_graph, start_time="2024-12-01 09:00", **kw)[0]
    assert 8 not in june.landmark_ids
    assert december.landmark_ids == [4, 8]


# --- alive hours --------------------------------------------------------------------------------


def test_alive_hours_profile():
    """Hours with photos and their neighbours are alive; no profile means always alive."""
    alive = alive_hours(hours(14))
    assert np.flatnonzero(alive).tolist() == [13, 14, 15]
    assert alive_hours(None).all() and alive_hours([0.0] * 24).all()
    wrap = alive_hours(hours(23))
    assert np.flatnonzero(wrap).tolist() == [0, 22, 23]


def test_hard_alive_hours_wait_for_opening(grid_graph):
    """A must-visit landmark alive only 13:00-16:00 is visited then, not in the morning."""
    grid_graph.nodes[1]["hourly"] = hours(14)
    kw = {"start": 0, "budget_min": 420, "start_time": START, "must_visit": [1]}
    for method in ("exact", "heuristic"):
        it = plan(grid_graph, alive="hard", method=method, **kw)[0]
        visit = next(s for s in it.stops if s.landmark_id == 1)
        assert 13 <= visit.arrive.hour < 16
        assert not any(s.off_hours for s in it.stops)
        check_schedule(it, grid_graph, budget=420)
    # a 2-hour day from 09:00 cannot reach 13:00
    with pytest.raises(BudgetTooShortError, match="alive"):
        plan(grid_graph, start=0, budget_min=120, start_time=START, must_visit=[1], alive="hard")


def test_soft_alive_hours_cost_value(grid_graph):
    """Soft: an off-hours visit is allowed, flagged, and costs the penalty share of its value."""
    for node in grid_graph.nodes:
        if node != 0:
            grid_graph.nodes[node]["hourly"] = hours(20)
    it = plan(
        grid_graph,
        start=0,
        budget_min=120,
        start_time=START,
        alive="soft",
        off_hours_penalty=0.25,
        max_stops=3,
    )[0]
    off = [s for s in it.stops[1:] if s.off_hours]
    assert len(off) == 2
    lost = 0.25 * sum(grid_graph.nodes[s.landmark_id]["popularity"] for s in off)
    assert it.score_parts["off_hours"] == pytest.approx(-lost)
    assert it.score == pytest.approx(sum(it.score_parts.values()))
    ignored = plan(grid_graph, start=0, budget_min=120, start_time=START, alive="off", max_stops=3)
    assert ignored[0].score_parts["off_hours"] == 0
    assert not any(s.off_hours for s in ignored[0].stops)


# --- modes --------------------------------------------------------------------------------------


def test_transport_modes(grid_graph):
    """Transit and driving use their speed, detour and per-leg overhead; walking the default."""
    a, b = grid_graph.nodes[0], grid_graph.nodes[8]
    walk = plan(grid_graph, start=0, end=8, budget_min=600, max_stops=2, start_time=START)[0]
    assert walk.legs[0].travel_min == pytest.approx(
        walk_minutes(a["lat"], a["lon"], b["lat"], b["lon"])
    )
    transit = plan(
        grid_graph, start=0, end=8, budget_min=600, max_stops=2, start_time=START, mode="transit"
    )[0]
    metres = walk.legs[0].distance_m / 1.3
    assert transit.legs[0].travel_min == pytest.approx(metres * 1.4 / (18_000 / 60) + 8.0)
    fast = plan(
        grid_graph, start=0, end=8, budget_min=600, max_stops=2, mode="drive", speed_kmh=60
    )[0]
    assert fast.legs[0].travel_min == pytest.approx(metres * 1.4 / 1000 + 6.0)


def test_observed_times_with_faster_modes(grid_graph):
    """Driving takes an observed time only when it is quicker than the drive estimate."""
    grid_graph.add_edge(0, 8, n_trips=5, n_users=5, travel_min=1.0, observed=True, p=1.0)
    grid_graph.add_edge(8, 0, n_trips=5, n_users=5, travel_min=90.0, observed=True, p=1.0)
    kw = {"budget_min": 600, "max_stops": 2, "start_time": START, "mode": "drive"}
    there = plan(grid_graph, start=0, end=8, **kw)[0]
    back = plan(grid_graph, start=8, end=0, **kw)[0]
    assert there.legs[0].observed and there.legs[0].travel_min == 1.0
    assert not back.legs[0].observed and back.legs[0].travel_min < 90.0


# --- must-visit and avoid -----------------------------------------------------------------------


def test_must_visit_and_avoid(grid_graph):
    """A must-visit landmark is in the plan although unpopular; an avoided one never is."""
    kw = {"start": 0, "budget_min": 150, "start_time": START}
    base = plan(grid_graph, **kw)[0]
    assert 8 not in base.landmark_ids and 1 in base.landmark_ids
    for method in ("exact", "heuristic"):
        it = plan(grid_graph, must_visit=["P8"], avoid=[1], method=method, **kw)[0]
        assert 8 in it.landmark_ids and 1 not in it.landmark_ids
        check_schedule(it, grid_graph, budget=150)
    with pytest.raises(BudgetTooShortError, match="P8"):
        plan(grid_graph, start=0, budget_min=40, must_visit=[8])


# --- days and alternatives ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_days_never_repeat_a_landmark(method):
    """Three days from a hotel: each day starts there at 09:00, fits the budget, returns, and no
    landmark is visited on two days."""
    G = random_graph(11, 25, edge_prob=0.15)
    hotel = (48.8566, 2.3522)
    its = plan(G, start=hotel, budget_min=180, start_time=START, days=3, method=method)
    assert [it.query["day"] for it in its] == [1, 2, 3]
    seen = [lid for it in its for lid in it.landmark_ids]
    assert len(seen) == len(set(seen))
    first = pd.Timestamp(START, tz=TZ)
    for d, it in enumerate(its):
        assert it.start_time == first + pd.DateOffset(days=d)
        assert (it.stops[0].lat, it.stops[0].lon) == hotel
        assert (it.stops[-1].lat, it.stops[-1].lon) == hotel
        assert len(it.landmark_ids) >= 1
        check_schedule(it, G, budget=180)
    assert its[0].query["plan_score"] == pytest.approx(sum(it.score for it in its))
    # one day alone cannot score more than the best day of the plan... but the plan beats it
    single = plan(G, start=hotel, end=hotel, budget_min=180, start_time=START, method=method)[0]
    assert its[0].query["plan_score"] > single.score


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_alternatives_differ_by_a_third(method):
    """Each alternative shares at most two thirds of the stops of every earlier one, and they come
    in order of score."""
    G = random_graph(5, 20, edge_prob=0.2)
    its = plan(G, start=0, budget_min=200, start_time=START, alternatives=3, method=method)
    assert [it.query["alternative"] for it in its] == [0, 1, 2]
    for i in range(3):
        for j in range(i):
            earlier, later = set(its[j].landmark_ids), set(its[i].landmark_ids)
            assert len(earlier - later) >= math.ceil(len(its[j]) / 3)
    scores = [it.score for it in its]
    assert scores[0] >= scores[1] - 1e-9 and scores[1] >= scores[2] - 1e-9


def test_alternatives_run_out_gracefully(grid_graph):
    """When too few landmarks fit for another different plan, fewer plans come back."""
    its = plan(grid_graph, start=0, budget_min=45, alternatives=5, start_time=START)
    assert 1 <= len(its) < 5


# --- re-planning --------------------------------------------------------------------------------


def test_replan_pins_and_removes(grid_graph):
    """Removing a stop replaces it and keeps the others; pinning keeps a chosen stop."""
    [it] = plan(grid_graph, start=4, budget_min=150, start_time=START)
    kept = it.landmark_ids[1:]
    gone = kept[0]
    [again] = replan(it, grid_graph, remove=[gone])
    assert gone not in again.landmark_ids
    assert set(kept[1:]) <= set(again.landmark_ids)
    assert again.start_time == it.start_time
    [pinned] = replan(it, grid_graph, pin=[8], budget_min=200)
    assert 8 in pinned.landmark_ids
    assert pinned.query["request"]["budget_min"] == 200
    with pytest.raises(InputError, match="replan"):
        replan([], grid_graph)


def test_days_with_landmark_start_count_its_value_once(grid_graph):
    """Two round trips from landmark 4: its value counts on day 1 only."""
    its = plan(grid_graph, start=4, budget_min=120, days=2, start_time=START)
    assert all(it.landmark_ids[0] == 4 == it.landmark_ids[-1] for it in its)
    day2_value = sum(grid_graph.nodes[i]["popularity"] for i in its[1].landmark_ids[1:-1])
    assert its[1].score_parts["value"] == pytest.approx(day2_value)


def test_stays_override_the_typical_stay(grid_graph):
    """A given stay replaces the landmark's typical one, by id or name; it must be >= 0."""
    kw = {"start": 0, "end": 1, "max_stops": 2, "budget_min": 600, "start_time": START}
    base = plan(grid_graph, **kw)[0]
    longer = plan(grid_graph, stays={"P0": 95, 1: 5}, **kw)[0]
    assert [s.stay_min for s in base.stops] == pytest.approx([20, 20])
    assert [s.stay_min for s in longer.stops] == pytest.approx([95, 5])
    assert longer.total_min == pytest.approx(base.total_min + 75 - 15)
    with pytest.raises(InputError, match="stays"):
        plan(grid_graph, stays={"P0": -5}, **kw)
    # a long stay at the only must-visit stop no longer fits a short day
    with pytest.raises(BudgetTooShortError):
        plan(grid_graph, start=0, budget_min=60, must_visit=[4], stays={4: 200})
