"""routeplan.evaluate: metrics, the baseline recommenders and the CIKM'16 leave-one-out protocol.

The real-data tests read ``../shared/data/tour`` and check their JSONL with the independent
``../shared/tools/score_tour.py`` (run as a subprocess; its metric functions are also imported by
path and compared with ours). Without those files the tests are skipped, except in CI (env
``CI`` set), where they fail.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import math
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from shared_data import SCORER, TOUR
from shared_data import need as _need

from routeplan import InputError
from routeplan import evaluate as ev
from routeplan.evaluate import (
    PopularityRecommender,
    TransitionRecommender,
    f1,
    leave_one_out,
    pairs_f1,
    summarise,
    write_jsonl,
)
from routeplan.nextstop import NextStopModel
from routeplan.tourdata import TourData, Trip, read_trajectories


@pytest.fixture(scope="module")
def osaka() -> TourData:
    """The CIKM'16 Osaka trips (1,115 trips, 47 queries, 27 POIs)."""
    return read_trajectories(_need(TOUR / "traj-Osak.csv"), _need(TOUR / "poi-Osak.csv"))


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    """score_tour.py imported by path (for its f1 / pairs_f1)."""
    spec = importlib.util.spec_from_file_location("score_tour", _need(SCORER))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score(traj: Path, jsonl: Path) -> tuple[int, float, float, str]:
    """Exit status, F1 and pairs-F1 that score_tour.py prints for a JSONL file."""
    done = subprocess.run(
        [sys.executable, str(_need(SCORER)), str(traj), str(jsonl)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"F1 ([\d.]+) pairs-F1 ([\d.]+)", done.stdout)
    assert match, done.stdout + done.stderr
    return done.returncode, float(match[1]), float(match[2]), done.stdout


def _trip(
    trip_id: str,
    user: str,
    pois: list[int],
    *,
    t0: float = 0.0,
    stay_s: float = 600.0,
    gap_s: float = 600.0,
) -> Trip:
    """A trip visiting ``pois`` in order: each visit ``stay_s`` long, ``gap_s`` between visits."""
    arrived = t0 + np.arange(len(pois)) * (stay_s + gap_s)
    return Trip(trip_id, user, tuple(pois), arrived, arrived + stay_s, np.ones(len(pois), int))


def _tour(trips: list[Trip], n_pois: int = 6) -> TourData:
    """POIs 10, 20, ... on a line of latitude, about 1.1 km apart, alternating two categories."""
    pois = pd.DataFrame(
        {
            "category": ["park" if i % 2 else "museum" for i in range(n_pois)],
            "lat": 34.6 + 0.01 * np.arange(n_pois),
            "lon": np.full(n_pois, 135.5),
            "name": [""] * n_pois,
        },
        index=pd.Index(10 * (np.arange(n_pois) + 1), name="poi_id"),
    )
    return TourData(pois=pois, trips=tuple(trips), source="trajectories")


# --- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("truth", "rec", "want_f1", "want_pairs"),
    [
        ([1, 2, 3], [1, 2, 3], 1.0, 1.0),  # identical
        ([1, 2, 3], [4, 5, 6], 0.0, 0.0),  # no overlap
        ([1, 2, 3], [3, 2, 1], 1.0, 0.0),  # same POIs, every pair reversed
        ([1, 2, 3], [1, 4, 3], 2 / 3, 1 / 3),  # 2 of 3 POIs; 1 of 3 pairs each way
        ([1, 2, 3, 4], [1, 3, 4], 6 / 7, 2 / 3),  # L̂ = 3 < L = 4: p = 1, r = 3/4 ; 3/3, 3/6
        ([1, 2, 3], [1, 5, 2, 6, 3], 0.75, 6 / 13),  # L̂ = 5: p = 3/5, r = 1; pairs 3/10, 3/3
        ([1, 2], [1, 2], 1.0, 1.0),  # length 2
        ([1, 2], [2, 1], 1.0, 0.0),
        ([1, 2, 3], [1], 0.5, 0.0),  # L̂ = 1: no pair, no division by zero
        ([1], [1, 2], 2 / 3, 0.0),  # L = 1
        ([], [], 0.0, 0.0),
    ],
)
def test_metrics_on_hand_computed_cases(truth, rec, want_f1, want_pairs):
    """F1 over POI sets and pairs-F1 over ordered pairs, start and end included."""
    assert f1(truth, rec) == pytest.approx(want_f1, abs=1e-12)
    assert pairs_f1(truth, rec) == pytest.approx(want_pairs, abs=1e-12)


