"""Synthetic photo dump for the ingest benchmark: thousands of JPEGs with camera-like EXIF.

Each file looks, byte for byte, like what a camera or phone writes: SOI, an APP1 Exif segment
(IFD0, Exif IFD with a make-specific MakerNote, GPS IFD, Interop IFD, IFD1 with an embedded JPEG
thumbnail), then the JPEG image itself. Only the pixels are synthetic (a few base images, encoded
once and spliced behind every EXIF block, which makes generation fast).

What varies like in a real dump:

- ~100 photographers, one sub-folder each (Flickr-style ids), some with a sub-folder per trip;
  heavy-tailed numbers of photos per photographer; camera file names (``IMG_0042.JPG``,
  ``DSC_0042.JPG``, ``PXL_20210812_123022345.jpg``, ``20190812_143022.jpg``, ...);
- cameras of Canon, Nikon, Sony, Apple, Samsung, Google and Fujifilm, each with its MakerNote
  layout (Canon: a bare IFD with offsets from the TIFF header and the ``II*``/``MM*`` footer;
  Nikon: ``Nikon\\0\\x02\\x10\\0\\0`` + its own TIFF header; Sony: ``SONY DSC \\0\\0\\0`` + IFD;
  Apple: ``Apple iOS\\0\\0\\x01MM`` + IFD; Samsung: Type2 IFD starting with MakerNoteVersion
  ``0100``; Google: ``HDRP`` blob; Fujifilm: ``FUJIFILM`` + little-endian IFD), 2–30 KB each;
- full exposure EXIF (exposure time, f-number, ISO, program, metering, flash, focal length,
  lens specification/make/model, software, serial numbers, sub-second times);
- GPS on ~90 % of the photos, in four rational styles (d/m/s with two or four decimals of
  seconds, decimal minutes, decimal degrees); phones and GPS cameras add the UTC GPS date/time
  stamp, cameras without GPS are "geotagged afterwards" (position only) or not at all;
- ``OffsetTime*`` tags on newer phones and bodies, so all three ways routeplan resolves
  ``taken_at`` occur (offset tag, GPS stamp, zone of the coordinates);
- 17 cities in 17 time zones (Kathmandu's +05:45 and Adelaide's +09:30/+10:30 included), photos
  jittered 5–60 m around a few points of interest per city, daytime local hours, 2014–2024.

The generator is deterministic: the same ``seed``, ``n_photos`` and ``n_users`` give
byte-identical files. Next to the ``photos/`` folder it writes ``truth.csv`` (the true position,
UTC instant and zone of every photo, as encoded in its tags) and, last, ``manifest.json``, the
marker that the folder is complete and can be reused.

Usage::

    python benchmarks/_make_jpegs.py /tmp/jpegs --n-photos 5000 [--n-users 100] [--seed 0]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import piexif
from PIL import Image

logger = logging.getLogger("make_jpegs")

#: Bump when the output of the generator changes: a folder made by another version is remade.
GENERATOR_VERSION = 1
MANIFEST = "manifest.json"
TRUTH = "truth.csv"
PHOTOS = "photos"

#: (name, lat, lon, IANA zone) of the cities the photographers travel to.
CITIES: tuple[tuple[str, float, float, str], ...] = (
    ("Paris", 48.8566, 2.3522, "Europe/Paris"),
    ("Rome", 41.8925, 12.4853, "Europe/Rome"),
    ("London", 51.5074, -0.1278, "Europe/London"),
    ("Barcelona", 41.3870, 2.1700, "Europe/Madrid"),
    ("Istanbul", 41.0082, 28.9784, "Europe/Istanbul"),
    ("New York", 40.7580, -73.9855, "America/New_York"),
    ("San Francisco", 37.7793, -122.4193, "America/Los_Angeles"),
    ("Toronto", 43.6532, -79.3832, "America/Toronto"),
    ("Mexico City", 19.4326, -99.1332, "America/Mexico_City"),
    ("Rio de Janeiro", -22.9068, -43.1729, "America/Sao_Paulo"),
    ("Tokyo", 35.6762, 139.6503, "Asia/Tokyo"),
    ("Kathmandu", 27.7172, 85.3240, "Asia/Kathmandu"),
    ("Singapore", 1.2897, 103.8501, "Asia/Singapore"),
    ("Sydney", -33.8688, 151.2093, "Australia/Sydney"),
    ("Adelaide", -34.9285, 138.6007, "Australia/Adelaide"),
    ("Cape Town", -33.9249, 18.4241, "Africa/Johannesburg"),
    ("Reykjavik", 64.1466, -21.9426, "Atlantic/Reykjavik"),
)
#: Points of interest per city, placed uniformly within this many metres of the centre.
POIS_PER_CITY = 8
POI_RADIUS_M = 1500.0
#: A photo lies uniformly 5–60 m (distance) from its point of interest.
JITTER_M = (5.0, 60.0)
EARTH_RADIUS_M = 6_371_008.8
#: Photos are taken between these years (local time, 08:00–21:59).
YEARS = (2014, 2024)


@dataclass(frozen=True)
class Camera:
    """A camera or phone model and how it writes files."""

    make: str
    model: str
    kind: str  # "phone" or "camera"
    gps: bool  # built-in GPS receiver (writes the UTC GPS date/time stamp)
    offsets: bool  # writes OffsetTime, OffsetTimeOriginal, OffsetTimeDigitized
    software: str
    lens: str  # LensModel
    focal_mm: tuple[float, float]  # range of FocalLength
    crop: float  # FocalLengthIn35mmFilm / FocalLength
    naming: str  # file-name scheme, see `_file_name`
    note: str  # MakerNote layout, see `MAKER_NOTES`
    note_kb: tuple[float, float]  # MakerNote size range in KB
    gps_style: str  # rational layout of GPSLatitude/GPSLongitude, see `_dms`


# fmt: off
CAMERAS: tuple[Camera, ...] = (
    # phones: built-in GPS, UTC stamp; newer ones write offset tags
    Camera("Apple", "iPhone 6s", "phone", True, False, "10.3.3",
           "iPhone 6s back camera 4.15mm f/2.2", (4.15, 4.15), 7.2, "apple", "apple", (2, 4),
           "dms100"),
    Camera("Apple", "iPhone 8", "phone", True, False, "11.4.1",
           "iPhone 8 back camera 3.99mm f/1.8", (3.99, 3.99), 7.0, "apple", "apple", (2, 5),
           "dms100"),
    Camera("Apple", "iPhone 11 Pro", "phone", True, True, "14.2",
           "iPhone 11 Pro back triple camera 4.25mm f/1.8", (1.54, 6.0), 6.1, "apple", "apple",
           (3, 6), "dms100"),
    Camera("Apple", "iPhone 13", "phone", True, True, "16.1.1",
           "iPhone 13 back dual wide camera 5.1mm f/1.6", (1.54, 5.1), 5.1, "apple", "apple",
           (3, 6), "dms100"),
    Camera("samsung", "SM-G960F", "phone", True, False, "G960FXXU2BRJ3",
           "", (4.3, 4.3), 6.0, "samsung", "samsung", (2, 6), "dms10000"),
    Camera("samsung", "SM-G991B", "phone", True, True, "G991BXXU3AUIE",
           "", (2.2, 5.4), 4.8, "samsung", "samsung", (3, 8), "dms10000"),
    Camera("samsung", "SM-A515F", "phone", True, False, "A515FXXU4BTF4",
           "", (4.6, 4.6), 5.6, "samsung", "samsung", (2, 5), "deg"),
    Camera("Google", "Pixel 3", "phone", True, False, "HDR+ 1.0.220943096zd",
           "", (4.44, 4.44), 6.1, "google_img", "google", (4, 10), "deg"),
    Camera("Google", "Pixel 6", "phone", True, True, "HDR+ 1.0.422582097zd",
           "", (6.81, 6.81), 3.7, "google_pxl", "google", (6, 12), "deg"),
    # cameras with a GPS receiver
    Camera("Canon", "Canon EOS 6D", "camera", True, False, "",
           "EF24-105mm f/4L IS USM", (24.0, 105.0), 1.0, "canon", "canon", (8, 14), "dms100"),
    Camera("NIKON CORPORATION", "NIKON D5300", "camera", True, False, "Ver.1.03 ",
           "18.0-140.0 mm f/3.5-5.6", (18.0, 140.0), 1.5, "nikon", "nikon", (18, 28), "dm"),
    Camera("SONY", "DSC-HX90V", "camera", True, False, "DSC-HX90V v1.00",
           "", (4.1, 123.0), 5.6, "sony", "sony", (20, 30), "dms100"),
    # cameras without GPS: geotagged afterwards (position only) or not at all
    Camera("Canon", "Canon EOS 5D Mark III", "camera", False, False, "",
           "EF24-70mm f/2.8L II USM", (24.0, 70.0), 1.0, "canon", "canon", (8, 14), "dms100"),
    Camera("Canon", "Canon EOS 80D", "camera", False, False, "",
           "EF-S18-135mm f/3.5-5.6 IS USM", (18.0, 135.0), 1.6, "canon", "canon", (6, 12),
           "dms100"),
    Camera("Canon", "Canon EOS R5", "camera", False, True, "Firmware Version 1.8.1",
           "RF24-105mm F4 L IS USM", (24.0, 105.0), 1.0, "canon", "canon", (10, 16), "dms100"),
    Camera("NIKON CORPORATION", "NIKON D750", "camera", False, False, "Ver.1.15 ",
           "24.0-120.0 mm f/4.0", (24.0, 120.0), 1.0, "nikon", "nikon", (20, 30), "dm"),
    Camera("NIKON CORPORATION", "NIKON Z 6", "camera", False, True, "Ver.03.00 ",
           "NIKKOR Z 24-70mm f/4 S", (24.0, 70.0), 1.0, "nikon", "nikon", (22, 30), "dm"),
    Camera("SONY", "ILCE-7M3", "camera", False, True, "ILCE-7M3 v3.10",
           "FE 24-105mm F4 G OSS", (24.0, 105.0), 1.0, "sony", "sony", (22, 30), "dms10000"),
    Camera("SONY", "ILCE-6000", "camera", False, False, "ILCE-6000 v3.20",
           "E PZ 16-50mm F3.5-5.6 OSS", (16.0, 50.0), 1.5, "sony", "sony", (18, 26),
           "dms10000"),
    Camera("FUJIFILM", "X-T4", "camera", False, True, "Digital Camera X-T4 Ver1.21",
           "XF16-80mmF4 R OIS WR", (16.0, 80.0), 1.5, "fuji", "fuji", (2, 6), "dms100"),
    Camera("FUJIFILM", "X100F", "camera", False, False, "Digital Camera X100F Ver4.10",
           "", (23.0, 23.0), 1.5, "fuji", "fuji", (2, 5), "dms100"),
)
# fmt: on
#: Relative popularity of each camera (same order as CAMERAS).
CAMERA_WEIGHTS = np.array(
    [4, 6, 6, 4, 4, 4, 3, 3, 3, 2, 2, 2, 3, 3, 2, 3, 2, 3, 2, 2, 2], dtype=float
)
#: Probability that a photo has a position: phones (location on), GPS cameras (fix found),
#: cameras without GPS (geotagged afterwards by the photographer).
P_GPS = {"phone": 0.97, "gps_camera": 0.92, "camera": 0.78}
LIGHTROOM = (
    "Adobe Photoshop Lightroom Classic 10.1 (Windows)",
    "Adobe Photoshop Lightroom Classic 12.3 (Macintosh)",
    "Adobe Photoshop Lightroom 6.14 (Windows)",
)

# ------------------------------------------------------------------------------------------------
# TIFF/IFD serialisation for maker notes

_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 8: 2, 9: 4, 10: 8}
_TYPE_FMT = {1: "B", 3: "H", 4: "I", 8: "h", 9: "i"}


def _enc(bo: str, typ: int, values: Any) -> tuple[int, bytes]:
    """(count, payload) of a TIFF value in byte order ``bo`` (">" or "<").

    ``values``: text or bytes (ASCII, UNDEFINED), (numerator, denominator) pairs (RATIONAL,
    SRATIONAL) or integers (the other types).
    """
    if typ == 2:
        raw = (values.encode() if isinstance(values, str) else bytes(values)) + b"\x00"
        return len(raw), raw
    if typ == 7:
        raw = values.encode() if isinstance(values, str) else bytes(values)
        return len(raw), raw
    if typ in (5, 10):
        flat = [int(x) for pair in values for x in pair]
        fmt = "I" if typ == 5 else "i"
        return len(flat) // 2, struct.pack(f"{bo}{len(flat)}{fmt}", *flat)
    vals = [int(v) for v in values]
    return len(vals), struct.pack(f"{bo}{len(vals)}{_TYPE_FMT[typ]}", *vals)


def _ifd(
    entries: list[tuple[int, int, object]], *, bo: str, start: int, base: int
) -> tuple[bytes, list[int]]:
    """One IFD (placed at blob position ``start``) followed by its out-of-line values.

    Value offsets are written as ``blob position - base``. Returns the bytes (starting at
    ``start``) and the blob positions of the offset fields (so that offsets relative to an
    unknown base can be patched once the blob's place in the file is known).
    """
    entries = sorted(entries, key=lambda e: e[0])
    n = len(entries)
    data_pos = start + 2 + 12 * n + 4
    head = [struct.pack(f"{bo}H", n)]
    data: list[bytes] = []
    offset_fields: list[int] = []
    for i, (tag, typ, values) in enumerate(entries):
        count, payload = _enc(bo, typ, values)
        if len(payload) <= 4:
            head.append(struct.pack(f"{bo}HHI", tag, typ, count)[:8] + payload.ljust(4, b"\x00"))
        else:
            head.append(struct.pack(f"{bo}HHII", tag, typ, count, data_pos - base))
            offset_fields.append(start + 2 + 12 * i + 8)
            payload += b"\x00" * (len(payload) % 2)  # word alignment
            data.append(payload)
            data_pos += len(payload)
    head.append(b"\x00\x00\x00\x00")
    return b"".join(head) + b"".join(data), offset_fields


@dataclass(frozen=True)
class MakerNote:
    """MakerNote bytes; ``absolute`` offset fields (big-endian) still lack the blob's position."""

    blob: bytes
    absolute: tuple[int, ...] = ()
    bo: str = ">"


def _shorts(rng: np.random.Generator, n: int, hi: int = 600) -> list[int]:
    return rng.integers(0, hi, size=n).tolist()


def _filler(rng: np.random.Generator, n: int) -> bytes:
    return rng.bytes(max(int(n), 16))


def _note_canon(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    entries: list[tuple[int, int, object]] = [
        (0x0001, 3, [98, *_shorts(rng, 48, 40)]),  # CameraSettings
        (0x0002, 3, [0, round(p["focal"]), 36, 24]),  # FocalLength
        (0x0003, 3, [0, 0, 0, 0]),  # FlashInfo
        (0x0004, 3, [68, *_shorts(rng, 33, 300)]),  # ShotInfo
        (0x0006, 2, p["model"]),  # ImageType
        (0x0007, 2, p["firmware"] or "Firmware Version 1.1.1"),  # FirmwareVersion
        (0x0009, 2, "".ljust(31)),  # OwnerName
        (0x000C, 4, [int(p["serial"]) % 4_000_000_000]),  # SerialNumber
        (0x0010, 4, [0x80000285]),  # ModelID
        (0x0013, 3, [0, 159, 7, 112]),  # ThumbnailImageValidArea
        (0x0026, 3, [96, 2, 61, 61, 6000, 4000, *_shorts(rng, 42, 2000)]),  # AFInfo2
        (0x0095, 2, p["lens"].ljust(69, "\x00")[:69]),  # LensModel
    ]
    fixed = sum(12 + 80 for _ in entries) + 1200
    entries.append((0x4001, 3, _shorts(rng, max((size - fixed) // 2, 64), 4096)))  # ColorData
    blob, absolute = _ifd(entries, bo=">", start=0, base=0)
    # footer: byte order and (patched below) TIFF offset of the maker note, as Canon writes it
    footer_at = len(blob) + 4
    blob += b"MM\x00\x2a" + struct.pack(">I", 0)
    return MakerNote(blob, (*absolute, footer_at))


def _note_nikon(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    entries: list[tuple[int, int, object]] = [
        (0x0001, 7, b"0210"),  # MakerNoteVersion
        (0x0002, 3, [0, p["iso"]]),  # ISO
        (0x0004, 2, "FINE   "),  # Quality
        (0x0005, 2, "AUTO        "),  # WhiteBalance
        (0x0007, 2, "AF-S  "),  # FocusMode
        (0x001D, 2, str(p["serial"])),  # SerialNumber
        (0x0023, 7, b"0100STANDARD" + bytes(46)),  # PictureControlData
        (0x0084, 5, [(240, 10), (1200, 10), (35, 10), (56, 10)]),  # Lens
        (0x00A7, 4, [int(rng.integers(1000, 90_000))]),  # ShutterCount
        (0x0097, 7, b"0219" + _filler(rng, 1300)),  # ColorBalance
    ]
    fixed = 18 + 12 * (len(entries) + 1) + 1500
    entries.append((0x0091, 7, b"0232" + _filler(rng, size - fixed)))  # ShotInfo
    ifd, _ = _ifd(entries, bo=">", start=18, base=10)
    return MakerNote(b"Nikon\x00\x02\x10\x00\x00MM\x00\x2a\x00\x00\x00\x08" + ifd)


def _note_sony(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    entries: list[tuple[int, int, object]] = [
        (0x0102, 4, [2]),  # Quality
        (0x0104, 10, [(0, 10)]),  # FlashExposureComp
        (0x0115, 4, [0]),  # WhiteBalance
        (0x2002, 4, [0]),  # Rating
        (0x2004, 9, [0]),  # Contrast
        (0x200A, 4, [0]),  # AutoHDR
        (0xB000, 1, [2, 0, 0, 0]),  # FileFormat
        (0xB001, 3, [362]),  # SonyModelID
        (0xB027, 4, [65535]),  # LensType
        (0x2010, 7, _filler(rng, 6144)),  # Tag2010 (enciphered)
    ]
    fixed = 12 + 12 * (len(entries) + 1) + 6200
    entries.append((0x9050, 7, _filler(rng, size - fixed)))  # Tag9050 (enciphered)
    ifd, absolute = _ifd(entries, bo=">", start=12, base=0)
    return MakerNote(b"SONY DSC \x00\x00\x00" + ifd, tuple(absolute))


def _note_apple(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    uuid = "-".join(rng.bytes(k).hex().upper() for k in (4, 2, 2, 2, 6))
    entries: list[tuple[int, int, object]] = [
        (0x0001, 9, [14]),  # MakerNoteVersion
        (0x0003, 7, b"bplist00\xd4\x01\x02\x03\x04" + _filler(rng, 90)),  # RunTime
        (0x0004, 9, [1]),  # AEStable
        (0x0005, 9, [int(rng.integers(150, 230))]),  # AETarget
        (0x0006, 9, [int(rng.integers(150, 230))]),  # AEAverage
        (0x0007, 9, [1]),  # AFStable
        (0x0008, 10, [(-9961, 10000), (-3981, 10000), (-1051, 10000)]),  # AccelerationVector
        (0x000A, 9, [3]),  # HDRImageType
        (0x000B, 2, uuid),  # BurstUUID
        (0x0011, 2, uuid[::-1]),  # ContentIdentifier
        (0x0014, 9, [12]),  # ImageCaptureType
        (0x0017, 9, [0]),  # LivePhotoVideoIndex
    ]
    fixed = 14 + 12 * (len(entries) + 1) + 300
    entries.append((0x0002, 7, _filler(rng, size - fixed)))  # AE matrix (binary)
    ifd, _ = _ifd(entries, bo=">", start=14, base=0)
    return MakerNote(b"Apple iOS\x00\x00\x01MM" + ifd)


def _note_samsung(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    entries: list[tuple[int, int, object]] = [
        (0x0001, 7, b"0100"),  # MakerNoteVersion (must come first: Type2 signature)
        (0x0002, 4, [0x12000]),  # DeviceType: cell phone
        (0x0003, 4, [0x1000]),  # SamsungModelID
        (0x0021, 3, [0, 0, 0, 0, 0]),  # PictureWizard
        (0x0040, 4, [0]),  # RawDataByteOrder
        (0xA001, 2, p["firmware"]),  # FirmwareName
        (0xA010, 4, _shorts(rng, 8, 4000)),  # SensorAreas
    ]
    fixed = 12 * (len(entries) + 1) + 120
    entries.append((0xA0E0, 7, _filler(rng, size - fixed)))  # undocumented blob
    ifd, _ = _ifd(entries, bo="<", start=0, base=0)
    return MakerNote(ifd, bo="<")


def _note_google(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    return MakerNote(b"HDRP\x03" + _filler(rng, size - 5))


def _note_fuji(p: dict, rng: np.random.Generator, size: int) -> MakerNote:
    entries: list[tuple[int, int, object]] = [
        (0x0000, 7, b"0130"),  # Version
        (0x0010, 2, f"FC  {p['serial']}  593331303414 2019:06:17 3B3130350FFF"),  # serial
        (0x1000, 2, "NORMAL "),  # Quality
        (0x1001, 3, [0]),  # Sharpness
        (0x1002, 3, [0]),  # WhiteBalance
        (0x1003, 3, [0]),  # Saturation
        (0x1010, 3, [2]),  # FujiFlashMode
        (0x1021, 3, [0]),  # FocusMode
        (0x1031, 3, [0]),  # PictureMode
        (0x1401, 3, [0x500]),  # FilmMode
        (0x4100, 3, [0]),  # FacesDetected
    ]
    fixed = 12 + 12 * (len(entries) + 1) + 120
    entries.append((0x1438, 7, _filler(rng, size - fixed)))  # image stabilisation data
    ifd, _ = _ifd(entries, bo="<", start=12, base=0)
    return MakerNote(b"FUJIFILM" + struct.pack("<I", 12) + ifd, bo="<")


MAKER_NOTES = {
    "canon": _note_canon,
    "nikon": _note_nikon,
    "sony": _note_sony,
    "apple": _note_apple,
    "samsung": _note_samsung,
    "google": _note_google,
    "fuji": _note_fuji,
}

# ------------------------------------------------------------------------------------------------
# pixels


@dataclass(frozen=True)
class BaseImage:
    """Encoded JPEG image data (after SOI, without APP0) and its thumbnail."""

    width: int
    height: int
    body: bytes
    thumbnail: bytes


def _strip_to_body(jpeg: bytes) -> bytes:
    """The bytes after SOI of a Pillow JPEG, with its JFIF APP0 segment removed."""
    assert jpeg[:2] == b"\xff\xd8"
    pos = 2
    if jpeg[pos : pos + 2] == b"\xff\xe0":
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        pos += 2 + length
    return jpeg[pos:]


def make_base_images(rng: np.random.Generator, n: int = 24) -> list[BaseImage]:
    """``n`` synthetic pictures (sky, ground, blocks, noise), landscape and a few portrait."""
    sizes = [(640, 480), (600, 400), (576, 432), (640, 427), (480, 640)]
    images = []
    for i in range(n):
        w, h = sizes[i % len(sizes)]
        yy = np.linspace(0.0, 1.0, h)[:, None, None]
        sky = rng.uniform(120, 230, size=3)
        img = np.broadcast_to(sky * (1 - 0.35 * yy), (h, w, 3)).copy()
        horizon = int(rng.integers(h // 3, 2 * h // 3))
        img[horizon:] = rng.uniform(40, 160, size=3)
        for _ in range(int(rng.integers(4, 12))):
            x0 = int(rng.integers(0, w - 20))
            bw = int(rng.integers(10, w // 4))
            top = int(rng.integers(h // 10, horizon + 1))
            img[top:, x0 : x0 + bw] = rng.uniform(30, 220, size=3)
        # texture: coarse noise upsampled (compresses like real detail) plus fine grain
        coarse = rng.normal(0.0, 14.0, size=(h // 8 + 1, w // 8 + 1, 3))
        img += np.kron(coarse, np.ones((8, 8, 1)))[:h, :w]
        img += rng.normal(0.0, float(rng.uniform(3.0, 6.0)), size=img.shape)
        pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
        buf = io.BytesIO()
        pil.save(buf, "JPEG", quality=int(rng.integers(55, 70)), optimize=False)
        thumb = pil.copy()
        thumb.thumbnail((160, 120))
        canvas = Image.new("RGB", (160, 120) if w >= h else (120, 160))
        canvas.paste(
            thumb, ((canvas.width - thumb.width) // 2, (canvas.height - thumb.height) // 2)
        )
        tbuf = io.BytesIO()
        canvas.save(tbuf, "JPEG", quality=75)
        images.append(BaseImage(w, h, _strip_to_body(buf.getvalue()), tbuf.getvalue()))
    return images


# ------------------------------------------------------------------------------------------------
# the photo table (who, where, when, which camera)


def _offset_text(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _user_ids(rng: np.random.Generator, n: int) -> list[str]:
    ids: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        uid = f"{int(rng.integers(10**7, 10**11))}@N{int(rng.integers(0, 8)):02d}"
        if uid not in ids:
            ids.add(uid)
            out.append(uid)
    return out


def _split_counts(rng: np.random.Generator, total: int, n: int, *, minimum: int) -> np.ndarray:
    """``n`` heavy-tailed positive counts (each ≥ ``minimum``) summing to ``total``."""
    weights = rng.lognormal(0.0, 1.0, size=n)
    extra = total - minimum * n
    counts = np.floor(weights / weights.sum() * extra).astype(int)
    counts[np.argsort(-weights)[: extra - counts.sum()]] += 1
    return counts + minimum


def _offset_point(
    lat: float, lon: float, dist_m: np.ndarray, bearing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Points ``dist_m`` from (lat, lon) towards ``bearing`` (radians; small distances)."""
    dlat = dist_m * np.cos(bearing) / EARTH_RADIUS_M
    dlon = dist_m * np.sin(bearing) / (EARTH_RADIUS_M * np.cos(np.radians(lat)))
    return lat + np.degrees(dlat), lon + np.degrees(dlon)


def plan_photos(rng: np.random.Generator, *, n_photos: int, n_users: int) -> pd.DataFrame:
    """One row a photo: user, folder, camera, city, true position and time (before encoding)."""
    pois: list[tuple[int, float, float]] = []
    for c, (_, lat, lon, _zone) in enumerate(CITIES):
        dist = POI_RADIUS_M * np.sqrt(rng.uniform(0, 1, size=POIS_PER_CITY))
        plat, plon = _offset_point(lat, lon, dist, rng.uniform(0, 2 * np.pi, POIS_PER_CITY))
        pois.extend((c, a, b) for a, b in zip(plat, plon, strict=True))
    poi_city = np.array([p[0] for p in pois])
    poi_lat = np.array([p[1] for p in pois])
    poi_lon = np.array([p[2] for p in pois])

    users = _user_ids(rng, n_users)
    counts = _split_counts(rng, n_photos, n_users, minimum=8)
    p_cam = CAMERA_WEIGHTS / CAMERA_WEIGHTS.sum()
    rows: list[pd.DataFrame] = []
    for user, count in zip(users, counts, strict=True):
        n_cams = 1 + int(rng.random() < 0.35)
        cams = rng.choice(len(CAMERAS), size=n_cams, replace=False, p=p_cam)
        n_trips = int(min(max(1, count // 25), rng.integers(1, 6)))
        trip_sizes = _split_counts(rng, int(count), n_trips, minimum=count // n_trips // 2 or 1)
        by_trip = rng.random() < 0.3  # sorts photos into one sub-folder per trip
        for size in trip_sizes:
            city = int(rng.integers(len(CITIES)))
            zone = ZoneInfo(CITIES[city][3])
            year = int(rng.integers(YEARS[0], YEARS[1] + 1))
            start = datetime(year, 1, 1) + timedelta(days=int(rng.integers(0, 360)))
            n_days = int(rng.integers(1, 6))
            day = rng.integers(0, n_days, size=size)
            second = rng.integers(8 * 3600, 22 * 3600, size=size)
            local = np.sort(
                np.datetime64(start, "s") + day * 86400 + second.astype("timedelta64[s]")
            )
            city_pois = np.flatnonzero(poi_city == city)
            poi = rng.choice(city_pois, size=size)
            dlat, dlon = _offset_point(
                0.0, 0.0, rng.uniform(*JITTER_M, size=size), rng.uniform(0, 2 * np.pi, size)
            )
            lat = poi_lat[poi] + dlat
            lon = poi_lon[poi] + dlon / np.cos(np.radians(poi_lat[poi]))
            # canonical wall time: wall → UTC (fold=0: DST when ambiguous) → wall
            utc = []
            walls = []
            for t in local.astype(datetime):
                aware = t.replace(tzinfo=zone)
                instant = aware.astimezone(UTC)
                utc.append(instant)
                walls.append(instant.astimezone(zone))
            folder = f"{user}/{start:%Y-%m} {CITIES[city][0]}" if by_trip else user
            rows.append(
                pd.DataFrame(
                    {
                        "user": user,
                        "folder": folder,
                        "camera": cams[rng.integers(0, n_cams, size=size)],
                        "city": city,
                        "zone": CITIES[city][3],
                        "lat": lat,
                        "lon": lon,
                        "utc": pd.Series(utc, dtype=object),
                        "wall": pd.Series(walls, dtype=object),
                    }
                )
            )
    photos = pd.concat(rows, ignore_index=True)
    return photos


# ------------------------------------------------------------------------------------------------
# EXIF of one photo


def _dms(value: float, style: str) -> tuple[tuple[tuple[int, int], ...], float]:
    """GPS rationals of ``|value|`` in a camera's style, and the value they encode."""
    v = abs(value)
    d = int(v)
    if style == "deg":
        num = round(v * 10**7)
        return ((num, 10**7), (0, 1), (0, 1)), num / 10**7
    if style == "dm":
        m = round((v - d) * 60 * 10**6)
        if m == 60 * 10**6:
            d, m = d + 1, 0
        return ((d, 1), (m, 10**6), (0, 1)), d + m / 10**6 / 60
    den = 100 if style == "dms100" else 10_000
    minutes = int((v - d) * 60)
    s = round(((v - d) * 60 - minutes) * 60 * den)
    if s == 60 * den:
        minutes, s = minutes + 1, 0
    if minutes == 60:
        d, minutes = d + 1, 0
    return ((d, 1), (minutes, 1), (s, den)), d + minutes / 60 + s / den / 3600


def _apex(x: float) -> tuple[int, int]:
    return round(x * 1_000_000), 1_000_000


def build_exif(
    p: dict, cam: Camera, base: BaseImage, rng: np.random.Generator
) -> tuple[bytes, dict]:
    """``Exif\\0\\0`` + TIFF bytes of one photo and the truth it encodes (position, instant)."""
    wall: datetime = p["wall"]
    utc: datetime = p["utc"]
    stamp = wall.strftime("%Y:%m:%d %H:%M:%S")
    phone = cam.kind == "phone"
    kind = "phone" if phone else ("gps_camera" if cam.gps else "camera")
    has_gps = bool(rng.random() < P_GPS[kind])
    lightroom = (not cam.gps) and has_gps and rng.random() < 0.6
    software = str(rng.choice(LIGHTROOM)) if lightroom else cam.software

    exposure = [30, 60, 100, 125, 250, 320, 500, 1000, 2000][int(rng.integers(0, 9))]
    fnum = float(rng.choice([1.8, 2.2]) if phone else rng.choice([2.8, 4.0, 5.6, 8.0, 11.0]))
    iso = int(
        rng.choice([25, 32, 50, 64, 100, 200])
        if phone
        else rng.choice([100, 200, 400, 800, 1600, 3200])
    )
    focal = float(rng.uniform(*cam.focal_mm))
    serial = int(rng.integers(10**6, 10**9))
    subsec = f"{int(rng.integers(0, 1000)):03d}"
    offset = _offset_text(wall.utcoffset() or timedelta(0))

    zeroth: dict[int, object] = {
        piexif.ImageIFD.Make: cam.make,
        piexif.ImageIFD.Model: cam.model,
        piexif.ImageIFD.Orientation: 1 if base.width >= base.height else 6,
        piexif.ImageIFD.XResolution: (72, 1) if phone else (300, 1),
        piexif.ImageIFD.YResolution: (72, 1) if phone else (300, 1),
        piexif.ImageIFD.ResolutionUnit: 2,
        piexif.ImageIFD.DateTime: stamp,
        piexif.ImageIFD.YCbCrPositioning: 1 if phone else 2,
    }
    if software:
        zeroth[piexif.ImageIFD.Software] = software
    if cam.make == "Apple":
        zeroth[piexif.ImageIFD.HostComputer] = cam.model
    if not phone and p["artist"]:
        zeroth[piexif.ImageIFD.Artist] = p["artist"]
        zeroth[piexif.ImageIFD.Copyright] = f"Copyright {p['artist']}, all rights reserved"
    exif: dict[int, object] = {
        piexif.ExifIFD.ExposureTime: (1, exposure),
        piexif.ExifIFD.FNumber: (round(fnum * 10), 10),
        piexif.ExifIFD.ExposureProgram: 2 if phone else int(rng.choice([1, 2, 3])),
        piexif.ExifIFD.ISOSpeedRatings: iso,
        piexif.ExifIFD.ExifVersion: b"0232" if cam.offsets else b"0230",
        piexif.ExifIFD.DateTimeOriginal: stamp,
        piexif.ExifIFD.DateTimeDigitized: stamp,
        piexif.ExifIFD.ComponentsConfiguration: b"\x01\x02\x03\x00",
        piexif.ExifIFD.ShutterSpeedValue: (
            round(np.log2(exposure) * 1_000_000),
            1_000_000,
        ),
        piexif.ExifIFD.ApertureValue: _apex(2 * np.log2(fnum)),
        piexif.ExifIFD.ExposureBiasValue: (int(rng.choice([-6, -3, 0, 0, 0, 3])), 6),
        piexif.ExifIFD.MaxApertureValue: _apex(2 * np.log2(fnum if phone else 4.0)),
        piexif.ExifIFD.MeteringMode: 5,
        piexif.ExifIFD.LightSource: 0,
        piexif.ExifIFD.Flash: int(rng.choice([16, 16, 16, 24, 25])),
        piexif.ExifIFD.FocalLength: (round(focal * 100), 100),
        piexif.ExifIFD.SubSecTimeOriginal: subsec,
        piexif.ExifIFD.SubSecTimeDigitized: subsec,
        piexif.ExifIFD.FlashpixVersion: b"0100",
        piexif.ExifIFD.ColorSpace: 1,
        piexif.ExifIFD.PixelXDimension: base.width,
        piexif.ExifIFD.PixelYDimension: base.height,
        piexif.ExifIFD.SensingMethod: 2,
        piexif.ExifIFD.FileSource: b"\x03",
        piexif.ExifIFD.SceneType: b"\x01",
        piexif.ExifIFD.CustomRendered: 0,
        piexif.ExifIFD.ExposureMode: 0,
        piexif.ExifIFD.WhiteBalance: 0,
        piexif.ExifIFD.FocalLengthIn35mmFilm: round(focal * cam.crop),
        piexif.ExifIFD.SceneCaptureType: 0,
    }
    if phone:
        exif[piexif.ExifIFD.BrightnessValue] = _apex(float(rng.uniform(-1.0, 10.0)))
        exif[piexif.ExifIFD.SubjectArea] = (2015, 1511, 2217, 1330)
    else:
        exif[piexif.ExifIFD.SensitivityType] = 2
        exif[piexif.ExifIFD.RecommendedExposureIndex] = iso
        exif[piexif.ExifIFD.BodySerialNumber] = str(serial)
        exif[piexif.ExifIFD.Contrast] = 0
        exif[piexif.ExifIFD.Saturation] = 0
        exif[piexif.ExifIFD.Sharpness] = 0
    if cam.lens:
        lo, hi = cam.focal_mm
        exif[piexif.ExifIFD.LensSpecification] = (
            (round(lo * 100), 100),
            (round(hi * 100), 100),
            (round(fnum * 10), 10),
            (round(fnum * 10), 10),
        )
        exif[piexif.ExifIFD.LensMake] = "Apple" if cam.make == "Apple" else cam.make.split()[0]
        exif[piexif.ExifIFD.LensModel] = cam.lens
        if not phone:
            exif[piexif.ExifIFD.LensSerialNumber] = f"{int(rng.integers(10**5, 10**8))}"
    if cam.offsets:
        exif[piexif.ExifIFD.OffsetTime] = offset
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset
        exif[piexif.ExifIFD.OffsetTimeDigitized] = offset

    note_size = int(rng.uniform(*cam.note_kb) * 1024)
    note = MAKER_NOTES[cam.note](
        {
            "model": cam.model,
            "firmware": cam.software,
            "serial": serial,
            "iso": iso,
            "focal": focal,
            "lens": cam.lens,
        },
        rng,
        note_size,
    )
    exif[piexif.ExifIFD.MakerNote] = note.blob

    gps: dict[int, object] = {}
    truth: dict[str, Any] = {"lat": np.nan, "lon": np.nan, "has_gps": has_gps}
    if has_gps:
        lat_r, lat = _dms(p["lat"], cam.gps_style)
        lon_r, lon = _dms(p["lon"], cam.gps_style)
        truth["lat"] = lat if p["lat"] >= 0 else -lat
        truth["lon"] = lon if p["lon"] >= 0 else -lon
        gps = {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0) if phone else (2, 2, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: "N" if p["lat"] >= 0 else "S",
            piexif.GPSIFD.GPSLatitude: lat_r,
            piexif.GPSIFD.GPSLongitudeRef: "E" if p["lon"] >= 0 else "W",
            piexif.GPSIFD.GPSLongitude: lon_r,
            piexif.GPSIFD.GPSAltitudeRef: 0,
            piexif.GPSIFD.GPSAltitude: (int(rng.integers(500, 15_000)), 100),
        }
        if cam.gps:
            gps[piexif.GPSIFD.GPSTimeStamp] = ((utc.hour, 1), (utc.minute, 1), (utc.second, 1))
            gps[piexif.GPSIFD.GPSDateStamp] = utc.strftime("%Y:%m:%d")
            if phone:
                gps[piexif.GPSIFD.GPSSpeedRef] = "K"
                gps[piexif.GPSIFD.GPSSpeed] = (int(rng.integers(0, 3000)), 1000)
                gps[piexif.GPSIFD.GPSImgDirectionRef] = "T"
                gps[piexif.GPSIFD.GPSImgDirection] = (int(rng.integers(0, 359_999)), 1000)
                gps[piexif.GPSIFD.GPSHPositioningError] = (int(rng.integers(3, 65)), 1)
            else:
                gps[piexif.GPSIFD.GPSMapDatum] = "WGS-84"
    if cam.offsets:
        truth["path"] = "offset"
    elif has_gps and cam.gps:
        truth["path"] = "gps"
    else:
        truth["path"] = "zone"

    first = {
        piexif.ImageIFD.Compression: 6,
        piexif.ImageIFD.XResolution: (72, 1),
        piexif.ImageIFD.YResolution: (72, 1),
        piexif.ImageIFD.ResolutionUnit: 2,
    }
    data = piexif.dump(
        {
            "0th": zeroth,
            "Exif": exif,
            "GPS": gps,
            "Interop": {piexif.InteropIFD.InteroperabilityIndex: "R98"},
            "1st": first,
            "thumbnail": base.thumbnail,
        }
    )
    if note.absolute:  # offsets relative to the TIFF header: patch in the note's position
        at = data.find(note.blob)
        tiff_pos = at - 6  # after b"Exif\0\0"
        blob = bytearray(note.blob)
        for field in note.absolute:
            (value,) = struct.unpack_from(">I", blob, field)
            struct.pack_into(">I", blob, field, value + tiff_pos)
        data = data[:at] + bytes(blob) + data[at + len(blob) :]
    return data, truth


# ------------------------------------------------------------------------------------------------
# file names and the folder


def _file_name(cam: Camera, counter: int, p: dict) -> str:
    wall: datetime = p["wall"]
    utc: datetime = p["utc"]
    ms = counter % 1000
    match cam.naming:
        case "apple" | "canon":
            return f"IMG_{counter % 10_000:04d}.JPG"
        case "nikon":
            return f"DSC_{counter % 10_000:04d}.JPG"
        case "sony":
            return f"DSC{counter % 100_000:05d}.JPG"
        case "fuji":
            return f"DSCF{counter % 10_000:04d}.JPG"
        case "samsung":
            return f"{wall:%Y%m%d_%H%M%S}.jpg"
        case "google_img":
            return f"IMG_{wall:%Y%m%d_%H%M%S}.jpg"
        case "google_pxl":
            return f"PXL_{utc:%Y%m%d_%H%M%S}{ms:03d}.jpg"
    raise ValueError(cam.naming)


@dataclass(frozen=True)
class Dataset:
    """A generated photo folder."""

    root: Path  #: the dataset folder (manifest, truth, photos/)
    photos: Path  #: the folder to ingest
    truth: pd.DataFrame  #: photo_id, has_gps, lat, lon, utc, zone, path, camera
    n_files: int
    n_bytes: int
    reused: bool


def _params(*, n_photos: int, n_users: int, seed: int) -> dict:
    return {
        "generator_version": GENERATOR_VERSION,
        "n_photos": n_photos,
        "n_users": n_users,
        "seed": seed,
    }


def _load(root: Path, params: dict) -> Dataset | None:
    """The dataset at ``root`` if its manifest matches ``params`` and its files are all there."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if {k: manifest.get(k) for k in params} != params:
        return None
    files = [f for f in (root / PHOTOS).rglob("*") if f.is_file()]
    if len(files) != manifest.get("n_files"):
        return None
    truth = pd.read_csv(root / TRUTH, dtype={"photo_id": str, "zone": str, "path": str})
    truth["utc"] = pd.to_datetime(truth["utc"], utc=True)
    return Dataset(
        root, root / PHOTOS, truth, manifest["n_files"], manifest["n_bytes"], reused=True
    )


def make_dataset(
    root: str | Path, *, n_photos: int = 5000, n_users: int = 100, seed: int = 0
) -> Dataset:
    """Generate the photo folder under ``root`` (or reuse it when already generated alike).

    Parameters
    ----------
    root
        Dataset folder: receives ``photos/``, ``truth.csv`` and ``manifest.json``. It must be
        empty, absent, or a dataset made by this generator (it is then remade if its parameters
        differ).
    n_photos
        Number of JPEG files.
    n_users
        Number of photographers (sub-folders of ``photos/``).
    seed
        Seed of every random choice: same seed, same bytes.

    Returns
    -------
    Dataset
    """
    root = Path(root)
    params = _params(n_photos=n_photos, n_users=n_users, seed=seed)
    found = _load(root, params)
    if found is not None:
        logger.info("reusing %d photos in %s", found.n_files, found.photos)
        return found
    if root.exists() and any(root.iterdir()):
        if not (root / MANIFEST).exists() and not (root / PHOTOS).exists():
            raise SystemExit(
                f"{root} is not empty and was not made by this generator; "
                "pass an empty or new folder"
            )
        logger.info("remaking %s (other parameters or incomplete)", root)
        (root / MANIFEST).unlink(missing_ok=True)
        shutil.rmtree(root / PHOTOS, ignore_errors=True)
    if n_users < 1 or n_photos < 8 * n_users:
        raise SystemExit(f"need at least 8 photos per user: n_photos={n_photos}, n_users={n_users}")

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    bases = make_base_images(rng)
    plan = plan_photos(rng, n_photos=n_photos, n_users=n_users)
    artists = {
        u: str(rng.choice(["", "", "Jane Doe", "M. Rossi", "K. Tanaka", "A. Silva"]))
        for u in plan["user"].unique()
    }
    counters: dict[tuple[str, int], int] = {}
    taken: set[str] = set()
    truth_rows = []
    n_bytes = 0
    made_dirs: set[str] = set()
    for p in plan.to_dict("records"):
        cam = CAMERAS[int(p["camera"])]
        base = bases[int(rng.integers(len(bases)))]
        p["artist"] = artists[p["user"]]
        data, truth = build_exif(p, cam, base, rng)
        key = (p["user"], int(p["camera"]))
        counter = counters.setdefault(key, int(rng.integers(1, 9000)))
        counter += 1
        counters[key] = counter
        rel = f"{p['folder']}/{_file_name(cam, counter, p)}"
        stem, dot, suffix = rel.rpartition(".")
        k = 0
        while rel in taken:  # same second (phones) or a counter wrap: camera-style suffix
            rel = f"{stem}({k}){dot}{suffix}"
            k += 1
        taken.add(rel)
        app1 = b"\xff\xe1" + struct.pack(">H", len(data) + 2) + data
        content = b"\xff\xd8" + app1 + base.body
        out = root / PHOTOS / rel
        if p["folder"] not in made_dirs:
            out.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(p["folder"])
        out.write_bytes(content)
        n_bytes += len(content)
        truth_rows.append(
            {
                "photo_id": rel,
                "has_gps": truth["has_gps"],
                "lat": truth["lat"],
                "lon": truth["lon"],
                "utc": p["utc"].isoformat(),
                "zone": p["zone"],
                "path": truth["path"],
                "camera": f"{cam.make} {cam.model}",
                "bytes": len(content),
            }
        )
    truth_df = pd.DataFrame(truth_rows).sort_values("photo_id", kind="mergesort")
    truth_df.to_csv(root / TRUTH, index=False, float_format="%.10f")
    manifest = {**params, "n_files": len(truth_df), "n_bytes": n_bytes}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    logger.info(
        "wrote %d photos (%.1f MB) to %s in %.1f s",
        len(truth_df),
        n_bytes / 1e6,
        root / PHOTOS,
        time.perf_counter() - t0,
    )
    truth_df["utc"] = pd.to_datetime(truth_df["utc"], utc=True)
    return Dataset(
        root, root / PHOTOS, truth_df.reset_index(drop=True), len(truth_df), n_bytes, reused=False
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="dataset folder (photos/ goes inside)")
    parser.add_argument("--n-photos", type=int, default=5000)
    parser.add_argument("--n-users", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ds = make_dataset(args.root, n_photos=args.n_photos, n_users=args.n_users, seed=args.seed)
    sizes = ds.truth["bytes"]
    print(
        f"{ds.n_files} files, {ds.n_bytes / 1e6:.1f} MB, {sizes.min() / 1024:.0f}–"
        f"{sizes.max() / 1024:.0f} KB (median {sizes.median() / 1024:.0f} KB), "
        f"GPS on {ds.truth['has_gps'].mean():.0%}, time paths "
        + ", ".join(
            f"{k} {v:.0%}" for k, v in ds.truth["path"].value_counts(normalize=True).items()
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
