"""Leave-one-out evaluation of trip recommenders against the published results.

The protocol is that of Chen, Ong & Xie, "Learning Points and Routes to Recommend Trajectories"
(CIKM 2016): every trip with at least three distinct POIs is a query; the model is built from
*all other* trips of the city (of any length); the query is (start POI, end POI, number of POIs
``L``, start and end included) and the recommendation has exactly ``L`` distinct POIs from the
start to the end. The second protocol, of Lim et al., "Personalized Tour Recommendation based on
User Interests and Points of Interest Visit Durations" (IJCAI 2015), gives the real trip's
duration as the time budget instead of ``L``.

Metrics (start and end included), as ``../shared/tools/score_tour.py`` computes them:

- :func:`f1`: F1 over the POIs of the recommended and the real trip;
- :func:`pairs_f1`: F1 over ordered POI pairs (a pair counts when both trips hold both POIs in the
  same order; precision over L̂(L̂−1)/2 pairs of the recommendation, recall over L(L−1)/2).

Methods (:data:`METHODS`) are *recommenders* working on POI indices ``0..n-1``
(:meth:`TourData.poi_index`) with the interface of :class:`Recommender`:

- ``"popularity"``: :class:`PopularityRecommender`, the L−2 POIs most users visited;
- ``"transitions"``: :class:`TransitionRecommender`, a Markov chain of the moves between POIs;
- ``"learned"``: :class:`routeplan.nextstop.NextStopModel`.

:func:`leave_one_out` runs the queries, :func:`summarise` gives the mean and standard deviation
of each metric per method and protocol, and :func:`write_jsonl` writes one line per query in the
format the independent checker reads.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import _pool
from ._errors import InputError
from .nextstop import FORBIDDEN, NextStopModel, decode_path, pairs_f1
from .nextstop import f1_score as f1
from .planner.exact import solve_exact
from .planner.heuristic import solve_heuristic
from .planner.model import Problem
from .tourdata import TourData

__all__ = [
    "DURATION_NEIGHBOURS",
    "DURATION_SPEED_KMH",
    "DURATION_TIME_LIMIT_S",
    "METHODS",
    "PROTOCOLS",
    "RESULT_COLUMNS",
    "TRANSITION_SMOOTHING",
    "PopularityRecommender",
    "Recommender",
    "TransitionRecommender",
    "f1",
    "leave_one_out",
    "pairs_f1",
    "summarise",
    "write_jsonl",
]

logger = logging.getLogger(__name__)

#: Walking speed in km/h of the duration protocol's travel times (great-circle km at this speed).
DURATION_SPEED_KMH: float = 5.0
#: Training trips (of three or more distinct POIs) nearest in duration whose median number of
#: POIs sets the length the duration protocol aims at.
DURATION_NEIGHBOURS: int = 15
#: Wall-clock seconds the exact solver gets for one query of the duration protocol.
DURATION_TIME_LIMIT_S: float = 2.0
#: Pseudo-count of :class:`TransitionRecommender` (added to every transition count).
TRANSITION_SMOOTHING: float = 0.1
#: The protocols: ``"length"`` (CIKM'16: start, end and L) and ``"duration"`` (IJCAI'15: start,
#: end and the real trip's duration as the time budget).
PROTOCOLS: tuple[str, ...] = ("length", "duration")
#: Columns of :func:`leave_one_out`'s result, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "method",
    "protocol",
    "trip_id",
    "user_id",
    "start",
    "end",
    "L",
    "truth",
    "recommended",
    "f1",
    "pairs_f1",
    "budget_min",
)
#: Chunks of queries per worker process when ``jobs > 1`` (balances slow and fast queries).
_CHUNKS_PER_JOB = 4


# --- metrics -----------------------------------------------------------------------------------


# --- recommenders ------------------------------------------------------------------------------


class Recommender(Protocol):
    """What :func:`leave_one_out` needs of a method (POIs are indices ``0..n-1``)."""

    def fit(
        self,
        trips: Sequence[Sequence[int]],
        *,
        users: Sequence[Hashable],
        km: NDArray,
        categories: Any,
        stays_s: Sequence[NDArray] | None = None,
    ) -> Any:
        """Learn from training trips (``categories``: one per POI); returns the fitted
        recommender."""
        ...

    def recommend(self, start: int, end: int, *, n_places: int) -> list[int]:
        """Exactly ``n_places`` distinct POIs from ``start`` to ``end``."""
        ...

    def step_probabilities(self, start: int, end: int) -> NDArray:
        """``(n, n)`` probability of each next stop after each POI on a trip to ``end``."""
        ...


def _check_fit_input(trips: Sequence[Sequence[int]], users: Sequence[Hashable], km: NDArray) -> int:
    """Number of POIs ``n``; raises InputError on a non-square ``km`` or bad indices."""
    km = np.asarray(km)
    n = len(km)
    if km.shape != (n, n):
        raise InputError("km must be a square (n, n) matrix of distances between the POIs")
    if len(users) != len(trips):
        raise InputError(f"users has {len(users)} entries for {len(trips)} trips")
    if any(len(t) and (min(t) < 0 or max(t) >= n) for t in trips):
        raise InputError(f"trips must hold POI indices 0..{n - 1}")
    return n


class PopularityRecommender:
    """The L−2 POIs visited by the most users, in the order that makes the shortest trip.

    Popularity is the number of distinct users who visited a POI in the training trips (the
    published *PoiPopularity* baseline). Ties go to the lower index.

    Attributes
    ----------
    popularity_ : numpy.ndarray
        Distinct visitors of each POI (float64).
    km_ : numpy.ndarray
        The ``(n, n)`` distances given to :meth:`fit`.
    """

    def fit(
        self,
        trips: Sequence[Sequence[int]],
        *,
        users: Sequence[Hashable],
        km: NDArray,
        categories: Sequence[Hashable] | None = None,
        stays_s: Sequence[NDArray] | None = None,
    ) -> PopularityRecommender:
        """Count the distinct visitors of each POI.

        Parameters
        ----------
        trips
            POI indices of each training trip, in visit order.
        users
            The user of each trip.
        km
            ``(n, n)`` distances between the POIs in km.
        categories, stays_s
            Ignored (the interface of every method).

        Returns
        -------
        PopularityRecommender
            ``self``, fitted.
        """
        n = _check_fit_input(trips, users, km)
        pairs = {(str(u), int(p)) for t, u in zip(trips, users, strict=True) for p in t}
        popularity = np.zeros(n)
        if pairs:
            np.add.at(popularity, np.fromiter((p for _, p in pairs), dtype=np.intp), 1.0)
        self.popularity_ = popularity
        self.km_ = np.asarray(km, dtype=float)
        return self

    def recommend(self, start: int, end: int, *, n_places: int) -> list[int]:
        """Start, the ``n_places − 2`` most popular other POIs and end, in the shortest order.

        The order of the chosen POIs minimises the total km from the start to the end (exact,
        :func:`routeplan.nextstop.decode_path`).

        Raises
        ------
        InputError
            ``n_places`` is below 2 or above the number of POIs, or start equals end.
        """
        n = len(self.popularity_)
        if start == end or not 2 <= n_places <= n:
            raise InputError(
                f"cannot recommend {n_places} distinct POIs out of {n} from {start} to {end}"
            )
        others = np.array([x for x in range(n) if x != start and x != end], dtype=np.intp)
        ranked = others[np.argsort(-self.popularity_[others], kind="stable")]
        chosen = np.concatenate([[start], ranked[: n_places - 2], [end]]).astype(np.intp)
        W = np.full((n, n), FORBIDDEN)
        W[np.ix_(chosen, chosen)] = -self.km_[np.ix_(chosen, chosen)]
        return decode_path(W, start, end, n_places=n_places)

    def step_probabilities(self, start: int, end: int) -> NDArray:
        """``P(b | a) ∝ popularity[b]`` over every POI but ``a`` and the start.

        Rows are normalised (a row whose POIs were never visited is 0).
        """
        n = len(self.popularity_)
        P = np.tile(self.popularity_, (n, 1))
        return _without_loops_and_start(P, start)


class TransitionRecommender:
    """A Markov chain of the moves between POIs ("transitions only").

    ``P(b | a) = (count(a → b) + s) / (count(a → ·) + s n)`` with the counts of consecutive
    visits of the training trips (a POI followed by itself is not a move and is not counted)
    and ``s = smoothing``.

    Parameters
    ----------
    smoothing
        Pseudo-count ``s`` added to every transition (> 0).

    Attributes
    ----------
    counts_ : numpy.ndarray
        ``(n, n)`` transition counts.
    probabilities_ : numpy.ndarray
        ``(n, n)`` smoothed ``P(b | a)`` (rows sum to 1).
    """

    def __init__(self, *, smoothing: float = TRANSITION_SMOOTHING) -> None:
        if not (math.isfinite(smoothing) and smoothing > 0):
            raise InputError(f"smoothing must be a finite number > 0, got {smoothing!r}")
        self.smoothing = float(smoothing)

    def fit(
        self,
        trips: Sequence[Sequence[int]],
        *,
        users: Sequence[Hashable],
        km: NDArray,
        categories: Sequence[Hashable] | None = None,
        stays_s: Sequence[NDArray] | None = None,
    ) -> TransitionRecommender:
        """Count the moves between consecutive visits of the training trips.

        Parameters
        ----------
        trips
            POI indices of each training trip, in visit order.
        users, km
            Checked for consistency; ``km`` gives the number of POIs.
        categories, stays_s
            Ignored (the interface of every method).

        Returns
        -------
        TransitionRecommender
            ``self``, fitted.
        """
        n = _check_fit_input(trips, users, km)
        counts = np.zeros((n, n))
        seqs = [np.asarray(t, dtype=np.intp) for t in trips if len(t) > 1]
        if seqs:
            a = np.concatenate([t[:-1] for t in seqs])
            b = np.concatenate([t[1:] for t in seqs])
            move = a != b
            np.add.at(counts, (a[move], b[move]), 1.0)
        s = self.smoothing
        self.counts_ = counts
        self.probabilities_ = (counts + s) / (counts.sum(axis=1, keepdims=True) + s * n)
        return self

    def recommend(self, start: int, end: int, *, n_places: int) -> list[int]:
        """The path of exactly ``n_places`` distinct POIs from ``start`` to ``end`` maximising
        ``Σ log P`` over its moves (the move into the end included), decoded exactly.

        Raises
        ------
        InputError
            ``n_places`` is below 2 or above the number of POIs, or start equals end.
        """
        n = len(self.probabilities_)
        if start == end or not 2 <= n_places <= n:
            raise InputError(
                f"cannot recommend {n_places} distinct POIs out of {n} from {start} to {end}"
            )
        W = np.log(self.probabilities_)
        W[:, start] = FORBIDDEN
        W[np.arange(n), np.arange(n)] = FORBIDDEN
        return decode_path(W, start, end, n_places=n_places)

    def step_probabilities(self, start: int, end: int) -> NDArray:
        """``P(b | a)`` with self-moves and moves into the start removed, rows renormalised."""
        return _without_loops_and_start(self.probabilities_.copy(), start)


def _without_loops_and_start(P: NDArray, start: int) -> NDArray:
    """``P`` (modified) with its diagonal and start column zeroed and rows summing to 1 (or 0)."""
    n = len(P)
    P[np.arange(n), np.arange(n)] = 0.0
    P[:, start] = 0.0
    total = P.sum(axis=1, keepdims=True)
    return np.divide(P, total, out=np.zeros_like(P), where=total > 0)


#: The methods of :func:`leave_one_out` by name: factories of unfitted recommenders.
METHODS: dict[str, Callable[[], Recommender]] = {
    "popularity": PopularityRecommender,
    "transitions": TransitionRecommender,
    "learned": NextStopModel,
}


# --- leave-one-out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Everything a worker needs to answer queries (picklable, no TourData)."""

    trips: tuple[tuple[int, ...], ...]
    users: tuple[str, ...]
    stays_s: tuple[NDArray, ...]
    durations_min: tuple[float, ...]
    trip_ids: tuple[str, ...]
    poi_ids: tuple[int, ...]
    categories: tuple[str, ...]
    km: NDArray
    methods: tuple[str, ...]
    protocols: tuple[str, ...]
    speed_kmh: float


