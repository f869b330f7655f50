"""Heuristic solver: greedy insertion and iterated local search over the routes of a Problem.

The search keeps every route feasible at all times (budget, hard windows, stop cap, overlap
limits) and ranks solutions lexicographically: first the *deficit* (required candidates not
visited, plus the stops missing from routes shorter than an exact ``n_stops``), then the score,
then the total minutes (among equal scores, a shorter solution leaves more room).

1. Start from empty routes (start → end), or from the quickest way through other landmarks when
   the direct one does not fit the budget.
2. Greedy insertion: insert the candidate, into the route and at the position, with the best
   score gained per minute added (deficit-reducing insertions first).
3. Local search until no move improves: insertion; replacement of a stretch of 1–3 stops by an
   unvisited candidate, in its place or at one of the candidate's quickest gaps elsewhere in the
   route (1-for-1 … 3-for-1 exchanges); reordering within a route (2-opt, or-opt of 1–3 stops in
   order or reversed, swap); moving or exchanging stops between routes (days); removal (negative
   lifts, off-hours visits).
4. Iterated local search with ``numpy.random.default_rng(seed)``: perturb the current solution
   (drop a random stretch or set of stops, often keeping them out of the refill; force unvisited
   candidates in and remove the stops that cost most minutes per score; or restart from a random
   candidate), refill it greedily (with a random exponent on the minutes and noisy scores now and
   then) and repeat 3. The search moves on from solutions up to 2 % worse and returns to the best
   one after 20 rounds without progress.

Feasibility uses the wait/latest-arrival bookkeeping of ILS for the TOPTW (Vansteenwegen et al.,
2009), generalised to several windows a place: every stop knows the latest arrival that keeps the
rest of its route feasible, so inserting or replacing a stretch is checked in O(1); with soft
windows the visits after a change move by the same minutes, and only those that may leave or
enter a window are re-checked. Every neighbourhood is screened at once with numpy; the best
screened move is then evaluated sequentially, exactly as :meth:`Problem.schedule` does, before it
is applied (this settles the moves whose screening is an estimate, e.g. reordering with windows).

The number of rounds depends only on the number of candidates (see :func:`default_rounds`), so
the result is deterministic for a given problem and seed; the best solution so far is always
feasible (anytime), and ``time_limit_s`` can stop the rounds early.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import time
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from .model import FEASIBILITY_TOL_MIN, Problem, Solution, dijkstra

__all__ = ["default_rounds", "solve_heuristic"]

logger = logging.getLogger(__name__)

_TOL = FEASIBILITY_TOL_MIN
_INF = math.inf
_PLAIN, _HARD, _SOFT = 0, 1, 2

#: Relative tolerance on scores: smaller differences are ties (broken by the minutes).
_SCORE_RTOL = 1e-9
#: Screened moves re-evaluated exactly, best first, before a neighbourhood gives up.
_VERIFY_PLAIN = 3
_VERIFY_WINDOWS = 12
#: The search moves on to a perturbed solution up to this fraction worse than the current ...
_WANDER = 0.02
#: ... and returns to the best one after this many rounds without improvement.
_RESET_EVERY = 20
#: Chances that a perturbation restarts from a random candidate, or forces candidates in
#: (else it drops a stretch of stops).
_P_RESTART = 0.2
_P_FORCE = 0.25
#: Chance that the stops a perturbation drops are left out of the greedy refill.
_P_TABU = 0.5
#: Or-opt and swap moves go at most this many positions away (long routes).
_REACH = 15
#: Rounds for m candidates: 8 m, at least 30, at most 150 and at most 6000 / m.
_ROUNDS_MIN = 30
_ROUNDS_PER_CANDIDATE = 8
_ROUNDS_MAX = 150
_ROUNDS_WORK = 6000


class _Route:
    """One route evaluated exactly (as :meth:`Problem.schedule`), with its latest arrivals.

    Arrays run over the stops (start, visited candidates, end if any); the ``*_x`` arrays have
    one more entry for the "nothing" after the last stop (place index ``K``): its arrival is
    the route's end and its latest arrival the budget. ``latest_x[i]`` is the latest arrival
    at stop ``i`` that keeps stops ``i..`` feasible. Routes are never changed once evaluated
    (the search replaces them), so the arrays derived from them are cached here.
    """

    __slots__ = (
        "arr_x",
        "ins",
        "latest_x",
        "leave",
        "mid",
        "minutes",
        "off",
        "ok",
        "rep",
        "score",
        "settled",
        "stable",
        "stops_x",
    )

    def __init__(
        self,
        mid: Sequence[int],
        stops_x: list[int],
        arr_x: list[float],
        leave: list[float],
        latest_x: list[float],
        off: list[bool] | None,
        score: float,
        ok: bool,
    ) -> None:
        self.mid = tuple(mid)
        self.stops_x = np.asarray(stops_x, dtype=np.intp)
        self.arr_x = np.asarray(arr_x)
        self.leave = np.asarray(leave)
        self.latest_x = np.asarray(latest_x)
        self.off = np.zeros(len(leave), dtype=bool) if off is None else np.asarray(off, dtype=bool)
        #: Minutes from arriving at the start to leaving the last stop.
        self.minutes = leave[-1]
        #: Values of the visited candidates (off-hours penalties deducted) and lifts of the legs.
        self.score = score
        self.ok = ok
        #: Soft windows: see :meth:`_Search._stable_shifts`.
        self.stable: NDArray | None = None
        #: Caches of :meth:`_Search._ins_arrays` and :meth:`_Search._rep_arrays`.
        self.ins: tuple[NDArray, ...] | None = None
        self.rep: dict[int, tuple[NDArray, ...]] = {}
        #: True once no reordering improves the route.
        self.settled = False


class _Positions:
    """Slots of all routes, concatenated: insertion gaps, or stretches of visited stops.

    One entry a slot: route ``rid``; the stop ``a`` before the slot and ``b`` after it (place
    ``K``: nothing), ``bi`` the index of ``b`` in its route; when the visit at ``a`` ends
    (``leave_a``); when ``b`` is reached now (``arr_b``) and at the latest (``latest_b``); the
    score that filling the slot gives up (``base``: the lift a → b for a gap, the stretch's
    values and lifts for a stretch); ``pos`` the gap index (insert after stop ``pos``) or the
    stretch's first stop, its first place ``x``, ``length`` and required stops ``n_req``.
    """

    __slots__ = (
        "a",
        "arr_b",
        "b",
        "base",
        "bi",
        "latest_b",
        "leave_a",
        "length",
        "n_req",
        "pos",
        "rid",
        "x",
    )

    def __init__(self, parts: list[tuple[NDArray, ...]], rids: list[int]) -> None:
        if len(parts) == 1:
            cols = parts[0]
            self.rid = np.full(len(cols[0]), rids[0], dtype=np.intp)
        else:
            cols = tuple(np.concatenate(c) for c in zip(*parts, strict=True))
            self.rid = np.repeat(np.asarray(rids, dtype=np.intp), [len(p[0]) for p in parts])
        self.a, self.x, self.b, self.leave_a, self.latest_b, self.arr_b, self.base = cols[:7]
        self.bi, self.pos, self.length, self.n_req = cols[7:]

    def __len__(self) -> int:
        return len(self.rid)

    def join(self, other: _Positions) -> _Positions:
        """The slots of both, ``self`` first."""
        out = _Positions.__new__(_Positions)
        for name in _Positions.__slots__:
            setattr(out, name, np.concatenate([getattr(self, name), getattr(other, name)]))
        return out


class _Scan:
    """Every unvisited candidate ``u`` placed into every insertion gap (``ins``, the first
    columns) and every stretch of 1 to 3 stops (``rep``) of a solution (:meth:`_Search.place`).
    """

    __slots__ = ("feasible", "gain", "ins", "rep", "shift", "u")

    def __init__(
        self,
        u: NDArray,
        ins: _Positions,
        rep: _Positions | None,
        feasible: NDArray,
        gain: NDArray,
        shift: NDArray,
    ) -> None:
        self.u, self.ins, self.rep = u, ins, rep
        self.feasible, self.gain, self.shift = feasible, gain, shift


class _Search:
    """State and moves of the local search over one :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        p = problem
        self.p = p
        k = p.n_places
        self.K = k
        self.m = p.n_candidates
        self.has_end = p.has_end
        self.end = k - 1  # used only with has_end
        self.n_routes = p.n_routes
        self.mandatory = 1 + int(p.has_end)
        self.budget_tol = float(p.budget_min) + _TOL
        # Extended matrices: index K is "nothing" (after the last stop of an open route).
        tx = np.zeros((k + 1, k + 1))
        tx[:k, :k] = p.travel_min
        wlx = np.zeros((k + 1, k + 1))
        wlx[:k, :k] = p.weighted_lift
        self.Tx, self.WLx = tx, wlx
        self.has_lifts = bool(np.any(wlx))
        self.stay_x = np.append(p.stay_min, 0.0)
        self.val_x = np.append(p.value, 0.0)
        self._t = p.travel_min.tolist()
        self._wl = p.weighted_lift.tolist()
        self._stay = p.stay_min.tolist()
        self._val = p.value.tolist()
        self.candidates = np.arange(1, 1 + self.m, dtype=np.intp)
        self.base_score = float(p.value[0]) + (float(p.value[-1]) if p.has_end else 0.0)
        scale = max(1.0, float(np.abs(p.value).max(initial=0.0)), float(np.abs(wlx).max()))
        self.stol = _SCORE_RTOL * scale
        self.ttol = 1e-9 * max(1.0, float(p.budget_min))
        # Among moves of equal score, prefer the one adding fewer minutes.
        self.time_weight = self.stol / (4.0 * p.n_routes * max(1.0, float(p.budget_min)))
        # Stop counts: at most cap_mid candidates a route; exactly q when n_stops is set.
        self.q: int | None = None if p.n_stops is None else p.n_stops - self.mandatory
        self.cap_mid = self.m if self.q is None else max(self.q, 0)
        self.req = np.zeros(k + 1, dtype=bool)
        self.req[list(p.required)] = True
        # Overlap limits as a membership matrix.
        self.groups = np.zeros((len(p.overlap_limits), k + 1), dtype=bool)
        self.most = np.zeros(len(p.overlap_limits), dtype=np.intp)
        for g, (places, most) in enumerate(p.overlap_limits):
            self.groups[g, list(places)] = True
            self.most[g] = most
        # Windows: padded (K + 1, W) opening and closing times; start, end and nothing always open.
        self.penalty = float(p.off_hours_penalty)
        if p.windows is None:
            self.mode = _PLAIN
            self._wins: list[list[tuple[float, float]]] = []
        else:
            self.mode = _SOFT if p.soft_windows else _HARD
            width = max(1, max(len(w) for w in p.windows))
            self.WO = np.full((k + 1, width), _INF)
            self.WC = np.full((k + 1, width), _INF)
            self._wins = []
            for i, w in enumerate(p.windows):
                self.WO[i, : len(w)] = w[:, 0]
                self.WC[i, : len(w)] = w[:, 1]
                self._wins.append([(float(o), float(c)) for o, c in w])
            for i in [0, k] + ([k - 1] if p.has_end else []):
                self.WO[i] = _INF
                self.WC[i] = _INF
                self.WO[i, 0] = -_INF
        self.routes: list[_Route] = []
        self.visited = np.zeros(k + 1, dtype=bool)
        self.tabu = np.zeros(k + 1, dtype=bool)
        self.gcount = np.zeros(len(self.most), dtype=np.intp)

    # -- exact evaluation ------------------------------------------------------------------------

    def route(self, mid: Sequence[int]) -> _Route:
        """Evaluate the route through ``mid`` sequentially, as :meth:`Problem.schedule` does
        (the same floating-point operations in the same order, so feasibility agrees exactly),
        then its latest arrivals backwards."""
        stops = [0, *mid]
        if self.has_end:
            stops.append(self.end)
        n = len(stops)
        last = n - 1 if self.has_end else n
        t, wl, stay, val, wins = self._t, self._wl, self._stay, self._val, self._wins
        mode = self.mode
        if not mode:
            return self._route_plain(mid, stops)
        arr = [0.0] * (n + 1)
        leave = [0.0] * n
        off = [False] * n
        clock, score, ok, prev = 0.0, 0.0, True, 0
        for i, x in enumerate(stops):
            if i:
                clock += t[prev][x]
                score += wl[prev][x]
            arr[i] = clock
            if 0 < i < last:
                v = val[x]
                inside = False
                for o, c in wins[x]:
                    if o <= clock + _TOL and clock <= c + _TOL:
                        inside = True
                        break
                if not inside:
                    if mode == _SOFT:  # nobody waits; the visit loses part of its value
                        off[i] = True
                        v -= self.penalty * v
                    else:  # wait for the next window to open
                        for o, _c in wins[x]:
                            if o > clock:
                                clock = o
                                break
                        else:
                            ok = False
                score += v
            clock += stay[x]
            leave[i] = clock
            prev = x
        arr[n] = clock
        if not clock <= self.budget_tol:
            ok = False
        latest = [0.0] * (n + 1)
        latest[n] = lim = self.budget_tol
        hard = mode == _HARD
        for i in range(n - 1, 0, -1):
            x = stops[i]
            b = lim - stay[x]
            if hard and i < last:
                lat = -_INF
                for o, c in reversed(wins[x]):
                    if o <= b:
                        lat = min(c + _TOL, b)
                        break
                b = lat
            latest[i] = b
            lim = b - t[stops[i - 1]][x]
        r = _Route(mid, [*stops, self.K], arr, leave, latest, off, score, ok)
        if mode == _SOFT:
            r.stable = self._stable_shifts(stops, arr, last)
        return r

    def _stable_shifts(self, stops: list[int], arr: list[float], last: int) -> NDArray:
        """Soft windows: for each stop index ``b``, the open interval of shifts of the visits
        from ``b`` on within which none of them enters or leaves a window (2 × (n + 1))."""
        n = len(stops)
        lo = [-_INF] * (n + 1)
        hi = [_INF] * (n + 1)
        for i in range(last - 1, 0, -1):
            a = arr[i]
            low, high = -_INF, _INF
            for o, c in self._wins[stops[i]]:
                if o - _TOL <= a <= c + _TOL:
                    low, high = o - _TOL - a, c + _TOL - a
                    break
                if c + _TOL < a:
                    low = c + _TOL - a
                elif o - _TOL > a:
                    high = o - _TOL - a
                    break
            lo[i] = max(low, lo[i + 1])
            hi[i] = min(high, hi[i + 1])
        return np.array([lo, hi])

    def _route_plain(self, mid: Sequence[int], stops: list[int]) -> _Route:
        """:meth:`route` without windows."""
        t, stay = self._t, self._stay
        n = len(stops)
        arr = [0.0] * (n + 1)
        leave = [0.0] * n
        clock = leave[0] = stay[0]
        prev = 0
        for i in range(1, n):
            x = stops[i]
            clock += t[prev][x]
            arr[i] = clock
            clock += stay[x]
            leave[i] = clock
            prev = x
        arr[n] = clock
        val = self._val
        score = sum([val[x] for x in mid])
        if self.has_lifts:
            wl = self._wl
            score += sum([wl[a][b] for a, b in itertools.pairwise(stops)])
        latest = [0.0] * (n + 1)
        latest[n] = lim = self.budget_tol
        for i in range(n - 1, 0, -1):
            x = stops[i]
            latest[i] = b = lim - stay[x]
            lim = b - t[stops[i - 1]][x]
        return _Route(
            mid, [*stops, self.K], arr, leave, latest, None, score, clock <= self.budget_tol
        )

    def _deficit_of(self, n_mid: int) -> int:
        return 0 if self.q is None else max(0, self.q - n_mid)

    def totals(self) -> tuple[int, float, float]:
        """(deficit, score, minutes) of the current solution."""
        deficit = int((self.req & ~self.visited).sum())
        deficit += sum(self._deficit_of(len(r.mid)) for r in self.routes)
        score = self.base_score + sum(r.score for r in self.routes)
        return deficit, score, sum(r.minutes for r in self.routes)

    def better(self, dd: int, ds: float, dt: float) -> bool:
        """Whether a change of (deficit, score, minutes) improves a solution."""
        if dd:
            return dd < 0
        return ds > self.stol or (ds >= -self.stol and dt < -self.ttol)

    def ahead(self, a: tuple[int, float, float], b: tuple[int, float, float]) -> bool:
        """Whether totals ``a`` are better than ``b``."""
        return self.better(a[0] - b[0], a[1] - b[1], a[2] - b[2])

    def load(self, routes: Sequence[_Route]) -> None:
        """Make ``routes`` (evaluated by :meth:`route`) the current solution."""
        self.routes = list(routes)
        self.visited[:] = False
        for r in self.routes:
            self.visited[list(r.mid)] = True
        self.gcount = self.groups[:, self.visited].sum(axis=1) if len(self.most) else self.gcount

    def snapshot(self) -> tuple[tuple[_Route, ...], tuple[int, float, float]]:
        """The current routes (never changed in place) and their totals."""
        return tuple(self.routes), self.totals()

    def commit(self, changes: dict[int, Sequence[int]], *, rule: str = "improve") -> bool:
        """Apply new routes ``{route: mid}`` when they are feasible and (by ``rule``) better.

        ``rule`` "improve": the solution must improve; "any": any feasible change is applied.
        """
        new = {r: self.route(mid) for r, mid in changes.items()}
        dd, ds, dt = 0, 0.0, 0.0
        removed: set[int] = set()
        added: set[int] = set()
        for r, nr in new.items():
            if not nr.ok or len(nr.mid) > self.cap_mid:
                return False
            old = self.routes[r]
            removed.update(old.mid)
            added.update(nr.mid)
            dd += self._deficit_of(len(nr.mid)) - self._deficit_of(len(old.mid))
            ds += nr.score - old.score
            dt += nr.minutes - old.minutes
        removed, added = removed - added, added - removed
        add, rem = sorted(added), sorted(removed)
        dd += int(self.req[rem].sum()) - int(self.req[add].sum())
        if len(self.most) and add:
            counts = self.gcount - self.groups[:, rem].sum(1) + self.groups[:, add].sum(1)
            if ((counts > self.most) & (counts > self.gcount)).any():
                return False
        if rule == "improve" and not self.better(dd, ds, dt):
            return False
        for r, nr in new.items():
            self.routes[r] = nr
        self.visited[rem] = False
        self.visited[add] = True
        if len(self.most):
            self.gcount = self.gcount - self.groups[:, rem].sum(1) + self.groups[:, add].sum(1)
        return True

    # -- vectorised screening --------------------------------------------------------------------

    def _ins_arrays(self, r: _Route) -> tuple[NDArray, ...]:
        """Insertion gaps of a route: after stop ``p`` for p = 0..P-1."""
        if r.ins is None:
            n = len(r.leave)
            n_pos = n - 1 if self.has_end else n
            s = r.stops_x
            a, b = s[:n_pos], s[1 : n_pos + 1]
            r.ins = (
                a,
                np.full(n_pos, self.K, dtype=np.intp),
                b,
                r.leave[:n_pos],
                r.latest_x[1 : n_pos + 1],
                r.arr_x[1 : n_pos + 1],
                self.WLx[a, b],
                np.arange(1, n_pos + 1),
                np.arange(n_pos),
                np.zeros(n_pos, dtype=np.intp),
                np.zeros(n_pos, dtype=np.intp),
            )
        return r.ins

    def _rep_arrays(self, r: _Route, length: int = 1) -> tuple[NDArray, ...]:
        """Stretches of 1 (``length`` 1) or of 1 to 3 (``length`` 3) visited stops of a route.

        ``a`` is the stop before a stretch, ``x`` its first stop, ``b`` the stop after it,
        ``base`` the score of the stretch (its values and the lifts of the legs into, inside and
        out of it), ``pos`` the index of its first stop, ``n_req`` its required stops. The
        stretches of one stop come first.
        """
        got = r.rep.get(3)
        if got is None:
            h = len(r.mid)
            s = r.stops_x
            i, k = _stretch_index(h)
            last = i + k - 1
            a, x, b = s[i - 1], s[i], s[last + 1]
            value = self.val_x[s[1 : h + 1]]
            if self.mode == _SOFT:
                value = np.where(r.off[1 : h + 1], value - self.penalty * value, value)
            cum_v = np.zeros(h + 1)
            np.cumsum(value, out=cum_v[1:])
            base = cum_v[last] - cum_v[i - 1]
            if self.has_lifts:
                cum_l = np.zeros(h + 2)
                np.cumsum(self.WLx[s[: h + 1], s[1 : h + 2]], out=cum_l[1:])
                base = base + (cum_l[last + 1] - cum_l[i - 1])
            if self.req.any():
                cum_r = np.zeros(h + 1, dtype=np.intp)
                np.cumsum(self.req[s[1 : h + 1]], out=cum_r[1:])
                n_req = cum_r[last] - cum_r[i - 1]
            else:
                n_req = np.zeros(len(i), dtype=np.intp)
            got = r.rep[3] = (
                a,
                x,
                b,
                r.leave[i - 1],
                r.latest_x[last + 1],
                r.arr_x[last + 1],
                base,
                last + 1,
                i,
                k,
                n_req,
            )
        if length == 1:
            h = len(r.mid)
            return tuple(c[:h] for c in got)
        return got

    def positions(
        self, kind: str, *, open_only: bool = False, length: int = 1
    ) -> _Positions | None:
        """Insertion gaps ("ins") or stretches of 1 (or 1 to ``length`` = 3) visited stops
        ("rep") of all routes."""
        parts, rids = [], []
        for i, r in enumerate(self.routes):
            if kind == "ins":
                if open_only and len(r.mid) >= self.cap_mid:
                    continue
                parts.append(self._ins_arrays(r))
                rids.append(i)
            elif r.mid:
                parts.append(self._rep_arrays(r, length))
                rids.append(i)
        return _Positions(parts, rids) if parts else None

    def _inside(self, nodes: NDArray, times: NDArray) -> NDArray:
        """Whether a visit of ``nodes`` beginning at ``times`` is inside a window."""
        wo, wc = self.WO[nodes], self.WC[nodes]
        t = times[..., None]
        return ((wo <= t + _TOL) & (t <= wc + _TOL)).any(-1)

    def _begin(self, nodes: NDArray, times: NDArray) -> NDArray:
        """When visits of ``nodes`` arriving at ``times`` begin under hard windows (inf: never)."""
        wo, wc = self.WO[nodes], self.WC[nodes]
        t = times[..., None]
        inside = ((wo <= t + _TOL) & (t <= wc + _TOL)).any(-1)
        nxt = np.where(wo > t, wo, _INF).min(-1)
        return np.where(inside, times, nxt)

    def place(self, u: NDArray, pos: _Positions) -> tuple[NDArray, NDArray, NDArray]:
        """Put each of ``u`` into each slot of ``pos`` (between its ``a`` and ``b``).

        Returns feasibility, score change (the slot's ``base`` removed) and the shift of the
        arrival at ``b``, each ``(len(u), len(pos))``.
        """
        tx = self.Tx
        uc = u[:, None]
        arrive = pos.leave_a + tx[pos.a[None, :], uc]
        begin = self._begin(uc, arrive) if self.mode == _HARD else arrive
        arr_b = begin + self.stay_x[uc] + tx[uc, pos.b[None, :]]
        feasible = arr_b <= pos.latest_b
        shift = arr_b - pos.arr_b
        value = self.val_x[uc]
        if self.mode == _SOFT:
            value = np.where(self._inside(uc, arrive), value, value - self.penalty * value)
        gain = value + self.WLx[pos.a[None, :], uc] + self.WLx[uc, pos.b[None, :]] - pos.base
        if self.mode == _SOFT:
            gain = gain + self._suffix_change(pos, shift, feasible)
        return feasible, gain, shift

    def removal(self, pos: _Positions) -> tuple[NDArray, NDArray, NDArray]:
        """Remove each visited stop of ``pos``: feasibility, score change, shift (1-D)."""
        arr_b = pos.leave_a + self.Tx[pos.a, pos.b]
        feasible = arr_b <= pos.latest_b
        shift = arr_b - pos.arr_b
        gain = self.WLx[pos.a, pos.b] - pos.base
        if self.mode == _SOFT:
            gain = gain + self._suffix_change(pos, shift[None, :], feasible[None, :])[0]
        return feasible, gain, shift

    def _suffix_change(self, pos: _Positions, shift: NDArray, feasible: NDArray) -> NDArray:
        """Soft windows: score change of the stops from each slot's ``b`` on when their visits
        begin ``shift`` minutes later (nobody waits, so they all move by the same amount)."""
        change = np.zeros(shift.shape)
        routes = self.routes
        size = np.array([len(r.leave) for r in routes])  # stops a route
        offset = np.concatenate([[0], np.cumsum(size + 1)[:-1]])
        stable = np.concatenate([r.stable for r in routes if r.stable is not None], axis=1)
        stable = stable[:, offset[pos.rid] + pos.bi]
        moves = (shift <= stable[0]) | (shift >= stable[1])
        rows, cols = np.nonzero(feasible & moves)
        if rows.size == 0:
            return change
        last = size - int(self.has_end)  # stops from `last` on have no window
        nodes_x = np.concatenate([r.stops_x for r in routes])
        arr_x = np.concatenate([r.arr_x for r in routes])
        off_x = np.concatenate([np.append(r.off, False) for r in routes])
        stop_at = last[pos.rid]
        width = max(1, int((stop_at - pos.bi).max()))
        idx = pos.bi[:, None] + np.arange(width)[None, :]
        valid = idx < stop_at[:, None]
        flat = offset[pos.rid][:, None] + np.where(valid, idx, size[pos.rid][:, None])
        flat = flat[cols]
        nodes = nodes_x[flat]
        now_off = ~self._inside(nodes, arr_x[flat] + shift[rows, cols][:, None]) & valid[cols]
        delta = (off_x[flat].astype(float) - now_off) * (self.penalty * self.val_x[nodes])
        change[rows, cols] = delta.sum(1)
        return change

    def free(self) -> NDArray:
        """Unvisited candidates that the overlap limits allow to add."""
        free = ~self.visited[self.candidates]
        if len(self.most):
            full = self.gcount >= self.most
            if full.any():
                free &= ~self.groups[full][:, self.candidates].any(0)
        return self.candidates[free]

    def _select(
        self, mask: NDArray, dd: NDArray | None, key: NDArray, n: int
    ) -> Iterator[tuple[int, ...]]:
        """Indices of the ``n`` best entries of ``mask``, best first: lowest deficit change
        ``dd`` (None: all 0), then highest ``key``."""
        if dd is not None:
            dd = np.broadcast_to(dd, mask.shape)
            low = dd[mask].min(initial=0)
            if low < 0:
                mask = mask & (dd == low)
        scores = np.where(mask, key, -_INF).ravel()
        best = int(scores.argmax())
        if not mask.flat[best]:
            return
        yield tuple(int(v) for v in np.unravel_index(best, mask.shape))
        idx = np.flatnonzero(mask.ravel())
        if n <= 1 or idx.size <= 1:
            return
        order = idx[np.argsort(-scores[idx], kind="stable")]
        for i in order[1:n]:
            yield tuple(int(v) for v in np.unravel_index(int(i), mask.shape))

    def _improving(self, dd: NDArray | None, ds: NDArray, dt: NDArray) -> NDArray:
        """:meth:`better`, vectorised (``dd`` None: no deficit change)."""
        better = (ds > self.stol) | ((ds >= -self.stol) & (dt < -self.ttol))
        if dd is None:
            return better
        return (dd < 0) | ((dd == 0) & better)

    @property
    def n_verify(self) -> int:
        """How many screened moves of a neighbourhood are re-evaluated exactly."""
        return _VERIFY_PLAIN if self.mode == _PLAIN else _VERIFY_WINDOWS

    # -- neighbourhoods ----------------------------------------------------------------------------

    def insert(self, *, beta: float | None = None, noise: NDArray | None = None) -> bool:
        """Apply the best improving insertion by gain / minutes**beta, times the candidate's
        ``noise``, leaving out ``tabu`` candidates (the greedy step with windows)."""
        u = self.free()
        u = u[~self.tabu[u]]
        pos = self.positions("ins", open_only=True)
        if u.size == 0 or pos is None:
            return False
        feasible, gain, shift = self.place(u, pos)
        minutes = np.maximum(shift, 1e-6)
        if beta is not None and beta != 1.0:
            minutes = minutes**beta
        key = np.where(gain > 0, gain / minutes, gain * minutes)
        if noise is not None:
            key = key * noise[u][:, None]
        return self._insert(u, pos, feasible, gain, shift, key)

    def _insert(
        self,
        u: NDArray,
        pos: _Positions,
        feasible: NDArray,
        gain: NDArray,
        shift: NDArray,
        key: NDArray,
    ) -> bool:
        dd = None
        if self.req.any():
            dd = -self.req[u][:, None].astype(np.intp)
        if self.q is not None:
            below = np.array([len(r.mid) < self.q for r in self.routes])[pos.rid]
            dd = (0 if dd is None else dd) - below[None, :]
        mask = feasible & self._improving(dd, gain, shift)
        for i, j in self._select(mask, dd, key, self.n_verify):
            r, at = int(pos.rid[j]), int(pos.pos[j])
            mid = list(self.routes[r].mid)
            mid.insert(at, int(u[i]))
            if self.commit({r: mid}):
                return True
        return False

    def scan(self) -> _Scan | None:
        """Place every unvisited candidate into every gap and stretch of the solution."""
        u = self.candidates[~self.visited[self.candidates]]
        ins = self.positions("ins")
        if u.size == 0 or ins is None:
            return None
        rep = self.positions("rep", length=3)
        both = ins if rep is None else ins.join(rep)
        feasible, gain, shift = self.place(u, both)
        return _Scan(u, ins, rep, feasible, gain, shift)

    def insert_best(self, scan: _Scan) -> bool:
        """Apply the best improving insertion (by gain)."""
        n = len(scan.ins)
        feasible, gain, shift = scan.feasible[:, :n], scan.gain[:, :n], scan.shift[:, :n]
        if len(self.most):
            feasible = feasible & np.isin(scan.u, self.free())[:, None]
        if self.cap_mid < self.m:
            open_ = np.array([len(r.mid) < self.cap_mid for r in self.routes])[scan.ins.rid]
            feasible = feasible & open_[None, :]
        key = gain - self.time_weight * shift
        return self._insert(scan.u, scan.ins, feasible, gain, shift, key)

    def _stretch_dd(self, pos: _Positions, u: NDArray) -> NDArray | None:
        """Deficit change of replacing each stretch of ``pos`` by one of ``u`` (u × pos)."""
        dd = None
        if self.req.any():
            dd = pos.n_req[None, :] - self.req[u][:, None].astype(np.intp)
        if self.q is not None and (pos.length > 1).any():
            n_mid = np.array([len(r.mid) for r in self.routes])[pos.rid]
            now = np.maximum(0, self.q - n_mid)
            after = np.maximum(0, self.q - (n_mid - pos.length + 1))
            dd = (after - now)[None, :] + (0 if dd is None else dd)
        return dd

    def _blocked(self, u: NDArray, pos: _Positions) -> NDArray | None:
        """Overlap limits: whether adding each of ``u`` while removing each stretch of ``pos``
        would exceed a limit (only single stops may make room)."""
        if not len(self.most):
            return None
        full = self.gcount >= self.most
        if not full.any():
            return None
        g = self.groups[full]
        adds = g[:, u]
        blocked = (adds.T.astype(np.intp) @ (~g[:, pos.x]).astype(np.intp)) > 0
        in_full = np.asarray(adds.any(axis=0), dtype=bool)
        return blocked | (in_full[:, None] & (pos.length > 1)[None, :])

    def replace(self, scan: _Scan) -> bool:
        """Apply the best improving replacement of a stretch of 1 to 3 stops by an unvisited
        candidate, in its place."""
        u, pos = scan.u, scan.rep
        if pos is None:
            return False
        n = len(scan.ins)
        feasible, gain, shift = scan.feasible[:, n:], scan.gain[:, n:], scan.shift[:, n:]
        dd = self._stretch_dd(pos, u)
        mask = feasible & self._improving(dd, gain, shift)
        blocked = self._blocked(u, pos)
        if blocked is not None:
            mask &= ~blocked
        key = gain - self.time_weight * shift
        for i, j in self._select(mask, dd, key, self.n_verify):
            r, at, length = int(pos.rid[j]), int(pos.pos[j]), int(pos.length[j])
            mid = list(self.routes[r].mid)
            mid[at - 1 : at - 1 + length] = [int(u[i])]
            if self.commit({r: mid}):
                return True
        return False

    def swap_in(self, scan: _Scan) -> bool:
        """Apply the best improving exchange of a stretch of 1 to 3 stops for an unvisited
        candidate inserted elsewhere in the same route (at one of its three quickest gaps)."""
        u, rep, ins = scan.u, scan.rep, scan.ins
        if rep is None:
            return False
        gain_i, shift_i = scan.gain[:, : len(ins)], scan.shift[:, : len(ins)]
        ok_r, gain_r, shift_r = self.removal(rep)
        dd_all = self._stretch_dd(rep, u)
        blocked_all = self._blocked(u, rep)
        take = np.take_along_axis
        for r, route in enumerate(self.routes):
            cols = np.flatnonzero(ins.rid == r)
            rows = np.flatnonzero((rep.rid == r) & ok_r)
            if rows.size == 0 or cols.size < 3:
                continue
            gaps = cols[np.argpartition(shift_i[:, cols], 2, axis=1)[:, :3]]  # (nu, 3)
            s3, g3, p3 = take(shift_i, gaps, 1), take(gain_i, gaps, 1), ins.pos[gaps]
            first = rep.pos[rows][None, :, None]
            adjacent = (p3[:, None, :] >= first - 1) & (
                p3[:, None, :] <= first - 1 + rep.length[rows][None, :, None]
            )
            shift = s3[:, None, :] + shift_r[rows][None, :, None]
            gain = g3[:, None, :] + gain_r[rows][None, :, None]
            ok = ~adjacent & (shift <= self.budget_tol - route.minutes)
            dd = None
            if dd_all is not None:
                dd = np.broadcast_to(dd_all[:, rows][:, :, None], ok.shape)
            if blocked_all is not None:
                ok &= ~blocked_all[:, rows][:, :, None]
            ok &= self._improving(dd, gain, shift)
            key = gain - self.time_weight * shift
            for iu, ix, ig in self._select(ok, dd, key, self.n_verify):
                at, length = int(rep.pos[rows[ix]]), int(rep.length[rows[ix]])
                mid: list[int | None] = list(route.mid)
                mid[at - 1 : at - 1 + length] = [None] * length
                mid.insert(int(p3[iu, ig]), int(u[iu]))
                if self.commit({r: [x for x in mid if x is not None]}):
                    return True
        return False

    def remove(self) -> bool:
        """Apply the best improving removal of a stop (negative lifts, off-hours visits)."""
        pos = self.positions("rep")
        if pos is None:
            return False
        feasible, gain, shift = self.removal(pos)
        dd = pos.n_req if self.req.any() else None
        if self.q is not None:
            at_q = np.array([len(r.mid) <= self.q for r in self.routes])[pos.rid]
            dd = at_q if dd is None else dd + at_q
        mask = feasible & self._improving(dd, gain, shift)
        key = gain - self.time_weight * shift
        for (j,) in self._select(mask, dd, key, self.n_verify):
            r, at = int(pos.rid[j]), int(pos.pos[j])
            mid = list(self.routes[r].mid)
            del mid[at - 1]
            if self.commit({r: mid}):
                return True
        return False

    def relocate(self) -> bool:
        """Apply the best improving move of a stop to another route."""
        src = self.positions("rep")
        dst = self.positions("ins", open_only=True)
        if src is None or dst is None:
            return False
        ok_r, gain_r, shift_r = self.removal(src)
        ok_i, gain_i, shift_i = self.place(src.x, dst)
        mask = ok_i & ok_r[:, None] & (src.rid[:, None] != dst.rid[None, :])
        dd = None
        if self.q is not None:
            n_mid = np.array([len(r.mid) for r in self.routes])
            dd = (n_mid[src.rid] <= self.q)[:, None].astype(np.intp) - (n_mid[dst.rid] < self.q)
        gain = gain_i + gain_r[:, None]
        shift = shift_i + shift_r[:, None]
        mask &= self._improving(dd, gain, shift)
        key = gain - self.time_weight * shift
        for i, j in self._select(mask, dd, key, self.n_verify):
            r1, at1 = int(src.rid[i]), int(src.pos[i])
            r2, at2 = int(dst.rid[j]), int(dst.pos[j])
            mid1, mid2 = list(self.routes[r1].mid), list(self.routes[r2].mid)
            x = mid1.pop(at1 - 1)
            mid2.insert(at2, x)
            if self.commit({r1: mid1, r2: mid2}):
                return True
        return False

    def exchange(self) -> bool:
        """Apply the best improving exchange of two stops of different routes."""
        pos = self.positions("rep")
        if pos is None:
            return False
        feasible, gain, shift = self.place(pos.x, pos)
        mask = feasible & feasible.T & (pos.rid[:, None] != pos.rid[None, :])
        mask = np.triu(mask, 1)
        gain = gain + gain.T
        shift = shift + shift.T
        dd = None
        mask &= self._improving(dd, gain, shift)
        key = gain - self.time_weight * shift
        for i, j in self._select(mask, dd, key, self.n_verify):
            r1, at1 = int(pos.rid[i]), int(pos.pos[i])
            r2, at2 = int(pos.rid[j]), int(pos.pos[j])
            mid1, mid2 = list(self.routes[r1].mid), list(self.routes[r2].mid)
            mid1[at1 - 1], mid2[at2 - 1] = mid2[at2 - 1], mid1[at1 - 1]
            if self.commit({r1: mid1, r2: mid2}):
                return True
        return False

    def reorder_deltas(self, stops_x: NDArray) -> tuple[NDArray, NDArray, NDArray] | None:
        """Every 2-opt, or-opt and swap move of a route: (moves, minutes change, score change).

        Exact for problems without windows (travel and lifts only); an estimate with windows.
        """
        h = len(stops_x) - 1 - self.mandatory
        if h < 2:
            return None
        moves, add, rem, rev_i, rev_j = _reorder_moves(h)
        grid = np.ix_(stops_x[: h + 2], stops_x[: h + 2])
        out = []
        for mat in (self.Tx, self.WLx) if self.has_lifts else (self.Tx,):
            d = mat[grid]
            g = np.zeros(h + 2)
            np.cumsum(np.diagonal(d, -1) - np.diagonal(d, 1), out=g[1:])
            flat = np.append(d.ravel(), 0.0)
            delta = flat[add].sum(0) - flat[rem].sum(0) + (g[rev_j] - g[rev_i])
            out.append(delta)
        if len(out) == 1:
            out.append(np.zeros(len(moves)))
        return moves, out[0], out[1]

    def reorder(self, r: int) -> bool:
        """Apply the best improving reordering of route ``r`` (with windows, the screening
        estimates ignore waits and windows: every move that saves travel is a candidate)."""
        route = self.routes[r]
        if route.settled:
            return False
        found = self.reorder_deltas(route.stops_x)
        if found is not None:
            mv, dt, ds = found
            mask = self._improving(None, ds, dt)
            if self.mode != _PLAIN:
                mask |= dt < -self.ttol
            key = ds - self.time_weight * dt
            for (k,) in self._select(mask, None, key, self.n_verify):
                if self.commit({r: _apply_reorder(list(route.mid), mv[k])}):
                    return True
        route.settled = True
        return False

    def reorder_all(self, *, max_moves: int) -> bool:
        """Reorder every route until no reordering improves it."""
        moved = False
        for r in range(len(self.routes)):
            for _ in range(max_moves):
                if not self.reorder(r):
                    break
                moved = True
        return moved

    # -- drivers -----------------------------------------------------------------------------------

    def greedy(self, *, beta: float = 1.0, noise: NDArray | None = None, max_moves: int) -> None:
        """Insert candidates by best gain / minutes**beta while they improve the solution.

        Candidates marked ``tabu`` (just removed by a perturbation) are left out.
        """
        if self.mode == _PLAIN:
            self._greedy_plain(beta=beta, noise=noise, max_moves=max_moves)
        else:
            for _ in range(max_moves):
                if not self.insert(beta=beta, noise=noise):
                    break
        self.tabu[:] = False

    def _greedy_plain(self, *, beta: float, noise: NDArray | None, max_moves: int) -> None:
        """:meth:`greedy` without windows, faster: only the two gaps an insertion creates need
        new columns in the insertion matrices, and a route's slack is the same at every gap.
        The changed routes are evaluated exactly at the end (an insertion that rounding made
        infeasible is undone then)."""
        u = self.free()
        u = u[~self.tabu[u]]
        pos = self.positions("ins", open_only=True)
        if u.size == 0 or pos is None:
            return
        tx, wl, stay, val = self.Tx, self.WLx, self.stay_x, self.val_x
        a, b, rid = pos.a, pos.b, pos.rid
        dd_req = -self.req[u][:, None].astype(np.intp) if self.req.any() else None
        factor = None if noise is None else noise[u][:, None]
        stol, ttol = self.stol, self.ttol

        def columns(a: NDArray, b: NDArray) -> tuple[NDArray, NDArray, NDArray]:
            """Minutes added, ranking key and improvement of inserting ``u`` between a and b."""
            uc = u[:, None]
            shift = tx[a, uc] + stay[uc] + tx[uc, b] - tx[a, b]
            gain = val[uc] + wl[a, uc] + wl[uc, b] - wl[a, b]
            minutes = np.maximum(shift, 1e-6)
            if beta != 1.0:
                minutes = minutes**beta
            key = np.where(gain > 0, gain / minutes, gain * minutes)
            if factor is not None:
                key *= factor
            better = (gain > stol) | ((gain >= -stol) & (shift < -ttol))
            return shift, key, better

        shift, key, better = columns(a, b)
        mids = [list(r.mid) for r in self.routes]
        added: list[list[int]] = [[] for _ in self.routes]
        minutes = np.array([r.minutes for r in self.routes])
        for _ in range(max_moves):
            fits = shift <= (self.budget_tol - minutes)[rid]
            dd = dd_req
            if self.q is not None:
                below = np.array([len(mid) < self.q for mid in mids])[rid]
                dd = (0 if dd is None else dd) - below[None, :]
                mask = fits & (better | (dd < 0))
            else:
                mask = fits & (better if dd is None else (better | (dd < 0)))
            choice = next(self._select(mask, dd, key, 1), None)
            if choice is None:
                break
            i, j = int(choice[0]), int(choice[1])
            r = int(rid[j])
            x = int(u[i])
            mids[r].insert(j - int(np.searchsorted(rid, r)), x)
            added[r].append(x)
            minutes[r] += shift[i, j]
            self.visited[x] = True
            if len(self.most):
                self.gcount = self.gcount + self.groups[:, x]
            rows = u != x
            if len(self.most):
                rows &= np.isin(u, self.free())
            u, shift, key, better = u[rows], shift[rows], key[rows], better[rows]
            if dd_req is not None:
                dd_req = dd_req[rows]
            if factor is not None:
                factor = factor[rows]
            if u.size == 0:
                break
            if len(mids[r]) >= self.cap_mid:
                cols = rid != r
                a, b, rid = a[cols], b[cols], rid[cols]
                shift, key, better = shift[:, cols], key[:, cols], better[:, cols]
                if rid.size == 0:
                    break
                continue
            new_a, new_b = np.array([a[j], x]), np.array([x, b[j]])
            new = columns(new_a, new_b)
            a = np.concatenate([a[:j], new_a, a[j + 1 :]])
            b = np.concatenate([b[:j], new_b, b[j + 1 :]])
            rid = np.concatenate([rid[:j], [r, r], rid[j + 1 :]])
            shift, key, better = (
                np.concatenate([old[:, :j], add, old[:, j + 1 :]], axis=1)
                for old, add in zip((shift, key, better), new, strict=True)
            )
        for r, extra in enumerate(added):
            if not extra:
                continue
            route = self.route(mids[r])
            while not route.ok and extra:  # rounding: undo the latest insertions
                x = extra.pop()
                mids[r].remove(x)
                self.visited[x] = False
                if len(self.most):
                    self.gcount = self.gcount - self.groups[:, x]
                route = self.route(mids[r])
            self.routes[r] = route

    def local_search(self, *, max_moves: int) -> None:
        """Apply improving moves until none is left (or ``max_moves``)."""
        multi = len(self.routes) > 1
        for _ in range(max_moves):
            scan = self.scan()
            if scan is not None and (
                self.insert_best(scan) or self.replace(scan) or self.swap_in(scan)
            ):
                continue
            if self.reorder_all(max_moves=max_moves):
                continue
            if multi and (self.relocate() or self.exchange()):
                continue
            if self.remove():
                continue
            return
        logger.debug("local search stopped after %d moves", max_moves)

    def shorten(self, mid: list[int], *, max_moves: int) -> _Route:
        """The route through ``mid`` reordered for time alone (2-opt, or-opt, swap)."""
        route = self.route(mid)
        for _ in range(max_moves):
            found = self.reorder_deltas(route.stops_x)
            if found is None:
                break
            mv, dt, _ = found
            k = int(np.argmin(dt))
            if dt[k] >= -self.ttol:
                break
            new = self.route(_apply_reorder(list(route.mid), mv[k]))
            if not new.minutes < route.minutes - self.ttol:
                break
            route = new
        return route

    def force(self, u: int, rng: np.random.Generator, *, max_moves: int) -> bool:
        """Insert ``u`` where it adds the fewest minutes, reorder, and remove stops until the
        route fits again (never ``u`` or a required stop)."""
        pos = self.positions("ins")
        if pos is None:
            return False
        shift = self.place(np.array([u]), pos)[2]
        j = int(np.argmin(shift[0]))
        r = int(pos.rid[j])
        mid = list(self.routes[r].mid)
        mid.insert(int(pos.pos[j]), u)
        route = self.shorten(mid, max_moves=max_moves) if self.mode == _PLAIN else self.route(mid)
        while not route.ok or len(route.mid) > self.cap_mid:
            mid = list(route.mid)
            rp = self._rep_arrays(route)
            a, x, b = rp[0], rp[1], rp[2]
            saved = self.Tx[a, x] + self.stay_x[x] + self.Tx[x, b] - self.Tx[a, b]
            lost = rp[6] - self.WLx[a, b]
            ratio = saved / np.maximum(lost, 1e-9)
            ratio = np.where(lost <= 0, _INF, ratio) * rng.uniform(0.8, 1.2, len(mid))
            ratio[(x == u) | self.req[x]] = -_INF
            k = int(np.argmax(ratio))
            if ratio[k] == -_INF:
                return False
            del mid[k]
            route = self.route(mid)
        return self.commit({r: list(route.mid)}, rule="any")


