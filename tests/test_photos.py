"""Tests of routeplan.photos (EXIF ingestion) and routeplan._timezones."""

from __future__ import annotations

import logging
import os
import random
import signal
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import piexif
import pytest
from conftest import write_jpeg

import routeplan.photos
from routeplan import InputError, ValidationError
from routeplan._timezones import localize_wall_times, nautical_zone, zones_at
from routeplan.photos import REQUIRED_COLUMNS, IngestReport, read_photos, validate_photos

TOKYO = (35.6586, 139.7454)
TORONTO = (43.6426, -79.3871)
RIO = (-22.9519, -43.2105)
SYDNEY = (-33.8568, 151.2153)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def read_one(tmp_path: Path, **exif) -> tuple[gpd.GeoDataFrame, IngestReport]:
    """Write one photo at tmp_path/u/p.jpg with the given EXIF and read the folder."""
    write_jpeg(tmp_path / "u" / "p.jpg", **exif)
    return read_photos(tmp_path)


def taken_at(tmp_path: Path, **exif) -> pd.Timestamp:
    """The taken_at of one photo at Tokyo-or-given coordinates; fails if it was skipped."""
    photos, report = read_one(tmp_path, **exif)
    assert report.n_read == 1, report.table.to_dict("records")
    return photos["taken_at"].iloc[0]


def skip_reason(tmp_path: Path, **exif) -> str:
    """The skip reason of one photo; fails if it was read."""
    photos, report = read_one(tmp_path, **exif)
    assert len(photos) == 0
    return report.table["reason"].iloc[0]


# --- time resolution ---------------------------------------------------------------------------


def test_offset_tag_gives_exact_instant(tmp_path):
    """10:00 at +09:00 in Tokyo is 01:00 UTC; tz is the zone of the coordinates."""
    photos, report = read_one(
        tmp_path, lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00", offset="+09:00"
    )
    assert photos["taken_at"].iloc[0] == utc("2023-06-01 01:00")
    assert photos["tz"].iloc[0] == "Asia/Tokyo"
    assert "offset tag" in report.table["detail"].iloc[0]


def test_offset_tag_wins_over_gps_and_zone(tmp_path):
    """A camera on London time (+01:00) in Tokyo: the offset tag, not the zone, sets the instant."""
    t = taken_at(
        tmp_path,
        lat=TOKYO[0],
        lon=TOKYO[1],
        dt_original="2023:06:01 02:00:00",
        offset="+01:00",
        gps_date="2023:06:01",
        gps_time="01:00:30",
    )
    assert t == utc("2023-06-01 01:00")


def test_gps_stamp_without_offset_tag(tmp_path):
    """Camera clock on London time in Tokyo, no offset tag: the GPS stamp (UTC) is used."""
    t = taken_at(
        tmp_path,
        lat=TOKYO[0],
        lon=TOKYO[1],
        dt_original="2023:06:01 03:00:00",
        gps_date="2023:06:01",
        gps_time="02:00:15",
    )
    assert t == utc("2023-06-01 02:00:15")  # the zone of the coordinates would give 05-31 18:00


def test_gps_stamp_alone_is_used_as_is(tmp_path):
    """No local wall time at all: GPS date + time are the instant."""
    t = taken_at(tmp_path, lat=TOKYO[0], lon=TOKYO[1], gps_date="2023:06:02", gps_time="23:59:59")
    assert t == utc("2023-06-02 23:59:59")


@pytest.mark.parametrize(
    ("where", "local", "gps_date", "gps_time", "expected"),
    [
        # GPS date one day late beside a right local time in Tokyo (UTC+9)
        (TOKYO, "2023:06:01 10:00:00", "2023:06:02", "01:00:00", "2023-06-01 01:00"),
        # GPS date one day early in Toronto (UTC-4)
        (TORONTO, "2023:06:01 20:30:00", "2023:05:31", "00:30:00", "2023-06-02 00:30"),
        # a right GPS date on the previous UTC day is kept (offset −9 h is a real offset)
        (TOKYO, "2023:06:01 08:00:00", "2023:05:31", "23:00:00", "2023-05-31 23:00"),
        # GPS date off by years: snapped to the local date
        (TOKYO, "2023:06:01 10:00:00", "2000:01:01", "01:00:00", "2023-06-01 01:00"),
        # GPS time without date: combined with the local date, snapped back one day
        (TOKYO, "2023:06:01 08:00:00", None, "23:00:00", "2023-05-31 23:00"),
        # +13 h (New Zealand summer time) is within ±14 h, so it is not snapped
        ((-36.85, 174.76), "2023:01:02 13:00:00", "2023:01:02", "00:00:00", "2023-01-02 00:00"),
    ],
)
def test_wrong_gps_date_is_snapped_to_local_time(
    tmp_path, where, local, gps_date, gps_time, expected
):
    """The GPS date is shifted by whole days so that GPS − local lies within ±14 h."""
    t = taken_at(
        tmp_path,
        lat=where[0],
        lon=where[1],
        dt_original=local,
        gps_date=gps_date,
        gps_time=gps_time,
    )
    assert t == utc(expected)


