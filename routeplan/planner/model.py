"""The planning model: places, travel times, values and lifts, independent of any solver.

:class:`PlanningModel` turns a TransitionGraph and a query (start, end, speeds) into matrices over
*places*: every landmark of the graph plus the coordinate places of the query (a hotel) and, for a
round trip, a copy of the start landmark that closes the loop (no stay, no value).
:meth:`PlanningModel.problem` then prunes the landmarks that cannot be visited within the budget
and returns the small :class:`Problem` that the solvers (:mod:`.exact`, :mod:`.heuristic`) work
on. A solver returns a :class:`Solution`.

In a :class:`Problem`, index 0 is the start, indices ``1..m`` are the candidate landmarks and, when
the route has a fixed end, index ``m + 1`` is the end. A route is the tuple of candidate indices
visited between them (``Solution.mid``).
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import settings
from .._errors import BudgetTooShortError, InputError, UnknownPlaceError, ValidationError
from .._geo import distance_matrix_m
from .objective import lift_matrix

__all__ = [
    "Place",
    "PlanningModel",
    "Problem",
    "RouteSchedule",
    "Solution",
    "parse_start_time",
    "resolve_place",
    "sorted_nodes",
]

logger = logging.getLogger(__name__)

#: Tolerance in minutes when comparing a route's time with the budget.
FEASIBILITY_TOL_MIN = 1e-9
#: Scores closer than this are equal (ties are then broken by total time).
SCORE_TOL = 1e-10

_NODE_ATTRS = ("lat", "lon", "popularity", "stay_min")
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_FLOAT = r"[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|nan|inf(?:inity)?)"
_COORDS = re.compile(rf"^\s*\(?\s*({_FLOAT})\s*[,;]\s*({_FLOAT})\s*\)?\s*$", re.IGNORECASE)


# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A start or end of a query: a landmark of the graph or a point given by coordinates.

    ``landmark_id`` is ``None`` for coordinates; ``name`` is then ``"lat, lon"``.
    """

    landmark_id: Hashable | None
    name: str
    lat: float
    lon: float

    @property
    def is_landmark(self) -> bool:
        """True for a landmark of the graph, false for coordinates."""
        return self.landmark_id is not None


def _normalise_name(name: str) -> str:
    return " ".join(str(name).replace("_", " ").split()).casefold()


def _landmark_place(G: nx.DiGraph, node: Hashable) -> Place:
    data = G.nodes[node]
    name = str(data.get("name", f"Landmark {node}"))
    return Place(node, name, float(data["lat"]), float(data["lon"]))


def _coordinate_place(lat: Any, lon: Any, spec: Any) -> Place:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InputError(f"invalid coordinates {spec!r}: give numbers as (lat, lon)") from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise InputError(f"invalid coordinates {spec!r}: latitude and longitude must be finite")
    if not -90.0 <= lat_f <= 90.0:
        raise InputError(f"invalid coordinates {spec!r}: latitude {lat_f} is outside [-90, 90]")
    if not -180.0 <= lon_f <= 180.0:
        raise InputError(f"invalid coordinates {spec!r}: longitude {lon_f} is outside [-180, 180]")
    return Place(None, f"{lat_f:.6g}, {lon_f:.6g}", lat_f, lon_f)


def resolve_place(G: nx.DiGraph, spec: Any) -> Place:
    """Find the place a user means by a landmark id, a landmark name or coordinates.

    Parameters
    ----------
    G
        TransitionGraph whose nodes are landmark ids with ``name``, ``lat`` and ``lon``.
    spec
        - a landmark id (int);
        - a landmark name (str), matched exactly but ignoring case, repeated spaces and
          underscores (``"cn_tower"`` finds ``"CN Tower"``); a string of digits that is no name
          is taken as an id;
        - coordinates: a ``(lat, lon)`` pair or a ``"lat,lon"`` string. Coordinates are kept as
          a point (a hotel), never snapped to a nearby landmark.

    Returns
    -------
    Place

    Raises
    ------
    UnknownPlaceError
        No landmark has this id or name; the message lists close names.
    InputError
        Invalid coordinates, a name shared by several landmarks, or a spec of another type.
    """
    if isinstance(spec, Place):
        return spec
    if isinstance(spec, bool) or spec is None:
        raise InputError(f"cannot use {spec!r} as a place: give a landmark id, name or (lat, lon)")
    if isinstance(spec, int | np.integer):
        node = int(spec)
        if node in G:
            return _landmark_place(G, node)
        raise UnknownPlaceError(
            f"landmark id {node} is not in the graph, which has {G.number_of_nodes()} landmarks"
            + (f" (ids {_id_range(G)})" if G.number_of_nodes() else "")
        )
    if isinstance(spec, tuple | list | np.ndarray):
        if len(spec) != 2:
            raise InputError(f"invalid coordinates {spec!r}: give exactly two numbers (lat, lon)")
        return _coordinate_place(spec[0], spec[1], spec)
    if isinstance(spec, str):
        match = _COORDS.match(spec)
        if match:
            return _coordinate_place(match.group(1), match.group(2), spec)
        return _place_by_name(G, spec)
    raise InputError(
        f"cannot use {spec!r} ({type(spec).__name__}) as a place: "
        "give a landmark id, a landmark name or (lat, lon) coordinates"
    )


