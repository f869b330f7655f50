"""Exact weighted DBSCAN on the sphere in O(n) memory, and an HDBSCAN alternative.

:func:`cluster_labels` returns, for every photo, the label scikit-learn's
``DBSCAN(metric="haversine", algorithm="ball_tree")`` gives on the unique coordinates sorted by
(lat, lon) with their counts as ``sample_weight`` -- the same partition, border points included --
without storing a single neighbourhood (plain ``DBSCAN.fit`` stores all of them: 30,000 photos in
one square hundred metres already take gigabytes).

How (method ``"dbscan"``):

1. Identical coordinates are merged; their counts are the weights. The unique coordinates are
   sorted by (lat, lon): that fixes the order scikit-learn would see, hence the border points.
2. Each point becomes a unit vector (x, y, z) and falls in a cube of a 3-D grid of side
   ``s = 0.99 * c / sqrt(3)``, where ``c = 2 sin(eps / 2)`` is the chord of the angle eps. Two
   points of one cube are at most ``s * sqrt(3) = 0.99 c`` apart in a straight line, so their
   great-circle distance is below eps with a 1 % margin (far above rounding): all points of a cube
   are neighbours of each other. Two points within eps are within chord ``c``, so their cubes differ
   by at most 2 in each axis. A 3-D grid has no seam at the antimeridian and no singularity at the
   poles.
3. Core points: a cube whose total weight reaches ``min_samples`` makes all its points core. The
   other points are counted with a k-d tree (scipy ``cKDTree`` on the unit vectors): a point with
   ``min_samples`` points surely within eps (chord radius shrunk by a tiny margin) is core; for the
   rest, the few candidates within the widened radius are checked exactly (below).
4. Clusters: all core points of a cube are linked. Two neighbouring cubes are linked when some pair
   of their core points lies within eps: small cube pairs are checked vectorised, all pairs at once;
   large ones (hotspots) one by one with a k-d tree, skipped when union-find already joined them.
5. Border points (not core, within eps of a core point) join, as in scikit-learn, the cluster whose
   smallest core index (in the sorted order) is smallest: scikit-learn expands clusters one after
   the other in that order and a border point keeps the first label it gets.

"Within eps" is decided exactly as scikit-learn's ball tree does:
``sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) <= sin²(eps/2)``, with the same operations in the same
order (numpy's sin/cos agree with the C library's that scikit-learn calls). The k-d tree and the
grid only propose candidates, with margins far wider than rounding errors. One caveat: the
scikit-learn ball tree also accepts whole tree nodes whose distance bound is ``<= eps``, so for a
pair whose distance equals eps to the last bit (1e-16) it may disagree with its own formula; no
exact method can reproduce that.

Memory: the unique points, the grid and the k-d tree, O(n); candidate pairs are processed in
chunks of at most ``_PAIR_CHUNK`` pairs.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from . import settings

__all__ = ["cluster_labels"]

log = logging.getLogger(__name__)

#: Methods of :func:`cluster_labels`.
METHODS = ("dbscan", "hdbscan")
#: Cube side as a share of the largest side whose cubes fit inside the eps ball (safety margin).
_CELL_SHRINK = 0.99
#: Relative and absolute margins (chord units) around eps where the exact formula decides.
_REL_MARGIN = 1e-9
_ABS_MARGIN = 1e-13
#: Outside this eps range the grid has no margin over rounding (tiny) or no meaning (half the
#: globe); scikit-learn's DBSCAN on the unique weighted coordinates is used instead (still exact).
_MIN_GRID_EPS_M = 0.01
_MAX_GRID_EPS_M = 1_000_000.0
#: Candidate pairs checked per vectorised batch (bounds the memory of the exact checks).
_PAIR_CHUNK = 2_000_000
#: Points per batch of k-d tree queries that return neighbour lists.
_QUERY_CHUNK = 50_000
#: Cube pairs with more core-point pairs than this are checked one by one with a k-d tree.
_BIG_PAIR = 4_096


def cluster_labels(
    lat: ArrayLike,
    lon: ArrayLike,
    *,
    eps_m: float,
    min_samples: int,
    method: str = "dbscan",
    snap_m: float = 0.0,
    min_cluster_size: int | None = None,
) -> NDArray[np.int64]:
    """Cluster labels (-1: noise) of points on the sphere, exact DBSCAN or HDBSCAN.

    Labels are numbered 0, 1, ... in order of first appearance over the unique coordinates sorted
    by (lat, lon), so they do not depend on the input order.

    Parameters
    ----------
    lat, lon
        WGS84 degrees, one value a point (1-D, same length, finite, ``|lat| <= 90``).
    eps_m
        Neighbourhood radius in metres on a sphere of radius ``settings.EARTH_RADIUS_M``
        (``method="dbscan"``).
    min_samples
        Points (duplicates counted) within ``eps_m``, the point itself included, that make a core
        point; for HDBSCAN, its ``min_samples``.
    method
        ``"dbscan"`` (exact; the same partition as scikit-learn's ``DBSCAN(metric="haversine",
        algorithm="ball_tree")`` on the (lat, lon)-sorted unique coordinates weighted by their
        counts, border points included, in O(n) memory) or ``"hdbscan"`` (scikit-learn's
        ``HDBSCAN`` with the haversine metric, for cities of very uneven density). HDBSCAN has no
        sample weights: each unique coordinate is repeated ``min(count, min_samples)`` times.
        That leaves every core distance as with all duplicates (a point repeated ``min_samples``
        times has core distance 0 either way) but counts at most ``min_samples`` photos per spot
        towards ``min_cluster_size``. Deterministic (sorted input, no randomness).
    snap_m
        If positive, coordinates are first rounded to a grid of ``snap_m`` metres (latitude in
        steps of ``snap_m``, longitude in steps of ``snap_m`` at the rounded latitude), merging
        near-identical points: fewer unique points, faster, but an approximation (a point may
        move by up to ``snap_m / sqrt(2)``). On the benchmark city (1,000,000 photos, eps 100 m,
        min_samples 5) ``snap_m=2`` gives an adjusted Rand index of 0.999991 against exact
        labels (29 photos change cluster, one more cluster) in about half the time
        (benchmarks/RESULTS.md). Exactly duplicated points always keep one label.
    min_cluster_size
        HDBSCAN's smallest cluster (photos, see ``method``); default ``min_samples`` (at least 2).

    Returns
    -------
    numpy.ndarray
        int64 label per input point, -1 for noise.

    Raises
    ------
    ValueError
        If a parameter is out of range, the coordinates are not finite, or lat and lon differ in
        length.
    """
    lat_a, lon_a = _check(lat, lon, eps_m, min_samples, method, snap_m, min_cluster_size)
    if lat_a.size == 0:
        return np.empty(0, dtype=np.int64)
    if snap_m > 0:
        lat_a, lon_a = _snap(lat_a, lon_a, snap_m=snap_m)
    ulat, ulon, inverse, counts = _unique_sorted(lat_a, lon_a)
    if method == "hdbscan":
        labels = _hdbscan(ulat, ulon, counts, min_samples, min_cluster_size or max(min_samples, 2))
    elif not _MIN_GRID_EPS_M <= eps_m <= _MAX_GRID_EPS_M:
        labels = _sklearn_dbscan(ulat, ulon, counts, eps_m=eps_m, min_samples=min_samples)
    else:
        grid = _grid_dbscan(ulat, ulon, counts, eps_m=eps_m, min_samples=min_samples)
        if grid is None:  # grid keys would overflow int64 (tiny eps over a huge area)
            grid = _sklearn_dbscan(ulat, ulon, counts, eps_m=eps_m, min_samples=min_samples)
        labels = grid
    return _first_appearance(labels)[inverse]


# --- input ------------------------------------------------------------------------------------


def _check(
    lat: ArrayLike,
    lon: ArrayLike,
    eps_m: float,
    min_samples: int,
    method: str,
    snap_m: float,
    min_cluster_size: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not (isinstance(eps_m, int | float | np.number) and math.isfinite(eps_m) and eps_m > 0):
        raise ValueError(f"eps_m must be a positive number of metres, got {eps_m!r}")
    if isinstance(min_samples, bool) or not isinstance(min_samples, int | np.integer):
        raise ValueError(f"min_samples must be an integer >= 1, got {min_samples!r}")
    if min_samples < 1:
        raise ValueError(f"min_samples must be at least 1, got {min_samples}")
    if not (isinstance(snap_m, int | float | np.number) and math.isfinite(snap_m) and snap_m >= 0):
        raise ValueError(f"snap_m must be 0 (no snapping) or a positive number, got {snap_m!r}")
    if min_cluster_size is not None and (
        isinstance(min_cluster_size, bool)
        or not isinstance(min_cluster_size, int | np.integer)
        or min_cluster_size < 2
    ):
        raise ValueError(
            f"min_cluster_size must be None or an integer >= 2, got {min_cluster_size!r}"
        )
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    if lat_a.ndim != 1 or lon_a.shape != lat_a.shape:
        raise ValueError(
            f"lat and lon must be 1-D arrays of the same length, got shapes {lat_a.shape} "
            f"and {lon_a.shape}"
        )
    if not (np.isfinite(lat_a).all() and np.isfinite(lon_a).all()):
        raise ValueError("lat and lon must be finite; drop photos without a position first")
    if (np.abs(lat_a) > 90).any():
        raise ValueError("latitudes must lie in [-90, 90]; are lat and lon swapped?")
    return lat_a, lon_a


def _snap(lat: np.ndarray, lon: np.ndarray, *, snap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Round to a grid of ``snap_m`` metres: latitude rows, then longitude steps along each row."""
    step = np.degrees(snap_m / settings.EARTH_RADIUS_M)
    slat = np.clip(np.round(lat / step) * step, -90.0, 90.0)
    cos = np.cos(np.radians(slat))
    lon_step = step / np.maximum(cos, 1e-12)
    slon = np.where(cos > 1e-9, np.round(lon / lon_step) * lon_step, 0.0)
    return slat, slon


