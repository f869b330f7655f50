"""Shared test fixtures: tiny JPEG files with hand-written EXIF (piexif + Pillow, tests only), and
an isolated user cache dir for every test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image


def _rational(value: float) -> tuple[int, int]:
    """An EXIF rational (numerator, denominator) close to ``value`` (denominator ≤ 10**6)."""
    frac = Fraction(value).limit_denominator(1_000_000)
    return frac.numerator, frac.denominator


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Unsigned degrees, minutes, seconds of ``|value|`` as three EXIF rationals."""
    value = abs(value)
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = round((minutes_f - minutes) * 60, 4)
    return (deg, 1), (minutes, 1), _rational(seconds)


def write_jpeg(
    path: str | Path,
    *,
    lat: float | None = None,
    lon: float | None = None,
    alt: float | None = None,
    dt_original: str | None = None,
    offset: str | None = None,
    gps_date: str | None = None,
    gps_time: str | None = None,
    make: str | None = None,
    model: str | None = None,
    artist: str | None = None,
    description: str | None = None,
    raw_gps: Mapping[int, Any] | None = None,
    extra: Mapping[str, Mapping[int, Any]] | None = None,
) -> Path:
    """Write an 8×8 JPEG whose EXIF holds exactly the given values; return its path.

    Parameters
    ----------
    path
        Destination; parent folders are created.
    lat, lon
        Signed WGS84 degrees, written as (deg, min, sec) rationals with N/S and E/W refs.
    alt
        Metres; negative values are written with GPSAltitudeRef = 1 (below sea level).
    dt_original
        ``DateTimeOriginal`` text, e.g. ``"2023:06:01 10:00:00"`` (written verbatim, so invalid
        values such as ``"0000:00:00 00:00:00"`` can be tested).
    offset
        ``OffsetTimeOriginal`` text, e.g. ``"+09:00"``.
    gps_date, gps_time
        ``GPSDateStamp`` text (``"2023:06:01"``) and ``GPSTimeStamp`` as ``"HH:MM:SS[.fff]"`` UTC.
    make, model, artist, description
        ``Make``, ``Model``, ``Artist`` and ``ImageDescription``.
    raw_gps
        piexif GPS-IFD entries (``piexif.GPSIFD.*`` → value) merged over the generated ones; a value
        of ``None`` deletes the entry. Use it for broken GPS (zero denominators, missing refs).
    extra
        Further entries by IFD name (``"0th"``, ``"Exif"``, ``"GPS"``), merged the same way, e.g.
        ``{"Exif": {piexif.ExifIFD.DateTimeDigitized: b"2023:06:01 10:00:00"}}``.

    When no EXIF value at all is given, the JPEG is written without an EXIF segment.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    zeroth: dict[int, Any] = {}
    exif: dict[int, Any] = {}
    gps: dict[int, Any] = {}
    if make is not None:
        zeroth[piexif.ImageIFD.Make] = make.encode()
    if model is not None:
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if artist is not None:
        zeroth[piexif.ImageIFD.Artist] = artist.encode()
    if description is not None:
        zeroth[piexif.ImageIFD.ImageDescription] = description.encode()
    if dt_original is not None:
        exif[piexif.ExifIFD.DateTimeOriginal] = dt_original.encode()
    if offset is not None:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    if lat is not None:
        gps[piexif.GPSIFD.GPSLatitudeRef] = b"N" if lat >= 0 else b"S"
        gps[piexif.GPSIFD.GPSLatitude] = _dms(lat)
    if lon is not None:
        gps[piexif.GPSIFD.GPSLongitudeRef] = b"E" if lon >= 0 else b"W"
        gps[piexif.GPSIFD.GPSLongitude] = _dms(lon)
    if alt is not None:
        gps[piexif.GPSIFD.GPSAltitudeRef] = 1 if alt < 0 else 0
        gps[piexif.GPSIFD.GPSAltitude] = _rational(abs(alt))
    if gps_date is not None:
        gps[piexif.GPSIFD.GPSDateStamp] = gps_date.encode()
    if gps_time is not None:
        hh, mm, ss = gps_time.split(":")
        gps[piexif.GPSIFD.GPSTimeStamp] = ((int(hh), 1), (int(mm), 1), _rational(float(ss)))
    ifds = {"0th": zeroth, "Exif": exif, "GPS": gps}
    for name, entries in [("GPS", raw_gps or {}), *(extra or {}).items()]:
        for key, value in entries.items():
            if value is None:
                ifds[name].pop(key, None)
            else:
                ifds[name][key] = value
    image = Image.new("RGB", (8, 8), (200, 120, 40))
    if any(ifds.values()):
        image.save(path, format="JPEG", exif=piexif.dump(ifds))
    else:
        image.save(path, format="JPEG")
    return path


@pytest.fixture
def jpeg_writer() -> Callable[..., Path]:
    """The :func:`write_jpeg` function, for tests that prefer a fixture to an import."""
    return write_jpeg


@pytest.fixture(autouse=True)
def _isolated_user_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point ``XDG_CACHE_HOME`` at a fresh folder, so no test writes to the real user cache."""
    cache_home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    return cache_home
