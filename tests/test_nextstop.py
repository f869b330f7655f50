"""routeplan.nextstop: exact path decoding, the F1 metrics, leave-one-trip-out counts, the learned
next-stop model, and plan(next_stop=...).

The real Osaka trips live at ``../shared/data/tour`` and the independent scorer at
``../shared/tools/score_tour.py`` (both from the repository root). Without them the tests that
need them are skipped, except in CI (env ``CI`` set), where they fail.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
from types import ModuleType

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shared_data import SCORER, TOUR
from shared_data import missing as _missing
from test_planner import START, TZ, check_schedule

from routeplan import InputError
from routeplan import nextstop as ns
from routeplan.nextstop import (
    FEATURE_NAMES,
    FORBIDDEN,
    NextStopModel,
    TripCounts,
    decode_path,
    f1_score,
    pairs_f1,
)
from routeplan.planner import plan, replan
from routeplan.tourdata import TourData, Trip, read_trajectories

# --- decode_path ---------------------------------------------------------------------------------


def path_score(W: np.ndarray, path: list[int]) -> float:
    return float(sum(W[a, b] for a, b in itertools.pairwise(path)))


def brute_force(W: np.ndarray, start: int, end: int, n_places: int) -> float | None:
    """Best score over every path of ``n_places`` distinct places from start to end that takes
    no forbidden step (itertools.permutations); None when there is none."""
    mids = [x for x in range(len(W)) if x not in (start, end)]
    best = None
    for mid in itertools.permutations(mids, n_places - 2):
        path = [start, *mid, end]
        if any(W[a, b] <= FORBIDDEN / 2 for a, b in itertools.pairwise(path)):
            continue
        score = path_score(W, path)
        if best is None or score > best:
            best = score
    return best


def check_path(W: np.ndarray, path: list[int], start: int, end: int, n_places: int) -> None:
    assert len(path) == n_places
    assert len(set(path)) == n_places
    assert path[0] == start and path[-1] == end
    assert all(W[a, b] > FORBIDDEN / 2 for a, b in itertools.pairwise(path))


def test_decode_path_equals_brute_force_on_random_matrices():
    """On 300 random matrices (3..8 places, random length, ~25% forbidden steps, continuous
    scores so ties are rare) the decoded path is valid and scores the brute-force best; when
    brute force finds no path, decode_path raises InputError."""
    rng = np.random.default_rng(2016)
    solved = impossible = 0
    for _ in range(300):
        n = int(rng.integers(3, 9))
        W = rng.normal(size=(n, n))
        W[rng.random((n, n)) < 0.25] = FORBIDDEN
        start, end = (int(x) for x in rng.choice(n, size=2, replace=False))
        L = int(rng.integers(2, n + 1))
        best = brute_force(W, start, end, L)
        if best is None:
            impossible += 1
            with pytest.raises(InputError):
                decode_path(W, start, end, n_places=L)
            continue
        solved += 1
        path = decode_path(W, start, end, n_places=L)
        check_path(W, path, start, end, L)
        assert path_score(W, path) == pytest.approx(best, abs=1e-9)
    assert solved > 200 and impossible > 5  # both branches exercised


def test_decode_path_long_paths_equal_brute_force():
    """Full-length paths (L == n, n = 7 and 8) with no forbidden step: the hardest searches."""
    rng = np.random.default_rng(7)
    for n in (7, 8, 8, 8):
        W = rng.uniform(-1, 1, size=(n, n))
        path = decode_path(W, 0, n - 1, n_places=n)
        check_path(W, path, 0, n - 1, n)
        assert path_score(W, path) == pytest.approx(brute_force(W, 0, n - 1, n), abs=1e-9)


def test_decode_path_length_two_and_one():
    """L == 2 is the direct step (raises when it is forbidden); L == 1 with start == end is the
    single place."""
    W = np.zeros((4, 4))
    assert decode_path(W, 2, 0, n_places=2) == [2, 0]
    W[2, 0] = FORBIDDEN
    with pytest.raises(InputError, match="forbidden"):
        decode_path(W, 2, 0, n_places=2)
    assert decode_path(W, 1, 1, n_places=1) == [1]


@pytest.mark.parametrize(
    ("n", "start", "end", "L"),
    [
        (3, 0, 2, 4),  # more places than exist
        (5, 0, 4, 6),
        (4, 1, 1, 3),  # start == end with L > 1
        (4, 1, 1, 2),
        (4, 0, 3, 1),  # L < 2 with distinct start and end
    ],
)
def test_decode_path_impossible_lengths(n, start, end, L):
    """Lengths that no path of distinct places can have raise InputError."""
    with pytest.raises(InputError):
        decode_path(np.zeros((n, n)), start, end, n_places=L)


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (0, 5), (0, -5), (4, -1)])
def test_decode_path_rejects_places_out_of_range(start, end):
    """Start and end must be indices 0..n-1: a negative one would silently wrap around (-1 is
    place 4, so 4 → -1 would "end" where it started) and a too large one is not a place."""
    W = np.random.default_rng(0).normal(size=(5, 5))
    with pytest.raises(InputError):
        decode_path(W, start, end, n_places=3)


def test_decode_path_every_path_forbidden():
    """No step into the end, or only walks that revisit a place (which pass the relaxation's
    bound but are not paths): InputError, not a wrong path."""
    W = np.zeros((5, 5))
    W[:, 4] = FORBIDDEN
    with pytest.raises(InputError, match="no path"):
        decode_path(W, 0, 4, n_places=3)
    # only 0 → 1, 1 → 1 and 1 → 3 allowed: the walk 0 1 1 3 exists, the path of 4 does not
    W = np.full((4, 4), FORBIDDEN)
    W[0, 1] = W[1, 1] = W[1, 3] = 1.0
    with pytest.raises(InputError, match="no path"):
        decode_path(W, 0, 3, n_places=4)
    assert decode_path(W, 0, 3, n_places=3) == [0, 1, 3]


def test_decode_path_is_deterministic_on_ties():
    """A matrix full of ties (small integers) gives the same path every time, and the best."""
    rng = np.random.default_rng(3)
    W = rng.integers(0, 2, size=(8, 8)).astype(float)
    paths = [decode_path(W.copy(), 1, 6, n_places=6) for _ in range(3)]
    assert paths[0] == paths[1] == paths[2]
    assert path_score(W, paths[0]) == brute_force(W, 1, 6, 6)


def greedy_path(W: np.ndarray, start: int, end: int, n_places: int) -> list[int] | None:
    """Best allowed unvisited next place at every step, then the end (None when stuck)."""
    path = [start]
    for _ in range(n_places - 2):
        free = [x for x in range(len(W)) if x not in path and x != end]
        allowed = [x for x in free if W[path[-1], x] > FORBIDDEN / 2]
        if not allowed:
            return None
        path.append(max(allowed, key=lambda x: W[path[-1], x]))
    return [*path, end] if W[path[-1], end] > FORBIDDEN / 2 else None


def test_decode_path_29_places_13_stops():
    """A 13-place path among 29 random places is decoded (no time limit asserted) and scores at
    least as well as the greedy path."""
    rng = np.random.default_rng(29)
    W = rng.normal(size=(29, 29))
    W[rng.random((29, 29)) < 0.1] = FORBIDDEN
    W[:, 28] = np.abs(W[:, 28])  # every place may step into the end
    path = decode_path(W, 0, 28, n_places=13)
    check_path(W, path, 0, 28, 13)
    greedy = greedy_path(W, 0, 28, 13)
    assert greedy is not None
    assert path_score(W, path) >= path_score(W, greedy) - 1e-9


# --- F1 and pairs-F1 -----------------------------------------------------------------------------


def test_f1_hand_cases():
    """F1 on the places (start and end included), pairs-F1 on ordered pairs."""
    assert f1_score([1, 2, 3], [1, 2, 3]) == 1.0
    assert f1_score([1, 2, 3], [1, 4, 3]) == pytest.approx(2 / 3)
    assert f1_score([1, 2], [3, 4]) == 0.0
    # 3 of 4 places recommended, 3 of 3 right: p = 1, r = 3/4
    assert f1_score([1, 2, 3, 4], [1, 2, 4]) == pytest.approx(2 * 0.75 / 1.75)
    assert pairs_f1([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    # 1 3 2 4: every pair but (3, 2) in the right order: 5 of 6 both ways
    assert pairs_f1([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(5 / 6)
    assert pairs_f1([1, 2, 3], [3, 2, 1]) == 0.0
    # recommendation 1 2 5: one right pair of 3; truth 1 2 3 4: 1 of 6
    assert pairs_f1([1, 2, 3, 4], [1, 2, 5]) == pytest.approx(2 * (1 / 3) * (1 / 6) / (1 / 2))
    assert pairs_f1([1], [1]) == 0.0 and pairs_f1([1, 2], [1]) == 0.0


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    """../shared/tools/score_tour.py, loaded as a module (its main() is not run)."""
    if not SCORER.is_file():
        _missing(f"the independent scorer is not at {SCORER}")
    spec = importlib.util.spec_from_file_location("score_tour", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_f1_equals_the_independent_scorer(scorer):
    """On 500 random truth/recommendation pairs (truths may revisit a place) both metrics equal
    score_tour.py's f1 and pairs_f1."""
    rng = np.random.default_rng(11)
    nonzero = 0
    for _ in range(500):
        truth = rng.integers(0, 9, size=int(rng.integers(1, 9))).tolist()
        rec = rng.choice(9, size=int(rng.integers(1, 9)), replace=False).tolist()
        assert f1_score(truth, rec) == pytest.approx(scorer.f1(truth, rec), abs=1e-12)
        assert pairs_f1(truth, rec) == pytest.approx(scorer.pairs_f1(truth, rec), abs=1e-12)
        nonzero += pairs_f1(truth, rec) > 0
    assert nonzero > 100


