"""Plan itineraries on a TransitionGraph.

:func:`plan` answers a query (start, end, time budget, start time) with the itinerary of highest
score (see :mod:`routeplan.planner.objective`) that fits the budget. The pieces:

- :mod:`.objective`: the score, defined in one place;
- :mod:`.model`: places, travel times and pruning (:class:`PlanningModel`, :class:`Problem`);
- :mod:`.exact`: a solver that proves the optimum (small problems);
- :mod:`.heuristic`: greedy insertion + iterated local search (any size).

The planner reads only the graph: it never imports the photo, landmark or visit stages.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from .. import settings
from .._errors import BudgetTooShortError, InputError, ValidationError
from .._geo import haversine_m
from ..itinerary import Itinerary, Leg, Stop
from .exact import MAX_EXACT_CANDIDATES, solve_exact
from .heuristic import solve_heuristic
from .model import (
    Place,
    PlanningModel,
    Problem,
    Solution,
    parse_start_time,
    resolve_place,
    sorted_nodes,
)
from .objective import alive_hours, landmark_values, lift_matrix, route_score

__all__ = [
    "ALIVE_MODES",
    "METHODS",
    "Place",
    "PlanningModel",
    "Problem",
    "Solution",
    "alive_hours",
    "landmark_values",
    "lift_matrix",
    "parse_start_time",
    "plan",
    "replan",
    "resolve_place",
    "route_score",
    "solve_exact",
    "solve_heuristic",
]

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..nextstop import NextStopModel

logger = logging.getLogger(__name__)

#: Names accepted by ``plan(method=...)``.
METHODS = ("auto", "exact", "heuristic")
#: Names accepted by ``plan(alive=...)``.
ALIVE_MODES = ("hard", "soft", "off")


def _check_number(name: str, value: Any, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or (positive and number <= 0):
        sign = " > 0" if positive else ""
        raise InputError(f"{name} must be a finite number{sign}, got {value!r}")
    return number


def _check_count(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InputError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _describe(place: Place) -> Any:
    return place.landmark_id if place.is_landmark else (place.lat, place.lon)


def _landmark_list(G: nx.DiGraph, specs: Any, *, option: str) -> list[Any]:
    if specs is None:
        return []
    if isinstance(specs, str | int | np.integer):
        specs = [specs]
    out = []
    for spec in specs:
        place = resolve_place(G, spec)
        if not place.is_landmark:
            raise InputError(f"{option} lists landmarks (ids or names), not coordinates: {spec!r}")
        out.append(place.landmark_id)
    return out


def _learned_lift(model: PlanningModel, nodes: list[Any], next_stop: NextStopModel) -> NDArray:
    """The lift matrix over the model's places from a fitted next-stop model (see ``plan``)."""
    if not hasattr(next_stop, "step_probabilities") or not hasattr(next_stop, "coef_"):
        raise InputError("next_stop must be a fitted routeplan.nextstop.NextStopModel")
    position = {pid: i for i, pid in enumerate(next_stop.place_ids_)}
    known = np.array([node in position for node in nodes])
    if not known.any():
        raise InputError(
            "the next-stop model knows none of the graph's landmarks: fit it on trips over the "
            "same landmark ids (fit_tour_data(tour_data_from_visits(visits, landmarks)))"
        )
    if not known.all():
        missing = [node for node, k in zip(nodes, known, strict=True) if not k]
        logger.warning(
            "the next-stop model does not know %d landmarks (e.g. %s): no leg into or out of "
            "them scores",
            len(missing),
            missing[:3],
        )
    lm = np.flatnonzero(known)  # landmark indices the model knows
    model_of = np.array([position[nodes[i]] for i in lm], dtype=np.intp)

    def anchor(place: int | None) -> int:
        if place is None:
            place = model.start
        ref = int(model.ref[place])
        if ref >= 0 and known[ref]:
            return position[nodes[ref]]
        d = haversine_m(model.lat[place], model.lon[place], model.lat[lm], model.lon[lm])
        return int(model_of[int(np.argmin(d))])

    probs = next_stop.step_probabilities(anchor(model.start), anchor(model.end))
    lift = np.zeros((model.n_places, model.n_places))
    refs = model.ref
    ok = np.flatnonzero((refs >= 0) & known[np.maximum(refs, 0)])
    idx = np.array([position[nodes[refs[p]]] for p in ok], dtype=np.intp)
    lift[np.ix_(ok, ok)] = probs[np.ix_(idx, idx)]
    np.fill_diagonal(lift, 0.0)
    return lift


