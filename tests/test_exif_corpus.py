"""routeplan.photos on exifread's own test corpus: real cameras, phones, HEIC/AVIF/JXL, raw, junk.

The corpus lives at ``../shared/data/exif`` from the repository root, with ``dump.txt``, exifread's
reference output (``Opening: tests/resources/<path>`` then ``IFD Tag (Type): value`` lines). The
expected positions and times are computed here from ``dump.txt`` alone, independently of
routeplan's decoding. Without the corpus the tests are skipped, except in CI (``CI=true``), where
they fail.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pytest

from routeplan.photos import IngestReport, read_photos, validate_photos

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "exif"
DUMP = CORPUS / "dump.txt"
#: The whole corpus (~120 files) reads in about a second; a hang shows up as this timeout.
CORPUS_TIMEOUT_S = 120.0

#: Skip reasons that say what is wrong (no catch-all).
SPECIFIC_REASONS = {
    "not a photo file",
    "unreadable",
    "unsupported format",
    "no EXIF",
    "no GPS",
    "invalid GPS: bad value",
    "invalid GPS: zero denominator",
    "invalid GPS: missing ref",
    "invalid GPS: out of range",
    "invalid GPS: (0, 0)",
    "no timestamp",
    "invalid timestamp",
    "implausible date",
}
#: Files whose time comes from the zone of their coordinates (no offset tag, no GPS time), with
#: the zone of the place (looked up on a map, not computed).
EXPECTED_ZONES = {
    "jpg/Kodak_CX7530.jpg": "Africa/Nairobi",  # 0.37° S, 36.06° E: Kenya
    "jpg/tests/67-0_length_string.jpg": "Europe/Berlin",  # 51.03° N, 7.59° E: near Cologne
    "jpg/tests/87_OSError.jpg": "Europe/Rome",  # 43.79° N, 11.23° E: Florence
    "jpg/tests/nikon_D3100_TypeError.jpg": "Europe/Rome",  # 44.42° N, 8.94° E: Genoa
    "jxl/test_0001.jxl": "America/Los_Angeles",  # 44.06° N, 121.31° W: Bend, Oregon
}
_TAG_LINE = re.compile(r"^(\S+ \S.*?) \(([A-Za-z ]+)\): (.*)$")


def _require_corpus() -> None:
    if DUMP.is_file():
        return
    message = f"exifread's test corpus is not at {CORPUS} (../shared/data/exif from the repo root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def parse_dump(text: str) -> dict[str, dict[str, Any]]:
    """exifread's reference output: file (relative to the corpus) → {"IFD Tag": value text}.

    A file for which exifread printed "No EXIF information found" gets ``{"_no_exif": True}``.
    """
    files: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        if line.startswith("Opening: "):
            name = line.removeprefix("Opening: ").strip().removeprefix("tests/resources/")
            current = files.setdefault(name, {})
        elif current is not None and line.strip() == "No EXIF information found":
            current["_no_exif"] = True
        elif current is not None and (match := _TAG_LINE.match(line)):
            current[match[1]] = match[3]
    return files


def dms_degrees(text: str) -> float | None:
    """Degrees of exifread's ``[d, m, s]`` ratio list; None when a denominator is 0."""
    try:
        values = [Fraction(part.strip()) for part in text.strip("[] ").split(",")]
    except ZeroDivisionError:
        return None
    return float(sum(value / 60**i for i, value in enumerate(values)))