@functools.lru_cache(maxsize=256)
def _stretch_index(h: int) -> tuple[NDArray, NDArray]:
    """First stop and length of every stretch of 1, then 2, then 3 stops among stops 1..h."""
    first = [np.arange(1, h - k + 2) for k in (1, 2, 3)]
    i = np.concatenate(first)
    k = np.concatenate([np.full(len(f), n) for n, f in enumerate(first, 1)])
    i.flags.writeable = k.flags.writeable = False
    return i, k


@functools.lru_cache(maxsize=128)
def _reorder_moves(h: int) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Moves on ``h`` movable stops (positions 1..h of stops 0..h+1), for vectorised deltas.

    Returns ``moves``, rows ``(i, j, kind, p, rev)``: kind 0 is a 2-opt reversing i..j, kind 1
    an or-opt moving the stretch i..j (1 to 3 stops) after stop p (outside i-1..j), reversed
    when ``rev``, kind 2 a swap of i and j (j >= i + 2); ``add`` and ``rem``, ``(4, n_moves)``:
    the flat indices ``a * (h + 2) + b`` of the legs a → b each move adds and removes (padded
    with the index of a zero); ``rev_i``, ``rev_j``: the stretch i..j whose inner legs are
    reversed (i = j: none). Or-opt and swap moves reach at most ``_REACH`` positions away.
    """
    n = h + 2
    pad = n * n

    def leg(a: NDArray, b: NDArray) -> NDArray:
        return a * n + b

    moves, adds, rems, revs = [], [], [], []
    i, j = np.triu_indices(h, 1)
    i, j = i + 1, j + 1
    zero = np.zeros(len(i), dtype=np.intp)
    padding = np.full(len(i), pad, dtype=np.intp)
    moves.append(np.column_stack([i, j, zero, zero, zero]))
    adds.append(np.column_stack([leg(i - 1, j), leg(i, j + 1), padding, padding]))
    rems.append(np.column_stack([leg(i - 1, i), leg(j, j + 1), padding, padding]))
    revs.append((i, j))
    for length in range(1, min(3, h - 1) + 1):
        first = np.arange(1, h - length + 2)
        after = np.arange(0, h + 1)
        fi, pa = (a.ravel() for a in np.meshgrid(first, after, indexing="ij"))
        la = fi + length - 1
        keep = ((pa < fi - 1) | (pa > la)) & (np.abs(pa - fi) <= _REACH)
        fi, pa, la = fi[keep], pa[keep], la[keep]
        pad_k = np.full(len(fi), pad, dtype=np.intp)
        rem = np.column_stack([leg(fi - 1, fi), leg(la, la + 1), leg(pa, pa + 1), pad_k])
        for rev in (0, 1) if length > 1 else (0,):
            kind = np.ones_like(fi)
            moves.append(np.column_stack([fi, la, kind, pa, kind * rev]))
            if rev:
                head = [leg(pa, la), leg(fi, pa + 1)]
                revs.append((fi, la))
            else:
                head = [leg(pa, fi), leg(la, pa + 1)]
                revs.append((fi, fi))
            adds.append(np.column_stack([leg(fi - 1, la + 1), *head, pad_k]))
            rems.append(rem)
    far = (j >= i + 2) & (j - i <= _REACH)
    i2, j2 = i[far], j[far]
    moves.append(np.column_stack([i2, j2, zero[far] + 2, zero[far], zero[far]]))
    adds.append(
        np.column_stack([leg(i2 - 1, j2), leg(j2, i2 + 1), leg(j2 - 1, i2), leg(i2, j2 + 1)])
    )
    rems.append(
        np.column_stack([leg(i2 - 1, i2), leg(i2, i2 + 1), leg(j2 - 1, j2), leg(j2, j2 + 1)])
    )
    revs.append((i2, i2))
    out = (
        np.concatenate(moves),
        np.ascontiguousarray(np.concatenate(adds).T),
        np.ascontiguousarray(np.concatenate(rems).T),
        np.concatenate([r[0] for r in revs]),
        np.concatenate([r[1] for r in revs]),
    )
    for arr in out:
        arr.flags.writeable = False
    return out


def _apply_reorder(mid: list[int], move: NDArray) -> list[int]:
    """The route ``mid`` after a move of :func:`_reorder_moves` (stop ``s`` is ``mid[s - 1]``)."""
    i, j, kind, p, rev = (int(v) for v in move)
    i0, j0 = i - 1, j - 1
    if kind == 0:
        return mid[:i0] + mid[i0 : j0 + 1][::-1] + mid[j0 + 1 :]
    if kind == 2:
        out = list(mid)
        out[i0], out[j0] = out[j0], out[i0]
        return out
    seg = mid[i0 : j0 + 1]
    if rev:
        seg = seg[::-1]
    rest = mid[:i0] + mid[j0 + 1 :]
    at = p if p < i else p - len(seg)
    return rest[:at] + seg + rest[at:]


def _initial(search: _Search) -> list[list[int]] | None:
    """Feasible starting routes: empty ones, else the quickest ways through other landmarks."""
    p = search.p
    mids: list[list[int]] = []
    used: list[int] = []
    for _ in range(p.n_routes):
        if search.route([]).ok:
            mids.append([])
            continue
        if not p.has_end:
            return None
        # Observed moves may make a way through other landmarks quicker than the direct one.
        weights = p.travel_min + p.stay_min[None, :]
        weights[:, used] = _INF
        _, prev = dijkstra(weights, 0)
        path: list[int] = []
        node = int(prev[p.n_places - 1])
        while node > 0:
            path.append(node)
            node = int(prev[node])
        path.reverse()
        if not search.route(path).ok or len(path) > search.cap_mid:
            return None
        mids.append(path)
        used.extend(path)
    return mids


def _perturb(search: _Search, rng: np.random.Generator, *, max_moves: int) -> None:
    """Change the current solution at random, keeping it feasible."""
    kind = rng.random()
    n_routes = len(search.routes)
    if kind < _P_RESTART:
        # Restart: keep only the required stops, and seed each route with a random candidate.
        for r, route in enumerate(search.routes):
            search.commit({r: [x for x in route.mid if search.req[x]]}, rule="any")
            free = search.free()
            if free.size and len(search.routes[r].mid) < search.cap_mid:
                u = int(rng.choice(free))
                mid = list(search.routes[r].mid)
                search.commit({r: [*mid, u]}, rule="any") or search.commit(
                    {r: [u, *mid]}, rule="any"
                )
        return
    free = search.free()
    if kind < _P_RESTART + _P_FORCE and free.size:
        # Force one or two unvisited candidates in, making room by reordering and removing.
        n_force = min(free.size, int(rng.integers(1, 3)))
        for u in rng.choice(free, size=n_force, replace=False).tolist():
            if not search.visited[u]:
                search.force(int(u), rng, max_moves=max_moves)
        return
    # Drop a random stretch (or set) of stops from one route or from every route.
    every = n_routes == 1 or rng.random() < 0.5
    for r in range(n_routes) if every else [int(rng.integers(n_routes))]:
        mid = list(search.routes[r].mid)
        k = len(mid)
        if k == 0:
            continue
        n_drop = int(rng.integers(1, max(1, k // 2) + 1))
        if rng.random() < 0.7:
            first = int(rng.integers(0, k - n_drop + 1))
            drop = set(range(first, first + n_drop))
        else:
            drop = set(rng.choice(k, size=n_drop, replace=False).tolist())
        trial = [x for i, x in enumerate(mid) if i not in drop or search.req[x]]
        if search.commit({r: trial}, rule="any") and rng.random() < _P_TABU:
            search.tabu[[mid[i] for i in drop]] = True


def default_rounds(problem: Problem) -> int:
    """Perturbation rounds of :func:`solve_heuristic` by default, from the number of candidates
    ``m`` alone: 8 m, at least 30, at most 150 and at most 6000 / m (a round costs about m ×
    the stops of a route; 89 classic orienteering instances with up to 64 candidates take
    0.1–0.5 s each)."""
    m = problem.n_candidates
    most = min(_ROUNDS_PER_CANDIDATE * m, _ROUNDS_MAX, _ROUNDS_WORK // max(m, 1))
    return max(_ROUNDS_MIN, most)


def solve_heuristic(
    problem: Problem,
    *,
    seed: int = 0,
    n_rounds: int | None = None,
    time_limit_s: float | None = None,
) -> Solution | None:
    """Best solution found by greedy insertion, local search and seeded perturbations.

    Parameters
    ----------
    problem
        The pruned problem (see :meth:`PlanningModel.problem`): any number of routes, stays,
        lifts (negative ones too), hard or soft windows, an exact stop count, required
        candidates, overlap limits, a fixed or an open end.
    seed
        Seed of the perturbations; the same problem and seed give the same solution.
    n_rounds
        Perturbation rounds (default: a function of the number of candidates alone, see
        :func:`default_rounds`). Without lifts or soft windows the rounds stop early once every
        candidate is visited (nothing can score more).
    time_limit_s
        Stop the perturbation rounds early after this many seconds (None: no limit). The
        result then depends on the machine's speed.

    Returns
    -------
    Solution or None
        The best feasible solution found (``optimal`` only when trivially so, e.g. without
        candidates), or None when none was found: the required candidates do not fit, routes
        cannot reach ``n_stops``, or no route fits the budget.
    """
    started = time.perf_counter()
    search = _Search(problem)
    m = problem.n_candidates
    if search.q is not None and search.q < 0:
        return None
    mids = _initial(search)
    if mids is None:
        return None
    if n_rounds is None:
        n_rounds = default_rounds(problem)
    max_moves = 20 * (m + 10)
    rng = np.random.default_rng(seed)

    search.load([search.route(mid) for mid in mids])
    search.greedy(max_moves=max_moves)
    search.local_search(max_moves=max_moves)
    best, best_tot = search.snapshot()
    current, current_tot = best, best_tot
    stall = 0
    rounds = n_rounds if m and search.cap_mid else 0
    # Without lifts or soft windows, visiting every candidate is the best possible score.
    ceiling = _INF
    if not search.has_lifts and search.mode != _SOFT:
        ceiling = search.base_score + float(np.maximum(problem.value[1 : 1 + m], 0.0).sum())
    for round_no in range(rounds):
        if time_limit_s is not None and time.perf_counter() - started > time_limit_s:
            break
        if best_tot[0] == 0 and best_tot[1] >= ceiling - search.stol:
            break
        search.load(current)
        _perturb(search, rng, max_moves=max_moves)
        noise = rng.uniform(0.7, 1.3, search.K + 1) if rng.random() < 0.5 else None
        beta = 1.0 if rng.random() < 0.6 else float(rng.uniform(0.0, 2.0))
        search.greedy(beta=beta, noise=noise, max_moves=max_moves)
        search.local_search(max_moves=max_moves)
        trial, trial_tot = search.snapshot()
        if search.ahead(trial_tot, best_tot):
            best, best_tot = trial, trial_tot
            logger.debug("heuristic round %d: deficit %d, score %.6g", round_no, *trial_tot[:2])
            current, current_tot, stall = trial, trial_tot, 0
            continue
        stall += 1
        if trial_tot[0] < current_tot[0] or (
            trial_tot[0] == current_tot[0]
            and trial_tot[1] >= current_tot[1] - _WANDER * abs(current_tot[1])
        ):
            current, current_tot = trial, trial_tot
        if stall % _RESET_EVERY == 0:
            current, current_tot = best, best_tot
    if best_tot[0] > 0:
        return None
    routes = tuple(r.mid for r in best)
    reason = problem.check(routes)
    if reason:
        raise RuntimeError(f"internal error: the heuristic's solution is infeasible ({reason})")
    score = float(sum(problem.solution_score(routes).values()))
    minutes = tuple(problem.schedule(mid).minutes for mid in routes)
    trivial = m == 0 or search.cap_mid == 0
    return Solution(routes, minutes, score, optimal=trivial, method="heuristic")
