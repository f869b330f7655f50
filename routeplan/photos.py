"""Photo ingestion: EXIF of photo files → the photos GeoDataFrame and an ingest report.

The per-file loop only pulls raw EXIF values (text and rational pairs) into plain records; GPS
decoding, validation, time resolution and time-zone lookups then run vectorised over all records.

How ``taken_at`` (a UTC instant) is resolved, first rule that applies:

1. local wall time (``DateTimeOriginal``, else ``DateTimeDigitized``, else ``Image DateTime``; the
   first one that parses) with its offset tag (``OffsetTimeOriginal`` / ``OffsetTimeDigitized``
   paired with its time, else ``OffsetTime``), e.g. ``"+02:00"``: the exact instant;
2. else the GPS stamp (``GPSDateStamp`` + ``GPSTimeStamp``, UTC). When a local wall time exists, the
   GPS date is snapped by whole days so that ``gps − local`` lies within ±14 h (GPS receivers often
   write a wrong date next to a right time); a GPS time without a date takes the local date the
   same way. Without a local wall time, the GPS stamp is used as is;
3. else the local wall time in the IANA zone of the coordinates (see :mod:`routeplan._timezones`:
   an ambiguous fall-back wall time is read as daylight-saving time, a nonexistent spring-forward
   wall time is shifted forward past the gap).

A photo without any usable time is skipped: ``"no timestamp"`` when no time tag holds a value
(absent or blank), ``"invalid timestamp"`` when one holds a value that is not a real date and time
(``"0000:00:00 00:00:00"``, 30 February, ...).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import exifread
import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from ._errors import InputError, ValidationError
from ._timezones import localize_wall_times, zones_at

__all__ = ["IngestReport", "read_photos", "validate_photos"]

logger = logging.getLogger(__name__)

# --- skip reasons (stable codes; the report's `reason` column) -------------------------------
NOT_A_PHOTO = "not a photo file"
UNREADABLE = "unreadable"
NO_EXIF = "no EXIF"
NO_GPS = "no GPS"
GPS_BAD_VALUE = "invalid GPS: bad value"
GPS_ZERO_DEN = "invalid GPS: zero denominator"
GPS_MISSING_REF = "invalid GPS: missing ref"
GPS_OUT_OF_RANGE = "invalid GPS: out of range"
GPS_NULL_ISLAND = "invalid GPS: (0, 0)"
NO_TIMESTAMP = "no timestamp"
INVALID_TIMESTAMP = "invalid timestamp"

#: Accepted values of ``user_from``.
USER_FROM_CHOICES: tuple[str, ...] = ("folder", "artist", "serial")

#: Largest UTC offset that exists (Kiribati, UTC+14; the most negative is UTC−12).
MAX_UTC_OFFSET_H: float = 14.0

#: Columns every photos frame has, in this order (plus ``geometry`` last).
REQUIRED_COLUMNS: tuple[str, ...] = ("photo_id", "user_id", "taken_at", "tz", "lat", "lon")
#: Optional columns written by :func:`read_photos`.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "alt_m",
    "accuracy_m",
    "camera",
    "title",
    "artist",
    "source",
    "path",
)
_FLOAT_COLUMNS = ("lat", "lon", "alt_m", "accuracy_m")
_TEXT_DTYPE = pd.Series(["text"]).dtype  # object on pandas 2, "str" on pandas 3
_REPORT_COLUMNS = ("file", "status", "reason", "detail")

# --- raw EXIF fields ---------------------------------------------------------------------------
_TEXT_TAGS: dict[str, str] = {
    "dto": "EXIF DateTimeOriginal",
    "dtd": "EXIF DateTimeDigitized",
    "dti": "Image DateTime",
    "oto": "EXIF OffsetTimeOriginal",
    "otd": "EXIF OffsetTimeDigitized",
    "oti": "EXIF OffsetTime",
    "gps_date": "GPS GPSDate",
    "lat_ref": "GPS GPSLatitudeRef",
    "lon_ref": "GPS GPSLongitudeRef",
    "make": "Image Make",
    "model": "Image Model",
    "artist": "Image Artist",
    "title": "Image ImageDescription",
    "serial": "EXIF BodySerialNumber",
}
#: Rational tags: record prefix → (tag names tried in order, most components read).
_RATIONAL_TAGS: dict[str, tuple[tuple[str, ...], int]] = {
    "lat": (("GPS GPSLatitude",), 3),
    "lon": (("GPS GPSLongitude",), 3),
    "gpst": (("GPS GPSTimeStamp",), 3),
    "alt": (("GPS GPSAltitude",), 1),
    "acc": (("GPS GPSHPositioningError", "GPS Tag 0x001F"), 1),
}
_RECORD_TEXT: tuple[str, ...] = (
    "file",
    "path",
    "folder_user",
    "reason",
    "detail",
    "exif_warnings",
    *_TEXT_TAGS,
)
_RECORD_COLUMNS: tuple[str, ...] = (
    *_RECORD_TEXT,
    "alt_ref",
    *(
        name
        for prefix, (_, k) in _RATIONAL_TAGS.items()
        for name in (
            f"{prefix}_n",
            *(f"{prefix}{i}{part}" for i in range(k) for part in ("num", "den")),
        )
    ),
)

_IMAGE_HEADERS = (b"\xff\xd8", b"II*\x00", b"MM\x00*")
_DATETIME_RE = (
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)"
)
_DATE_RE = r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})\s*$"
_OFFSET_RE = r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$"


@dataclass(repr=False)
class IngestReport:
    """What happened to every file under the input: read, or skipped and why.

    Attributes
    ----------
    table
        One row a file, in path order: ``file`` (path relative to the input root, ``/``
        separators), ``status`` (``"read"`` or ``"skipped"``), ``reason`` (``None`` when read,
        else a short stable code such as ``"no GPS"``), ``detail`` (free text: for read photos
        the source of ``taken_at``, for skipped files what was wrong).
    root
        The input root the ``file`` paths are relative to.
    """

    table: pd.DataFrame = field(default_factory=lambda: _empty_report_table())
    root: str = ""

    @property
    def n_read(self) -> int:
        """Number of files read as photos."""
        return int((self.table["status"] == "read").sum())

    @property
    def n_skipped(self) -> int:
        """Number of files skipped."""
        return int((self.table["status"] == "skipped").sum())

    @property
    def n_files(self) -> int:
        """Number of files seen."""
        return len(self.table)

    def counts(self) -> pd.Series:
        """Number of skipped files per reason, most frequent first (ties by reason).

        Returns
        -------
        pandas.Series
            Index ``reason``, values ``count`` (int); empty when nothing was skipped.
        """
        reasons = self.table.loc[self.table["status"] == "skipped", "reason"].astype(object)
        counts = reasons.value_counts().rename_axis("reason").rename("count").astype("int64")
        order = sorted(counts.index, key=lambda reason: (-counts[reason], reason))
        return counts.reindex(order) if len(counts) else counts

    def summary(self, *, max_examples: int = 3) -> str:
        """A one-screen text summary: totals, then each skip reason with a few example files.

        Parameters
        ----------
        max_examples
            Example file names shown per reason.
        """
        where = f" under {self.root}" if self.root else ""
        lines = [
            f"{self.n_files} file(s){where}: {self.n_read} read, {self.n_skipped} skipped",
        ]
        skipped = self.table[self.table["status"] == "skipped"]
        for reason, count in self.counts().items():
            files = skipped.loc[skipped["reason"] == reason, "file"].head(max_examples).tolist()
            more = ", ..." if count > len(files) else ""
            lines.append(f"  {reason:<32} {count:>6}  e.g. {', '.join(files)}{more}")
        return "\n".join(lines)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as CSV (UTF-8, no index) to ``path``."""
        self.table.to_csv(path, index=False)

    def __repr__(self) -> str:
        return f"IngestReport({self.n_files} files: {self.n_read} read, {self.n_skipped} skipped)"

    def __str__(self) -> str:
        return self.summary()


