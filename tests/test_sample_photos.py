"""Tests of the committed sample photo folder (data/sample_photos/) and of the script making it.

They read the committed files with exifread (the library's reader) and do not need the source
data, except the determinism test, which reruns the script when ../shared/data/tour exists.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import exifread
import numpy as np
import pandas as pd
import pytest
from PIL import Image, UnidentifiedImageError

from routeplan._geo import haversine_m

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "sample_photos"
SOURCE = ROOT / ".." / "shared" / "data" / "tour"
SCRIPT = ROOT / "scripts" / "make_sample_photos.py"
TORONTO = ZoneInfo("America/Toronto")
KINDS = {"no-gps", "gps-zero", "truncated", "not-image"}
SOI, EOI = b"\xff\xd8", b"\xff\xd9"
#: File names cameras and phones write (see the script's naming schemes).
CAMERA_NAME = re.compile(
    r"^(IMG_\d{4}\.JPG|DSC_\d{4}\.JPG|DSCN\d{4}\.JPG|DSC\d{5}\.JPG|DSCF\d{4}\.JPG"
    r"|P\d{7}\.JPG|P[1-9A-C]\d{6}\.JPG|IMG_\d{8}_\d{6}(_\d)?\.jpg|\d{8}_\d{6}(_\d)?\.jpg"
    r"|\d{11}\.jpg)$"
)


def _bad_apples() -> dict[str, str]:
    """Bad apples listed in the folder's README table: relative path → kind."""
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- bad-apples", 1)[1]
    return dict(re.findall(r"^\| `([^`]+)` \| ([\w-]+) \|", table, flags=re.MULTILINE))


def _rel(path: Path) -> str:
    return path.relative_to(FOLDER).as_posix()


def _read_tags(path: Path) -> dict:
    with path.open("rb") as fh:
        return exifread.process_file(fh, details=False)


def _jpeg_files() -> list[Path]:
    return sorted(p for p in FOLDER.rglob("*") if p.suffix.lower() == ".jpg")


@pytest.fixture(scope="module")
def bad() -> dict[str, str]:
    """The README lists at least one bad apple of every kind, all inside user folders."""
    apples = _bad_apples()
    assert set(apples.values()) == KINDS
    return apples


@pytest.fixture(scope="module")
def good_tags(bad: dict[str, str]) -> dict[str, dict]:
    """EXIF tags of every JPEG that is not a bad apple (about a thousand photos)."""
    return {_rel(p): _read_tags(p) for p in _jpeg_files() if _rel(p) not in bad}


def _ratio(value) -> float:
    return float(Fraction(value.num, value.den))


def _dms(tag) -> float:
    d, m, s = (_ratio(v) for v in tag.values)
    return d + m / 60 + s / 3600


def _local(tags: dict) -> datetime:
    return datetime.strptime(str(tags["EXIF DateTimeOriginal"]), "%Y:%m:%d %H:%M:%S")


# ------------------------------------------------------------------------------------------------
# shape of the folder


def test_folder_has_enough_photos_photographers_and_is_small(good_tags: dict[str, dict]) -> None:
    """≥ 400 good photos in ≥ 40 user sub-folders named by Flickr user id, < 15 MB in total."""
    assert len(good_tags) >= 400
    users = {p.split("/")[0] for p in good_tags}
    assert len(users) >= 40
    assert all(re.fullmatch(r"\d+@N\d\d", u) for u in users)
    assert all(p.count("/") == 1 for p in good_tags)  # photos sit directly in a user folder
    size = sum(p.stat().st_size for p in FOLDER.rglob("*") if p.is_file())
    assert size < 15_000_000


def test_file_names_look_like_camera_names_and_are_unique_per_folder() -> None:
    """Every JPEG has a camera-style name; no two names in a folder differ only by case."""
    files = _jpeg_files()
    bad_names = [_rel(p) for p in files if not CAMERA_NAME.match(p.name)]
    assert bad_names == []
    lowered = [_rel(p).lower() for p in files]
    assert len(set(lowered)) == len(lowered)


