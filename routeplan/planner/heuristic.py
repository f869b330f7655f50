"""Heuristic solver: greedy insertion, local search, seeded perturbations (iterated local search).

1. Start from the fewest-stop feasible route (start → end, or just the start).
2. Greedy: repeatedly insert the unvisited candidate, at the position, with the best ratio of
   score gained to minutes added, while the route stays within the budget.
3. Local search until no move improves: insertion, replacement of a stop by an unvisited
   candidate, reordering (2-opt: reverse a stretch; or-opt: move a stretch of 1–3 stops, in order
   or reversed; swap two stops) and removal. A move improves when it raises the score, or keeps it
   and shortens the route (which makes room for later insertions). Each neighbourhood is
   evaluated at once with numpy.
4. Iterated local search, with ``numpy.random.default_rng(seed)``: perturb the current route
   (restart from one random candidate; force one or two unvisited candidates in, reordering for
   time and removing the stops that cost most minutes per score; or drop a random stretch or set
   of stops), refill it greedily (sometimes with noisy ratios) and repeat 3. The search may move
   to a slightly worse route and returns to the best one after a few rounds without progress.

The number of rounds depends only on the problem's size, so the result is deterministic for a
given input and seed, and the best route so far is always feasible (anytime).
"""

from __future__ import annotations

import functools
import logging

import numpy as np
from numpy.typing import NDArray

from .model import FEASIBILITY_TOL_MIN, Problem, Solution, dijkstra

__all__ = ["solve_heuristic"]

logger = logging.getLogger(__name__)

#: A move must raise the potential (score − tiny × minutes) by more than this.
_IMPROVE_TOL = 1e-13
#: The search moves on from a route to a perturbed one up to this fraction worse ...
_WANDER = 0.02
#: ... and returns to the best route after this many rounds without improvement.
_RESET_EVERY = 8
#: Repair reorders every removal option for time up to this many options (else only the chosen).
_REPAIR_REORDER_MAX = 12


