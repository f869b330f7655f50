"""Make ``data/sample_photos/``: a realistic geo-tagged photo dump built from real Toronto trips.

The folder is the default input of the demo (``routeplan plan data/sample_photos``) and of the
end-to-end tests. It looks like what a user gets after downloading the photos of a few dozen
Flickr photographers: one sub-folder per photographer (the Flickr user id), camera file names,
EXIF written the way cameras, phones and Lightroom write it, and a few broken files.

What is real and what is synthetic:

- real (from the Toronto data set of Lim et al., IJCAI 2015, in ``--source``): photographers,
  their trips (visit sequences), the POI of every photo and its coordinates, the time of every
  photo (unix seconds, UTC);
- synthetic: the pixels (96×72 blocks coloured by POI theme, with noise), the GPS error
  (5–40 m from the POI, uniform distance and bearing), altitude, cameras, file names, titles.

Selection (deterministic): trips with at least 3 distinct POIs; per photographer the
``MAX_TRIPS_PER_USER`` trips with most POIs; per visit at most ``MAX_PHOTOS_PER_VISIT`` photos
(always the first and the last, so visit durations stay real); photographers picked greedily so
that every POI the data can cover is photographed by at least ``MIN_USERS_PER_POI`` of them, then
by number of POIs. Rows dated before 2000 are skipped (broken camera clocks).

Time zones: ``DateTimeOriginal`` is the local wall time of America/Toronto (with DST). About a
third of the photos carry ``OffsetTimeOriginal`` (DSLR photos re-exported by Lightroom Classic),
about half a UTC GPS date/time stamp (phones and GPS cameras), the rest neither (DSLR photos
geotagged afterwards), so all three ways of resolving the zone occur.

Usage (from the repository root)::

    python scripts/make_sample_photos.py [--source ../shared/data/tour] [--out data/sample_photos]
                                         [--seed 7]

The output folder is deleted and recreated; reruns with the same seed are byte-identical.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import piexif
from numpy.typing import NDArray
from PIL import Image

logger = logging.getLogger("make_sample_photos")

TZ_NAME = "America/Toronto"
TZ = ZoneInfo(TZ_NAME)
#: Rows taken before this instant (2000-01-01 UTC) are broken camera clocks: skipped.
MIN_UNIX_S = 946_684_800
#: A trip is kept only when it visits at least this many distinct POIs.
MIN_POIS_PER_TRIP = 3
#: Number of photographers in the folder.
N_USERS = 60
#: At most this many trips per photographer (those with most POIs).
MAX_TRIPS_PER_USER = 2
#: At most this many photos per visit (first and last always kept).
MAX_PHOTOS_PER_VISIT = 3
#: Every POI the data allows is photographed by at least this many chosen photographers.
MIN_USERS_PER_POI = 3
#: GPS error: uniform distance in [min, max] metres, uniform bearing.
GPS_ERROR_M = (5.0, 40.0)
#: Altitude above sea level written to GPSAltitude, uniform in this range (metres).
ALTITUDE_M = (76.0, 120.0)
EARTH_RADIUS_M = 6_371_008.8
IMAGE_SIZE = (96, 72)
JPEG_QUALITY = 70
#: Share of photos per time-zone path: offset tag (Lightroom), GPS stamp (phones), neither.
TARGET_SHARES = {"lightroom": 0.34, "phone": 0.44, "camera": 0.22}

#: Display colours (RGB) of the POI themes of the Toronto data.
THEME_RGB = {
    "Sport": (200, 60, 50),
    "Cultural": (150, 90, 170),
    "Amusement": (230, 160, 40),
    "Beach": (60, 150, 200),
    "Shopping": (220, 90, 140),
    "Structure": (120, 120, 130),
}
#: POIs one takes "view from" photos at.
VIEWPOINTS = {"CN Tower", "Casa Loma", "Toronto Islands", "High Park", "Harbourfront Centre"}


@dataclass(frozen=True)
class Camera:
    """A camera or phone model and how it writes files."""

    make: str
    model: str
    released: str  # ISO date: nobody shoots with it before
    kind: str  # "phone" or "camera"
    naming: str  # key of the file-name scheme, see `_file_name`
    gps_stamp: bool  # writes GPSDateStamp/GPSTimeStamp (built-in GPS)
    subsec: int  # digits of SubSecTimeOriginal, 0 for none
    software: str = ""
    description: str = ""  # what the firmware writes into ImageDescription


CAMERAS: tuple[Camera, ...] = (
    # phones (built-in GPS, write a UTC GPS time stamp)
    Camera("Nokia", "N95", "2007-03-01", "phone", "nokia", True, 0, "V 20.0.015"),
    Camera("Apple", "iPhone 3G", "2008-07-11", "phone", "img", True, 0, "3.1.3"),
    Camera("Apple", "iPhone 3GS", "2009-06-19", "phone", "img", True, 0, "4.3.3"),
    Camera("Apple", "iPhone 4", "2010-06-24", "phone", "img", True, 3, "5.1.1"),
    Camera("Apple", "iPhone 4S", "2011-10-14", "phone", "img", True, 3, "6.1.3"),
    Camera("Apple", "iPhone 5", "2012-09-21", "phone", "img", True, 3, "7.0.4"),
    Camera("Apple", "iPhone 5s", "2013-09-20", "phone", "img", True, 3, "7.1"),
    Camera("HTC", "Nexus One", "2010-01-05", "phone", "android", True, 0),
    Camera("samsung", "GT-I9100", "2011-05-01", "phone", "samsung", True, 0, "I9100XWLPG"),
    Camera("samsung", "GT-I9300", "2012-05-29", "phone", "samsung", True, 0, "I9300XXELLA"),
    Camera("LGE", "Nexus 4", "2012-11-13", "phone", "android", True, 3),
    Camera("LGE", "Nexus 5", "2013-10-31", "phone", "android", True, 3),
    # cameras with a GPS receiver
    Camera(
        "NIKON", "COOLPIX P6000", "2008-09-01", "camera", "coolpix", True, 0, "COOLPIX P6000V1.1"
    ),
    Camera("SONY", "DSC-HX5V", "2010-03-01", "camera", "sony", True, 0),
    Camera("Panasonic", "DMC-TZ10", "2010-03-01", "camera", "panasonic", True, 0, "Ver.1.0  "),
    Camera("Canon", "Canon EOS 6D", "2012-12-01", "camera", "img", True, 2),
    # cameras without GPS (photos geotagged afterwards)
    Camera("Canon", "Canon EOS 350D DIGITAL", "2005-03-01", "camera", "img", False, 2),
    Camera("Canon", "Canon EOS 400D DIGITAL", "2006-09-01", "camera", "img", False, 2),
    Camera("Canon", "Canon PowerShot SD1000", "2007-03-01", "camera", "img", False, 0),
    Camera("Canon", "Canon EOS 40D", "2007-09-01", "camera", "img", False, 2),
    Camera("Canon", "Canon EOS 5D Mark II", "2008-11-01", "camera", "img", False, 2),
    Camera("Canon", "Canon EOS 7D", "2009-10-01", "camera", "img", False, 2),
    Camera("Canon", "Canon EOS 550D", "2010-02-24", "camera", "img", False, 2),
    Camera(
        "NIKON CORPORATION", "NIKON D80", "2006-09-01", "camera", "nikon", False, 2, "Ver.1.10 "
    ),
    Camera(
        "NIKON CORPORATION", "NIKON D90", "2008-09-01", "camera", "nikon", False, 2, "Ver.1.00 "
    ),
    Camera(
        "NIKON CORPORATION", "NIKON D7000", "2010-10-01", "camera", "nikon", False, 2, "Ver.1.03 "
    ),
    Camera("SONY", "DSLR-A200", "2008-01-01", "camera", "sony", False, 0),
    Camera("SONY", "NEX-5N", "2011-09-01", "camera", "sony", False, 0, "NEX-5N v1.01"),
    Camera("FUJIFILM", "FinePix S5600", "2005-02-01", "camera", "fuji", False, 0),
    Camera(
        "FUJIFILM", "X100", "2011-03-01", "camera", "fuji", False, 0, "Digital Camera X100 Ver1.20"
    ),
    Camera(
        "OLYMPUS IMAGING CORP.",
        "E-510",
        "2007-06-01",
        "camera",
        "olympus",
        False,
        0,
        "Version 1.0",
        "OLYMPUS DIGITAL CAMERA         ",
    ),
    Camera("Panasonic", "DMC-FZ28", "2008-08-01", "camera", "panasonic", False, 0, "Ver.1.0  "),
)

#: Software that re-exported the DSLR photos that carry OffsetTimeOriginal.
LIGHTROOM = (
    "Adobe Photoshop Lightroom Classic 9.2 (Windows)",
    "Adobe Photoshop Lightroom Classic 9.4 (Macintosh)",
    "Adobe Photoshop Lightroom Classic 10.1 (Windows)",
)

# ------------------------------------------------------------------------------------------------
# reading the source data


def poi_display_name(raw: str) -> str:
    """Human name of a POI from its URL-encoded Wikipedia title.

    ``Ripley%27s_Aquarium_of_Canada`` → ``Ripley's Aquarium of Canada``,
    ``Old_City_Hall_(Toronto)`` → ``Old City Hall``, ``Yorkville,_Toronto`` → ``Yorkville``.
    """
    name = urllib.parse.unquote(raw).replace("_", " ").strip()
    for suffix in (" (Toronto)", ", Toronto"):
        name = name.removesuffix(suffix)
    return name


def read_pois(source: Path) -> pd.DataFrame:
    """POIs of Toronto: poi_id, name, lat, lon, theme (indexed by poi_id)."""
    pois = pd.read_csv(source / "POI-Toro.csv", sep=";", skipinitialspace=True)
    pois = pois.rename(columns={"poiID": "poi_id", "poiName": "raw_name", "long": "lon"})
    pois["name"] = pois["raw_name"].map(poi_display_name)
    pois["lat"] = pois["lat"].astype(float)
    pois["lon"] = pois["lon"].astype(float)
    return pois.set_index("poi_id")[["name", "lat", "lon", "theme"]]


def read_photo_rows(source: Path) -> pd.DataFrame:
    """Photo-level rows of the Toronto trips, sorted by trip and time, with visit numbers.

    Columns: photo_ref, user_id, ts (unix s, UTC), poi_id, seq_id, visit (global visit number:
    a run of consecutive photos of one trip at one POI), rank and size (of the photo in its visit).
    """
    rows = pd.read_csv(source / "userVisits-Toro.csv", sep=";", quotechar='"')
    rows = rows.rename(
        columns={
            "photoID": "photo_ref",
            "userID": "user_id",
            "dateTaken": "ts",
            "poiID": "poi_id",
            "seqID": "seq_id",
        }
    )[["photo_ref", "user_id", "ts", "poi_id", "seq_id"]]
    n_before = len(rows)
    rows = rows[rows["ts"] >= MIN_UNIX_S]
    logger.info("skipped %d rows dated before 2000", n_before - len(rows))
    rows = rows.sort_values(["seq_id", "ts", "photo_ref"], kind="mergesort").reset_index(drop=True)
    new_visit = (rows["poi_id"] != rows.groupby("seq_id")["poi_id"].shift()).to_numpy()
    rows["visit"] = np.cumsum(new_visit)
    rows["rank"] = rows.groupby("visit").cumcount()
    rows["size"] = rows.groupby("visit")["photo_ref"].transform("size")
    return rows


# ------------------------------------------------------------------------------------------------
# choosing photographers, trips and photos


def _subsample_visits(rows: pd.DataFrame, *, max_per_visit: int) -> pd.DataFrame:
    """Keep at most ``max_per_visit`` evenly spaced photos per visit, always first and last."""
    n = rows["size"].to_numpy()
    r = rows["rank"].to_numpy()
    k = np.minimum(n, max_per_visit)
    # the kept ranks are round(j * (n-1) / (k-1)), j = 0..k-1; test each photo against them
    step = np.where(k > 1, (n - 1) / np.maximum(k - 1, 1), 1.0)
    j = np.rint(r / step)
    keep = (n <= max_per_visit) | (np.rint(j * step) == r)
    return rows[keep]


def select_photos(rows: pd.DataFrame, *, n_users: int = N_USERS) -> pd.DataFrame:
    """Choose photographers, their trips and the photos of each visit (deterministic).

    Parameters
    ----------
    rows
        Output of :func:`read_photo_rows`.
    n_users
        Number of photographers to choose.

    Returns
    -------
    pandas.DataFrame
        The chosen rows, sorted by user and time.
    """
    trip_pois = rows.groupby("seq_id")["poi_id"].nunique()
    good = trip_pois[trip_pois >= MIN_POIS_PER_TRIP]
    trips = rows.drop_duplicates("seq_id").set_index("seq_id").loc[good.index, ["user_id"]]
    trips["n_pois"] = good
    trips = trips.reset_index().sort_values(["user_id", "n_pois", "seq_id"], ascending=[1, 0, 1])
    trips = trips.groupby("user_id").head(MAX_TRIPS_PER_USER)
    kept = rows[rows["seq_id"].isin(trips["seq_id"])]
    kept = _subsample_visits(kept, max_per_visit=MAX_PHOTOS_PER_VISIT)

    # users × POIs incidence, users in a fixed order
    inc = pd.crosstab(kept["user_id"], kept["poi_id"]).gt(0).sort_index()
    users = inc.index.to_numpy()
    inc_np = inc.to_numpy()
    n_photos = kept.groupby("user_id").size().reindex(users).to_numpy()
    # POIs are weighted by how many photographers of the whole data set went there
    weight = rows.groupby("poi_id")["user_id"].nunique().reindex(inc.columns).to_numpy(float)
    coverable = np.minimum(inc_np.sum(axis=0), MIN_USERS_PER_POI)
    covered = np.zeros(inc_np.shape[1])
    chosen: list[int] = []
    free = np.ones(len(users), dtype=bool)
    for _ in range(min(n_users, len(users))):
        short = covered < coverable
        gain = inc_np[:, short] @ weight[short]
        # lexicographic: coverage gain, then POIs visited, then fewer photos, then user id
        order = np.lexsort((np.arange(len(users)), n_photos, -inc_np.sum(axis=1), -gain))
        best = next(i for i in order if free[i])
        chosen.append(best)
        free[best] = False
        covered += inc_np[best]
    chosen_users = set(users[chosen])
    out = kept[kept["user_id"].isin(chosen_users)]
    return out.sort_values(["user_id", "ts", "photo_ref"], kind="mergesort").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# per-photo attributes (vectorised)


def jitter_positions(
    lat: NDArray, lon: NDArray, rng: np.random.Generator
) -> tuple[NDArray, NDArray, NDArray]:
    """Move each point by a GPS error: uniform distance in ``GPS_ERROR_M``, uniform bearing.

    Returns the new latitudes, longitudes and the distances moved in metres.
    """
    dist_m = rng.uniform(*GPS_ERROR_M, size=len(lat))
    bearing = rng.uniform(0.0, 2 * np.pi, size=len(lat))
    dlat = np.degrees(dist_m * np.cos(bearing) / EARTH_RADIUS_M)
    dlon = np.degrees(dist_m * np.sin(bearing) / (EARTH_RADIUS_M * np.cos(np.radians(lat))))
    return lat + dlat, lon + dlon, dist_m


def to_dms_rationals(deg: NDArray) -> NDArray:
    """Absolute degrees → int array (n, 3): degrees, minutes, seconds × 10 000 (rounded)."""
    ten_thousandths = np.rint(np.abs(deg) * 3600 * 10_000).astype(np.int64)
    d, rest = np.divmod(ten_thousandths, 3600 * 10_000)
    m, s = np.divmod(rest, 60 * 10_000)
    return np.stack([d, m, s], axis=1)


def local_times(ts: NDArray) -> pd.DataFrame:
    """EXIF strings of UTC unix seconds: local wall time, offset, UTC date and time parts."""
    utc = pd.Series(pd.to_datetime(ts, unit="s", utc=True))
    local = utc.dt.tz_convert(TZ)
    offset_min = (
        (local.dt.tz_localize(None) - utc.dt.tz_localize(None)).dt.total_seconds() // 60
    ).astype(int)
    sign = np.where(offset_min < 0, "-", "+")
    hh, mm = np.divmod(np.abs(offset_min.to_numpy()), 60)
    return pd.DataFrame(
        {
            "local": local.dt.strftime("%Y:%m:%d %H:%M:%S"),
            "local_hour": local.dt.hour,
            "local_stamp": local.dt.strftime("%Y%m%d_%H%M%S"),
            "offset": [f"{s}{h:02d}:{m:02d}" for s, h, m in zip(sign, hh, mm, strict=True)],
            "gps_date": utc.dt.strftime("%Y:%m:%d"),
            "utc_h": utc.dt.hour,
            "utc_m": utc.dt.minute,
            "utc_s": utc.dt.second,
        }
    )


# ------------------------------------------------------------------------------------------------
# cameras and file names


def assign_cameras(photos: pd.DataFrame, rng: np.random.Generator) -> dict[str, tuple[Camera, str]]:
    """Give each user a camera, fixed for all their photos, and a time-zone path.

    The path ("phone": GPS stamp, "lightroom": offset tag, "camera": neither) is chosen so that
    the photo shares approach ``TARGET_SHARES``; the model is one released at most four years
    before the user's first photo (any earlier one if none).
    """
    per_user = photos.groupby("user_id").agg(first=("ts", "min"), n=("ts", "size"))
    order = rng.permutation(len(per_user))
    done = dict.fromkeys(TARGET_SHARES, 0)
    total = 0
    result: dict[str, tuple[Camera, str]] = {}
    released = {c: pd.Timestamp(c.released) for c in CAMERAS}
    for i in order:
        user = str(per_user.index[i])
        first = pd.Timestamp(per_user["first"].iloc[i], unit="s")
        n = int(per_user["n"].iloc[i])
        total += n
        paths = sorted(TARGET_SHARES, key=lambda p: done[p] - TARGET_SHARES[p] * total)
        for path in paths:
            kind = "phone" if path == "phone" else "camera"
            usable = [c for c in CAMERAS if c.kind == kind and released[c] <= first]
            if usable:
                break
        recent = [c for c in usable if (first - released[c]).days <= 4 * 365] or usable
        camera = recent[int(rng.integers(len(recent)))]
        done[path] += n
        result[user] = (camera, path)
    return result


def _file_name(naming: str, counter: int, stamp: str, local: str) -> str:
    """File name a camera gives its photo number ``counter`` taken at local time ``stamp``."""
    c4 = (counter - 1) % 9999 + 1
    if naming == "img":
        return f"IMG_{c4:04d}.JPG"
    if naming == "nikon":
        return f"DSC_{c4:04d}.JPG"
    if naming == "coolpix":
        return f"DSCN{c4:04d}.JPG"
    if naming == "sony":
        return f"DSC{(counter - 1) % 99999 + 1:05d}.JPG"
    if naming == "fuji":
        return f"DSCF{c4:04d}.JPG"
    if naming == "panasonic":
        return f"P{100 + counter // 10000 % 900}{c4:04d}.JPG"
    if naming == "olympus":
        month = "123456789ABC"[int(local[5:7]) - 1]
        return f"P{month}{local[8:10]}{c4:04d}.JPG"
    if naming == "android":
        return f"IMG_{stamp}.jpg"
    if naming == "samsung":
        return f"{stamp}.jpg"
    if naming == "nokia":
        return f"{local[8:10]}{local[5:7]}{local[0:4]}{counter % 1000:03d}.jpg"
    raise ValueError(f"unknown naming scheme {naming!r}")


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with ``_1``, ``_2``... before the suffix if already in ``taken``."""
    stem, dot, suffix = name.rpartition(".")
    candidate, k = name, 0
    while candidate.lower() in taken:
        k += 1
        candidate = f"{stem}_{k}{dot}{suffix}"
    taken.add(candidate.lower())
    return candidate


