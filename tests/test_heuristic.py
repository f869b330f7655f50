"""Tests of routeplan.planner.heuristic: feasibility, optimality on small problems (brute force),
determinism, infeasible problems and classic orienteering instances."""

from __future__ import annotations

import csv
import functools
import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from routeplan.planner.heuristic import _Search, default_rounds, solve_heuristic
from routeplan.planner.model import Problem, Solution
from routeplan.planner.orienteering import read_op_instance

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OP_DIR = SHARED / "data" / "op"
CHECKER = SHARED / "tools" / "check_op_route.py"

needs_shared = pytest.mark.skipif(
    not (OP_DIR / "optima.csv").is_file() or not CHECKER.is_file(),
    reason=f"the shared orienteering data ({OP_DIR}) and its checker are not on this machine",
)


# --- helpers written independently of the heuristic -------------------------------------------


def random_problem(
    seed: int,
    *,
    m: int = 5,
    n_routes: int = 1,
    has_end: bool = True,
    windows: str | None = None,
    n_stops: int | None = None,
    n_required: int = 0,
    lifts: bool = True,
    overlap: bool = False,
) -> Problem:
    """A small random problem: places in a 10 × 10 square, asymmetric travel times (distance ×
    0.7..1.3, so the triangle inequality may fail), stays of 0–5 min, values of 0–10, lifts from
    N(0, 1) (negative ones too) and a budget of 15–40 min. ``windows`` "hard" or "soft": each
    place gets 0 to 2 windows of 2–12 min (or, one time in three, the whole budget)."""
    rng = np.random.default_rng(seed)
    k = m + 1 + int(has_end)
    xy = rng.uniform(0, 10, (k, 2))
    travel = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    travel *= rng.uniform(0.7, 1.3, (k, k))
    np.fill_diagonal(travel, 0.0)
    stay = rng.uniform(0, 5, k)
    value = rng.uniform(0, 10, k).round(1)
    lift = rng.normal(0, 1, (k, k)) if lifts else np.zeros((k, k))
    budget = float(rng.uniform(15, 40))
    wins = None
    if windows:
        wins = []
        for _ in range(k):
            starts = np.sort(rng.uniform(0, budget, rng.integers(0, 3)))
            merged: list[list[float]] = []
            for begin in starts:
                end = begin + rng.uniform(2, 12)
                if merged and begin <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([begin, end])
            if rng.random() < 1 / 3:
                merged = [[0.0, budget]]
            wins.append(np.array(merged).reshape(-1, 2))
    required = tuple(sorted(rng.choice(np.arange(1, m + 1), n_required, replace=False).tolist()))
    limits: tuple[tuple[tuple[int, ...], int], ...] = ()
    if overlap:
        limits = ((tuple(sorted(rng.choice(np.arange(1, m + 1), 3, replace=False).tolist())), 1),)
    return Problem(
        travel_min=travel,
        lift=lift,
        stay_min=stay,
        value=value,
        budget_min=budget,
        transition_weight=float(rng.uniform(0.5, 2.0)) if lifts else 0.0,
        has_end=has_end,
        n_stops=n_stops,
        n_routes=n_routes,
        required=required,
        windows=None if wins is None else tuple(wins),
        soft_windows=windows == "soft",
        off_hours_penalty=0.5,
        overlap_limits=limits,
    )


def brute_force(problem: Problem) -> float | None:
    """The optimal score by enumeration (None: infeasible): every ordered subset of the
    candidates as a route, checked and scored by the problem's reference schedule, combined
    into ``n_routes`` disjoint routes."""
    m = problem.n_candidates
    base = float(problem.value[0]) + (float(problem.value[-1]) if problem.has_end else 0.0)
    lengths = list(range(m + 1))
    if problem.n_stops is not None:
        lengths = [problem.n_stops - 1 - int(problem.has_end)]
    routes = []
    for n in lengths:
        for seq in itertools.permutations(range(1, m + 1), n):
            if problem.schedule(seq).feasible:
                routes.append((seq, route_score(problem, list(seq))))
    best = None
    for combo in itertools.product(routes, repeat=problem.n_routes):
        seen = [x for seq, _ in combo for x in seq]
        if len(seen) != len(set(seen)) or not set(problem.required) <= set(seen):
            continue
        if any(len(set(p) & set(seen)) > most for p, most in problem.overlap_limits):
            continue
        score = base + sum(part for _, part in combo)
        best = score if best is None else max(best, score)
    return best


def route_score(problem: Problem, mid: list[int]) -> float:
    """The reference score of one route without the values of the start and end."""
    base = float(problem.value[0]) + (float(problem.value[-1]) if problem.has_end else 0.0)
    return sum(problem.solution_score([mid]).values()) - base


