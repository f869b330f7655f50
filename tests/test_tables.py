"""Tests of routeplan.tables (photo tables), routeplan.privacy and the ``routeplan ingest`` CLI."""

from __future__ import annotations

import csv
import gzip
import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import write_jpeg
from geopandas.testing import assert_geodataframe_equal

from routeplan import InputError
from routeplan.cli import INGEST_PRESETS, main
from routeplan.photos import read_photos, validate_photos
from routeplan.privacy import hash_ids, hash_users
from routeplan.tables import PRESETS, is_table, read_photo_table, read_pois

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FLICKR = DATA / "flickr" / "toronto_flickr_subset.csv"
VISITS_TORO = DATA / "tour" / "userVisits-Toro.csv"
POI_TORO = DATA / "tour" / "POI-Toro.csv"
VISITS_OSAK = DATA / "tour" / "userVisits-Osak.csv"
POI_OSAK = DATA / "tour" / "POI-Osak.csv"

TOKYO = (35.6586, 139.7454)
TORONTO = (43.6426, -79.3871)
NOW = "2024-06-01 12:00"  # fixed "now" for the implausible-date rule


def need(*paths: Path) -> None:
    """Skip when reference data is absent; in CI (CI=true) its absence is a failure."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        message = f"reference data not available: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def write(path: Path, text: str, *, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def reasons(report) -> dict[int, str | None]:
    """Report row number → skip reason (None when read)."""
    rows = report.table["file"].str.rsplit(":", n=1).str[1].astype(int)
    reason = report.table["reason"].astype(object)
    return dict(zip(rows, reason.where(reason.notna(), None), strict=True))


# --- presets on the real files -----------------------------------------------------------------


@pytest.fixture(scope="module")
def flickr():
    need(FLICKR)
    return read_photo_table(FLICKR, preset="yfcc", now=NOW)


def test_yfcc_first_row_local_time_resolved_in_toronto(flickr):
    """Row 1 (id 30117279) was taken 2013-07-16 21:51:25 local (EDT, UTC−4) → 01:51:25Z next day;
    the title 'Ron+Burgundy%21+%23Anchorman' is URL-decoded; accuracy stays a Flickr level."""
    photos, _ = flickr
    row = photos.set_index("photo_id").loc["30117279"]
    assert row["taken_at"] == utc("2013-07-17 01:51:25")
    assert row["user_id"] == "73843395@N00"
    assert row["tz"] == "America/Toronto"
    assert (row["lat"], row["lon"]) == (43.656074, -79.380426)
    assert row["title"] == "Ron Burgundy! #Anchorman"
    assert row["accuracy_level"] == 16
    assert row["source"] == "table"


def test_yfcc_dst_rule_of_the_photo_year(flickr):
    """Row 2 (2006-03-29 20:50:24): before 2007 Toronto's DST began in April → EST (UTC−5)."""
    photos, _ = flickr
    row = photos.set_index("photo_id").loc["90380739"]
    assert row["taken_at"] == utc("2006-03-30 01:50:24")


def test_yfcc_report_accounts_for_every_row_and_the_absurd_dates(flickr):
    """2000 rows: the five taken before 1990 (1905, 1909, ...) are reported, the rest read."""
    photos, report = flickr
    raw = pd.read_csv(FLICKR, dtype=str)
    old = set(np.flatnonzero(pd.to_datetime(raw["date_taken"]) < "1990-01-01") + 1)
    assert len(old) == 5
    assert report.n_files == len(raw) == 2000
    got = reasons(report)
    assert sorted(got) == list(range(1, 2001))
    assert {row for row, reason in got.items() if reason} == old
    assert {got[row] for row in old} == {"implausible date"}
    assert report.n_read == len(photos) == 1995
    assert set(photos["photo_id"]) == set(raw["id"]) - set(
        raw["id"].iloc[sorted(r - 1 for r in old)]
    )
    validate_photos(photos)
    key = photos[["user_id", "taken_at", "photo_id"]]
    assert key.equals(key.sort_values(list(key.columns)).reset_index(drop=True))