def test_zone_of_coordinates_when_no_offset_nor_gps_time(tmp_path):
    """Noon on 1 July in Toronto (EDT, UTC−4) is 16:00 UTC; in January (EST) 17:00."""
    assert taken_at(
        tmp_path, lat=TORONTO[0], lon=TORONTO[1], dt_original="2023:07:01 12:00:00"
    ) == utc("2023-07-01 16:00")
    assert taken_at(
        tmp_path, lat=TORONTO[0], lon=TORONTO[1], dt_original="2023:01:15 12:00:00"
    ) == utc("2023-01-15 17:00")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2023:03:12 01:59:00", "2023-03-12 06:59"),  # before the gap: EST
        ("2023:03:12 02:30:00", "2023-03-12 07:00"),  # in the gap: shifted forward to 03:00 EDT
        ("2023:03:12 03:00:00", "2023-03-12 07:00"),  # first wall time after the gap
        ("2023:03:13 12:00:00", "2023-03-13 16:00"),  # the day after spring-forward: EDT
        ("2023:11:05 00:59:00", "2023-11-05 04:59"),  # before the repeat: EDT
        ("2023:11:05 01:30:00", "2023-11-05 05:30"),  # ambiguous: first occurrence (EDT)
        ("2023:11:05 02:00:00", "2023-11-05 07:00"),  # after the repeat: EST
        ("2023:11:06 12:00:00", "2023-11-06 17:00"),  # the day after fall-back: EST
    ],
)
def test_dst_edges_in_toronto(tmp_path, local, expected):
    """Documented DST choices: gap → shift forward, repeat → daylight-saving occurrence."""
    t = taken_at(tmp_path, lat=TORONTO[0], lon=TORONTO[1], dt_original=local)
    assert t == utc(expected)


def test_datetime_digitized_and_offset_time_fallbacks(tmp_path):
    """Without DateTimeOriginal, DateTimeDigitized is the local time; OffsetTime its offset."""
    t = taken_at(
        tmp_path,
        lat=TOKYO[0],
        lon=TOKYO[1],
        extra={
            "Exif": {
                piexif.ExifIFD.DateTimeDigitized: b"2023:06:01 10:00:00",
                piexif.ExifIFD.OffsetTime: b"+02:00",
            }
        },
    )
    assert t == utc("2023-06-01 08:00")


def test_invalid_original_falls_back_to_image_datetime(tmp_path):
    """A zeroed DateTimeOriginal next to a valid Image DateTime uses the latter (Tokyo zone)."""
    t = taken_at(
        tmp_path,
        lat=TOKYO[0],
        lon=TOKYO[1],
        dt_original="0000:00:00 00:00:00",
        extra={"0th": {piexif.ImageIFD.DateTime: b"2023:06:01 09:00:00"}},
    )
    assert t == utc("2023-06-01 00:00")


@pytest.mark.parametrize(
    ("exif", "reason"),
    [
        ({}, "no timestamp"),
        ({"dt_original": "    :  :     :  :  "}, "no timestamp"),
        ({"dt_original": "0000:00:00 00:00:00"}, "invalid timestamp"),
        ({"dt_original": "2023:02:30 10:00:00"}, "invalid timestamp"),
        ({"dt_original": "2023:06:01 25:00:00"}, "invalid timestamp"),
        ({"dt_original": "yesterday"}, "invalid timestamp"),
        ({"gps_date": "2023:06:01"}, "no timestamp"),
    ],
)
def test_missing_or_impossible_timestamps_are_skipped(tmp_path, exif, reason):
    """A photo with a position but no usable time is skipped with the right reason."""
    assert skip_reason(tmp_path, lat=TOKYO[0], lon=TOKYO[1], **exif) == reason


def test_invalid_offset_tag_is_ignored(tmp_path):
    """An offset beyond ±14 h is not an offset: the zone of the coordinates applies."""
    t = taken_at(
        tmp_path, lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00", offset="+25:00"
    )
    assert t == utc("2023-06-01 01:00")


