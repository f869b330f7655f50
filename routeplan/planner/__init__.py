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

import logging
import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .. import settings
from .._errors import BudgetTooShortError, InputError
from ..itinerary import Itinerary, Leg, Stop
from .exact import MAX_EXACT_CANDIDATES, solve_exact
from .heuristic import solve_heuristic
from .model import Place, PlanningModel, Problem, Solution, parse_start_time, resolve_place
from .objective import lift_matrix, route_score

__all__ = [
    "METHODS",
    "Place",
    "PlanningModel",
    "Problem",
    "Solution",
    "lift_matrix",
    "parse_start_time",
    "plan",
    "resolve_place",
    "route_score",
    "solve_exact",
    "solve_heuristic",
]

logger = logging.getLogger(__name__)

#: Names accepted by ``plan(method=...)``.
METHODS = ("auto", "exact", "heuristic")
#: Heuristic rounds spent on the incumbent that starts the exact solver's bound.
_INCUMBENT_ROUNDS = 30


def _check_number(name: str, value: Any, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or (positive and number <= 0):
        sign = " > 0" if positive else ""
        raise InputError(f"{name} must be a finite number{sign}, got {value!r}")
    return number


def _describe(place: Place) -> Any:
    return place.landmark_id if place.is_landmark else (place.lat, place.lon)


def plan(
    G: nx.DiGraph,
    *,
    start: Any,
    end: Any = None,
    budget_min: float = settings.BUDGET_MIN,
    start_time: Any = None,
    walk_speed_kmh: float = settings.WALK_SPEED_KMH,
    detour_factor: float = settings.DETOUR_FACTOR,
    min_observed_users: int = settings.MIN_OBSERVED_USERS,
    transition_weight: float = settings.TRANSITION_WEIGHT,
    max_stops: int | None = None,
    method: str = "auto",
    seed: int = 0,
) -> list[Itinerary]:
    """Plan the best itinerary from a start within a time budget.

    Parameters
    ----------
    G
        TransitionGraph (see :func:`routeplan.build_graph`).
    start
        Where the day begins: a landmark id or name (it is stop 1, with its stay and value) or
        coordinates ``(lat, lon)`` / ``"lat,lon"`` (a hotel: a stop named "Start" with no stay and
        no value). See :func:`resolve_place`.
    end
        Where the day ends: None (wherever the route ends), a landmark or coordinates. The start
        landmark again makes a round trip: it is visited once for its value and stay, and the
        route closes with a final stop there of zero minutes. No other landmark is visited twice.
    budget_min
        Minutes from arriving at the first stop to leaving the last one (stays and travel).
    start_time
        None (today at ``settings.START_TIME``), ``"HH:MM"`` (today), ``"YYYY-MM-DD HH:MM"`` /
        ISO 8601, or a datetime. Naive times are local in ``G.graph["tz"]``, as are all of the
        itinerary's times.
    walk_speed_kmh, detour_factor
        Travel where travellers were not observed: great-circle distance × ``detour_factor`` at
        ``walk_speed_kmh``. Observed moves (edges of ``G``) take their median observed time.
    min_observed_users
        An observed time is trusted only for moves made by at least this many distinct
        travellers (edge ``n_users``); rarer moves use the walking estimate.
    transition_weight
        Weight of the transition lifts in the score (0 scores landmarks only).
    max_stops
        Largest number of stops, start and end included (None: no cap).
    method
        "exact" (proves the optimum; exponential in the candidates), "heuristic" (iterated local
        search) or "auto": exact when at most ``settings.EXACT_MAX_CANDIDATES`` landmarks fit the
        budget, else heuristic.
    seed
        Seed of the heuristic's perturbations (same input and seed, same itinerary).

    Returns
    -------
    list of Itinerary
        One itinerary (a list so that alternatives can be added). ``query`` records the request,
        the method used and whether the route is proven optimal.

    Raises
    ------
    InputError
        Invalid options, an empty graph or invalid coordinates.
    UnknownPlaceError
        The start or end names no landmark (the message lists close names).
    BudgetTooShortError
        The budget cannot hold the start (and the way to the end).
    """
    if not isinstance(G, nx.DiGraph):
        raise InputError(f"plan needs a TransitionGraph (networkx.DiGraph), got {type(G).__name__}")
    if G.number_of_nodes() == 0:
        raise InputError("the graph has no landmarks: nothing to plan (check the earlier stages)")
    budget_min = _check_number("budget_min", budget_min)
    walk_speed_kmh = _check_number("walk_speed_kmh", walk_speed_kmh)
    detour_factor = _check_number("detour_factor", detour_factor)
    transition_weight = _check_number("transition_weight", transition_weight, positive=False)
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if max_stops is not None and (
        isinstance(max_stops, bool) or not isinstance(max_stops, int) or max_stops < 1
    ):
        raise InputError(f"max_stops must be a whole number >= 1 or None, got {max_stops!r}")

    start_place = resolve_place(G, start)
    end_place = None if end is None else resolve_place(G, end)
    mandatory = 1 if end_place is None else 2
    if max_stops is not None and max_stops < mandatory:
        raise InputError(f"max_stops={max_stops} leaves no room for both start and end: use >= 2")
    tz = str(G.graph.get("tz") or "UTC")
    t0 = parse_start_time(start_time, tz=tz)

    model = PlanningModel(
        G,
        start=start_place,
        end=end_place,
        walk_speed_kmh=walk_speed_kmh,
        detour_factor=detour_factor,
        min_observed_users=min_observed_users,
        alpha=settings.TRANSITION_ALPHA,
    )
    problem = model.problem(
        budget_min=budget_min, transition_weight=transition_weight, max_stops=max_stops
    )
    m = problem.n_candidates
    use_exact = method == "exact" or (method == "auto" and m <= settings.EXACT_MAX_CANDIDATES)
    if method == "exact" and m > MAX_EXACT_CANDIDATES:
        raise InputError(
            f"{m} landmarks fit the budget, more than the exact solver handles "
            f"({MAX_EXACT_CANDIDATES}): use method='heuristic' or 'auto'"
        )
    if method == "exact" and m > settings.EXACT_MAX_CANDIDATES:
        logger.warning("exact planning over %d candidate landmarks may take long", m)

    # The heuristic's route also starts the exact solver's bound (fewer rounds suffice there).
    solution = solve_heuristic(
        problem, seed=seed, n_rounds=_INCUMBENT_ROUNDS if use_exact else None
    )
    if use_exact:
        solution = solve_exact(problem, incumbent=solution)
    if solution is None:
        raise BudgetTooShortError(
            f"no route from {start_place.name!r} to {end_place.name if end_place else ''!r} fits "
            f"a budget of {budget_min:g} min with max_stops={max_stops}: raise max_stops or "
            "budget_min"
        )

    query = {
        "start": _describe(start_place),
        "end": None if end_place is None else _describe(end_place),
        "round_trip": model.round_trip,
        "budget_min": budget_min,
        "start_time": t0.isoformat(),
        "tz": tz,
        "walk_speed_kmh": walk_speed_kmh,
        "detour_factor": detour_factor,
        "min_observed_users": min_observed_users,
        "transition_weight": transition_weight,
        "transition_alpha": settings.TRANSITION_ALPHA,
        "max_stops": max_stops,
        "method": solution.method,
        "requested_method": method,
        "optimal": solution.optimal,
        "n_candidates": m,
        "seed": seed,
    }
    return [_itinerary(model, problem, solution, t0, query)]


def _itinerary(
    model: PlanningModel,
    problem: Problem,
    solution: Solution,
    t0: pd.Timestamp,
    query: dict[str, Any],
) -> Itinerary:
    route = problem.places[problem.full_route(solution.mid)]
    stops: list[Stop] = []
    legs: list[Leg] = []
    clock = 0.0
    for i, place in enumerate(route):
        if i > 0:
            prev = route[i - 1]
            travel = float(model.travel_min[prev, place])
            legs.append(
                Leg(
                    from_stop=i - 1,
                    to_stop=i,
                    travel_min=travel,
                    distance_m=float(model.distance_m[prev, place]),
                    observed=bool(model.observed[prev, place]),
                )
            )
            clock += travel
        arrive = clock
        clock += float(model.stay_min[place])
        landmark_id = model.landmark_ids[place]
        if isinstance(landmark_id, np.integer):
            landmark_id = int(landmark_id)
        stops.append(
            Stop(
                landmark_id=landmark_id,
                name=model.names[place],
                lat=float(model.lat[place]),
                lon=float(model.lon[place]),
                arrive=t0 + pd.Timedelta(minutes=arrive),
                leave=t0 + pd.Timedelta(minutes=clock),
            )
        )
    value = float(model.value[route].sum())
    transitions = float(problem.transition_weight * model.lift[route[:-1], route[1:]].sum())
    return Itinerary(
        stops=tuple(stops),
        legs=tuple(legs),
        score=value + transitions,
        score_parts={"value": value, "transitions": transitions},
        query=query,
    )
