"""Landmark clustering: distances, min_users, determinism and the landmark profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from factories import make_photos, offset_east, offset_north

import routeplan
from routeplan import NoPhotosError, ValidationError
from routeplan._geo import haversine_m
from routeplan.landmarks import find_landmarks, validate_landmarks


def _two_spots(lat_a, lon_a, lat_b, lon_b, *, users=("u1", "u2", "u3")):
    """Each of three users photographs spot A then spot B (two photos at each)."""
    rows = []
    for k, u in enumerate(users):
        rows += [
            (u, f"2024-06-0{k + 1} 14:00", lat_a, lon_a),
            (u, f"2024-06-0{k + 1} 14:05", lat_a, lon_a),
            (u, f"2024-06-0{k + 1} 15:00", lat_b, lon_b),
            (u, f"2024-06-0{k + 1} 15:10", lat_b, lon_b),
        ]
    return make_photos(rows)


@pytest.mark.parametrize("direction", ["north", "east"])
@pytest.mark.parametrize("lat", [0.0, 45.0, 70.0, -78.0])
def test_two_points_a_known_distance_apart(direction, lat):
    """Spots exactly 80 m apart: one landmark with eps 81 m, two with eps 79 m, in both directions.

    At 70° a lon/lat swap or a degree-based metric would be off by a factor of ~3 east-west.
    """
    lon = 20.0
    if direction == "north":
        lat_b, lon_b = offset_north(lat, 80.0), lon
    else:
        lat_b, lon_b = lat, offset_east(lat, lon, 80.0)
    assert haversine_m(lat, lon, lat_b, lon_b) == pytest.approx(80.0, abs=1e-6)
    photos = _two_spots(lat, lon, lat_b, lon_b)
    together, _ = find_landmarks(photos, eps_m=81, min_samples=3, min_users=3)
    apart, labelled = find_landmarks(photos, eps_m=79, min_samples=3, min_users=3)
    assert len(together) == 1
    assert len(apart) == 2
    assert set(labelled["landmark_id"]) == {0, 1}


def test_min_users_one_prolific_photographer_makes_no_landmark():
    """500 photos by one user at one spot: no landmark; the same spot shot by 3 users: a landmark."""
    solo = make_photos([("solo", "2024-06-01 10:00", 48.8584, 2.2945)] * 500)
    with_others = make_photos(
        [("solo", "2024-06-01 10:00", 48.8584, 2.2945)] * 500
        + [("a", "2024-06-02 10:00", 48.8584, 2.2945), ("b", "2024-06-03 10:00", 48.8585, 2.2945)]
    )
    lm_solo, labelled = find_landmarks(solo, eps_m=50, min_samples=3, min_users=3)
    assert len(lm_solo) == 0
    assert (labelled["landmark_id"] == -1).all()
    lm, _ = find_landmarks(with_others, eps_m=50, min_samples=3, min_users=3)
    assert len(lm) == 1
    assert lm.loc[0, "n_users"] == 3
    assert lm.loc[0, "n_photos"] == 502


def _city(seed=0):
    """Three spots of different popularity, 2 km apart, plus scattered noise photos."""
    rng = np.random.default_rng(seed)
    spots = [
        (43.6426, -79.3871, 9, "CN Tower"),
        (43.6781, -79.4095, 5, "Casa Loma"),
        (43.6547, -79.4007, 3, "Kensington Market"),
    ]
    rows = []
    for lat, lon, n_users, title in spots:
        for u in range(n_users):
            for k in range(4):
                dlat, dlon = rng.normal(0, 0.0002, 2)
                rows.append(
                    (
                        f"{title[:4]}{u:02d}",
                        f"2024-07-{u + 1:02d} {13 + k // 2}:{15 * k:02d}",
                        lat + dlat,
                        lon + dlon,
                        title if k == 0 else f"IMG_{1000 + k}",
                    )
                )
    for i in range(10):
        rows.append((f"noise{i}", f"2024-07-01 12:{i:02d}", 43.70 + 0.01 * i, -79.30))
    return make_photos(rows)


def test_landmarks_ordered_by_popularity_and_profiled():
    """Ids follow distinct users; names come from titles of ≥ 2 users; profile columns are valid."""
    landmarks, photos = find_landmarks(_city(), eps_m=100, min_samples=4, min_users=3)
    validate_landmarks(landmarks)
    assert list(landmarks["name"]) == ["CN Tower", "Casa Loma", "Kensington Market"]
    assert list(landmarks["n_users"]) == [9, 5, 3]
    assert landmarks["popularity"].tolist() == pytest.approx([1.0, 5 / 9, 3 / 9])
    assert (photos["landmark_id"] == -1).sum() == 10
    # centre near the spot, footprint contains the centre
    assert haversine_m(landmarks.loc[0, "lat"], landmarks.loc[0, "lon"], 43.6426, -79.3871) < 30
    assert landmarks["footprint"].contains(landmarks.geometry).all()
    # local hours: photos at 13:xx-14:xx UTC in July = 09:xx-10:xx in Toronto (UTC-4)
    hourly = np.array(landmarks.loc[0, "hourly"])
    assert hourly[[9, 10]].sum() == pytest.approx(1.0)
    assert np.array(landmarks.loc[0, "monthly"])[6] == pytest.approx(1.0)
    # each user's visit spans 13:00-14:45 → typical stay 105 min
    assert landmarks.loc[0, "stay_min"] == pytest.approx(105.0)
    assert landmarks.loc[0, "cover_photo"] in set(
        photos.loc[photos["landmark_id"] == 0, "photo_id"]
    )


def test_deterministic_under_input_order():
    """Shuffling the rows gives the same landmarks and the same label per photo."""
    photos = _city()
    lm1, p1 = find_landmarks(photos, eps_m=100, min_samples=4, min_users=3)
    shuffled = photos.sample(frac=1.0, random_state=3)
    lm2, p2 = find_landmarks(shuffled, eps_m=100, min_samples=4, min_users=3)
    pd.testing.assert_frame_equal(
        lm1.drop(columns=["geometry", "footprint"]), lm2.drop(columns=["geometry", "footprint"])
    )
    assert lm1.geometry.geom_equals_exact(lm2.geometry, tolerance=1e-12).all()
    assert p1.set_index("photo_id")["landmark_id"].equals(
        p2.set_index("photo_id")["landmark_id"].sort_index()
    )


def test_single_photo_visit_gets_the_stay_floor():
    """Visits of one photo each have span 0: the typical stay is the documented floor."""
    rows = [(f"u{i}", f"2024-05-0{i + 1} 12:00", 51.5007, -0.1246) for i in range(4)]
    lm, _ = find_landmarks(make_photos(rows), eps_m=50, min_samples=2, min_users=3, min_stay_min=15)
    assert lm.loc[0, "stay_min"] == 15


def test_bad_input():
    """Empty photos and missing columns are clear errors; a bad eps is a ValueError."""
    with pytest.raises(NoPhotosError):
        find_landmarks(make_photos([]))
    with pytest.raises(ValidationError, match="lack the columns"):
        find_landmarks(make_photos([("u", "2024-01-01 10:00", 1.0, 1.0)]).drop(columns="user_id"))
    with pytest.raises(ValueError, match="eps_m"):
        find_landmarks(_city(), eps_m=0)


def test_validate_landmarks_catches_broken_tables():
    landmarks, _ = find_landmarks(_city(), eps_m=100, min_samples=4, min_users=3)
    with pytest.raises(ValidationError, match="0..n-1"):
        validate_landmarks(landmarks.iloc[::-1])
    broken = landmarks.copy()
    broken.at[0, "hourly"] = [0.5] * 24
    with pytest.raises(ValidationError, match="hourly"):
        validate_landmarks(broken)
    assert routeplan.find_landmarks is find_landmarks


def test_name_is_the_title_most_photographers_share():
    """Decorated titles vote for the plain name they contain; camera file names never name a place."""
    titles = ["Union Station at night", "Union Station", "At Union Station", "IMG_4821", "DSC01234"]
    rows = [
        (f"u{i}", f"2024-05-0{i + 1} 12:00", 43.6453, -79.3806, t) for i, t in enumerate(titles)
    ]
    lm, _ = find_landmarks(make_photos(rows), eps_m=50, min_samples=2, min_users=3)
    assert lm.loc[0, "name"] == "Union Station"
    unnamed = [
        (f"u{i}", f"2024-05-0{i + 1} 12:00", 43.6453, -79.3806, f"IMG_{i}") for i in range(4)
    ]
    lm, _ = find_landmarks(make_photos(unnamed), eps_m=50, min_samples=2, min_users=3)
    assert lm.loc[0, "name"] == "Landmark 1"
