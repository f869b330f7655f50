"""Exact weighted DBSCAN (routeplan._cluster.cluster_labels) against scikit-learn, and HDBSCAN."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from factories import offset_east, offset_north
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from routeplan import settings
from routeplan._cluster import cluster_labels

R = settings.EARTH_RADIUS_M


def sklearn_labels(lat, lon, *, eps_m, min_samples):
    """Reference: scikit-learn DBSCAN on the (lat, lon)-sorted unique coordinates, weighted."""
    coords = np.column_stack([np.asarray(lat, float), np.asarray(lon, float)])
    uniq, inverse, counts = np.unique(coords, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(
        eps=eps_m / R, min_samples=min_samples, metric="haversine", algorithm="ball_tree"
    )
    model.fit(np.radians(uniq), sample_weight=counts)
    return model.labels_[inverse.ravel()]


def assert_same_partition(a, b):
    """Same noise points, and a one-to-one map between the cluster labels (ARI 1.0 too)."""
    a, b = np.asarray(a), np.asarray(b)
    assert np.array_equal(a < 0, b < 0), "different noise points"
    m = a >= 0
    pairs = np.unique(np.column_stack([a[m], b[m]]), axis=0)
    assert len(pairs) == len(np.unique(a[m])) == len(np.unique(b[m])), "different clusters"
    assert adjusted_rand_score(a, b) == 1.0


def check(lat, lon, *, eps_m, min_samples):
    """cluster_labels == scikit-learn's partition; returns our labels."""
    ours = cluster_labels(lat, lon, eps_m=eps_m, min_samples=min_samples)
    assert ours.dtype == np.int64 and ours.shape == (len(lat),)
    assert_same_partition(ours, sklearn_labels(lat, lon, eps_m=eps_m, min_samples=min_samples))
    return ours


def _blobs(rng, lat0, lon0, *, n, k, spread_deg, noise_deg, round_to=None):
    centres = rng.normal(0, spread_deg, (k, 2))
    pts = centres[rng.integers(0, k, n)] + rng.normal(0, noise_deg, (n, 2))
    lat = np.clip(lat0 + pts[:, 0], -90, 90)
    lon = (lon0 + pts[:, 1] + 180) % 360 - 180
    if round_to is not None:
        lat, lon = np.round(lat, round_to), np.round(lon, round_to)
    dup = rng.integers(0, n, n // 3)  # duplicates: weights > 1
    return np.concatenate([lat, lat[dup]]), np.concatenate([lon, lon[dup]])


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    ("lat0", "lon0"),
    [(0.0, 0.0), (45.0, 10.0), (70.0, -150.0), (-60.0, 179.9995), (89.9995, 0.0), (-89.999, 90.0)],
)
def test_random_inputs_match_sklearn(seed, lat0, lon0):
    """Blobs, noise, duplicates (rounded coordinates), near the equator, antimeridian and poles:
    the same partition as scikit-learn for several eps and min_samples."""
    rng = np.random.default_rng(seed)
    lat, lon = _blobs(
        rng,
        lat0,
        lon0,
        n=int(rng.integers(20, 500)),
        k=int(rng.integers(1, 6)),
        spread_deg=0.003,
        noise_deg=float(rng.choice([0.0002, 0.0006, 0.0015])),
        round_to=int(rng.choice([4, 5])) if seed % 2 else None,
    )
    for eps_m, min_samples in [(30.0, 2), (80.0, 5), (150.0, 11)]:
        check(lat, lon, eps_m=eps_m, min_samples=min_samples)


def test_hotspot_and_large_cube_pairs_match_sklearn():
    """3000 photos within ~60 m (large cubes, checked pair by pair), a second hotspot just over
    eps away and a sparse halo: the same partition as scikit-learn."""
    rng = np.random.default_rng(7)
    lat0, lon0 = 48.8584, 2.2945
    hot = rng.normal(0, 20 / 111_195, (3000, 2))
    second = rng.normal(0, 15 / 111_195, (1500, 2)) + np.array([offset_north(0, 160.0), 0.0])
    halo = rng.uniform(-400 / 111_195, 400 / 111_195, (400, 2))
    pts = np.vstack([hot, second, halo])
    lat, lon = lat0 + pts[:, 0], lon0 + pts[:, 1] / np.cos(np.radians(lat0))
    for eps_m, min_samples in [(25.0, 20), (40.0, 5), (100.0, 50)]:
        check(lat, lon, eps_m=eps_m, min_samples=min_samples)


