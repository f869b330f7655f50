"""The planner's objective: the one place where an itinerary's score is defined.

An itinerary is a sequence of places ``r_0, r_1, ..., r_k``: landmarks of the TransitionGraph, or
places given by coordinates (a hotel), which have no value. A plan is one itinerary or several
(``days``). Its score is::

    score       = value + transitions + off_hours
    value       = Σ value(l)                  over the distinct landmarks l visited
    transitions = w × Σ lift(r[i-1] → r[i])   over the legs i = 1..k of every day
    off_hours   = − π × Σ value(l)            over the visits that begin in l's dead hours

where

- ``value(l) = popularity(l) × theme(l) × season(l)`` (:func:`landmark_values`):
  ``popularity`` is distinct photographers relative to the most visited landmark, in (0, 1];
  ``theme(l)`` the user's weight for the landmark's theme or tags (the largest that matches,
  1 without themes or match); ``season(l) = ((12 × monthly(l)[month] + 1) / 2) ** s`` with the
  share of its photos taken in the month of travel (1 for a landmark photographed evenly all
  year, or without a monthly profile), ``s = season_weight``. Each landmark counts once: in a
  round trip, which ends back at the start landmark, the final stop has no value (and no stay);
  on a plan of several days the start (and end) count once.
- ``w`` is ``transition_weight`` (``settings.TRANSITION_WEIGHT``).
- ``lift(u → v) = log(p̂(u → v) / (1 / (n − 1)))`` is the log-ratio between the smoothed
  probability that a traveller at ``u`` goes next to ``v`` and the uniform choice among the other
  ``n − 1`` landmarks (``n`` = landmarks in the graph), with additive smoothing
  ``p̂(u → v) = (n_trips(u → v) + α) / (Σ_w n_trips(u → w) + α (n − 1))``,
  ``α = settings.TRANSITION_ALPHA``. It is positive for moves travellers favour, negative for
  moves they avoid and 0 where nothing was observed from ``u``. Legs from or to a coordinate
  place, and a leg from a landmark to itself, have lift 0.
- ``π`` is ``off_hours_penalty`` with ``alive="soft"`` (0 otherwise): a visit that begins in an
  hour when nobody photographs the landmark (see :func:`alive_hours`) loses that share of its
  value. With ``alive="hard"`` such visits are not allowed at all.

``Itinerary.score_parts`` is ``{"value": ..., "transitions": ..., "off_hours": ...}`` and
``Itinerary.score`` their sum. Feasibility (the time budget, stop count, must-visit places, hard
alive hours) is a constraint, not part of the score. The heuristic prefers, among routes of
equal score, the shorter one; the exact solver returns the heuristic's route when it proves it
optimal, so results are deterministic.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import settings

__all__ = ["alive_hours", "landmark_values", "lift_matrix", "route_score"]


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


def landmark_values(
    nodes: Sequence[dict],
    *,
    themes: Mapping[str, float] | None = None,
    month: int | None = None,
    season_weight: float = settings.SEASON_WEIGHT,
) -> NDArray:
    """``value(l)`` of landmarks, as defined in this module's docstring.

    Parameters
    ----------
    nodes
        Node attribute dicts (``popularity``; optional ``theme`` (str), ``tags`` (list of str
        or a comma-separated str) and ``monthly`` (12 shares)).
    themes
        Weights by theme or tag, matched case-insensitively (``{"museum": 2, "park": 0.5}``).
        A landmark takes the largest weight among its matches, 1 when nothing matches.
    month
        Month of travel (1-12), or None to ignore the season.
    season_weight
        Exponent ``s`` of the season factor (0 ignores the season).
    """
    weights = {str(k).strip().casefold(): float(v) for k, v in (themes or {}).items()}
    out = np.empty(len(nodes))
    for i, data in enumerate(nodes):
        value = float(data["popularity"])
        if weights:
            labels = _labels(data)
            matched = [weights[t] for t in labels if t in weights]
            value *= max(matched) if matched else 1.0
        monthly = data.get("monthly")
        if month is not None and season_weight and monthly is not None and len(monthly) == 12:
            share = float(monthly[month - 1])
            if np.isfinite(share) and float(np.nansum(monthly)) > 0:
                value *= ((12.0 * share + 1.0) / 2.0) ** season_weight
        out[i] = value
    return out


def _labels(data: Mapping) -> set[str]:
    labels: set[str] = set()
    theme = data.get("theme")
    if isinstance(theme, str) and theme.strip():
        labels.add(theme.strip().casefold())
    tags = data.get("tags")
    if isinstance(tags, str):
        tags = tags.split(",")
    if isinstance(tags, list | tuple | np.ndarray):
        labels.update(str(t).strip().casefold() for t in tags if str(t).strip())
    return labels


def alive_hours(
    hourly: ArrayLike | None, *, min_share: float = settings.ALIVE_MIN_SHARE
) -> NDArray:
    """Local hours (24 booleans) in which a landmark is alive: people photograph it then.

    An hour is alive when its share of the landmark's photos, or that of the hour before or
    after (circularly), reaches ``min_share``. Without a usable profile (missing, wrong length,
    all zero) every hour is alive.
    """
    if hourly is None:
        return np.ones(24, dtype=bool)
    shares = np.asarray(hourly, dtype=float)
    if shares.shape != (24,) or not np.isfinite(shares).all() or shares.sum() <= 0:
        return np.ones(24, dtype=bool)
    shares = shares / shares.sum()
    near = np.maximum(shares, np.maximum(np.roll(shares, 1), np.roll(shares, -1)))
    return near >= min_share


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