def _stay_min(ctx: _Context, query: int) -> NDArray:
    """Mean minutes of a visit at each POI over every trip but ``query`` (0 if never visited)."""
    n = len(ctx.km)
    trip_of = np.repeat(np.arange(len(ctx.trips)), [len(t) for t in ctx.trips])
    keep = trip_of != query
    poi = np.concatenate([np.asarray(t, dtype=np.intp) for t in ctx.trips])[keep]
    total = np.bincount(poi, weights=np.concatenate(ctx.stays_s)[keep], minlength=n)
    count = np.bincount(poi, minlength=n).astype(float)
    return np.divide(total, count, out=np.zeros(n), where=count > 0) / 60.0


def _length_for_duration(ctx: _Context, query: int, budget_min: float) -> int:
    """Median number of POIs of the :data:`DURATION_NEIGHBOURS` training trips (three or more
    distinct POIs, all trips but ``query``) closest to ``budget_min`` in log-duration."""
    lengths, minutes = [], []
    for i, trip in enumerate(ctx.trips):
        if i != query and len(set(trip)) >= 3:
            lengths.append(len(trip))
            minutes.append(ctx.durations_min[i])
    if not lengths:
        return 3
    gap = np.abs(np.log1p(np.maximum(minutes, 0.0)) - math.log1p(max(budget_min, 0.0)))
    nearest = np.argsort(gap, kind="stable")[:DURATION_NEIGHBOURS]
    return max(3, round(float(np.median(np.asarray(lengths)[nearest]))))