def test_uservisits_times_and_poi_coordinates():
    """userVisits: unix seconds are UTC; each photo gets its POI's coordinates, name and theme;
    the 192 Toronto rows dated before 1990 (1903 ...) are reported."""
    need(VISITS_TORO, POI_TORO)
    photos, report = read_photo_table(VISITS_TORO, preset="uservisits", pois=POI_TORO, now=NOW)
    visits = pd.read_csv(VISITS_TORO, sep=";", dtype={"photoID": str, "userID": str})
    pois = pd.read_csv(POI_TORO, sep=";", skipinitialspace=True)
    first = photos.set_index("photo_id").loc["7941504100"]
    assert first["taken_at"] == pd.Timestamp(1346844688, unit="s", tz="UTC")
    poi30 = pois.set_index("poiID").loc[30]
    assert (first["lat"], first["lon"]) == (poi30["lat"], poi30["long"])
    assert first["title"] == "Union Station (Toronto)"
    assert first["poi_id"] == "30" and first["theme"] == "Structure"
    assert first["tz"] == "America/Toronto"

    joined = photos.merge(pois.assign(poi_id=pois["poiID"].astype(str)), on="poi_id")
    assert len(joined) == len(photos)
    assert np.array_equal(joined["lat_x"], joined["lat_y"])
    assert np.array_equal(joined["lon"], joined["long"])

    n_old = int((visits["dateTaken"] < utc("1990-01-01").timestamp()).sum())
    assert n_old == 192
    assert report.n_files == len(visits)
    assert report.counts().to_dict() == {"implausible date": n_old}
    assert len(photos) == len(visits) - n_old
    validate_photos(photos)


def test_uservisits_osaka_poi_names_are_decoded():
    """Osaka POI names are URL-encoded with _ for spaces ('Tenn%C5%8Dji_Zoo' → 'Tennōji Zoo')."""
    need(VISITS_OSAK, POI_OSAK)
    pois = read_pois(POI_OSAK)
    assert pois.loc["3", "name"] == "Tennōji Zoo"
    assert pois.loc["26", "lon"] == 139.7692944  # 'long' with a leading space
    photos, report = read_photo_table(VISITS_OSAK, preset="uservisits", pois=POI_OSAK, now=NOW)
    assert report.n_files == report.n_read == 7747
    assert "Tennōji Zoo" in set(photos["title"])


def test_uservisits_without_pois_is_a_clear_error(tmp_path):
    """The uservisits preset has no coordinates: the error names the POI table it needs."""
    table = write(
        tmp_path / "v.csv", '"photoID";"userID";"dateTaken";"poiID"\n1;"u";1346844688;3\n'
    )
    with pytest.raises(InputError, match="POI table"):
        read_photo_table(table, preset="uservisits")


def test_unknown_poi_is_reported(tmp_path):
    """A photo tied to a POI the POI table lacks is skipped as 'unknown POI'."""
    table = write(
        tmp_path / "v.csv", "photoID;userID;dateTaken;poiID\n1;u;1346844688;1\n2;u;1346844700;9\n"
    )
    pois = write(
        tmp_path / "p.csv", "poiID;poiName;lat;long;theme\n1;CN_Tower;43.6426; -79.3871;Structure\n"
    )
    photos, report = read_photo_table(table, preset="uservisits", pois=pois, now=NOW)
    assert reasons(report) == {1: None, 2: "unknown POI"}
    assert photos["title"].tolist() == ["CN Tower"]


# --- a hand-written table with every kind of bad row --------------------------------------------