def test_dense_hotspot_needs_no_neighbourhoods():
    """100,000 distinct photos within 40 m, eps 100 m: one cluster, and the memory numpy allocates
    stays small (plain DBSCAN would store 10^10 neighbour indices, 80 GB)."""
    rng = np.random.default_rng(9)
    r = 40 * np.sqrt(rng.uniform(0, 1, 100_000))
    a = rng.uniform(0, 2 * np.pi, 100_000)
    lat = 35.6586 + r * np.sin(a) / 111_195
    lon = 139.7454 + r * np.cos(a) / (111_195 * np.cos(np.radians(35.6586)))
    tracemalloc.start()
    try:
        labels = cluster_labels(lat, lon, eps_m=100.0, min_samples=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert set(labels) == {0}
    assert peak < 200 * 2**20


def test_chain_is_one_cluster():
    """20 points in a line, 90 m apart, eps 100 m, min_samples 2: one cluster; eps 80 m: noise."""
    lat = np.array([offset_north(40.0, 90.0 * i) for i in range(20)])
    lon = np.full(20, -3.7)
    labels = check(lat, lon, eps_m=100.0, min_samples=2)
    assert set(labels) == {0}
    assert set(check(lat, lon, eps_m=80.0, min_samples=2)) == {-1}


def _two_clusters_and_a_shared_border(lat_mid, lon):
    """South to north: 4 photos at -170 m, 1 at -95 m, the shared point at 0, 1 at +95 m and
    4 at +170 m. The ±95 m points are core (weight 6 within 100 m), the middle one is not (3)."""
    offsets = [-170.0] * 4 + [-95.0, 0.0, 95.0] + [170.0] * 4
    return np.array([offset_north(lat_mid, d) for d in offsets]), np.full(len(offsets), lon)


def test_border_point_shared_by_two_clusters_goes_to_first_cluster():
    """The shared border point joins the cluster scikit-learn expands first: the one with the
    smaller (lat, lon)-sorted core index, i.e. the southern one."""
    lat, lon = _two_clusters_and_a_shared_border(10.0, 20.0)
    labels = check(lat, lon, eps_m=100.0, min_samples=5)
    assert list(labels) == [0] * 6 + [1] * 5


def test_border_point_order_follows_sorted_coordinates_not_input():
    """The same scene listed north to south: the border point still joins the southern cluster."""
    lat, lon = _two_clusters_and_a_shared_border(-33.86, 151.21)
    labels = check(lat[::-1], lon, eps_m=100.0, min_samples=5)
    assert list(labels) == [1] * 5 + [0] * 6


@pytest.mark.parametrize("lat", [0.0, 33.3, 60.0, -75.0, 89.0])
@pytest.mark.parametrize("direction", ["north", "east"])
def test_points_exactly_eps_apart(lat, direction):
    """Two spots (3 photos each) exactly d apart: with eps = d (to the last bit, either side) we
    agree with scikit-learn; eps a hair above d joins them, a hair below separates them."""
    d_m = 100.0
    if direction == "north":
        lat_b, lon_b = offset_north(lat, d_m), 20.0
    else:
        lat_b, lon_b = lat, offset_east(lat, 20.0, d_m)
    lats = np.array([lat] * 3 + [lat_b] * 3)
    lons = np.array([20.0] * 3 + [lon_b] * 3)
    # the distance exactly as scikit-learn computes it
    p1, p2 = np.radians([lat, lat_b])
    l1, l2 = np.radians([20.0, lon_b])
    s0, s1 = np.sin(0.5 * (p1 - p2)), np.sin(0.5 * (l1 - l2))
    d = 2 * np.arcsin(np.sqrt(s0 * s0 + np.cos(p1) * np.cos(p2) * s1 * s1)) * R
    for eps in [d, np.nextafter(d, 0), np.nextafter(d, 1e9), d * (1 - 1e-12), d * (1 + 1e-12)]:
        check(lats, lons, eps_m=float(eps), min_samples=4)
    assert set(cluster_labels(lats, lons, eps_m=d * (1 + 1e-9), min_samples=4)) == {0}
    assert set(cluster_labels(lats, lons, eps_m=d * (1 - 1e-9), min_samples=4)) == {-1}


def test_antimeridian_and_pole_clusters_are_whole():
    """A spot straddling 180° and a ring of points 30 m around the North Pole: one cluster each."""
    rng = np.random.default_rng(3)
    lon_a = np.concatenate([179.9999 + rng.uniform(0, 1e-4, 10), -180 + rng.uniform(0, 1e-4, 10)])
    lat_a = rng.uniform(-1e-4, 1e-4, 20)
    ang = np.linspace(-180, 180, 24, endpoint=False)
    lat_p = np.full(24, 90 - np.degrees(30 / R))
    lat = np.concatenate([lat_a, lat_p])
    lon = np.concatenate([lon_a, ang])
    labels = check(lat, lon, eps_m=50.0, min_samples=4)
    assert len(set(labels[:20])) == 1 and labels[0] >= 0
    assert len(set(labels[20:])) == 1 and labels[20] >= 0
    assert labels[0] != labels[20]


def test_weights_count_towards_min_samples():
    """A spot photographed 5 times is core with min_samples 5 (a cluster), 4 times is not."""
    lat = [1.0] * 5 + [2.0] * 4
    lon = [1.0] * 9
    labels = check(lat, lon, eps_m=10.0, min_samples=5)
    assert list(labels) == [0] * 5 + [-1] * 4


def test_input_order_does_not_change_labels():
    """Labels are numbered by first appearance over sorted coordinates: any permutation of the
    input gives exactly the same label per point."""
    rng = np.random.default_rng(11)
    lat, lon = _blobs(rng, 52.52, 13.40, n=600, k=5, spread_deg=0.004, noise_deg=0.0005)
    labels = cluster_labels(lat, lon, eps_m=60.0, min_samples=4)
    assert labels.max() >= 2
    perm = rng.permutation(len(lat))
    assert np.array_equal(
        cluster_labels(lat[perm], lon[perm], eps_m=60.0, min_samples=4), labels[perm]
    )
    # first appearance over the (lat, lon)-sorted points: 0, 1, 2, ...
    order = np.lexsort((lon, lat))
    seen = labels[order][labels[order] >= 0]
    _, first = np.unique(seen, return_index=True)
    assert np.array_equal(seen[np.sort(first)], np.arange(labels.max() + 1))


def test_snap_keeps_duplicates_together_and_merges_near_identical():
    """snap_m=2: exactly duplicated photos keep one label and labels stay close to exact ones;
    three photos within 0.3 m of a grid node become one spot of weight 3 (core with
    min_samples 3), where unsnapped, 0.15 m apart with eps 0.1 m, each is alone (noise)."""
    rng = np.random.default_rng(5)
    lat, lon = _blobs(rng, 41.9, 12.5, n=800, k=4, spread_deg=0.003, noise_deg=0.0004)
    snapped = cluster_labels(lat, lon, eps_m=50.0, min_samples=5, snap_m=2.0)
    exact = cluster_labels(lat, lon, eps_m=50.0, min_samples=5)
    _, group = np.unique(np.column_stack([lat, lon]), axis=0, return_inverse=True)
    group = group.ravel()
    per_group = np.unique(np.column_stack([group, snapped]), axis=0)
    assert len(per_group) == group.max() + 1  # one label per set of identical coordinates
    assert len(group) > group.max() + 1  # (there are duplicates)
    assert adjusted_rand_score(exact, snapped) > 0.95

    step = np.degrees(2.0 / R)
    node = np.round(41.9 / step) * step
    near_lat = [offset_north(node, d) for d in (-0.15, 0.0, 0.15)]
    near_lon = [12.5, 12.5, 12.5]
    assert set(cluster_labels(near_lat, near_lon, eps_m=0.1, min_samples=3)) == {-1}
    assert set(cluster_labels(near_lat, near_lon, eps_m=0.1, min_samples=3, snap_m=2.0)) == {0}


def test_hdbscan_finds_blobs_and_is_deterministic():
    """Two separated blobs with duplicates: HDBSCAN finds both; same labels on a permuted input."""
    rng = np.random.default_rng(2)
    a = rng.normal(0, 15 / 111_195, (300, 2))
    b = rng.normal(0, 15 / 111_195, (300, 2)) + np.array([0.01, 0.0])
    pts = np.vstack([a, b, a[:50]])
    lat, lon = 45.0 + pts[:, 0], 7.0 + pts[:, 1]
    labels = cluster_labels(lat, lon, eps_m=100.0, min_samples=5, method="hdbscan")
    assert labels.dtype == np.int64
    assert labels.max() == 1
    assert len(set(labels[:300]) - {-1}) == 1 and len(set(labels[300:600]) - {-1}) == 1
    assert np.array_equal(labels[:50], labels[600:])  # duplicates share labels
    perm = rng.permutation(len(lat))
    again = cluster_labels(
        lat[perm], lon[perm], eps_m=100.0, min_samples=5, method="hdbscan", min_cluster_size=5
    )
    assert np.array_equal(again, labels[perm])


def test_tiny_and_huge_eps_fall_back_to_sklearn_exactly():
    """eps below 1 cm or above 1000 km: still scikit-learn's partition."""
    rng = np.random.default_rng(4)
    lat, lon = _blobs(rng, 10.0, 10.0, n=200, k=3, spread_deg=5.0, noise_deg=2.0)
    check(lat, lon, eps_m=2_000_000.0, min_samples=10)
    lat2 = np.concatenate([lat, lat + 1e-9])
    lon2 = np.concatenate([lon, lon])
    check(lat2, lon2, eps_m=0.005, min_samples=2)


def test_empty_and_single_point():
    """No point: empty labels; one point: noise unless min_samples is 1."""
    assert cluster_labels([], [], eps_m=10.0, min_samples=2).shape == (0,)
    assert list(cluster_labels([1.0], [2.0], eps_m=10.0, min_samples=2)) == [-1]
    assert list(cluster_labels([1.0], [2.0], eps_m=10.0, min_samples=1)) == [0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"eps_m": 0.0, "min_samples": 5}, "eps_m must be a positive"),
        ({"eps_m": float("nan"), "min_samples": 5}, "eps_m must be a positive"),
        ({"eps_m": 50.0, "min_samples": 0}, "min_samples must be at least 1"),
        ({"eps_m": 50.0, "min_samples": 2.5}, "min_samples must be an integer"),
        ({"eps_m": 50.0, "min_samples": 5, "method": "optics"}, "method must be one of"),
        ({"eps_m": 50.0, "min_samples": 5, "snap_m": -1.0}, "snap_m must be 0"),
        ({"eps_m": 50.0, "min_samples": 5, "min_cluster_size": 1}, "min_cluster_size must be"),
    ],
)
def test_bad_parameters_raise_value_error(kwargs, match):
    """Each bad option is named in the message."""
    with pytest.raises(ValueError, match=match):
        cluster_labels([1.0, 1.0], [2.0, 2.0], **kwargs)


@pytest.mark.parametrize(
    ("lat", "lon", "match"),
    [
        ([1.0, np.nan], [2.0, 2.0], "finite"),
        ([91.0], [2.0], "lat and lon swapped"),
        ([1.0, 2.0], [2.0], "same length"),
    ],
)
def test_bad_coordinates_raise_value_error(lat, lon, match):
    """Missing, out-of-range or mismatched coordinates are refused with a hint."""
    with pytest.raises(ValueError, match=match):
        cluster_labels(lat, lon, eps_m=50.0, min_samples=2)