# --- TripCounts ----------------------------------------------------------------------------------

COUNT_ARRAYS = ("direct", "later", "stay_count", "visitors", "common_users")


def random_counts_input(seed: int) -> tuple[list, list, list, np.ndarray]:
    """40 trips of 1..6 visits over 7 places (revisits allowed) by 8 users, random stays; user
    "solo" has exactly one trip (trip 0), the others several."""
    rng = np.random.default_rng(seed)
    trips = [rng.integers(0, 7, size=int(rng.integers(1, 7))).tolist() for _ in range(40)]
    users = ["solo"] + [f"u{int(k)}" for k in rng.integers(0, 7, size=39)]
    stays = [rng.uniform(0, 7200, len(t)) for t in trips]
    return trips, users, stays, rng.integers(0, 3, size=7)


def test_tripcounts_remove_restore_gives_back_the_counts():
    """remove(i) then restore(i) gives back exactly the count arrays, for every trip."""
    trips, users, stays, cats = random_counts_input(0)
    counts = TripCounts(trips, users, stays, n_places=7, categories=cats)
    before = {k: getattr(counts, k).copy() for k in (*COUNT_ARRAYS, "user_place")}
    for i in range(len(trips)):
        counts.remove(i)
        assert counts.direct.sum() == before["direct"].sum() - (len(trips[i]) - 1)
        counts.restore(i)
        for name, array in before.items():
            np.testing.assert_array_equal(getattr(counts, name), array, err_msg=f"{name}, trip {i}")