BAD_TABLE = """\
id;owner;when;lat;lon;title
a1;ann;1685613600;35.6586;139.7454;"Tower; at night"
a2;ann;2023-06-01 10:00:00;35.6586;139.7454;plain
a3;bob;2023-06-01T10:00:00+09:00;35.6586;139.7454;offset
a4;;2023-06-01 10:00:00;35.6586;139.7454;no user
a5;bob;2023-06-01 10:00:00;abc;139.7454;bad lat
a6;bob;2023-06-01 10:00:00;95.0;139.7454;out of range
a7;bob;2023-06-01 10:00:00;0;0;null island
a8;bob;2023-02-30 10:00:00;35.6586;139.7454;no such day
a9;bob;yesterday;35.6586;139.7454;words
a10;bob;1985-06-01 10:00:00;35.6586;139.7454;too old
a11;bob;2099-01-01 00:00:00;35.6586;139.7454;future
a1;cat;2023-06-02 10:00:00;35.6586;139.7454;duplicate id
a13;bob;2023-06-01 10:00:00;35.6586;139.7454;extra;field
a14;bob;2023-06-01 10:00:00;;139.7454;empty lat
"""

BAD_EXPECTED = {
    1: None,
    2: None,
    3: None,
    4: "missing value",
    5: "invalid GPS: bad value",
    6: "invalid GPS: out of range",
    7: "invalid GPS: (0, 0)",
    8: "invalid timestamp",
    9: "invalid timestamp",
    10: "implausible date",
    11: "implausible date",
    12: "duplicate photo id",
    13: "malformed row",
    14: "missing value",
}


@pytest.fixture
def bad_table(tmp_path):
    """The table above (';'-separated, CRLF, a quoted ';' in row 1) read with Tokyo coordinates."""
    path = write(tmp_path / "bad.csv", BAD_TABLE, newline="\r\n")
    return read_photo_table(
        path, columns={"photo_id": "id", "user_id": "owner", "taken_at": "when"}, now=NOW
    )


def test_every_bad_row_is_reported_with_its_reason(bad_table):
    """Each row once, in order, with the reason of its defect; only rows 1–3 are read."""
    photos, report = bad_table
    assert reasons(report) == BAD_EXPECTED
    assert report.table["file"].tolist()[:2] == ["bad.csv:1", "bad.csv:2"]
    assert report.n_read == len(photos) == 3
    assert report.table.loc[report.table["status"] == "skipped", "detail"].notna().all()
    validate_photos(photos)


def test_bad_rows_details_say_what_was_wrong(bad_table):
    """Details name the column and value (or the earlier row of a duplicate id)."""
    _, report = bad_table
    detail = dict(zip(reasons(report), report.table["detail"], strict=True))
    assert "user_id ('owner')" in detail[4]
    assert "lat='abc'" in detail[5]
    assert "when='yesterday'" in detail[9]
    assert "before 1990-01-01" in detail[10]
    assert "after 2024-06-02" in detail[11]
    assert "already read from row 1" in detail[12]
    assert "expected 6 fields, found 7" in detail[13]