# ------------------------------------------------------------------------------------------------
# titles and pixels


def _title(
    style: str, name: str, hour: int, stem: str, camera: Camera, rng: np.random.Generator
) -> str | None:
    """ImageDescription of one photo, or None for no tag."""
    if camera.description:
        return camera.description
    if style == "none":
        return None
    if style == "generic" or rng.random() < 0.3:
        return stem if rng.random() < 0.8 else ""
    templates = ["{n}", "{n}", "{n}, Toronto", "{n} - Toronto", "At {n}"]
    if name in VIEWPOINTS:
        templates += ["View from {n}", "view from the {n}"]
    if hour >= 20 or hour < 5:
        templates += ["{n} at night", "{n} at night"]
    return templates[int(rng.integers(len(templates)))].format(n=name)


def make_pixels(
    theme: str, *, portrait: bool, night: bool, rng: np.random.Generator
) -> Image.Image:
    """Small synthetic picture: sky gradient, ground and blocks in the theme colour, noise."""
    w, h = IMAGE_SIZE
    if portrait:
        w, h = h, w
    base = np.array(THEME_RGB[theme], dtype=float)
    sky = np.array([150.0, 190.0, 230.0]) * rng.uniform(0.6, 1.05) * (0.25 if night else 1.0)
    t = np.linspace(0.0, 1.0, h)[:, None, None]
    img = np.broadcast_to(sky * (1 - 0.3 * t), (h, w, 3)).copy()
    horizon = int(rng.integers(h // 3, 2 * h // 3))
    img[horizon:] = base * rng.uniform(0.5, 0.9)
    for _ in range(int(rng.integers(2, 6))):
        x0 = int(rng.integers(0, w - 8))
        bw = int(rng.integers(6, w // 3))
        top = int(rng.integers(h // 8, horizon + 1))
        img[top:, x0 : x0 + bw] = base * rng.uniform(0.7, 1.2)
    img += rng.normal(0.0, 5.0, size=img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


# ------------------------------------------------------------------------------------------------
# EXIF


def _rational(x: float, den: int) -> tuple[int, int]:
    return (round(x * den), den)


def build_exif(p: dict, camera: Camera, path: str, rng: np.random.Generator) -> bytes:
    """EXIF bytes of one photo (``p``: one row of the photo table as a dict)."""
    lightroom = path == "lightroom"
    phone = camera.kind == "phone"
    fnumbers = [2.4, 2.8] if phone else [2.8, 4.0, 5.6, 8.0, 11.0]
    focal_mm = (3.9, 4.3) if phone else (18.0, 55.0)
    zeroth: dict[int, object] = {
        piexif.ImageIFD.Make: camera.make,
        piexif.ImageIFD.Model: camera.model,
        piexif.ImageIFD.Orientation: 1,
        piexif.ImageIFD.XResolution: (72, 1),
        piexif.ImageIFD.YResolution: (72, 1),
        piexif.ImageIFD.ResolutionUnit: 2,
        piexif.ImageIFD.DateTime: p["export_time"] if lightroom else p["local"],
    }
    software = p["software"] if lightroom else camera.software
    if software:
        zeroth[piexif.ImageIFD.Software] = software
    if p["title"] is not None:
        zeroth[piexif.ImageIFD.ImageDescription] = p["title"]
    exif: dict[int, object] = {
        piexif.ExifIFD.ExifVersion: b"0231" if lightroom else b"0221",
        piexif.ExifIFD.DateTimeOriginal: p["local"],
        piexif.ExifIFD.DateTimeDigitized: p["local"],
        piexif.ExifIFD.ExposureTime: (1, int(rng.choice([30, 60, 125, 250, 500, 1000]))),
        piexif.ExifIFD.FNumber: _rational(float(rng.choice(fnumbers)), 10),
        piexif.ExifIFD.ISOSpeedRatings: int(rng.choice([100, 200, 400, 800])),
        piexif.ExifIFD.FocalLength: _rational(float(rng.uniform(*focal_mm)), 10),
        piexif.ExifIFD.PixelXDimension: p["width"],
        piexif.ExifIFD.PixelYDimension: p["height"],
    }
    if lightroom:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = p["offset"]
        exif[piexif.ExifIFD.OffsetTimeDigitized] = p["offset"]
    if camera.subsec:
        exif[piexif.ExifIFD.SubSecTimeOriginal] = f"{int(rng.integers(10**camera.subsec))}".zfill(
            camera.subsec
        )
    exif_dict: dict[str, object] = {"0th": zeroth, "Exif": exif}
    if p["gps"] != "none":
        exif_dict["GPS"] = _gps_ifd(p, camera)
    return piexif.dump(exif_dict)


def _gps_ifd(p: dict, camera: Camera) -> dict[int, object]:
    if p["gps"] == "zero":  # a phone without a fix writes zeros
        return {
            piexif.GPSIFD.GPSVersionID: (2, 2, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: "N",
            piexif.GPSIFD.GPSLatitude: ((0, 1), (0, 1), (0, 1)),
            piexif.GPSIFD.GPSLongitudeRef: "E",
            piexif.GPSIFD.GPSLongitude: ((0, 1), (0, 1), (0, 1)),
        }
    lat_d, lat_m, lat_s = p["lat_dms"]
    lon_d, lon_m, lon_s = p["lon_dms"]
    gps: dict[int, object] = {
        piexif.GPSIFD.GPSVersionID: (2, 2, 0, 0),
        piexif.GPSIFD.GPSLatitudeRef: "N" if p["lat"] >= 0 else "S",
        piexif.GPSIFD.GPSLatitude: ((int(lat_d), 1), (int(lat_m), 1), (int(lat_s), 10_000)),
        piexif.GPSIFD.GPSLongitudeRef: "E" if p["lon"] >= 0 else "W",
        piexif.GPSIFD.GPSLongitude: ((int(lon_d), 1), (int(lon_m), 1), (int(lon_s), 10_000)),
        piexif.GPSIFD.GPSAltitudeRef: 0,
        piexif.GPSIFD.GPSAltitude: _rational(p["alt_m"], 100),
    }
    if camera.gps_stamp:
        gps[piexif.GPSIFD.GPSDateStamp] = p["gps_date"]
        gps[piexif.GPSIFD.GPSTimeStamp] = ((p["utc_h"], 1), (p["utc_m"], 1), (p["utc_s"], 1))
    if camera.kind == "camera" and camera.gps_stamp:
        gps[piexif.GPSIFD.GPSMapDatum] = "WGS-84"
    return gps


# ------------------------------------------------------------------------------------------------
# the folder


def build_table(rows: pd.DataFrame, pois: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Everything needed to write each photo, one row a photo (no files written)."""
    photos = rows.join(pois, on="poi_id")
    lat, lon, _ = jitter_positions(photos["lat"].to_numpy(), photos["lon"].to_numpy(), rng)
    photos["lat"], photos["lon"] = lat, lon
    photos["lat_dms"] = list(to_dms_rationals(lat))
    photos["lon_dms"] = list(to_dms_rationals(lon))
    photos["alt_m"] = rng.uniform(*ALTITUDE_M, size=len(photos))
    photos = pd.concat([photos, local_times(photos["ts"].to_numpy())], axis=1)
    photos["gps"] = "ok"
    return photos


def choose_bad_apples(
    photos: pd.DataFrame, cameras: dict[str, tuple[Camera, str]], rng: np.random.Generator
) -> dict[str, int]:
    """Rows (index) to damage: two without GPS, one at (0, 0), one truncated.

    Only photos in the middle of a visit of at least three kept photos are damaged, so every
    visit keeps its first and last photo (and its duration).
    """
    size = photos.groupby("visit")["ts"].transform("size")
    rank = photos.groupby("visit").cumcount()
    middle = (rank >= 1) & (rank <= size - 2)
    kind = photos["user_id"].map({u: c.kind for u, (c, _) in cameras.items()})
    android = photos["user_id"].map(
        {u: c.naming in ("android", "samsung") for u, (c, _) in cameras.items()}
    )

    def pick(mask: pd.Series, exclude: set[int]) -> int:
        idx = [i for i in photos.index[mask & middle] if i not in exclude]
        return int(idx[int(rng.integers(len(idx)))])

    bad: dict[str, int] = {}
    bad["no-gps-camera"] = pick(kind == "camera", set())
    bad["no-gps-phone"] = pick(kind == "phone", set(bad.values()))
    bad["gps-zero"] = pick(android if android.any() else kind == "phone", set(bad.values()))
    bad["truncated"] = pick(pd.Series(True, index=photos.index), set(bad.values()))
    return bad


HTML_ERROR = """<!DOCTYPE html>
<html lang="en-us">
<head><meta charset="utf-8"><title>Flickr: Page Not Found</title></head>
<body>
<h1>This page is private.</h1>
<p>Oops! Looks like you don't have permission to view this page.</p>
</body>
</html>
"""


def _ds_store() -> bytes:
    """A macOS Finder ``.DS_Store`` (header of the Buddy allocator, then empty blocks)."""
    return b"\x00\x00\x00\x01Bud1" + bytes(range(16)) + b"\x00" * 4072


#: Bad apples: key → (kind listed in the README, what is wrong with the file).
BAD_APPLES = {
    "no-gps-camera": ("no-gps", "no GPS tags: the geotagging software skipped this DSLR photo"),
    "no-gps-phone": ("no-gps", "no GPS tags: location services were switched off"),
    "gps-zero": ("gps-zero", "GPS 0° 0' 0\" N, 0° 0' 0\" E: the phone had no fix and wrote zeros"),
    "truncated": (
        "truncated",
        "a real JPEG cut in half (interrupted copy): EXIF intact, image data and end marker gone",
    ),
    "html": ("not-image", "not an image: a Flickr HTML error page saved under a camera file name"),
    "ds-store": ("not-image", "not an image: a macOS Finder `.DS_Store` file"),
}


def _set_mtime(path: Path, ts: int) -> None:
    os.utime(path, (ts, ts))


def write_folder(out: Path, photos: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Write the photo files and the bad apples into ``out`` (which must not exist).

    Returns one row per written file: file (relative path), user_id, ts, poi_id, camera,
    tz_path ("lightroom", "phone" or "camera"), gps_stamp (bool) and bad (key of
    ``BAD_APPLES`` or "").
    """
    rng = np.random.default_rng([seed, 1])
    cameras = assign_cameras(photos, rng)
    bad = choose_bad_apples(photos, cameras, rng)
    bad_at = {i: k for k, i in bad.items()}
    photos = photos.copy()
    for key in ("no-gps-camera", "no-gps-phone"):
        photos.loc[bad[key], "gps"] = "none"
    photos.loc[bad["gps-zero"], "gps"] = "zero"
    users = sorted(cameras)
    html_user = next(
        (u for u in users if cameras[u][0].naming == "img" and cameras[u][1] != "phone"), users[0]
    )
    apple = [u for u in users if cameras[u][0].make == "Apple"] or users
    ds_store_user = apple[-1]

    records: list[dict] = []
    out.mkdir(parents=True)
    for user, grp in photos.groupby("user_id", sort=True):
        user = str(user)
        camera, path = cameras[user]
        folder = out / user
        folder.mkdir()
        urng = np.random.default_rng([seed, 2, *user.encode()])
        style = str(urng.choice(["titled", "titled", "generic", "none"]))
        software = str(urng.choice(LIGHTROOM))
        export = pd.Timestamp("2020-03-01") + pd.Timedelta(
            seconds=int(urng.integers(0, 60_000_000))
        )
        portrait_share = 0.25 if camera.kind == "phone" else 0.1
        counter = int(urng.integers(1, 9000))
        taken: set[str] = set()
        for i, p in zip(grp.index, grp.to_dict("records"), strict=True):
            counter += int(urng.integers(1, 6))  # shots deleted or not uploaded in between
            name = _unique(_file_name(camera.naming, counter, p["local_stamp"], p["local"]), taken)
            portrait = bool(urng.random() < portrait_share)
            night = p["local_hour"] >= 21 or p["local_hour"] < 5
            img = make_pixels(p["theme"], portrait=portrait, night=night, rng=urng)
            title = _title(style, p["name"], p["local_hour"], name.rpartition(".")[0], camera, urng)
            p.update(
                width=img.width,
                height=img.height,
                software=software,
                export_time=export.strftime("%Y:%m:%d %H:%M:%S"),
                title=title,
            )
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=JPEG_QUALITY, exif=build_exif(p, camera, path, urng))
            data = buf.getvalue()
            if bad_at.get(i) == "truncated":
                data = data[: len(data) // 2]
            (folder / name).write_bytes(data)
            _set_mtime(folder / name, int(p["ts"]))
            records.append(
                {
                    "file": f"{user}/{name}",
                    "user_id": user,
                    "ts": int(p["ts"]),
                    "poi_id": int(p["poi_id"]),
                    "camera": f"{camera.make} {camera.model}",
                    "tz_path": path,
                    "gps_stamp": camera.gps_stamp,
                    "bad": bad_at.get(i, ""),
                }
            )
        last_ts = int(grp["ts"].max())
        if user == html_user:
            name = _unique(_file_name(camera.naming, counter + 1, "", ""), taken)
            (folder / name).write_text(HTML_ERROR, encoding="utf-8", newline="\n")
            _set_mtime(folder / name, last_ts + 60)
            records.append({"file": f"{user}/{name}", "user_id": user, "bad": "html"})
        if user == ds_store_user:
            (folder / ".DS_Store").write_bytes(_ds_store())
            _set_mtime(folder / ".DS_Store", last_ts + 120)
            records.append({"file": f"{user}/.DS_Store", "user_id": user, "bad": "ds-store"})
        _set_mtime(folder, last_ts + 120)
    return pd.DataFrame(records)


README = """\
# Sample photos (generated)

A realistic photo dump for the routeplan demo and end-to-end tests: {n_photos} JPEG photos
of {n_users} Flickr photographers (one sub-folder per photographer, named by the Flickr user id)
on {n_trips} real trips through Toronto, covering {n_pois} POIs.

**Do not edit by hand.** Made by `scripts/make_sample_photos.py` (run from the repository root):

    python scripts/make_sample_photos.py --source ../shared/data/tour \\
        --out data/sample_photos --seed {seed}

The script deletes and recreates this folder; reruns are byte-identical (a test checks it).

## What is real, what is synthetic

- **Real** (from the source data): the photographers (Flickr user ids), their trips (sequences of
  POI visits), the POI of every photo, the time of every photo, the POI coordinates.
  Trips with at least {min_pois} distinct POIs; at most {max_trips} trips per photographer; at most
  {max_visit} photos per visit, always the first and the last (visit durations stay real);
  photographers chosen so that every POI the data allows is photographed by at least
  {min_users} of them. Rows dated before 2000 are skipped.
- **Synthetic**: the pixels ({w}×{h}, blocks coloured by POI theme, noise, JPEG quality
  {quality}), the GPS error (each photo {err_lo:.0f}–{err_hi:.0f} m from its POI, uniform
  distance and bearing), the altitude, the cameras (one per photographer, a model on sale when the
  photographer's first photo was taken), file names, titles (`ImageDescription`).

## EXIF and time zones

`DateTimeOriginal` is local wall time of America/Toronto (DST included). How the zone can be
resolved varies by camera, as in real dumps:

| path | good photos | who |
|---|---:|---|
| `OffsetTimeOriginal` | {n_offset} | DSLR photos re-exported by Lightroom Classic |
| GPS date/time stamp (UTC) | {n_stamp} | phones and cameras with a GPS receiver |
| neither (zone of the coordinates) | {n_neither} | DSLR photos geotagged afterwards |

Each file's modification time is the time the photo was taken (git does not keep it).

## Bad apples

Files a reader must survive (all inside photographers' folders). The `no-gps`, `gps-zero` and
`truncated` ones are real photos of the trips taken from the middle of a visit, so no visit loses
its first or last photo.

<!-- bad-apples: the tests read this table -->
| file | kind | what is wrong |
|---|---|---|
{bad_rows}

## Source and credit

Toronto data set (`userVisits-Toro.csv`, `POI-Toro.csv`) of K. H. Lim, J. Chan, C. Leckie and
S. Karunasekera, *Personalized Tour Recommendation based on User Interests and Points of
Interest Visit Durations*, IJCAI 2015. It was derived from the Yahoo Flickr Creative Commons 100M
data set (YFCC100M); the POIs are Wikipedia articles. Please cite the paper when you use the
data. No Flickr photo, title or description is copied here: only user ids, photo times and the
POI of each photo are used; all pixels and EXIF values other than time and position are
synthetic.
"""


def write_readme(out: Path, files: pd.DataFrame, photos: pd.DataFrame, *, seed: int) -> None:
    """Write ``README.md`` of the folder: how it was made, time-zone paths, bad apples, credit."""
    jpeg = files[files["bad"].isin(["", "no-gps-camera", "no-gps-phone", "gps-zero", "truncated"])]
    good = jpeg[jpeg["bad"] == ""]
    offset = good["tz_path"].eq("lightroom")
    stamp = good["gps_stamp"].astype(bool)
    bad = files[files["bad"] != ""].sort_values("file")
    rows = "\n".join(
        f"| `{f}` | {BAD_APPLES[k][0]} | {BAD_APPLES[k][1]} |"
        for f, k in zip(bad["file"], bad["bad"], strict=True)
    )
    text = README.format(
        n_photos=len(jpeg),
        n_users=files["user_id"].nunique(),
        n_trips=photos["seq_id"].nunique(),
        n_pois=photos["poi_id"].nunique(),
        seed=seed,
        min_pois=MIN_POIS_PER_TRIP,
        max_trips=MAX_TRIPS_PER_USER,
        max_visit=MAX_PHOTOS_PER_VISIT,
        min_users=MIN_USERS_PER_POI,
        w=IMAGE_SIZE[0],
        h=IMAGE_SIZE[1],
        quality=JPEG_QUALITY,
        err_lo=GPS_ERROR_M[0],
        err_hi=GPS_ERROR_M[1],
        n_offset=int(offset.sum()),
        n_stamp=int(stamp.sum()),
        n_neither=int((~offset & ~stamp).sum()),
        bad_rows=rows,
    )
    (out / "README.md").write_text(text, encoding="utf-8", newline="\n")


def folder_size(out: Path) -> int:
    """Total size in bytes of the files under ``out``."""
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command line: build the folder and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data/tour"))
    parser.add_argument("--out", type=Path, default=Path("data/sample_photos"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in ("POI-Toro.csv", "userVisits-Toro.csv"):
        if not (args.source / name).is_file():
            parser.error(f"{args.source / name} not found; pass --source <folder with {name}>")

    pois = read_pois(args.source)
    rows = select_photos(read_photo_rows(args.source))
    photos = build_table(rows, pois, np.random.default_rng([args.seed, 0]))
    if args.out.exists():
        shutil.rmtree(args.out)
    files = write_folder(args.out, photos, seed=args.seed)
    write_readme(args.out, files, photos, seed=args.seed)

    per_poi = photos.groupby("poi_id")["user_id"].nunique()
    logger.info(
        "wrote %s: %d photos, %d photographers, %d trips, %d POIs covered (%d by >= %d users), "
        "%d bad apples, %.2f MB",
        args.out,
        len(photos),
        photos["user_id"].nunique(),
        photos["seq_id"].nunique(),
        len(per_poi),
        int((per_poi >= MIN_USERS_PER_POI).sum()),
        MIN_USERS_PER_POI,
        int((files["bad"] != "").sum()),
        folder_size(args.out) / 1e6,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