def _route_min(route: Sequence[int], km: NDArray, stay_min: NDArray, speed_kmh: float) -> float:
    """Minutes of a route: every stay (start and end included) plus the travel between."""
    stops = np.asarray(route, dtype=np.intp)
    return float(stay_min[stops].sum() + km[stops[:-1], stops[1:]].sum() / speed_kmh * 60.0)


def _recommend_duration(
    model: Recommender,
    start: int,
    end: int,
    *,
    budget_min: float,
    n_places: int,
    km: NDArray,
    stay_min: NDArray,
    speed_kmh: float,
) -> list[int]:
    """The method's best trip from ``start`` to ``end`` that fits ``budget_min``.

    Aims at ``n_places`` POIs and, when no such trip fits, one fewer, down to ``[start, end]``.
    For each length: the method's own best trip (``recommend``) when it fits, which is then the
    answer; else orienteering with exactly that many stops and the method's step probabilities
    as transition lifts (:func:`_fit_budget`).
    """
    n = len(km)
    for length in range(min(n_places, n), 2, -1):
        best = model.recommend(start, end, n_places=length)
        if _route_min(best, km, stay_min, speed_kmh) <= budget_min:
            return best
        fitted = _fit_budget(
            model,
            start,
            end,
            budget_min=budget_min,
            n_places=length,
            km=km,
            stay_min=stay_min,
            speed_kmh=speed_kmh,
        )
        if fitted is not None:
            return fitted
    return [start, end]