def test_the_three_time_forms(bad_table):
    """Unix seconds (UTC), local text in the zone of the coordinates, text with an offset."""
    photos, report = bad_table
    by_id = photos.set_index("photo_id")
    assert by_id.loc["a1", "taken_at"] == utc("2023-06-01 10:00")  # 1685613600
    assert by_id.loc["a1", "title"] == "Tower; at night"
    assert by_id.loc["a2", "taken_at"] == utc("2023-06-01 01:00")  # 10:00 JST
    assert by_id.loc["a3", "taken_at"] == utc("2023-06-01 01:00")
    assert set(by_id["tz"]) == {"Asia/Tokyo"}
    details = report.table["detail"].tolist()[:3]
    assert [
        "unix" in details[0],
        "zone of the coordinates" in details[1],
        "offset" in details[2],
    ] == [True] * 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-01T10:00:00Z", "2023-06-01 10:00"),
        ("2023-06-01 10:00:00 UTC", "2023-06-01 10:00"),
        ("2023-06-01T15:30:00+0530", "2023-06-01 10:00"),
        ("2023-06-01 06:00:00-04:00", "2023-06-01 10:00"),
        ("2023:06:01 06:00:00", "2023-06-01 10:00"),  # EXIF style, EDT
        ("2023/06/01 06:00", "2023-06-01 10:00"),
        ("2023-06-01T06:00:00.250", "2023-06-01 10:00:00.250"),
        ("2023-01-15", "2023-01-15 05:00"),  # midnight EST
        ("1685613600.5", "2023-06-01 10:00:00.500"),
    ],
)
def test_time_text_forms(tmp_path, text, expected):
    """Each accepted form of taken_at, for a photo in Toronto."""
    path = write(
        tmp_path / "t.csv",
        f"photo_id,user_id,taken_at,lat,lon\np,u,{text},{TORONTO[0]},{TORONTO[1]}\n",
    )
    photos, report = read_photo_table(path, now=NOW)
    assert report.n_read == 1, report.table.to_dict("records")
    assert photos["taken_at"].iloc[0] == utc(expected)


@pytest.mark.parametrize(
    "text", ["16/07/2013 10:00", "2023-13-01 10:00", "2023-06-01 24:00", "2023-06-01 10:00+25:00"]
)
def test_ambiguous_or_impossible_times_are_invalid(tmp_path, text):
    """Day-first dates are not guessed; impossible months and hours are invalid."""
    path = write(
        tmp_path / "t.csv",
        f"photo_id,user_id,taken_at,lat,lon\np,u,{text},{TORONTO[0]},{TORONTO[1]}\n",
    )
    _, report = read_photo_table(path, now=NOW)
    assert reasons(report) == {1: "invalid timestamp"}


def test_given_zone_resolves_wall_times_but_tz_column_stays_the_coordinates(tmp_path):
    """tz='Asia/Tokyo': 10:00 → 01:00Z even in Toronto; the tz column says America/Toronto."""
    path = write(
        tmp_path / "t.csv",
        f"photo_id,user_id,taken_at,lat,lon\np,u,2023-06-01 10:00,{TORONTO[0]},{TORONTO[1]}\n",
    )
    photos, report = read_photo_table(path, tz="Asia/Tokyo", now=NOW)
    assert photos["taken_at"].iloc[0] == utc("2023-06-01 01:00")
    assert photos["tz"].iloc[0] == "America/Toronto"
    assert "Asia/Tokyo" in report.table["detail"].iloc[0]
    with pytest.raises(InputError, match="IANA"):
        read_photo_table(path, tz="Mars/Olympus")


def test_quoted_line_break_and_malformed_rows_keep_row_numbers(tmp_path):
    """A title with a line break is one row; rows after a malformed one keep their numbers."""
    path = write(
        tmp_path / "t.csv",
        "photo_id,user_id,taken_at,lat,lon,title\n"
        'p1,u,1685613600,35.6,139.7,"two\nlines"\n'
        "p2,u,1685613600,35.6\n"
        "p3,u,1685613600,35.6,139.7,x\n",
    )
    photos, report = read_photo_table(path, now=NOW)
    assert reasons(report) == {1: None, 2: "malformed row", 3: None}
    assert photos.set_index("photo_id").loc["p1", "title"] == "two\nlines"


# --- formats, mappings, errors -------------------------------------------------------------------


