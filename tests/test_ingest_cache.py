"""Tests of the ingest cache (routeplan._cache), the process pool (routeplan._pool) and the
read_photos options that drive them (cache, jobs, progress)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import piexif
import pytest
from conftest import write_jpeg
from geopandas.testing import assert_geodataframe_equal

from routeplan import InputError, _cache, _exif, photos
from routeplan._pool import POOL_MIN_ITEMS, chunk_size
from routeplan.photos import IngestReport, read_photos

TOKYO = (35.6586, 139.7454)
TORONTO = (43.6426, -79.3871)
RIO = (-22.9519, -43.2105)
Result = tuple[gpd.GeoDataFrame, IngestReport]


def assert_same(got: Result, expected: Result) -> None:
    """Same photos (values, dtypes, CRS, order) and the same report table."""
    assert_geodataframe_equal(got[0], expected[0])
    pd.testing.assert_frame_equal(got[1].table, expected[1].table)


def set_mtime(path: Path, *, shift_s: int) -> None:
    """Move the modification time of ``path`` by ``shift_s`` seconds."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + shift_s * 1_000_000_000))


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    """A folder of 8 files: 4 photos (alice ×2, bob, a root file), a photo without GPS, a text
    file, a corrupt JPEG and a photo from a camera whose clock was never set (1970)."""
    root = tmp_path / "trip"
    tokyo = {"lat": TOKYO[0], "lon": TOKYO[1], "offset": "+09:00"}
    write_jpeg(root / "alice" / "a1.jpg", dt_original="2023:06:01 10:00:00", artist="Ann", **tokyo)
    write_jpeg(
        root / "alice" / "a2.jpg",
        dt_original="2023:06:01 11:00:00",
        gps_date="2023:06:01",
        gps_time="02:00:00",
        **tokyo,
    )
    write_jpeg(
        root / "bob" / "b1.jpg",
        lat=TORONTO[0],
        lon=TORONTO[1],
        dt_original="2023:07:01 12:00:00",
        extra={"Exif": {piexif.ExifIFD.BodySerialNumber: b"SN1"}},
    )
    write_jpeg(root / "bob" / "nogps.jpg", dt_original="2023:07:01 12:00:00")
    (root / "bob" / "notes.txt").write_text("not a photo\n")
    write_jpeg(root / "root.jpg", dt_original="2023:06:02 10:00:00", **tokyo)
    (root / "carol").mkdir()
    (root / "carol" / "broken.jpg").write_bytes(b"\x00garbage, not a JPEG" * 10)
    write_jpeg(root / "dave" / "old.jpg", dt_original="1970:01:01 09:00:00", **tokyo)
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths (relative, '/') the per-file EXIF reader opens in this process, in call order."""
    calls: list[str] = []
    original = _exif.read_exif

    def counting(path, **kwargs):
        calls.append(Path(path).as_posix())
        return original(path, **kwargs)

    monkeypatch.setattr(_exif, "read_exif", counting)
    return calls


def names(calls: list[str], root: Path) -> set[str]:
    return {Path(call).relative_to(root).as_posix() for call in calls}


# --- cold vs warm -------------------------------------------------------------------------------


def test_warm_run_opens_no_file_and_gives_identical_results(trip, reads):
    """The cold run opens the 7 photo-suffixed files (never notes.txt); the warm run opens none
    and returns identical photos and report, dtypes included."""
    cold = read_photos(trip, jobs=1, cache=True)
    assert names(reads, trip) == {
        "alice/a1.jpg",
        "alice/a2.jpg",
        "bob/b1.jpg",
        "bob/nogps.jpg",
        "root.jpg",
        "carol/broken.jpg",
        "dave/old.jpg",
    }
    reads.clear()
    warm = read_photos(trip, jobs=1, cache=True)
    assert reads == []
    assert_same(warm, cold)
    assert_same(cold, read_photos(trip, jobs=1))  # the cache changes nothing
    assert warm[1].counts().to_dict() == {
        "implausible date": 1,
        "no GPS": 1,
        "not a photo file": 1,
        "unreadable": 1,
    }


def test_default_cache_file_is_under_xdg_cache_home(trip, _isolated_user_cache):
    """cache=True writes $XDG_CACHE_HOME/routeplan/ingest-<sha1 of the absolute root>.parquet
    atomically (no temporary file left); cache=None/False write nothing."""
    read_photos(trip, jobs=1, cache=None)
    read_photos(trip, jobs=1, cache=False)
    assert list(_isolated_user_cache.rglob("*")) == []
    read_photos(trip, jobs=1, cache=True)
    digest = hashlib.sha1(str(trip.absolute()).encode()).hexdigest()
    expected = _isolated_user_cache / "routeplan" / f"ingest-{digest}.parquet"
    assert sorted(_isolated_user_cache.rglob("*.*")) == [expected]


def test_explicit_cache_path(trip, tmp_path, reads):
    """cache=<path> writes that file; a second run through it opens nothing."""
    cache = tmp_path / "my" / "cache.parquet"
    read_photos(trip, jobs=1, cache=str(cache))
    assert cache.is_file()
    reads.clear()
    read_photos(trip, jobs=1, cache=cache)
    assert reads == []


def test_a_single_file_is_never_cached(trip, _isolated_user_cache):
    """A file path (not a folder) reads that file without touching any cache."""
    photos_, _ = read_photos(trip / "alice" / "a1.jpg", jobs=1, cache=True)
    assert len(photos_) == 1
    assert list(_isolated_user_cache.rglob("*")) == []


# --- invalidation -------------------------------------------------------------------------------


def test_changed_new_and_deleted_files(trip, reads):
    """A rewritten file (same size, new mtime), a touched file and a new file are read again;
    a deleted one disappears; everything else comes from the cache, and the result equals a
    run without cache."""
    read_photos(trip, jobs=1, cache=True)
    a2 = trip / "alice" / "a2.jpg"
    size = a2.stat().st_size
    write_jpeg(
        a2,
        lat=34.6937,
        lon=135.5023,
        dt_original="2023:06:01 11:00:00",
        gps_date="2023:06:01",
        gps_time="02:00:00",
        offset="+09:00",
    )
    set_mtime(a2, shift_s=5)
    assert a2.stat().st_size == size  # only the mtime tells the change
    set_mtime(trip / "bob" / "nogps.jpg", shift_s=5)  # touched, content unchanged
    write_jpeg(
        trip / "alice" / "a3.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:03 10:00:00"
    )
    (trip / "bob" / "b1.jpg").unlink()
    reads.clear()

    warm = read_photos(trip, jobs=1, cache=True)

    assert names(reads, trip) == {"alice/a2.jpg", "bob/nogps.jpg", "alice/a3.jpg"}
    assert_same(warm, read_photos(trip, jobs=1))
    row = warm[0].set_index("photo_id").loc["alice/a2.jpg"]
    assert (row["lat"], row["lon"]) == pytest.approx((34.6937, 135.5023), abs=1e-6)  # Osaka now
    assert "bob/b1.jpg" not in set(warm[1].table["file"])
    reads.clear()
    read_photos(trip, jobs=1, cache=True)
    assert reads == []  # the cache was updated with the changes


def test_all_files_deleted(trip, tmp_path):
    """A cached folder emptied out gives an empty result, and the cache follows."""
    cache = tmp_path / "c.parquet"
    read_photos(trip, jobs=1, cache=cache)
    for path in sorted(trip.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    photos_, report = read_photos(trip, jobs=1, cache=cache)
    assert len(photos_) == 0 and report.n_files == 0
    assert _cache.load_cache(cache, schema=photos._ROW_SCHEMA, root=str(trip)).num_rows == 0


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda path: path.write_bytes(b"this is not parquet"), id="garbage"),
        pytest.param(
            lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
            id="truncated",
        ),
        pytest.param(lambda path: path.write_bytes(b""), id="empty"),
    ],
)
def test_corrupt_cache_is_ignored_with_a_warning_and_rewritten(
    trip, tmp_path, reads, caplog, spoil
):
    """A cache file that cannot be read is ignored (warning naming it), every file is read,
    results are right, and the cache is rewritten so that the next run opens nothing."""
    cache = tmp_path / "c.parquet"
    read_photos(trip, jobs=1, cache=cache)
    spoil(cache)
    reads.clear()
    with caplog.at_level(logging.WARNING, logger="routeplan"):
        result = read_photos(trip, jobs=1, cache=cache)
    assert any("ignoring the ingest cache" in r.getMessage() for r in caplog.records)
    assert str(cache) in caplog.text
    assert len(reads) == 7
    assert_same(result, read_photos(trip, jobs=1))
    reads.clear()
    read_photos(trip, jobs=1, cache=cache)
    assert reads == []


def test_cache_of_another_version_is_ignored(trip, tmp_path, reads, caplog, monkeypatch):
    """A cache written by another routeplan/cache version is not trusted: all files are re-read
    (with a warning) and the cache is rewritten with the current version."""
    cache = tmp_path / "c.parquet"
    version = _cache.cache_version
    monkeypatch.setattr(_cache, "cache_version", lambda: "format 0; routeplan 0.0.1")
    read_photos(trip, jobs=1, cache=cache)
    monkeypatch.setattr(_cache, "cache_version", version)
    reads.clear()
    with caplog.at_level(logging.WARNING, logger="routeplan"):
        result = read_photos(trip, jobs=1, cache=cache)
    assert "written by 'format 0; routeplan 0.0.1'" in caplog.text
    assert len(reads) == 7
    assert_same(result, read_photos(trip, jobs=1))
    reads.clear()
    read_photos(trip, jobs=1, cache=cache)
    assert reads == []


def test_cache_of_another_folder_is_ignored(trip, tmp_path, caplog):
    """One explicit cache file used for two folders: the second folder's files are not matched
    against the first folder's rows (same names, sizes and times would otherwise collide)."""
    cache = tmp_path / "c.parquet"
    read_photos(trip, jobs=1, cache=cache)
    other = tmp_path / "other"
    write_jpeg(
        other / "alice" / "a1.jpg", lat=RIO[0], lon=RIO[1], dt_original="2023:06:01 10:00:00"
    )
    with caplog.at_level(logging.WARNING, logger="routeplan"):
        result = read_photos(other, jobs=1, cache=cache)
    assert "written for the folder" in caplog.text
    assert result[0]["lat"].tolist() == pytest.approx([RIO[0]], abs=1e-6)


