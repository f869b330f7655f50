"""The classic orienteering problem (OP) as a planner :class:`~.model.Problem`.

The benchmark instances of Tsiligirides (1984) and Chao, Golden & Wasil (1996) are plain text:
the first line holds ``Tmax P`` (the time budget and the number of paths, 1 here), then one point
a line, ``x y score``, tab or space separated. The first point is the start, the second the end.
A route is a path of distinct points from the start to the end whose Euclidean length (full
float64 precision, no rounding) is at most ``Tmax``; its score is the sum of its points' scores.

:func:`read_op_instance` reads a file into an :class:`OPInstance`, whose :meth:`~OPInstance.problem`
is the planner's problem (travel = distance, stays 0, value = score, no lifts) and whose
:meth:`~OPInstance.points_of` maps a solver's :class:`~.model.Solution` back to point indices,
so that routeplan's solvers can be measured on the published instances
(``benchmarks/bench_planner.py``).

Example::

    inst = read_op_instance("tsiligirides_problem_1_budget_05.txt")
    sol = solve_heuristic(inst.problem())
    points = inst.points_of(sol)             # [0, ..., 1]
    assert inst.check_route(points) == ""
    inst.route_score(points), inst.route_length(points)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .._errors import InputError
from .model import Problem, Solution

__all__ = ["OPInstance", "read_op_instance"]


@dataclass(frozen=True, eq=False)
class OPInstance:
    """An orienteering instance: points in the plane with scores, a start, an end and a budget.

    Attributes
    ----------
    name
        The instance's name (the file name without its suffix).
    budget
        ``Tmax``: the longest allowed route length.
    xy
        ``(n, 2)`` coordinates; point 0 is the start, point 1 the end.
    score
        ``(n,)`` score of each point.
    """

    name: str
    budget: float
    xy: NDArray
    score: NDArray
    _distances: NDArray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        xy = np.array(self.xy, dtype=float).reshape(-1, 2)
        score = np.array(self.score, dtype=float).reshape(-1)
        if len(xy) != len(score):
            raise InputError(f"{self.name}: {len(xy)} points but {len(score)} scores")
        if len(xy) < 2:
            raise InputError(f"{self.name}: an instance needs at least a start and an end point")
        if not (np.isfinite(xy).all() and np.isfinite(score).all()):
            raise InputError(f"{self.name}: coordinates and scores must be finite numbers")
        if not (math.isfinite(self.budget) and self.budget > 0):
            raise InputError(
                f"{self.name}: the budget Tmax must be a number > 0, not {self.budget}"
            )
        xy.setflags(write=False)
        score.setflags(write=False)
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "budget", float(self.budget))

    @property
    def n_points(self) -> int:
        """Number of points, start and end included."""
        return len(self.score)

    def distances(self) -> NDArray:
        """``(n, n)`` Euclidean distances in float64, exactly as :func:`math.dist` computes them.

        ``math.dist`` is correctly rounded in most cases; numpy's ``hypot`` differs from it in the
        last bit for about one pair in a thousand, and a route that fits the budget to the last
        bit would then be judged differently here and by a checker written with ``math.dist``.
        The n² calls take about a millisecond for a hundred points (computed once, cached).
        """
        dist = self._distances
        if dist is None:
            pts = self.xy.tolist()
            dist = np.array([[math.dist(a, b) for b in pts] for a in pts], dtype=float)
            dist.setflags(write=False)
            object.__setattr__(self, "_distances", dist)
        return dist

    def candidates(self) -> NDArray:
        """Points that some route can visit: ``i >= 2`` with ``d(0, i) + d(i, 1) <= budget``,
        ascending (the others can never be on a route within the budget)."""
        d = self.distances()
        idx = np.arange(2, self.n_points)
        return idx[d[0, idx] + d[idx, 1] <= self.budget]

    def problem(self) -> Problem:
        """The planner's problem: index 0 = point 0, 1..m = :meth:`candidates`, m + 1 = point 1.

        Travel minutes are the distances, stays 0, value the score, lifts and their weight 0,
        one route with a fixed end and the budget ``Tmax``.
        """
        points = self.problem_points()
        k = len(points)
        return Problem(
            travel_min=self.distances()[np.ix_(points, points)].copy(),
            lift=np.zeros((k, k)),
            stay_min=np.zeros(k),
            value=self.score[points].copy(),
            budget_min=self.budget,
            transition_weight=0.0,
            has_end=True,
            places=points,
        )

    def problem_points(self) -> NDArray:
        """Point index of each place of :meth:`problem` (start, candidates, end)."""
        return np.concatenate([[0], self.candidates(), [1]]).astype(np.intp)

    def points_of(self, solution: Solution | tuple[int, ...] | list[int]) -> list[int]:
        """The route of a solution of :meth:`problem` (or a route of problem indices between
        start and end) as point indices: ``[0, ..., 1]``."""
        mid = solution.mid if isinstance(solution, Solution) else tuple(solution)
        points = self.problem_points()
        m = len(points) - 2
        bad = [int(x) for x in mid if not 1 <= int(x) <= m]
        if bad:
            raise InputError(
                f"{self.name}: {bad} are not candidates of the problem (valid: 1..{m})"
            )
        return [0, *(int(points[int(x)]) for x in mid), 1]

    def route_length(self, points: list[int] | NDArray) -> float:
        """Length of a route of point indices: its legs summed in order, in float64 (as
        ``sum(math.dist(...) for each leg)``)."""
        pts = self._indices(points)
        if len(pts) < 2:
            return 0.0
        # cumsum adds in order, left to right, as sum() does (np.sum adds pairwise)
        return float(np.cumsum(self.distances()[pts[:-1], pts[1:]])[-1])

    def route_score(self, points: list[int] | NDArray) -> float:
        """Total score of the distinct points of a route."""
        return float(self.score[np.unique(self._indices(points))].sum())

    def _indices(self, points: list[int] | NDArray) -> NDArray:
        pts = np.asarray(points, dtype=np.intp).reshape(-1)
        if ((pts < 0) | (pts >= self.n_points)).any():
            raise InputError(f"{self.name}: point indices must lie in 0..{self.n_points - 1}")
        return pts

    def check_route(self, points: list[int] | NDArray, *, tol: float = 0.0) -> str:
        """Why a route of point indices is not a valid OP route ("" when it is).

        Valid: it starts at point 0, ends at point 1, visits no point twice, uses only existing
        points, and its :meth:`route_length` is at most ``budget + tol`` (the classic definition
        has ``tol = 0``).
        """
        pts = [int(p) for p in points]
        if len(pts) < 2 or pts[0] != 0 or pts[-1] != 1:
            return "the route must start at point 0 and end at point 1"
        if any(not 0 <= p < self.n_points for p in pts):
            return f"the route holds a point outside 0..{self.n_points - 1}"
        if len(set(pts)) != len(pts):
            return "a point is visited twice"
        length = self.route_length(pts)
        if length > self.budget + tol:
            return f"length {length:.12g} exceeds the budget {self.budget:g}"
        return ""


def read_op_instance(path: str | PathLike[str]) -> OPInstance:
    """Read an orienteering instance in the classic text format.

    Parameters
    ----------
    path
        A file whose first line is ``Tmax P`` and each further line ``x y score`` (tabs or
        spaces; blank lines and Windows line ends are ignored). The first point is the start,
        the second the end.

    Returns
    -------
    OPInstance
        Named after the file (without its suffix).

    Raises
    ------
    InputError
        The file is missing or unreadable, a line has the wrong number of columns or holds
        something other than numbers, there are fewer than two points, or ``Tmax <= 0``.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the orienteering instance {path}: {exc}") from None
    rows = [(no, line.split()) for no, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not rows:
        raise InputError(f"{path} is empty: expected 'Tmax P' then one 'x y score' line a point")

    def numbers(no: int, fields: list[str]) -> list[float]:
        try:
            return [float(f) for f in fields]
        except ValueError:
            raise InputError(
                f"{path}, line {no}: {' '.join(fields)!r} is not all numbers"
            ) from None

    no, head = rows[0]
    if len(head) != 2:
        raise InputError(
            f"{path}, line {no}: the first line must be 'Tmax P' (2 numbers), got {len(head)} "
            "fields"
        )
    budget = numbers(no, head)[0]
    if not (math.isfinite(budget) and budget > 0):
        raise InputError(f"{path}, line {no}: the budget Tmax must be a number > 0, not {budget:g}")
    values = []
    for no, fields in rows[1:]:
        if len(fields) != 3:
            raise InputError(
                f"{path}, line {no}: expected 3 columns 'x y score', got {len(fields)}"
            )
        values.append(numbers(no, fields))
    if len(values) < 2:
        raise InputError(
            f"{path}: {len(values)} point(s); an instance needs at least a start and an end"
        )
    arr = np.asarray(values, dtype=float)
    if not np.isfinite(arr).all():
        no = rows[1 + int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])][0]
        raise InputError(f"{path}, line {no}: coordinates and scores must be finite numbers")
    return OPInstance(name=path.stem, budget=budget, xy=arr[:, :2], score=arr[:, 2])
