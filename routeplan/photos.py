"""Photo ingestion: EXIF of photo files → the photos GeoDataFrame and an ingest report.

Four steps, built for folders of any size:

1. **list**: ``os.scandir`` walk (sorted per folder), one ``stat`` a file; files whose suffix is
   not a photo suffix are reported as ``"not a photo file"`` without being opened;
2. **cache** (optional): files whose path, size and modification time (ns) are in the cache
   (see :mod:`routeplan._cache`) are not opened again; the rest are read;
3. **read**: raw EXIF values (text and rational pairs, nothing decoded) of each file (see
   :mod:`routeplan._exif`), in a process pool for large inputs (see :mod:`routeplan._pool`), with
   a time limit per file;
4. **resolve**: GPS decoding, validation, time resolution and time-zone lookups, vectorised over
   all records (in blocks of ``RESOLVE_BLOCK_FILES``, so memory stays flat). The per-file results
   are what the cache stores; the user (``user_from``), the plausible-date check and the final
   frame are derived from them on every run.

How ``taken_at`` (a UTC instant) is resolved, first rule that applies:

1. local wall time (``DateTimeOriginal``, else ``DateTimeDigitized``, else ``Image DateTime``; the
   first one that parses) with its offset tag (``OffsetTimeOriginal`` / ``OffsetTimeDigitized``
   paired with its time, else ``OffsetTime``), e.g. ``"+02:00"``: the exact instant — unless the
   wall time is before ``MIN_PLAUSIBLE_DATE`` (a camera clock never set) and a full GPS stamp
   exists;
2. else the GPS stamp (``GPSDateStamp`` + ``GPSTimeStamp``, UTC). When a plausible local wall time
   exists, the GPS date is snapped by whole days so that ``gps − local`` lies within ±14 h (GPS
   receivers often write a wrong date next to a right time); a GPS time without a date takes the
   local date the same way. Without a plausible local wall time, the GPS stamp is used as is;
3. else the local wall time in the IANA zone of the coordinates (see :mod:`routeplan._timezones`:
   an ambiguous fall-back wall time is read as daylight-saving time, a nonexistent spring-forward
   wall time is shifted forward past the gap).

A photo without any usable time is skipped: ``"no timestamp"`` when no time tag holds a value
(absent or blank), ``"invalid timestamp"`` when one holds a value that is not a real date and time
(``"0000:00:00 00:00:00"``, 30 February, ...), ``"implausible date"`` when the instant is before
``MIN_PLAUSIBLE_DATE`` or more than ``MAX_FUTURE_DAYS`` after the time of reading.
"""

from __future__ import annotations

import functools
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _exif, settings
from ._cache import default_cache_path, load_cache, save_cache
from ._errors import InputError, ValidationError
from ._exif import RAW_COLUMNS, RAW_TEXT, read_chunk
from ._pool import map_chunks, resolve_jobs
from ._timezones import localize_wall_times, zones_at

__all__ = ["IngestReport", "read_photos", "validate_photos"]

logger = logging.getLogger(__name__)

# --- skip reasons (stable codes; the report's `reason` column) -------------------------------
NOT_A_PHOTO = "not a photo file"
UNREADABLE = _exif.UNREADABLE
UNSUPPORTED_FORMAT = _exif.UNSUPPORTED_FORMAT
NO_EXIF = _exif.NO_EXIF
NO_GPS = "no GPS"
GPS_BAD_VALUE = "invalid GPS: bad value"
GPS_ZERO_DEN = "invalid GPS: zero denominator"
GPS_MISSING_REF = "invalid GPS: missing ref"
GPS_OUT_OF_RANGE = "invalid GPS: out of range"
GPS_NULL_ISLAND = "invalid GPS: (0, 0)"
NO_TIMESTAMP = "no timestamp"
INVALID_TIMESTAMP = "invalid timestamp"
IMPLAUSIBLE_DATE = "implausible date"