def read_photos(
    path: str | os.PathLike[str],
    *,
    user_from: str = settings.USER_FROM,
    recursive: bool = True,
) -> tuple[gpd.GeoDataFrame, IngestReport]:
    """Read the EXIF position and time of photo files into the photos GeoDataFrame.

    Parameters
    ----------
    path
        A folder (every file under it is examined, in sorted path order) or a single photo file.
    user_from
        Where the photographer comes from: ``"folder"`` (first folder under ``path``; files
        directly in ``path`` get the name of ``path`` itself), ``"artist"`` (EXIF Artist) or
        ``"serial"`` (EXIF BodySerialNumber); the last two fall back to the folder.
    recursive
        Look into sub-folders (if False, only the files directly in ``path``).

    Returns
    -------
    photos : geopandas.GeoDataFrame
        One row a photo with a valid position and time (see ``validate_photos`` for the columns),
        sorted by ``user_id``, ``taken_at``, ``photo_id``; empty (with every column) when no photo
        was usable.
    report : IngestReport
        One row for every file seen, read or skipped with its reason.

    Raises
    ------
    InputError
        ``path`` does not exist, or ``user_from`` is not one of ``USER_FROM_CHOICES``.
    """
    if user_from not in USER_FROM_CHOICES:
        raise InputError(
            f"user_from={user_from!r} is not supported; use one of {', '.join(USER_FROM_CHOICES)}"
        )
    root = Path(path)
    if not root.exists():
        raise InputError(f"photo path {str(root)!r} does not exist")
    if root.is_dir():
        files = _list_files(root, recursive=recursive)
    else:
        files = [root.name]
        root = root.parent
    root_name = root.absolute().name or "unknown"

    suffixes = {suffix.lower() for suffix in settings.PHOTO_SUFFIXES}
    records: list[dict[str, Any]] = []
    with _captured_exifread_warnings() as warnings_:
        for rel in files:
            warnings_.clear()
            file_path = root / rel
            if Path(rel).suffix.lower() in suffixes:
                record = _read_exif(file_path, exifread_warnings=warnings_)
            else:
                record = {
                    "reason": NOT_A_PHOTO,
                    "detail": f"suffix {Path(rel).suffix or '(none)'!r} is not a photo suffix",
                }
            parts = rel.split("/")
            record["file"] = rel
            record["path"] = str(file_path.absolute())
            record["folder_user"] = parts[0] if len(parts) > 1 else root_name
            record["exif_warnings"] = "; ".join(warnings_) or None
            if record.get("reason"):
                logger.debug("skip %s: %s (%s)", rel, record["reason"], record.get("detail"))
            records.append(record)

    raw = pd.DataFrame.from_records(records, columns=list(_RECORD_COLUMNS))
    photos, table = _assemble(raw, user_from=user_from)
    report = IngestReport(table=table, root=str(root))
    logger.debug("read %d photo(s), skipped %d file(s)", report.n_read, report.n_skipped)
    return photos, report