class _Search:
    """Local search state over one :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.T = problem.travel_min
        self.stay = problem.stay_min
        self.val = problem.value
        self.wl = problem.weighted_lift
        self.budget = problem.budget_min + FEASIBILITY_TOL_MIN
        self.cap = problem.stop_cap
        self.end = problem.end
        self.candidates = np.arange(1, 1 + problem.n_candidates, dtype=np.intp)
        # plain lists: evaluating one short route is faster in Python than in numpy
        self._t = problem.travel_min.tolist()
        self._stay = problem.stay_min.tolist()
        self._val = problem.value.tolist()
        self._wl = problem.weighted_lift.tolist()
        # Tiny time penalty: among routes of equal score, the shorter one is better.
        self.time_weight = 1e-7 / max(problem.budget_min, 1.0)

    def potential(self, score: float, minutes: float) -> float:
        """What the search maximises: the score, less a tiny penalty on minutes."""
        return score - self.time_weight * minutes

    def evaluate(self, mid: list[int]) -> tuple[float, float]:
        """Total minutes and score of the route through ``mid``."""
        t, stay, val, wl = self._t, self._stay, self._val, self._wl
        minutes, score, prev = stay[0], val[0], 0
        for x in mid:
            minutes += t[prev][x] + stay[x]
            score += val[x] + wl[prev][x]
            prev = x
        if self.end is not None:
            minutes += t[prev][self.end] + stay[self.end]
            score += val[self.end] + wl[prev][self.end]
        return minutes, score

    # -- neighbourhoods; each returns (gain in potential, new mid) of its best move or None --

    def unvisited(self, mid: list[int]) -> NDArray:
        """Candidates not in ``mid``, ascending."""
        free = np.ones(self.p.n_places, dtype=bool)
        free[mid] = False
        return self.candidates[free[self.candidates]]

    def insertion_deltas(self, mid: list[int]) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Added minutes and score of inserting each unvisited candidate at each position."""
        full = self.p.full_route(mid)
        unvisited = self.unvisited(mid)
        n_pos = len(full) - 1 if self.end is not None else len(full)
        a = full[:n_pos]
        has_b = np.arange(n_pos) + 1 < len(full)
        b = np.where(has_b, full[np.minimum(np.arange(n_pos) + 1, len(full) - 1)], 0)
        u = unvisited[:, None]
        hb = has_b[None, :]
        d_min = (
            self.T[a[None, :], u]
            + self.stay[u]
            + np.where(hb, self.T[u, b[None, :]] - self.T[a, b][None, :], 0.0)
        )
        d_score = (
            self.val[u]
            + self.wl[a[None, :], u]
            + np.where(hb, self.wl[u, b[None, :]] - self.wl[a, b][None, :], 0.0)
        )
        return unvisited, np.arange(n_pos), d_min, d_score

    def insert(
        self, mid: list[int], minutes: float, *, ratio: bool, noise: NDArray | None = None
    ) -> tuple[float, list[int]] | None:
        if len(mid) + 1 + 1 + int(self.end is not None) > self.cap:
            return None
        unvisited, positions, d_min, d_score = self.insertion_deltas(mid)
        if unvisited.size == 0:
            return None
        ok = minutes + d_min <= self.budget
        gain = d_score - self.time_weight * d_min
        ok &= gain > _IMPROVE_TOL
        if not ok.any():
            return None
        key = d_score / np.maximum(d_min, 1e-6) if ratio else gain
        if noise is not None:
            key = key * noise[unvisited][:, None]
        flat = int(np.argmax(np.where(ok, key, -np.inf)))
        i, j = divmod(flat, len(positions))
        new = list(mid)
        new.insert(int(positions[j]), int(unvisited[i]))
        return float(gain[i, j]), new

    def replace(self, mid: list[int], minutes: float) -> tuple[float, list[int]] | None:
        unvisited = self.unvisited(mid)
        if not mid or unvisited.size == 0:
            return None
        full = self.p.full_route(mid)
        pos = np.arange(1, len(mid) + 1)
        a, x = full[pos - 1], full[pos]
        has_b = pos + 1 < len(full)
        b = np.where(has_b, full[np.minimum(pos + 1, len(full) - 1)], 0)
        u = unvisited[None, :]
        a_, x_, b_, hb = a[:, None], x[:, None], b[:, None], has_b[:, None]
        out_min = self.T[a_, x_] + self.stay[x_] + np.where(hb, self.T[x_, b_], 0.0)
        in_min = self.T[a_, u] + self.stay[u] + np.where(hb, self.T[u, b_], 0.0)
        out_score = self.val[x_] + self.wl[a_, x_] + np.where(hb, self.wl[x_, b_], 0.0)
        in_score = self.val[u] + self.wl[a_, u] + np.where(hb, self.wl[u, b_], 0.0)
        d_min = in_min - out_min
        gain = (in_score - out_score) - self.time_weight * d_min
        ok = (minutes + d_min <= self.budget) & (gain > _IMPROVE_TOL)
        if not ok.any():
            return None
        flat = int(np.argmax(np.where(ok, gain, -np.inf)))
        i, j = divmod(flat, unvisited.size)
        new = list(mid)
        new[i] = int(unvisited[j])
        return float(gain[i, j]), new

    def remove(self, mid: list[int], minutes: float) -> tuple[float, list[int]] | None:
        if not mid:
            return None
        routes = np.array([[*mid[:i], *mid[i + 1 :]] for i in range(len(mid))], dtype=np.intp)
        return self._best_of(routes.reshape(len(mid), len(mid) - 1), mid, minutes)

    def reorder(
        self, mid: list[int], minutes: float, *, time_only: bool = False
    ) -> tuple[float, list[int]] | None:
        """Best 2-opt, or-opt or swap move (by potential, or by time alone)."""
        if len(mid) < 2:
            return None
        routes = np.asarray(mid, dtype=np.intp)[_reorder_index(len(mid))]
        return self._best_of(routes, mid, minutes, time_only=time_only)

    def _best_of(
        self, mids: NDArray, mid: list[int], minutes: float, *, time_only: bool = False
    ) -> tuple[float, list[int]] | None:
        n = mids.shape[0]
        parts = [np.zeros((n, 1), dtype=np.intp), mids]
        if self.end is not None:
            parts.append(np.full((n, 1), self.end, dtype=np.intp))
        new_min, new_score = self.p.evaluate(np.hstack(parts))
        old_min, old_score = self.evaluate(mid)
        if time_only:
            gain = old_min - new_min
            ok = gain > 1e-9
        else:
            gain = (new_score - old_score) - self.time_weight * (new_min - old_min)
            ok = (new_min <= self.budget) & (gain > _IMPROVE_TOL)
        if not ok.any():
            return None
        best = int(np.argmax(np.where(ok, gain, -np.inf)))
        return float(gain[best]), [int(x) for x in mids[best]]

    def shorten(self, mid: list[int], *, max_moves: int) -> list[int]:
        """Reorder the stops for the shortest time, whatever the score (2-opt, or-opt, swap)."""
        for _ in range(max_moves):
            minutes, _ = self.evaluate(mid)
            found = self.reorder(mid, minutes, time_only=True)
            if found is None:
                break
            mid = found[1]
        return mid

    def repair(self, mid: list[int], *, keep: int, max_moves: int) -> list[int]:
        """Remove stops (never ``keep``) until the route fits the budget and the stop cap.

        Each removal is followed by reordering for time. When one removal is enough, the best
        resulting route is kept; otherwise the stop saving most minutes per score lost goes.
        """
        minutes, score = self.evaluate(mid)
        while mid and (minutes > self.budget or len(self.p.full_route(mid)) > self.cap):
            options = [i for i, x in enumerate(mid) if x != keep] or list(range(len(mid)))
            routes = [[*mid[:i], *mid[i + 1 :]] for i in options]
            if len(options) <= _REPAIR_REORDER_MAX:
                routes = [self.shorten(r, max_moves=max_moves) for r in routes]
            new_min, new_score = self.p.evaluate(
                np.array([self.p.full_route(r) for r in routes], dtype=np.intp)
            )
            fits = (new_min <= self.budget) & (len(mid) + int(self.end is not None) <= self.cap)
            if fits.any():  # one removal is enough: keep the best route
                pick = int(
                    np.argmax(np.where(fits, new_score - self.time_weight * new_min, -np.inf))
                )
                return routes[pick]
            saved = minutes - new_min
            lost = np.maximum(score - new_score, 1e-9)
            pick = int(np.argmax(np.where(saved > 0, saved / lost, -lost)))
            mid = routes[pick]
            if len(options) > _REPAIR_REORDER_MAX:
                mid = self.shorten(mid, max_moves=max_moves)
            minutes, score = self.evaluate(mid)
        return mid

    def force_insert(self, mid: list[int], u: int, *, max_moves: int) -> list[int]:
        """Insert ``u`` where it adds the fewest minutes, reorder, then repair the budget."""
        full = self.p.full_route(mid)
        n_pos = len(full) - 1 if self.end is not None else len(full)
        trials = np.array([[*mid[:i], u, *mid[i:]] for i in range(n_pos)], dtype=np.intp)
        parts = [np.zeros((n_pos, 1), dtype=np.intp), trials]
        if self.end is not None:
            parts.append(np.full((n_pos, 1), self.end, dtype=np.intp))
        new_min, _ = self.p.evaluate(np.hstack(parts))
        mid = [int(x) for x in trials[int(np.argmin(new_min))]]
        return self.repair(self.shorten(mid, max_moves=max_moves), keep=u, max_moves=max_moves)

    def move(self, name: str, mid: list[int], minutes: float) -> tuple[float, list[int]] | None:
        """Best improving move of a neighbourhood, or None."""
        if name == "insert":
            return self.insert(mid, minutes, ratio=False)
        if name == "replace":
            return self.replace(mid, minutes)
        if name == "remove":
            return self.remove(mid, minutes)
        return self.reorder(mid, minutes)

    # -- drivers -----------------------------------------------------------------------------

    def greedy(self, mid: list[int], *, noise: NDArray | None = None) -> list[int]:
        """Insert candidates by best score-per-minute ratio (times ``noise``) while they fit."""
        minutes, _ = self.evaluate(mid)
        while (move := self.insert(mid, minutes, ratio=True, noise=noise)) is not None:
            mid = move[1]
            minutes, _ = self.evaluate(mid)
        return mid

    def local_search(self, mid: list[int], *, max_moves: int) -> list[int]:
        for _ in range(max_moves):
            minutes, _ = self.evaluate(mid)
            for name in ("insert", "replace", "reorder", "remove"):
                found = self.move(name, mid, minutes)
                if found is not None:
                    mid = found[1]
                    break
            else:
                return mid
        logger.debug("local search stopped after %d moves", max_moves)
        return mid


