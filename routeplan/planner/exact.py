"""Exact solver: dynamic programming over subsets with Pareto labels, bounded by an incumbent.

A label is a partial route from the start: the set of candidates visited (a bit mask), the last
one, the minutes used and the score so far. Layer ``k`` holds the labels of routes through ``k``
candidates; each layer is a set of numpy arrays and is extended to the next at once. Three rules
discard labels without losing the optimum:

- *feasibility*: a label must still be able to reach the finish within the budget (shortest ways,
  stays included, valid even when observed times break the triangle inequality);
- *dominance*: of two labels with the same set and last stop, one that is no later and scores no
  less makes the other useless (every completion of one completes the other with the same added
  score);
- *bound*: a label whose upper bound is below the best complete route found so far (the
  heuristic's route to begin with) is dropped. The bound adds, over the candidates still
  reachable in the remaining time, each one's value plus the best weighted lift of a leg into it
  (its "gain"), as a fractional knapsack on the fewest minutes each candidate can add (stay +
  quickest way in), and as the best gains within the ``max_stops`` cap; the smaller of the two
  counts, plus the end's value and best leg into it.

The work grows like ``2^m m^2`` in the worst case; ``settings.EXACT_MAX_CANDIDATES`` keeps
``method="auto"`` around a second at most.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

from .model import FEASIBILITY_TOL_MIN, SCORE_TOL, Problem, Solution, all_pairs_shortest

__all__ = ["MAX_EXACT_CANDIDATES", "solve_exact"]

logger = logging.getLogger(__name__)

#: Hard limit of the bit-mask representation (an int64 holds the mask and, in 6 bits, the last).
MAX_EXACT_CANDIDATES = 56


class _Bound:
    """Vectorised upper bound on what the rest of a route can add to a label's score."""

    def __init__(self, problem: Problem, reach: NDArray, finish: NDArray) -> None:
        m = problem.n_candidates
        end = problem.end
        cands = np.arange(1, m + 1)
        preds = np.arange(0, m + 1)  # the start and every candidate can precede a candidate
        wl = problem.weighted_lift.copy()
        travel = problem.travel_min.copy()
        np.fill_diagonal(wl, -np.inf)
        np.fill_diagonal(travel, np.inf)
        gain_in = wl[np.ix_(preds, cands)].max(axis=0) if m else np.zeros(0)
        gain = np.maximum(problem.value[cands] + gain_in, 0.0)
        cost = problem.stay_min[cands] + travel[np.ix_(preds, cands)].min(axis=0)
        cost = np.maximum(cost, 1e-12)
        if end is not None:
            self.end_gain = problem.value[end] + float(wl[preds, end].max())
            self.end_reserve = problem.stay_min[end] + float(travel[preds, end].min())
        else:
            self.end_gain = 0.0
            self.end_reserve = 0.0
        self.cands = cands
        self.reach = reach[:, cands]  # (K, m) minutes from leaving a place to leaving a candidate
        self.finish = finish[cands]
        self.by_ratio = np.lexsort((cands, -gain / cost))
        self.by_gain = np.lexsort((cands, -gain))
        self.gain = gain
        self.cost = cost

    def __call__(
        self,
        mask: NDArray,
        last: NDArray,
        minutes: NDArray,
        score: NDArray,
        n_more: int,
        budget: float,
    ) -> NDArray:
        left = budget - minutes
        bits = np.int64(1) << self.cands.astype(np.int64)
        open_ = ((mask[:, None] & bits[None, :]) == 0) & (
            self.reach[last] + self.finish[None, :] <= left[:, None]
        )
        # fractional knapsack: capacity = minutes left after the cheapest way into the end
        cap = left - self.end_reserve
        sel = open_[:, self.by_ratio]
        g, c = self.gain[self.by_ratio], self.cost[self.by_ratio]
        cum_c = np.cumsum(sel * c, axis=1)
        cum_g = np.cumsum(sel * g, axis=1)
        n_full = (cum_c <= cap[:, None]).sum(axis=1)
        rows = np.arange(len(mask))
        prev_c = np.where(n_full > 0, cum_c[rows, np.maximum(n_full - 1, 0)], 0.0)
        prev_g = np.where(n_full > 0, cum_g[rows, np.maximum(n_full - 1, 0)], 0.0)
        nxt = np.minimum(n_full, len(g) - 1)
        partial = np.where(
            n_full < len(g),
            np.clip(cap - prev_c, 0.0, None) / c[nxt] * g[nxt] * sel[rows, nxt],
            0.0,
        )
        knapsack = prev_g + partial
        # cardinality: the best n_more gains
        sel = open_[:, self.by_gain]
        cum_g = np.cumsum(sel * self.gain[self.by_gain], axis=1)
        count = np.cumsum(sel, axis=1)
        cardinal = np.where(count <= n_more, cum_g, 0.0).max(axis=1, initial=0.0)
        return score + np.minimum(knapsack, cardinal) + self.end_gain