# --- GPS parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", [TOKYO, TORONTO, RIO, SYDNEY])
def test_gps_signs_follow_the_refs(tmp_path, where):
    """N/S and E/W refs give the signs back: all four quadrants round-trip to 1e-6 degrees."""
    photos, _ = read_one(
        tmp_path, lat=where[0], lon=where[1], dt_original="2023:06:01 10:00:00", offset="+00:00"
    )
    assert photos["lat"].iloc[0] == pytest.approx(where[0], abs=1e-6)
    assert photos["lon"].iloc[0] == pytest.approx(where[1], abs=1e-6)
    point = photos.geometry.iloc[0]
    assert (point.x, point.y) == (photos["lon"].iloc[0], photos["lat"].iloc[0])


def test_southern_western_point_and_altitude(tmp_path):
    """Rio: S/W refs make both negative; its zone is America/Sao_Paulo; altitude below 0 kept."""
    photos, _ = read_one(
        tmp_path, lat=RIO[0], lon=RIO[1], alt=-12.5, dt_original="2023:06:01 10:00:00"
    )
    row = photos.iloc[0]
    assert row["lat"] < 0 and row["lon"] < 0
    assert row["tz"] == "America/Sao_Paulo"
    assert row["alt_m"] == pytest.approx(-12.5)
    assert row["taken_at"] == utc("2023-06-01 13:00")  # UTC−3


def test_dms_arithmetic(tmp_path):
    """35° 39' 31" N, 139° 44' 43.5" E is (35.658611, 139.745417)."""
    photos, _ = read_one(
        tmp_path,
        lat=1.0,
        lon=1.0,
        dt_original="2023:06:01 10:00:00",
        raw_gps={
            piexif.GPSIFD.GPSLatitude: ((35, 1), (39, 1), (31, 1)),
            piexif.GPSIFD.GPSLongitude: ((139, 1), (44, 1), (435, 10)),
        },
    )
    assert photos["lat"].iloc[0] == pytest.approx(35 + 39 / 60 + 31 / 3600, abs=1e-12)
    assert photos["lon"].iloc[0] == pytest.approx(139 + 44 / 60 + 43.5 / 3600, abs=1e-12)


@pytest.mark.parametrize(
    ("exif", "reason"),
    [
        ({"lat": 0.0, "lon": 0.0}, "invalid GPS: (0, 0)"),
        ({"lat": 91.0, "lon": 10.0}, "invalid GPS: out of range"),
        ({"lat": 10.0, "lon": -181.0}, "invalid GPS: out of range"),
        (
            {"lat": 10.0, "lon": 10.0, "raw_gps": {2: ((10, 1), (75, 1), (0, 1))}},
            "invalid GPS: out of range",  # 75 minutes
        ),
        (
            {"lat": 10.0, "lon": 10.0, "raw_gps": {2: ((35, 1), (0, 0), (0, 1))}},
            "invalid GPS: zero denominator",
        ),
        (
            {"lat": 10.0, "lon": 10.0, "raw_gps": {4: ((0, 0), (0, 0), (0, 0))}},
            "invalid GPS: zero denominator",
        ),
        ({"lat": 10.0, "lon": 10.0, "raw_gps": {1: None}}, "invalid GPS: missing ref"),
        ({"lat": 10.0, "lon": 10.0, "raw_gps": {3: b""}}, "invalid GPS: missing ref"),
        ({"lat": 10.0, "lon": 10.0, "raw_gps": {1: b"X"}}, "invalid GPS: bad value"),
        (
            {"lat": 10.0, "lon": 10.0, "raw_gps": {2: ((1, 1), (2, 1), (3, 1), (4, 1))}},
            "invalid GPS: bad value",
        ),
        ({"lat": 10.0}, "no GPS"),
        ({}, "no GPS"),
    ],
)
def test_bad_gps_is_rejected_with_its_reason(tmp_path, exif, reason):
    """Each way GPS can be broken has its own skip reason."""
    assert skip_reason(tmp_path, dt_original="2023:06:01 10:00:00", **exif) == reason


def test_gps_reason_comes_before_timestamp_reason(tmp_path):
    """No GPS and no time: the GPS reason is reported."""
    assert skip_reason(tmp_path, make="Canon") == "no GPS"


# --- bad apples, report -----------------------------------------------------------------------


