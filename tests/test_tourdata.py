"""routeplan.tourdata: the CIKM'16 / IJCAI'15 trip datasets and routeplan's visits as TourData.

The real files live at ``../shared/data/tour`` from the repository root (see its README for the
sizes checked here). Without them the real-data tests are skipped, except in CI (env ``CI`` set),
where they fail. The truth of every trip is re-derived here with the csv module, following the rule
of ``../shared/tools/score_tour.py`` (which is not imported).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point
from shared_data import TOUR
from shared_data import in_ci as _in_ci

from routeplan import InputError, ValidationError
from routeplan.tourdata import (
    TourData,
    Trip,
    read_trajectories,
    read_user_visits,
    tour_data_from_visits,
)

#: city code, trips, trips with >= 3 distinct POIs, POIs of poi-*.csv, POIs of POI-*.csv
CITIES = [("Osak", 1115, 47, 27, 29), ("Toro", 6057, 335, 29, 30)]


@pytest.fixture(scope="module")
def tour_dir() -> Path:
    """The real data directory; a skip (locally) or a failure (CI) when it is missing."""
    if not (TOUR / "traj-Osak.csv").is_file():
        message = f"the tour datasets are not at {TOUR} (see ../shared/data/README.md)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return TOUR


def _write(path: Path, text: str, *, crlf: bool = False) -> Path:
    """Write ``text`` (lines joined with CRLF when ``crlf``) as UTF-8 bytes, verbatim."""
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    return path


# --- real data ---------------------------------------------------------------------------------


def _scorer_truth(traj_csv: Path) -> dict[str, list[int]]:
    """score_tour.py's truth: rows grouped by trajID, each trip stably sorted on startTime."""
    visits: dict[str, list[tuple[float, int]]] = {}
    with open(traj_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            visits.setdefault(str(row["trajID"]), []).append(
                (float(row["startTime"]), int(float(row["poiID"])))
            )
    return {t: [p for _, p in sorted(v, key=lambda x: x[0])] for t, v in visits.items()}


@pytest.mark.parametrize(("city", "n_trips", "n_queries", "n_pois", "_"), CITIES)
def test_trajectories_have_the_published_sizes_and_the_scorer_truth(
    tour_dir, city, n_trips, n_queries, n_pois, _
):
    """Sizes as in the README, nothing dropped, and every trip's POIs equal the scorer's truth."""
    data = read_trajectories(tour_dir / f"traj-{city}.csv", tour_dir / f"poi-{city}.csv")
    assert data.source == "trajectories"
    assert data.dropped == {}
    assert len(data.trips) == n_trips
    assert len(data.queries()) == n_queries
    assert len(data.pois) == n_pois
    truth = _scorer_truth(tour_dir / f"traj-{city}.csv")
    assert {t.trip_id: list(t.pois) for t in data.trips} == truth
    assert {t.trip_id for t in data.queries()} == {t for t, s in truth.items() if len(set(s)) >= 3}
    ids = [int(t.trip_id) for t in data.trips]
    assert ids == sorted(ids)
    assert all((t.visit_s >= 0).all() and (np.diff(t.arrived_s) >= 0).all() for t in data.trips)


@pytest.mark.parametrize(("city", "n_trips", "n_queries", "_", "n_pois"), CITIES)
def test_user_visits_collapse_to_the_cikm_trips(tour_dir, city, n_trips, n_queries, _, n_pois):
    """Photo runs make as many trips (and queries) as traj-*.csv; keeping each POI's first visit
    gives exactly the CIKM trip, with its first/last photo times and photo count summed."""
    data = read_user_visits(tour_dir / f"userVisits-{city}.csv", tour_dir / f"POI-{city}.csv")
    traj = read_trajectories(tour_dir / f"traj-{city}.csv", tour_dir / f"poi-{city}.csv")
    assert data.source == "user-visits"
    assert data.dropped == {}
    assert (len(data.trips), len(data.queries()), len(data.pois)) == (n_trips, n_queries, n_pois)
    with open(tour_dir / f"userVisits-{city}.csv", newline="") as fh:
        n_photos = sum(1 for _ in fh) - 1
    assert sum(int(t.n_photos.sum()) for t in data.trips) == n_photos
    assert sum(len(t.pois) for t in data.trips) > sum(len(t.pois) for t in traj.trips)  # revisits
    for ours, cikm in zip(data.trips, traj.trips, strict=True):
        assert (ours.trip_id, ours.user_id) == (cikm.trip_id, cikm.user_id)
        assert tuple(dict.fromkeys(ours.pois)) == cikm.pois
        first = [ours.pois.index(p) for p in cikm.pois]
        assert ours.arrived_s[first].tolist() == cikm.arrived_s.tolist()
    assert all(isinstance(n, str) and "%" not in n for n in data.pois["name"])


# --- IJCAI'15 format on an inline file ---------------------------------------------------------

POI_IJCAI = (
    "poiID;poiName;lat;long;theme\n"
    "1;Tenn%C5%8Dji_Zoo;34.652556; 135.508496;Amusement\n"
    "2;Osaka_Castle;34.68722; 135.52583;Park\n"
    "3;Namba;34.66722; 135.50028;Entertainment\n"
)


def test_user_visits_grouping(tmp_path, caplog):
    """CRLF + quoted fields; photos of seq 7 out of time order in the file; A B A stays three
    visits; a run's arrived/left/n_photos are its first/last photo and count; a time tie keeps
    file order; trip ids sort numerically (7 before 10); names are URL-decoded; a leading space
    before the longitude is ignored."""
    visits = _write(
        tmp_path / "userVisits-X.csv",
        '"photoID";"userID";"dateTaken";"poiID";"poiTheme";"poiFreq";"seqID"\n'
        '101;"u1";1000;1;"Amusement";5;10\n'
        '102;"u1";1100;1;"Amusement";5;10\n'
        '201;"u2";530;1;"Amusement";5;7\n'  # after 502 and 501 in time
        '202;"u2";500;2;"Park";5;7\n'
        '203;"u2";520;2;"Park";5;7\n'  # 500 < 520 < 530: visit at 2 spans 500-520
        '204;"u2";600;2;"Park";5;7\n'  # back at 2 after 1: a third visit
        '205;"u2";600;3;"Entertainment";5;7\n',  # same second as 204: file order kept (2, 3)
        crlf=True,
    )
    pois = _write(tmp_path / "POI-X.csv", POI_IJCAI, crlf=True)
    with caplog.at_level(logging.WARNING, logger="routeplan.tourdata"):
        data = read_user_visits(visits, pois)
    assert not caplog.records
    assert data.dropped == {}
    assert [t.trip_id for t in data.trips] == ["7", "10"]
    seven, ten = data.trips
    assert seven.user_id == "u2"
    assert seven.pois == (2, 1, 2, 3)
    assert seven.arrived_s.tolist() == [500.0, 530.0, 600.0, 600.0]
    assert seven.left_s.tolist() == [520.0, 530.0, 600.0, 600.0]
    assert seven.n_photos.tolist() == [2, 1, 1, 1]
    assert seven.duration_s == 100.0
    assert ten.pois == (1,) and ten.n_photos.tolist() == [2] and ten.visit_s.tolist() == [100.0]
    assert data.pois.loc[1, "name"] == "Tennōji_Zoo"
    assert data.pois.loc[1, "lon"] == pytest.approx(135.508496)
    assert data.pois["category"].tolist() == ["Amusement", "Park", "Entertainment"]
    assert data.pois.index.tolist() == [1, 2, 3]
    assert [t.trip_id for t in data.queries()] == ["7"]
    assert data.queries(min_distinct=1) == list(data.trips)


def test_user_visits_key_on_user_and_seq_when_a_seq_id_is_shared(tmp_path):
    """seqID 1 used by two users: two trips "a#1" and "b#1", not one mixed trip."""
    visits = _write(
        tmp_path / "v.csv",
        '"photoID";"userID";"dateTaken";"poiID";"poiTheme";"poiFreq";"seqID"\n'
        '1;"b";10;1;"x";1;1\n'
        '2;"a";20;2;"x";1;1\n'
        '3;"a";30;3;"x";1;1\n',
    )
    data = read_user_visits(visits, _write(tmp_path / "p.csv", POI_IJCAI))
    assert [(t.trip_id, t.user_id, t.pois) for t in data.trips] == [
        ("a#1", "a", (2, 3)),
        ("b#1", "b", (1,)),
    ]


# --- CIKM'16 format: bad input -----------------------------------------------------------------

TRAJ_HEADER = "userID,trajID,poiID,startTime,endTime,#photo,trajLen,poiDuration\n"
POI_CIKM = "poiID,poiCat,poiLon,poiLat\n1,Park,135.0,34.0\n2,Park,135.0,35.0\n3,Sport,135.5,34.5\n"


def _cikm(tmp_path: Path, rows: str, pois: str = POI_CIKM) -> tuple[Path, Path]:
    return (
        _write(tmp_path / "traj-X.csv", TRAJ_HEADER + rows),
        _write(tmp_path / "poi-X.csv", pois),
    )


def test_trajectories_sort_visits_stably_by_start_time(tmp_path):
    """Rows out of order are sorted by startTime; the 100/100 tie keeps file order (3 then 1)."""
    traj, pois = _cikm(
        tmp_path,
        "u,9,2,300,310,2,3,10\nu,9,3,100,100,1,3,0\nu,9,1,100,150,4,3,50\nv,10,1,5,5,1,1,0\n",
    )
    data = read_trajectories(traj, pois)
    nine, ten = data.trips
    assert (nine.trip_id, nine.pois) == ("9", (3, 1, 2))
    assert nine.n_photos.tolist() == [1, 4, 2]
    assert nine.visit_s.tolist() == [0.0, 50.0, 10.0]
    assert nine.duration_s == 210.0
    assert (ten.trip_id, ten.user_id) == ("10", "v")
    assert data.pois.loc[2, ["lat", "lon", "name"]].tolist() == [35.0, 135.0, ""]
    with pytest.raises(ValueError, match="read-only"):
        nine.arrived_s[0] = 0.0


def test_missing_files_name_the_path(tmp_path):
    """A missing trips, visits or POI file is an InputError quoting its path."""
    traj, pois = _cikm(tmp_path, "u,1,1,0,0,1,1,0\n")
    absent = tmp_path / "nope" / "traj-Y.csv"
    with pytest.raises(InputError, match=r"nope.+traj-Y\.csv"):
        read_trajectories(absent, pois)
    with pytest.raises(InputError, match=r"poi-Y\.csv"):
        read_trajectories(traj, tmp_path / "poi-Y.csv")
    with pytest.raises(InputError, match=r"userVisits-Y\.csv"):
        read_user_visits(tmp_path / "userVisits-Y.csv", tmp_path / "POI-Y.csv")


def test_missing_columns_are_named_with_the_expected_format(tmp_path):
    """A file without startTime (or with the other dataset's separator) is a ValidationError
    naming the missing columns and the expected header."""
    traj = _write(tmp_path / "traj.csv", "userID,trajID,poiID,endTime,#photo\nu,1,1,0,1\n")
    pois = _write(tmp_path / "poi.csv", POI_CIKM)
    with pytest.raises(ValidationError, match=r"startTime.*userID,trajID,poiID,startTime"):
        read_trajectories(traj, pois)
    good, _ = _cikm(tmp_path, "u,1,1,0,0,1,1,0\n")
    no_lat = _write(tmp_path / "poi2.csv", "poiID,poiCat,poiLon\n1,Park,135.0\n")
    with pytest.raises(ValidationError, match=r"poi2\.csv lacks the column\(s\) poiLat"):
        read_trajectories(good, no_lat)
    # the CIKM POI file given to the IJCAI reader: one ','-joined column under ';'
    visits = _write(tmp_path / "v.csv", "photoID;userID;dateTaken;poiID;seqID\n1;u;0;1;1\n")
    with pytest.raises(ValidationError, match=r"poiID, poiName, lat, long.*','-separated"):
        read_user_visits(visits, pois)
    no_seq = _write(tmp_path / "v2.csv", "photoID;userID;dateTaken;poiID\n1;u;0;1\n")
    with pytest.raises(ValidationError, match=r"seqID.*photoID;userID;dateTaken"):
        read_user_visits(no_seq, _write(tmp_path / "P.csv", POI_IJCAI))


def test_unknown_pois_are_dropped_and_reported(tmp_path, caplog):
    """Visits at POIs 7 (twice) and 8 are dropped: counted as unknown_poi 3, and one warning
    gives the count and the ids; the rest of the trip is kept."""
    traj, pois = _cikm(
        tmp_path, "u,1,1,0,0,1,4,0\nu,1,7,10,10,1,4,0\nu,1,8,20,20,1,4,0\nu,1,7,30,30,1,4,0\n"
    )
    with caplog.at_level(logging.WARNING, logger="routeplan.tourdata"):
        data = read_trajectories(traj, pois)
    assert data.dropped == {"unknown_poi": 3}
    assert data.trips[0].pois == (1,)
    [record] = caplog.records
    assert "dropped 3" in record.getMessage() and "7, 8" in record.getMessage()


def test_unparseable_values_and_out_of_range_coordinates_are_dropped(tmp_path, caplog):
    """A non-numeric time, a non-integer POI id, an empty user and a visit ending before it
    starts are dropped; POI 2 at lat 91 and POI 3 with lon 'east' are dropped, so the visit at
    POI 2 becomes an unknown POI. Each reason is counted and warned about."""
    pois = POI_CIKM.replace("135.0,35.0", "135.0,91").replace("135.5,34.5", "east,34.5")
    traj, poi_csv = _cikm(
        tmp_path,
        "u,1,1,0,0,1,1,0\n"
        "u,1,1,abc,5,1,1,0\n"
        "u,1,1.5,10,10,1,1,0\n"
        ",1,1,10,10,1,1,0\n"
        "u,1,1,50,40,1,1,0\n"
        "u,1,2,60,60,1,1,0\n",
        pois,
    )
    with caplog.at_level(logging.WARNING, logger="routeplan.tourdata"):
        data = read_trajectories(traj, poi_csv)
    assert data.dropped == {
        "poi_out_of_range": 1,
        "poi_bad_value": 1,
        "bad_value": 3,
        "left_before_arrived": 1,
        "unknown_poi": 1,
    }
    assert data.pois.index.tolist() == [1]
    assert data.trips[0].pois == (1,)
    messages = " | ".join(r.getMessage() for r in caplog.records)
    for reason in data.dropped:
        assert f"[{reason}]" in messages


def test_empty_files_and_no_trip_left_are_input_errors(tmp_path):
    """A 0-byte file, a header without rows, a file whose every row is dropped, no valid POI, and
    a row with more fields than the header (first row or later) are InputErrors."""
    traj, pois = _cikm(tmp_path, "u,1,9,0,0,1,1,0\n")
    with pytest.raises(InputError, match="no trip left"):
        read_trajectories(traj, pois)
    with pytest.raises(InputError, match="is empty"):
        read_trajectories(_write(tmp_path / "empty.csv", ""), pois)
    with pytest.raises(InputError, match="no row"):
        read_trajectories(_write(tmp_path / "header.csv", TRAJ_HEADER), pois)
    with pytest.raises(InputError, match="no usable POI"):
        read_trajectories(
            traj, _write(tmp_path / "p.csv", "poiID,poiCat,poiLon,poiLat\n1,x,0,95\n")
        )
    for rows in ("u,1,1,0,0,1,1,0,9\n", "u,1,1,0,0,1,1,0\nu,1,1,0,0,1,1,0,9\n"):
        long_row, _ = _cikm(tmp_path, rows)
        with pytest.raises(InputError, match="cannot read the CIKM'16 trips file"):
            read_trajectories(long_row, pois)


def test_duplicate_poi_ids_are_a_validation_error(tmp_path):
    """POI 2 twice (once as "2.0") in either POI format."""
    traj, _ = _cikm(tmp_path, "u,1,1,0,0,1,1,0\n")
    dup = _write(tmp_path / "poi-d.csv", POI_CIKM + "2.0,Park,135.1,34.1\n")
    with pytest.raises(ValidationError, match=r"repeats the POI id.* 2"):
        read_trajectories(traj, dup)
    visits = _write(
        tmp_path / "v.csv", "photoID;userID;dateTaken;poiID;poiTheme;poiFreq;seqID\n1;u;0;1;x;1;1\n"
    )
    with pytest.raises(ValidationError, match="repeats the POI id"):
        read_user_visits(visits, _write(tmp_path / "P.csv", POI_IJCAI + "2;Again;1;1;Park\n"))


# --- TourData helpers --------------------------------------------------------------------------


def test_distance_poi_index_queries_and_without(tmp_path):
    """POIs 1 and 2 are one degree of latitude apart (111.195 km on the 6,371.0088 km sphere);
    the matrix is symmetric with a zero diagonal, in poi_index order; without() drops one trip and
    shares the POI table."""
    traj, pois = _cikm(
        tmp_path, "u,1,1,0,0,1,1,0\nu,2,1,0,0,1,3,0\nu,2,2,5,5,1,3,0\nu,2,3,9,9,1,3,0\n"
    )
    data = read_trajectories(traj, pois)
    dist = data.distance_km()
    index = data.poi_index()
    assert index == {1: 0, 2: 1, 3: 2}
    assert dist.shape == (3, 3)
    assert dist[index[1], index[2]] == pytest.approx(111.195, abs=0.001)
    np.testing.assert_allclose(dist, dist.T)
    assert np.diag(dist).tolist() == [0.0, 0.0, 0.0]
    assert [t.trip_id for t in data.queries()] == ["2"]
    rest = data.without(2)
    assert [t.trip_id for t in rest.trips] == ["1"] and rest.pois is data.pois
    assert len(data.trips) == 2
    with pytest.raises(InputError, match="no trip '5'"):
        data.without("5")


def test_trip_ids_sort_as_text_when_not_all_integers():
    """Trip ids "b", "a#2", "10" are not all integers: sorted as text."""
    visits = pd.DataFrame(
        {
            "user_id": ["x", "y", "z"],
            "trip_id": ["b", "a#2", "10"],
            "landmark_id": [0, 0, 0],
            "arrived_at": pd.to_datetime(["2024-01-01"] * 3, utc=True),
            "left_at": pd.to_datetime(["2024-01-01"] * 3, utc=True),
            "n_photos": [1, 1, 1],
        }
    )
    landmarks = pd.DataFrame({"landmark_id": [0], "lat": [1.0], "lon": [2.0]})
    data = tour_data_from_visits(visits, landmarks)
    assert [t.trip_id for t in data.trips] == ["10", "a#2", "b"]
    assert data.pois.loc[0, ["category", "name"]].tolist() == ["", ""]


def test_trip_rejects_arrays_of_other_lengths():
    """pois and times must line up."""
    with pytest.raises(ValidationError, match="same"):
        Trip("1", "u", (1, 2), np.zeros(2), np.zeros(1), np.ones(2, dtype=int))


# --- routeplan's own visits --------------------------------------------------------------------


def test_tour_data_from_visits():
    """Visits out of order become trips in arrival order, times as unix seconds (a naive time
    read as UTC); landmarks come from a projected GeoDataFrame (theme → category); the visit at
    landmark 9 (absent) is dropped and counted."""
    t = pd.Timestamp("2024-05-01 10:00", tz="Europe/Paris")  # 08:00 UTC
    t0 = t.timestamp()
    visits = pd.DataFrame(
        {
            "user_id": ["ann", "ann", "ann", "bob"],
            "trip_id": ["ann#1", "ann#1", "ann#1", "bob#1"],
            "landmark_id": [1, 0, 9, 1],
            "arrived_at": [t + pd.Timedelta("1h"), t, t, t],
            "left_at": [t + pd.Timedelta("2h"), t + pd.Timedelta("30min"), t, t],
            "n_photos": [3, 2, 1, 1],
            "is_local": [False] * 4,
        }
    )
    landmarks = gpd.GeoDataFrame(
        {"landmark_id": [1, 0], "name": ["Tower", None], "theme": ["Structure", None]},
        geometry=[Point(2.2945, 48.8584), Point(2.3376, 48.8606)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    data = tour_data_from_visits(visits, landmarks)
    assert data.source == "visits"
    assert data.dropped == {"unknown_poi": 1}
    ann, bob = data.trips
    assert (ann.trip_id, ann.user_id, ann.pois) == ("ann#1", "ann", (0, 1))
    assert ann.arrived_s.tolist() == [t0, t0 + 3600]
    assert ann.left_s.tolist() == [t0 + 1800, t0 + 7200]
    assert ann.n_photos.tolist() == [2, 3]
    assert bob.pois == (1,)
    assert data.pois.index.tolist() == [0, 1]
    assert data.pois["name"].tolist() == ["", "Tower"]
    assert data.pois["category"].tolist() == ["", "Structure"]
    assert data.pois.loc[1, "lat"] == pytest.approx(48.8584)
    assert data.pois.loc[1, "lon"] == pytest.approx(2.2945)

    naive = visits.assign(
        arrived_at=visits["arrived_at"].dt.tz_convert("UTC").dt.tz_localize(None),
        left_at=visits["left_at"].dt.tz_convert("UTC").dt.tz_localize(None),
    )
    again = tour_data_from_visits(naive, landmarks)
    assert again.trips[0].arrived_s.tolist() == ann.arrived_s.tolist()


def test_tour_data_from_visits_errors():
    """Missing visit columns name them; a landmarks table without coordinates or with a repeated
    id is a ValidationError; no visit left is an InputError."""
    visits = pd.DataFrame(
        {
            "user_id": ["u"],
            "trip_id": ["u#1"],
            "landmark_id": [0],
            "arrived_at": [pd.Timestamp("2024-01-01", tz="UTC")],
            "left_at": [pd.Timestamp("2024-01-01", tz="UTC")],
            "n_photos": [1],
        }
    )
    landmarks = pd.DataFrame({"landmark_id": [0], "lat": [1.0], "lon": [2.0]})
    with pytest.raises(ValidationError, match="left_at, n_photos"):
        tour_data_from_visits(visits.drop(columns=["left_at", "n_photos"]), landmarks)
    with pytest.raises(ValidationError, match="lat/lon"):
        tour_data_from_visits(visits, landmarks.drop(columns="lat"))
    with pytest.raises(ValidationError, match="repeats the POI id"):
        tour_data_from_visits(visits, pd.concat([landmarks, landmarks]))
    with pytest.raises(InputError, match="no trip left"):
        tour_data_from_visits(visits.assign(landmark_id=[5]), landmarks)
    by_index = tour_data_from_visits(visits, landmarks.set_index("landmark_id"))
    assert isinstance(by_index, TourData) and by_index.trips[0].pois == (0,)