def test_metrics_equal_score_tour_on_random_sequences(scorer):
    """Bit-for-bit the checker's f1 and pairs_f1 on 2,000 random pairs of sequences (lengths 1-8
    of 10 POIs, distinct or not)."""
    rng = np.random.default_rng(7)
    for _ in range(2000):
        distinct = rng.random() < 0.8
        n, m = rng.integers(1, 9, size=2)
        truth = rng.choice(10, size=n, replace=not distinct).tolist()
        rec = rng.choice(10, size=m, replace=not distinct).tolist()
        assert f1(truth, rec) == scorer.f1(truth, rec), (truth, rec)
        assert pairs_f1(truth, rec) == scorer.pairs_f1(truth, rec), (truth, rec)


# --- recommenders ------------------------------------------------------------------------------

# 6 POIs (indices) on a line, 1 km apart
KM6 = np.abs(np.subtract.outer(np.arange(6.0), np.arange(6.0)))


def test_popularity_counts_distinct_users_and_orders_by_distance():
    """Popularity = distinct users (u1 twice at 3 counts once): [1, 2, 1, 1, 3, 1]. The top L-2
    POIs other than start and end are visited in the order of least total km; ties of
    popularity go to the lower index."""
    trips = [[3, 1], [3, 4], [4, 1], [5, 4], [2, 0]]
    users = ["u1", "u1", "u2", "u3", "u4"]
    model = PopularityRecommender().fit(trips, users=users, km=KM6, categories=[0] * 6)
    assert model.popularity_.tolist() == [1, 2, 1, 1, 3, 1]
    # 0 → 5 with the two most popular others, 4 and 1: 0 1 4 5 (5 km) beats 0 4 1 5 (11 km)
    assert model.recommend(0, 5, n_places=4) == [0, 1, 4, 5]
    assert model.recommend(5, 0, n_places=4) == [5, 4, 1, 0]
    # 2 → 0 with 4 and 1: 2 4 1 0 (6 km) beats 2 1 4 0 (8 km), whatever the popularity order
    assert model.recommend(2, 0, n_places=4) == [2, 4, 1, 0]
    # 1 → 4 with one stop among 0, 2, 3, 5 (one user each): the lowest index, 0
    assert model.recommend(1, 4, n_places=3) == [1, 0, 4]
    assert model.recommend(2, 3, n_places=2) == [2, 3]
    with pytest.raises(InputError):
        model.recommend(0, 5, n_places=7)


def test_popularity_step_probabilities():
    """P(b | a) ∝ popularity[b], never back to the start nor onto itself; rows sum to 1."""
    model = PopularityRecommender().fit(
        [[0, 1], [1, 2], [2, 1]], users=["a", "b", "c"], km=KM6[:3, :3], categories=[0] * 3
    )
    P = model.step_probabilities(0, 2)  # popularity [1, 3, 2]
    np.testing.assert_allclose(P, [[0, 0.6, 0.4], [0, 0, 1], [0, 1, 0]])


def test_transitions_probabilities_and_best_path():
    """Counts 0→1 ×3, 1→2 ×3, 0→2 ×1, 2→3 ×1: P = (count + 0.1) / (row + 0.1 n); the best path
    of 4 POIs from 0 to 3 is 0 1 2 3 (log P summed), and of 3 POIs 0 2 3."""
    trips = [[0, 1, 2], [0, 1, 2], [0, 1, 2, 3], [0, 2]]
    model = TransitionRecommender().fit(
        trips, users=list("abcd"), km=KM6[:4, :4], categories=[0] * 4
    )
    assert model.counts_[0].tolist() == [0, 3, 1, 0]
    np.testing.assert_allclose(model.probabilities_[0], np.array([0.1, 3.1, 1.1, 0.1]) / 4.4)
    np.testing.assert_allclose(model.probabilities_[3], [0.25] * 4)  # never left 3: uniform
    assert model.recommend(0, 3, n_places=4) == [0, 1, 2, 3]
    assert model.recommend(0, 3, n_places=3) == [0, 2, 3]  # P(2|0) P(3|2) > P(1|0) P(3|1)
    P = model.step_probabilities(0, 3)
    assert np.all(np.diag(P) == 0) and np.all(P[:, 0] == 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[1, 2] / P[1, 3], 3.1 / 0.1)  # ratios kept by renormalising