def _fit_budget(
    model: Recommender,
    start: int,
    end: int,
    *,
    budget_min: float,
    n_places: int,
    km: NDArray,
    stay_min: NDArray,
    speed_kmh: float,
) -> list[int] | None:
    """Trip of exactly ``n_places`` POIs within ``budget_min`` maximising the sum of the
    method's step probabilities, or None when none fits.

    Solved by :func:`solve_exact` from the heuristic's solution (the heuristic's solution when
    the optimum is not proven in :data:`DURATION_TIME_LIMIT_S`).
    """
    n = len(km)
    places = np.array(
        [start, *(x for x in range(n) if x != start and x != end), end], dtype=np.intp
    )
    grid = np.ix_(places, places)
    P = model.step_probabilities(start, end)
    problem = Problem(
        travel_min=km[grid] / speed_kmh * 60.0,
        lift=P[grid],
        stay_min=stay_min[places],
        value=np.zeros(len(places)),
        budget_min=float(budget_min),
        transition_weight=1.0,
        has_end=True,
        n_stops=n_places,
        places=places,
    )
    incumbent = solve_heuristic(problem, seed=0)
    solution = solve_exact(problem, time_limit_s=DURATION_TIME_LIMIT_S, incumbent=incumbent, seed=0)
    if solution is None or not solution.optimal:
        # what CP-SAT finds before a wall-clock limit depends on the machine's load; the
        # heuristic's solution does not (the exact solver keeps it when it proves it optimal)
        logger.debug("duration query %d → %d: optimum not proven in time", start, end)
        solution = incumbent
    if solution is None:
        return None
    reason = problem.check(solution.routes)
    assert reason == "", f"the planner returned an infeasible route ({reason})"
    return [start, *(int(places[x]) for x in solution.routes[0]), end]


