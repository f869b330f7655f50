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