def test_transitions_ignore_a_poi_followed_by_itself():
    """A repeated visit 1 1 is not a move: only 0→1 and 1→2 are counted."""
    model = TransitionRecommender().fit(
        [[0, 1, 1, 2]], users=["a"], km=KM6[:3, :3], categories=[0] * 3
    )
    assert model.counts_.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_methods_table_makes_unfitted_recommenders():
    """The three methods by name, each a fresh object."""
    assert set(ev.METHODS) == {"popularity", "transitions", "learned"}
    assert isinstance(ev.METHODS["learned"](), NextStopModel)
    assert ev.METHODS["popularity"]() is not ev.METHODS["popularity"]()


# --- leave-one-out on Osaka --------------------------------------------------------------------


@pytest.fixture(scope="module")
def osaka_baselines(osaka) -> pd.DataFrame:
    """Popularity and transitions, length protocol, every Osaka query."""
    return leave_one_out(osaka, methods=("popularity", "transitions"))


def test_osaka_every_query_answered_with_valid_trips(osaka, osaka_baselines):
    """47 queries a method, in trip order; the truth is the dataset's trip; each recommendation
    has L distinct POIs from the trip's start to its end."""
    res = osaka_baselines
    assert list(res.columns) == list(ev.RESULT_COLUMNS)
    assert res.attrs["skipped"] == 0
    trips = {t.trip_id: t for t in osaka.queries()}
    assert len(trips) == 47
    for method in ("popularity", "transitions"):
        part = res[res["method"] == method]
        assert part["trip_id"].tolist() == [t.trip_id for t in osaka.queries()]
        assert (part["protocol"] == "length").all() and part["budget_min"].isna().all()
    for row in res.itertuples():
        trip = trips[row.trip_id]
        assert row.truth == list(trip.pois) and row.user_id == trip.user_id
        assert row.L == len(trip.pois) == len(row.recommended) == len(set(row.recommended))
        assert (row.start, row.end) == (trip.pois[0], trip.pois[-1])
        assert row.recommended[0] == row.start and row.recommended[-1] == row.end
        assert set(row.recommended) <= set(osaka.pois.index)
        assert row.f1 == f1(row.truth, row.recommended)


def test_osaka_baselines_match_the_published_results(osaka_baselines):
    """PoiPopularity .663 / .365 and Markov .697 / .445 (CIKM'16, Osaka), within 0.02."""
    summary = summarise(osaka_baselines).set_index("method")
    assert summary.loc["popularity", "n"] == 47
    assert summary.loc["popularity", "f1_mean"] == pytest.approx(0.663, abs=0.02)
    assert summary.loc["popularity", "pairs_f1_mean"] == pytest.approx(0.365, abs=0.02)
    assert summary.loc["transitions", "f1_mean"] == pytest.approx(0.697, abs=0.02)
    assert summary.loc["transitions", "pairs_f1_mean"] == pytest.approx(0.445, abs=0.02)


def test_score_tour_accepts_the_jsonl_and_agrees(osaka_baselines, tmp_path):
    """The independent checker exits 0 on each method's JSONL and prints our means (3 dp)."""
    summary = summarise(osaka_baselines).set_index("method")
    for method in ("popularity", "transitions"):
        path = write_jsonl(
            osaka_baselines[osaka_baselines["method"] == method], tmp_path / f"{method}.jsonl"
        )
        status, f, p, out = _score(TOUR / "traj-Osak.csv", path)
        assert status == 0, out
        assert "queries 47/47 (missing 0, bad 0)" in out
        assert f"{f:.3f}" == f"{summary.loc[method, 'f1_mean']:.3f}"
        assert f"{p:.3f}" == f"{summary.loc[method, 'pairs_f1_mean']:.3f}"