def test_unwritable_cache_is_a_warning_not_an_error(trip, tmp_path, caplog):
    """A cache path that cannot be created (its folder is a file) logs a warning; the photos
    are still returned."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    with caplog.at_level(logging.WARNING, logger="routeplan"):
        result = read_photos(trip, jobs=1, cache=blocker / "c.parquet")
    assert "could not write the ingest cache" in caplog.text
    assert_same(result, read_photos(trip, jobs=1))


def test_failed_write_keeps_the_previous_cache(trip, tmp_path, monkeypatch, reads):
    """Writes are atomic: if the final rename fails, the previous cache file is intact (still
    valid, still matching the unchanged files) and no temporary file is left behind."""
    cache = tmp_path / "c.parquet"
    read_photos(trip, jobs=1, cache=cache)
    before = cache.read_bytes()
    write_jpeg(
        trip / "alice" / "new.jpg", lat=TOKYO[0], lon=TOKYO[1], dt_original="2023:06:09 10:00:00"
    )

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_cache.os, "replace", failing_replace)
    read_photos(trip, jobs=1, cache=cache)
    monkeypatch.undo()
    assert cache.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_transient_failures_are_not_cached(trip, tmp_path, reads, monkeypatch):
    """A file that could not be opened (permissions, I/O) is "unreadable" but not cached: once
    it can be opened, the next warm run reads it (its mtime did not change)."""
    cache = tmp_path / "c.parquet"
    real_open = open

    def denied(path, *args, **kwargs):
        if str(path).endswith("a1.jpg"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(_exif, "open", denied, raising=False)
    _, report = read_photos(trip, jobs=1, cache=cache)
    row = report.table.set_index("file").loc["alice/a1.jpg"]
    assert row["reason"] == "unreadable"
    assert row["detail"].startswith("cannot open: PermissionError")
    monkeypatch.delattr(_exif, "open")
    reads.clear()
    warm = read_photos(trip, jobs=1, cache=cache)
    assert names(reads, trip) == {"alice/a1.jpg"}
    assert "alice/a1.jpg" in set(warm[0]["photo_id"])
    reads.clear()
    read_photos(trip, jobs=1, cache=cache)
    assert reads == []


# --- options that are applied after the cache -----------------------------------------------


def test_user_from_change_on_a_warm_cache(trip, tmp_path, reads):
    """The cache keeps artist and serial, so another user_from needs no re-read and gives the
    same result as a run without cache."""
    cache = tmp_path / "c.parquet"
    read_photos(trip, jobs=1, cache=cache, user_from="folder")
    users = {}
    for user_from in ("artist", "serial", "folder"):
        reads.clear()
        warm = read_photos(trip, jobs=1, cache=cache, user_from=user_from)
        assert reads == []
        assert_same(warm, read_photos(trip, jobs=1, user_from=user_from))
        users[user_from] = dict(zip(warm[0]["photo_id"], warm[0]["user_id"], strict=True))
    assert users["artist"]["alice/a1.jpg"] == "Ann"
    assert users["serial"]["bob/b1.jpg"] == "SN1"
    assert users["folder"]["alice/a1.jpg"] == "alice"
    assert users["serial"]["alice/a1.jpg"] == "alice"  # no serial: the folder


def test_plausible_dates_are_checked_on_every_run(trip, tmp_path, reads, monkeypatch):
    """The date bounds are applied after the cache: a stricter bound on a warm run skips the
    2023 photos as "implausible date" without opening them."""
    cache = tmp_path / "c.parquet"
    cold_photos, _ = read_photos(trip, jobs=1, cache=cache)
    assert len(cold_photos) == 4
    reads.clear()
    monkeypatch.setattr(photos, "MIN_PLAUSIBLE_DATE", "2023-06-01 12:00")
    warm_photos, report = read_photos(trip, jobs=1, cache=cache)
    assert reads == []
    assert list(warm_photos["photo_id"]) == ["bob/b1.jpg", "root.jpg"]
    skipped = report.table.set_index("file").loc["alice/a1.jpg"]
    assert skipped["reason"] == "implausible date"
    assert skipped["detail"].startswith("taken_at 2023-06-01 01:00:00 UTC is before 2023-06-01")


# --- process pool, progress -------------------------------------------------------------------


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    """260 files (more than POOL_MIN_ITEMS): 5 users, 250 photos with varied times and places,
    4 without GPS, 3 corrupt, 3 text files."""
    root = tmp_path / "big"
    for i in range(250):
        write_jpeg(
            root / f"user{i % 5}" / f"p{i:03d}.jpg",
            lat=TOKYO[0] + (i % 17) * 1e-3,
            lon=TOKYO[1] - (i % 13) * 1e-3,
            dt_original=f"2023:06:{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00",
            offset="+09:00" if i % 2 else None,
            artist=f"artist{i % 7}",
        )
    for i in range(4):
        write_jpeg(root / "user0" / f"nogps{i}.jpg", dt_original="2023:06:01 10:00:00")
    for i in range(3):
        (root / "user1" / f"bad{i}.jpg").write_bytes(b"\xff\xd8\xff\xe1" + bytes([i]) * 40)
        (root / "user2" / f"n{i}.txt").write_text("x")
    return root


def test_jobs_1_and_2_give_identical_results(big_folder, reads):
    """Reading in-process (jobs=1) and in 2 worker processes gives the same photos and report;
    with jobs=2 no file is opened in this process (the pool did the work)."""
    assert POOL_MIN_ITEMS <= 257  # photo-suffixed files: the pool is used
    one = read_photos(big_folder, jobs=1)
    assert len(reads) == 257
    reads.clear()
    two = read_photos(big_folder, jobs=2)
    assert reads == []
    assert_same(two, one)
    assert one[1].n_read == 250 and one[1].n_files == 260


def test_small_inputs_stay_in_process(trip, reads):
    """Fewer files than POOL_MIN_ITEMS are read in this process whatever jobs says."""
    read_photos(trip, jobs=4)
    assert len(reads) == 7


def test_chunk_sizes_balance_and_stay_bounded():
    """About four chunks per worker, never fewer than 16 nor more than 256 files a chunk."""
    assert chunk_size(300, 2) == 38
    assert chunk_size(10, 2) == 16
    assert chunk_size(1_000_000, 8) == 256


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True, "2"])
def test_jobs_must_be_a_positive_integer(trip, jobs):
    """jobs is None or ≥ 1; anything else is the user's error, named in the message."""
    with pytest.raises(InputError, match="jobs"):
        read_photos(trip, jobs=jobs)


def test_progress_bar_only_when_asked(trip, capsys):
    """progress=True draws a tqdm bar on stderr; progress=False prints nothing at all."""
    read_photos(trip, jobs=1, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    read_photos(trip, jobs=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "reading EXIF" in captured.err and "7/7" in captured.err