def test_gzip_and_tab_separated_give_the_same_photos(tmp_path):
    """The same rows as CSV, gzip'd CSV and TSV (separator sniffed) read identically."""
    rows = [
        ["photo_id", "user_id", "taken_at", "lat", "lon"],
        ["p1", "u1", "2023-06-01 10:00", str(TOKYO[0]), str(TOKYO[1])],
        ["p2", "u2", "1685613600", str(TORONTO[0]), str(TORONTO[1])],
    ]
    plain = write(tmp_path / "a.csv", "\n".join(",".join(r) for r in rows) + "\n")
    with gzip.open(tmp_path / "a.csv.gz", "wt") as fh:
        fh.write(plain.read_text())
    tsv = write(tmp_path / "a.tsv", "\n".join("\t".join(r) for r in rows) + "\n")
    expected, _ = read_photo_table(plain, now=NOW)
    assert len(expected) == 2
    for other in (tmp_path / "a.csv.gz", tsv):
        got, _ = read_photo_table(other, now=NOW)
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(expected))


def test_custom_column_mapping(tmp_path):
    """Our names map to any column names; optional title, tags and accuracy_m are kept."""
    path = write(
        tmp_path / "t.csv",
        "pid,who,ts,y,x,caption,kw,acc,other\n"
        f"p1,alice,1685613600,{TOKYO[0]},{TOKYO[1]},Tower,a b,12.5,zzz\n",
    )
    columns = {
        "photo_id": "pid",
        "user_id": "who",
        "taken_at": "ts",
        "lat": "y",
        "lon": "x",
        "title": "caption",
        "tags": "kw",
        "accuracy_m": "acc",
    }
    photos, _ = read_photo_table(path, columns=columns, now=NOW)
    row = photos.iloc[0]
    assert (row["photo_id"], row["user_id"], row["title"], row["tags"]) == (
        "p1",
        "alice",
        "Tower",
        "a b",
    )
    assert (row["lat"], row["lon"], row["accuracy_m"]) == (TOKYO[0], TOKYO[1], 12.5)
    assert "other" not in photos.columns


def test_missing_column_error_lists_the_table_columns(tmp_path):
    """A mapped column that does not exist, a required key without a column, an unknown key."""
    path = write(tmp_path / "t.csv", "pid,who,ts,y,x\np1,alice,1685613600,35.6,139.7\n")
    with pytest.raises(InputError, match=r"no column\(s\) 'nope'.*pid, who, ts, y, x"):
        read_photo_table(path, columns={"photo_id": "nope"})
    with pytest.raises(InputError, match=r"photo_id, user_id, taken_at, lat, lon.*pid, who, ts"):
        read_photo_table(path)
    with pytest.raises(InputError, match="unknown column key"):
        read_photo_table(path, columns={"photo": "pid"})
    with pytest.raises(InputError, match="unknown preset"):
        read_photo_table(path, preset="flickr")
    with pytest.raises(InputError, match="does not exist"):
        read_photo_table(tmp_path / "none.csv")


def test_parquet_round_trip(flickr, tmp_path):
    """photos → GeoParquet → read_photo_table gives the same photos (identity mapping)."""
    photos, _ = flickr
    path = tmp_path / "photos.parquet"
    photos.to_parquet(path)
    back, report = read_photo_table(path, now=NOW)
    assert report.n_files == report.n_read == len(photos)
    assert_geodataframe_equal(back, photos, check_dtype=True)


def test_plain_parquet_with_numbers_and_naive_timestamps(tmp_path):
    """Integer ids become text, naive timestamps are local wall times; a GeoParquet without lat/lon
    takes the position from its point geometry."""
    frame = pd.DataFrame(
        {
            "photo_id": [1, 2],
            "user_id": [7, 7],
            "taken_at": pd.to_datetime(["2023-06-01 10:00", "2023-06-01 11:00"]),
            "lat": [TOKYO[0], np.nan],
            "lon": [TOKYO[1], TOKYO[1]],
        }
    )
    path = tmp_path / "plain.parquet"
    frame.to_parquet(path)
    photos, report = read_photo_table(path, now=NOW)
    assert reasons(report) == {1: None, 2: "missing value"}
    assert photos["photo_id"].tolist() == ["1"] and photos["user_id"].tolist() == ["7"]
    assert photos["taken_at"].iloc[0] == utc("2023-06-01 01:00")

    geo = gpd.GeoDataFrame(
        frame.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy([TOKYO[1], TORONTO[1]], [TOKYO[0], TORONTO[0]]),
        crs="EPSG:4326",
    )
    geo.to_parquet(tmp_path / "geo.parquet")
    photos, _ = read_photo_table(tmp_path / "geo.parquet", now=NOW)
    assert photos.set_index("photo_id")["tz"].to_dict() == {
        "1": "Asia/Tokyo",
        "2": "America/Toronto",
    }
    assert photos.set_index("photo_id").loc["2", "lat"] == TORONTO[0]


