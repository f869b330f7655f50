"""The planner's objective: the one place where an itinerary's score is defined.

An itinerary is a sequence of places ``r_0, r_1, ..., r_k``: landmarks of the TransitionGraph, or
places given by coordinates (a hotel), which have no value. Its score is::

    score       = value + transitions
    value       = Σ value(l)                 over the distinct landmarks l visited
    transitions = w × Σ lift(r[i-1] → r[i])  over the legs i = 1..k

where

- ``value(l)`` is the landmark's ``popularity`` (distinct photographers relative to the most
  visited landmark, in (0, 1]). Each landmark counts once: in a round trip, which ends back at the
  start landmark, the final stop has no value (and no stay).
- ``w`` is ``transition_weight`` (``settings.TRANSITION_WEIGHT``).
- ``lift(u → v) = log(p̂(u → v) / (1 / (n − 1)))`` is the log-ratio between the smoothed
  probability that a traveller at ``u`` goes next to ``v`` and the uniform choice among the other
  ``n − 1`` landmarks (``n`` = landmarks in the graph), with additive smoothing
  ``p̂(u → v) = (n_trips(u → v) + α) / (Σ_w n_trips(u → w) + α (n − 1))``,
  ``α = settings.TRANSITION_ALPHA``. It is positive for moves travellers favour, negative for
  moves they avoid and 0 where nothing was observed from ``u``. Legs from or to a coordinate
  place, and a leg from a landmark to itself, have lift 0.

``Itinerary.score_parts`` is ``{"value": ..., "transitions": w × Σ lift}`` and
``Itinerary.score`` their sum. Feasibility (the time budget) is a constraint, not part of the
score. Among itineraries of equal score (to 1e-10) the solvers prefer the shorter total time;
remaining ties are broken by a fixed enumeration order, so results are deterministic.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import settings

__all__ = ["lift_matrix", "route_score"]


def lift_matrix(n_trips: ArrayLike, *, alpha: float = settings.TRANSITION_ALPHA) -> NDArray:
    """Transition lifts between all landmarks from a matrix of trip counts.

    Parameters
    ----------
    n_trips
        Square ``(n, n)`` matrix, ``n_trips[u, v]`` trips observed from landmark ``u`` to ``v``
        (0 where there is no edge). The diagonal is ignored.
    alpha
        Additive smoothing (> 0).

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` matrix of ``lift(u → v)`` as defined in this module's docstring; the diagonal
        is 0, and everything is 0 when ``n < 2``.
    """
    counts = np.array(n_trips, dtype=float)
    n = counts.shape[0]
    if counts.ndim != 2 or counts.shape[1] != n:
        raise ValueError(f"n_trips must be a square matrix, got shape {counts.shape}")
    if n < 2:
        return np.zeros((n, n))
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    np.fill_diagonal(counts, 0.0)
    totals = counts.sum(axis=1, keepdims=True)
    p_hat = (counts + alpha) / (totals + alpha * (n - 1))
    lift = np.log(p_hat * (n - 1))
    np.fill_diagonal(lift, 0.0)
    return lift


def route_score(
    G: nx.DiGraph,
    route: Sequence[Hashable | None],
    *,
    transition_weight: float = settings.TRANSITION_WEIGHT,
    alpha: float = settings.TRANSITION_ALPHA,
) -> dict[str, float]:
    """Score of a route, computed directly from the graph.

    Parameters
    ----------
    G
        TransitionGraph (nodes with ``popularity``, edges with ``n_trips``).
    route
        Landmark ids in visiting order; ``None`` for a place given by coordinates. A landmark
        repeated (e.g. the start again at the end of a round trip) counts its value once.
    transition_weight, alpha
        See the module docstring.

    Returns
    -------
    dict
        ``{"value": ..., "transitions": ...}``; the score is their sum.
    """
    n = G.number_of_nodes()
    seen: set[Hashable] = set()
    value = 0.0
    for node in route:
        if node is not None and node not in seen:
            seen.add(node)
            value += float(G.nodes[node]["popularity"])
    lift_sum = 0.0
    if n >= 2:
        for u, v in itertools.pairwise(route):
            if u is None or v is None or u == v:
                continue
            total = sum(float(d.get("n_trips", 0)) for w, d in G.adj[u].items() if w != u)
            count = float(G.edges[u, v].get("n_trips", 0)) if G.has_edge(u, v) else 0.0
            p_hat = (count + alpha) / (total + alpha * (n - 1))
            lift_sum += float(np.log(p_hat * (n - 1)))
    return {"value": value, "transitions": transition_weight * lift_sum}