def validate_photos(photos: Any) -> gpd.GeoDataFrame:
    """Check that a table follows the photos contract; return it unchanged.

    The contract: a GeoDataFrame in EPSG:4326 with ``photo_id`` (unique text), ``user_id`` (text),
    ``taken_at`` (``datetime64[ns, UTC]``), ``tz`` (IANA zone name), ``lat``, ``lon`` (float64
    WGS84 degrees, not both 0) and a ``geometry`` of ``Point(lon, lat)``; no missing values in these
    columns.

    Parameters
    ----------
    photos
        The table to check.

    Returns
    -------
    geopandas.GeoDataFrame
        ``photos`` itself.

    Raises
    ------
    ValidationError
        With a message naming the broken column and how to fix it.
    """
    if not isinstance(photos, gpd.GeoDataFrame):
        raise ValidationError(
            f"photos must be a geopandas.GeoDataFrame, not {type(photos).__name__}; "
            "build it with geopandas.GeoDataFrame(df, geometry=geopandas.points_from_xy(lon, lat), "
            "crs='EPSG:4326')"
        )
    missing = [col for col in (*REQUIRED_COLUMNS, "geometry") if col not in photos.columns]
    if missing:
        raise ValidationError(f"photos lacks the column(s) {', '.join(missing)}")
    if photos.crs is None or not photos.crs.equals("EPSG:4326"):
        raise ValidationError(
            f"photos must be in CRS EPSG:4326, not {photos.crs}; use .to_crs('EPSG:4326') "
            "(or .set_crs('EPSG:4326') if the coordinates already are WGS84 degrees)"
        )
    for col in (*REQUIRED_COLUMNS, "geometry"):
        n_missing = int(photos[col].isna().sum())
        if n_missing:
            raise ValidationError(f"photos column {col!r} has {n_missing} missing value(s)")
    for col in ("photo_id", "user_id", "tz"):
        values = photos[col]
        if len(values) and pd.api.types.infer_dtype(values, skipna=False) != "string":
            raise ValidationError(f"photos column {col!r} must hold text (str) values")
    duplicated = photos["photo_id"][photos["photo_id"].duplicated()]
    if len(duplicated):
        raise ValidationError(
            f"photo_id must be unique; {len(duplicated)} duplicate(s), e.g. {duplicated.iloc[0]!r}"
        )
    taken = photos["taken_at"]
    if not isinstance(taken.dtype, pd.DatetimeTZDtype):
        raise ValidationError(
            f"photos column 'taken_at' must be time-zone aware UTC datetimes, not {taken.dtype}; "
            "localise naive times with .dt.tz_localize(zone).dt.tz_convert('UTC')"
        )
    if str(taken.dtype.tz) != "UTC" or taken.dtype.unit != "ns":
        raise ValidationError(
            f"photos column 'taken_at' must be datetime64[ns, UTC], not {taken.dtype}; "
            "convert with .dt.tz_convert('UTC').astype('datetime64[ns, UTC]')"
        )
    bad_zones = sorted(zone for zone in photos["tz"].unique() if not _is_zone(zone))
    if bad_zones:
        raise ValidationError(f"photos column 'tz' holds unknown time zone(s): {bad_zones[:5]}")
    for col, limit in (("lat", 90.0), ("lon", 180.0)):
        if photos[col].dtype != np.float64:
            raise ValidationError(f"photos column {col!r} must be float64, not {photos[col].dtype}")
        out = ~(photos[col].abs() <= limit)
        if out.any():
            raise ValidationError(
                f"photos column {col!r} has {int(out.sum())} value(s) outside ±{limit:g} degrees, "
                f"e.g. {photos.loc[out, col].iloc[0]!r}"
            )
    if ((photos["lat"] == 0) & (photos["lon"] == 0)).any():
        raise ValidationError("photos has positions at (0, 0), a placeholder of missing GPS")
    geom = photos.geometry
    if not (geom.geom_type == "Point").all():
        raise ValidationError("photos geometry must be Point(lon, lat) for every row")
    off = ~(
        np.isclose(geom.x, photos["lon"], atol=1e-7) & np.isclose(geom.y, photos["lat"], atol=1e-7)
    )
    if off.any():
        raise ValidationError(
            f"photos geometry differs from (lon, lat) in {int(off.sum())} row(s); rebuild it with "
            "geopandas.points_from_xy(photos['lon'], photos['lat'])"
        )
    return photos


