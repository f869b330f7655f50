"""Visits and trips from labelled photo streams."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import make_photos

from routeplan import ValidationError
from routeplan.visits import find_visits, validate_visits


def _labelled(rows):
    """rows: (user, UTC time, landmark_id). Coordinates are irrelevant here."""
    photos = make_photos([(u, t, 0.0, 0.0) for u, t, _ in rows])
    photos["landmark_id"] = [lid for _, _, lid in rows]
    return photos


def test_runs_become_visits_and_gaps_split_trips():
    """A→A→(noise)→B→B, 9 h pause, B: two trips, three visits; noise between runs is ignored."""
    photos = _labelled(
        [
            ("ann", "2024-06-01 10:00", 0),
            ("ann", "2024-06-01 10:20", 0),
            ("ann", "2024-06-01 10:40", -1),
            ("ann", "2024-06-01 11:00", 1),
            ("ann", "2024-06-01 11:30", 1),
            ("ann", "2024-06-01 20:31", 1),
            ("bob", "2024-06-01 10:05", 1),
        ]
    )
    visits = validate_visits(find_visits(photos, gap_h=8))
    assert visits[["user_id", "trip_id", "landmark_id", "n_photos"]].values.tolist() == [
        ["ann", "ann#1", 0, 2],
        ["ann", "ann#1", 1, 2],
        ["ann", "ann#2", 1, 1],
        ["bob", "bob#1", 1, 1],
    ]
    assert visits.loc[0, "arrived_at"] == pd.Timestamp("2024-06-01 10:00", tz="UTC")
    assert visits.loc[0, "left_at"] == pd.Timestamp("2024-06-01 10:20", tz="UTC")


def test_a_noise_photo_keeps_the_trip_alive():
    """Photos 6 h apart with a noise photo between: one trip (the noise shows the user was out)."""
    photos = _labelled(
        [
            ("ann", "2024-06-01 08:00", 0),
            ("ann", "2024-06-01 14:00", -1),
            ("ann", "2024-06-01 20:00", 1),
        ]
    )
    assert find_visits(photos, gap_h=8)["trip_id"].tolist() == ["ann#1", "ann#1"]
    assert find_visits(photos.drop(index=1), gap_h=8)["trip_id"].tolist() == ["ann#1", "ann#2"]


def test_input_order_does_not_matter():
    rows = [("ann", f"2024-06-01 1{k}:00", k % 2) for k in range(6)]
    a = find_visits(_labelled(rows))
    b = find_visits(_labelled(rows[::-1]))
    pd.testing.assert_frame_equal(a, b)


def test_errors():
    with pytest.raises(ValidationError, match="find_landmarks"):
        find_visits(make_photos([("u", "2024-01-01 10:00", 1.0, 1.0)]))
    with pytest.raises(ValueError, match="gap_h"):
        find_visits(_labelled([("u", "2024-01-01 10:00", 0)]), gap_h=0)
    assert find_visits(_labelled([("u", "2024-01-01 10:00", -1)])).empty


def _walk(rows):
    """rows: (user, UTC time, lat, lon, landmark_id); visits need coordinates for GPS jumps."""
    photos = make_photos([r[:4] for r in rows])
    photos["landmark_id"] = [r[4] for r in rows]
    return photos


def test_an_isolated_gps_jump_is_dropped_not_its_neighbours():
    """A, X (20 km away 5 min later), A: X is a jump (both sides > 150 km/h, A→A is plausible).

    Without the drop, X (at landmark 1) would split A into two visits.
    """
    a, x = (43.65, -79.38), (43.83, -79.38)
    photos = _walk(
        [
            ("ann", "2024-06-01 10:00", *a, 0),
            ("ann", "2024-06-01 10:05", *x, 1),
            ("ann", "2024-06-01 10:10", *a, 0),
        ]
    )
    visits = find_visits(photos)
    assert visits[["landmark_id", "n_photos"]].values.tolist() == [[0, 2]]
    kept = find_visits(photos, max_speed_kmh=float("inf"))
    assert kept["landmark_id"].tolist() == [0, 1, 0]
    # at 300 km/h allowed, 20 km in 5 min (240 km/h) is no jump
    assert find_visits(photos, max_speed_kmh=300)["landmark_id"].tolist() == [0, 1, 0]


def test_a_flight_is_not_a_jump():
    """A, A, then B 20 km away 5 min later, B: one side only is fast (a move), nothing dropped.

    Burst shots a few metres apart in the same second are no jump either.
    """
    a, b = (43.65, -79.38), (43.83, -79.38)
    photos = _walk(
        [
            ("ann", "2024-06-01 10:00", *a, 0),
            ("ann", "2024-06-01 10:00", a[0] + 0.0002, a[1], 0),
            ("ann", "2024-06-01 10:00", *a, 0),
            ("ann", "2024-06-01 10:05", *b, 1),
            ("ann", "2024-06-01 10:30", *b, 1),
        ]
    )
    assert find_visits(photos)[["landmark_id", "n_photos"]].values.tolist() == [[0, 3], [1, 2]]


def test_jumps_are_judged_per_user():
    """Consecutive rows of different users far apart are not a jump (speeds only within a user)."""
    a, x = (43.65, -79.38), (43.83, -79.38)
    photos = _walk(
        [
            ("ann", "2024-06-01 10:00", *a, 0),
            ("bob", "2024-06-01 10:01", *x, 1),
            ("cat", "2024-06-01 10:02", *a, 0),
        ]
    )
    assert find_visits(photos)["user_id"].tolist() == ["ann", "bob", "cat"]


def test_locals_are_flagged_and_optionally_left_out():
    """ann's photos span 30 days (a local, local_days 21); bob's one afternoon (a tourist)."""
    photos = _labelled(
        [
            ("ann", "2024-06-01 10:00", 0),
            ("ann", "2024-07-01 10:00", 1),
            ("bob", "2024-06-01 10:00", 0),
            ("bob", "2024-06-01 12:00", 1),
        ]
    )
    visits = find_visits(photos)
    assert visits.groupby("user_id")["is_local"].all().to_dict() == {"ann": True, "bob": False}
    assert find_visits(photos, exclude_locals=True)["user_id"].tolist() == ["bob", "bob"]
    assert not find_visits(photos, local_days=31)["is_local"].any()
    # an is_local column on the photos (from find_landmarks) is used as given
    flagged = photos.assign(is_local=photos["user_id"] == "bob")
    assert find_visits(flagged, exclude_locals=True)["user_id"].tolist() == ["ann", "ann"]