def test_bad_apples_are_reported_and_none_lost(tmp_path, caplog):
    """Every file gets one report row with its reason; nothing raises; exifread stays quiet."""
    good = write_jpeg(
        tmp_path / "a" / "good.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
    )
    data = good.read_bytes()
    (tmp_path / "a" / "truncated.jpg").write_bytes(data[:30])
    (tmp_path / "a" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe1" + bytes(range(256)) * 3)
    (tmp_path / "a" / "text.jpg").write_text("not an image at all\n")
    (tmp_path / "a" / "empty.JPG").write_bytes(b"")
    (tmp_path / "a" / "notes.txt").write_text("hello\n")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    write_jpeg(tmp_path / "a" / "nogps.jpg", dt_original="2023:06:01 10:00:00")
    write_jpeg(tmp_path / "a" / "zero.jpg", lat=1.0, lon=1.0, dt_original="0000:00:00 00:00:00")
    write_jpeg(tmp_path / "b" / "noexif.jpeg")

    caplog.set_level(logging.DEBUG)
    photos, report = read_photos(tmp_path)

    reasons = dict(zip(report.table["file"], report.table["reason"], strict=True))
    assert reasons == {
        ".DS_Store": "not a photo file",
        "a/corrupt.jpg": reasons["a/corrupt.jpg"],
        "a/empty.JPG": "unreadable",
        "a/good.jpg": None,
        "a/nogps.jpg": "no GPS",
        "a/notes.txt": "not a photo file",
        "a/text.jpg": "unreadable",
        "a/truncated.jpg": "unreadable",
        "a/zero.jpg": "invalid timestamp",
        "b/noexif.jpeg": "no EXIF",
    }
    assert reasons["a/corrupt.jpg"] in {"unreadable", "no EXIF"}
    assert list(report.table["file"]) == sorted(reasons)
    assert report.n_files == 10 and report.n_read == 1 and report.n_skipped == 9
    assert list(photos["photo_id"]) == ["a/good.jpg"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert report.counts().to_dict() == {
        "unreadable": 3 + (reasons["a/corrupt.jpg"] == "unreadable"),
        "not a photo file": 2,
        "invalid timestamp": 1,
        "no GPS": 1,
        **({"no EXIF": 2} if reasons["a/corrupt.jpg"] == "no EXIF" else {"no EXIF": 1}),
    }
    assert report.table.loc[report.table["status"] == "skipped", "reason"].notna().all()


def test_randomly_corrupted_files_never_raise(tmp_path):
    """40 JPEGs with random bytes flipped and random truncation: all reported, no exception."""
    data = write_jpeg(
        tmp_path / "src.jpg",
        lat=TOKYO[0],
        lon=TOKYO[1],
        dt_original="2023:06:01 10:00:00",
        offset="+09:00",
        gps_date="2023:06:01",
        gps_time="01:00:00",
        make="Canon",
    ).read_bytes()
    rng = random.Random(42)
    folder = tmp_path / "fuzz"
    folder.mkdir()
    for i in range(40):
        blob = bytearray(data)
        for _ in range(rng.randrange(1, 30)):
            blob[rng.randrange(2, len(blob))] = rng.randrange(256)
        (folder / f"f{i:02d}.jpg").write_bytes(bytes(blob[: rng.randrange(4, len(blob) + 1)]))
    photos, report = read_photos(folder)
    assert report.n_files == 40
    assert report.n_read == len(photos)
    validate_photos(photos)


def test_a_file_truncated_after_its_exif_is_read(tmp_path):
    """EXIF intact but image data cut: position and time are still known, so the photo is read."""
    data = write_jpeg(
        tmp_path / "src.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
    ).read_bytes()
    (tmp_path / "src.jpg").write_bytes(data[: len(data) // 2])
    photos, _ = read_photos(tmp_path)
    assert len(photos) == 1


def test_report_summary_and_csv(tmp_path):
    """summary() lists totals and reasons; to_csv writes one row a file."""
    write_jpeg(
        tmp_path / "u" / "a.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
    )
    write_jpeg(tmp_path / "u" / "b.jpg", dt_original="2023:06:01 10:00:00")
    (tmp_path / "u" / "c.txt").write_text("x")
    _, report = read_photos(tmp_path)
    text = report.summary()
    assert text.splitlines()[0].endswith("3 file(s) under " + str(tmp_path) + ": 1 read, 2 skipped")
    assert "no GPS" in text and "u/b.jpg" in text
    report.to_csv(tmp_path / "report.csv")
    back = pd.read_csv(tmp_path / "report.csv")
    assert list(back.columns) == ["file", "status", "reason", "detail"]
    assert list(back["status"]) == ["read", "skipped", "skipped"]


# --- users, paths, shapes ---------------------------------------------------------------------


def test_user_from_folder_and_root_files(tmp_path):
    """Users are first-level folders; a file directly in the root belongs to the root's name."""
    root = tmp_path / "trip"
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "offset": "+09:00"}
    write_jpeg(root / "bob" / "deep" / "x.jpg", dt_original="2023:06:01 12:00:00", **kw)
    write_jpeg(root / "alice" / "y.jpg", dt_original="2023:06:01 11:00:00", **kw)
    write_jpeg(root / "alice" / "a.jpg", dt_original="2023:06:01 11:00:00", **kw)
    write_jpeg(root / "alice" / "z.jpg", dt_original="2023:06:01 09:00:00", **kw)
    write_jpeg(root / "loose.jpg", dt_original="2023:06:01 10:00:00", **kw)
    photos, _ = read_photos(root)
    assert list(photos["photo_id"]) == [
        "alice/z.jpg",
        "alice/a.jpg",  # same time as y.jpg: photo_id breaks the tie
        "alice/y.jpg",
        "bob/deep/x.jpg",
        "loose.jpg",
    ]
    assert list(photos["user_id"]) == ["alice", "alice", "alice", "bob", "trip"]
    assert list(photos.index) == list(range(5))


def test_user_from_artist_and_serial_fall_back_to_folder(tmp_path):
    """Artist/BodySerialNumber name the user when present, else the folder does."""
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "dt_original": "2023:06:01 10:00:00"}
    write_jpeg(tmp_path / "f1" / "a.jpg", artist="Ann Lee\x00\x00 ", **kw)
    write_jpeg(
        tmp_path / "f1" / "b.jpg", extra={"Exif": {piexif.ExifIFD.BodySerialNumber: b"SN123"}}, **kw
    )
    by_artist, _ = read_photos(tmp_path, user_from="artist")
    assert dict(zip(by_artist["photo_id"], by_artist["user_id"], strict=True)) == {
        "f1/a.jpg": "Ann Lee",
        "f1/b.jpg": "f1",
    }
    by_serial, _ = read_photos(tmp_path, user_from="serial")
    assert dict(zip(by_serial["photo_id"], by_serial["user_id"], strict=True)) == {
        "f1/a.jpg": "f1",
        "f1/b.jpg": "SN123",
    }
    with pytest.raises(InputError, match="user_from"):
        read_photos(tmp_path, user_from="camera")


def test_optional_columns(tmp_path):
    """camera is "Make Model", title the description, text stripped, source "exif", abs. path."""
    photos, _ = read_one(
        tmp_path,
        lat=TOKYO[0],
        lon=TOKYO[1],
        dt_original="2023:06:01 10:00:00",
        make="Canon ",
        model="EOS R5",
        description="  Tokyo Tower \x00",
        artist="Ann",
    )
    row = photos.iloc[0]
    assert row["camera"] == "Canon EOS R5"
    assert row["title"] == "Tokyo Tower"
    assert row["artist"] == "Ann"
    assert row["source"] == "exif"
    assert row["path"] == str((tmp_path / "u" / "p.jpg").absolute())
    assert pd.isna(row["alt_m"])


def test_single_file_and_non_recursive(tmp_path):
    """A file path reads that file (user = its folder); recursive=False ignores sub-folders."""
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "dt_original": "2023:06:01 10:00:00"}
    one = write_jpeg(tmp_path / "me" / "one.jpg", **kw)
    write_jpeg(tmp_path / "me" / "sub" / "two.jpg", **kw)
    photos, report = read_photos(one)
    assert list(photos["photo_id"]) == ["one.jpg"] and list(photos["user_id"]) == ["me"]
    assert list(report.table["file"]) == ["one.jpg"]
    flat, flat_report = read_photos(tmp_path / "me", recursive=False)
    assert list(flat["photo_id"]) == ["one.jpg"] and flat_report.n_files == 1


def test_empty_folder_gives_empty_frame_with_contract(tmp_path):
    """No files: empty photos with every column and dtype, empty report, no exception."""
    full, _ = read_one(
        tmp_path / "full", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:01 10:00:00"
    )
    (tmp_path / "empty").mkdir()
    photos, report = read_photos(tmp_path / "empty")
    assert len(photos) == 0 and report.n_files == 0
    assert list(photos.columns) == list(full.columns)
    assert photos.dtypes.astype(str).to_dict() == full.dtypes.astype(str).to_dict()
    assert photos.crs == "EPSG:4326"
    assert report.counts().empty
    validate_photos(photos)


def test_missing_path_raises_input_error(tmp_path):
    """A path that does not exist is the user's error, named in the message."""
    with pytest.raises(InputError, match="does not exist"):
        read_photos(tmp_path / "nope")


# --- validate_photos --------------------------------------------------------------------------


@pytest.fixture
def good_photos(tmp_path) -> gpd.GeoDataFrame:
    """Two valid photos read from EXIF."""
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "offset": "+09:00"}
    write_jpeg(tmp_path / "u" / "a.jpg", dt_original="2023:06:01 10:00:00", **kw)
    write_jpeg(tmp_path / "u" / "b.jpg", dt_original="2023:06:01 11:00:00", **kw)
    photos, _ = read_photos(tmp_path)
    return photos