def plan(
    G: nx.DiGraph,
    *,
    start: Any,
    end: Any = None,
    budget_min: float | None = settings.BUDGET_MIN,
    start_time: Any = None,
    days: int = 1,
    max_stops: int | None = None,
    must_visit: Iterable[Any] = (),
    avoid: Iterable[Any] = (),
    stays: Mapping[Any, float] | None = None,
    themes: Mapping[str, float] | None = None,
    season_weight: float = settings.SEASON_WEIGHT,
    alive: str = settings.ALIVE,
    off_hours_penalty: float = settings.OFF_HOURS_PENALTY,
    mode: str = settings.MODE,
    speed_kmh: float | None = None,
    detour_factor: float | None = None,
    min_observed_users: int = settings.MIN_OBSERVED_USERS,
    transition_weight: float = settings.TRANSITION_WEIGHT,
    alternatives: int = 1,
    method: str = "auto",
    time_limit_s: float = settings.EXACT_TIME_LIMIT_S,
    seed: int = 0,
    next_stop: NextStopModel | None = None,
) -> list[Itinerary]:
    """Plan the best itineraries from a start within a time budget.

    The score maximised is defined in :mod:`routeplan.planner.objective` (landmark values
    weighted by themes and season, plus the log-likelihood of the transitions, less off-hours
    penalties); every itinerary reports its parts in ``score_parts``.

    Parameters
    ----------
    G
        TransitionGraph (see :func:`routeplan.build_graph`).
    start
        Where each day begins: a landmark id or name (it is stop 1, with its stay and value) or
        coordinates ``(lat, lon)`` / ``"lat,lon"`` (a hotel: a stop named "Start" with no stay and
        no value). See :func:`resolve_place`.
    end
        Where each day ends: None (wherever the route ends; with ``days > 1``, back at the
        start), a landmark or coordinates. The start landmark again makes a round trip: it is
        visited once for its value and stay, and the route closes with a final stop there of zero
        minutes. No landmark is visited twice, on one day or over several.
    budget_min
        Minutes a day from arriving at the first stop to leaving the last one (stays, travel and
        waiting). None: no time limit (then ``max_stops`` is required).
    start_time
        None (today at ``settings.START_TIME``), ``"HH:MM"`` (today), ``"YYYY-MM-DD HH:MM"`` /
        ISO 8601, or a datetime. Naive times are local in ``G.graph["tz"]``, as are all of the
        itinerary's times. Day ``d`` starts ``d`` days later at the same local time. The date
        sets the season and the clock sets which landmarks are alive.
    days
        Number of days: one itinerary a day, each from the start to the end (the team
        orienteering problem).
    max_stops
        The exact number of stops of each day, start and end included (None: as many as pay).
    must_visit, avoid
        Landmarks (ids or names) that the plan must include (on some day) or must leave out.
    stays
        Minutes to spend at given landmarks (ids or names), overriding their typical stay,
        e.g. ``{"Royal Ontario Museum": 120}``.
    themes
        Weights by landmark theme or tag, e.g. ``{"museum": 2, "park": 0.5}``: a landmark's
        value is multiplied by the largest weight that matches it (1 when none does).
    season_weight
        How much the month of travel matters (see :func:`landmark_values`; 0 ignores it).
    alive
        The hours in which people photograph a landmark (:func:`alive_hours`): "hard" schedules
        no visit to begin outside them (the route waits for a place to open), "soft" allows it
        at a cost of ``off_hours_penalty`` × the landmark's value, "off" ignores them.
    off_hours_penalty
        Share of its value a landmark loses when visited off hours (``alive="soft"``).
    mode
        Transport between places without trusted observed times: "walk", "transit" or "drive"
        (speeds, detours and per-leg overheads in ``settings.MODES``). Walking takes the
        observed median time of real travellers where one exists; faster modes take it only
        when it is quicker.
    speed_kmh, detour_factor
        Override the mode's speed and detour factor.
    min_observed_users
        An observed time is trusted only for moves made by at least this many distinct
        travellers (edge ``n_users``).
    transition_weight
        Weight of the transition lifts in the score (0 scores landmarks only).
    alternatives
        Number of plans to return: each further plan differs from every earlier one in at least
        a third of its stops (``settings.ALTERNATIVE_MIN_DIFFERENCE``); fewer come back when no
        more such plans exist.
    method
        "exact" (CP-SAT: proves the optimum, or returns the best found and the bound after
        ``time_limit_s``), "heuristic" (iterated local search) or "auto": exact when at most
        ``settings.EXACT_MAX_CANDIDATES`` landmarks fit the budget, else heuristic.
    time_limit_s
        Time limit of the exact solver (per alternative).
    seed
        Seed of the heuristic's perturbations (same input and seed, same itinerary).
    next_stop
        A :class:`~routeplan.nextstop.NextStopModel` fitted on trips over this graph's landmarks
        (ids in its ``place_ids_``, e.g. by ``fit_tour_data(tour_data_from_visits(visits,
        landmarks))``): the plan then follows what real travellers do. The score becomes the sum
        over legs of the model's probability that travellers on their way to the end take that
        next stop (:meth:`~routeplan.nextstop.NextStopModel.step_probabilities`), in place of
        landmark values and lifts (``themes``, ``season_weight`` and ``transition_weight`` are
        then ignored; the budget, hard windows and the other constraints hold as usual, but
        with every value 0 soft windows cost nothing). Features are anchored at the start and
        end landmarks, or at the landmarks nearest to coordinates (that landmark then earns
        nothing as a stop, as the model never steps back into its start); with no end, the
        model is asked for trips that end back at the start.

    Returns
    -------
    list of Itinerary
        ``alternatives × days`` itineraries, ordered by alternative then day. Each ``query``
        records the request (``query["request"]``, see :func:`replan`), ``day`` (1-based),
        ``days``, ``alternative`` (0-based), ``plan_score`` (the whole plan's score), the method
        used, whether the plan is proven optimal and the solver's ``bound``.

    Raises
    ------
    InputError
        Invalid options, an empty graph or invalid coordinates.
    UnknownPlaceError
        The start, end or a listed landmark names no landmark (the message lists close names).
    BudgetTooShortError
        No plan fits: the budget cannot hold the start (and the way to the end), a must-visit
        landmark, or the number of stops asked for.
    """
    request = {
        "start": start,
        "end": end,
        "budget_min": budget_min,
        "start_time": start_time,
        "days": days,
        "max_stops": max_stops,
        "must_visit": list(must_visit) if must_visit is not None else [],
        "avoid": list(avoid) if avoid is not None else [],
        "stays": dict(stays) if stays else None,
        "themes": dict(themes) if themes else None,
        "season_weight": season_weight,
        "alive": alive,
        "off_hours_penalty": off_hours_penalty,
        "mode": mode,
        "speed_kmh": speed_kmh,
        "detour_factor": detour_factor,
        "min_observed_users": min_observed_users,
        "transition_weight": transition_weight,
        "alternatives": alternatives,
        "method": method,
        "time_limit_s": time_limit_s,
        "seed": seed,
        "next_stop": next_stop,
    }
    if not isinstance(G, nx.DiGraph):
        raise InputError(f"plan needs a TransitionGraph (networkx.DiGraph), got {type(G).__name__}")
    if G.number_of_nodes() == 0:
        raise InputError("the graph has no landmarks: nothing to plan (check the earlier stages)")
    days = _check_count("days", days, minimum=1)
    alternatives = _check_count("alternatives", alternatives, minimum=1)
    if max_stops is not None:
        max_stops = _check_count("max_stops", max_stops, minimum=1)
    if budget_min is None:
        if max_stops is None:
            raise InputError("give budget_min, max_stops or both: without either a plan is endless")
    else:
        budget_min = _check_number("budget_min", budget_min)
    if mode not in settings.MODES:
        raise InputError(f"unknown mode {mode!r}: use one of {', '.join(settings.MODES)}")
    defaults = settings.MODES[mode]
    speed = _check_number("speed_kmh", defaults["speed_kmh"] if speed_kmh is None else speed_kmh)
    detour = _check_number(
        "detour_factor", defaults["detour_factor"] if detour_factor is None else detour_factor
    )
    transition_weight = _check_number("transition_weight", transition_weight, positive=False)
    season_weight = _check_number("season_weight", season_weight, positive=False)
    off_hours_penalty = _check_number("off_hours_penalty", off_hours_penalty, positive=False)
    if not 0.0 <= off_hours_penalty <= 1.0:
        raise InputError(f"off_hours_penalty must be in [0, 1], got {off_hours_penalty!r}")
    time_limit_s = _check_number("time_limit_s", time_limit_s)
    if alive not in ALIVE_MODES:
        raise InputError(f"unknown alive {alive!r}: use one of {', '.join(ALIVE_MODES)}")
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if themes is not None:
        if not isinstance(themes, Mapping):
            raise InputError("themes must map a theme or tag to a weight, e.g. {'museum': 2}")
        for key, weight in themes.items():
            _check_number(f"themes[{key!r}]", weight, positive=False)
            if float(weight) < 0:
                raise InputError(f"themes[{key!r}] must be >= 0, got {weight!r}")

    start_place = resolve_place(G, start)
    end_place = None if end is None else resolve_place(G, end)
    if end_place is None and days > 1:
        end_place = start_place
    mandatory = 1 if end_place is None else 2
    if max_stops is not None and max_stops < mandatory:
        raise InputError(f"max_stops={max_stops} leaves no room for both start and end: use >= 2")
    required_ids = _landmark_list(G, must_visit, option="must_visit")
    avoid_ids = _landmark_list(G, avoid, option="avoid")
    clash = set(required_ids) & set(avoid_ids)
    if clash:
        raise InputError(f"landmarks {sorted(clash, key=str)} are both in must_visit and avoid")
    for place in (start_place, end_place):
        if place is not None and place.is_landmark and place.landmark_id in avoid_ids:
            raise InputError(f"{place.name!r} is the start or end: it cannot be avoided")
    tz = str(G.graph.get("tz") or "UTC")
    t0 = parse_start_time(start_time, tz=tz)
    request["start_time"] = t0.isoformat()  # replan() plans the same day

    nodes = sorted_nodes(G)
    node_data = [G.nodes[node] for node in nodes]
    for node, data in zip(nodes, node_data, strict=True):
        if "popularity" not in data:
            raise ValidationError(
                f"landmark {node!r} has no 'popularity': the planner needs nodes with lat, lon, "
                "popularity, stay_min (build the graph with routeplan.build_graph)"
            )
    values = landmark_values(node_data, themes=themes, month=t0.month, season_weight=season_weight)
    alive_matrix = (
        None if alive == "off" else np.vstack([alive_hours(d.get("hourly")) for d in node_data])
    )
    stay_override = None
    if stays:
        if not isinstance(stays, Mapping):
            raise InputError(
                "stays must map a landmark (id or name) to minutes, e.g. {'CN Tower': 90}"
            )
        position = {node: i for i, node in enumerate(nodes)}
        stay_override = np.array([float(d.get("stay_min", np.nan)) for d in node_data])
        for spec, minutes in stays.items():
            [landmark] = _landmark_list(G, [spec], option="stays")
            stay_override[position[landmark]] = _check_number(
                f"stays[{spec!r}]", minutes, positive=False
            )
            if stay_override[position[landmark]] < 0:
                raise InputError(f"stays[{spec!r}] must be >= 0 minutes, got {minutes!r}")
    if next_stop is not None:
        values = np.zeros(len(nodes))
    model = PlanningModel(
        G,
        start=start_place,
        end=end_place,
        speed_kmh=speed,
        detour_factor=detour,
        overhead_min=defaults["overhead_min"],
        use_observed="always" if mode == "walk" else "faster",
        min_observed_users=min_observed_users,
        alpha=settings.TRANSITION_ALPHA,
        value=values,
        alive=alive_matrix,
        stay_min=stay_override,
    )
    if next_stop is not None:
        model.lift = _learned_lift(model, nodes, next_stop)
        transition_weight = 1.0
    if budget_min is None:
        budget_min = _endless_budget(model)
    day_start_min = t0.hour * 60.0 + t0.minute + t0.second / 60.0
    windows = (
        None
        if alive == "off"
        else model.windows(day_start_min=day_start_min, budget_min=budget_min)
    )
    problem = model.problem(
        budget_min=budget_min,
        transition_weight=transition_weight,
        n_stops=max_stops,
        n_routes=days,
        required=tuple(model.index[r] for r in required_ids),
        avoid=tuple(model.index[a] for a in avoid_ids),
        windows=windows,
        soft_windows=alive == "soft",
        off_hours_penalty=off_hours_penalty if alive == "soft" else 0.0,
    )
    m = problem.n_candidates
    use_exact = method == "exact" or (method == "auto" and m <= settings.EXACT_MAX_CANDIDATES)
    if method == "exact" and m > MAX_EXACT_CANDIDATES:
        raise InputError(
            f"{m} landmarks fit the budget, more than the exact solver handles "
            f"({MAX_EXACT_CANDIDATES}): use method='heuristic' or 'auto'"
        )

    base_query = {
        "start": _describe(start_place),
        "end": None if end_place is None else _describe(end_place),
        "round_trip": model.round_trip,
        "budget_min": budget_min,
        "tz": tz,
        "mode": mode,
        "speed_kmh": speed,
        "detour_factor": detour,
        "alive": alive,
        "transition_weight": transition_weight,
        "transition_alpha": settings.TRANSITION_ALPHA,
        "max_stops": max_stops,
        "days": days,
        "requested_method": method,
        "n_candidates": m,
        "seed": seed,
        "scoring": "popularity" if next_stop is None else "learned",
        "request": request,
    }
    itineraries: list[Itinerary] = []
    limits: list[tuple[tuple[int, ...], int]] = []
    for k in range(alternatives):
        sub = dataclasses.replace(problem, overlap_limits=tuple(limits)) if limits else problem
        solution = _solve(sub, use_exact=use_exact, time_limit_s=time_limit_s, seed=seed)
        if solution is None:
            if k == 0:
                raise BudgetTooShortError(_no_plan_message(model, budget_min, max_stops, alive))
            logger.warning("only %d alternatives differ enough from each other", k)
            break
        query = {
            **base_query,
            "alternative": k,
            "method": solution.method,
            "optimal": solution.optimal,
            "bound": solution.bound,
            "plan_score": solution.score,
        }
        for d, mid in enumerate(solution.routes):
            day_t0 = t0 + pd.DateOffset(days=d) if d else t0
            itineraries.append(
                _itinerary(
                    model,
                    sub,
                    mid,
                    day_t0,
                    {**query, "day": d + 1, "start_time": day_t0.isoformat()},
                    first_day=d == 0,
                )
            )
        visited = tuple(sorted({x for mid in solution.routes for x in mid}))
        n_stops = len(visited) + mandatory
        most = len(visited) - math.ceil(settings.ALTERNATIVE_MIN_DIFFERENCE * n_stops - 1e-9)
        if most < 0:
            if k + 1 < alternatives:
                logger.warning("only %d alternatives differ enough from each other", k + 1)
            break
        limits.append((visited, most))
    return itineraries