def _id_range(G: nx.DiGraph) -> str:
    try:
        nodes = sorted(G.nodes)
    except TypeError:
        nodes = list(G.nodes)
    return f"{nodes[0]}..{nodes[-1]}" if len(nodes) > 1 else f"{nodes[0]}"


def _place_by_name(G: nx.DiGraph, spec: str) -> Place:
    wanted = _normalise_name(spec)
    if not wanted:
        raise InputError("empty place name: give a landmark id, a landmark name or 'lat,lon'")
    names = {node: str(data.get("name", "")) for node, data in G.nodes(data=True)}
    hits = [node for node, name in names.items() if _normalise_name(name) == wanted]
    if len(hits) == 1:
        return _landmark_place(G, hits[0])
    if len(hits) > 1:
        ids = ", ".join(str(h) for h in sorted(hits, key=str))
        raise InputError(
            f"{len(hits)} landmarks are named {spec!r} (ids {ids}): give an id instead"
        )
    if spec.strip().lstrip("+-").isdigit() and int(spec) in G:
        return _landmark_place(G, int(spec))
    by_norm: dict[str, str] = {}
    for name in names.values():
        by_norm.setdefault(_normalise_name(name), name)
    close = difflib.get_close_matches(wanted, sorted(by_norm), n=5, cutoff=0.5)
    if close:
        hint = "close names: " + ", ".join(repr(by_norm[c]) for c in close)
    else:
        popular = sorted(
            G.nodes(data=True), key=lambda nd: (-float(nd[1].get("popularity", 0.0)), str(nd[0]))
        )[:5]
        hint = "the most popular landmarks are: " + ", ".join(
            repr(str(d.get("name", n))) for n, d in popular
        )
    raise UnknownPlaceError(f"no landmark is named {spec!r}; {hint}")


# --- start time -------------------------------------------------------------------------------


def parse_start_time(start_time: Any, *, tz: str, today: date | None = None) -> pd.Timestamp:
    """The plan's start as a time-zone aware timestamp in ``tz``.

    Parameters
    ----------
    start_time
        ``None`` (today at ``settings.START_TIME``), ``"HH:MM"`` (today at that local time), a
        date-time string (``"2024-07-01 09:30"``, ISO 8601) or a ``datetime``/``Timestamp``.
        Naive date-times are local times in ``tz``; aware ones are converted to ``tz``.
    tz
        IANA zone of the plan.
    today
        The date used with ``None`` and ``"HH:MM"`` (default: today in ``tz``).
    """
    if start_time is None:
        start_time = settings.START_TIME
    if isinstance(start_time, str) and (m := _HHMM.match(start_time)):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise InputError(f"invalid start time {start_time!r}: use HH:MM with 00:00..23:59")
        day = today if today is not None else pd.Timestamp.now(tz=tz).date()
        ts = pd.Timestamp(datetime.combine(day, time(hour, minute)))
    elif isinstance(start_time, str | datetime | pd.Timestamp | np.datetime64):
        try:
            ts = pd.Timestamp(start_time)
        except (ValueError, TypeError):
            raise InputError(
                f"invalid start time {start_time!r}: use 'HH:MM' or 'YYYY-MM-DD HH:MM'"
            ) from None
        if ts is pd.NaT:
            raise InputError(f"invalid start time {start_time!r}: use 'HH:MM' or a date-time")
    else:
        raise InputError(
            f"invalid start time {start_time!r}: give 'HH:MM', 'YYYY-MM-DD HH:MM' or a datetime"
        )
    try:
        if ts.tzinfo is None:
            return ts.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        return ts.tz_convert(tz)
    except Exception as exc:  # unknown zone names raise several exception types
        raise InputError(
            f"cannot use start time {start_time!r} in time zone {tz!r}: {exc}"
        ) from None


# --- the model --------------------------------------------------------------------------------