def test_is_table_and_cli_presets():
    """Tables are recognised by suffix; the CLI offers exactly the library's presets."""
    assert is_table("x.csv") and is_table("X.CSV.GZ") and is_table("a.parquet")
    assert not is_table("photo.jpg") and not is_table(Path(__file__).parent)
    assert set(INGEST_PRESETS) == set(PRESETS)


# --- privacy -----------------------------------------------------------------------------------


def test_hash_users_same_user_same_hash_other_salt_other_hash(bad_table):
    """Hashes are per user, depend on the salt, and leave no original id behind."""
    photos, _ = bad_table
    one = hash_users(photos, salt="s1")
    two = hash_users(photos, salt="s2")
    assert one["user_id"].tolist()[:2] == [one["user_id"].iloc[0]] * 2  # ann, ann
    assert one["user_id"].nunique() == photos["user_id"].nunique()
    assert set(one["user_id"]).isdisjoint(two["user_id"])
    assert set(one["user_id"]).isdisjoint(photos["user_id"])
    assert one["user_id"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert one["photo_id"].tolist() == photos["photo_id"].tolist()  # table ids are not paths
    assert hash_ids(pd.Series(["ann"]), salt="s1").iloc[0] == one["user_id"].iloc[0]
    with pytest.raises(InputError, match="salt"):
        hash_users(photos, salt="")


def test_hash_users_on_folder_photos_hashes_the_user_folder(tmp_path):
    """'alice/p.jpg' → '<hash of alice>/p.jpg'; path is dropped; trips keep their number."""
    write_jpeg(
        tmp_path / "alice" / "p.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
    )
    photos, _ = read_photos(tmp_path)
    hashed = hash_users(photos, salt="pepper")
    user = hashed["user_id"].iloc[0]
    assert hashed["photo_id"].iloc[0] == f"{user}/p.jpg"
    assert "path" not in hashed.columns
    validate_photos(hashed)
    visits = pd.DataFrame({"user_id": ["alice"], "trip_id": ["alice#3"]})
    assert hash_users(visits, salt="pepper")["trip_id"].iloc[0] == f"{user}#3"


# --- routeplan ingest ----------------------------------------------------------------------------


def test_ingest_folder_writes_geoparquet_and_a_report_row_per_file(tmp_path, capsys):
    """Two photos and a text file: GeoParquet with 2 photos, a CSV report with 3 rows."""
    root = tmp_path / "in"
    write_jpeg(
        root / "alice" / "a.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
    )
    write_jpeg(
        root / "bob" / "b.jpg", lat=TORONTO[0], lon=TORONTO[1], dt_original="2023:06:01 10:00:00"
    )
    write(root / "notes.txt", "hello")
    out = tmp_path / "photos.parquet"
    assert main(["ingest", str(root), "-o", str(out)]) == 0
    photos = gpd.read_parquet(out)
    validate_photos(photos)
    assert sorted(photos["user_id"]) == ["alice", "bob"]
    report = pd.read_csv(tmp_path / "photos.report.csv")
    assert len(report) == 3 and report["status"].tolist().count("read") == 2
    printed = capsys.readouterr().out
    assert "3 file(s), 2 read, 1 skipped" in printed and "not a photo file" in printed


def test_ingest_table_with_json_report(tmp_path, capsys):
    """A table: one JSON report record per row, the read rows in the GeoParquet file."""
    table = write(tmp_path / "bad.csv", BAD_TABLE)
    out, rep = tmp_path / "o.parquet", tmp_path / "r.json"
    code = main(
        [
            "ingest",
            str(table),
            "-o",
            str(out),
            "--report",
            str(rep),
            "--sep",
            ";",
            "--columns",
            "photo_id=id,user_id=owner,taken_at=when",
            "--tz",
            "Asia/Tokyo",
        ]
    )
    assert code == 0
    records = json.loads(rep.read_text(encoding="utf-8"))
    assert len(records) == len(BAD_EXPECTED)
    assert [r["reason"] for r in records] == list(BAD_EXPECTED.values())
    photos = gpd.read_parquet(out)
    assert len(photos) == sum(r["status"] == "read" for r in records)
    assert "14 row(s)" in capsys.readouterr().out


def test_ingest_hash_users_leaves_no_original_id(tmp_path):
    """--hash-users: neither the GeoParquet file nor the report holds a user folder name."""
    root = tmp_path / "in"
    for user in ("alice_smith", "bob_jones"):
        write_jpeg(
            root / user / "a.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
        )
    out = tmp_path / "o.parquet"
    assert main(["ingest", str(root), "-o", str(out), "--hash-users", "salt"]) == 0
    blob = out.read_bytes() + (tmp_path / "o.report.csv").read_bytes()
    assert b"alice_smith" not in blob and b"bob_jones" not in blob
    photos = gpd.read_parquet(out)
    assert photos["user_id"].nunique() == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--pois", "POI.csv"], "poi_id"),
        (["--user-from", "artist"], "--user-from is for photo folders"),
        (["--columns", "photo_id=nope"], "no column"),
        (["--hash-users", ""], "SALT"),
    ],
)
def test_ingest_table_mistakes_exit_2(tmp_path, capsys, extra, message):
    """User mistakes give one line on stderr and exit status 2."""
    table = write(
        tmp_path / "t.csv", "photo_id,user_id,taken_at,lat,lon\np,u,1685613600,35.6,139.7\n"
    )
    assert main(["ingest", str(table), "-o", str(tmp_path / "o.parquet"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("routeplan: error:") and message in err and "\n" not in err


def test_ingest_folder_mistakes_exit_2(tmp_path, capsys):
    """Table options on a folder, a wrong output suffix, a folder without usable photos."""
    root = tmp_path / "in"
    write(root / "u" / "x.txt", "no photo")
    cases = [
        (["--preset", "yfcc", "-o", str(tmp_path / "o.parquet")], "apply to photo tables"),
        (["-o", str(tmp_path / "o.csv")], ".parquet"),
        (["-o", str(tmp_path / "o.parquet")], "no usable photo"),
    ]
    for extra, message in cases:
        assert main(["ingest", str(root), *extra]) == 2
        err = capsys.readouterr().err
        assert message in err, err
    assert not (tmp_path / "o.parquet").exists()
    report = (tmp_path / "o.report.csv").read_text(encoding="utf-8")
    assert len(list(csv.reader(report.splitlines()))) == 2  # header + 1 file


def test_bom_spaced_header_and_header_only_table(tmp_path):
    """A UTF-8 BOM and spaces around header names are ignored; a header-only table gives an
    empty photos table (every contract column) and an empty report."""
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbfphoto_id, user_id ,taken_at,lat,lon\r\np,u,1685613600,35.6,139.7\r\n"
    )
    photos, report = read_photo_table(path, now=NOW)
    assert photos["user_id"].tolist() == ["u"] and report.n_read == 1
    empty = write(tmp_path / "empty.csv", "photo_id,user_id,taken_at,lat,lon\n")
    photos, report = read_photo_table(empty, now=NOW)
    assert len(photos) == 0 and report.n_files == 0
    validate_photos(photos)
