"""Tests of the CP-SAT exact solver (routeplan.planner.exact).

Small random problems are compared with a brute-force optimum; crafted problems check the float
precision (a route that fits by 1e-5 min is found, one that is over by 1e-5 is rejected) and the
classic orienteering benchmark in ../shared/data/op checks proofs against published optima.
"""

from __future__ import annotations

import csv
import itertools
import logging
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from routeplan._errors import InputError
from routeplan.planner import exact
from routeplan.planner.exact import MAX_EXACT_CANDIDATES, solve_exact
from routeplan.planner.model import Problem, Solution
from routeplan.planner.orienteering import read_op_instance

OP_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "op"
CHECK_ROUTE = Path(__file__).resolve().parents[1] / ".." / "shared" / "tools" / "check_op_route.py"
needs_op = pytest.mark.skipif(
    not (OP_DIR / "optima.csv").exists(), reason=f"benchmark data not found at {OP_DIR}"
)


# --- helpers ----------------------------------------------------------------------------------


def assert_valid(problem: Problem, sol: Solution) -> None:
    """A returned solution is feasible in float64 and its score is the model's score."""
    assert sol.method == "exact"
    assert problem.check(sol.routes) == ""
    assert sum(problem.solution_score(sol.routes).values()) == pytest.approx(sol.score, abs=1e-9)
    assert sol.minutes == pytest.approx([problem.schedule(r).minutes for r in sol.routes])
    assert sol.bound is not None and sol.bound >= sol.score - 1e-9


def brute_force(problem: Problem) -> float | None:
    """Best score over every solution (None when none is feasible); small problems only."""
    m = problem.n_candidates
    const = float(problem.value[0]) + (float(problem.value[-1]) if problem.has_end else 0.0)
    single = []  # (visited set, score of the route without the constant) of feasible routes
    for k in range(m + 1):
        for mid in itertools.permutations(range(1, m + 1), k):
            if problem.schedule(mid).feasible:
                single.append((frozenset(mid), sum(problem.solution_score([mid]).values()) - const))
    best = None
    for combo in itertools.product(single, repeat=problem.n_routes):
        sets = [s for s, _ in combo]
        union = frozenset().union(*sets)
        if sum(len(s) for s in sets) != len(union):
            continue
        if not set(problem.required) <= union:
            continue
        if any(len(set(places) & union) > most for places, most in problem.overlap_limits):
            continue
        score = const + sum(v for _, v in combo)
        best = score if best is None else max(best, score)
    return best


def random_problem(
    seed: int,
    *,
    m: int = 6,
    n_routes: int = 1,
    has_end: bool = True,
    windows: str | None = None,
    n_stops: int | None = None,
    required: tuple[int, ...] = (),
    overlap_limits: tuple = (),
    budget: float = 80.0,
) -> Problem:
    """Random points in a 30-min square, stays 3-15 min, float values and signed lifts."""
    rng = np.random.default_rng(seed)
    k = m + 1 + int(has_end)
    xy = rng.uniform(0, 30, (k, 2))
    travel = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    win = None
    if windows is not None:
        win = []
        for _ in range(k):
            opens = np.sort(rng.uniform(0, budget, 2))
            win.append(np.array([[opens[0], opens[0] + 15], [opens[1] + 15, opens[1] + 40]]))
        win[1] = np.zeros((0, 2))  # candidate 1 is never open
    return Problem(
        travel_min=travel,
        lift=rng.normal(0, 1, (k, k)),
        stay_min=rng.uniform(3, 15, k),
        value=rng.uniform(1, 10, k),
        budget_min=budget,
        transition_weight=0.4,
        has_end=has_end,
        n_stops=n_stops,
        n_routes=n_routes,
        required=required,
        windows=None if win is None else tuple(win),
        soft_windows=windows == "soft",
        off_hours_penalty=0.6,
        overlap_limits=overlap_limits,
    )