def _endless_budget(model: PlanningModel) -> float:
    """A budget that never binds: every stay plus the longest way between any two places a leg."""
    finite = model.travel_min[np.isfinite(model.travel_min)]
    return float(model.stay_min.sum() + (model.n_places + 1) * (finite.max() if finite.size else 0))


def _solve(problem: Problem, *, use_exact: bool, time_limit_s: float, seed: int) -> Solution | None:
    # The heuristic's plan is the exact solver's incumbent (and its answer when proven optimal).
    solution = solve_heuristic(problem, seed=seed)
    if use_exact:
        exact = solve_exact(problem, time_limit_s=time_limit_s, incumbent=solution, seed=seed)
        if exact is not None and (solution is None or exact.score >= solution.score - 1e-12):
            solution = exact
    return solution


def _no_plan_message(
    model: PlanningModel, budget_min: float, max_stops: int | None, alive: str
) -> str:
    hints = ["raise budget_min"]
    if max_stops is not None:
        hints.append("change max_stops")
    if alive == "hard":
        hints.append("use alive='soft' or another start time")
    hints.append("drop must-visit landmarks")
    return (
        f"no plan from {model.names[model.start]!r} fits a budget of {budget_min:g} min"
        + (f" with exactly {max_stops} stops" if max_stops is not None else "")
        + (" in the landmarks' alive hours" if alive == "hard" else "")
        + ": "
        + ", ".join(hints)
    )