def sorted_nodes(G: nx.DiGraph) -> list[Hashable]:
    """The graph's nodes in the planner's order (sorted; by their text when not comparable)."""
    try:
        return sorted(G.nodes)
    except TypeError:
        return sorted(G.nodes, key=str)


def _graph_arrays(G: nx.DiGraph) -> tuple[list[Hashable], dict[str, NDArray], list[str]]:
    """Nodes in sorted order with their numeric attributes as arrays (validated)."""
    nodes = sorted_nodes(G)
    columns: dict[str, list[float]] = {a: [] for a in _NODE_ATTRS}
    names = []
    for node in nodes:
        data = G.nodes[node]
        for attr in _NODE_ATTRS:
            if attr not in data:
                raise ValidationError(
                    f"landmark {node!r} has no {attr!r}: the planner needs nodes with "
                    f"{', '.join(_NODE_ATTRS)} (build the graph with routeplan.build_graph)"
                )
            columns[attr].append(data[attr])
        names.append(str(data.get("name", f"Landmark {node}")))
    arrays = {}
    for attr, values in columns.items():
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise ValidationError(f"node attribute {attr!r} must be numeric") from None
        bad = ~np.isfinite(arr)
        if attr in ("popularity", "stay_min"):
            bad |= arr < 0
        if bad.any():
            node = nodes[int(np.flatnonzero(bad)[0])]
            raise ValidationError(
                f"landmark {node!r} has an invalid {attr!r} ({arr[bad][0]}): it must be a "
                + ("finite number" if attr in ("lat", "lon") else "finite number >= 0")
            )
        arrays[attr] = arr
    return nodes, arrays, names


def dijkstra(weights: NDArray, source: int) -> tuple[NDArray, NDArray]:
    """Shortest paths from ``source`` over a dense matrix of non-negative weights.

    Returns the costs and the predecessor of each place on its shortest path (-1 for the source
    and unreachable places; ties keep the first predecessor found).
    """
    k = weights.shape[0]
    dist = np.full(k, np.inf)
    dist[source] = 0.0
    prev = np.full(k, -1)
    done = np.zeros(k, dtype=bool)
    for _ in range(k):
        u = int(np.argmin(np.where(done, np.inf, dist)))
        if done[u] or not np.isfinite(dist[u]):
            break
        done[u] = True
        via_u = dist[u] + weights[u]
        better = via_u < dist
        dist[better] = via_u[better]
        prev[better] = u
    return dist, prev


def all_pairs_shortest(weights: NDArray) -> NDArray:
    """Floyd–Warshall over a dense matrix of non-negative weights (diagonal 0)."""
    dist = np.array(weights, dtype=float)
    np.fill_diagonal(dist, 0.0)
    for k in range(dist.shape[0]):
        np.minimum(dist, dist[:, k, None] + dist[None, k, :], out=dist)
    return dist


@dataclass(frozen=True)
class RouteSchedule:
    """The timetable and score of one route of a :class:`Problem` (see :meth:`Problem.schedule`).

    Arrays run over the route's stops (start, visited candidates, end). ``arrive`` is when the
    traveller reaches a stop, ``begin`` when the visit starts (later than ``arrive`` when waiting
    for a hard time window to open), ``leave`` when the visit ends; all in minutes from the start
    of the route. ``off_hours`` flags visits that begin outside the place's windows (soft windows
    only; always false with hard windows, whose violations make the route infeasible).
    """

    stops: NDArray
    arrive: NDArray
    begin: NDArray
    leave: NDArray
    off_hours: NDArray
    feasible: bool
    reason: str

    @property
    def minutes(self) -> float:
        """Total minutes of the route: from arriving at the start to leaving the last stop."""
        return float(self.leave[-1]) if len(self.leave) else 0.0