FEATURES = {
    "plain": {},
    "open end": {"has_end": False},
    "hard windows": {"windows": "hard", "budget": 100.0},
    "soft windows": {"windows": "soft"},
    "soft windows open end": {"windows": "soft", "has_end": False},
    "two routes": {"n_routes": 2, "m": 5, "budget": 60.0},
    "two routes hard windows": {"n_routes": 2, "m": 5, "windows": "hard", "budget": 70.0},
    "n_stops": {"n_stops": 5, "budget": 90.0},
    "n_stops open end": {"n_stops": 3, "has_end": False},
    "required": {"required": (2, 5)},
    "overlap": {"overlap_limits": (((1, 5, 6), 1), ((2, 3), 1))},
    "everything": {
        "n_routes": 2,
        "m": 5,
        "windows": "soft",
        "has_end": False,
        "required": (3,),
        "overlap_limits": (((1, 2), 1),),
        "budget": 45.0,
    },
}


# --- equals brute force -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("feature", FEATURES)
def test_equals_brute_force(feature, seed):
    """The proven optimum scores what enumerating every solution finds (or both find none)."""
    problem = random_problem(seed, **FEATURES[feature])
    expected = brute_force(problem)
    sol = solve_exact(problem)
    if expected is None:
        assert sol is None
        return
    assert sol is not None
    assert_valid(problem, sol)
    assert sol.optimal
    assert sol.score == pytest.approx(expected, abs=1e-9)
    # a valid bound, within the documented objective resolution of the score
    assert expected - 1e-9 <= sol.bound <= sol.score + 1e-6


@pytest.mark.parametrize(
    ("seed", "kwargs"),
    [
        (0, {}),
        (2, {"windows": "hard"}),
        (0, {"windows": "soft"}),
        (4, {"windows": "soft"}),
        (2, {"n_routes": 2, "budget": 60.0}),
    ],
)
def test_coarse_time_scale_still_exact(seed, kwargs, monkeypatch, caplog):
    """With minutes on a grid of ~budget/64, routes fit (or visits look in hours) only thanks
    to the rounding: each such solution is cut and the answer is still the float64 optimum."""
    monkeypatch.setattr(exact, "_TIME_BITS", 6)
    problem = random_problem(seed, m=5, **kwargs)
    expected = brute_force(problem)
    with caplog.at_level(logging.DEBUG, logger="routeplan.planner.exact"):
        sol = solve_exact(problem)
    assert "cutting" in caplog.text
    assert sol is not None and expected is not None
    assert_valid(problem, sol)
    assert sol.optimal
    assert sol.score == pytest.approx(expected, abs=1e-9)


def test_infeasible_is_none(caplog):
    """A budget shorter than the way from start to end: no solution, logged as proven."""
    problem = random_problem(0, budget=1.0)
    with caplog.at_level(logging.INFO, logger="routeplan.planner.exact"):
        assert solve_exact(problem) is None
    assert "infeasible" in caplog.text


def test_required_place_that_never_opens_is_infeasible():
    """Candidate 1 has no window (hard): requiring it leaves no solution."""
    problem = random_problem(1, windows="hard", budget=200.0, required=(1,))
    assert solve_exact(problem) is None


def test_too_many_stops_is_infeasible():
    """Exactly 9 stops cannot be made from 6 candidates plus start and end."""
    assert solve_exact(random_problem(2, n_stops=9, budget=1000.0)) is None


# --- full float precision ---------------------------------------------------------------------


def _chain_problem(budget_over_path: float, *, scale: float = 1.0) -> tuple[Problem, tuple]:
    """Start, 4 candidates and an end on a line; only the path 0-1-2-3-4-5 visits all four
    within a budget of its length plus ``budget_over_path`` (negative: it is over the budget).
    Skipping a candidate saves half a minute (× scale)."""
    rng = np.random.default_rng(7)
    k = 6
    legs = (rng.uniform(3, 4, k - 1) + rng.uniform(0, 1e-3, k - 1)) * scale
    at = np.concatenate([[0.0], np.cumsum(legs)])
    travel = np.abs(at[:, None] - at[None, :])
    skips = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :]) >= 2
    travel[skips] -= 0.5 * scale
    path = (1, 2, 3, 4)
    length = 0.0
    for a, b in itertools.pairwise((0, *path, 5)):
        length += travel[a, b]
    problem = Problem(
        travel_min=travel,
        lift=np.zeros((k, k)),
        stay_min=np.zeros(k),
        value=np.array([0.0, 10, 10, 10, 10, 0]),
        budget_min=length + budget_over_path,
        transition_weight=0.0,
        has_end=True,
    )
    return problem, path