# --- reading ----------------------------------------------------------------------------------


def _list_files(root: Path, *, recursive: bool) -> list[str]:
    """Paths (relative, ``/``-separated, sorted) of every file under ``root``, hidden ones too."""
    if not recursive:
        return sorted(entry.name for entry in os.scandir(root) if not entry.is_dir())
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        rel = Path(folder).relative_to(root)
        found.extend((rel / name).as_posix() for name in names)
    return sorted(found)


@contextmanager
def _captured_exifread_warnings() -> Iterator[list[str]]:
    """Keep exifread's warnings off stderr; collect their messages (re-logged at debug)."""
    messages: list[str] = []

    def _capture(record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            messages.append(record.getMessage())
            logger.debug("exifread: %s", record.getMessage())
            return False
        return True

    exif_logger = logging.getLogger("exifread")
    exif_logger.addFilter(_capture)
    try:
        yield messages
    finally:
        exif_logger.removeFilter(_capture)


def _read_exif(path: Path, *, exifread_warnings: list[str] | None = None) -> dict[str, Any]:
    """Raw EXIF values of one file as a plain record (text and rational pairs, nothing decoded).

    ``exifread_warnings`` are the warnings exifread logged while reading this file: a file where
    exifread found nothing but complained is corrupt ("unreadable"), not merely without EXIF.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if not (head.startswith(_IMAGE_HEADERS) or head[4:8] == b"ftyp"):
                return {"reason": UNREADABLE, "detail": "not an image (unrecognised file header)"}
            tags = exifread.process_file(fh, details=False, extract_thumbnail=False)
    except Exception as exc:  # a corrupt or truncated file can raise anything inside exifread
        return {"reason": UNREADABLE, "detail": f"{type(exc).__name__}: {exc}"}
    if not any(key.split(" ", 1)[0] in ("Image", "EXIF", "GPS") for key in tags):
        if exifread_warnings:
            return {"reason": UNREADABLE, "detail": "corrupt EXIF"}
        return {"reason": NO_EXIF, "detail": "no EXIF block"}
    record: dict[str, Any] = {name: _text(tags.get(tag)) for name, tag in _TEXT_TAGS.items()}
    for prefix, (names, k) in _RATIONAL_TAGS.items():
        tag = next((tags[name] for name in names if name in tags), None)
        record.update(_rationals(tag, prefix, k))
    alt_ref = tags.get("GPS GPSAltitudeRef")
    values = getattr(alt_ref, "values", None)
    if isinstance(values, list) and values and isinstance(values[0], int):
        record["alt_ref"] = values[0]
    return record


def _text(tag: Any) -> str | None:
    """Stripped text of an EXIF tag without NULs; None when absent or blank."""
    if tag is None:
        return None
    value = tag.values
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        value = str(tag)
    value = value.replace("\x00", "").strip()
    return value or None


def _rationals(tag: Any, prefix: str, k: int) -> dict[str, Any]:
    """Up to ``k`` (numerator, denominator) pairs of a rational tag as flat record fields.

    ``<prefix>_n`` is the number of values: 0 when the tag is absent, -1 when it does not decode
    (not a list of numbers, or more than ``k`` values).
    """
    if tag is None:
        return {f"{prefix}_n": 0}
    values = tag.values
    if (
        not isinstance(values, list)
        or not 1 <= len(values) <= k
        or not all(hasattr(v, "numerator") and hasattr(v, "denominator") for v in values)
    ):
        return {f"{prefix}_n": -1}
    out: dict[str, Any] = {f"{prefix}_n": len(values)}
    for i, value in enumerate(values):
        out[f"{prefix}{i}num"] = float(value.numerator)
        out[f"{prefix}{i}den"] = float(value.denominator)
    return out


# --- vectorised assembly ----------------------------------------------------------------------


def _assemble(raw: pd.DataFrame, *, user_from: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Decode, validate and resolve all raw records at once: (photos, report table)."""
    raw = raw.astype({col: (object if col in _RECORD_TEXT else float) for col in raw.columns})
    reason = raw["reason"].astype(object).where(raw["reason"].notna(), None)
    detail = raw["detail"].astype(object).where(raw["detail"].notna(), None)
    todo = reason.isna().to_numpy()
    rec = raw.loc[todo].reset_index(drop=True)

    lat, lon, gps_reason, gps_detail = _decode_gps(rec)
    gps_ok = gps_reason.isna().to_numpy()
    tz = pd.Series(None, index=rec.index, dtype=object)
    tz[gps_ok] = zones_at(lat[gps_ok], lon[gps_ok])
    taken_at, time_reason, time_detail = _resolve_times(rec, tz=tz, usable=gps_ok)

    rec_reason = gps_reason.fillna(time_reason.where(gps_ok))
    rec_detail = gps_detail.where(gps_reason.notna(), time_detail)
    reason[todo] = rec_reason.to_numpy()
    detail[todo] = rec_detail.to_numpy()
    reason = reason.where(reason.notna(), None)
    warned = raw["exif_warnings"].notna()
    detail = detail.where(
        ~warned,
        detail.fillna("").astype(str).astype(object) + "; exifread: " + raw["exif_warnings"],
    )
    detail = detail.astype(object).str.lstrip("; ")
    detail = detail.where(detail.notna(), None)

    table = pd.DataFrame(
        {
            "file": raw["file"].astype(object),
            "status": np.where(reason.isna(), "read", "skipped").astype(object),
            "reason": reason.astype(object),
            "detail": detail.astype(object),
        }
    )

    ok = rec_reason.isna().to_numpy()
    good = rec.loc[ok]
    if user_from == "folder":
        user = good["folder_user"]
    else:
        user = good["artist" if user_from == "artist" else "serial"].fillna(good["folder_user"])
    alt = _ratio(good, "alt", 0)
    alt = np.where(good["alt_ref"].to_numpy(dtype=float) == 1, -alt, alt)
    camera = (
        good["make"]
        .fillna("")
        .astype(str)
        .astype(object)
        .str.cat(good["model"].fillna("").astype(str).astype(object), sep=" ")
    ).str.strip()
    data = {
        "photo_id": good["file"],
        "user_id": user,
        "taken_at": taken_at[ok],
        "tz": tz[ok],
        "lat": lat[ok],
        "lon": lon[ok],
        "alt_m": alt,
        "accuracy_m": _ratio(good, "acc", 0),
        "camera": camera.where(camera != "", None),
        "title": good["title"],
        "artist": good["artist"],
        "source": pd.Series("exif", index=good.index, dtype=object),
        "path": good["path"],
    }
    photos = _photos_frame(data)
    photos = photos.sort_values(["user_id", "taken_at", "photo_id"], kind="mergesort")
    return photos.reset_index(drop=True), table


def _photos_frame(columns: dict[str, Any]) -> gpd.GeoDataFrame:
    """The photos GeoDataFrame with contract dtypes from equally long column arrays or Series."""

    def typed(name: str, values: Any) -> pd.Series:
        series = pd.Series(np.asarray(values) if not isinstance(values, pd.Series) else values)
        series = series.reset_index(drop=True)
        if name in _FLOAT_COLUMNS:
            return series.astype("float64")
        if name == "taken_at":
            return series.astype("datetime64[ns, UTC]")
        text = series.astype(object)
        return text.where(text.notna(), None).astype(_TEXT_DTYPE)

    frame = pd.DataFrame({name: typed(name, values) for name, values in columns.items()})
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _empty_report_table() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in _REPORT_COLUMNS})