def test_learned_on_a_subset(osaka, monkeypatch):
    """The learned model (a fixed penalty here, for speed) answers 5 queries with valid trips."""
    monkeypatch.setitem(ev.METHODS, "learned", lambda: NextStopModel(l2=10.0))
    ids = [t.trip_id for t in osaka.queries()[:5]]
    res = leave_one_out(osaka, methods=("learned",), trip_ids=ids)
    assert res["trip_id"].tolist() == ids and (res["method"] == "learned").all()
    for row in res.itertuples():
        assert len(row.recommended) == row.L == len(set(row.recommended))
        assert (row.recommended[0], row.recommended[-1]) == (row.start, row.end)
        assert 0 < row.f1 <= 1 and 0 <= row.pairs_f1 <= 1


def test_unknown_names_are_input_errors(osaka):
    """Unknown method, protocol or trip id, and a bad speed, are explained."""
    with pytest.raises(InputError, match=r"unknown method.*'rank'.*popularity"):
        leave_one_out(osaka, methods=("rank",))
    with pytest.raises(InputError, match="unknown protocol"):
        leave_one_out(osaka, methods=("popularity",), protocols=("time",))
    with pytest.raises(InputError, match="no trip 'nope'"):
        leave_one_out(osaka, methods=("popularity",), trip_ids=["nope"])
    with pytest.raises(InputError, match="speed_kmh"):
        leave_one_out(osaka, methods=("popularity",), speed_kmh=0)


# --- duration protocol -------------------------------------------------------------------------


def _route_minutes(data: TourData, trip_id: str, rec: list[int], speed_kmh: float) -> float:
    """Minutes of a route recomputed independently: mean stays of the *other* trips' visits at
    each stop (start and end included) + great-circle km at ``speed_kmh``."""
    index = data.poi_index()
    total, count = {}, {}
    for t in data.trips:
        if t.trip_id != trip_id:
            for p, s in zip(t.pois, t.visit_s, strict=True):
                total[p] = total.get(p, 0.0) + s
                count[p] = count.get(p, 0) + 1
    stays = sum(total.get(p, 0.0) / count[p] / 60 if p in count else 0.0 for p in rec)
    km = data.distance_km()
    legs = sum(km[index[a], index[b]] for a, b in itertools.pairwise(rec))
    return stays + legs / speed_kmh * 60


def test_duration_protocol_respects_the_budget(osaka):
    """Osaka queries with budgets of 0.4 to 300 min: every route (distinct POIs, start and end
    kept) of more than start and end fits the real trip's duration; the 24-second trip gets
    [start, end] (nothing fits)."""
    by_minutes = sorted(osaka.queries(), key=lambda t: t.duration_s)
    ids = [t.trip_id for t in by_minutes[:4]] + [by_minutes[12].trip_id]
    res = leave_one_out(
        osaka, methods=("popularity", "transitions"), protocols=("duration",), trip_ids=ids
    )
    assert len(res) == 10
    shortest = by_minutes[0]
    assert shortest.duration_s == 24
    for row in res.itertuples():
        trip = next(t for t in osaka.trips if t.trip_id == row.trip_id)
        assert row.budget_min == trip.duration_s / 60
        assert row.recommended[0] == row.start and row.recommended[-1] == row.end
        assert len(set(row.recommended)) == len(row.recommended) >= 2
        minutes = _route_minutes(osaka, row.trip_id, row.recommended, ev.DURATION_SPEED_KMH)
        if len(row.recommended) > 2:  # [start, end] is also the answer when nothing fits
            assert minutes <= row.budget_min + 1e-6
        if row.trip_id == shortest.trip_id:
            assert row.recommended == [row.start, row.end] and minutes > row.budget_min
    assert res["recommended"].map(len).max() >= 3  # some budgets hold a stop between


