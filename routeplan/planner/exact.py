"""Exact solver: the orienteering problem as a CP-SAT model (OR-Tools), proven optimal.

Every route (day) ``d`` is one ``AddCircuit`` over its own arc literals on the nodes start (0),
candidates (1..m) and end (m + 1; a dummy sink when the end is open), with a self-loop literal
for each candidate the route skips and the arc end → start fixed. A candidate is on at most one
route; routes of identical days are ordered (route ``d`` visits a candidate only if route
``d - 1`` visits a smaller one), so each solution has one representation.

Without time windows a route's budget is one linear constraint (travel + stays of its arcs).
With windows that matter, each candidate gets a begin time, linked along the arcs (hard windows:
begin in a window and not before arriving; soft windows: begin on arrival and an off-hours
literal that pays ``off_hours_penalty × value`` when it lies outside every window); the budget
then counts the waiting too.

**Full float precision.** CP-SAT works on integers. Minutes are scaled by a power of two ``S``
(``S × budget ≈ 2**30``: about 1e-7 min for a budget of 100 min) and every duration is rounded
*down*, the budget and the windows *outwards*, so every route feasible in float64 is feasible in
the integer model: the integer optimum is an upper bound. The solution CP-SAT returns is checked
with :meth:`Problem.check` (the float64 reference); in the rare case that it fits only thanks to
the rounding (a slack below ~1e-7 min), a no-good cut removes its arcs and the model is solved
again.

**Objective resolution.** Values and weighted lifts are rounded to multiples of a power of two
``res ≈ 2**-30 ×`` the largest term (exact for integer data such as the orienteering benchmark,
whose coefficients are then divided by their gcd). The returned score is recomputed in float by
:meth:`Problem.solution_score`; the bound adds the largest rounding error a solution can carry,
so it is valid. ``optimal=True`` means optimal at that resolution: no solution scores more than
``bound`` (equal to the score when the data are exact in ``res``).

Pruning: a candidate or an arc is left out when even the shortest way through it (floor-rounded,
stays included, all-pairs shortest paths, so observed times that break the triangle inequality
are safe) exceeds the budget.
"""

from __future__ import annotations

import itertools
import logging
import math
import time

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from .._errors import InputError
from .model import FEASIBILITY_TOL_MIN, Problem, Solution

__all__ = ["MAX_EXACT_CANDIDATES", "solve_exact"]

logger = logging.getLogger(__name__)

#: Largest number of candidates :func:`solve_exact` accepts (the model has m² arc literals a
#: route; beyond a few hundred candidates building it alone takes seconds).
MAX_EXACT_CANDIDATES = 200

#: Minutes are scaled by a power of two S with S × max(budget, 1) ≈ 2**_TIME_BITS.
_TIME_BITS = 30
#: Objective coefficients are multiples of res, a power of two ≈ largest term / 2**_VALUE_BITS.
_VALUE_BITS = 30
#: Relative tolerance under which two scores are the same (the incumbent is kept on a tie).
_SAME_SCORE_REL = 1e-9

Routes = tuple[tuple[int, ...], ...]


def _same_or_better(a: float, b: float) -> bool:
    """Whether score ``a`` is at least ``b`` within the relative tolerance."""
    return a >= b - _SAME_SCORE_REL * max(1.0, abs(b))


def _scaled(x: NDArray, scale: float, big: int, *, up: bool = False) -> NDArray:
    """``floor(scale × x)`` (``ceil`` with ``up``) as int64, capped to ``[-big, big]``.

    ``scale`` is a power of two, so ``scale × x`` is exact in float64 and so is the rounding.
    """
    y = np.asarray(x, dtype=float) * scale
    y = np.ceil(y) if up else np.floor(y)
    y = np.where(np.isnan(y), big, y)
    return np.clip(y, -big, big).astype(np.int64)


def _shortest(weights: NDArray, big: int) -> NDArray:
    """All-pairs shortest paths (Floyd–Warshall) over non-negative int64 weights, capped."""
    dist = weights.copy()
    np.fill_diagonal(dist, 0)
    for k in range(dist.shape[0]):
        np.minimum(dist, dist[:, k, None] + dist[None, k, :], out=dist)
        np.minimum(dist, big, out=dist)
    return dist