def test_route_with_a_slack_of_1e_5_is_found():
    """The only route through every candidate fits with 1e-5 min to spare: it is the optimum."""
    problem, path = _chain_problem(1e-5)
    sol = solve_exact(problem)
    assert sol is not None and sol.optimal
    assert_valid(problem, sol)
    assert sol.routes == (path,)
    assert sol.score == sol.bound == 40.0


def test_route_over_the_budget_by_1e_5_is_rejected(caplog):
    """At a 4000-min scale a minute unit is ~1e-4 min: the route through every candidate, 1e-5
    over the budget, fits the rounded model; the float check rejects it (a cut) and the optimum
    visits three."""
    problem, path = _chain_problem(-1e-5, scale=1000.0)
    length = problem.budget_min + 1e-5
    assert problem.schedule(path).minutes == pytest.approx(length, abs=1e-8)
    assert not problem.schedule(path).feasible
    with caplog.at_level(logging.DEBUG, logger="routeplan.planner.exact"):
        sol = solve_exact(problem)
    assert "cutting" in caplog.text
    assert sol is not None and sol.optimal
    assert_valid(problem, sol)
    assert len(sol.routes[0]) == 3
    assert sol.score == sol.bound == 30.0 == brute_force(problem)


# --- incumbent, limits, determinism -----------------------------------------------------------


def _twin_problem() -> Problem:
    """Two candidates of equal value, mirror images: either one fits, not both."""
    travel = np.array(
        [[0.0, 5, 5, 8], [5, 0, 9, 5], [5, 9, 0, 5], [8, 5, 5, 0]],
    )
    return Problem(
        travel_min=travel,
        lift=np.zeros((4, 4)),
        stay_min=np.zeros(4),
        value=np.array([0.0, 3, 3, 0]),
        budget_min=12.0,
        transition_weight=0.0,
        has_end=True,
    )


@pytest.mark.parametrize("twin", [1, 2])
def test_optimal_incumbent_is_returned(twin):
    """When the incumbent is optimal, its own routes come back, marked optimal."""
    problem = _twin_problem()
    incumbent = Solution(((twin,),), (10.0,), 3.0, False, "heuristic")
    sol = solve_exact(problem, incumbent=incumbent)
    assert sol is not None
    assert sol.routes == ((twin,),) and sol.optimal and sol.method == "exact"
    assert sol.score == sol.bound == 3.0


def test_better_than_a_poor_incumbent():
    """A feasible but poor incumbent (an empty route) is improved to the optimum."""
    problem = random_problem(3)
    incumbent = Solution(((),), (0.0,), 0.0, False, "heuristic")
    sol = solve_exact(problem, incumbent=incumbent)
    assert sol is not None and sol.optimal
    assert_valid(problem, sol)
    assert sol.score == pytest.approx(brute_force(problem), abs=1e-9)


def test_infeasible_incumbent_is_ignored(caplog):
    """An incumbent that breaks the budget is logged and ignored."""
    problem = _twin_problem()
    bad = Solution(((1, 2),), (19.0,), 6.0, False, "heuristic")
    with caplog.at_level(logging.WARNING, logger="routeplan.planner.exact"):
        sol = solve_exact(problem, incumbent=bad)
    assert "incumbent" in caplog.text
    assert sol is not None and sol.optimal and sol.score == 3.0


def test_deterministic():
    """The same problem and seed give the same solution."""
    problem = random_problem(4, m=6, n_routes=2, budget=60.0)
    first = solve_exact(problem, seed=3)
    second = solve_exact(problem, seed=3)
    assert first == second


def test_invalid_arguments():
    """Too many candidates, a non-positive time limit or no workers are refused."""
    problem = random_problem(0)
    with pytest.raises(InputError, match="time_limit_s"):
        solve_exact(problem, time_limit_s=0)
    with pytest.raises(InputError, match="workers"):
        solve_exact(problem, workers=0)
    k = MAX_EXACT_CANDIDATES + 3
    big = Problem(
        travel_min=np.ones((k, k)),
        lift=np.zeros((k, k)),
        stay_min=np.zeros(k),
        value=np.ones(k),
        budget_min=10.0,
        transition_weight=0.0,
        has_end=True,
    )
    with pytest.raises(InputError, match="candidates"):
        solve_exact(big)