def test_duration_zero_minute_trip_gets_start_and_end():
    """A trip whose visits all have the same time (0 min): the recommendation is [start, end]
    for every method, though the models would fill any positive budget."""
    trips = [
        _trip("1", "a", [10, 30, 50], stay_s=0, gap_s=0),
        _trip("2", "b", [10, 20, 30, 40, 50]),
        _trip("3", "c", [20, 30, 40]),
    ]
    res = leave_one_out(
        _tour(trips), methods=("popularity", "transitions"), protocols=("duration",)
    )
    zero = res[res["trip_id"] == "1"]
    assert (zero["budget_min"] == 0).all() and len(zero) == 2
    assert zero["recommended"].tolist() == [[10, 50], [10, 50]]
    assert res[res["trip_id"] == "2"]["recommended"].map(len).min() > 2


def test_duration_on_made_up_trips_uses_speed_and_stays():
    """POIs 1.11 km apart, 10-min stays, query 10 → 40 with the real trip's 70 min: at 5 km/h the
    way alone takes 40.03 min + 20 min of stays, so no stop fits (10 more min); at 50 km/h the
    travel takes a tenth and several stops fit. Every route fits the budget."""
    trips = [
        _trip("1", "a", [10, 20, 30, 40], stay_s=600, gap_s=600),  # 4 visits, 70 min: the query
        _trip("2", "b", [10, 20, 30]),
        _trip("3", "c", [20, 30, 40]),
        _trip("4", "d", [10, 30]),
        _trip("5", "e", [50, 60]),
    ]
    data = _tour(trips)
    slow = leave_one_out(
        data, methods=("transitions",), protocols=("duration",), trip_ids=["1"]
    ).iloc[0]
    assert slow.budget_min == 70.0
    minutes = _route_minutes(data, "1", slow.recommended, 5.0)
    assert minutes <= 70.0 + 1e-9
    fast = leave_one_out(
        data, methods=("transitions",), protocols=("duration",), trip_ids=["1"], speed_kmh=50.0
    ).iloc[0]
    assert _route_minutes(data, "1", fast.recommended, 50.0) <= 70.0 + 1e-9
    assert len(fast.recommended) > len(slow.recommended)


# --- skipping, parallel runs, determinism ------------------------------------------------------


def test_trips_with_revisits_or_round_trips_are_skipped_and_counted(caplog):
    """Trip 2 revisits 20, trip 3 ends where it starts: both skipped (warning, attrs), the
    others answered; both still count as training trips."""
    trips = [
        _trip("1", "a", [10, 20, 30]),
        _trip("2", "b", [10, 20, 30, 20]),
        _trip("3", "c", [20, 30, 40, 20]),
        _trip("4", "d", [30, 40, 50]),
        _trip("5", "e", [10, 20]),
    ]
    with caplog.at_level(logging.WARNING, logger="routeplan.evaluate"):
        res = leave_one_out(_tour(trips), methods=("popularity", "transitions"))
    assert res.attrs["skipped"] == 2
    assert sorted(set(res["trip_id"])) == ["1", "4"]
    assert any("skipped 2 of 4 queries" in r.getMessage() for r in caplog.records)


def test_jobs_2_gives_the_same_dataframe_as_jobs_1(osaka):
    """Four queries, two methods, both protocols: a process pool changes nothing."""
    ids = [t.trip_id for t in osaka.queries()[10:14]]
    kwargs = {"methods": ("popularity", "transitions"), "protocols": ("length", "duration")}
    one = leave_one_out(osaka, trip_ids=ids, jobs=1, **kwargs)
    two = leave_one_out(osaka, trip_ids=ids, jobs=2, **kwargs)
    assert len(one) == 16
    assert one["method"].tolist() == ["popularity"] * 8 + ["transitions"] * 8
    assert one["protocol"].tolist()[:8] == ["length"] * 4 + ["duration"] * 4
    pd.testing.assert_frame_equal(one, two)


def test_results_are_deterministic_and_jsonl_bytes_too(tmp_path):
    """The same input twice: identical DataFrames and identical JSONL bytes."""
    trips = [
        _trip(str(i), f"u{i % 3}", p)
        for i, p in enumerate(
            [[10, 20, 30], [20, 30, 40, 50], [10, 30, 50], [40, 50, 60], [60, 10, 20, 30], [10, 20]]
        )
    ]
    data = _tour(trips)
    a = leave_one_out(data, methods=("popularity", "transitions"), protocols=("length",))
    b = leave_one_out(data, methods=("popularity", "transitions"), protocols=("length",))
    pd.testing.assert_frame_equal(a, b)
    pa, pb = write_jsonl(a, tmp_path / "a.jsonl"), write_jsonl(b, tmp_path / "b.jsonl")
    assert pa.read_bytes() == pb.read_bytes()