def _itinerary(
    model: PlanningModel,
    problem: Problem,
    mid: Sequence[int],
    t0: pd.Timestamp,
    query: dict[str, Any],
    *,
    first_day: bool,
) -> Itinerary:
    sched = problem.schedule(tuple(mid))
    route = sched.stops
    places = problem.places[route]
    stops: list[Stop] = []
    legs: list[Leg] = []
    for i, place in enumerate(places):
        if i > 0:
            prev = places[i - 1]
            legs.append(
                Leg(
                    from_stop=i - 1,
                    to_stop=i,
                    travel_min=float(model.travel_min[prev, place]),
                    distance_m=float(model.distance_m[prev, place]),
                    observed=bool(model.observed[prev, place]),
                    wait_min=float(sched.begin[i] - sched.arrive[i]),
                )
            )
        landmark_id = model.landmark_ids[place]
        if isinstance(landmark_id, np.integer):
            landmark_id = int(landmark_id)
        stops.append(
            Stop(
                landmark_id=landmark_id,
                name=model.names[place],
                lat=float(model.lat[place]),
                lon=float(model.lon[place]),
                arrive=t0 + pd.Timedelta(minutes=float(sched.begin[i])),
                leave=t0 + pd.Timedelta(minutes=float(sched.leave[i])),
                off_hours=bool(sched.off_hours[i]),
            )
        )
    n_end = int(problem.has_end)
    inner = route[1 : len(route) - n_end]
    fixed = route[:1].tolist() + (route[-1:].tolist() if problem.has_end else [])
    value = float(problem.value[inner].sum())
    if first_day:
        value += float(problem.value[fixed].sum())
    off = sched.off_hours[1 : len(route) - n_end]
    off_hours = -float(problem.off_hours_penalty * problem.value[inner][off].sum())
    transitions = float(problem.weighted_lift[route[:-1], route[1:]].sum())
    return Itinerary(
        stops=tuple(stops),
        legs=tuple(legs),
        score=value + transitions + off_hours,
        score_parts={"value": value, "transitions": transitions, "off_hours": off_hours},
        query=query,
    )