def test_validate_accepts_read_photos(good_photos):
    """The output of read_photos passes and is returned as is."""
    assert validate_photos(good_photos) is good_photos


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        (lambda p: p.drop(columns="tz"), "lacks the column"),
        (lambda p: p.assign(lat=[95.0, 35.0]), "outside"),
        (lambda p: p.assign(taken_at=p["taken_at"].dt.tz_localize(None)), "time-zone aware"),
        (lambda p: p.assign(taken_at=p["taken_at"].dt.tz_convert("Asia/Tokyo")), "UTC"),
        (lambda p: p.assign(photo_id=["x", "x"]), "unique"),
        (lambda p: p.assign(tz=["Asia/Tokyo", "Mars/Olympus"]), "unknown time zone"),
        (lambda p: p.assign(user_id=[1, 2]), "text"),
        (lambda p: p.assign(lon=[139.0, 139.7454]), "geometry differs"),
        (lambda p: p.set_crs(3857, allow_override=True), "EPSG:4326"),
        (lambda p: pd.DataFrame(p), "GeoDataFrame"),
        (lambda p: p.assign(lat=[np.nan, 35.0]), "missing value"),
    ],
)
def test_validate_catches_broken_frames(good_photos, breaks, message):
    """Each broken contract raises ValidationError with a message naming the problem."""
    with pytest.raises(ValidationError, match=message):
        validate_photos(breaks(good_photos.copy()))