def test_tripcounts_stay_sums_are_exact_after_remove_restore():
    """The stay sums too come back exactly (and equal a rebuild without the trip), so that the
    counts after fitting are the counts of the data, not drifted by rounding."""
    trips, users, stays, cats = random_counts_input(0)
    counts = TripCounts(trips, users, stays, n_places=7, categories=cats)
    before = counts.stay_sum.copy()
    for i in range(len(trips)):
        counts.remove(i)
        rebuilt = TripCounts(
            trips[:i] + trips[i + 1 :],
            users[:i] + users[i + 1 :],
            stays[:i] + stays[i + 1 :],
            n_places=7,
            categories=cats,
        )
        np.testing.assert_array_equal(counts.stay_sum, rebuilt.stay_sum, err_msg=f"trip {i}")
        counts.restore(i)
    np.testing.assert_array_equal(counts.stay_sum, before)


def test_tripcounts_remove_equals_counts_without_the_trip():
    """remove(i) gives the counts of the trips without trip i: transitions, stays, distinct
    visitors and common users, whether the user has other trips or not (then the user's row of
    user_place is all zeros and the rest equals the rebuild)."""
    trips, users, stays, cats = random_counts_input(1)
    counts = TripCounts(trips, users, stays, n_places=7, categories=cats)
    order = sorted(set(users), key=str)
    cases = set()
    for i in range(len(trips)):
        rest = users[:i] + users[i + 1 :]
        rebuilt = TripCounts(
            trips[:i] + trips[i + 1 :],
            rest,
            stays[:i] + stays[i + 1 :],
            n_places=7,
            categories=cats,
        )
        counts.remove(i)
        for name in COUNT_ARRAYS:
            np.testing.assert_array_equal(getattr(counts, name), getattr(rebuilt, name), name)
        np.testing.assert_allclose(counts.stay_sum, rebuilt.stay_sum, rtol=0, atol=1e-9)
        user_place = counts.user_place
        if users[i] not in rest:
            row = order.index(users[i])
            assert not user_place[row].any()
            user_place = np.delete(user_place, row, axis=0)
        cases.add(users[i] in rest)
        np.testing.assert_array_equal(user_place, rebuilt.user_place)
        mine, theirs = counts.snapshot(), rebuilt.snapshot()
        np.testing.assert_array_equal(mine.category_step, theirs.category_step)
        np.testing.assert_allclose(mine.log_stay, theirs.log_stay, rtol=0, atol=1e-9)
        counts.restore(i)
    assert cases == {True, False}