#: Accepted values of ``user_from``.
USER_FROM_CHOICES: tuple[str, ...] = ("folder", "artist", "serial")

MIN_PLAUSIBLE_DATE = settings.MIN_PLAUSIBLE_DATE
MAX_FUTURE_DAYS = settings.MAX_FUTURE_DAYS

#: Longest time (seconds) exifread may spend on one file before it is reported "unreadable".
#: Enforced with SIGALRM where available (POSIX), in worker processes always and in-process only
#: when called from the main thread with no other SIGALRM handler or timer installed.
FILE_TIMEOUT_S: float = 30.0

#: Raw records are resolved (decoded, validated, localised) in blocks of this many files.
RESOLVE_BLOCK_FILES: int = 4096

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

#: Per-file results: what the cache stores, one row a photo-suffixed file.
_KEY_COLUMNS = ("file", "size", "mtime_ns")
_ROW_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("taken_at", pa.timestamp("ns", tz="UTC")),
        ("tz", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("alt_m", pa.float64()),
        ("accuracy_m", pa.float64()),
        ("camera", pa.string()),
        ("title", pa.string()),
        ("artist", pa.string()),
        ("serial", pa.string()),
    ]
)

_DATETIME_RE = (
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)"
)
_DATE_RE = r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})\s*$"
_OFFSET_RE = r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$"
#: Suffix of the file name of a relative path, as ``pathlib.PurePath.suffix`` finds it (RE2).
_SUFFIX_RE = r"(?:^|/)[^/]+?(?P<suffix>\.[^./]+)$"


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
    jobs: int | None = None,
    cache: bool | str | os.PathLike[str] | None = None,
    progress: bool = False,
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
    jobs
        Processes reading EXIF in parallel; None uses every available CPU, 1 reads in this
        process. Fewer than ``routeplan._pool.POOL_MIN_ITEMS`` (200) files to read are always
        read in this process. The result does not depend on ``jobs``.
    cache
        Incremental cache of per-file results (used when ``path`` is a folder): None or False
        for none, True for the default file under the user cache dir
        (``$XDG_CACHE_HOME`` or ``~/.cache``, ``routeplan/ingest-<sha1 of the folder>.parquet``),
        or the path of a cache file. Files whose relative path, size and modification time are
        cached are not opened again; a changed or new file is read, a deleted one dropped. An
        unusable cache (corrupt, another routeplan version or folder) is ignored with a logged
        warning and rewritten. The result is the same with or without a cache.
    progress
        Show a progress bar (tqdm, on stderr) while files are read.

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
        ``path`` does not exist, ``user_from`` is not one of ``USER_FROM_CHOICES``, or ``jobs``
        is not a positive integer.

    Notes
    -----
    Worker processes are started by a fork server (``spawn`` where there is none), as with any
    ``multiprocessing`` code: a script that calls this with ``jobs`` > 1 must keep its top-level
    code under ``if __name__ == "__main__":`` (notebooks and ``python -m`` need nothing). The
    first pool of a session costs about a second to start, later ones a few milliseconds.

    Each file gets at most ``FILE_TIMEOUT_S`` seconds (POSIX; see there). Skip reasons that may
    not last (a file that could not be opened, or timed out) are never cached.
    """
    if user_from not in USER_FROM_CHOICES:
        raise InputError(
            f"user_from={user_from!r} is not supported; use one of {', '.join(USER_FROM_CHOICES)}"
        )
    n_jobs = resolve_jobs(jobs)
    root = Path(path)
    if not root.exists():
        raise InputError(f"photo path {str(root)!r} does not exist")
    cache_path: Path | None = None
    if root.is_dir():
        listing = _scan(root, recursive=recursive)
        if cache is True:
            cache_path = default_cache_path(root)
        elif cache is not None and cache is not False:
            cache_path = Path(cache)
    else:
        listing = _scan_one(root)
        root = root.parent
    root_abs = str(root.absolute())

    rows = _ingest(root_abs, listing, cache_path=cache_path, jobs=n_jobs, progress=progress)
    photos, table = _finalize(rows, root_abs=root_abs, user_from=user_from)
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


# --- listing ----------------------------------------------------------------------------------


def _scan(root: Path, *, recursive: bool) -> pa.Table:
    """Every file under ``root``: ``file`` (relative, ``/``-separated), ``size``, ``mtime_ns``.

    A depth-first ``os.scandir`` walk, sorted by name in each folder, with one ``stat`` a file
    (symbolic links followed for files; linked folders are not entered). Entries that are not
    regular files, or cannot be stat-ed, get ``size`` -1 and a ``scan_reason``/``scan_detail``.
    """
    files: list[str] = []
    sizes: list[int] = []
    mtimes: list[int] = []
    odd: dict[int, tuple[str, str]] = {}
    stack: list[tuple[str, str]] = [("", os.fspath(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as entries_it:
                entries = sorted(entries_it, key=lambda entry: entry.name)
        except OSError as exc:
            logger.warning(
                "cannot list the folder %s (%s: %s); its files are left out",
                folder,
                type(exc).__name__,
                exc,
            )
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if recursive:
                    subfolders.append((f"{prefix}{entry.name}/", entry.path))
                continue
            size = mtime = -1
            try:
                st = entry.stat()
            except OSError as exc:
                odd[len(files)] = (UNREADABLE, f"cannot stat: {type(exc).__name__}: {exc}")
            else:
                if stat.S_ISREG(st.st_mode):
                    size, mtime = st.st_size, st.st_mtime_ns
                elif stat.S_ISDIR(st.st_mode):  # a link to a folder: not followed
                    continue
                else:
                    odd[len(files)] = (NOT_A_PHOTO, "not a regular file")
            files.append(prefix + entry.name)
            sizes.append(size)
            mtimes.append(mtime)
        stack.extend(reversed(subfolders))
    return _listing_table(files, sizes, mtimes, odd)


def _scan_one(path: Path) -> pa.Table:
    """The listing of a single file (see :func:`_scan`)."""
    st = path.stat()
    regular = stat.S_ISREG(st.st_mode)
    odd = {} if regular else {0: (NOT_A_PHOTO, "not a regular file")}
    size, mtime = (st.st_size, st.st_mtime_ns) if regular else (-1, -1)
    return _listing_table([path.name], [size], [mtime], odd)


def _listing_table(
    files: list[str], sizes: list[int], mtimes: list[int], odd: dict[int, tuple[str, str]]
) -> pa.Table:
    reasons: list[str | None] | None = None
    details: list[str | None] | None = None
    if odd:
        reasons = [None] * len(files)
        details = [None] * len(files)
        for at, (reason, detail) in odd.items():
            reasons[at], details[at] = reason, detail
    return pa.table(
        {
            "file": pa.array(files, type=pa.string()),
            "size": pa.array(sizes, type=pa.int64()),
            "mtime_ns": pa.array(mtimes, type=pa.int64()),
            "scan_reason": pa.array(reasons, type=pa.string())
            if reasons
            else pa.nulls(len(files), pa.string()),
            "scan_detail": pa.array(details, type=pa.string())
            if details
            else pa.nulls(len(files), pa.string()),
        }
    )


def _photo_suffixes() -> pa.Array:
    suffixes = {suffix.lower() for suffix in settings.PHOTO_SUFFIXES}
    return pa.array(sorted(suffixes), type=pa.string())


# --- ingest: cache, read, resolve -------------------------------------------------------------


def _ingest(
    root_abs: str,
    listing: pa.Table,
    *,
    cache_path: Path | None,
    jobs: int,
    progress: bool,
) -> pa.Table:
    """Per-file results (``_ROW_SCHEMA``) of every listed file, from the cache or read."""
    suffix = pc.struct_field(pc.extract_regex(listing["file"], _SUFFIX_RE), [0])
    is_photo = pc.fill_null(pc.is_in(pc.utf8_lower(suffix), value_set=_photo_suffixes()), False)
    wanted = pc.and_(is_photo, pc.is_null(listing["scan_reason"]))
    todo = listing.filter(wanted).select(list(_KEY_COLUMNS))

    cached = load_cache(cache_path, schema=_ROW_SCHEMA, root=root_abs) if cache_path else None
    hits = _ROW_SCHEMA.empty_table()
    if cached is not None and cached.num_rows and todo.num_rows:
        where = pc.fill_null(
            pc.index_in(todo["file"], value_set=cached["file"].combine_chunks()), -1
        ).to_numpy()
        found = where >= 0
        at = where[found]
        found[found] = (cached["size"].to_numpy()[at] == todo["size"].to_numpy()[found]) & (
            cached["mtime_ns"].to_numpy()[at] == todo["mtime_ns"].to_numpy()[found]
        )
        hits = cached.take(pa.array(where[found]))
        todo = todo.filter(pa.array(~found))

    fresh = _read_and_resolve(root_abs, todo, jobs=jobs, progress=progress)
    photo_rows = pa.concat_tables([hits, fresh])
    if cache_path is not None:
        lasting = fresh.filter(pc.invert(_transient(fresh)))
        unchanged = (
            cached is not None and lasting.num_rows == 0 and hits.num_rows == cached.num_rows
        )
        if not unchanged:
            save_cache(cache_path, pa.concat_tables([hits, lasting]), root=root_abs)

    others = listing.filter(pc.invert(wanted))
    other_suffix = pc.fill_null(suffix.filter(pc.invert(wanted)), "(none)")
    not_photo = pc.is_null(others["scan_reason"])
    suffix_detail = pc.binary_join_element_wise(
        "suffix '", other_suffix, "' is not a photo suffix", ""
    )
    other_rows = pa.table(
        {
            "file": others["file"],
            "size": others["size"],
            "mtime_ns": others["mtime_ns"],
            "reason": pc.if_else(not_photo, NOT_A_PHOTO, others["scan_reason"]),
            "detail": pc.if_else(not_photo, suffix_detail, others["scan_detail"]),
        }
    )
    logger.info(
        "%d file(s): %d read, %d from the cache, %d not photo files",
        listing.num_rows,
        fresh.num_rows,
        hits.num_rows,
        others.num_rows,
    )
    return pa.concat_tables([photo_rows, _as_rows(other_rows)])


def _transient(rows: pa.Table) -> pa.ChunkedArray:
    """Which rows are "unreadable" for a reason that may go away (not to be cached)."""
    transient = pc.equal(rows["reason"], UNREADABLE)
    starts = [pc.starts_with(rows["detail"], prefix) for prefix in _exif.TRANSIENT_DETAILS]
    return pc.fill_null(pc.and_(transient, functools.reduce(pc.or_, starts)), False)


def _as_rows(table: pa.Table) -> pa.Table:
    """``table`` with the columns and types of ``_ROW_SCHEMA`` (missing columns null)."""
    n = table.num_rows
    columns = [
        table[name].cast(col.type) if name in table.column_names else pa.nulls(n, col.type)
        for name, col in zip(_ROW_SCHEMA.names, _ROW_SCHEMA, strict=True)
    ]
    return pa.Table.from_arrays(columns, schema=_ROW_SCHEMA)


def _read_and_resolve(root_abs: str, todo: pa.Table, *, jobs: int, progress: bool) -> pa.Table:
    """Read the EXIF of the ``todo`` files and resolve it, in blocks: per-file result rows."""
    files = todo["file"].to_pylist()
    tables: list[pa.Table] = []
    block: dict[str, list[Any]] = {name: [] for name in RAW_COLUMNS}
    start = 0

    def flush() -> None:
        nonlocal start, block
        n = len(block["reason"])
        if n == 0:
            return
        resolved = _resolve(pd.DataFrame(block, columns=list(RAW_COLUMNS)))
        columns = {name: todo[name].slice(start, n) for name in _KEY_COLUMNS}
        for name in resolved.columns:
            columns[name] = pa.array(resolved[name], from_pandas=True)
        tables.append(_as_rows(pa.table(columns)))
        start += n
        block = {name: [] for name in RAW_COLUMNS}

    chunks = map_chunks(
        read_chunk,
        files,
        args=(root_abs, FILE_TIMEOUT_S),
        jobs=jobs,
        progress=progress,
        desc="reading EXIF",
        unit="file",
        preload=(_exif.__name__,),
    )
    for chunk in chunks:
        for name, values in chunk.items():
            block[name].extend(values)
        if len(block["reason"]) >= RESOLVE_BLOCK_FILES:
            flush()
    flush()
    return pa.concat_tables(tables) if tables else _ROW_SCHEMA.empty_table()


# --- vectorised resolution --------------------------------------------------------------------


def _resolve(raw: pd.DataFrame) -> pd.DataFrame:
    """Decode, validate and resolve raw records at once: the per-file result columns.

    Returns ``reason``, ``detail``, ``taken_at``, ``tz``, ``lat``, ``lon``, ``alt_m``,
    ``accuracy_m``, ``camera``, ``title``, ``artist``, ``serial`` (null where skipped), with the
    index of ``raw``. Nothing here depends on the call's options or the clock, so it is cached.
    """
    raw = raw.astype({col: (object if col in RAW_TEXT else float) for col in raw.columns})
    raw = raw.reset_index(drop=True)
    reason = raw["reason"].where(raw["reason"].notna(), None)
    detail = raw["detail"].where(raw["detail"].notna(), None)
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

    ok = rec_reason.isna().to_numpy()
    good = rec.loc[ok]
    at = np.flatnonzero(todo)[ok]  # positions in `raw` of the photos read
    alt = _ratio(good, "alt", 0)
    alt = np.where(good["alt_ref"].to_numpy(dtype=float) == 1, -alt, alt)
    camera = (
        good["make"]
        .fillna("")
        .astype(str)
        .astype(object)
        .str.cat(good["model"].fillna("").astype(str).astype(object), sep=" ")
    ).str.strip()

    n = len(raw)
    out = pd.DataFrame(
        {
            "reason": reason.astype(object),
            "detail": detail.astype(object),
            "taken_at": pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]"),
        }
    )
    out.loc[at, "taken_at"] = taken_at[ok].to_numpy()
    for name, values in (
        ("tz", tz[ok].to_numpy()),
        ("lat", lat[ok]),
        ("lon", lon[ok]),
        ("alt_m", alt),
        ("accuracy_m", _ratio(good, "acc", 0)),
        ("camera", camera.where(camera != "", None).to_numpy()),
        ("title", good["title"].to_numpy()),
        ("artist", good["artist"].to_numpy()),
        ("serial", good["serial"].to_numpy()),
    ):
        is_float = name in _FLOAT_COLUMNS
        column = np.full(n, np.nan) if is_float else np.full(n, None, dtype=object)
        column[at] = values
        out[name] = column
    return out


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
    # A wall time before MIN_PLAUSIBLE_DATE is a camera clock that was never set: it must not
    # win over a full GPS stamp, nor drag the GPS date to its own day.
    wall_ok = (wall >= pd.Timestamp(MIN_PLAUSIBLE_DATE)).to_numpy()

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
    shift_days = np.where(wall_ok, np.nan_to_num(shift_days), 0).astype(int)
    gps_naive = gps_naive - pd.to_timedelta(shift_days, unit="D")
    gps_full = gps_tod_ok & gps_date.notna().to_numpy()

    by_offset = has_local & offset.notna().to_numpy() & (wall_ok | ~gps_full)
    t_offset = (wall - offset).dt.tz_localize("UTC")
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


# --- final frame ------------------------------------------------------------------------------


def _finalize(
    rows: pa.Table, *, root_abs: str, user_from: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Photos and report table from the per-file results of every file (any order)."""
    rows = rows.sort_by("file")
    reason = rows["reason"].to_numpy(zero_copy_only=False)
    detail = rows["detail"].to_numpy(zero_copy_only=False)
    read = pc.is_null(rows["reason"]).to_numpy(zero_copy_only=False)

    # Plausible dates depend on the clock, so they are checked on every run, not cached.
    taken = rows["taken_at"].to_numpy().astype("datetime64[ns]")
    earliest = np.datetime64(MIN_PLAUSIBLE_DATE, "ns")
    latest = np.datetime64(
        (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=MAX_FUTURE_DAYS)).tz_localize(None), "ns"
    )
    too_old = read & (taken < earliest)
    too_new = read & (taken > latest)
    implausible = too_old | too_new
    if implausible.any():
        at = np.flatnonzero(implausible)
        when = pd.Series(taken[at]).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
        for i, position in enumerate(at):
            why = (
                f"is before {MIN_PLAUSIBLE_DATE}"
                if too_old[position]
                else f"is more than {MAX_FUTURE_DAYS:g} day(s) in the future"
            )
            source = f" ({detail[position]})" if detail[position] else ""
            reason[position] = IMPLAUSIBLE_DATE
            detail[position] = f"taken_at {when[i]} UTC {why}{source}"
        read = read & ~implausible

    table = pd.DataFrame(
        {
            "file": pd.Series(rows["file"].to_numpy(zero_copy_only=False), dtype=object),
            "status": pd.Series(np.where(read, "read", "skipped"), dtype=object),
            "reason": pd.Series(reason, dtype=object),
            "detail": pd.Series(detail, dtype=object),
        }
    )

    good = rows.filter(pa.array(read))
    file = good["file"]
    root_name = Path(root_abs).name or "unknown"
    folder_user = pc.if_else(
        pc.match_substring(file, "/"),
        pc.list_element(pc.split_pattern(file, "/", max_splits=1), 0),
        root_name,
    )
    if user_from == "folder":
        user = folder_user
    else:
        user = pc.coalesce(good["artist" if user_from == "artist" else "serial"], folder_user)
    native = file if os.sep == "/" else pc.replace_substring(file, "/", os.sep)
    columns = {
        "photo_id": file,
        "user_id": user,
        "taken_at": good["taken_at"],
        "tz": good["tz"],
        "lat": good["lat"],
        "lon": good["lon"],
        "alt_m": good["alt_m"],
        "accuracy_m": good["accuracy_m"],
        "camera": good["camera"],
        "title": good["title"],
        "artist": good["artist"],
        "source": pa.array(["exif"] * good.num_rows, type=pa.string()),
        "path": pc.binary_join_element_wise(root_abs + os.sep, native, ""),
    }
    photos = pa.table(columns).sort_by(
        [("user_id", "ascending"), ("taken_at", "ascending"), ("photo_id", "ascending")]
    )
    return _photos_frame(photos.to_pandas()), table


def _photos_frame(columns: Any) -> gpd.GeoDataFrame:
    """The photos GeoDataFrame with contract dtypes from a frame or equally long columns."""

    def typed(name: str, values: Any) -> pd.Series:
        series = pd.Series(np.asarray(values) if not isinstance(values, pd.Series) else values)
        series = series.reset_index(drop=True)
        if name in _FLOAT_COLUMNS:
            return series.astype("float64")
        if name == "taken_at":
            return series.astype("datetime64[ns, UTC]")
        if series.dtype == _TEXT_DTYPE:
            return series
        text = series.astype(object)
        return text.where(text.notna(), None).astype(_TEXT_DTYPE)

    items = columns.items()
    frame = pd.DataFrame({name: typed(name, values) for name, values in items})
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _empty_report_table() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in _REPORT_COLUMNS})


def _is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone known to zoneinfo."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