# --- _timezones ---------------------------------------------------------------------------------


def test_nautical_zone_signs():
    """Etc zones use the POSIX sign: 135°E is Etc/GMT-9, 75°W is Etc/GMT+5."""
    assert list(nautical_zone([135.0, -75.0, 3.0, 180.0, -180.0])) == [
        "Etc/GMT-9",
        "Etc/GMT+5",
        "Etc/GMT",
        "Etc/GMT-12",
        "Etc/GMT+12",
    ]


def test_zones_at_dedupes_and_covers_the_sea():
    """Land points get their IANA zone; mid-Atlantic gets an Etc zone; repeated points agree."""
    zones = zones_at([TOKYO[0], 0.0, TOKYO[0] + 1e-6], [TOKYO[1], -30.0, TOKYO[1]])
    assert zones[0] == zones[2] == "Asia/Tokyo"
    assert zones[1].startswith("Etc/GMT")


def test_localize_wall_times_groups_by_zone():
    """Each wall time is localised in its own zone; NaT stays NaT."""
    wall = pd.Series(pd.to_datetime(["2023-06-01 10:00", "2023-06-01 10:00", None]))
    zones = pd.Series(["Asia/Tokyo", "Europe/Paris", "Asia/Tokyo"])
    out = localize_wall_times(wall, zones)
    assert out.iloc[0] == utc("2023-06-01 01:00")
    assert out.iloc[1] == utc("2023-06-01 08:00")
    assert pd.isna(out.iloc[2])
    assert str(out.dtype) == "datetime64[ns, UTC]"


def test_required_columns_constant():
    """The contract columns are the ones documented in DESIGN.md."""
    assert REQUIRED_COLUMNS == ("photo_id", "user_id", "taken_at", "tz", "lat", "lon")


# --- file formats -------------------------------------------------------------------------------