def test_tripcounts_hand_case():
    """Trips a b c and a c by one user, b c by another: direct, later, visitors, common users."""
    counts = TripCounts(
        [[0, 1, 2], [0, 2], [1, 2]], ["x", "x", "y"], None, n_places=3, categories=np.zeros(3)
    )
    assert counts.direct.tolist() == [[0, 1, 1], [0, 0, 2], [0, 0, 0]]
    assert counts.later.tolist() == [[0, 1, 2], [0, 0, 2], [0, 0, 0]]
    assert counts.visitors.tolist() == [1, 2, 2]
    assert counts.common_users[1, 2] == 2 and counts.common_users[0, 1] == 1
    counts.remove(2)  # y's only trip
    assert counts.visitors.tolist() == [1, 1, 1]
    assert counts.common_users[1, 2] == 1


# --- NextStopModel on synthetic trips ------------------------------------------------------------

N_SYN = 8
PLANTED = [0, 3, 5, 7]


def synthetic_trips(seed: int = 0, *, n_planted: int = 24, n_noise: int = 16):
    """Trips over 8 places in a 3 km square: ``n_planted`` travellers go 0 → 3 → 5 → 7, and
    ``n_noise`` random trips of 3-5 distinct places by 5 other users."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 3, (N_SYN, 2))
    km = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    cats = ["museum", "park"] * (N_SYN // 2)
    trips = [list(PLANTED) for _ in range(n_planted)]
    users = [f"p{k}" for k in range(n_planted)]
    for k in range(n_noise):
        trips.append(rng.permutation(N_SYN)[: int(rng.integers(3, 6))].tolist())
        users.append(f"n{k % 5}")
    return trips, users, km, cats


@pytest.fixture(scope="module")
def planted_model() -> NextStopModel:
    """A model fitted (fixed l2) on the planted trips."""
    trips, users, km, cats = synthetic_trips()
    return NextStopModel(l2=3.0).fit(trips, users=users, km=km, categories=cats)


def test_recommends_the_planted_path(planted_model):
    """Between 0 and 7 in 4 places, the model recommends what everyone did: 0 3 5 7."""
    assert planted_model.recommend(0, 7, n_places=4) == PLANTED
    assert planted_model.place_ids_ == list(range(N_SYN))
    # the middle stops are taken for a shorter trip too
    assert planted_model.recommend(0, 7, n_places=3)[1] in (3, 5)


def test_step_probabilities_are_a_distribution(planted_model):
    """Each row sums to 1, is 0 on the diagonal and in the start and end columns, and follows
    the softmax of step_scores (ratios of probabilities are exp of score differences)."""
    for start, end in [(0, 7), (2, 6), (5, 1)]:
        P = planted_model.step_probabilities(start, end)
        W = planted_model.step_scores(start, end)
        assert P.shape == (N_SYN, N_SYN) and (P >= 0).all()
        np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
        assert not np.diag(P).any()
        assert not P[:, start].any() and not P[:, end].any()
        a = 1 if start != 1 else 2
        b, c = [x for x in range(N_SYN) if x not in (a, start, end)][:2]
        assert P[a, b] / P[a, c] == pytest.approx(math.exp(W[a, b] - W[a, c]))


def test_step_probabilities_row_without_allowed_step():
    """With three places, the middle one's row has no allowed next stop: all zeros."""
    km = np.array([[0.0, 1, 2], [1, 0, 1], [2, 1, 0]])
    trips = [[0, 1, 2]] * 3 + [[2, 1, 0]] * 2
    model = NextStopModel(l2=1.0).fit(trips, users=list("abcde"), km=km, categories=["x"] * 3)
    P = model.step_probabilities(0, 2)
    assert P[1].tolist() == [0.0, 0.0, 0.0]
    assert P[0].tolist() == [0.0, 1.0, 0.0] and P[2].tolist() == [0.0, 1.0, 0.0]
    assert model.recommend(0, 2, n_places=3) == [0, 1, 2]