# --- the orienteering benchmark ---------------------------------------------------------------


def load_op(path: Path) -> tuple[Problem, np.ndarray]:
    """An orienteering instance as a Problem (the library's reader), and the point index of
    each problem place."""
    problem = read_op_instance(path).problem()
    assert problem.places is not None
    return problem, problem.places


def optima() -> dict[str, dict[str, str]]:
    with open(OP_DIR / "optima.csv", newline="") as f:
        return {row["instance"]: row for row in csv.DictReader(f)}


def check_route(path: Path, problem: Problem, order: np.ndarray, mid: tuple[int, ...]) -> str:
    """Run the benchmark's float64 checker on a route; return its output (fails on rc != 0)."""
    points = [int(order[i]) for i in problem.full_route(mid)]
    done = subprocess.run(
        [sys.executable, str(CHECK_ROUTE), str(path), " ".join(map(str, points))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


TSILIGIRIDES_FAST = [
    "tsiligrides_problem1/tsiligirides_problem_1_budget_05.txt",
    "tsiligrides_problem2/tsiligirides_problem_2_budget_23.txt",  # an optimum with slack 0.0005
    "tsiligrides_problem3/tsiligirides_problem_3_budget_040.txt",
]


def _assert_proven(instance: str, time_limit_s: float) -> None:
    path = OP_DIR / "instances" / instance
    problem, order = load_op(path)
    sol = solve_exact(problem, time_limit_s=time_limit_s)
    assert sol is not None
    assert_valid(problem, sol)
    best_known = float(optima()[instance]["best_known"])
    assert sol.optimal, f"not proven in {time_limit_s} s: {sol.score} <= {sol.bound}"
    assert sol.score == sol.bound == best_known
    out = check_route(path, problem, order, sol.routes[0])
    assert f"score {best_known:g} " in out


@needs_op
@pytest.mark.parametrize("instance", TSILIGIRIDES_FAST)
def test_tsiligirides_proven(instance):
    """Proven at the published optimum, the route checked by the benchmark's own checker."""
    _assert_proven(instance, 10.0)


def _all_tsiligirides() -> list[str]:
    if not OP_DIR.exists():
        return []
    return sorted(
        str(p.relative_to(OP_DIR / "instances"))
        for p in (OP_DIR / "instances").glob("tsiligrides_problem*/*.txt")
    )


@pytest.mark.slow
@needs_op
@pytest.mark.parametrize("instance", _all_tsiligirides())
def test_every_tsiligirides_optimum_proven_within_10_s(instance):
    """The acceptance criterion: each of the 49 Tsiligirides optima is proven in 10 s."""
    _assert_proven(instance, 10.0)


@needs_op
def test_time_limit_returns_best_and_bound():
    """A 60-odd-candidate Chao instance with 0.05 s: the best found, not proven, a valid bound."""
    instance = "chao_set66-square/chao_set_66_1_060.txt"
    problem, _ = load_op(OP_DIR / "instances" / instance)
    assert problem.n_candidates >= 50
    start = Solution(((),), (float(problem.travel_min[0, -1]),), 0.0, False, "heuristic")
    sol = solve_exact(problem, time_limit_s=0.05, incumbent=start)
    assert sol is not None and not sol.optimal
    assert_valid(problem, sol)
    row = optima()[instance]
    assert sol.score <= float(row["best_known"])
    assert sol.bound >= float(row["upper_bound"]) and math.isfinite(sol.bound)


@needs_op
def test_bound_after_a_short_search_is_valid():
    """Stopped after 1 s on an instance it cannot prove in 10 s: the returned bound still lies
    above the proven optimum, and the incumbent (an empty route) was improved or kept."""
    instance = "chao_set66-square/chao_set_66_1_060.txt"
    problem, _ = load_op(OP_DIR / "instances" / instance)
    start = Solution(((),), (float(problem.travel_min[0, -1]),), 0.0, False, "heuristic")
    sol = solve_exact(problem, time_limit_s=1.0, incumbent=start)
    assert sol is not None and not sol.optimal
    assert_valid(problem, sol)
    assert sol.score >= 0.0
    assert float(optima()[instance]["upper_bound"]) <= sol.bound <= problem.value.sum()