def signed_position(tags: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of a dump entry, signs from the refs; None when a component cannot be decoded."""
    lat = dms_degrees(tags["GPS GPSLatitude"])
    lon = dms_degrees(tags["GPS GPSLongitude"])
    if lat is None or lon is None:
        return None
    if tags.get("GPS GPSLatitudeRef", "").strip() == "S":
        lat = -lat
    if tags.get("GPS GPSLongitudeRef", "").strip() == "W":
        lon = -lon
    return lat, lon


def _wall(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def expected_instant(tags: dict[str, Any]) -> tuple[str, datetime | None]:
    """How the instant must be found and (except for "zone") the expected UTC instant.

    The local wall time is DateTimeOriginal, else DateTimeDigitized, else Image DateTime. With an
    offset tag the instant is exact. Else a GPS date + time is UTC, its date being trusted only
    up to a day: of the GPS date and the days around it, the instant is the one within 14 h of
    the local wall time (any real UTC offset). Else the wall time is read in the place's zone.
    """
    local = (
        _wall(tags.get("EXIF DateTimeOriginal"))
        or _wall(tags.get("EXIF DateTimeDigitized"))
        or _wall(tags.get("Image DateTime"))
    )
    offset = tags.get("EXIF OffsetTimeOriginal") or tags.get("EXIF OffsetTime")
    if local is not None and offset:
        sign = -1 if offset.strip().startswith("-") else 1
        hours, minutes = (int(x) for x in offset.strip().lstrip("+-").split(":"))
        return "offset", local - sign * timedelta(hours=hours, minutes=minutes)
    gps_time, gps_date = tags.get("GPS GPSTimeStamp"), tags.get("GPS GPSDate")
    if gps_time and gps_date:
        h, m, s = (Fraction(part.strip()) for part in gps_time.strip("[]").split(","))
        stamp = datetime.strptime(gps_date.strip(), "%Y:%m:%d") + timedelta(
            seconds=float(h * 3600 + m * 60 + s)
        )
        if local is not None:
            stamp = next(
                candidate
                for candidate in (stamp + timedelta(days=k) for k in (0, -1, 1))
                if abs(candidate - local) <= timedelta(hours=14)
            )
        return "gps", stamp
    return "zone", local


def _read_with_timeout(**kwargs: Any) -> tuple[gpd.GeoDataFrame, IngestReport]:
    """read_photos(CORPUS, ...) in a daemon thread; fails the test if it does not finish."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = read_photos(CORPUS, **kwargs)
        except BaseException as exc:  # re-raised in the test thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(CORPUS_TIMEOUT_S)
    if thread.is_alive():
        pytest.fail(f"reading the corpus did not finish within {CORPUS_TIMEOUT_S:g} s (a hang)")
    if "error" in box:
        raise box["error"]
    return box["result"]


@pytest.fixture(scope="module")
def dump() -> dict[str, dict[str, Any]]:
    """dump.txt parsed, restricted to files present in the corpus (a few entries are not)."""
    _require_corpus()
    entries = parse_dump(DUMP.read_text(encoding="utf-8", errors="replace"))
    return {name: tags for name, tags in entries.items() if (CORPUS / name).is_file()}


@pytest.fixture(scope="module")
def corpus() -> tuple[gpd.GeoDataFrame, IngestReport, dict[str, Any]]:
    """The corpus read once (jobs=1, no cache): photos, report, and the report rows by file."""
    _require_corpus()
    photos, report = _read_with_timeout(jobs=1)
    rows = report.table.set_index("file").to_dict("index")
    return photos, report, rows


def test_every_file_is_reported_once_and_nothing_raises(corpus):
    """One report row per file of the corpus (README/LICENSE too), photos pass the contract."""
    photos, report, _ = corpus
    on_disk = sorted(
        Path(folder, name).relative_to(CORPUS).as_posix()
        for folder, _, names in os.walk(CORPUS)
        for name in names
    )
    assert report.table["file"].tolist() == on_disk
    assert report.n_read == len(photos) > 0
    validate_photos(photos)


def test_every_skip_has_a_specific_reason_and_detail(corpus):
    """Skipped files name what is wrong; text files are "not a photo file", images never are."""
    _, report, rows = corpus
    skipped = report.table[report.table["status"] == "skipped"]
    assert set(skipped["reason"]) <= SPECIFIC_REASONS
    assert skipped["detail"].map(lambda d: isinstance(d, str) and d != "").all()
    for name, row in rows.items():
        is_text = name.endswith((".txt", ".rst")) or name == "LICENSE"
        assert (row["reason"] == "not a photo file") == is_text, (name, row)


def test_every_format_exifread_reads_is_read(corpus, dump):
    """Where exifread finds EXIF (JPEG, TIFF, HEIC/HEIF, AVIF, JXL, DNG, ARW), so does routeplan.

    Every such file ends up read or skipped for its content (no GPS, ...), never as unreadable,
    unsupported or without EXIF; files exifread finds no EXIF in are "no EXIF".
    """
    _, _, rows = corpus
    suffixes = {Path(name).suffix.lower() for name in dump}
    assert {".heic", ".heif", ".avif", ".jxl", ".dng", ".arw", ".tiff", ".jpg"} <= suffixes
    for name, tags in dump.items():
        reason = rows[name]["reason"]
        if tags.get("_no_exif"):
            assert reason == "no EXIF", (name, rows[name])
        else:
            assert reason not in {"unreadable", "unsupported format", "no EXIF"}, (name, rows[name])
            assert reason != "not a photo file", name


def test_positions_match_dump(corpus, dump):
    """Every file with GPSLatitude in dump.txt is a photo at the dump's position (to 1e-9°), or
    skipped with the GPS reason its values call for."""
    photos, _, rows = corpus
    by_id = photos.set_index("photo_id")
    with_gps = {name: tags for name, tags in dump.items() if "GPS GPSLatitude" in tags}
    assert len(with_gps) >= 15
    for name, tags in with_gps.items():
        position = signed_position(tags)
        if position is None:
            assert rows[name]["reason"] == "invalid GPS: zero denominator", name
        elif position == (0.0, 0.0):
            assert rows[name]["reason"] == "invalid GPS: (0, 0)", name
        elif abs(position[0]) > 90 or abs(position[1]) > 180:
            assert rows[name]["reason"] == "invalid GPS: out of range", name
        else:
            assert rows[name]["status"] == "read", (name, rows[name])
            assert by_id.loc[name, "lat"] == pytest.approx(position[0], abs=1e-9), name
            assert by_id.loc[name, "lon"] == pytest.approx(position[1], abs=1e-9), name


def test_times_match_dump(corpus, dump):
    """taken_at agrees with dump.txt: offset tag exact, GPS stamp (date trusted to a day), or the
    wall time in the zone of the place."""
    photos, _, _ = corpus
    by_id = photos.set_index("photo_id")
    kinds: set[str] = set()
    for name in by_id.index:
        kind, expected = expected_instant(dump[name])
        kinds.add(kind)
        got = by_id.loc[name, "taken_at"]
        if kind == "zone":
            assert by_id.loc[name, "tz"] == EXPECTED_ZONES[name], name
            assert expected is not None
            expected = (
                expected.replace(tzinfo=ZoneInfo(EXPECTED_ZONES[name]))
                .astimezone(UTC)
                .replace(tzinfo=None)
            )
        assert got == pd.Timestamp(expected, tz="UTC"), (name, kind)
    assert kinds == {"offset", "gps", "zone"}  # the corpus exercises all three rules


def test_wrong_gps_date_of_real_camera_is_corrected(corpus, dump):
    """The Nikon DSCN files carry GPSDate 2008:10:23 beside 16:28 local time on 10-22 in Italy
    (CEST, UTC+2): the GPS time 14:27 UTC is on the 22nd, not the 23rd."""
    photos, _, rows = corpus
    assert dump["jpg/gps/DSCN0010.jpg"]["GPS GPSDate"] == "2008:10:23"
    t = photos.set_index("photo_id").loc["jpg/gps/DSCN0010.jpg", "taken_at"]
    assert t == pd.Timestamp("2008-10-22 14:27:07.24", tz="UTC")
    assert "GPS date corrected by -1 d" in rows["jpg/gps/DSCN0010.jpg"]["detail"]


def test_files_without_gps_are_not_photos(corpus, dump):
    """A file whose dump has no GPSLatitude is never a photo (GPSVersionID alone is no GPS)."""
    photos, _, rows = corpus
    for name, tags in dump.items():
        if "GPS GPSLatitude" not in tags:
            assert name not in set(photos["photo_id"]), name
            assert rows[name]["reason"] in {"no GPS", "no EXIF"}, (name, rows[name])
    assert rows["jpg/Canon_40D.jpg"]["reason"] == "no GPS"  # has GPSVersionID only


def test_corpus_through_the_cache_is_identical(tmp_path):
    """Cold and warm runs through a cache give the same photos and report (main thread, so the
    per-file time limit is active)."""
    _require_corpus()
    cache = tmp_path / "cache.parquet"
    cold_photos, cold_report = read_photos(CORPUS, jobs=1, cache=cache)
    assert cache.is_file()
    warm_photos, warm_report = read_photos(CORPUS, jobs=1, cache=cache)
    pd.testing.assert_frame_equal(warm_photos, cold_photos)
    pd.testing.assert_frame_equal(warm_report.table, cold_report.table)