def capture_fits(monkeypatch) -> list[tuple]:
    """Record the arguments of every conditional-logit fit."""
    calls: list[tuple] = []
    original = ns._fit_clogit

    def spy(X, mask, y, **kwargs):
        calls.append((X, mask, y, kwargs))
        return original(X, mask, y, **kwargs)

    monkeypatch.setattr(ns, "_fit_clogit", spy)
    return calls


def test_features_are_leave_one_trip_out(monkeypatch):
    """Trip 0 = 0 1 2 3 is the only evidence of 1 → 2: its training step 1 → 2 sees a direct
    (and later) count of 0, while the fitted model's counts hold it once. The step 0 → 1, taken
    by two other trips too, sees their count 2."""
    calls = capture_fits(monkeypatch)
    trips = [[0, 1, 2, 3], [0, 1, 4, 3], [0, 1, 4, 3], [5, 2, 3], [4, 5, 2]]
    km = np.abs(np.subtract.outer(np.arange(6.0), np.arange(6.0)))
    model = NextStopModel(l2=1.0, augment="none").fit(
        trips, users=list("abcde"), km=km, categories=["x", "y"] * 3
    )
    assert len(calls) == 1  # fixed l2: one fit, no cross-validation
    X, mask, y, _ = calls[0]
    assert mask[0].sum() == 6 - 2 and mask[1].sum() == 6 - 3  # not 0 itself, not the end
    direct = FEATURE_NAMES.index("log_direct_a_b")
    later = FEATURE_NAMES.index("log_later_a_b")
    # augment="none": trip 0 gives the first two steps, 0 → 1 then 1 → 2
    assert X[0, y[0], direct] == pytest.approx(math.log1p(2))
    assert X[1, y[1], direct] == 0.0 and X[1, y[1], later] == 0.0
    assert model.snapshot_.direct[1, 2] == 1 and model.snapshot_.direct[0, 1] == 3
    assert model.n_steps_ == len(y) == 2 + 2 + 2 + 1 + 1


def test_fit_is_deterministic():
    """Same data and seed, same chosen penalty, CV scores and coefficients."""
    trips, users, km, cats = synthetic_trips(1, n_planted=8, n_noise=10)
    kw = {"augment": "none", "cv_folds": 3, "l2_grid": (1.0, 10.0), "seed": 4}
    one = NextStopModel(**kw).fit(trips, users=users, km=km, categories=cats)
    two = NextStopModel(**kw).fit(trips, users=users, km=km, categories=cats)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    assert one.cv_score_ == two.cv_score_ and one.l2_ == two.l2_
    assert one.coef_.shape == (len(FEATURE_NAMES),) and np.isfinite(one.coef_).all()


@pytest.mark.parametrize("metric", ["f1", "loglik"])
def test_cv_chooses_the_penalty_from_the_grid(metric):
    """l2=None: every penalty of the grid gets a CV score (F1 + pairs-F1 in [0, 2], or a mean
    log-likelihood < 0) and the best one is used."""
    trips, users, km, cats = synthetic_trips(2, n_planted=8, n_noise=10)
    grid = (0.3, 3.0, 30.0)
    model = NextStopModel(augment="none", cv_folds=3, l2_grid=grid, cv_metric=metric).fit(
        trips, users=users, km=km, categories=cats
    )
    assert set(model.cv_score_) == set(grid)
    assert model.l2_ == max(grid, key=lambda g: (model.cv_score_[g], g))
    scores = np.array(list(model.cv_score_.values()))
    if metric == "f1":
        assert ((scores > 0) & (scores <= 2)).all()
    else:
        assert (scores < 0).all() and np.isfinite(scores).all()