@functools.lru_cache(maxsize=16)
def _reorder_index(k: int) -> NDArray:
    """Index arrays of every reordering move on ``k`` stops, row ``r`` reorders ``route[idx[r]]``.

    The moves: 2-opt (reverse a stretch), or-opt (move a stretch of 1 to 3 stops elsewhere, in
    its order or reversed) and swap (exchange two stops); duplicates and the identity removed.
    """
    p = np.arange(k)[None, :]
    i, j = np.triu_indices(k, 1)
    i_, j_ = i[:, None], j[:, None]
    rows = [
        np.where((p >= i_) & (p <= j_), i_ + j_ - p, p),  # 2-opt
        np.where(p == i_, j_, np.where(p == j_, i_, p)),  # swap
    ]
    for length in range(1, min(3, k - 1) + 1):  # or-opt
        a, b = np.meshgrid(np.arange(k - length + 1), np.arange(k - length + 1), indexing="ij")
        keep = a.ravel() != b.ravel()
        i_, j_ = a.ravel()[keep, None], b.ravel()[keep, None]
        rest = np.where(p < j_, p, p - length)  # position in the route without the stretch
        rest = np.where(rest < i_, rest, rest + length)
        offset = p - j_
        inside = (offset >= 0) & (offset < length)
        rows.append(np.where(inside, i_ + offset, rest))
        if length > 1:
            rows.append(np.where(inside, i_ + length - 1 - offset, rest))
    idx = np.unique(np.concatenate(rows), axis=0)
    idx = idx[(idx != np.arange(k)).any(axis=1)]
    idx.flags.writeable = False
    return idx