def assert_valid(problem: Problem, solution: Solution) -> None:
    """The solution is feasible, and its score and minutes are the reference's."""
    assert solution.method == "heuristic"
    assert problem.check(solution.routes) == ""
    assert solution.score == pytest.approx(
        sum(problem.solution_score(solution.routes).values()), abs=1e-9
    )
    assert solution.minutes == tuple(problem.schedule(r).minutes for r in solution.routes)


# --- optimality on small problems ---------------------------------------------------------------

CASES: dict[str, dict[str, Any]] = {
    "plain": {},
    "no lifts": {"lifts": False},
    "open end": {"has_end": False},
    "hard windows": {"windows": "hard"},
    "soft windows": {"windows": "soft"},
    "two routes": {"n_routes": 2, "m": 4},
    "two routes, hard windows": {"n_routes": 2, "m": 4, "windows": "hard"},
    "n_stops": {"n_stops": 4},
    "n_stops, two routes": {"n_stops": 3, "n_routes": 2, "m": 4},
    "required": {"n_required": 2},
    "overlap limit": {"overlap": True},
    "everything": {"windows": "soft", "has_end": False, "n_required": 1, "n_stops": 4},
}


@pytest.mark.parametrize("case", list(CASES))
def test_reaches_the_brute_force_optimum(case: str) -> None:
    """On 8 random problems of each kind, the heuristic's solution is feasible (per the
    reference), never scores above the enumerated optimum, reaches it on at least 7, and is
    None exactly when enumeration finds no feasible solution."""
    hits = 0
    for seed in range(8):
        problem = random_problem(seed, **CASES[case])
        optimum = brute_force(problem)
        solution = solve_heuristic(problem, seed=seed)
        if optimum is None:
            assert solution is None
            hits += 1
            continue
        assert solution is not None
        assert_valid(problem, solution)
        assert solution.score <= optimum + 1e-9
        hits += solution.score >= optimum - 1e-9
    assert hits >= 7


@pytest.mark.parametrize("windows", [None, "hard", "soft"])
@pytest.mark.parametrize("has_end", [True, False])
def test_internal_evaluation_matches_the_reference(windows: str | None, has_end: bool) -> None:
    """The search's sequential route evaluation agrees exactly with Problem.schedule (feasible,
    minutes) and solution_score; its O(1) insertion screening (latest arrivals, waits, soft
    windows shifting the later stops) agrees with the reference on every insertion into random
    feasible routes: feasibility, and the score gained."""
    for seed in range(3):
        problem = random_problem(seed, m=7, has_end=has_end, windows=windows)
        search = _Search(problem)
        score = functools.partial(route_score, problem)
        rng = np.random.default_rng(seed)
        n_checked = 0
        for _ in range(25):
            mid = rng.permutation(np.arange(1, 8))[: rng.integers(0, 6)].tolist()
            route = search.route(mid)
            reference = problem.schedule(mid)
            assert route.ok == reference.feasible
            if not route.ok:
                continue
            assert route.minutes == reference.minutes
            assert route.score == pytest.approx(score(mid), abs=1e-9)
            search.load([route])
            search.visited[mid] = True
            pos = search.positions("ins")
            assert pos is not None
            u = np.setdiff1d(np.arange(1, 8), mid)
            feasible, gain, _ = search.place(u, pos)
            for (i, j), ok in np.ndenumerate(feasible):
                new = list(mid)
                new.insert(int(pos.pos[j]), int(u[i]))
                assert ok == problem.schedule(new).feasible
                if ok:
                    assert gain[i, j] == pytest.approx(score(new) - score(mid), abs=1e-9)
                    n_checked += 1
        assert n_checked > 10


# --- behaviour ----------------------------------------------------------------------------------


def test_deterministic_for_a_seed() -> None:
    """The same problem and seed give the same solution; n_rounds overrides the default."""
    problem = random_problem(3, m=25, n_routes=2, windows="hard")
    first = solve_heuristic(problem, seed=7, n_rounds=40)
    assert first is not None
    assert_valid(problem, first)
    assert solve_heuristic(problem, seed=7, n_rounds=40) == first
    assert default_rounds(problem) == default_rounds(random_problem(4, m=25))


def test_time_limit_still_returns_a_feasible_solution() -> None:
    """A time limit of zero stops before the first perturbation round: the greedy route,
    improved by local search, is returned."""
    problem = random_problem(5, m=30)
    solution = solve_heuristic(problem, time_limit_s=0.0)
    assert solution is not None
    assert_valid(problem, solution)
    assert solution == solve_heuristic(problem, n_rounds=0)


