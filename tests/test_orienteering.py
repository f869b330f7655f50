"""Tests of routeplan.planner.orienteering: classic orienteering instances as planner problems."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from routeplan import InputError
from routeplan.planner.model import Solution
from routeplan.planner.orienteering import OPInstance, read_op_instance

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
OP_DIR = SHARED / "data" / "op" / "instances"
CHECKER = SHARED / "tools" / "check_op_route.py"
T2_23 = OP_DIR / "tsiligrides_problem2" / "tsiligirides_problem_2_budget_23.txt"
#: An optimal route of Tsiligirides set 2, Tmax 23 (score 210, length 22.6477...).
T2_23_ROUTE = [0, 7, 6, 5, 4, 3, 2, 8, 9, 10, 11, 14, 1]

needs_shared = pytest.mark.skipif(
    not OP_DIR.is_dir() or not CHECKER.is_file(),
    reason=f"the shared orienteering data ({OP_DIR}) and checker are not on this machine",
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def square(tmp_path: Path) -> OPInstance:
    """Start (0, 0), end (4, 0), budget 6. Point 2 at (2, 0) lies on the way (detour 0); point 3
    at (2, 1.5) needs 2.5 + 2.5 = 5 <= 6; point 4 at (2, 3) needs 2 × √13 ≈ 7.2 > 6 (never
    visitable); point 5 at (0, 1) needs 1 + √17 ≈ 5.12 <= 6."""
    text = "6\t1\n0 0 0\n4 0 0\n2 0 10\n2 1.5 20\n2 3 100\n0 1 5\n"
    return read_op_instance(write(tmp_path / "square.txt", text))


# --- reading --------------------------------------------------------------------------------------


def test_read_round_trip(tmp_path: Path) -> None:
    """Writing an instance's numbers (tabs, Windows line ends, a trailing blank line) and reading
    them back gives the same budget, coordinates and scores, named after the file."""
    rng = np.random.default_rng(1)
    xy = rng.uniform(-50, 50, (7, 2))
    score = np.r_[0.0, 0.0, rng.integers(1, 40, 5)]
    rows = zip(xy.tolist(), score.tolist(), strict=True)
    lines = ["37.5\t1"] + [f"{x!r}\t{y!r}\t{s!r}" for (x, y), s in rows]
    path = tmp_path / "inst_a.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode())
    inst = read_op_instance(path)
    assert inst.name == "inst_a"
    assert inst.budget == 37.5
    assert inst.n_points == 7
    np.testing.assert_array_equal(inst.xy, xy)
    np.testing.assert_array_equal(inst.score, score)


def test_read_spaces(tmp_path: Path) -> None:
    """Space-separated columns (several spaces) read like tabs."""
    inst = read_op_instance(write(tmp_path / "s.txt", "10  1\n0   0 0\n 1 0  0\n0.5 0.5 3\n"))
    np.testing.assert_array_equal(inst.xy, [[0, 0], [1, 0], [0.5, 0.5]])
    np.testing.assert_array_equal(inst.score, [0, 0, 3])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("10\n0 0 0\n1 1 0\n", "first line must be 'Tmax P'"),
        ("10 1 5\n0 0 0\n1 1 0\n", "first line must be 'Tmax P'"),
        ("10 1\n0 0 0\n1 1\n", "line 3: expected 3 columns"),
        ("10 1\n0 0 0\n1 1 0 7\n", "line 3: expected 3 columns"),
        ("10 1\n0 0 0\n1 x 0\n", "line 3: '1 x 0' is not all numbers"),
        ("ten 1\n0 0 0\n1 1 0\n", "line 1: 'ten 1' is not all numbers"),
        ("10 1\n0 0 0\n", "1 point(s)"),
        ("10 1\n", "0 point(s)"),
        ("0 1\n0 0 0\n1 1 0\n", "Tmax must be a number > 0"),
        ("-5 1\n0 0 0\n1 1 0\n", "Tmax must be a number > 0"),
        ("nan 1\n0 0 0\n1 1 0\n", "Tmax must be a number > 0"),
        ("10 1\n0 0 0\n1 inf 0\n", "line 3: coordinates and scores must be finite"),
    ],
)
def test_read_malformed(tmp_path: Path, text: str, message: str) -> None:
    """Every malformed file raises InputError naming the file, the line and what is wrong."""
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read_op_instance(path)
    assert str(path) in str(info.value)


def test_read_missing_file(tmp_path: Path) -> None:
    """A missing file is an InputError (not an OSError) that names the path."""
    with pytest.raises(InputError, match="cannot read the orienteering instance"):
        read_op_instance(tmp_path / "nope.txt")


@needs_shared
def test_read_real_instance() -> None:
    """Tsiligirides set 2 with Tmax 23: 21 points from (7.8, 5.1)-ish; start and end score 0,
    scores summing to 450 (the optimum at Tmax 45 visits every point)."""
    inst = read_op_instance(T2_23)
    assert inst.name == "tsiligirides_problem_2_budget_23"
    assert inst.budget == 23.0
    assert inst.n_points == 21
    assert inst.score[:2].tolist() == [0.0, 0.0]
    assert inst.score.sum() == 450.0
    assert inst.xy.dtype == np.float64 and inst.xy.shape == (21, 2)


# --- distances and routes -------------------------------------------------------------------------


def test_distances_are_math_dist(square: OPInstance) -> None:
    """Distances equal math.dist bit for bit, symmetric with a zero diagonal (3-4-5 legs exact)."""
    d = square.distances()
    pts = square.xy.tolist()
    expected = np.array([[math.dist(a, b) for b in pts] for a in pts])
    np.testing.assert_array_equal(d, expected)
    assert d[0, 1] == 4.0 and d[3, 0] == 2.5
    np.testing.assert_array_equal(d, d.T)
    assert not d.flags.writeable


def test_route_length_score_and_check(square: OPInstance) -> None:
    """Length adds the legs in order; score counts each point once; check_route explains what is
    wrong with bad routes."""
    assert square.route_length([0, 2, 1]) == 4.0
    assert square.route_length([0, 3, 1]) == 5.0
    assert square.route_score([0, 3, 2, 1]) == 30.0
    assert square.check_route([0, 3, 2, 1]) == ""  # 2.5 + 1.5 + 2 = 6 == budget: fits
    assert square.check_route([0, 5, 3, 1]) == ""  # 1 + √4.25 + 2.5 ≈ 5.56
    assert "exceeds the budget" in square.check_route([0, 5, 3, 2, 1])  # ≈ 6.56
    assert square.check_route([0, 5, 3, 2, 1], tol=1.0) == ""
    assert "start at point 0" in square.check_route([2, 1])
    assert "start at point 0" in square.check_route([0, 2])
    assert "twice" in square.check_route([0, 2, 2, 1])
    assert "outside" in square.check_route([0, 9, 1])
    with pytest.raises(InputError, match=r"indices must lie in 0\.\.5"):
        square.route_length([0, -1, 1])
    with pytest.raises(InputError, match=r"indices must lie in 0\.\.5"):
        square.route_score([0, 6, 1])


@needs_shared
@pytest.mark.parametrize("shift", [0, -1, None])
def test_agrees_with_shared_checker(tmp_path: Path, shift: int | None) -> None:
    """The shared float64 checker and OPInstance give the same length (to its 9 printed
    decimals), score and verdict on a known optimal route, also when the budget is set to the
    route's exact length (feasible: shift 0) or to the float just below it (infeasible: -1).
    None keeps the instance's own budget of 23."""
    inst = read_op_instance(T2_23)
    length = inst.route_length(T2_23_ROUTE)
    lines = T2_23.read_text().splitlines()
    if shift is not None:
        budget = length if shift == 0 else float(np.nextafter(length, 0.0))
        lines[0] = f"{budget!r}\t1"
    path = write(tmp_path / T2_23.name, "\n".join(lines) + "\n")
    inst = read_op_instance(path)
    route_text = " ".join(map(str, T2_23_ROUTE))
    proc = subprocess.run(
        [sys.executable, str(CHECKER), str(path), route_text],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.match(r"score (\S+) length (\S+) budget", proc.stdout)
    assert found, proc.stdout + proc.stderr
    assert float(found.group(1)) == inst.route_score(T2_23_ROUTE) == 210.0
    assert found.group(2) == f"{inst.route_length(T2_23_ROUTE):.9f}"
    ours_ok = inst.check_route(T2_23_ROUTE) == ""
    assert ours_ok == (proc.returncode == 0) == (shift != -1)


# --- the planner's problem ------------------------------------------------------------------------


def test_problem_prunes_unreachable_points(square: OPInstance) -> None:
    """Point 4 (detour 7.2 > 6) is no candidate; the others stay, ascending; the problem's
    places are start, candidates, end with their distances, scores and the budget."""
    np.testing.assert_array_equal(square.candidates(), [2, 3, 5])
    p = square.problem()
    np.testing.assert_array_equal(square.problem_points(), [0, 2, 3, 5, 1])
    assert p.n_candidates == 3 and p.has_end and p.n_routes == 1
    assert p.budget_min == 6.0 and p.transition_weight == 0.0
    np.testing.assert_array_equal(p.value, [0, 10, 20, 5, 0])
    np.testing.assert_array_equal(p.stay_min, 0.0)
    np.testing.assert_array_equal(p.lift, 0.0)
    pts = [0, 2, 3, 5, 1]
    np.testing.assert_array_equal(p.travel_min, square.distances()[np.ix_(pts, pts)])


def test_candidate_on_the_budget_is_kept(tmp_path: Path) -> None:
    """A point whose detour d(0, i) + d(i, 1) equals the budget exactly is a candidate; one a
    hair beyond is not."""
    text = "10 1\n0 0 0\n6 0 0\n3 4 7\n3 4.000001 9\n"
    inst = read_op_instance(write(tmp_path / "edge.txt", text))
    np.testing.assert_array_equal(inst.candidates(), [2])


def test_points_of_maps_problem_indices(square: OPInstance) -> None:
    """A Solution's route (problem indices) maps to point indices framed by 0 and 1, and the
    Problem and the OP checker agree on it; indices outside 1..m raise InputError."""
    p = square.problem()
    sol = Solution(routes=((2, 1),), minutes=(6.0,), score=30.0, optimal=False, method="test")
    points = square.points_of(sol)
    assert points == [0, 3, 2, 1]
    assert square.points_of((3,)) == [0, 5, 1]
    assert square.points_of([]) == [0, 1]
    assert p.check(sol.routes) == "" and square.check_route(points) == ""
    assert sum(p.solution_score(sol.routes).values()) == square.route_score(points)
    too_long = ((3, 2, 1),)
    assert p.check(too_long) != "" and square.check_route(square.points_of(too_long[0])) != ""
    with pytest.raises(InputError, match="not candidates"):
        square.points_of((4,))
    with pytest.raises(InputError, match="not candidates"):
        square.points_of((0, 1))


@needs_shared
def test_real_problem_accepts_known_optimum() -> None:
    """On Tsiligirides 2 / 23 the known optimal route, written in problem indices, is feasible
    for the Problem and scores 210 there too; 17 of the 19 points beyond start and end can be
    reached (points 16 and 19 cannot)."""
    inst = read_op_instance(T2_23)
    p = inst.problem()
    cands = inst.candidates().tolist()
    assert len(cands) == 17 and 16 not in cands and 19 not in cands
    position = {pt: i for i, pt in enumerate(inst.problem_points().tolist())}
    mid = tuple(position[pt] for pt in T2_23_ROUTE[1:-1])
    assert inst.points_of(mid) == T2_23_ROUTE
    assert p.check((mid,)) == ""
    assert sum(p.solution_score((mid,)).values()) == 210.0
    assert p.schedule(mid).minutes == inst.route_length(T2_23_ROUTE)


def test_instance_validation() -> None:
    """Building an OPInstance directly checks shapes, finiteness and the budget."""
    with pytest.raises(InputError, match="at least a start and an end"):
        OPInstance(name="x", budget=1.0, xy=[[0.0, 0.0]], score=[0.0])
    with pytest.raises(InputError, match="2 points but 3 scores"):
        OPInstance(name="x", budget=1.0, xy=[[0, 0], [1, 1]], score=[0, 0, 1])
    with pytest.raises(InputError, match="budget Tmax"):
        OPInstance(name="x", budget=0.0, xy=[[0, 0], [1, 1]], score=[0, 0])