def _pareto(mask: NDArray, last: NDArray, minutes: NDArray, score: NDArray) -> NDArray:
    """Indices (ascending) of the labels no other label with the same (mask, last) dominates.

    Sorted by group, then time, a label survives when its score is strictly above the score of
    every earlier label of its group (exact float comparisons, through score ranks). Labels of
    equal time may both survive; that costs a little work, never optimality.
    """
    group = (mask << 6) | last.astype(np.int64)
    order = np.argsort(minutes, kind="stable")
    order = order[np.argsort(group[order], kind="stable")]
    g_sorted = group[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = g_sorted[1:] != g_sorted[:-1]
    group_no = np.cumsum(new_group) - 1
    _, rank = np.unique(score[order], return_inverse=True)
    key = group_no.astype(np.int64) * (len(order) + 1) + rank.astype(np.int64)
    running = np.maximum.accumulate(key)
    before = np.empty_like(running)
    before[0] = -1
    before[1:] = running[:-1]
    return np.sort(order[key > before])


def solve_exact(problem: Problem, *, incumbent: Solution | None = None) -> Solution | None:
    """Optimal route of a problem (highest score, then shortest time).

    Parameters
    ----------
    problem
        The pruned problem (see :meth:`PlanningModel.problem`), at most 56 candidates.
    incumbent
        A known feasible solution (e.g. the heuristic's); it makes the bound prune early.

    Returns
    -------
    Solution or None
        The optimum (``optimal=True``), or None when no route fits the budget.
    """
    m = problem.n_candidates
    if m > MAX_EXACT_CANDIDATES:
        raise ValueError(f"the exact solver handles at most {MAX_EXACT_CANDIDATES} candidates")
    end = problem.end
    budget = problem.budget_min + FEASIBILITY_TOL_MIN
    cap_mid = max(0, min(m, problem.stop_cap - 1 - int(end is not None)))
    travel, stay, value = problem.travel_min, problem.stay_min, problem.value
    wl = problem.weighted_lift
    reach = all_pairs_shortest(travel + stay[None, :])
    finish = reach[:, end] if end is not None else np.zeros(problem.n_places)
    bound = _Bound(problem, reach, finish)
    cands = np.arange(1, m + 1)
    bits = np.int64(1) << cands.astype(np.int64)

    best_score, best_time = -np.inf, np.inf
    best_at: tuple[int, int] | None = None
    if incumbent is not None:
        best_score, best_time = incumbent.score, incumbent.time_min

    mask = np.zeros(1, dtype=np.int64)
    last = np.zeros(1, dtype=np.intp)
    minutes = np.array([stay[0]])
    score = np.array([value[0]])
    parents: list[NDArray] = []  # parents[k][i]: index in layer k of label i of layer k + 1
    lasts: list[NDArray] = [last]
    n_labels = 0
    for depth in range(cap_mid + 1):
        n_labels += len(mask)
        # complete every label and keep the best route (score, then time)
        if end is not None:
            done_min = minutes + travel[last, end] + stay[end]
            done_score = score + value[end] + wl[last, end]
        else:
            done_min, done_score = minutes, score
        ok = done_min <= budget
        if ok.any():
            top = done_score[ok].max()
            tied = ok & (done_score >= top - SCORE_TOL)
            i = int(np.argmin(np.where(tied, done_min, np.inf)))
            if done_score[i] > best_score + SCORE_TOL or (
                done_score[i] >= best_score - SCORE_TOL and done_min[i] < best_time - 1e-9
            ):
                best_score, best_time, best_at = (
                    float(done_score[i]),
                    float(done_min[i]),
                    (depth, i),
                )
        if depth == cap_mid:
            break
        # drop labels that cannot beat the best route
        keep = bound(mask, last, minutes, score, cap_mid - depth, budget) >= best_score - SCORE_TOL
        idx = np.flatnonzero(keep)
        # extend every kept label by every open candidate
        new_min = minutes[idx, None] + travel[np.ix_(last[idx], cands)] + stay[cands][None, :]
        fits = ((mask[idx, None] & bits[None, :]) == 0) & (
            new_min + finish[cands][None, :] <= budget
        )
        li, ui = np.nonzero(fits)
        parent = idx[li]
        u = cands[ui]
        new_mask = mask[parent] | bits[ui]
        new_score = score[parent] + value[u] + wl[last[parent], u]
        new_min = new_min[li, ui]
        if len(parent) == 0:
            break
        survivors = _pareto(new_mask, u, new_min, new_score)
        mask, last = new_mask[survivors], u[survivors]
        minutes, score = new_min[survivors], new_score[survivors]
        parents.append(parent[survivors])
        lasts.append(last)
    logger.debug("exact solver: %d candidates, %d labels", m, n_labels)

    if best_at is None:
        if incumbent is None:
            return None
        return Solution(incumbent.mid, incumbent.time_min, incumbent.score, True, "exact")
    depth, i = best_at
    path = []
    for k in range(depth, 0, -1):
        path.append(int(lasts[k][i]))
        i = int(parents[k - 1][i])
    return Solution(tuple(reversed(path)), best_time, best_score, True, "exact")