def _answer_queries(queries: list[int], ctx: _Context) -> list[dict[str, Any]]:
    """The result rows of each query (every method and protocol), in query order."""
    rows: list[dict[str, Any]] = []
    for q in queries:
        keep = [i for i in range(len(ctx.trips)) if i != q]
        trips = [ctx.trips[i] for i in keep]
        users = [ctx.users[i] for i in keep]
        stays = [ctx.stays_s[i] for i in keep]
        seq = ctx.trips[q]
        start, end, L = seq[0], seq[-1], len(seq)
        stay_min = _stay_min(ctx, q) if "duration" in ctx.protocols else None
        truth = [ctx.poi_ids[p] for p in seq]
        for method in ctx.methods:
            model = METHODS[method]()
            model.fit(trips, users=users, km=ctx.km, categories=ctx.categories, stays_s=stays)
            for protocol in ctx.protocols:
                if protocol == "length":
                    rec = model.recommend(start, end, n_places=L)
                    budget = math.nan
                else:
                    budget = ctx.durations_min[q]
                    assert stay_min is not None
                    rec = _recommend_duration(
                        model,
                        start,
                        end,
                        budget_min=budget,
                        n_places=_length_for_duration(ctx, q, budget),
                        km=ctx.km,
                        stay_min=stay_min,
                        speed_kmh=ctx.speed_kmh,
                    )
                recommended = [ctx.poi_ids[p] for p in rec]
                rows.append(
                    {
                        "method": method,
                        "protocol": protocol,
                        "trip_id": ctx.trip_ids[q],
                        "user_id": ctx.users[q],
                        "start": ctx.poi_ids[start],
                        "end": ctx.poi_ids[end],
                        "L": L,
                        "truth": truth,
                        "recommended": recommended,
                        "f1": f1(truth, recommended),
                        "pairs_f1": pairs_f1(truth, recommended),
                        "budget_min": budget,
                    }
                )
    return rows


def _run_chunks(
    queries: list[int], ctx: _Context, *, jobs: int, progress: bool
) -> list[dict[str, Any]]:
    """:func:`_answer_queries` over chunks of queries, in a process pool when ``jobs > 1``.

    Every query is seconds of work, so the pool is used from two queries on (unlike
    :func:`routeplan._pool.map_chunks`, made for cheap per-file work).
    """
    n = len(queries)
    pooled = jobs > 1 and n > 1
    size = math.ceil(n / (jobs * _CHUNKS_PER_JOB)) if pooled else 1
    chunks = [queries[i : i + size] for i in range(0, n, size)]
    rows: list[dict[str, Any]] = []
    done = 0
    with _pool._progress_bar(total=n, enabled=progress, desc="queries", unit="query") as bar:
        if pooled:
            try:
                for result in _pool._pool_map(
                    _answer_queries,
                    chunks,
                    args=(ctx,),
                    jobs=jobs,
                    preload=("routeplan.evaluate",),
                ):
                    rows.extend(result)
                    bar.update(len(chunks[done]))
                    done += 1
            except BrokenProcessPool as exc:
                logger.warning(
                    "a worker process died (%s); answering the remaining %d queries in-process",
                    exc,
                    sum(len(c) for c in chunks[done:]),
                )
        for chunk in chunks[done:]:
            rows.extend(_answer_queries(chunk, ctx))
            bar.update(len(chunk))
    return rows