@dataclass
class Problem:
    """What a solver sees: the start (0), ``m`` candidates (1..m) and maybe an end (m + 1).

    A solution is a tuple of ``n_routes`` routes (days); a route is the tuple of candidate indices
    visited, in order, between the start and the end (the end is implicit). No candidate is
    visited twice, on the same route or on two routes. Every route starts at 0 and, with
    ``has_end``, finishes at the end.

    Attributes
    ----------
    travel_min, lift
        ``(K, K)`` matrices between the problem's places (minutes; transition lifts).
    stay_min, value
        Per place; a coordinate place and the closing stop of a round trip have 0 of both.
    budget_min
        Maximum minutes of each route, from arriving at the start to leaving its last stop
        (stays, travel and waiting).
    transition_weight
        Weight ``w`` of the lifts in the score.
    has_end
        True when every route must end at index ``K - 1``.
    n_stops
        None, or the exact number of stops of every route, start and end included.
    n_routes
        Number of routes (days) to plan.
    required
        Candidates that a solution must visit (on some route).
    windows
        None (every place always open), or one ``(w, 2)`` array a place of the intervals
        ``[open, close]`` (minutes from the route's start, sorted, disjoint) in which a visit
        may *begin*. An empty array means never open. The windows of the start and the end are
        ignored (the route starts and finishes there regardless).
    soft_windows
        False: visits begin inside a window, waiting for one to open if need be (a route that
        cannot is infeasible). True: nobody waits; a visit that begins outside its windows
        loses ``off_hours_penalty`` × its value.
    off_hours_penalty
        Fraction of a landmark's value lost by an off-hours visit (soft windows), in [0, 1].
    overlap_limits
        ``((places, most), ...)``: at most ``most`` of ``places`` (candidate indices) may be
        visited by a solution. Used to make alternatives differ.
    places
        Index of each problem place in the :class:`PlanningModel` (None: 0..K-1).

    Score of a solution (see :mod:`.objective`)::

        value[0] + value[end]                      (once, whatever the number of routes)
        + Σ over routes, over visited candidates x: value[x] × (1 − penalty × off_hours[x])
        + Σ over routes, over legs a → b:          transition_weight × lift[a, b]
    """

    travel_min: NDArray
    lift: NDArray
    stay_min: NDArray
    value: NDArray
    budget_min: float
    transition_weight: float
    has_end: bool
    n_stops: int | None = None
    n_routes: int = 1
    required: tuple[int, ...] = ()
    windows: tuple[NDArray, ...] | None = None
    soft_windows: bool = False
    off_hours_penalty: float = 0.5
    overlap_limits: tuple[tuple[tuple[int, ...], int], ...] = ()
    places: NDArray | None = None
    _weighted_lift: NDArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        k = len(self.stay_min)
        self.travel_min = np.asarray(self.travel_min, dtype=float)
        self.lift = np.asarray(self.lift, dtype=float)
        self.stay_min = np.asarray(self.stay_min, dtype=float)
        self.value = np.asarray(self.value, dtype=float)
        if self.travel_min.shape != (k, k) or self.lift.shape != (k, k) or len(self.value) != k:
            raise ValueError("travel_min and lift must be (K, K) and value (K,) for K places")
        if self.places is None:
            self.places = np.arange(k, dtype=np.intp)
        self.required = tuple(int(x) for x in self.required)
        cands = range(1, 1 + self.n_candidates)
        if any(x not in cands for x in self.required):
            raise ValueError(f"required places must be candidates 1..{self.n_candidates}")
        if self.windows is not None:
            if len(self.windows) != k:
                raise ValueError("windows needs one array a place")
            self.windows = tuple(np.asarray(w, dtype=float).reshape(-1, 2) for w in self.windows)
        if self.n_routes < 1:
            raise ValueError("n_routes must be >= 1")
        self._weighted_lift = self.transition_weight * self.lift

    @property
    def n_places(self) -> int:
        """Number of places K (start, candidates and end)."""
        return len(self.stay_min)

    @property
    def n_candidates(self) -> int:
        """Number of optional landmarks m."""
        return self.n_places - 1 - int(self.has_end)

    @property
    def end(self) -> int | None:
        """Index of the end, or None when the route ends anywhere."""
        return self.n_places - 1 if self.has_end else None

    @property
    def weighted_lift(self) -> NDArray:
        """``transition_weight * lift``."""
        return self._weighted_lift

    @property
    def stop_cap(self) -> int:
        """Largest number of stops of a route (start and end included)."""
        limit = self.n_places
        return limit if self.n_stops is None else min(limit, self.n_stops)

    def full_route(self, mid: tuple[int, ...] | list[int]) -> NDArray:
        """Problem indices of all stops of a route: start, ``mid`` and the end if any."""
        tail = [self.n_places - 1] if self.has_end else []
        return np.asarray([0, *mid, *tail], dtype=np.intp)

    def evaluate(self, routes: NDArray) -> tuple[NDArray, NDArray]:
        """Total minutes and scores of full routes (rows of an int array, all the same length).

        Ignores windows: it is exact only for problems without them (fast, vectorised). With
        one route, the score is the full score; with several, add them with
        :meth:`solution_score`.
        """
        routes = np.atleast_2d(routes)
        a, b = routes[:, :-1], routes[:, 1:]
        minutes = self.stay_min[routes[:, 0]] + (self.travel_min[a, b] + self.stay_min[b]).sum(1)
        scores = self.value[routes].sum(1) + self._weighted_lift[a, b].sum(1)
        return minutes, scores

    def feasible(self, minutes: float | NDArray) -> bool | NDArray:
        """Whether a total time fits the budget."""
        return np.asarray(minutes) <= self.budget_min + FEASIBILITY_TOL_MIN

    def schedule(self, mid: tuple[int, ...] | list[int]) -> RouteSchedule:
        """Timetable of one route and whether it satisfies the budget, windows and stop count.

        The reference implementation (plain, sequential): solvers may compute the same faster,
        tests compare them with it. Visits begin as early as allowed.
        """
        stops = self.full_route(mid)
        n = len(stops)
        arrive, begin, leave = np.zeros(n), np.zeros(n), np.zeros(n)
        off = np.zeros(n, dtype=bool)
        reason = ""
        clock = 0.0
        last = n - 1 if self.has_end else n
        for i, x in enumerate(stops):
            if i > 0:
                clock += float(self.travel_min[stops[i - 1], x])
            arrive[i] = clock
            if self.windows is not None and 0 < i < last:
                win = self.windows[x]
                inside = (win[:, 0] <= clock + FEASIBILITY_TOL_MIN) & (
                    clock <= win[:, 1] + FEASIBILITY_TOL_MIN
                )
                if not inside.any():
                    if self.soft_windows:
                        off[i] = True
                    else:
                        later = win[win[:, 0] > clock]
                        if len(later):
                            clock = float(later[0, 0])
                        elif not reason:
                            reason = f"place {int(x)} is closed from minute {clock:.6g} on"
            begin[i] = clock
            clock += float(self.stay_min[x])
            leave[i] = clock
        if clock > self.budget_min + FEASIBILITY_TOL_MIN and not reason:
            reason = f"the route takes {clock:.9g} min, over the budget of {self.budget_min:g}"
        if len(set(int(x) for x in mid)) != len(mid) and not reason:
            reason = "a candidate is visited twice"
        if any(not 1 <= int(x) <= self.n_candidates for x in mid) and not reason:
            reason = "the route holds a place that is not a candidate"
        if self.n_stops is not None and n != self.n_stops and not reason:
            reason = f"the route has {n} stops, not {self.n_stops}"
        return RouteSchedule(stops, arrive, begin, leave, off, not reason, reason)

    def solution_score(self, routes: tuple[tuple[int, ...], ...] | list) -> dict[str, float]:
        """Score parts of a solution (a sequence of routes), per the class docstring.

        Returns ``{"value": ..., "transitions": ..., "off_hours": ...}`` (off_hours <= 0); the
        score is their sum.
        """
        value = float(self.value[0]) + (float(self.value[-1]) if self.has_end else 0.0)
        transitions = 0.0
        off_hours = 0.0
        for mid in routes:
            sched = self.schedule(mid)
            stops = sched.stops
            inner = stops[1 : len(stops) - int(self.has_end)]
            value += float(self.value[inner].sum())
            if self.soft_windows:
                off = sched.off_hours[1 : len(stops) - int(self.has_end)]
                off_hours -= float(self.off_hours_penalty * self.value[inner][off].sum())
            transitions += float(self._weighted_lift[stops[:-1], stops[1:]].sum())
        return {"value": value, "transitions": transitions, "off_hours": off_hours}

    def check(self, routes: tuple[tuple[int, ...], ...] | list) -> str:
        """Why a solution is infeasible ("" when it is feasible)."""
        if len(routes) != self.n_routes:
            return f"{len(routes)} routes, expected {self.n_routes}"
        seen: list[int] = [int(x) for mid in routes for x in mid]
        if len(seen) != len(set(seen)):
            return "a candidate is visited twice"
        for d, mid in enumerate(routes):
            sched = self.schedule(mid)
            if not sched.feasible:
                return f"route {d}: {sched.reason}"
        missing = set(self.required) - set(seen)
        if missing:
            return f"required places {sorted(missing)} are not visited"
        for places, most in self.overlap_limits:
            if len(set(places) & set(seen)) > most:
                return f"more than {most} of the places {sorted(places)} are visited"
        return ""