def _unique_sorted(
    lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unique (lat, lon) sorted lexicographically, the inverse index and the counts."""
    order = np.lexsort((lon, lat))
    slat, slon = lat[order], lon[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (slat[1:] != slat[:-1]) | (slon[1:] != slon[:-1])
    group = np.cumsum(new) - 1
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = group
    counts = np.bincount(group).astype(np.float64)
    return slat[new], slon[new], inverse, counts


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0, 1, ... in order of first appearance (-1 stays -1)."""
    out = np.full(len(labels), -1, dtype=np.int64)
    mask = labels >= 0
    if not mask.any():
        return out
    _, first, inv = np.unique(labels[mask], return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out[mask] = rank[inv.ravel()]
    return out


# --- fallbacks ------------------------------------------------------------------------------


def _sklearn_dbscan(
    lat: np.ndarray, lon: np.ndarray, w: np.ndarray, *, eps_m: float, min_samples: int
) -> np.ndarray:
    """scikit-learn's DBSCAN on the unique weighted coordinates (stores neighbourhoods)."""
    from sklearn.cluster import DBSCAN

    log.info("eps_m=%s outside the grid's range: scikit-learn DBSCAN on %d points", eps_m, len(w))
    model = DBSCAN(
        eps=eps_m / settings.EARTH_RADIUS_M,
        min_samples=min_samples,
        metric="haversine",
        algorithm="ball_tree",
    )
    model.fit(np.radians(np.column_stack([lat, lon])), sample_weight=w)
    return model.labels_.astype(np.int64)


def _hdbscan(
    lat: np.ndarray, lon: np.ndarray, w: np.ndarray, min_samples: int, min_cluster_size: int
) -> np.ndarray:
    """HDBSCAN on the unique coordinates, each repeated min(count, min_samples) times."""
    from sklearn.cluster import HDBSCAN

    reps = np.minimum(w, min_samples).astype(np.int64)
    idx = np.repeat(np.arange(len(w)), reps)
    if len(idx) < 2:
        return np.full(len(w), -1, dtype=np.int64)
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min(min_samples, len(idx)),
        metric="haversine",
        allow_single_cluster=False,
        copy=True,
    )
    lab = model.fit_predict(np.radians(np.column_stack([lat[idx], lon[idx]])))
    # Copies of one coordinate share their label; take the first copy's.
    first = np.concatenate([[0], np.cumsum(reps)[:-1]])
    return lab[first].astype(np.int64)


# --- exact DBSCAN on a 3-D grid ---------------------------------------------------------------


class _Sphere:
    """Points in radians, their cosines and the exact within-eps test of scikit-learn."""

    def __init__(self, lat_deg: np.ndarray, lon_deg: np.ndarray, eps_rad: float) -> None:
        self.phi = np.radians(lat_deg)
        self.lmb = np.radians(lon_deg)
        self.cos = np.cos(self.phi)
        # scikit-learn's HaversineDistance._dist_to_rdist(eps): tmp = sin(0.5 * eps); tmp * tmp.
        tmp = math.sin(0.5 * eps_rad)
        self.reduced_r = tmp * tmp

    def within(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Pairs (i, j) within eps, computed as HaversineDistance.rdist(x_i, x_j) <= reduced_r."""
        sin_0 = np.sin(0.5 * (self.phi[i] - self.phi[j]))
        sin_1 = np.sin(0.5 * (self.lmb[i] - self.lmb[j]))
        rdist = sin_0 * sin_0 + self.cos[i] * self.cos[j] * sin_1 * sin_1
        return rdist <= self.reduced_r


def _grid_dbscan(
    lat: np.ndarray, lon: np.ndarray, w: np.ndarray, *, eps_m: float, min_samples: int
) -> np.ndarray | None:
    """Exact weighted DBSCAN labels of the sorted unique points (scikit-learn's numbering)."""
    n = len(w)
    eps_rad = eps_m / settings.EARTH_RADIUS_M
    chord = 2.0 * math.sin(eps_rad / 2.0)
    r_lo = chord * (1 - _REL_MARGIN) - _ABS_MARGIN
    r_hi = chord * (1 + _REL_MARGIN) + _ABS_MARGIN
    sph = _Sphere(lat, lon, eps_rad)
    xyz = np.column_stack([sph.cos * np.cos(sph.lmb), sph.cos * np.sin(sph.lmb), np.sin(sph.phi)])
    side = _CELL_SHRINK * chord / math.sqrt(3.0)
    ijk = np.floor(xyz / side).astype(np.int64)
    lo = ijk.min(axis=0) - 2
    dims = ijk.max(axis=0) - lo + 3  # 2 cells of padding on both sides: neighbour keys never wrap
    if float(dims[0]) * float(dims[1]) * float(dims[2]) >= 2.0**62:
        return None
    ijk -= lo
    key = (ijk[:, 0] * dims[1] + ijk[:, 1]) * dims[2] + ijk[:, 2]
    strides = np.array([dims[1] * dims[2], dims[2], 1], dtype=np.int64)
    del ijk
    cell_keys, cell = np.unique(key, return_inverse=True)
    cell = cell.ravel()
    del key

    # 1. core points
    cell_w = np.bincount(cell, weights=w, minlength=len(cell_keys))
    core = cell_w[cell] >= min_samples
    tree = cKDTree(xyz, balanced_tree=False, compact_nodes=False)
    sparse = np.flatnonzero(~core)
    if len(sparse):
        n_lo = tree.query_ball_point(xyz[sparse], r_lo, return_length=True)
        core[sparse[n_lo >= min_samples]] = True
        todo = sparse[n_lo < min_samples]
        for qi, nj in _neighbour_pairs(tree, xyz, todo, r_hi):
            ok = sph.within(qi, nj)
            wsum = np.bincount(qi[ok], weights=w[nj[ok]], minlength=n)
            # each query point lies in exactly one chunk: its sum is complete here
            core[todo] = core[todo] | (wsum[todo] >= min_samples)
    del tree
    core_idx = np.flatnonzero(core)
    labels = np.full(n, -1, dtype=np.int64)
    if len(core_idx) == 0:
        return labels
    log.debug("%d unique points, %d cells, %d core points", n, len(cell_keys), len(core_idx))

    # 2. clusters: components of cubes holding core points
    ccell = cell[core_idx]  # core_idx is sorted by point index, the cubes in any order
    order = np.argsort(ccell, kind="stable")
    core_by_cell = core_idx[order]  # core points grouped by cube (ascending index within one)
    ccell_sorted = ccell[order]
    cells_with_core, start, size = np.unique(ccell_sorted, return_index=True, return_counts=True)
    ckeys = cell_keys[cells_with_core]
    m = len(ckeys)
    pair_a, pair_b = _neighbour_cells(ckeys, strides)
    cost = size[pair_a] * size[pair_b]
    small = cost <= _BIG_PAIR
    linked_a, linked_b = _link_small(
        sph, core_by_cell, start, size, pair_a[small], pair_b[small], cost[small]
    )
    graph = coo_matrix(
        (np.ones(len(linked_a), dtype=np.int8), (linked_a, linked_b)), shape=(m, m)
    ).tocsr()
    _, comp = connected_components(graph, directed=False)
    comp = _link_big(
        sph, xyz, core_by_cell, start, size, pair_a[~small], pair_b[~small], comp, r_lo, r_hi
    )

    # scikit-learn numbers clusters by their smallest core index
    first_core = core_by_cell[start]  # smallest core index of each cube
    n_comp = int(comp.max()) + 1
    comp_min = np.full(n_comp, n, dtype=np.int64)
    np.minimum.at(comp_min, comp, first_core)
    cell_to_comp = np.full(len(cell_keys), -1, dtype=np.int64)
    cell_to_comp[cells_with_core] = comp
    labels[core_idx] = comp_min[cell_to_comp[ccell]]

    # 3. border points: the reachable cluster with the smallest first core index
    noncore = np.flatnonzero(~core)
    if len(noncore):
        ctree = cKDTree(xyz[core_idx], balanced_tree=False, compact_nodes=False)
        best = np.full(n, n, dtype=np.int64)
        for qi, nj in _neighbour_pairs(ctree, xyz, noncore, r_hi):
            nj = core_idx[nj]
            ok = sph.within(qi, nj)
            np.minimum.at(best, qi[ok], labels[nj[ok]])
        reached = noncore[best[noncore] < n]
        labels[reached] = best[reached]
    return labels


def _neighbour_pairs(
    tree: cKDTree, xyz: np.ndarray, query: np.ndarray, r: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (query point, tree point) index pairs within chord ``r``, in chunks of query points."""
    for s in range(0, len(query), _QUERY_CHUNK):
        q = query[s : s + _QUERY_CHUNK]
        lists = tree.query_ball_point(xyz[q], r, return_sorted=False)
        lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        nj = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=lens.sum())
        yield np.repeat(q, lens), nj


def _neighbour_cells(ckeys: np.ndarray, strides: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b), a != b, of cubes (indices into sorted ``ckeys``) at most 2 apart per axis.

    Each unordered pair appears once; pairs are ordered by how far apart their cubes are (nearest
    first), so that union-find joins hotspots through adjacent cubes before trying distant ones.
    """
    offsets = [
        d
        for d in itertools.product(range(-2, 3), repeat=3)
        if d > (0, 0, 0)  # lexicographically positive half
    ]
    offsets.sort(key=lambda d: (sum(max(abs(x) - 1, 0) ** 2 for x in d), sum(x * x for x in d), d))
    pa, pb = [], []
    for d in offsets:
        nb = ckeys + int(np.dot(d, strides))
        pos = np.searchsorted(ckeys, nb)
        pos_c = np.minimum(pos, len(ckeys) - 1)
        hit = ckeys[pos_c] == nb
        pa.append(np.flatnonzero(hit))
        pb.append(pos_c[hit])
    return np.concatenate(pa), np.concatenate(pb)


def _link_small(
    sph: _Sphere,
    core_by_cell: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cube pairs with at least one core pair within eps (all pairs checked, vectorised)."""
    keep = np.zeros(len(pa), dtype=bool)
    ends = np.cumsum(cost)
    s = 0
    while s < len(pa):
        base = ends[s - 1] if s else 0
        e = int(np.searchsorted(ends, base + _PAIR_CHUNK, side="right"))
        e = max(e, s + 1)
        c = cost[s:e]
        pid = np.repeat(np.arange(s, e), c)
        k = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        nb = size[pb[pid]]
        i = core_by_cell[start[pa[pid]] + k // nb]
        j = core_by_cell[start[pb[pid]] + k % nb]
        ok = sph.within(i, j)
        keep[s:e] = np.bincount(pid[ok] - s, minlength=e - s) > 0
        s = e
    return pa[keep], pb[keep]


def _link_big(
    sph: _Sphere,
    xyz: np.ndarray,
    core_by_cell: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    comp: np.ndarray,
    r_lo: float,
    r_hi: float,
) -> np.ndarray:
    """Join the components of large cube pairs with a core pair within eps (union-find)."""
    if len(pa) == 0:
        return comp
    parent = list(range(int(comp.max()) + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    trees: dict[int, cKDTree] = {}
    n_checked = 0
    for a, b in zip(pa.tolist(), pb.tolist(), strict=True):
        ra, rb = find(int(comp[a])), find(int(comp[b]))
        if ra == rb:
            continue
        if size[a] > size[b]:
            a, b = b, a
        pts_a = core_by_cell[start[a] : start[a] + size[a]]
        pts_b = core_by_cell[start[b] : start[b] + size[b]]
        if b not in trees:
            trees[b] = cKDTree(xyz[pts_b])
        n_checked += 1
        d, _ = trees[b].query(xyz[pts_a], k=1, distance_upper_bound=r_hi)
        if (d <= r_lo).any():
            hit = True
        else:
            near = pts_a[d <= r_hi]
            hit = False
            if len(near):
                lists = trees[b].query_ball_point(xyz[near], r_hi)
                for i, js in zip(near.tolist(), lists, strict=True):
                    if sph.within(np.full(len(js), i), pts_b[np.asarray(js, dtype=np.int64)]).any():
                        hit = True
                        break
        if hit:
            parent[max(ra, rb)] = min(ra, rb)
    log.debug("%d large cube pairs, %d checked", len(pa), n_checked)
    roots = np.array([find(x) for x in range(len(parent))], dtype=np.int64)
    return roots[comp]