def test_each_photographer_uses_one_camera(good_tags: dict[str, dict]) -> None:
    """Make and Model are present on every photo and fixed per user; several makes occur."""
    cameras: dict[str, set[tuple[str, str]]] = {}
    for rel, tags in good_tags.items():
        make, model = str(tags["Image Make"]).strip(), str(tags["Image Model"]).strip()
        assert make and model, rel
        cameras.setdefault(rel.split("/")[0], set()).add((make, model))
    assert all(len(c) == 1 for c in cameras.values())
    makes = {make for [(make, _)] in cameras.values()}
    assert len(makes) >= 5


# ------------------------------------------------------------------------------------------------
# EXIF of the good photos


def test_good_photos_have_gps_position_in_toronto(good_tags: dict[str, dict]) -> None:
    """GPS latitude/longitude are 3 rationals with N/W refs, inside Toronto, all distinct."""
    positions = set()
    for rel, tags in good_tags.items():
        assert str(tags["GPS GPSLatitudeRef"]) == "N", rel
        assert str(tags["GPS GPSLongitudeRef"]) == "W", rel
        assert len(tags["GPS GPSLatitude"].values) == 3
        assert len(tags["GPS GPSLongitude"].values) == 3
        lat, lon = _dms(tags["GPS GPSLatitude"]), -_dms(tags["GPS GPSLongitude"])
        assert 43.58 < lat < 43.85 and -79.65 < lon < -79.15, (rel, lat, lon)
        assert 70 <= _ratio(tags["GPS GPSAltitude"].values[0]) <= 125
        positions.add((lat, lon))
    # GPS error is simulated: no two photos share a position even at the same POI
    assert len(positions) == len(good_tags)