class _Model:
    """The CP-SAT model of a :class:`Problem` and the maps between its variables and routes."""

    def __init__(self, problem: Problem) -> None:
        p = problem
        self.p = p
        m = p.n_candidates
        self.m = m
        k = m + 2  # start, candidates, end (or the dummy sink of an open end)
        end = m + 1
        self.end = end
        n = p.n_places
        travel = np.zeros((k, k))
        stay = np.zeros(k)
        value = np.zeros(k)
        wl = np.zeros((k, k))
        travel[:n, :n] = p.travel_min
        stay[:n] = p.stay_min
        value[:n] = p.value
        wl[:n, :n] = p.weighted_lift
        if (np.isnan(travel) | (travel < 0)).any() or not (np.isfinite(stay) & (stay >= 0)).all():
            raise InputError(
                "the exact solver needs travel times >= 0 (inf for no way) and finite stays >= 0"
            )
        if not np.isfinite(value).all() or not np.isfinite(wl[np.isfinite(travel)]).all():
            raise InputError("the exact solver needs finite values and lifts")
        self.const = float(p.value[0]) + (float(p.value[-1]) if p.has_end else 0.0)

        # --- time scale and integer durations ---------------------------------------------
        limit = p.budget_min + FEASIBILITY_TOL_MIN  # the reference's float comparison
        exponent = _TIME_BITS - math.ceil(math.log2(max(abs(limit), 1.0)))
        self.scale = scale = 2.0**exponent
        self.cap = cap = math.floor(limit * scale) + 1
        big = 4 * max(abs(cap), 1) + 4
        s_travel = _scaled(travel, scale, big)
        s_stay = _scaled(stay, scale, big)
        # minutes to go along an arc and stay at its head (floor: a lower bound)
        arc_min = np.minimum(s_travel + s_stay[None, :], big)
        self.arc_min = arc_min
        s0 = int(s_stay[0])
        dist = _shortest(arc_min, big)
        cands = np.arange(1, m + 1)
        node_ok = np.zeros(k, dtype=bool)
        node_ok[[0, end]] = True
        node_ok[cands] = s0 + dist[0, cands] + dist[cands, end] <= cap
        arc_ok = (s0 + dist[0, :, None] + arc_min + dist[None, :, end]) <= cap
        arc_ok &= node_ok[:, None] & node_ok[None, :]
        np.fill_diagonal(arc_ok, False)
        arc_ok[:, 0] = False
        arc_ok[end, :] = False

        # --- windows ----------------------------------------------------------------------
        self.hard_dom: dict[int, cp_model.Domain] = {}
        self.soft_dom: dict[int, cp_model.Domain] = {}
        if p.windows is not None:
            tol = FEASIBILITY_TOL_MIN
            for j in cands[node_ok[cands]]:
                win = p.windows[j]
                if p.soft_windows and p.off_hours_penalty * value[j] == 0:
                    continue  # an off-hours visit costs nothing here
                lo = _scaled(win[:, 0] - tol, scale, big) - 1
                hi = _scaled(win[:, 1] + tol, scale, big, up=True) + 1
                keep = (hi >= 0) & (lo <= cap) & (lo <= hi)
                intervals = [
                    [max(0, int(a)), min(cap, int(b))]
                    for a, b in zip(lo[keep], hi[keep], strict=True)
                ]
                dom = cp_model.Domain.from_intervals(intervals)
                if dom.size() == cap + 1:
                    continue  # open all the time the route can last
                if p.soft_windows:
                    self.soft_dom[int(j)] = dom
                elif dom.is_empty():
                    node_ok[j] = False
                    arc_ok[j, :] = False
                    arc_ok[:, j] = False
                else:
                    self.hard_dom[int(j)] = dom
        self.timed = bool(self.hard_dom or self.soft_dom)
        self.node_ok = node_ok
        self.arc_ok = arc_ok

        # --- objective coefficients -------------------------------------------------------
        penalty = p.off_hours_penalty * value
        soft = np.asarray(sorted(self.soft_dom), dtype=np.intp)
        terms = np.concatenate([value[cands], wl[arc_ok], penalty[soft]])
        largest = float(np.abs(terms).max()) if terms.size else 0.0
        res = 2.0 ** (math.ceil(math.log2(largest)) - _VALUE_BITS) if largest > 0 else 1.0
        v_c = np.rint(value / res).astype(np.int64)
        l_c = np.where(arc_ok, np.rint(np.where(arc_ok, wl, 0.0) / res), 0).astype(np.int64)
        p_c = np.rint(penalty / res).astype(np.int64)
        gcd = int(np.gcd.reduce(np.concatenate([v_c[cands], l_c[arc_ok], p_c[soft]])))
        if gcd > 1:
            v_c, l_c, p_c, res = v_c // gcd, l_c // gcd, p_c // gcd, res * gcd
        err_v = float(np.abs(value[cands] - v_c[cands] * res).max(initial=0.0))
        err_l = float(np.abs(wl[arc_ok] - l_c[arc_ok] * res).max(initial=0.0))
        err_p = float(np.abs(penalty[soft] - p_c[soft] * res).max(initial=0.0))
        per_route = m if p.n_stops is None else max(0, p.n_stops - 1 - int(p.has_end))
        visits = min(int(node_ok[cands].sum()), p.n_routes * per_route)
        self.res = res
        self.slack = visits * (err_v + err_p) + (visits + p.n_routes) * err_l
        self.v_c, self.l_c, self.p_c = v_c, l_c, p_c
        self.penalty = penalty
        self.s_travel, self.s_stay = s_travel, s_stay
        self.s_travel_up = _scaled(travel, scale, big, up=True)
        self.s_stay_up = _scaled(stay, scale, big, up=True)
        self._build(per_route)

    # --- the CP-SAT model -----------------------------------------------------------------

    def _build(self, per_route: int) -> None:
        p, m, end = self.p, self.m, self.end
        model = cp_model.CpModel()
        self.model = model
        cands = [j for j in range(1, m + 1) if self.node_ok[j]]
        self.cands = cands
        tails, heads = np.nonzero(self.arc_ok)
        arc_list = [(int(i), int(j)) for i, j in zip(tails, heads, strict=True)]
        self.arcs: list[dict[tuple[int, int], cp_model.IntVar]] = []
        self.skip: list[dict[int, cp_model.IntVar]] = []
        visit: list[dict[int, cp_model.LiteralT]] = []
        obj_vars: list[cp_model.LiteralT] = []
        obj_coefs: list[int] = []
        for d in range(p.n_routes):
            lits = {a: model.new_bool_var(f"x{d}_{a[0]}_{a[1]}") for a in arc_list}
            skip = {j: model.new_bool_var(f"skip{d}_{j}") for j in range(1, m + 1)}
            closing = model.new_bool_var(f"close{d}")
            model.add(closing == 1)
            for j in range(1, m + 1):
                if not self.node_ok[j]:
                    model.add(skip[j] == 1)
            circuit = [(i, j, lit) for (i, j), lit in lits.items()]
            circuit += [(j, j, lit) for j, lit in skip.items()]
            circuit.append((end, 0, closing))
            model.add_circuit(circuit)
            self.arcs.append(lits)
            self.skip.append(skip)
            visit.append({j: ~skip[j] for j in cands})
            # budget without waiting: stay at the start + travel and stays along the arcs
            minutes = cp_model.LinearExpr.weighted_sum(
                list(lits.values()), [int(self.arc_min[a]) for a in lits]
            )
            model.add(minutes <= self.cap - int(self.s_stay[0]))
            if p.n_stops is not None:
                model.add(cp_model.LinearExpr.sum(list(visit[d].values())) == per_route)
            for a, lit in lits.items():
                if self.l_c[a]:
                    obj_vars.append(lit)
                    obj_coefs.append(int(self.l_c[a]))
            for j in cands:
                if self.v_c[j]:
                    obj_vars.append(visit[d][j])
                    obj_coefs.append(int(self.v_c[j]))
        self.visit = visit
        # each candidate on at most one route; identical days in order of their smallest stop
        for j in cands:
            if p.n_routes > 1:
                model.add_at_most_one([visit[d][j] for d in range(p.n_routes)])
            for d in range(1, p.n_routes):
                smaller = [visit[d - 1][i] for i in cands if i < j]
                if smaller:
                    model.add_bool_or(smaller).only_enforce_if(visit[d][j])
                else:
                    model.add(visit[d][j] == 0)
        for j in p.required:
            if self.node_ok[j]:  # else solve_exact returns None at once
                model.add_exactly_one([visit[d][j] for d in range(p.n_routes)])
        for places, most in p.overlap_limits:
            chosen = sorted({int(j) for j in places if 1 <= int(j) <= m and self.node_ok[j]})
            if len(chosen) > most:
                chosen_lits = [visit[d][j] for d in range(p.n_routes) for j in chosen]
                model.add(cp_model.LinearExpr.sum(chosen_lits) <= most)
        self.off: dict[int, cp_model.IntVar] = {}
        self.begin: dict[int, cp_model.IntVar] = {}
        if self.timed:
            for off, coef in self._add_times():
                obj_vars.append(off)
                obj_coefs.append(-coef)
        self.objective = cp_model.LinearExpr.weighted_sum(obj_vars, obj_coefs)
        model.maximize(self.objective)

    def _add_times(self) -> list[tuple[cp_model.IntVar, int]]:
        """Begin times along the arcs, windows and off-hours literals; (literal, penalty)."""
        p, model, end, cap = self.p, self.model, self.end, self.cap
        for j in self.cands:
            dom = self.hard_dom.get(j, cp_model.Domain(0, cap))
            self.begin[j] = model.new_int_var_from_domain(dom, f"t{j}")
        soft = p.soft_windows
        for d in range(p.n_routes):
            for (i, j), lit in self.arcs[d].items():
                # floor(S·begin) moves by the rounded stay and travel, ±1 for float rounding
                lo = int(self.s_stay[i] + self.s_travel[i, j]) - 1
                hi = int(self.s_stay_up[i] + self.s_travel_up[i, j]) + 1
                if j == end:
                    if i != 0:  # (0 → end: the linear budget covers it)
                        finish = self.begin[i] + lo + int(self.s_stay[end])
                        model.add(finish <= cap + 1).only_enforce_if(lit)
                    continue
                t_i = self.begin[i] if i != 0 else 0
                model.add(self.begin[j] >= t_i + lo).only_enforce_if(lit)
                if soft:
                    model.add(self.begin[j] <= t_i + hi).only_enforce_if(lit)
        penalties = []
        for j, dom in self.soft_dom.items():
            off = model.new_bool_var(f"off{j}")
            visited = sum(self.visit[d][j] for d in range(p.n_routes))
            if dom.is_empty():
                model.add(off == visited)
            else:
                model.add(visited >= off)
                model.add_linear_expression_in_domain(self.begin[j], dom).only_enforce_if(~off)
            self.off[j] = off
            penalties.append((off, int(self.p_c[j])))
        return penalties

    # --- between routes and the model -----------------------------------------------------

    def used_arcs(self, routes: Routes) -> list[tuple[int, int, int]]:
        """``(route, tail, head)`` of every arc of a solution (the closing arcs excluded)."""
        out = []
        for d, mid in enumerate(routes):
            stops = [0, *mid, self.end]
            out += [(d, a, b) for a, b in itertools.pairwise(stops)]
        return out

    def ordered(self, routes: Routes) -> Routes:
        """The routes in the model's order: by smallest candidate, empty routes last."""
        return tuple(sorted(routes, key=lambda r: (not r, min(r, default=0))))

    def int_objective(self, routes: Routes) -> int:
        """The model's objective of a solution, with its true (float64) off-hours visits."""
        total = 0
        for _, a, b in self.used_arcs(routes):
            total += int(self.l_c[a, b]) if self.arc_ok[a, b] else 0
        for mid in routes:
            total += int(sum(int(self.v_c[j]) for j in mid))
            if self.p.soft_windows:
                sched = self.p.schedule(mid)
                for j, off in zip(mid, sched.off_hours[1 : 1 + len(mid)], strict=True):
                    if off and j in self.off:
                        total -= int(self.p_c[j])
                    elif off and self.penalty[j] > 0:  # unmodelled: never counts as consistent
                        total -= max(1, math.ceil(self.penalty[j] / self.res))
        return total

    def hint(self, routes: Routes) -> None:
        """Give CP-SAT a feasible solution to start from."""
        model = self.model
        model.clear_hints()
        routes = self.ordered(routes)
        used = set(self.used_arcs(routes))
        if any(not self.arc_ok[a, b] for _, a, b in used):
            logger.debug("exact solver: the incumbent uses a pruned arc; no hint")
            return
        for d in range(self.p.n_routes):
            for (i, j), lit in self.arcs[d].items():
                model.add_hint(lit, (d, i, j) in used)
            on_route = set(routes[d])
            for j, lit in self.skip[d].items():
                model.add_hint(lit, j not in on_route)
        for mid in routes:
            sched = self.p.schedule(mid)
            for pos, j in enumerate(mid, start=1):
                if j in self.begin:
                    model.add_hint(self.begin[j], math.floor(sched.begin[pos] * self.scale))
                if j in self.off:
                    model.add_hint(self.off[j], bool(sched.off_hours[pos]))

    def cut(self, routes: Routes) -> None:
        """Exclude one solution (its set of arcs) from the model."""
        lits = [self.arcs[d][a, b] for d, a, b in self.used_arcs(routes)]
        self.model.add(sum(lits) <= len(lits) - 1)

    def routes(self, solver: cp_model.CpSolver) -> Routes:
        """The solution CP-SAT found, as routes of candidates."""
        out = []
        for lits in self.arcs:
            succ = {i: j for (i, j), lit in lits.items() if solver.boolean_value(lit)}
            mid, node = [], succ[0]
            while node != self.end:
                mid.append(node)
                node = succ[node]
            out.append(tuple(mid))
        return tuple(out)

    def score_bound(self, objective_bound: float) -> float:
        """A valid upper bound on the score from a bound on the model's objective."""
        return self.const + math.floor(objective_bound + 1e-6) * self.res + self.slack

    def trivial_bound(self) -> float:
        """An upper bound on the score without solving: every positive term at once."""
        total = sum(max(0, int(self.v_c[j])) for j in self.cands)
        total += (len(self.cands) + self.p.n_routes) * max(0, int(self.l_c.max(initial=0)))
        return self.score_bound(total)