def _ratio(rec: pd.DataFrame, prefix: str, i: int) -> np.ndarray:
    """Value of rational component ``i`` (NaN when absent or with a zero denominator)."""
    num = rec[f"{prefix}{i}num"].to_numpy(dtype=float)
    den = rec[f"{prefix}{i}den"].to_numpy(dtype=float)
    ok = rec[f"{prefix}_n"].to_numpy(dtype=float) > i
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok & (den != 0), num / den, np.nan)


def _decode_dms(rec: pd.DataFrame, prefix: str) -> tuple[np.ndarray, ...]:
    """Unsigned degrees of a (deg, min, sec) rational tag and masks of what is wrong with it.

    Returns degrees, absent, undecodable, zero-denominator and bad-component masks. One or two
    components (decimal degrees, or degrees and decimal minutes) are accepted too.
    """
    count = rec[f"{prefix}_n"].fillna(0).to_numpy(dtype=float)
    num = np.column_stack([rec[f"{prefix}{i}num"].to_numpy(dtype=float) for i in range(3)])
    den = np.column_stack([rec[f"{prefix}{i}den"].to_numpy(dtype=float) for i in range(3)])
    used = np.arange(3)[None, :] < count[:, None]
    num = np.where(used, num, 0.0)
    den = np.where(used, den, 1.0)
    zero_den = (used & (den == 0)).any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = num / den
    bad_part = (parts < 0).any(axis=1) | (parts[:, 1] > 60) | (parts[:, 2] > 60)
    degrees = parts[:, 0] + parts[:, 1] / 60.0 + parts[:, 2] / 3600.0
    return degrees, count == 0, count < 0, zero_den, bad_part