def test_fixed_l2_skips_cross_validation(monkeypatch):
    """A given l2 is used as is: one fit, empty cv_score_."""
    calls = capture_fits(monkeypatch)
    trips, users, km, cats = synthetic_trips(3, n_planted=6, n_noise=6)
    model = NextStopModel(l2=7.0).fit(trips, users=users, km=km, categories=cats)
    assert model.l2_ == 7.0 and model.cv_score_ == {}
    assert len(calls) == 1 and calls[0][3]["l2"] == 7.0


def test_bad_input():
    """Each mistake raises InputError with a message naming it."""
    trips, users, km, cats = synthetic_trips(4, n_planted=3, n_noise=3)
    with pytest.raises(InputError, match="three or more"):
        NextStopModel(l2=1.0).fit(
            [[0, 1], [2, 3], [1, 0, 1]], users=list("abc"), km=km, categories=cats
        )
    with pytest.raises(InputError, match="square"):
        NextStopModel(l2=1.0).fit(trips, users=users, km=km[:, :-1], categories=cats)
    with pytest.raises(InputError, match="square"):
        NextStopModel(l2=1.0).fit(trips, users=users, km=km[0], categories=cats)
    for bad in (N_SYN, -1):
        with pytest.raises(InputError, match="place indices"):
            NextStopModel(l2=1.0).fit(
                [*trips, [0, bad, 2]], users=[*users, "z"], km=km, categories=cats
            )
    with pytest.raises(InputError, match="categories"):
        NextStopModel(l2=1.0).fit(trips, users=users, km=km, categories=cats[:-1])
    with pytest.raises(InputError, match="users"):
        NextStopModel(l2=1.0).fit(trips, users=users[:-1], km=km, categories=cats)
    with pytest.raises(InputError, match="augment"):
        NextStopModel(augment="everything")
    with pytest.raises(InputError, match="cv_metric"):
        NextStopModel(cv_metric="accuracy")
    unfitted = NextStopModel()
    for call in (
        lambda: unfitted.step_scores(0, 1),
        lambda: unfitted.step_probabilities(0, 1),
        lambda: unfitted.recommend(0, 1, n_places=3),
    ):
        with pytest.raises(InputError, match="not fitted"):
            call()


@pytest.mark.parametrize(("start", "end"), [(0, N_SYN), (-1, 3), (N_SYN, 0)])
def test_model_rejects_places_out_of_range(planted_model, start, end):
    """Places of a query must be indices of the fitted places (not wrapped around)."""
    with pytest.raises(InputError):
        planted_model.recommend(start, end, n_places=3)
    with pytest.raises(InputError):
        planted_model.step_probabilities(start, end)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"l2": -5.0},  # the penalty rewards large weights: coefficients diverge (~1e158)
        {"l2": float("nan")},  # coefficients silently all 0
        {"l2_grid": ()},  # ValueError from max() of an empty dict
        {"cv_folds": 1},  # l2 silently the first of the grid, cv_score_ empty
    ],
    ids=["negative-l2", "nan-l2", "empty-grid", "one-fold"],
)
def test_bad_penalty_options(kwargs):
    """Options of the penalty search that cannot work raise InputError (when built or fitted)."""
    trips, users, km, cats = synthetic_trips(4, n_planted=4, n_noise=4)
    with pytest.raises(InputError):
        NextStopModel(augment="none", **kwargs).fit(trips, users=users, km=km, categories=cats)


# --- real data: Osaka ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def osaka() -> TourData:
    if not (TOUR / "traj-Osak.csv").is_file():
        _missing(f"the tour datasets are not at {TOUR} (see ../shared/data/README.md)")
    return read_trajectories(TOUR / "traj-Osak.csv", TOUR / "poi-Osak.csv")