@dataclass(frozen=True)
class Solution:
    """A solver's answer: the routes (candidates visited in order), their minutes and score.

    ``optimal`` is true when the solver proved that no feasible solution scores higher;
    ``bound`` is an upper bound on the optimal score when the solver computed one (the exact
    solver stopped by its time limit returns its best solution with ``optimal=False`` and the
    bound).
    """

    routes: tuple[tuple[int, ...], ...]
    minutes: tuple[float, ...]
    score: float
    optimal: bool
    method: str
    bound: float | None = None

    @property
    def mid(self) -> tuple[int, ...]:
        """The first (for one-day problems, the only) route."""
        return self.routes[0]

    @property
    def time_min(self) -> float:
        """Minutes of the first route."""
        return self.minutes[0]


class PlanningModel:
    """Travel times, distances, values, lifts and alive hours between all places of a query.

    Parameters
    ----------
    G
        TransitionGraph.
    start, end
        Resolved places (see :func:`resolve_place`); ``end`` None leaves the end open. An end equal
        to the start landmark makes a round trip, closed by a copy of the start with no stay and
        no value.
    speed_kmh, detour_factor, overhead_min
        Estimated travel: great-circle distance × ``detour_factor`` at ``speed_kmh``, plus
        ``overhead_min`` a leg (see ``settings.MODES``).
    use_observed
        "always": an observed median time replaces the estimate (walking: what travellers
        really took); "faster": only where it is quicker than the estimate (a faster mode than
        the observed travellers'); "never".
    min_observed_users
        An edge's observed ``travel_min`` is used only when its ``n_users`` reaches this (edges
        without ``n_users`` count as enough). The edge's trips still count towards the lift.
    alpha
        Smoothing of the transition probabilities (see :mod:`.objective`).
    value
        Value of every landmark in sorted node order (default: ``popularity``); see
        :func:`.objective.landmark_values`.
    alive
        ``(n, 24)`` booleans: the local hours in which each landmark (sorted node order) is
        alive (default: always). Coordinate places are always alive.
    stay_min
        Minutes spent at every landmark in sorted node order (default: the nodes' ``stay_min``).

    Attributes
    ----------
    landmark_ids, names, lat, lon, stay_min, value, alive
        Per place (landmarks in sorted id order first, then coordinate places and the round-trip
        copy). ``landmark_ids`` holds None for coordinate places.
    travel_min, observed, distance_m, lift
        ``(N, N)`` matrices between places.
    start, end
        Place indices of the start and end (end None for an open end).
    round_trip
        True when the end is the start landmark.
    """

    def __init__(
        self,
        G: nx.DiGraph,
        *,
        start: Place,
        end: Place | None,
        speed_kmh: float = settings.WALK_SPEED_KMH,
        detour_factor: float = settings.DETOUR_FACTOR,
        overhead_min: float = 0.0,
        use_observed: str = "always",
        min_observed_users: int = settings.MIN_OBSERVED_USERS,
        alpha: float = settings.TRANSITION_ALPHA,
        value: NDArray | None = None,
        alive: NDArray | None = None,
        stay_min: NDArray | None = None,
    ) -> None:
        nodes, arrays, names = _graph_arrays(G)
        if stay_min is not None:
            stays_arr = np.asarray(stay_min, dtype=float)
            if (
                stays_arr.shape != (len(nodes),)
                or not (np.isfinite(stays_arr) & (stays_arr >= 0)).all()
            ):
                raise ValidationError("stays must be finite minutes >= 0, one a landmark")
            arrays["stay_min"] = stays_arr
        n = len(nodes)
        index = {node: i for i, node in enumerate(nodes)}
        self.index = index
        ref = list(range(n))
        landmark_ids: list[Hashable | None] = list(nodes)
        lat, lon = list(arrays["lat"]), list(arrays["lon"])
        values = arrays["popularity"] if value is None else np.asarray(value, dtype=float)
        if values.shape != (n,) or not np.isfinite(values).all() or (values < 0).any():
            raise ValidationError("landmark values must be finite numbers >= 0, one a landmark")
        stay, value_list = list(arrays["stay_min"]), list(values)
        alive_rows = (
            [np.ones(24, dtype=bool)] * n
            if alive is None
            else [np.asarray(a, dtype=bool) for a in alive]
        )
        names = list(names)

        def add(place: Place, name: str, ref_i: int, stay_i: float, value_i: float) -> int:
            landmark_ids.append(place.landmark_id)
            names.append(name)
            lat.append(place.lat)
            lon.append(place.lon)
            ref.append(ref_i)
            stay.append(stay_i)
            value_list.append(value_i)
            alive_rows.append(np.ones(24, dtype=bool))
            return len(ref) - 1

        self.round_trip = False
        if start.is_landmark:
            self.start = index[start.landmark_id]
        else:
            self.start = add(start, "Start", -1, 0.0, 0.0)
        self.end: int | None
        if end is None:
            self.end = None
        elif end.is_landmark and start.is_landmark and end.landmark_id == start.landmark_id:
            self.round_trip = True
            self.end = add(end, names[self.start], self.start, 0.0, 0.0)
        elif end.is_landmark:
            self.end = index[end.landmark_id]
        else:
            self.end = add(end, "End", -1, 0.0, 0.0)

        self.n_landmarks = n
        self.landmark_ids = landmark_ids
        self.names = names
        self.lat = np.asarray(lat, dtype=float)
        self.lon = np.asarray(lon, dtype=float)
        self.stay_min = np.asarray(stay, dtype=float)
        self.value = np.asarray(value_list, dtype=float)
        self.alive = np.vstack(alive_rows) if alive_rows else np.ones((0, 24), dtype=bool)
        ref_arr = np.asarray(ref, dtype=np.intp)
        #: Landmark (0..n-1) each place stands for; -1 for coordinate places.
        self.ref = ref_arr

        self.distance_m = distance_matrix_m(self.lat, self.lon) * detour_factor
        self.travel_min = self.distance_m / (speed_kmh * 1000.0 / 60.0) + overhead_min
        np.fill_diagonal(self.travel_min, 0.0)
        self.observed = np.zeros(self.travel_min.shape, dtype=bool)

        counts = np.zeros((n, n))
        observed_min = np.full((n, n), np.nan)
        rows, cols, trips, minutes = [], [], [], []
        for u, v, data in G.edges(data=True):
            if u == v:
                continue
            rows.append(index[u])
            cols.append(index[v])
            trips.append(data.get("n_trips", 0))
            ok = (
                data.get("observed", True)
                and data.get("travel_min") is not None
                and data.get("n_users", min_observed_users) >= min_observed_users
            )
            minutes.append(float(data["travel_min"]) if ok else np.nan)
        if rows:
            trips_arr = np.asarray(trips, dtype=float)
            minutes_arr = np.asarray(minutes, dtype=float)
            if not np.isfinite(trips_arr).all() or (trips_arr < 0).any():
                raise ValidationError("edge attribute 'n_trips' must be a finite number >= 0")
            if (minutes_arr < 0).any():
                i = int(np.flatnonzero(minutes_arr < 0)[0])
                raise ValidationError(
                    f"edge {nodes[rows[i]]!r} -> {nodes[cols[i]]!r} has a negative travel_min"
                )
            counts[rows, cols] = trips_arr
            observed_min[rows, cols] = np.where(np.isfinite(minutes_arr), minutes_arr, np.nan)
        self.n_trips = counts

        is_lm = np.flatnonzero(ref_arr >= 0)
        grid = np.ix_(is_lm, is_lm)
        obs = observed_min[np.ix_(ref_arr[is_lm], ref_arr[is_lm])]
        has_obs = np.isfinite(obs)
        if use_observed == "faster":
            has_obs &= obs < self.travel_min[grid]
        elif use_observed == "never":
            has_obs[:] = False
        elif use_observed != "always":
            raise ValueError(f"use_observed must be always, faster or never, not {use_observed!r}")
        self.travel_min[grid] = np.where(has_obs, obs, self.travel_min[grid])
        self.observed[grid] = has_obs
        self.lift = np.zeros(self.travel_min.shape)
        self.lift[grid] = lift_matrix(counts, alpha=alpha)[np.ix_(ref_arr[is_lm], ref_arr[is_lm])]

    @property
    def n_places(self) -> int:
        """Number of places N."""
        return len(self.stay_min)

    def minimum_time(self) -> float:
        """Fewest minutes any route from the start (to the end) takes: the start's stay plus the
        shortest way to the end, stays of intermediate landmarks included."""
        if self.end is None:
            return float(self.stay_min[self.start])
        weights = self.travel_min + self.stay_min[None, :]
        return float(self.stay_min[self.start] + dijkstra(weights, self.start)[0][self.end])

    def windows(self, *, day_start_min: float, budget_min: float) -> list[NDArray]:
        """Per place, the intervals (minutes from the start of a day's route) in which a visit
        may begin: the place's alive local hours over ``[0, budget_min]``.

        ``day_start_min`` is the local clock time of the start in minutes after midnight.
        """
        horizon = float(budget_min)
        n_days = math.ceil((day_start_min + horizon) / 1440.0) + 1
        out = []
        for row in self.alive:
            if row.all():
                out.append(np.array([[0.0, horizon]]))
                continue
            hours = np.flatnonzero(np.tile(row, n_days))
            if hours.size == 0:
                out.append(np.zeros((0, 2)))
                continue
            breaks = np.flatnonzero(np.diff(hours) > 1)
            first = np.concatenate([[hours[0]], hours[breaks + 1]])
            last = np.concatenate([hours[breaks], [hours[-1]]]) + 1
            win = np.column_stack([first * 60.0, last * 60.0]) - day_start_min
            win = win[(win[:, 1] >= 0) & (win[:, 0] <= horizon)]
            out.append(np.clip(win, 0.0, horizon))
        return out

    def problem(
        self,
        *,
        budget_min: float,
        transition_weight: float,
        n_stops: int | None = None,
        n_routes: int = 1,
        required: tuple[int, ...] = (),
        avoid: tuple[int, ...] = (),
        windows: list[NDArray] | None = None,
        soft_windows: bool = False,
        off_hours_penalty: float = settings.OFF_HOURS_PENALTY,
    ) -> Problem:
        """The pruned problem for a budget: only landmarks that fit a route within it remain.

        A landmark ``v`` is a candidate when it is not avoided and the start's stay + the shortest
        way from the start to ``v`` + the shortest way from ``v`` to the finish (stays included)
        fits the budget and, with hard windows, one of its windows lies in the time that leaves.
        The shortest ways are recomputed among the remaining candidates until nothing changes.

        Parameters
        ----------
        required, avoid
            Place indices (landmarks) that must be visited / must not be.
        windows
            From :meth:`windows` (None: always open).

        Raises
        ------
        BudgetTooShortError
            The budget cannot hold the start (and the way to the end), or a required landmark.
        """
        needed = self.minimum_time()
        if needed > budget_min + FEASIBILITY_TOL_MIN:
            start_name = self.names[self.start]
            if self.end is None:
                what = f"the stay at the start {start_name!r} alone takes {needed:.0f} min"
            else:
                what = (
                    f"going from {start_name!r} to {self.names[self.end]!r} takes at least "
                    f"{needed:.0f} min (stays included)"
                )
            raise BudgetTooShortError(
                f"a budget of {budget_min:g} min is too short: {what}; "
                f"give budget_min >= {math.ceil(needed)}"
            )
        mandatory = 2 if self.end is not None else 1
        fixed = [self.start] + ([self.end] if self.end is not None else [])
        weights = self.travel_min + self.stay_min[None, :]
        pool = np.flatnonzero(np.arange(self.n_places) < self.n_landmarks)
        pool = pool[~np.isin(pool, fixed) & ~np.isin(pool, avoid)]
        if n_stops is not None and n_stops <= mandatory:
            pool = pool[:0]
        hard = windows is not None and not soft_windows
        while True:
            order = np.concatenate([[self.start], pool, fixed[1:]]).astype(np.intp)
            sub = weights[np.ix_(order, order)]
            from_start, _ = dijkstra(sub, 0)
            if self.end is not None:
                to_finish, _ = dijkstra(sub.T, len(order) - 1)
            else:
                to_finish = np.zeros(len(order))
            total = self.stay_min[self.start] + from_start + to_finish
            keep = total[1 : 1 + len(pool)] <= budget_min + FEASIBILITY_TOL_MIN
            if hard:
                stays = self.stay_min[pool]
                earliest = self.stay_min[self.start] + from_start[1 : 1 + len(pool)] - stays
                latest = budget_min - to_finish[1 : 1 + len(pool)] - stays
                for i, place in enumerate(pool):
                    win = windows[place]
                    keep[i] &= bool(
                        (
                            (win[:, 0] <= latest[i] + FEASIBILITY_TOL_MIN)
                            & (win[:, 1] >= earliest[i] - FEASIBILITY_TOL_MIN)
                        ).any()
                    )
            if keep.all():
                break
            pool = pool[keep]
        missing = [r for r in required if r not in fixed and r not in pool]
        if missing:
            names = ", ".join(repr(self.names[r]) for r in missing)
            raise BudgetTooShortError(
                f"must-visit {names} cannot fit in a day of {budget_min:g} min"
                + (" in the hours when it is alive" if hard else "")
                + ": raise budget_min, change the start time, or drop it from must_visit"
            )
        logger.debug("planner: %d of %d landmarks are candidates", len(pool), self.n_landmarks)
        grid = np.ix_(order, order)
        position = {int(p): i for i, p in enumerate(order)}
        return Problem(
            travel_min=self.travel_min[grid].copy(),
            lift=self.lift[grid].copy(),
            stay_min=self.stay_min[order].copy(),
            value=self.value[order].copy(),
            budget_min=float(budget_min),
            transition_weight=float(transition_weight),
            has_end=self.end is not None,
            n_stops=n_stops,
            n_routes=n_routes,
            required=tuple(position[r] for r in required if r not in fixed),
            windows=None if windows is None else tuple(windows[p] for p in order),
            soft_windows=soft_windows,
            off_hours_penalty=off_hours_penalty,
            places=order,
        )