def _exif_bytes(lat: float, lon: float, when: str) -> bytes:
    """piexif EXIF with N/E position (lat, lon as whole degrees) and DateTimeOriginal."""
    return piexif.dump(
        {
            "Exif": {
                piexif.ExifIFD.DateTimeOriginal: when.encode(),
                piexif.ExifIFD.OffsetTimeOriginal: b"+09:00",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((int(lat), 1), (0, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((int(lon), 1), (0, 1), (0, 1)),
            },
        }
    )


def test_png_exif_is_read(tmp_path):
    """exifread reads the eXIf chunk of PNG files, so a PNG with GPS is a photo."""
    from PIL import Image

    (tmp_path / "u").mkdir()
    Image.new("RGB", (8, 8)).save(
        tmp_path / "u" / "p.png",
        format="PNG",
        exif=_exif_bytes(35, 139, "2023:06:01 10:00:00"),
    )
    photos, report = read_photos(tmp_path)
    assert report.table["reason"].tolist() == [None]
    assert (photos["lat"].iloc[0], photos["lon"].iloc[0]) == (35.0, 139.0)
    assert photos["taken_at"].iloc[0] == utc("2023-06-01 01:00")


@pytest.mark.parametrize(
    ("name", "content", "detail"),
    [
        ("a.jxl", b"\xff\x0a" + bytes(64), "bare JPEG XL codestream"),
        ("a.cr3", b"\x00\x00\x00\x18ftypcrx " + bytes(64), "brand 'crx'"),
        ("a.heic", b"\x00\x00\x00\x18ftypheix" + bytes(64), "brand 'heix'"),
        ("a.raf", b"FUJIFILMCCD-RAW 0201FF383501" + bytes(64), "Fujifilm RAF"),
        ("a.jpg", b"GIF89a" + bytes(64), "GIF"),
        ("a.tif", b"II+\x00" + bytes(64), "BigTIFF"),
    ],
)
def test_formats_exifread_cannot_read_are_unsupported(tmp_path, name, content, detail):
    """Image files exifread cannot read are "unsupported format" (not unreadable, not "not a
    photo file"), with the format named in the detail."""
    (tmp_path / name).write_bytes(content)
    _, report = read_photos(tmp_path)
    row = report.table.iloc[0]
    assert row["reason"] == "unsupported format"
    assert detail in row["detail"]


def test_webp_exif_exifread_misreads_is_unsupported(tmp_path):
    """A WebP with an EXIF chunk as the WebP spec writes it (no "Exif" prefix), which exifread
    3.5 decodes as nothing, is "unsupported format", not a misleading "no EXIF"."""
    from PIL import Image

    Image.new("RGB", (8, 8)).save(
        tmp_path / "a.webp", format="WEBP", exif=_exif_bytes(35, 139, "2023:06:01 10:00:00")
    )
    photos, report = read_photos(tmp_path)
    if len(photos):  # a future exifread reads it: then it must be right
        assert photos["lat"].iloc[0] == 35.0
    else:
        assert report.table["reason"].iloc[0] == "unsupported format"


# --- plausible dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exif", "reason"),
    [
        ({"dt_original": "1970:01:01 00:00:00", "offset": "+00:00"}, "implausible date"),
        ({"dt_original": "1989:12:31 23:00:00", "offset": "+00:00"}, "implausible date"),
        ({"dt_original": "1970:01:01 09:00:00"}, "implausible date"),  # zone of Tokyo
        ({"gps_date": "1980:01:06", "gps_time": "00:00:00"}, "implausible date"),  # GPS epoch
        ({"dt_original": "2000:01:01 00:00:00", "offset": "+00:00"}, None),  # factory default, kept
        ({"dt_original": "1990:01:01 00:00:00", "offset": "+00:00"}, None),
    ],
)
def test_dates_before_1990_are_implausible(tmp_path, exif, reason):
    """Before MIN_PLAUSIBLE_DATE (1990-01-01 UTC) a time is a clock never set; 2000 is kept."""
    _, report = read_one(tmp_path, lat=TOKYO[0], lon=TOKYO[1], **exif)
    row = report.table.iloc[0]
    assert row["reason"] == reason
    if reason:
        assert "is before 1990-01-01" in row["detail"]


def test_dates_in_the_future_are_implausible(tmp_path):
    """More than MAX_FUTURE_DAYS (1) after now is implausible; a few hours ahead is kept."""
    now = pd.Timestamp.now(tz="UTC")
    soon = (now + pd.Timedelta(hours=3)).strftime("%Y:%m:%d %H:%M:%S")
    later = (now + pd.Timedelta(days=3)).strftime("%Y:%m:%d %H:%M:%S")
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "offset": "+00:00"}
    write_jpeg(tmp_path / "u" / "soon.jpg", dt_original=soon, **kw)
    write_jpeg(tmp_path / "u" / "later.jpg", dt_original=later, **kw)
    photos, report = read_photos(tmp_path)
    assert list(photos["photo_id"]) == ["u/soon.jpg"]
    row = report.table.set_index("file").loc["u/later.jpg"]
    assert row["reason"] == "implausible date"
    assert "in the future" in row["detail"]


