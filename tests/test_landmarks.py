"""Landmark clustering: distances, min_users, determinism and the landmark profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import make_photos, offset_east, offset_north

import routeplan
from routeplan import NoPhotosError, ValidationError
from routeplan._geo import haversine_m
from routeplan.landmarks import (
    find_landmarks,
    internal_paths,
    landmarks_from_pois,
    validate_landmarks,
)


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
    """500 photos by one user at one spot: no landmark; the same spot by 3 users: a landmark."""
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
    with pytest.raises(ValidationError, match=r"0\.\.n-1"):
        validate_landmarks(landmarks.iloc[::-1])
    broken = landmarks.copy()
    broken.at[0, "hourly"] = [0.5] * 24
    with pytest.raises(ValidationError, match="hourly"):
        validate_landmarks(broken)
    assert routeplan.find_landmarks is find_landmarks


def test_name_is_the_title_most_photographers_share():
    """Decorated titles vote for the plain name they contain; camera file names name no place."""
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


# --- POI snapping -------------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_photos"
POI_TORO = Path(__file__).resolve().parents[2] / "shared" / "data" / "tour" / "POI-Toro.csv"


def _pois():
    """Three POIs in Toronto, ~1 km apart; POI 'c' has no name."""
    return pd.DataFrame(
        {
            "poiID": ["a", "b", "c"],
            "poiName": ["CN_Tower", "Casa_Loma", ""],
            "lat": [43.6426, 43.6781, 43.6547],
            "long": [-79.3871, -79.4095, -79.4007],
            "theme": ["Amusement", "Cultural", "Shopping"],
        }
    )


def test_landmarks_from_pois_snaps_photos_within_the_radius():
    """Photos 30 m from a POI snap to it; 300 m from all POIs → -1; POIs below min_users vanish.

    CN Tower: 4 users; unnamed POI c: 3 users; Casa Loma: 2 users (no landmark with min_users 3).
    """
    lat_a, lon_a, lat_b, lon_b, lat_c, lon_c = (
        43.6426,
        -79.3871,
        43.6781,
        -79.4095,
        43.6547,
        -79.4007,
    )
    rows = [(f"a{i}", f"2024-06-0{i + 1} 14:00", offset_north(lat_a, 30), lon_a) for i in range(4)]
    rows += [
        (f"b{i}", f"2024-06-0{i + 1} 15:00", lat_b, offset_east(lat_b, lon_b, -30))
        for i in range(2)
    ]
    rows += [
        (f"c{i}", f"2024-06-0{i + 1} 16:00", offset_north(lat_c, -25), lon_c) for i in range(3)
    ]
    rows += [("far", "2024-06-01 17:00", offset_north(lat_a, 300), lon_a)]
    landmarks, photos = landmarks_from_pois(make_photos(rows), _pois(), radius_m=50, min_users=3)
    validate_landmarks(landmarks)
    assert landmarks["name"].tolist() == ["CN Tower", "Landmark 2"]
    assert landmarks["poi_id"].tolist() == ["a", "c"]
    assert landmarks["theme"].tolist() == ["Amusement", "Shopping"]
    assert landmarks["n_users"].tolist() == [4, 3]
    # the centre is the POI itself, and the footprint holds it
    assert landmarks.loc[0, "lat"] == lat_a and landmarks.loc[0, "lon"] == lon_a
    assert landmarks["footprint"].contains(landmarks.geometry).all()
    assert photos["landmark_id"].tolist() == [0] * 4 + [-1] * 2 + [1] * 3 + [-1]
    # a wider radius takes the far photo in too
    _, wide = landmarks_from_pois(make_photos(rows), _pois(), radius_m=400, min_users=3)
    assert wide["landmark_id"].iloc[-1] == 0


@pytest.fixture(scope="module")
def sample_photos():
    """The committed sample folder (953 JPEGs jittered 5-40 m around the IJCAI Toronto POIs)."""
    photos, _ = routeplan.read_photos(SAMPLE)
    return photos


@pytest.mark.skipif(not POI_TORO.is_file(), reason="needs ../shared/data/tour/POI-Toro.csv")
def test_landmarks_from_pois_on_the_sample_photos(sample_photos):
    """End to end: nearly every sample photo snaps within 100 m, and to the POI its title names."""
    landmarks, photos = landmarks_from_pois(sample_photos, POI_TORO, radius_m=100)
    validate_landmarks(landmarks)
    assert (photos["landmark_id"] >= 0).mean() > 0.97
    assert len(landmarks) >= 20
    assert {"CN Tower", "Casa Loma", "Royal Ontario Museum"} <= set(landmarks["name"])
    base = landmarks["name"].str.replace(r" \(.*\)$", "", regex=True).str.casefold()
    titled = photos[photos["title"].notna() & (photos["landmark_id"] >= 0)]
    checked = agree = 0
    for title, lid in zip(titled["title"].str.casefold(), titled["landmark_id"], strict=True):
        named = [i for i, b in enumerate(base) if b in title]
        if named:
            checked += 1
            agree += lid in named
    assert checked > 200
    assert agree / checked > 0.95


def test_find_landmarks_named_by_the_nearest_poi():
    """With pois=, a cluster near a POI takes its name; an unnamed POI keeps the title name.

    No POI near (all moved to 0°N 0°E): the title names, and no poi_id.
    """
    pois = _pois().assign(poiName=["Toronto_CN_Tower", "Casa_Loma_Castle", ""])
    landmarks, _ = find_landmarks(_city(), eps_m=100, min_samples=4, min_users=3, pois=pois)
    validate_landmarks(landmarks)
    assert landmarks["name"].tolist() == [
        "Toronto CN Tower",
        "Casa Loma Castle",
        "Kensington Market",
    ]
    assert landmarks["poi_id"].tolist() == ["a", "b", "c"]
    assert landmarks["theme"].tolist() == ["Amusement", "Cultural", "Shopping"]
    far = pois.assign(lat=[0.0, 0.0, 0.0], long=[0.0, 0.0, 0.0])
    landmarks, _ = find_landmarks(_city(), eps_m=100, min_samples=4, min_users=3, pois=far)
    assert landmarks["name"].tolist() == ["CN Tower", "Casa Loma", "Kensington Market"]
    assert landmarks["poi_id"].isna().all()


def test_tags_name_a_landmark_that_no_title_names():
    """Titles are camera file names; tags (space- or comma-separated) name the spots.

    'toronto' and 'canada' are tagged at all 8 spots (more than a quarter): never a name.
    """
    tags = ["toronto canada cntower", "casa loma, toronto, canada"]
    tags += [f"toronto spot{k} canada" for k in range(2, 8)]
    rows = []
    for s, tag in enumerate(tags):
        lat, lon = 43.60 + 0.01 * s, -79.40
        for u in range(3 + (s == 0)):
            rows.append((f"u{s}{u}", f"2024-06-0{u + 1} 1{s}:00", lat, lon, f"IMG_{u}", tag))
    rows[-1] = (*rows[-1][:5], None)  # one photo without tags
    landmarks, _ = find_landmarks(make_photos(rows), eps_m=50, min_samples=2, min_users=3)
    assert landmarks["name"].tolist()[:3] == ["cntower", "casa loma", "spot2"]
    assert landmarks["name"].tolist()[-1] == "spot7"
    # a title that 2 users share wins over tags
    rows[0] = (*rows[0][:4], "CN Tower", rows[0][5])
    rows[1] = (*rows[1][:4], "CN Tower at dusk", rows[1][5])
    landmarks, _ = find_landmarks(make_photos(rows), eps_m=50, min_samples=2, min_users=3)
    assert landmarks["name"].tolist()[:2] == ["CN Tower", "casa loma"]


def test_naming_scales_to_many_landmarks_and_titles():
    """300 landmarks, 60,000 photos with 20,000 distinct titles: each gets its own name quickly."""
    rng = np.random.default_rng(1)
    n_lm, per = 300, 200
    lid = np.repeat(np.arange(n_lm), per)
    user = rng.integers(0, 5000, lid.size).astype(str)
    title = np.where(
        rng.random(lid.size) < 0.5,
        np.char.add("Spot ", lid.astype(str)),
        np.char.add(np.char.add("Spot ", lid.astype(str)), np.char.add(" view ", user)),
    )
    at = pd.DataFrame({"landmark_id": lid, "user_id": user, "title": title})
    import time

    from routeplan.landmarks import _names

    t0 = time.perf_counter()
    names = _names(at, n_lm)
    assert time.perf_counter() - t0 < 5.0
    assert names[:3] == ["Spot 0", "Spot 1", "Spot 2"]
    assert names[-1] == "Spot 299"


def test_locals_are_flagged_and_can_be_left_out():
    """A user whose photos span 30 days is a local; with exclude_locals they do not count.

    Spot shot by 3 tourists and 1 local: n_users 4 (everybody) or 3 (tourists). A spot shot by
    2 tourists and the local only reaches min_users 3 when locals count.
    """
    a, b = (43.6426, -79.3871), (43.6781, -79.4095)
    rows = [(f"t{i}", f"2024-06-0{i + 1} 10:00", *a) for i in range(3)]
    rows += [(f"t{i}", f"2024-06-0{i + 1} 12:00", *b) for i in range(2)]
    rows += [("local", "2024-06-01 09:00", *a), ("local", "2024-07-01 09:00", *b)]
    photos = make_photos(rows)
    lm, labelled = find_landmarks(photos, eps_m=50, min_samples=1, min_users=3)
    assert labelled.groupby("user_id")["is_local"].first().to_dict() == {
        "local": True,
        "t0": False,
        "t1": False,
        "t2": False,
    }
    assert lm["n_users"].tolist() == [4, 3]
    lm, labelled = find_landmarks(photos, eps_m=50, min_samples=1, min_users=3, exclude_locals=True)
    assert lm["n_users"].tolist() == [3]
    assert lm["popularity"].tolist() == [1.0]
    assert (labelled["landmark_id"] == -1).sum() == 3
    # a longer local_days makes everybody a tourist
    _, labelled = find_landmarks(photos, eps_m=50, min_samples=1, min_users=3, local_days=31)
    assert not labelled["is_local"].any()


def test_internal_paths_follow_the_walk_inside_a_large_landmark():
    """Spots A, B, C 60 m apart in a line form one landmark (eps 100 m); every visitor walks
    A→B→C (one only B→C). C is the most photographed, so spot ids (popularity) differ from the
    walking order. A second, small landmark (all photos on one spot) has no sub-spots.
    """
    lat0, lon0 = 43.6426, -79.3871
    spots = {"A": lat0, "B": offset_north(lat0, 60), "C": offset_north(lat0, 120)}
    small = (43.70, -79.40)
    rows = []
    for u in range(5):
        day = f"2024-06-0{u + 1}"
        walk = "BC" if u == 4 else "ABC"
        for k, name in enumerate(walk):
            n_shots = 4 if name == "C" else 2
            rows += [
                (f"u{u}", f"{day} 10:{10 * k + j:02d}", spots[name], lon0) for j in range(n_shots)
            ]
        rows.append((f"u{u}", f"{day} 15:00", *small))
    photos = make_photos(rows)
    landmarks, labelled = find_landmarks(photos, eps_m=100, min_samples=2, min_users=3)
    assert len(landmarks) == 2
    big = int(labelled.loc[0, "landmark_id"])
    paths = internal_paths(landmarks, labelled, spot_eps_m=20)
    assert set(paths["landmark_id"]) == {big}
    assert paths["order"].tolist() == [0, 1, 2]
    walked = [min(spots, key=lambda s, r=r: abs(spots[s] - r.lat)) for r in paths.itertuples()]
    assert walked == ["A", "B", "C"]
    assert paths["spot_id"].tolist() == [2, 1, 0]  # by popularity: C, B, A; walked A, B, C
    assert paths["n_users"].tolist() == [4, 5, 5]
    assert paths["median_rank"].tolist() == [0.0, 0.5, 1.0]
    # sub-spots wider than the landmark: nothing to split
    assert internal_paths(landmarks, labelled, spot_eps_m=100).empty


def test_snap_m_merges_near_identical_positions():
    """Photos 1 m apart snap to one grid cell with snap_m=10: same landmark, fewer DBSCAN points.

    With min_samples=4 and eps 0.5 m, only snapping makes the 4 photos one neighbourhood.
    """
    step = np.degrees(10 / 6_371_008.8)  # the 10 m grid in latitude
    lat, lon = np.round(43.6426 / step) * step, -79.3871  # on a grid line: offsets < 5 m snap to it
    rows = [(f"u{i}", f"2024-06-0{i + 1} 10:00", offset_north(lat, i * 0.9), lon) for i in range(4)]
    photos = make_photos(rows)
    exact, _ = find_landmarks(photos, eps_m=0.5, min_samples=4, min_users=3)
    snapped, labelled = find_landmarks(photos, eps_m=0.5, min_samples=4, min_users=3, snap_m=10)
    assert len(exact) == 0 and len(snapped) == 1
    assert (labelled["landmark_id"] == 0).all()
    with pytest.raises(ValueError, match="method"):
        find_landmarks(photos, method="optics")


def test_hdbscan_method_finds_the_same_three_landmarks():
    """HDBSCAN (no eps) separates the three spots of the synthetic city, each spot one landmark.

    Having no distance threshold, it may also group the ten scattered one-photo users 1 km apart.
    """
    lm, photos = find_landmarks(_city(), method="hdbscan", min_samples=4, min_users=3)
    assert {3, 5, 9} <= set(lm["n_users"])
    spots = photos[photos["title"].notna() & ~photos["user_id"].str.startswith("noise")]
    assert spots.groupby(spots["user_id"].str[:4])["landmark_id"].nunique().eq(1).all()
    with pytest.raises(ValueError, match="method"):
        find_landmarks(_city(), method="kmeans")