def _total(problem: Problem, routes: Routes) -> float:
    """The score of a solution, as :meth:`Problem.solution_score` computes it."""
    return float(sum(problem.solution_score(routes).values(), 0.0))


def solve_exact(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    incumbent: Solution | None = None,
    seed: int = 0,
    workers: int = 2,
) -> Solution | None:
    """Optimal solution of a problem, proven by CP-SAT (or the best found in the time limit).

    Parameters
    ----------
    problem
        The pruned problem (see :meth:`PlanningModel.problem`), at most
        :data:`MAX_EXACT_CANDIDATES` candidates. Every feature is modelled: several routes,
        hard or soft time windows, an exact stop count, required candidates, overlap limits,
        lifts and an open end.
    time_limit_s
        Wall-clock seconds for the whole solve (model building included).
    incumbent
        A feasible solution (e.g. the heuristic's): CP-SAT starts from it and only looks for
        better ones. When the optimum scores the same (relative 1e-9), its routes are returned.
    seed
        CP-SAT's random seed; with ``interleave_search`` the search is deterministic for a
        given seed and number of workers (until the time limit cuts it).
    workers
        CP-SAT search workers.

    Returns
    -------
    Solution or None
        ``method="exact"``. The optimum (``optimal=True``, ``bound`` = its score, or within the
        objective resolution above it, see the module notes); when the time limit hits first, the
        best solution found (``optimal=False``) and a valid upper ``bound`` on the optimal
        score. None when the problem is infeasible, or nothing was found in time.

    Raises
    ------
    InputError
        Too many candidates, or an invalid time limit or number of workers.
    """
    started = time.perf_counter()
    m = problem.n_candidates
    if m > MAX_EXACT_CANDIDATES:
        raise InputError(
            f"{m} candidates are more than the exact solver handles ({MAX_EXACT_CANDIDATES}): "
            "use the heuristic, or a smaller budget"
        )
    if not (math.isfinite(time_limit_s) and time_limit_s > 0):
        raise InputError(f"time_limit_s must be a finite number > 0, got {time_limit_s!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a whole number >= 1, got {workers!r}")
    if problem.n_stops is not None and problem.n_stops < 1 + int(problem.has_end):
        logger.info("exact solver: no route has %d stops: infeasible", problem.n_stops)
        return None
    deadline = started + time_limit_s
    cp = _Model(problem)
    unreachable = [j for j in problem.required if not cp.node_ok[j]]
    if unreachable:
        logger.info("exact solver: required candidates %s cannot fit: infeasible", unreachable)
        return None

    best: Routes | None = None
    best_score = -math.inf
    if incumbent is not None:
        routes = tuple(tuple(int(x) for x in mid) for mid in incumbent.routes)
        reason = problem.check(routes)
        if reason:
            logger.warning("exact solver: ignoring an infeasible incumbent (%s)", reason)
        else:
            best, best_score = routes, _total(problem, routes)
            cp.hint(routes)
            # a better solution's rounded objective cannot be lower than this
            floor_obj = math.ceil((best_score - cp.const - cp.slack) / cp.res) - 1
            cp.model.add(cp.objective >= min(cp.int_objective(routes), floor_obj))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    # deterministic multi-worker search; small batches and no core/no_lp workers prove the
    # orienteering benchmark about 3× faster (in deterministic time) than CP-SAT's defaults
    solver.parameters.interleave_search = True
    solver.parameters.interleave_batch_size = workers
    solver.parameters.ignore_subsolvers.extend(["core", "no_lp"])
    solver.parameters.random_seed = seed
    optimal = False
    bound = math.inf
    n_solves = n_cuts = 0
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            bound = cp.trivial_bound()
            break
        solver.parameters.max_time_in_seconds = remaining
        status = solver.solve(cp.model)
        n_solves += 1
        if status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug in this module
            raise RuntimeError(f"invalid CP-SAT model: {cp.model.validate()}")
        if status == cp_model.INFEASIBLE:
            optimal, bound = True, best_score
            break
        if status == cp_model.UNKNOWN:  # CP-SAT's bound is not valid then (often 0)
            bound = cp.trivial_bound()
            break
        routes = cp.routes(solver)
        objective = round(solver.objective_value)
        feasible = problem.check(routes) == ""
        if feasible:
            score = _total(problem, routes)
            if best is None or not _same_or_better(best_score, score):
                best, best_score = routes, score
        consistent = feasible and cp.int_objective(routes) >= objective
        if status == cp_model.FEASIBLE:
            bound = cp.score_bound(solver.best_objective_bound)
            break
        if consistent:  # OPTIMAL, and the model valued the solution right
            optimal, bound = True, cp.score_bound(objective)
            break
        # fits only thanks to the rounding, or an off-hours visit the model missed: exclude it
        logger.debug("exact solver: cutting %s (%s)", routes, "value" if feasible else "time")
        cp.cut(routes)
        n_cuts += 1
        if best is not None:
            cp.hint(best)
    elapsed = time.perf_counter() - started
    logger.debug(
        "exact solver: %d candidates, %d solves, %d cuts, %.2f s", m, n_solves, n_cuts, elapsed
    )
    if best is None:
        if optimal:
            logger.info("exact solver: the problem is infeasible (proven)")
        else:
            logger.info("exact solver: no solution found in %.3g s", time_limit_s)
        return None
    bound = max(bound, best_score)
    if optimal and _same_or_better(best_score, bound):
        bound = best_score
    if not optimal:
        logger.info(
            "exact solver: time limit of %.3g s reached; best %.6g, bound %.6g",
            time_limit_s,
            best_score,
            bound,
        )
    minutes = tuple(problem.schedule(mid).minutes for mid in best)
    return Solution(best, minutes, best_score, optimal, "exact", bound=bound)