@pytest.mark.parametrize("offset", [None, "+09:00"])
def test_unset_camera_clock_with_gps_stamp_uses_the_gps(tmp_path, offset):
    """A camera clock left at 1970 beside a full GPS stamp: the GPS instant (date as written,
    not snapped towards 1970) is the photo's time."""
    t = taken_at(
        tmp_path,
        lat=TOKYO[0],
        lon=TOKYO[1],
        dt_original="1970:01:01 00:02:00",
        offset=offset,
        gps_date="2023:06:01",
        gps_time="01:00:00",
    )
    assert t == utc("2023-06-01 01:00")


# --- robustness ---------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="the time limit needs SIGALRM")
def test_a_file_that_hangs_exifread_is_cut_off(tmp_path, monkeypatch):
    """A file on which exifread never returns is reported "unreadable" after FILE_TIMEOUT_S,
    and the next file is read normally (the alarm is reset)."""
    import exifread

    process_file = exifread.process_file

    def hang_on_first(fh, **kwargs):
        if fh.name.endswith("a.jpg"):
            time.sleep(30)
        return process_file(fh, **kwargs)

    monkeypatch.setattr(exifread, "process_file", hang_on_first)
    monkeypatch.setattr(routeplan.photos, "FILE_TIMEOUT_S", 0.3)
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "dt_original": "2023:06:01 10:00:00"}
    write_jpeg(tmp_path / "u" / "a.jpg", **kw)
    write_jpeg(tmp_path / "u" / "b.jpg", **kw)
    start = time.monotonic()
    _, report = read_photos(tmp_path, jobs=1)
    assert time.monotonic() - start < 10
    reasons = dict(zip(report.table["file"], report.table["reason"], strict=True))
    assert reasons == {"u/a.jpg": "unreadable", "u/b.jpg": None}
    assert "longer than 0.3 s" in report.table["detail"].iloc[0]
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # handler restored


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_and_links(tmp_path):
    """A named pipe (even called .jpg) is never opened: "not a photo file"; a dangling link is
    "unreadable"; a link to a photo is read; a link to a folder is not followed."""
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "dt_original": "2023:06:01 10:00:00"}
    photo = write_jpeg(tmp_path / "src" / "p.jpg", **kw)
    root = tmp_path / "root"
    (root / "u").mkdir(parents=True)
    os.mkfifo(root / "u" / "pipe.jpg")
    (root / "u" / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (root / "u" / "link.jpg").symlink_to(photo)
    (root / "u" / "folder_link").symlink_to(tmp_path / "src", target_is_directory=True)
    photos, report = read_photos(root)
    rows = report.table.set_index("file")
    assert list(rows.index) == ["u/dangling.jpg", "u/link.jpg", "u/pipe.jpg"]
    assert rows.loc["u/pipe.jpg", "reason"] == "not a photo file"
    assert rows.loc["u/pipe.jpg", "detail"] == "not a regular file"
    assert rows.loc["u/dangling.jpg", "reason"] == "unreadable"
    assert list(photos["photo_id"]) == ["u/link.jpg"]


def test_suffixes_are_matched_like_pathlib(tmp_path):
    """Suffix matching ignores case and hidden-file names (".jpg" alone has no suffix)."""
    kw = {"lat": TOKYO[0], "lon": TOKYO[1], "dt_original": "2023:06:01 10:00:00"}
    write_jpeg(tmp_path / "u" / "A.JPEG", **kw)
    write_jpeg(tmp_path / "u" / "b.Jpg", **kw)
    write_jpeg(tmp_path / "u" / ".jpg", **kw)
    write_jpeg(tmp_path / "u" / "c.jpg.bak", **kw)
    _, report = read_photos(tmp_path)
    reasons = dict(zip(report.table["file"], report.table["reason"], strict=True))
    assert reasons == {
        "u/.jpg": "not a photo file",
        "u/A.JPEG": None,
        "u/b.Jpg": None,
        "u/c.jpg.bak": "not a photo file",
    }
    detail = report.table.set_index("file")["detail"]
    assert detail["u/.jpg"] == "suffix '(none)' is not a photo suffix"
    assert detail["u/c.jpg.bak"] == "suffix '.bak' is not a photo suffix"