def replan(
    itineraries: Itinerary | Sequence[Itinerary],
    G: nx.DiGraph,
    *,
    pin: Iterable[Any] | None = None,
    remove: Iterable[Any] = (),
    **changes: Any,
) -> list[Itinerary]:
    """Plan again around an earlier plan: keep some of its stops, drop others.

    Parameters
    ----------
    itineraries
        An itinerary returned by :func:`plan`, or all days of one plan.
    G
        The TransitionGraph the plan was made on.
    pin
        Landmarks (ids or names) the new plan must keep; None pins every landmark stop of the
        given itineraries except the removed ones (and the start and end, which stay anyway).
    remove
        Landmarks the new plan must leave out.
    **changes
        Any other :func:`plan` option to change (e.g. ``budget_min=240``).

    Returns
    -------
    list of Itinerary
        As :func:`plan`; one alternative unless ``alternatives`` is given.
    """
    its = [itineraries] if isinstance(itineraries, Itinerary) else list(itineraries)
    if not its or "request" not in its[0].query:
        raise InputError("replan needs itineraries returned by routeplan.plan")
    request = dict(its[0].query["request"])
    removed = _landmark_list(G, remove, option="remove")
    if pin is None:
        fixed = {its[0].query.get("start"), its[0].query.get("end")}
        pinned = [
            lid for it in its for lid in it.landmark_ids if lid not in fixed and lid not in removed
        ]
    else:
        pinned = _landmark_list(G, pin, option="pin")
    must = _landmark_list(G, request["must_visit"], option="must_visit")
    request["must_visit"] = [m for m in dict.fromkeys([*must, *pinned]) if m not in removed]
    avoid = _landmark_list(G, request["avoid"], option="avoid")
    request["avoid"] = list(dict.fromkeys([*avoid, *removed]))
    request["alternatives"] = 1
    request.update(changes)
    return plan(G, **request)