def _perturb(
    search: _Search, mid: list[int], rng: np.random.Generator, *, max_moves: int
) -> list[int] | None:
    """A random, still feasible, variation of a route (None when it breaks the budget)."""
    unvisited = search.unvisited(mid)
    kind = rng.random()
    if kind < 0.15:
        # Restart from a single random candidate.
        trial = [int(rng.integers(1, search.p.n_candidates + 1))]
    elif unvisited.size and (not mid or kind < 0.5):
        # Force one or two unvisited landmarks in, making room by reordering and removing.
        n_force = min(unvisited.size, int(rng.integers(1, 3)))
        trial = list(mid)
        for u in rng.choice(unvisited, size=n_force, replace=False).tolist():
            trial = search.force_insert(trial, int(u), max_moves=max_moves)
    elif mid:
        k = len(mid)
        n_drop = int(rng.integers(1, max(1, k // 2) + 1))
        if kind < 0.7:  # drop a random stretch
            first = int(rng.integers(0, k - n_drop + 1))
            trial = mid[:first] + mid[first + n_drop :]
        else:  # drop a random set
            drop = set(rng.choice(k, size=n_drop, replace=False).tolist())
            trial = [x for i, x in enumerate(mid) if i not in drop]
    else:
        return None
    minutes, _ = search.evaluate(trial)
    if not search.p.feasible(minutes) or len(search.p.full_route(trial)) > search.cap:
        return None
    return trial


def _initial_route(problem: Problem) -> list[int] | None:
    """A feasible route with few stops: start → end directly, else along the quickest way."""
    direct: list[int] = []
    minutes, _ = problem.evaluate(problem.full_route(direct))
    if problem.feasible(minutes[0]):
        return direct
    # Observed moves may make a way through other landmarks quicker than the direct one.
    weights = problem.travel_min + problem.stay_min[None, :]
    _, prev = dijkstra(weights, 0)
    path = []
    node = int(prev[problem.n_places - 1])
    while node > 0:
        path.append(node)
        node = int(prev[node])
    path.reverse()
    minutes, _ = problem.evaluate(problem.full_route(path))
    if problem.feasible(minutes[0]) and len(path) + 2 <= problem.stop_cap:
        return path
    return None


def solve_heuristic(
    problem: Problem, *, seed: int = 0, n_rounds: int | None = None
) -> Solution | None:
    """Best route found by greedy insertion, local search and seeded perturbations.

    Parameters
    ----------
    problem
        The pruned problem (see :meth:`PlanningModel.problem`).
    seed
        Seed of the perturbations; the same problem and seed give the same route.
    n_rounds
        Perturbation rounds; by default 100 for up to 30 candidates, ``3000 // m`` (at least 10)
        for ``m`` candidates beyond, so a few hundred candidates take well under a second.

    Returns
    -------
    Solution or None
        None when no feasible route was found (only possible with a fixed end).
    """
    search = _Search(problem)
    m = problem.n_candidates
    start = _initial_route(problem)
    if start is None:
        return None
    if n_rounds is None:
        n_rounds = 100 if m <= 30 else max(10, 3000 // m)
    max_moves = 20 * (m + 10)
    rng = np.random.default_rng(seed)

    best = search.local_search(search.greedy(start), max_moves=max_moves)
    best_min, best_score = search.evaluate(best)
    best_phi = search.potential(best_score, best_min)
    current, current_phi = best, best_phi
    stall = 0
    for _ in range(n_rounds if m else 0):
        trial = _perturb(search, current, rng, max_moves=max_moves)
        if trial is None:
            continue
        noise = rng.uniform(0.7, 1.3, problem.n_places) if rng.random() < 0.5 else None
        trial = search.local_search(search.greedy(trial, noise=noise), max_moves=max_moves)
        t_min, t_score = search.evaluate(trial)
        t_phi = search.potential(t_score, t_min)
        if t_phi > best_phi + _IMPROVE_TOL:
            best, best_min, best_score, best_phi = trial, t_min, t_score, t_phi
            current, current_phi, stall = trial, t_phi, 0
            continue
        stall += 1
        if t_phi >= current_phi - _WANDER * abs(current_phi):
            current, current_phi = trial, t_phi
        if stall % _RESET_EVERY == 0:
            current, current_phi = best, best_phi
    return Solution(tuple(best), best_min, best_score, optimal=m == 0, method="heuristic")
