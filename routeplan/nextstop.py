"""Learn what a good next stop is from real trips, and decode the best trip exactly.

A trip is a sequence of distinct places from a start ``s`` to an end ``e``. The model scores a
step ``a → b`` of a trip that must end at ``e``::

    score(a → b | s, e) = coef_ · φ(a, b, s, e)

with features ``φ`` (:data:`FEATURE_NAMES`) computed from counts over the training trips: how
popular ``b`` is (distinct visitors), how long people stay there, how often ``b`` follows ``a``
directly and anywhere later in a trip, how often ``e`` follows ``b``, the same between
categories, the users who visited both places, distances and the detour ``b`` makes on the way
from ``a`` to ``e``, and how ``b`` relates to the start.

Fitting is a conditional logit (softmax over the places not yet visited) on every step of every
training trip, of its contiguous sub-trips of three or more places and of every ordered choice of
three of its places (``augment="subsequences"``): a trip a b c d says that between a and d, both b
and c are places travellers take, which is what F1 rewards. The query of each is its own start,
end and length. Each training trip's features are computed *without that trip's own counts*
(leave-one-trip-out), so the model learns how much a count from other travellers is worth,
exactly as it is used on a new query. Unless ``l2`` is given, the L2 penalty is chosen by K-fold
cross-validation over the training trips: each held-out trip is decoded for its own start, end
and length and scored by F1 + pairs-F1 (``cv_metric="f1"``).

:func:`decode_path` finds the path of exactly ``L`` distinct places from ``s`` to ``e`` that
maximises the sum of step scores by depth-first branch and bound (bounded by the best walk with
revisits, a Viterbi relaxation, and by the best way into each remaining stop): exact, in
milliseconds for the usual lengths and seconds for a 13-place trip among 29 places.

Reference: Chen, Ong & Xie, "Learning Points and Routes to Recommend Trajectories", CIKM 2016
(the evaluation protocol; their PoiRank and Markov models are the published baselines).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from ._errors import InputError

#: Log stays are rounded to multiples of 1 / STAY_QUANTUM, so that sums of them are exact in any
#: order (removing and restoring a trip gives back the very same counts).
STAY_QUANTUM = 2.0**20

if TYPE_CHECKING:
    from .tourdata import TourData

__all__ = [
    "FEATURE_NAMES",
    "NextStopModel",
    "TripCounts",
    "decode_path",
]

logger = logging.getLogger(__name__)

#: Names of the step features, in the order of ``NextStopModel.coef_``.
FEATURE_NAMES: tuple[str, ...] = (
    "log_visitors_b",
    "log_direct_a_b",
    "log_later_a_b",
    "km_a_b",
    "log_direct_b_e",
    "log_later_b_e",
    "km_b_e",
    "detour_km",
    "same_category_a_b",
    "same_category_b_e",
    "log_stay_b",
    "category_step_a_b",
    "category_step_b_e",
    "log_common_users_a_b",
    "log_common_users_b_e",
    "log_together_a_b",
    "log_together_b_e",
    "log_smooth_direct_b_e",
    "log_smooth_later_b_e",
    "log_later_s_b",
    "log_together_s_b",
    "km_s_b",
)

#: Pseudo-count of the sharp log-count features (unseen scores log 0.1, seen once log 1.1).
SMOOTHING = 0.1
#: L2 penalties tried by the inner cross-validation.
L2_GRID: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0)
#: Longest training trip scored by the F1 cross-validation (exact decoding of the rare longer
#: trips can take seconds, and the choice of the penalty rests on the common short ones).
CV_MAX_PLACES = 8
#: Score of a forbidden step (revisit or a step into the end too early) in score matrices.
FORBIDDEN = -1e9


@dataclass(frozen=True)
class _Snapshot:
    visitors: NDArray
    direct: NDArray
    later: NDArray
    common_users: NDArray
    log_stay: NDArray
    category_step: NDArray


class TripCounts:
    """Counts over trips of places ``0..n-1`` that can remove and restore one trip cheaply.

    Parameters
    ----------
    trips
        Sequences of place indices, one a trip, in visit order.
    users
        The user of each trip (any hashable).
    stays_s
        Per trip, the seconds spent at each visit (same length as the trip), or None.
    n_places
        Number of places.
    categories
        Category code (0..k-1) of each place.
    """

    def __init__(
        self,
        trips: Sequence[Sequence[int] | NDArray],
        users: Sequence[Hashable],
        stays_s: Sequence[NDArray] | None,
        *,
        n_places: int,
        categories: NDArray,
    ) -> None:
        n = int(n_places)
        self.n = n
        self.categories = np.asarray(categories, dtype=np.intp)
        self._n_cat = int(self.categories.max()) + 1 if n else 0
        codes = {u: i for i, u in enumerate(sorted(set(users), key=str))}
        self._user = [codes[u] for u in users]
        self._trips = [np.asarray(t, dtype=np.intp) for t in trips]
        if stays_s is None:
            stays_s = [np.zeros(len(t)) for t in self._trips]
        self._log_stays = [
            np.round(np.log1p(np.maximum(np.asarray(s, float), 0.0) / 60.0) * STAY_QUANTUM)
            / STAY_QUANTUM
            for s in stays_s
        ]
        self.user_place = np.zeros((len(codes), n))
        self.direct = np.zeros((n, n))
        self.later = np.zeros((n, n))
        self.stay_sum = np.zeros(n)
        self.stay_count = np.zeros(n)
        if self._trips:
            flat = np.concatenate(self._trips)
            trip_of = np.repeat(np.arange(len(self._trips)), [len(t) for t in self._trips])
            np.add.at(self.user_place, (np.asarray(self._user, dtype=np.intp)[trip_of], flat), 1.0)
            same = trip_of[1:] == trip_of[:-1]
            np.add.at(self.direct, (flat[:-1][same], flat[1:][same]), 1.0)
            for seq in self._trips:
                if len(seq) > 1:
                    a, b = np.triu_indices(len(seq), 1)
                    np.add.at(self.later, (seq[a], seq[b]), 1.0)
            np.add.at(self.stay_sum, flat, np.concatenate(self._log_stays))
            np.add.at(self.stay_count, flat, 1.0)
        seen = (self.user_place > 0).astype(float)
        self.visitors = seen.sum(axis=0)
        self.common_users = seen.T @ seen

    def _apply(self, i: int, sign: float) -> None:
        seq = self._trips[i]
        u = self._user[i]
        old = (self.user_place[u] > 0).astype(float)
        np.add.at(self.user_place[u], seq, sign)
        if len(seq) > 1:
            np.add.at(self.direct, (seq[:-1], seq[1:]), sign)
            a, b = np.triu_indices(len(seq), 1)
            np.add.at(self.later, (seq[a], seq[b]), sign)
        np.add.at(self.stay_sum, seq, sign * self._log_stays[i])
        np.add.at(self.stay_count, seq, sign)
        new = (self.user_place[u] > 0).astype(float)
        self.visitors += new - old
        self.common_users += np.outer(new, new) - np.outer(old, old)

    def remove(self, i: int) -> None:
        """Take trip ``i`` out of the counts."""
        self._apply(i, -1.0)

    def restore(self, i: int) -> None:
        """Put trip ``i`` back into the counts."""
        self._apply(i, 1.0)

    def snapshot(self) -> _Snapshot:
        """The derived quantities the features need, from the current counts."""
        with np.errstate(invalid="ignore", divide="ignore"):
            stay = self.stay_sum / self.stay_count
        known = self.stay_count > 0
        stay = np.where(known, stay, stay[known].mean() if known.any() else 0.0)
        cat = np.zeros((self._n_cat, self._n_cat))
        c = self.categories
        np.add.at(cat, (c[:, None], c[None, :]), self.direct)
        cat = np.log((cat + 1.0) / (cat + 1.0).sum(axis=1, keepdims=True))
        return _Snapshot(
            visitors=self.visitors.copy(),
            direct=self.direct.copy(),
            later=self.later.copy(),
            common_users=self.common_users.copy(),
            log_stay=stay,
            category_step=cat,
        )


def _features(
    snap: _Snapshot, km: NDArray, categories: NDArray, a: NDArray, b: NDArray, s: int, e: int
) -> NDArray:
    """Step features for the pairs ``a[i] → b[i]`` of a trip from ``s`` to ``e``: (len, d)."""
    d, la, cu, c = snap.direct, snap.later, snap.common_users, categories
    cols = (
        np.log1p(snap.visitors[b]),
        np.log1p(d[a, b]),
        np.log1p(la[a, b]),
        km[a, b],
        np.log1p(d[b, e]),
        np.log1p(la[b, e]),
        km[b, e],
        km[a, b] + km[b, e] - km[a, e],
        (c[a] == c[b]).astype(float),
        (c[b] == c[e]).astype(float),
        snap.log_stay[b],
        snap.category_step[c[a], c[b]],
        snap.category_step[c[b], c[e]],
        np.log1p(cu[a, b]),
        np.log1p(cu[b, e]),
        np.log1p(la[a, b] + la[b, a]),
        np.log1p(la[b, e] + la[e, b]),
        np.log(d[b, e] + SMOOTHING),
        np.log(la[b, e] + SMOOTHING),
        np.log1p(la[s, b]),
        np.log1p(la[s, b] + la[b, s]),
        km[s, b],
    )
    return np.stack(cols, axis=1)


def _steps(seq: NDArray, *, augment: str) -> list[tuple[int, int, int, int, frozenset]]:
    """Training steps ``(s, e, a, b, visited)`` of a trip, its sub-trips and sub-sequences.

    ``augment``: ``"none"`` the trip itself; ``"contiguous"`` also every contiguous sub-trip of
    three or more places; ``"subsequences"`` also every ordered choice of three of its places (a
    trip a b c d then says that, between a and d, b and c are both places travellers take).
    """
    n = len(seq)
    if augment == "none":
        subs = {tuple(seq.tolist())}
    else:
        subs = {tuple(seq[i : j + 1].tolist()) for i in range(n) for j in range(i + 2, n)}
        if augment == "subsequences":
            subs |= {tuple(seq[list(c)].tolist()) for c in itertools.combinations(range(n), 3)}
    out = []
    for sub in sorted(subs):
        if len(set(sub)) != len(sub):
            continue  # a sub-trip with a revisit is not a query the model answers
        s, e = sub[0], sub[-1]
        for k in range(len(sub) - 2):
            out.append((s, e, sub[k], sub[k + 1], frozenset(sub[: k + 1])))
    return out


def _fit_clogit(
    X: NDArray, mask: NDArray, y: NDArray, *, l2: float, start: NDArray | None = None
) -> NDArray:
    """Conditional logit: maximise Σ log softmax(X w)[y] − l2/2 |w|² on standardised features."""
    g, _, dim = X.shape
    flat = X[mask]
    mu = flat.mean(axis=0)
    sd = flat.std(axis=0)
    sd[sd < 1e-9] = 1.0
    Xs = np.where(mask[..., None], (X - mu) / sd, 0.0)
    rows = np.arange(g)
    chosen = Xs[rows, y]

    def loss(w: NDArray) -> tuple[float, NDArray]:
        s = np.where(mask, Xs @ w, -np.inf)
        top = s.max(axis=1, keepdims=True)
        p = np.exp(s - top)
        z = p.sum(axis=1, keepdims=True)
        p /= z
        ll = (s[rows, y] - top[:, 0] - np.log(z[:, 0])).sum()
        grad = (chosen - np.einsum("gm,gmd->gd", p, Xs)).sum(axis=0)
        return -ll + 0.5 * l2 * w @ w, -grad + l2 * w

    x0 = np.zeros(dim) if start is None else start * sd
    res = minimize(loss, x0, jac=True, method="L-BFGS-B")
    return res.x / sd


def _loglik(X: NDArray, mask: NDArray, y: NDArray, coef: NDArray) -> float:
    s = np.where(mask, X @ coef, -np.inf)
    top = s.max(axis=1, keepdims=True)
    z = np.log(np.exp(s - top).sum(axis=1)) + top[:, 0]
    return float((s[np.arange(len(y)), y] - z).mean())


class NextStopModel:
    """A learned score for the next stop of a trip, fitted on real trips.

    Parameters
    ----------
    l2
        L2 penalty of the conditional logit; None chooses it from ``l2_grid`` by ``cv_folds``-fold
        cross-validation over the training trips.
    l2_grid
        Penalties tried when ``l2`` is None.
    cv_folds
        Folds of that cross-validation (trips are dealt to folds in a seeded random order).
    cv_metric
        What the cross-validation maximises: ``"f1"``, the F1 + pairs-F1 of each held-out trip
        (of up to :data:`CV_MAX_PLACES` places) against the trip the model decodes for its start,
        end and length; or ``"loglik"``, the held-out steps' log-likelihood.
    augment
        What each training trip teaches (see :func:`_steps`): ``"none"``, ``"contiguous"``
        (also its contiguous sub-trips) or ``"subsequences"`` (also every ordered choice of three
        of its places).
    seed
        Seed of the fold assignment.

    Attributes
    ----------
    coef_ : numpy.ndarray
        Weight of each feature of :data:`FEATURE_NAMES` (in the features' own units).
    l2_ : float
        The penalty used.
    cv_score_ : dict[float, float]
        Cross-validation score per penalty tried (empty when ``l2`` was given): the mean F1 +
        pairs-F1 of the held-out training trips decoded exactly (``cv_metric="f1"``), or their
        steps' mean log-likelihood (``"loglik"``).
    n_steps_ : int
        Number of training steps.
    place_ids_ : list
        The id of each place index (0..n-1 after :meth:`fit`, POI ids after
        :meth:`fit_tour_data`).
    """

    def __init__(
        self,
        *,
        l2: float | None = None,
        l2_grid: Sequence[float] = L2_GRID,
        cv_folds: int = 5,
        augment: str = "subsequences",
        cv_metric: str = "f1",
        seed: int = 0,
    ) -> None:
        self.l2 = l2
        self.l2_grid = tuple(l2_grid)
        self.cv_folds = cv_folds
        self.augment = augment
        self.seed = seed
        self.cv_metric = cv_metric
        if l2 is not None and not (math.isfinite(l2) and l2 >= 0):
            raise InputError(f"l2 must be a finite number >= 0, got {l2!r}")
        if not self.l2_grid or not all(math.isfinite(g) and g >= 0 for g in self.l2_grid):
            raise InputError(f"l2_grid must hold finite numbers >= 0, got {l2_grid!r}")
        if l2 is None and cv_folds < 2:
            raise InputError(f"cv_folds must be >= 2 to choose l2 (or give l2), got {cv_folds!r}")
        if cv_metric not in ("f1", "loglik"):
            raise InputError(f"cv_metric must be 'f1' or 'loglik', not {cv_metric!r}")
        if augment not in ("none", "contiguous", "subsequences"):
            raise InputError(
                f"augment must be 'none', 'contiguous' or 'subsequences', not {augment!r}"
            )

    # --- fitting -----------------------------------------------------------------------------

    def fit(
        self,
        trips: Sequence[Sequence[int]],
        *,
        users: Sequence[Hashable],
        km: NDArray,
        categories: NDArray,
        stays_s: Sequence[NDArray] | None = None,
    ) -> NextStopModel:
        """Fit on trips of places ``0..n-1``.

        Parameters
        ----------
        trips
            Place indices of each trip, in visit order. Trips of any length count towards the
            statistics; those with three or more places also give training steps.
        users
            The user of each trip.
        km
            ``(n, n)`` distances between the places in kilometres.
        categories
            Category of each place (any hashable values; equal values = same category).
        stays_s
            Seconds spent at each visit of each trip (None: stays unknown).

        Returns
        -------
        NextStopModel
            ``self``, fitted.
        """
        km = np.asarray(km, dtype=float)
        n = len(km)
        if km.shape != (n, n):
            raise InputError("km must be a square matrix of distances between the places")
        codes = {c: i for i, c in enumerate(sorted(set(categories), key=str))}
        cat = np.array([codes[c] for c in categories], dtype=np.intp)
        if len(cat) != n:
            raise InputError(f"categories has {len(cat)} entries for {n} places")
        if len(users) != len(trips):
            raise InputError(f"users has {len(users)} entries for {len(trips)} trips")
        seqs = [np.asarray(t, dtype=np.intp) for t in trips]
        if any(len(t) and (t.min() < 0 or t.max() >= n) for t in seqs):
            raise InputError(f"trips must hold place indices 0..{n - 1}")
        counts = TripCounts(seqs, users, stays_s, n_places=n, categories=cat)
        self.place_ids_: list[Hashable] = list(range(n))
        self.km_ = km
        self.categories_ = cat
        self.counts_ = counts
        self.snapshot_ = counts.snapshot()

        X, mask, y, owner = self._training_steps(counts, seqs)
        self.n_steps_ = len(y)
        if self.n_steps_ == 0:
            raise InputError(
                "no training trip has three or more distinct places: "
                "the next-stop model needs longer trips"
            )
        self.cv_score_: dict[float, float] = {}
        if self.l2 is not None:
            self.l2_ = float(self.l2)
        else:
            self.l2_ = self._choose_l2(X, mask, y, owner)
        self.coef_ = _fit_clogit(X, mask, y, l2=self.l2_)
        return self

    def fit_tour_data(self, data: TourData) -> NextStopModel:
        """Fit on every trip of a :class:`~routeplan.tourdata.TourData` (places = its POIs).

        ``place_ids_`` then holds the POI ids, so that :func:`routeplan.plan` can use the model
        on a graph whose landmarks carry the same ids (see :func:`tour_data_from_visits`).
        """
        index = data.poi_index()
        trips = [[index[p] for p in trip.pois] for trip in data.trips]
        self.fit(
            trips,
            users=[trip.user_id for trip in data.trips],
            km=data.distance_km(),
            categories=data.pois["category"].astype(str).tolist(),
            stays_s=[trip.visit_s for trip in data.trips],
        )
        self.place_ids_ = list(data.pois.index)
        return self

    def _training_steps(
        self, counts: TripCounts, seqs: list[NDArray]
    ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        n = counts.n
        rows: list[NDArray] = []
        chosen: list[int] = []
        owner: list[int] = []
        self._queries: dict[int, tuple[NDArray, NDArray]] = {}
        want_queries = self.l2 is None and self.cv_metric == "f1"
        a_all, b_all = np.divmod(np.arange(n * n), n)
        for i, seq in enumerate(seqs):
            if len(seq) < 3:
                continue
            steps = _steps(seq, augment=self.augment)
            if not steps:
                continue
            counts.remove(i)
            snap = counts.snapshot()
            distinct = len(set(seq.tolist())) == len(seq)
            if want_queries and distinct and len(seq) <= CV_MAX_PLACES:
                s0, e0 = int(seq[0]), int(seq[-1])
                feats = _features(snap, self.km_, counts.categories, a_all, b_all, s0, e0)
                self._queries[i] = (feats.reshape(n, n, -1), seq)
            for s, e, a, b, visited in steps:
                cand = np.array([x for x in range(n) if x not in visited and x != e])
                feats = _features(
                    snap, self.km_, counts.categories, np.full(len(cand), a), cand, s, e
                )
                rows.append(feats)
                chosen.append(int(np.searchsorted(cand, b)))
                owner.append(i)
            counts.restore(i)
        dim = len(FEATURE_NAMES)
        X = np.zeros((len(rows), n, dim))
        mask = np.zeros((len(rows), n), dtype=bool)
        for g, feats in enumerate(rows):
            X[g, : len(feats)] = feats
            mask[g, : len(feats)] = True
        return X, mask, np.asarray(chosen, dtype=np.intp), np.asarray(owner, dtype=np.intp)

    def _choose_l2(self, X: NDArray, mask: NDArray, y: NDArray, owner: NDArray) -> float:
        trips = np.unique(owner)
        k = min(self.cv_folds, len(trips))
        if k < 2 or len(self.l2_grid) == 1:
            return float(self.l2_grid[0])
        order = np.random.default_rng(self.seed).permutation(trips)
        fold_of = dict(zip(order.tolist(), (np.arange(len(order)) % k).tolist(), strict=True))
        fold = np.array([fold_of[t] for t in owner.tolist()])
        warm: dict[int, NDArray] = {}
        for l2 in sorted(self.l2_grid, reverse=True):
            scores = []
            for f in range(k):
                train, test = fold != f, fold == f
                coef = _fit_clogit(X[train], mask[train], y[train], l2=l2, start=warm.get(f))
                warm[f] = coef
                if self.cv_metric == "loglik":
                    scores.append(_loglik(X[test], mask[test], y[test], coef) * test.sum())
                    continue
                for t in order[np.arange(len(order)) % k == f].tolist():
                    if t in self._queries:
                        feats, seq = self._queries[t]
                        W = _mask_scores(feats @ coef, int(seq[0]), int(seq[-1]))
                        rec = decode_path(W, int(seq[0]), int(seq[-1]), n_places=len(seq))
                        scores.append(f1_score(seq.tolist(), rec) + pairs_f1(seq.tolist(), rec))
            if self.cv_metric == "loglik":
                self.cv_score_[float(l2)] = float(sum(scores) / len(y))
            else:
                self.cv_score_[float(l2)] = float(np.mean(scores)) if scores else 0.0
        self._queries = {}
        return max(self.cv_score_, key=lambda l2: (self.cv_score_[l2], l2))

    # --- scoring -----------------------------------------------------------------------------

    def step_scores(self, start: int, end: int) -> NDArray:
        """``(n, n)`` scores of every step ``a → b`` of a trip from ``start`` to ``end``.

        Steps into the start, self-loops and (since the end is reached by the last step, which
        every trip of a given length takes) steps into the end score as follows: into the end 0,
        into the start and onto itself :data:`FORBIDDEN`.
        """
        self._check_fitted()
        n = len(self.km_)
        for name, place in (("start", start), ("end", end)):
            if not 0 <= place < n:
                raise InputError(f"{name} must be a place index 0..{n - 1}, got {place!r}")
        a, b = np.divmod(np.arange(n * n), n)
        feats = _features(self.snapshot_, self.km_, self.categories_, a, b, int(start), int(end))
        return _mask_scores((feats @ self.coef_).reshape(n, n), int(start), int(end))

    def step_probabilities(self, start: int, end: int) -> NDArray:
        """``(n, n)`` probability of each next stop ``b`` after ``a`` on the way to ``end``.

        Each row is the softmax of :meth:`step_scores` over every place but ``a``, ``start`` and
        ``end``; the end column is 0 (a trip ends there when its time or length runs out).
        """
        W = self.step_scores(start, end)
        W[:, end] = FORBIDDEN
        top = W.max(axis=1, keepdims=True)
        p = np.exp(W - top)
        p[W <= FORBIDDEN / 2] = 0.0
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.zeros_like(p), where=total > 0)

    def recommend(self, start: int, end: int, *, n_places: int) -> list[int]:
        """The trip of exactly ``n_places`` distinct places from ``start`` to ``end`` that the
        model scores best (start and end included), decoded exactly by :func:`decode_path`."""
        return decode_path(self.step_scores(start, end), start, end, n_places=n_places)

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise InputError("this NextStopModel is not fitted yet: call fit() first")


def _mask_scores(W: NDArray, start: int, end: int) -> NDArray:
    """Step scores of a trip from ``start`` to ``end``: into the end 0, into the start and
    self-loops :data:`FORBIDDEN` (``W`` is modified and returned)."""
    W[:, end] = 0.0
    W[:, start] = FORBIDDEN
    W[np.arange(len(W)), np.arange(len(W))] = FORBIDDEN
    return W


def f1_score(truth: Sequence[Hashable], recommended: Sequence[Hashable]) -> float:
    """F1 of the POIs of a recommended trip against the real trip (start and end included).

    Parameters
    ----------
    truth, recommended
        POIs in visit order (any hashable ids).

    Returns
    -------
    float
        ``2 p r / (p + r)`` with precision ``p = |T ∩ R| / |R|`` and recall ``r = |T ∩ R| / |T|``
        over the *sets* of POIs; 0 when they share no POI.
    """
    hit = len(set(truth) & set(recommended))
    if hit == 0:
        return 0.0
    precision, recall = hit / len(set(recommended)), hit / len(set(truth))
    return 2 * precision * recall / (precision + recall)


def pairs_f1(truth: Sequence[Hashable], recommended: Sequence[Hashable]) -> float:
    """F1 over the ordered POI pairs of a recommended trip against the real trip.

    A pair ``(recommended[i], recommended[j])``, ``i < j``, counts when both POIs are in the real
    trip in the same order. Precision is over the L̂(L̂−1)/2 pairs of the recommendation (L̂ its
    length), recall over the L(L−1)/2 pairs of the real trip.

    Parameters
    ----------
    truth, recommended
        POIs in visit order (any hashable ids); the lengths may differ.

    Returns
    -------
    float
        0 when no pair counts (in particular when either trip has fewer than two POIs).
    """
    pos = {p: i for i, p in enumerate(truth)}
    n, m = len(truth), len(recommended)
    if n < 2 or m < 2:
        return 0.0
    hits = sum(
        1
        for i in range(m)
        for j in range(i + 1, m)
        if recommended[i] in pos
        and recommended[j] in pos
        and pos[recommended[i]] < pos[recommended[j]]
    )
    if hits == 0:
        return 0.0
    precision, recall = hits / (m * (m - 1) / 2), hits / (n * (n - 1) / 2)
    return 2 * precision * recall / (precision + recall)


def decode_path(W: NDArray, start: int, end: int, *, n_places: int) -> list[int]:
    """Exact best path of ``n_places`` distinct places from ``start`` to ``end``.

    Maximises ``Σ W[p_i, p_{i+1}]`` by depth-first branch and bound (ties: the first path found
    in index order of the children sorted by score, so the answer is deterministic).

    Parameters
    ----------
    W
        ``(n, n)`` step scores; entries ``<= FORBIDDEN / 2`` are never taken.
    start, end
        Indices of the first and last place (distinct unless ``n_places == 1``).
    n_places
        Length of the path, start and end included.

    Returns
    -------
    list[int]
        The path.

    Raises
    ------
    InputError
        When no path of that length exists (fewer places than asked, or every path forbidden).
    """
    W = np.asarray(W, dtype=float)
    n = len(W)
    if W.shape != (n, n):
        raise InputError(f"W must be a square matrix of step scores, got shape {W.shape}")
    if not (0 <= start < n and 0 <= end < n):
        raise InputError(f"start and end must be place indices 0..{n - 1}, got {start}, {end}")
    L = int(n_places)
    if start == end:
        if L == 1:
            return [start]
        raise InputError("a trip without revisits cannot start and end at the same place")
    if L < 2 or L > n:
        raise InputError(f"cannot make a path of {L} distinct places out of {n}")
    if L == 2:
        if W[start, end] <= FORBIDDEN / 2:
            raise InputError("the step from the start to the end is forbidden")
        return [start, end]
    mids = np.array([x for x in range(n) if x != start and x != end], dtype=np.intp)
    allowed = W > FORBIDDEN / 2
    into = np.where(allowed, W, -np.inf)
    k = L - 2
    # ahead[r][a]: best score of a walk from a to the end in exactly r steps through mids, revisits
    # allowed (the Viterbi relaxation): an admissible bound on the rest of any path from a.
    ahead = np.full((k + 2, n), -np.inf)
    ahead[1] = into[:, end]
    ahead[1, end] = -np.inf
    via = np.full((n, n), -np.inf)
    for r in range(2, k + 2):
        via[:, mids] = into[:, mids] + ahead[r - 1, mids]
        ahead[r] = via.max(axis=1)
    if not np.isfinite(ahead[k + 1, start]):
        raise InputError(f"no path of {L} distinct places from the start to the end is allowed")
    best_score = -math.inf
    best_path: list[int] | None = None
    path = [start]
    used = np.zeros(n, dtype=bool)
    used[start] = used[end] = True
    end_in = into[mids, end].max()

    def search(val: float) -> None:
        nonlocal best_score, best_path
        a = path[-1]
        left = k - (len(path) - 1)
        if left == 0:
            if allowed[a, end] and val + W[a, end] > best_score:
                best_score = val + W[a, end]
                best_path = [*path, end]
            return
        if val + ahead[left + 1, a] <= best_score:
            return
        free = mids[~used[mids]]
        if left > 1:
            # Second bound: the step out of a, then each further stop's best way in from a free
            # place or a, then the best step into the end.
            inner = into[np.append(free, a)][:, free].max(axis=0)
            top = np.sort(inner)[::-1][: left - 1].sum()
            if val + into[a, free].max() + top + end_in <= best_score:
                return
        gain = into[a, free] + ahead[left, free]
        for j in np.argsort(-gain, kind="stable"):
            if val + gain[j] <= best_score:
                break  # children are sorted: no later one can do better
            b = int(free[j])
            used[b] = True
            path.append(b)
            search(val + W[a, b])
            path.pop()
            used[b] = False

    search(0.0)
    if best_path is None:
        raise InputError(f"no path of {L} distinct places from the start to the end is allowed")
    return best_path