def test_good_photos_have_local_date_time_original(good_tags: dict[str, dict]) -> None:
    """DateTimeOriginal and DateTimeDigitized are equal 'YYYY:MM:DD HH:MM:SS' after 2000."""
    for rel, tags in good_tags.items():
        original = str(tags["EXIF DateTimeOriginal"])
        assert re.fullmatch(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d", original), rel
        assert str(tags["EXIF DateTimeDigitized"]) == original
        assert 2000 <= _local(tags).year <= 2015


def test_all_three_time_zone_paths_occur(good_tags: dict[str, dict]) -> None:
    """Some photos carry OffsetTimeOriginal, some a GPS stamp, some neither (each ≥ 10 %)."""
    offset = {r for r, t in good_tags.items() if "EXIF OffsetTimeOriginal" in t}
    stamp = {r for r, t in good_tags.items() if "GPS GPSDate" in t and "GPS GPSTimeStamp" in t}
    neither = set(good_tags) - offset - stamp
    n = len(good_tags)
    assert 0.2 * n < len(offset) < 0.5 * n
    assert 0.35 * n < len(stamp) < 0.65 * n
    assert len(neither) > 0.1 * n


def test_offset_tags_match_toronto_dst(good_tags: dict[str, dict]) -> None:
    """OffsetTimeOriginal is -04:00 in summer time and -05:00 in winter, as zoneinfo says."""
    seen = set()
    for rel, tags in good_tags.items():
        if "EXIF OffsetTimeOriginal" not in tags:
            continue
        local = _local(tags)
        offset = TORONTO.utcoffset(local.replace(tzinfo=TORONTO))
        assert offset is not None
        expected = "-04:00" if offset == timedelta(hours=-4) else "-05:00"
        assert str(tags["EXIF OffsetTimeOriginal"]) == expected, rel
        seen.add(expected)
    assert seen == {"-04:00", "-05:00"}


def test_gps_stamps_are_utc_of_the_local_time(good_tags: dict[str, dict]) -> None:
    """GPS date/time stamp (UTC) converted to Toronto time equals DateTimeOriginal."""
    n = 0
    for rel, tags in good_tags.items():
        if "GPS GPSDate" not in tags:
            continue
        h, m, s = (int(_ratio(v)) for v in tags["GPS GPSTimeStamp"].values)
        day = datetime.strptime(str(tags["GPS GPSDate"]), "%Y:%m:%d")
        utc = day.replace(hour=h, minute=m, second=s, tzinfo=UTC)
        assert utc.astimezone(TORONTO).replace(tzinfo=None) == _local(tags), rel
        n += 1
    assert n > 0


def test_some_titles_name_the_place_and_some_are_generic(good_tags: dict[str, dict]) -> None:
    """ImageDescription: POI names on some photos, file-name stems or nothing on others."""
    titles = [str(t.get("Image ImageDescription", "")) for t in good_tags.values()]
    assert any("CN Tower" in t for t in titles)
    assert any(re.fullmatch(r"(IMG|DSC|DSCF|DSC_)\d{4,5}", t) for t in titles)
    assert sum(t == "" for t in titles) > 0.1 * len(titles)
    assert any("Ripley's Aquarium" in t for t in titles)  # URL-encoded names are decoded
    assert not any(" " in t and ("_" in t or "%" in t) for t in titles)


def test_good_photos_decode_and_end_with_eoi(good_tags: dict[str, dict]) -> None:
    """Every good photo is a complete small JPEG (SOI ... EOI) that Pillow decodes."""
    for rel in good_tags:
        data = (FOLDER / rel).read_bytes()
        assert data[:2] == SOI and data[-2:] == EOI, rel
        with Image.open(FOLDER / rel) as img:
            img.load()
            assert img.format == "JPEG" and max(img.size) <= 128


# ------------------------------------------------------------------------------------------------
# bad apples


def test_bad_apples_exist_inside_user_folders(bad: dict[str, str]) -> None:
    """Every listed bad apple exists, in a user folder; 1–2 without GPS, one of each other kind."""
    for rel in bad:
        assert (FOLDER / rel).is_file(), rel
        assert rel.count("/") == 1
    kinds = list(bad.values())
    assert 1 <= kinds.count("no-gps") <= 2
    assert kinds.count("gps-zero") == 1 and kinds.count("truncated") == 1
    assert kinds.count("not-image") >= 1


def test_no_gps_photos_have_no_gps_tags_but_a_time(bad: dict[str, str]) -> None:
    """A photo taken with GPS off is a valid JPEG with DateTimeOriginal and no GPS tag at all."""
    for rel in (r for r, k in bad.items() if k == "no-gps"):
        tags = _read_tags(FOLDER / rel)
        assert "EXIF DateTimeOriginal" in tags
        assert not [k for k in tags if k.startswith("GPS ")], rel


def test_gps_zero_photo_is_at_null_island(bad: dict[str, str]) -> None:
    """The phone without a fix wrote latitude and longitude 0°0'0"."""
    [rel] = [r for r, k in bad.items() if k == "gps-zero"]
    tags = _read_tags(FOLDER / rel)
    assert _dms(tags["GPS GPSLatitude"]) == 0.0
    assert _dms(tags["GPS GPSLongitude"]) == 0.0


def test_truncated_photo_is_a_cut_jpeg(bad: dict[str, str]) -> None:
    """The truncated file starts like a JPEG, lacks the end marker and fails to decode."""
    [rel] = [r for r, k in bad.items() if k == "truncated"]
    data = (FOLDER / rel).read_bytes()
    assert data[:2] == SOI and data[-2:] != EOI
    assert EOI not in data[-64:]
    with pytest.raises(OSError), Image.open(FOLDER / rel) as img:
        img.load()


def test_non_images_are_not_images(bad: dict[str, str]) -> None:
    """Non-images do not start with the JPEG marker and Pillow cannot identify them."""
    not_images = [r for r, k in bad.items() if k == "not-image"]
    assert any(r.lower().endswith(".jpg") for r in not_images)  # a trap for suffix filters
    for rel in not_images:
        assert (FOLDER / rel).read_bytes()[:2] != SOI
        with pytest.raises(UnidentifiedImageError):
            Image.open(FOLDER / rel)


def test_exifread_survives_every_file(bad: dict[str, str], caplog) -> None:
    """exifread reads each bad apple without raising (it may find no tags)."""
    caplog.set_level(logging.CRITICAL, logger="exifread")
    for rel in bad:
        tags = _read_tags(FOLDER / rel)
        assert isinstance(tags, dict)


# ------------------------------------------------------------------------------------------------
# the script


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """scripts/make_sample_photos.py imported as a module (it only runs main() as a script)."""
    spec = importlib.util.spec_from_file_location("make_sample_photos", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_jitter_is_a_5_to_40_m_gps_error_in_all_directions(script: ModuleType) -> None:
    """2000 copies of one point move 5–40 m (haversine), north, south, east and west of it."""
    lat0, lon0 = np.full(2000, 43.6426), np.full(2000, -79.3871)
    lat, lon, dist_m = script.jitter_positions(lat0, lon0, np.random.default_rng(0))
    moved = haversine_m(lat0, lon0, lat, lon)
    np.testing.assert_allclose(moved, dist_m, rtol=1e-3)
    assert moved.min() >= 5.0 - 1e-6 and moved.max() <= 40.0 + 1e-6
    assert (lat > lat0).any() and (lat < lat0).any() and (lon > lon0).any() and (lon < lon0).any()


def test_dms_rationals_round_trip_to_a_millimetre(script: ModuleType) -> None:
    """Degrees → (d, m, s×10⁴) → degrees loses < 1e-7° (~1 cm); 59.99999 s carries over."""
    deg = np.array([43.6426, 79.3871, 43.0, 43.99999999])
    dms = script.to_dms_rationals(deg)
    back = dms[:, 0] + dms[:, 1] / 60 + dms[:, 2] / 10_000 / 3600
    np.testing.assert_allclose(back, deg, atol=1e-7)
    assert (dms[:, 1] < 60).all() and (dms[:, 2] < 60 * 10_000).all()
    assert dms[3].tolist() == [44, 0, 0]


def test_poi_names_are_decoded(script: ModuleType) -> None:
    """URL-encoded Wikipedia titles become the names people write."""
    assert script.poi_display_name("Ripley%27s_Aquarium_of_Canada") == "Ripley's Aquarium of Canada"
    assert script.poi_display_name("Old_City_Hall_(Toronto)") == "Old City Hall"
    assert script.poi_display_name("Yorkville,_Toronto") == "Yorkville"


def test_subsampling_keeps_first_and_last_photo_of_each_visit(script: ModuleType) -> None:
    """Visits of 1, 3 and 10 photos keep 1, 3 and 3 photos: ranks 0; 0, 1, 2; 0, 4 or 5, 9."""
    sizes = [1, 3, 10]
    rows = pd.DataFrame(
        {
            "visit": np.repeat([0, 1, 2], sizes),
            "rank": np.concatenate([np.arange(n) for n in sizes]),
            "size": np.repeat(sizes, sizes),
        }
    )
    kept = script._subsample_visits(rows, max_per_visit=3)
    by_visit = kept.groupby("visit")["rank"].apply(list).to_dict()
    assert by_visit[0] == [0] and by_visit[1] == [0, 1, 2]
    assert by_visit[2][0] == 0 and by_visit[2][-1] == 9 and len(by_visit[2]) == 3


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.skipif(not SOURCE.is_dir(), reason="source data ../shared/data/tour not available")
def test_script_reproduces_the_committed_folder_byte_for_byte(tmp_path: Path) -> None:
    """Rerunning the script with the default seed rewrites identical files with photo mtimes."""
    out = tmp_path / "sample_photos"
    out.mkdir()
    (out / "stale.txt").write_text("deleted by the script")
    subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(SOURCE), "--out", str(out), "--seed", "7"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert _digest(out) == _digest(FOLDER)
    # file times are the photo times (UTC instants of the local DateTimeOriginal)
    for photo in sorted(out.glob("*/*.JPG"))[:20]:
        tags = _read_tags(photo)
        if "EXIF DateTimeOriginal" not in tags:
            continue
        mtime = datetime.fromtimestamp(photo.stat().st_mtime, tz=TORONTO).replace(tzinfo=None)
        assert mtime == _local(tags), photo.name