def test_fit_tour_data_and_leave_one_out_on_osaka(osaka):
    """fit_tour_data names the places by POI id; for each of the first 6 queries, a model fitted
    on every other trip (fixed l2, to keep the test short) recommends a path of the query's
    length, distinct POIs, from its start to its end."""
    full = NextStopModel(l2=10.0).fit_tour_data(osaka)
    assert full.place_ids_ == osaka.pois.index.tolist()
    assert len(full.place_ids_) == len(full.km_) == 27
    queries = osaka.queries()[:6]
    assert len(queries) == 6
    for trip in queries:
        model = NextStopModel(l2=10.0).fit_tour_data(osaka.without(trip.trip_id))
        assert model.place_ids_ == full.place_ids_
        index = {pid: i for i, pid in enumerate(model.place_ids_)}
        rec = model.recommend(index[trip.pois[0]], index[trip.pois[-1]], n_places=len(trip.pois))
        rec_ids = [model.place_ids_[i] for i in rec]
        assert len(rec_ids) == len(trip.pois) == len(set(rec_ids))
        assert rec_ids[0] == trip.pois[0] and rec_ids[-1] == trip.pois[-1]
        # the held-out trip is not in the model's counts
        assert model.n_steps_ < full.n_steps_


# --- plan(next_stop=...) -------------------------------------------------------------------------

IDS = [101, 102, 103, 104, 105, 106, 107, 108]
PLANTED_IDS = [101, 105, 103, 108]