# --- summary and JSONL -------------------------------------------------------------------------


def _rows(method: str, protocol: str, scores: list[tuple[str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": method,
            "protocol": protocol,
            "trip_id": [t for t, _, _ in scores],
            "user_id": "u",
            "start": 1,
            "end": 3,
            "L": 3,
            "truth": [[1, 2, 3]] * len(scores),
            "recommended": [[1, 4, 3]] * len(scores),
            "f1": [f for _, f, _ in scores],
            "pairs_f1": [p for _, _, p in scores],
            "budget_min": 90.5 if protocol == "duration" else math.nan,
        }
    )


def test_summarise_population_std():
    """F1 1 and 0 → mean 0.5, std 0.5 (ddof=0); one row per (method, protocol), in order."""
    res = pd.concat(
        [
            _rows("transitions", "length", [("1", 1.0, 0.5), ("2", 0.0, 0.5)]),
            _rows("popularity", "length", [("1", 0.25, 0.0)]),
        ]
    )
    s = summarise(res)
    assert s.columns.tolist() == [
        "method",
        "protocol",
        "n",
        "f1_mean",
        "f1_std",
        "pairs_f1_mean",
        "pairs_f1_std",
    ]
    assert s[["method", "n"]].values.tolist() == [["transitions", 2], ["popularity", 1]]
    assert s.iloc[0][["f1_mean", "f1_std", "pairs_f1_mean", "pairs_f1_std"]].tolist() == [
        0.5,
        0.5,
        0.5,
        0.0,
    ]


def test_write_jsonl_sorts_and_types(tmp_path):
    """Lines sorted by method, protocol, then trip id numerically (9 before 10); POI ids ints;
    budget_min only for the duration protocol; score_tour's key names."""
    res = pd.concat(
        [
            _rows("transitions", "length", [("10", 1.0, 1.0), ("9", 0.5, 0.25)]),
            _rows("popularity", "duration", [("2", 0.5, 0.0)]),
            _rows("popularity", "length", [("x7", 0.5, 0.0)]),
        ]
    )
    path = write_jsonl(res, tmp_path / "q.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(q["method"], q["protocol"], q["trajID"]) for q in lines] == [
        ("popularity", "duration", 2),
        ("popularity", "length", "x7"),
        ("transitions", "length", 9),
        ("transitions", "length", 10),
    ]
    first = lines[0]
    assert list(first) == [
        "trajID",
        "user",
        "start",
        "end",
        "L",
        "truth",
        "recommended",
        "method",
        "protocol",
        "f1",
        "pairs_f1",
        "budget_min",
    ]
    assert first["budget_min"] == 90.5 and "budget_min" not in lines[1]
    assert first["truth"] == [1, 2, 3] and first["recommended"] == [1, 4, 3]
    assert isinstance(first["start"], int) and isinstance(first["f1"], float)


def test_duration_length_is_learned_from_trips_of_similar_duration():
    """Short training trips hold 3 POIs, long ones 5: a long budget aims at 5, a short at 3;
    the query trip itself never counts, and trips of fewer than 3 distinct POIs are ignored."""
    from types import SimpleNamespace

    short = [(0, 1, 2)] * 20
    long = [(0, 1, 2, 3, 4)] * 20
    pairs = [(0, 1)] * 30  # two POIs: not a reference
    trips = short + long + pairs
    minutes = [30.0] * 20 + [600.0] * 20 + [600.0] * 30
    ctx = SimpleNamespace(trips=tuple(trips), durations_min=tuple(minutes))
    assert ev._length_for_duration(ctx, -1, 25.0) == 3
    assert ev._length_for_duration(ctx, -1, 700.0) == 5
    # leaving out one long trip changes nothing; the rule never returns fewer than 3
    assert ev._length_for_duration(ctx, 25, 700.0) == 5
    assert (
        ev._length_for_duration(SimpleNamespace(trips=((0, 1),), durations_min=(5.0,)), -1, 5.0)
        == 3
    )