def test_no_candidates_is_trivially_optimal() -> None:
    """Only a start and an end that fit the budget: one empty route per day, proven optimal."""
    problem = Problem(
        travel_min=np.array([[0.0, 5.0], [5.0, 0.0]]),
        lift=np.zeros((2, 2)),
        stay_min=np.array([1.0, 2.0]),
        value=np.array([3.0, 4.0]),
        budget_min=10.0,
        transition_weight=1.0,
        has_end=True,
        n_routes=2,
    )
    solution = solve_heuristic(problem)
    assert solution is not None
    assert solution.routes == ((), ())
    assert solution.optimal
    assert solution.score == 7.0
    assert solution.minutes == (8.0, 8.0)


def test_infeasible_problems_give_none() -> None:
    """None when a required place cannot fit, when n_stops exceeds what the candidates allow,
    and when the end is out of reach."""
    problem = random_problem(1, m=5)
    far = Problem(
        travel_min=problem.travel_min * np.where(np.arange(7) == 3, 100.0, 1.0)[None, :],
        lift=problem.lift,
        stay_min=problem.stay_min,
        value=problem.value,
        budget_min=problem.budget_min,
        transition_weight=1.0,
        has_end=True,
        required=(3,),
    )
    assert solve_heuristic(far) is None
    too_many = random_problem(1, m=5, n_stops=9)
    assert solve_heuristic(too_many) is None
    unreachable = random_problem(1, m=5)
    unreachable.budget_min = 0.5
    assert solve_heuristic(unreachable) is None


def test_shortcut_through_a_landmark_when_the_direct_way_is_too_long() -> None:
    """Start → end takes 30 min but start → 1 → end only 4 (+ 1 min stay): with a budget of 10
    the only feasible routes pass through 1, and the heuristic finds one."""
    travel = np.array([[0.0, 2.0, 30.0], [2.0, 0.0, 2.0], [30.0, 2.0, 0.0]])
    problem = Problem(
        travel_min=travel,
        lift=np.zeros((3, 3)),
        stay_min=np.array([0.0, 1.0, 0.0]),
        value=np.array([0.0, 0.0, 0.0]),
        budget_min=10.0,
        transition_weight=0.0,
        has_end=True,
    )
    solution = solve_heuristic(problem)
    assert solution is not None
    assert solution.routes == ((1,),)


def test_negative_lift_makes_the_heuristic_skip_a_place() -> None:
    """Place 1 is worth 1 but every leg into or out of it has a lift of -5 (weight 1): the best
    route skips it and visits 2 only."""
    lift = np.zeros((4, 4))
    lift[1, :] = lift[:, 1] = -5.0
    problem = Problem(
        travel_min=np.ones((4, 4)) - np.eye(4),
        lift=lift,
        stay_min=np.zeros(4),
        value=np.array([0.0, 1.0, 1.0, 0.0]),
        budget_min=10.0,
        transition_weight=1.0,
        has_end=True,
    )
    solution = solve_heuristic(problem)
    assert solution is not None
    assert solution.routes == ((2,),)
    assert solution.score == 1.0


# --- classic orienteering instances ------------------------------------------------------------


def op_problem(path: Path) -> Problem:
    """An instance as a Problem (the library's reader: Euclidean travel in float64, no stays or
    lifts, end = point 1, candidates = the points that fit a detour from start to end)."""
    return read_op_instance(path).problem()


@needs_shared
@pytest.mark.parametrize(
    "name",
    [
        "tsiligrides_problem1/tsiligirides_problem_1_budget_60.txt",
        "tsiligrides_problem2/tsiligirides_problem_2_budget_23.txt",
        "tsiligrides_problem3/tsiligirides_problem_3_budget_080.txt",
        "chao_set66-square/chao_set_66_1_060.txt",
    ],
)
def test_classic_instances_reach_best_known(name: str) -> None:
    """The route scores within 1 % of the best known value, and the benchmark's own checker
    (float64) accepts it as a path from point 0 to point 1 within the budget."""
    with open(OP_DIR / "optima.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["instance"] == name)
    problem = op_problem(OP_DIR / "instances" / name)
    solution = solve_heuristic(problem, seed=0)
    assert solution is not None
    assert_valid(problem, solution)
    assert solution.score >= 0.99 * float(row["best_known"])
    assert solution.score <= float(row["upper_bound"]) + 1e-9
    assert problem.places is not None
    points = [int(problem.places[x]) for x in problem.full_route(solution.mid)]
    assert points[0] == 0 and points[-1] == 1
    out = subprocess.run(
        [
            sys.executable,
            str(CHECKER),
            str(OP_DIR / "instances" / name),
            " ".join(map(str, points)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert float(out.stdout.split()[1]) == solution.score