def leave_one_out(
    data: TourData,
    *,
    methods: Sequence[str] = ("popularity", "transitions", "learned"),
    protocols: Sequence[str] = ("length",),
    speed_kmh: float = DURATION_SPEED_KMH,
    min_distinct: int = 3,
    trip_ids: Sequence[str | int] | None = None,
    jobs: int | None = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Leave-one-out evaluation over every trip with ``min_distinct`` or more distinct POIs.

    For each query trip, every method is fitted once on *all other* trips of ``data`` (of any
    length) and answers each protocol:

    - ``"length"`` (CIKM'16): start, end and ``L`` = the trip's number of POIs; the
      recommendation has exactly ``L`` distinct POIs;
    - ``"duration"`` (IJCAI'15): start, end and the real trip's duration (last departure minus
      first arrival) as the time budget. How many POIs a trip of that duration holds is learned
      from the training trips: the median of the :data:`DURATION_NEIGHBOURS` trips (of three or
      more distinct POIs) closest in duration. The budget is a hard limit: travel takes
      great-circle km at ``speed_kmh``, a stay at a POI the mean visit duration there in the
      training trips (0 if never visited), start and end included. The answer is the method's
      own best trip of that length when it fits; else the trip of that length within the budget
      that maximises the sum of the method's step probabilities (exact orienteering,
      :func:`routeplan.planner.exact.solve_exact` started from
      :func:`routeplan.planner.heuristic.solve_heuristic`; when the optimum is not proven
      within :data:`DURATION_TIME_LIMIT_S` s, the heuristic's trip, so that the result does not
      depend on the machine's speed); when no trip of that length fits, one POI fewer, down to
      ``[start, end]``. (Filling the budget instead of learning the length recommends trips of
      5 to 17 POIs against real ones of 3 to 6: step probabilities are never negative.)

    A trip that revisits a POI, or starts and ends at the same POI, cannot be answered without
    revisits: it is skipped, with a logged warning, and counted in ``df.attrs["skipped"]``.

    Parameters
    ----------
    data
        Trips and POIs of one city.
    methods
        Names in :data:`METHODS`.
    protocols
        Names in :data:`PROTOCOLS`.
    speed_kmh
        Travel speed of the duration protocol (default: walking, :data:`DURATION_SPEED_KMH`).
    min_distinct
        Distinct POIs a trip needs to be a query.
    trip_ids
        Only these trips are queries (None: every trip with ``min_distinct`` distinct POIs);
        the models are still fitted on all other trips. For quick checks on a subset.
    jobs
        Worker processes (None: every CPU). The result does not depend on it.
    progress
        Show a progress bar on stderr.

    Returns
    -------
    pandas.DataFrame
        One row per (method, protocol, query), ordered by method and protocol (as given), then
        query (as :attr:`TourData.trips`), with the columns of :data:`RESULT_COLUMNS`:
        ``method``, ``protocol``, ``trip_id``, ``user_id``, ``start``, ``end`` (POI ids), ``L``
        (POIs of the real trip), ``truth`` and ``recommended`` (lists of POI ids in visit order),
        ``f1``, ``pairs_f1`` and ``budget_min`` (NaN for the length protocol).
        ``attrs["skipped"]`` holds the number of skipped queries.

    Raises
    ------
    InputError
        An unknown method or protocol, an invalid speed or number of jobs, an unknown trip id, or
        no query.
    """
    methods = tuple(dict.fromkeys(methods))
    protocols = tuple(dict.fromkeys(protocols))
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise InputError(
            f"unknown method(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose among {', '.join(METHODS)}"
        )
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown or not protocols:
        raise InputError(
            f"unknown protocol(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose among {', '.join(PROTOCOLS)}"
        )
    if not (isinstance(speed_kmh, int | float) and math.isfinite(speed_kmh) and speed_kmh > 0):
        raise InputError(f"speed_kmh must be a finite number > 0, got {speed_kmh!r}")
    n_jobs = _pool.resolve_jobs(jobs)

    index = data.poi_index()
    candidates = data.queries(min_distinct=min_distinct)
    if trip_ids is not None:
        wanted = {str(t) for t in trip_ids}
        unknown_ids = sorted(wanted - {t.trip_id for t in data.trips}, key=_trip_key)
        if unknown_ids:
            raise InputError(f"no trip {', '.join(map(repr, unknown_ids[:5]))} in the data")
        candidates = [t for t in candidates if t.trip_id in wanted]
    position = {id(t): i for i, t in enumerate(data.trips)}
    queries: list[int] = []
    skipped: list[str] = []
    for trip in candidates:
        if len(set(trip.pois)) != len(trip.pois) or trip.pois[0] == trip.pois[-1]:
            skipped.append(trip.trip_id)
        else:
            queries.append(position[id(trip)])
    if skipped:
        logger.warning(
            "skipped %d of %d queries whose trip revisits a POI or ends where it starts "
            "(no recommendation without revisits can match them), e.g. trip(s) %s",
            len(skipped),
            len(candidates),
            ", ".join(skipped[:5]),
        )
    if not queries:
        raise InputError(
            f"no trip with at least {min_distinct} distinct POIs and no revisit to evaluate "
            f"({len(data.trips)} trips, {len(skipped)} skipped)"
        )
    ctx = _Context(
        trips=tuple(tuple(index[p] for p in t.pois) for t in data.trips),
        users=tuple(t.user_id for t in data.trips),
        stays_s=tuple(np.asarray(t.visit_s, dtype=float) for t in data.trips),
        durations_min=tuple(t.duration_s / 60.0 for t in data.trips),
        trip_ids=tuple(t.trip_id for t in data.trips),
        poi_ids=tuple(int(p) for p in data.pois.index),
        categories=tuple(data.pois["category"].astype(str)),
        km=data.distance_km(),
        methods=methods,
        protocols=protocols,
        speed_kmh=float(speed_kmh),
    )
    rows = _run_chunks(queries, ctx, jobs=n_jobs, progress=progress)
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    rank_q = {ctx.trip_ids[q]: r for r, q in enumerate(queries)}
    key = pd.DataFrame(
        {
            "m": frame["method"].map({m: i for i, m in enumerate(methods)}),
            "p": frame["protocol"].map({p: i for i, p in enumerate(protocols)}),
            "q": frame["trip_id"].map(rank_q),
        }
    )
    order = np.lexsort((key["q"].to_numpy(), key["p"].to_numpy(), key["m"].to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    frame = frame.astype(
        {"start": np.int64, "end": np.int64, "L": np.int64, "f1": float, "pairs_f1": float}
    )
    frame["budget_min"] = frame["budget_min"].astype(float)
    frame.attrs["skipped"] = len(skipped)
    return frame


# --- reporting ---------------------------------------------------------------------------------


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of F1 and pairs-F1 per method and protocol.

    Standard deviations are population ones (``ddof=0``) over the queries.

    Parameters
    ----------
    results
        From :func:`leave_one_out`.

    Returns
    -------
    pandas.DataFrame
        One row per (method, protocol) in order of first appearance, columns ``method``,
        ``protocol``, ``n`` (queries), ``f1_mean``, ``f1_std``, ``pairs_f1_mean``,
        ``pairs_f1_std``.
    """
    columns = ["method", "protocol", "n", "f1_mean", "f1_std", "pairs_f1_mean", "pairs_f1_std"]
    out = []
    for (method, protocol), part in results.groupby(["method", "protocol"], sort=False):
        f, p = part["f1"].to_numpy(float), part["pairs_f1"].to_numpy(float)
        out.append((method, protocol, len(part), f.mean(), f.std(ddof=0), p.mean(), p.std(ddof=0)))
    frame = pd.DataFrame(out, columns=columns)
    return frame.astype({"n": np.int64})


def _trip_key(trip_id: str) -> tuple[int, int, str]:
    """Sort key of a trip id: integers numerically, before any other id (as text)."""
    text = str(trip_id).strip()
    try:
        return (0, int(text), text)
    except ValueError:
        return (1, 0, text)


def _json_trip_id(trip_id: str) -> int | str:
    key = _trip_key(trip_id)
    return key[1] if key[0] == 0 else str(trip_id)


def write_jsonl(results: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write one JSON object a line per query, as ``../shared/tools/score_tour.py`` reads.

    Keys, in this order: ``trajID`` (an int when the trip id is one), ``user``, ``start``,
    ``end``, ``L``, ``truth``, ``recommended`` (POI ids as ints), ``method``, ``protocol``,
    ``f1``, ``pairs_f1`` and, for the duration protocol, ``budget_min``. Lines are sorted by
    method, protocol and trip id (numerically when it is an integer); the bytes depend on the
    results only.

    Parameters
    ----------
    results
        From :func:`leave_one_out` (any subset of its rows).
    path
        The file to write (replaced).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    records = results.to_dict("records")
    records.sort(key=lambda r: (str(r["method"]), str(r["protocol"]), _trip_key(r["trip_id"])))
    lines = []
    for r in records:
        obj: dict[str, Any] = {
            "trajID": _json_trip_id(r["trip_id"]),
            "user": str(r["user_id"]),
            "start": int(r["start"]),
            "end": int(r["end"]),
            "L": int(r["L"]),
            "truth": [int(p) for p in r["truth"]],
            "recommended": [int(p) for p in r["recommended"]],
            "method": str(r["method"]),
            "protocol": str(r["protocol"]),
            "f1": float(r["f1"]),
            "pairs_f1": float(r["pairs_f1"]),
        }
        budget = float(r.get("budget_min", math.nan))
        if r["protocol"] == "duration" and math.isfinite(budget):
            obj["budget_min"] = budget
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(lines)
    return path