def _decode_gps(rec: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Series, pd.Series]:
    """Signed lat/lon of every record, the GPS skip reason (None when valid) and its detail.

    Checks in this order, the first that fails names the reason: both coordinates present, values
    that decode (1–3 rationals, refs N/S and E/W), no zero denominator, refs present, within
    ±90/±180 (and minutes, seconds within 0–60), not (0, 0).
    """
    lat_deg, lat_absent, lat_bad, lat_zero, lat_part = _decode_dms(rec, "lat")
    lon_deg, lon_absent, lon_bad, lon_zero, lon_part = _decode_dms(rec, "lon")
    lat_ref = rec["lat_ref"].astype(object).str.strip().str.upper().str[:1]
    lon_ref = rec["lon_ref"].astype(object).str.strip().str.upper().str[:1]
    bad_ref = (lat_ref.notna() & ~lat_ref.isin(["N", "S"])) | (
        lon_ref.notna() & ~lon_ref.isin(["E", "W"])
    )
    lat = np.where(lat_ref == "S", -lat_deg, lat_deg)
    lon = np.where(lon_ref == "W", -lon_deg, lon_deg)
    with np.errstate(invalid="ignore"):
        out_of_range = ~(np.abs(lat) <= 90) | ~(np.abs(lon) <= 180) | lat_part | lon_part
        null_island = (np.abs(lat) < 1e-9) & (np.abs(lon) < 1e-9)
    conditions = [
        lat_absent | lon_absent,
        lat_bad | lon_bad | bad_ref.to_numpy(),
        lat_zero | lon_zero,
        (lat_ref.isna() | lon_ref.isna()).to_numpy(),
        out_of_range,
        null_island,
    ]
    reasons = [
        NO_GPS,
        GPS_BAD_VALUE,
        GPS_ZERO_DEN,
        GPS_MISSING_REF,
        GPS_OUT_OF_RANGE,
        GPS_NULL_ISLAND,
    ]
    reason = pd.Series(np.select(conditions, reasons, default=""), index=rec.index, dtype=object)
    reason = reason.where(reason != "", None)
    position = (
        "lat="
        + pd.Series(lat, index=rec.index).round(7).astype(str).astype(object)
        + ", lon="
        + pd.Series(lon, index=rec.index).round(7).astype(str).astype(object)
    )
    absent = np.where(lat_absent & lon_absent, "no GPSLatitude/GPSLongitude", "")
    absent = np.where(lat_absent & ~lon_absent, "no GPSLatitude", absent)
    absent = np.where(~lat_absent & lon_absent, "no GPSLongitude", absent)
    refs = (
        "refs="
        + lat_ref.fillna("-").astype(str).astype(object)
        + "/"
        + lon_ref.fillna("-").astype(str).astype(object)
    )
    detail = pd.Series(
        np.select(
            conditions,
            [absent, refs, "a component has denominator 0", refs, position, position],
            default="",
        ),
        index=rec.index,
        dtype=object,
    )
    detail = detail.where(reason.notna() & (detail != ""), None)
    return lat.astype(float), lon.astype(float), reason, detail