def lat_lon(node: int) -> tuple[float, float]:
    """Landmarks on a 2 × 4 grid ~400 m apart."""
    k = IDS.index(node)
    return 48.85 + 0.0036 * (k // 4), 2.35 + 0.0055 * (k % 4)


@pytest.fixture(scope="module")
def ns_graph() -> nx.DiGraph:
    """Eight landmarks 101..108 on a grid (stays 10 min, equal popularity, no observed moves)."""
    G = nx.DiGraph(crs="EPSG:4326", tz=TZ, params={})
    for node in IDS:
        lat, lon = lat_lon(node)
        G.add_node(
            node,
            name=f"L{node}",
            lat=lat,
            lon=lon,
            popularity=0.5,
            n_users=10,
            n_photos=40,
            stay_min=10.0,
            hourly=[1 / 24] * 24,
            monthly=[1 / 12] * 12,
        )
    return G


@pytest.fixture(scope="module")
def ns_model() -> NextStopModel:
    """Fitted by fit_tour_data on trips over the graph's ids: 20 travellers go 101 105 103 108,
    12 random trips of 3-5 landmarks."""
    rng = np.random.default_rng(5)
    pois = pd.DataFrame(
        {
            "category": ["a", "b"] * 4,
            "lat": [lat_lon(n)[0] for n in IDS],
            "lon": [lat_lon(n)[1] for n in IDS],
            "name": [f"L{n}" for n in IDS],
        },
        index=pd.Index(IDS, name="poi_id"),
    )
    seqs = [list(PLANTED_IDS)] * 20
    seqs += [rng.permutation(IDS)[: int(rng.integers(3, 6))].tolist() for _ in range(12)]
    trips = tuple(
        Trip(
            trip_id=str(k),
            user_id=f"u{k}",
            pois=tuple(seq),
            arrived_s=3600.0 * np.arange(len(seq)),
            left_s=3600.0 * np.arange(len(seq)) + 1200.0,
            n_photos=np.ones(len(seq), dtype=np.int64),
        )
        for k, seq in enumerate(seqs)
    )
    data = TourData(pois=pois, trips=trips, source="visits")
    return NextStopModel(l2=3.0).fit_tour_data(data)


def learned_transitions(model: NextStopModel, ids: list, start: int, end: int) -> float:
    """Sum of the model's step probabilities along consecutive landmarks ``ids``, anchored at
    the landmarks ``start`` and ``end``."""
    pos = {pid: i for i, pid in enumerate(model.place_ids_)}
    P = model.step_probabilities(pos[start], pos[end])
    return float(sum(P[pos[a], pos[b]] for a, b in itertools.pairwise(ids)))


def test_plan_follows_the_learned_path(ns_graph, ns_model):
    """With 4 stops from 101 to 108 the plan is what travellers did; the score is the learned
    transitions only (no landmark value)."""
    [it] = plan(
        ns_graph,
        start=101,
        end=108,
        max_stops=4,
        budget_min=600,
        start_time=START,
        next_stop=ns_model,
    )
    assert it.landmark_ids == PLANTED_IDS
    assert it.score_parts["value"] == 0.0
    expected = learned_transitions(ns_model, it.landmark_ids, 101, 108)
    assert expected > 1.0  # two confident steps (the step into the end scores 0)
    assert it.score_parts["transitions"] == pytest.approx(expected, abs=1e-9)
    assert it.query["scoring"] == "learned"
    assert it.query["request"]["next_stop"] is ns_model
    # without the model, equal popularity and no observed moves give another route
    [plain] = plan(ns_graph, start=101, end=108, max_stops=4, budget_min=600, start_time=START)
    assert plain.query["scoring"] == "popularity"
    assert plain.landmark_ids != PLANTED_IDS
    assert plain.score_parts["value"] > 0


def test_plan_learned_in_budget_mode(ns_graph, ns_model):
    """Without max_stops the plan fits the budget, keeps the learned steps 101 → 105 → 103 (the
    budget has room for one more stop) and scores the learned transitions."""
    budget = 90.0
    [it] = plan(
        ns_graph, start=101, end=108, budget_min=budget, start_time=START, next_stop=ns_model
    )
    check_schedule(it, ns_graph, budget=budget)
    assert it.landmark_ids[:3] == [101, 105, 103] and it.landmark_ids[-1] == 108
    assert it.score_parts["transitions"] == pytest.approx(
        learned_transitions(ns_model, it.landmark_ids, 101, 108), abs=1e-9
    )


def test_plan_rejects_models_it_cannot_use(ns_graph):
    """A model over other ids, or an unfitted one: InputError saying what to do."""
    trips, users, km, cats = synthetic_trips(6, n_planted=5, n_noise=5)
    other = NextStopModel(l2=1.0).fit(trips, users=users, km=km, categories=cats)  # ids 0..7
    kw = {"start": 101, "end": 108, "max_stops": 4, "start_time": START}
    with pytest.raises(InputError, match="knows none"):
        plan(ns_graph, next_stop=other, **kw)
    with pytest.raises(InputError, match="fitted"):
        plan(ns_graph, next_stop=NextStopModel(), **kw)


def test_plan_coordinate_start_anchors_at_nearest_landmark(ns_graph, ns_model, monkeypatch):
    """A hotel 30 m from 103: the model is asked for (103, 108), and the transitions are its
    probabilities along the landmark legs (the hotel's leg scores 0)."""
    asked: list[tuple[int, int]] = []
    original = ns_model.step_probabilities

    def spy(start: int, end: int) -> np.ndarray:
        asked.append((start, end))
        return original(start, end)

    monkeypatch.setattr(ns_model, "step_probabilities", spy)
    lat, lon = lat_lon(103)
    hotel = (lat + 0.00027, lon)
    [it] = plan(
        ns_graph,
        start=hotel,
        end=108,
        max_stops=4,
        budget_min=600,
        start_time=START,
        next_stop=ns_model,
    )
    pos = {pid: i for i, pid in enumerate(ns_model.place_ids_)}
    assert asked == [(pos[103], pos[108])]
    assert it.stops[0].landmark_id is None and len(it.landmark_ids) == 3
    monkeypatch.undo()
    expected = learned_transitions(ns_model, it.landmark_ids, 103, 108)
    assert it.score_parts["transitions"] == pytest.approx(expected, abs=1e-9)
    assert it.score_parts["value"] == 0.0


def test_replan_keeps_the_model(ns_graph, ns_model):
    """replan() plans again with the same next-stop model."""
    its = plan(
        ns_graph,
        start=101,
        end=108,
        max_stops=4,
        budget_min=600,
        start_time=START,
        next_stop=ns_model,
    )
    [again] = replan(its, ns_graph, remove=[105])
    assert 105 not in again.landmark_ids and 103 in again.landmark_ids
    assert again.query["scoring"] == "learned"
    assert again.query["request"]["next_stop"] is ns_model
    assert again.score_parts["value"] == 0.0
    assert again.score_parts["transitions"] == pytest.approx(
        learned_transitions(ns_model, again.landmark_ids, 101, 108), abs=1e-9
    )