def _parse_wall(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Naive datetimes of EXIF date-time text, and which rows hold a value at all.

    A blank value (spaces, colons) counts as no value; an unparsable or impossible one is NaT
    with ``present`` True.
    """
    text = text.astype(object)
    present = text.notna() & (text.fillna("").astype(str).astype(object).str.strip(" :\t") != "")
    parts = text.where(present).str.extract(_DATETIME_RE).astype(float)
    parts.columns = ["year", "month", "day", "hour", "minute", "second"]
    clock_ok = (parts["hour"] < 24) & (parts["minute"] < 60) & (parts["second"] < 61)
    wall = pd.to_datetime(parts.where(clock_ok), errors="coerce")
    return wall.astype("datetime64[ns]"), present.to_numpy()


def _parse_offset(text: pd.Series) -> pd.Series:
    """UTC offsets of ``"+HH:MM"`` text as timedeltas (NaT when absent or not a real offset)."""
    parts = text.astype(object).str.extract(_OFFSET_RE)
    sign = np.where(parts[0] == "-", -1.0, 1.0)
    hours = parts[1].astype(float)
    minutes = parts[2].astype(float)
    valid = (hours <= MAX_UTC_OFFSET_H) & (minutes < 60)
    offset_min = (sign * (hours * 60 + minutes)).where(valid)
    return pd.to_timedelta(offset_min, unit="min")


def _resolve_times(
    rec: pd.DataFrame, *, tz: pd.Series, usable: np.ndarray
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """UTC instant of every record (see the module docstring), its skip reason and detail."""
    index = rec.index
    walls = {name: _parse_wall(rec[name]) for name in ("dto", "dtd", "dti")}
    offsets = {name: _parse_offset(rec[name]) for name in ("oto", "otd", "oti")}
    general = offsets["oti"]
    wall = walls["dto"][0].fillna(walls["dtd"][0]).fillna(walls["dti"][0])
    offset = general.copy()
    use_dtd = walls["dto"][0].isna() & walls["dtd"][0].notna()
    offset = offset.mask(walls["dto"][0].notna(), offsets["oto"].fillna(general))
    offset = offset.mask(use_dtd, offsets["otd"].fillna(general))
    has_local = wall.notna().to_numpy()
    by_offset = has_local & offset.notna().to_numpy()
    t_offset = (wall - offset).dt.tz_localize("UTC")

    # GPS stamp: UTC time of day + GPS date (or the local date), snapped to the local wall time.
    h, m, s = (_ratio(rec, "gpst", i) for i in range(3))
    gps_tod_ok = (
        (rec["gpst_n"].fillna(0).to_numpy() == 3)
        & (h >= 0)
        & (h < 24)
        & (m >= 0)
        & (m < 60)
        & (s >= 0)
        & (s < 61)
    )
    tod = pd.to_timedelta(
        np.where(gps_tod_ok, np.round(h * 3600 + m * 60 + s, 6), np.nan), unit="s"
    )
    date_parts = rec["gps_date"].astype(object).str.extract(_DATE_RE).astype(float)
    date_parts.columns = ["year", "month", "day"]
    gps_date = pd.to_datetime(date_parts, errors="coerce").astype("datetime64[ns]")
    day = gps_date.fillna(wall.dt.normalize())
    gps_naive = day + pd.Series(tod, index=index)
    delta_h = ((gps_naive - wall).dt.total_seconds() / 3600.0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        shift_days = np.where(
            delta_h > MAX_UTC_OFFSET_H,
            np.ceil((delta_h - MAX_UTC_OFFSET_H) / 24.0),
            np.where(delta_h < -MAX_UTC_OFFSET_H, np.floor((delta_h + MAX_UTC_OFFSET_H) / 24.0), 0),
        )
    shift_days = np.nan_to_num(shift_days).astype(int)
    gps_naive = gps_naive - pd.to_timedelta(shift_days, unit="D")
    by_gps = ~by_offset & gps_naive.notna().to_numpy()
    t_gps = gps_naive.dt.tz_localize("UTC")

    by_zone = ~by_offset & ~by_gps & has_local & usable
    t_zone = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    if by_zone.any():
        t_zone[by_zone] = localize_wall_times(wall[by_zone], tz[by_zone])

    taken_at = t_zone.where(~by_offset, t_offset).where(~by_gps, t_gps)
    taken_at = taken_at.astype("datetime64[ns, UTC]")

    no_time = taken_at.isna().to_numpy()
    local_invalid = (walls["dto"][1] | walls["dtd"][1] | walls["dti"][1]) & ~has_local
    gps_time_invalid = (rec["gpst_n"].fillna(0).to_numpy() != 0) & ~gps_tod_ok
    invalid = local_invalid | gps_time_invalid
    reason = pd.Series(
        np.where(no_time, np.where(invalid, INVALID_TIMESTAMP, NO_TIMESTAMP), ""),
        index=index,
        dtype=object,
    )
    reason = reason.where(reason != "", None)

    raw_parts = [
        (label + "='" + rec[col].astype(object).fillna("").astype(str).astype(object) + "'").where(
            rec[col].notna(), ""
        )
        for label, col in (
            ("DateTimeOriginal", "dto"),
            ("DateTimeDigitized", "dtd"),
            ("DateTime", "dti"),
            ("GPSDateStamp", "gps_date"),
        )
    ]
    gps_time_text = np.where(
        gps_tod_ok,
        "GPSTimeStamp="
        + pd.Series(tod, index=index).astype(str).astype(object).str.replace("0 days ", ""),
        np.where(rec["gpst_n"].fillna(0).to_numpy() != 0, "GPSTimeStamp=invalid", ""),
    )
    raw_parts.append(pd.Series(gps_time_text, index=index, dtype=object))
    raw_text = (
        raw_parts[0]
        .str.cat(raw_parts[1:], sep=", ")
        .str.replace(r"(, )+", ", ", regex=True)
        .str.strip(", ")
        .replace("", "no date/time tag")
    )
    snapped = np.where(
        shift_days != 0,
        "; GPS date corrected by "
        + pd.Series(-shift_days, index=index).astype(str).astype(object)
        + " d",
        "",
    )
    source = np.select(
        [by_offset, by_gps, by_zone],
        [
            "taken_at from local time and offset tag",
            "taken_at from GPS time stamp (UTC)" + snapped,
            "taken_at from local time in the zone of the coordinates",
        ],
        default="",
    )
    detail = pd.Series(np.where(no_time, raw_text, source), index=index, dtype=object)
    return taken_at, reason, detail


def _is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone known to zoneinfo."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
