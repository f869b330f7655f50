"""Photo tables (CSV, gzip'd CSV, Parquet/GeoParquet) → the photos GeoDataFrame and a report.

Everything after reading is vectorised over rows; CSV is parsed by pyarrow (multi-threaded) and
only the mapped columns are read.

Column mapping
--------------
``columns`` maps our names (keys) to the table's column names. Keys:

- ``photo_id``, ``user_id``, ``taken_at``: required;
- ``lat``, ``lon``: required, unless the photos are tied to POIs (``poi_id`` and ``pois=``), or the
  table is a GeoParquet file whose point geometry gives the position;
- optional: ``title``, ``tags``, ``accuracy_m`` (metres), ``accuracy_level`` (Flickr's accuracy
  level 1–16, see below), ``poi_id``.

The mapping in force is, later entries winning: every key whose own name is a column of the table,
then the preset's columns, then ``columns``.

Times
-----
``taken_at`` may hold, row by row:

- unix seconds (integers or decimals, as numbers or text): UTC instants;
- date-time text with a UTC offset or zone letter (``2013-07-16T21:51:25+02:00``, ``...Z``,
  ``... UTC``): the exact instant;
- date-time text without one (``2013-07-16 21:51:25``, ``2013-07-16T21:51:25.250``,
  ``2013:07:16 21:51:25``, ``2013/07/16 21:51``, ``2013-07-16``): local wall time, resolved in
  the zone ``tz`` when given, else in the IANA zone of the coordinates (ambiguous and
  nonexistent daylight-saving wall times as in :func:`routeplan._timezones.localize_wall_times`);
- Parquet timestamps: with a zone, exact; without, local wall time as above.

Day-first or month-first dates (``16/07/2013``) are not guessed: they are invalid timestamps.
The ``tz`` column of the result is always the zone of the coordinates, as for photo files.

Presets
-------
``"yfcc"``
    The YFCC100M / Flickr export with a header (``id, user_id, user_nickname, date_taken,
    date_uploaded, title, longitude, latitude, accuracy_coordinates, page_url, video_url``).
    ``date_taken`` is local wall time. ``title`` (and ``user_tags`` when present, as ``tags``) are
    URL-decoded (``+`` is a space). ``accuracy_coordinates`` is Flickr's accuracy *level* (1 world,
    ~3 country, ~6 region, ~11 city, 16 street), not metres: it is kept as it is in the column
    ``accuracy_level`` (nullable integer; values outside 1–16 become missing) and no metre value
    is made up. The photo id is ``id`` (the number in ``page_url`` is a different id).
``"uservisits"``
    The IJCAI'15 ``userVisits-*.csv`` (``photoID;userID;dateTaken;poiID;poiTheme;poiFreq;seqID``,
    ``dateTaken`` in unix seconds). Photos are tied to POIs and have no coordinates: ``pois=`` (the
    matching ``POI-*.csv``, see :func:`read_pois`) is required. Each photo gets the POI's
    coordinates, ``poi_id``, the POI's name as ``title`` and its ``theme``.

Report
------
One report row a data row of the table, in table order. ``file`` is ``"<table file name>:<row>"``
with ``row`` counted from 1 at the first data row (the header is not counted: row 1 of a CSV is its
second line when no quoted value holds a line break; row 1 of a Parquet file is its first row).
Rows are skipped for the first reason that applies:

1. ``"malformed row"``: a CSV row with the wrong number of fields;
2. ``"missing value"``: no photo id, user id, time or coordinate (or POI id);
3. ``"unknown POI"``: a POI id that the POI table lacks;
4. ``"invalid GPS: bad value"`` (not a number), ``"invalid GPS: out of range"``, ``"invalid GPS:
   (0, 0)"``;
5. ``"invalid timestamp"``: a time that does not parse or is not a real date;
6. ``"implausible date"``: before ``MIN_PLAUSIBLE_DATE`` or more than ``FUTURE_TOLERANCE`` after
   ``now``;
7. ``"duplicate photo id"``: an id already read from an earlier row that passed every other check
   (the first such row is kept).

``detail`` says where ``taken_at`` came from for read rows, and what was wrong for skipped ones.
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from ._errors import InputError
from ._timezones import localize_wall_times, zones_at
from .photos import (
    GPS_BAD_VALUE,
    GPS_NULL_ISLAND,
    GPS_OUT_OF_RANGE,
    IMPLAUSIBLE_DATE,
    INVALID_TIMESTAMP,
    REQUIRED_COLUMNS,
    IngestReport,
)

__all__ = [
    "PRESETS",
    "TABLE_SUFFIXES",
    "TablePreset",
    "is_table",
    "read_photo_table",
    "read_pois",
]

logger = logging.getLogger(__name__)

# --- skip reasons added to those of routeplan.photos -------------------------------------------
MALFORMED_ROW = "malformed row"
MISSING_VALUE = "missing value"
UNKNOWN_POI = "unknown POI"
DUPLICATE_ID = "duplicate photo id"

#: Photos taken before this instant are implausible (digital photos with GPS did not exist).
MIN_PLAUSIBLE_DATE: pd.Timestamp = pd.Timestamp(settings.MIN_PLAUSIBLE_DATE, tz="UTC")
#: Photos taken more than this after ``now`` are implausible (clock slack, zones).
FUTURE_TOLERANCE: pd.Timedelta = pd.Timedelta(days=settings.MAX_FUTURE_DAYS)

#: File names read as tables by :func:`is_table` (lower case; gzip'd variants end in ``.gz``).
TABLE_SUFFIXES: tuple[str, ...] = (
    ".csv",
    ".csv.gz",
    ".tsv",
    ".tsv.gz",
    ".txt",
    ".txt.gz",
    ".parquet",
    ".geoparquet",
    ".pq",
)

REQUIRED_KEYS: tuple[str, ...] = ("photo_id", "user_id", "taken_at", "lat", "lon")
OPTIONAL_KEYS: tuple[str, ...] = ("title", "tags", "accuracy_m", "accuracy_level", "poi_id")
_KEYS = (*REQUIRED_KEYS, *OPTIONAL_KEYS)
#: Separators tried when sniffing a CSV header, in order of preference on ties.
_SEPARATORS = (",", ";", "\t", "|")
#: Text taken as a missing number.
_NA_TEXT = ("", "nan", "na", "n/a", "null", "none")
_TEXT_DTYPE = pd.Series(["text"]).dtype  # object on pandas 2, "str" on pandas 3
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"

# time kinds: how taken_at was resolved (report detail of read rows)
_UNIX, _OFFSET, _COORD_ZONE, _GIVEN_ZONE, _EXACT = range(5)

#: Years of local wall times that are kept (a real date outside is "implausible"): the range
#: of datetime64[ns].
_YEAR_MIN, _YEAR_MAX = 1678, 2261
_NUMBER_RE = r"^[+-]?\d+(?:\.\d*)?$"
_FLOAT_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_WALL_OFFSET_RE = (
    r"^(?P<wall>.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
)
_WALL_RE = (
    r"^(?P<y>\d{4})[:\-/.](?P<mo>\d{1,2})[:\-/.](?P<d>\d{1,2})"
    r"(?:[ T]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?$"
)


@dataclass(frozen=True)
class TablePreset:
    """A known table layout: its column mapping and how to read it.

    Attributes
    ----------
    columns
        Our key → the table's column; every column must exist.
    optional
        Our key → column used when the table has it.
    sep
        Field separator (None: sniffed from the header).
    needs_pois
        Photos are tied to POIs: ``pois=`` is required.
    url_encoded
        Keys whose text is URL-encoded with ``+`` for spaces.
    """

    columns: Mapping[str, str]
    optional: Mapping[str, str] = field(default_factory=dict)
    sep: str | None = None
    needs_pois: bool = False
    url_encoded: tuple[str, ...] = ()


#: Known table layouts (see the module docstring).
PRESETS: dict[str, TablePreset] = {
    "yfcc": TablePreset(
        columns={
            "photo_id": "id",
            "user_id": "user_id",
            "taken_at": "date_taken",
            "lat": "latitude",
            "lon": "longitude",
        },
        optional={"title": "title", "tags": "user_tags", "accuracy_level": "accuracy_coordinates"},
        url_encoded=("title", "tags"),
    ),
    "uservisits": TablePreset(
        columns={
            "photo_id": "photoID",
            "user_id": "userID",
            "taken_at": "dateTaken",
            "poi_id": "poiID",
        },
        sep=";",
        needs_pois=True,
    ),
}

# POI table columns: our name → accepted column names (compared case-insensitively).
_POI_ALIASES: dict[str, tuple[str, ...]] = {
    "poi_id": ("poiid", "poi_id", "id"),
    "name": ("poiname", "poi_name", "name"),
    "lat": ("lat", "latitude", "poilat"),
    "lon": ("long", "lon", "lng", "longitude", "poilon"),
    "theme": ("theme", "poitheme", "poicat", "category"),
}


def is_table(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file that :func:`read_photo_table` reads (by its suffix).

    Parameters
    ----------
    path
        A path; folders are never tables.
    """
    path = Path(path)
    name = path.name.lower()
    return not path.is_dir() and name.endswith(TABLE_SUFFIXES)


def read_photo_table(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    preset: str | None = None,
    pois: str | os.PathLike[str] | pd.DataFrame | None = None,
    sep: str | None = None,
    tz: str | None = None,
    now: Any = None,
) -> tuple[gpd.GeoDataFrame, IngestReport]:
    """Read a table of photos (CSV, gzip'd CSV, Parquet/GeoParquet) into the photos GeoDataFrame.

    Parameters
    ----------
    path
        The table. Parquet and gzip are recognised by their content, anything else is CSV.
    columns
        Our name → the table's column name (keys in the module docstring), over the preset's.
    preset
        A known layout: ``"yfcc"`` or ``"uservisits"`` (see :data:`PRESETS`).
    pois
        POI table (a path or a DataFrame, see :func:`read_pois`) giving the coordinates of photos
        tied to POIs by ``poi_id``; required by the ``"uservisits"`` preset.
    sep
        CSV field separator (default: the preset's, else sniffed from the header among
        ``, ; tab |``).
    tz
        IANA zone of date-time text without an offset (default: the zone of each photo's
        coordinates).
    now
        Photos later than ``now`` + ``FUTURE_TOLERANCE`` are implausible (default: the current
        time; naive values are UTC).

    Returns
    -------
    photos : geopandas.GeoDataFrame
        The photos contract (see :func:`routeplan.photos.validate_photos`) with ``source`` =
        ``"table"`` and the optional columns that were mapped (plus ``poi_id``, ``theme`` from
        the POI table), sorted by ``user_id``, ``taken_at``, ``photo_id``.
    report : IngestReport
        One row a data row of the table, read or skipped with its reason.

    Raises
    ------
    InputError
        The file does not exist or cannot be parsed, a preset, key or zone is unknown, a mapped
        column is missing (the message lists the table's columns), or POIs are needed and not
        given.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"photo table {str(path)!r} does not exist or is not a file")
    spec = _preset(preset)
    zone = _check_zone(tz)
    now_ts = _now(now)
    fmt, gz = _sniff_format(path)
    sep = (
        _separator(path, gz=gz, sep=sep if sep is not None else spec.sep) if fmt == "csv" else None
    )
    table_columns, geo = _table_columns(path, fmt=fmt, gz=gz, sep=sep)
    mapping = _resolve_mapping(
        table_columns, spec=spec, columns=columns, pois=pois, geo=geo, name=path.name
    )
    poi_table = read_pois(pois) if pois is not None else None

    wanted = sorted(set(mapping.values()))
    if sep is None:
        use_geo = geo if "lat" not in mapping and poi_table is None else None
        raw, rows, malformed = _read_parquet(path, wanted, geo=use_geo)
    else:
        raw, rows, malformed = _read_csv(path, wanted, gz=gz, sep=sep)
    logger.debug("read %d row(s) of %s (%d malformed)", len(raw), path.name, len(malformed))

    photos, table = _assemble(
        raw,
        rows,
        malformed,
        mapping=mapping,
        spec=spec,
        pois=poi_table,
        zone=zone,
        now=now_ts,
        name=path.name,
    )
    report = IngestReport(table=table, root=str(path))
    logger.debug(
        "%s: %d photo(s) read, %d row(s) skipped", path.name, len(photos), report.n_skipped
    )
    return photos, report


def read_pois(
    pois: str | os.PathLike[str] | pd.DataFrame, *, sep: str | None = None
) -> pd.DataFrame:
    """Read a POI table: id, name, coordinates and theme of each point of interest.

    Column names are matched case-insensitively: ``poiID``/``poi_id``/``id``,
    ``poiName``/``name``, ``lat``/``latitude``/``poiLat``, ``long``/``lon``/``lng``/
    ``longitude``/``poiLon``, ``theme``/``poiCat``/``category``; a GeoDataFrame without lat/lon
    columns gives them from its point geometry. Names are URL-decoded with ``_`` read as a space
    (``Tenn%C5%8Dji_Zoo`` → ``Tennōji Zoo``), as in the IJCAI'15 ``POI-*.csv`` files; spaces around
    values are ignored.

    Parameters
    ----------
    pois
        A CSV path (separator sniffed unless ``sep``) or a DataFrame.
    sep
        Field separator of a CSV.

    Returns
    -------
    pandas.DataFrame
        Columns ``poi_id`` (text), ``name`` (text or missing), ``lat``, ``lon`` (float64, NaN
        where not a number), ``theme`` (text or missing); index ``poi_id``.

    Raises
    ------
    InputError
        The file does not exist, has no id or coordinate column, or repeats a POI id.
    """
    if isinstance(pois, pd.DataFrame):
        frame = pd.DataFrame(pois).copy()
        if isinstance(pois, gpd.GeoDataFrame) and pois.geometry.name in frame.columns:
            geometry = pois.geometry.to_crs("EPSG:4326") if pois.crs is not None else pois.geometry
            frame = frame.drop(columns=pois.geometry.name)
            lower = {str(c).lower() for c in frame.columns}
            if not lower & set(_POI_ALIASES["lat"]):
                frame["lat"] = geometry.y.to_numpy()
                frame["lon"] = geometry.x.to_numpy()
        where = "the POI table"
    else:
        path = Path(pois)
        if not path.is_file():
            raise InputError(f"POI table {str(path)!r} does not exist or is not a file")
        _, gz = _sniff_format(path)
        sep = sep if sep is not None else _separator(path, gz=gz, sep=None)
        try:
            frame = pd.read_csv(
                path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the POI table {path.name}: {exc}") from None
        where = path.name
    frame.columns = [str(c).strip() for c in frame.columns]
    found: dict[str, str] = {}
    for ours, aliases in _POI_ALIASES.items():
        match = [c for c in frame.columns if c.lower() in aliases]
        if match:
            found[ours] = match[0]
    missing = [k for k in ("poi_id", "lat", "lon") if k not in found]
    if missing:
        raise InputError(
            f"{where} has no {'/'.join(missing)} column; expected e.g. "
            f"poiID;poiName;lat;long;theme, found: {', '.join(map(str, frame.columns))}"
        )
    out = pd.DataFrame(index=frame.index)
    out["poi_id"] = _as_text(frame[found["poi_id"]])
    if "name" in found:
        names = _as_text(frame[found["name"]])
        decoded = {n: unquote(n).replace("_", " ").strip() for n in names.dropna().unique()}
        out["name"] = _as_text(names.map(decoded))
    else:
        out["name"] = pd.Series(np.nan, index=frame.index, dtype=_TEXT_DTYPE)
    for key in ("lat", "lon"):
        out[key], _, _ = _as_number(frame[found[key]])
    out["theme"] = (
        _as_text(frame[found["theme"]])
        if "theme" in found
        else pd.Series(np.nan, index=frame.index, dtype=_TEXT_DTYPE)
    )
    out = out[out["poi_id"].notna()]
    dup = out["poi_id"][out["poi_id"].duplicated()]
    if len(dup):
        raise InputError(f"{where} repeats POI id(s) {', '.join(dup.astype(str).unique()[:5])}")
    return out.set_index("poi_id", drop=False).rename_axis(None)


# --- argument checks ---------------------------------------------------------------------------


def _preset(preset: str | None) -> TablePreset:
    if preset is None:
        return TablePreset(columns={})
    if preset not in PRESETS:
        raise InputError(f"unknown preset {preset!r}; use one of {', '.join(sorted(PRESETS))}")
    return PRESETS[preset]


def _check_zone(tz: str | None) -> str | None:
    if tz is None:
        return None
    try:
        ZoneInfo(str(tz))
    except (ValueError, KeyError, OSError):
        raise InputError(
            f"tz={tz!r} is not an IANA time zone; use a name such as 'America/Toronto'"
        ) from None
    return str(tz)


def _now(now: Any) -> pd.Timestamp:
    if now is None:
        return pd.Timestamp.now(tz="UTC")
    try:
        ts = pd.Timestamp(now)
    except (ValueError, TypeError):
        raise InputError(f"now={now!r} is not a date and time") from None
    if pd.isna(ts):
        raise InputError(f"now={now!r} is not a date and time")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _resolve_mapping(
    table_columns: list[str],
    *,
    spec: TablePreset,
    columns: Mapping[str, str] | None,
    pois: Any,
    geo: str | None,
    name: str,
) -> dict[str, str]:
    """Our key → the table's column, checked (see the module docstring for the rules)."""
    listing = ", ".join(table_columns) or "(none)"
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(_KEYS))
    if unknown:
        raise InputError(
            f"unknown column key(s) {', '.join(map(repr, unknown))}; the keys are "
            f"{', '.join(_KEYS)} (the columns of {name} are: {listing})"
        )
    present = set(table_columns)
    mapping = {key: key for key in _KEYS if key in present}
    if pois is not None:  # coordinates come from the POIs, not from same-named columns
        mapping.pop("lat", None)
        mapping.pop("lon", None)
    mapping.update(spec.columns)
    mapping.update({key: col for key, col in spec.optional.items() if col in present})
    mapping.update({key: str(col) for key, col in columns.items()})
    absent = sorted({col for col in mapping.values() if col not in present})
    if absent:
        raise InputError(
            f"{name} has no column(s) {', '.join(map(repr, absent))}; its columns are: {listing}"
        )
    if pois is not None and ("lat" in columns or "lon" in columns):
        raise InputError("give either lat/lon columns or pois=, not both")
    if pois is not None and "poi_id" not in mapping:
        raise InputError(
            f"pois= ties photos to POIs by a poi_id column; map it (e.g. poi_id=poiID); "
            f"the columns of {name} are: {listing}"
        )
    if spec.needs_pois and pois is None:
        raise InputError(
            f"{name}: these photos are tied to POIs and have no coordinates; give the POI table "
            "(pois=... / --pois POI-<city>.csv with poiID;poiName;lat;long;theme)"
        )
    needed = ["photo_id", "user_id", "taken_at"]
    if pois is None and geo is None:
        needed += ["lat", "lon"]
    elif pois is None and ("lat" in mapping) != ("lon" in mapping):
        needed += ["lat", "lon"]
    missing = [key for key in needed if key not in mapping]
    if missing:
        if "poi_id" in mapping and {"lat", "lon"} & set(missing):
            hint = "; photos tied to POIs need pois= (--pois) for their coordinates"
        else:
            hint = ""
        raise InputError(
            f"{name} lacks the column(s) for {', '.join(missing)}: map them with columns= "
            f"(--columns {missing[0]}=<column>,...) or a preset; its columns are: {listing}{hint}"
        )
    return mapping


# --- reading -----------------------------------------------------------------------------------


def _sniff_format(path: Path) -> tuple[str, bool]:
    """("parquet" or "csv", gzip'd) by the first bytes of the file."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(_PARQUET_MAGIC):
        return "parquet", False
    return "csv", head.startswith(_GZIP_MAGIC)


def _header_line(path: Path, *, gz: bool) -> str:
    try:
        opener = gzip.open if gz else open
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as fh:
            return fh.readline().rstrip("\r\n")
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read {path.name}: {exc}") from None


def _separator(path: Path, *, gz: bool, sep: str | None) -> str:
    """The given separator, else the candidate found most often in the header outside quotes."""
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
        if len(sep) != 1:
            raise InputError(f"sep={sep!r} must be one character (e.g. ',', ';', '\\t')")
        return sep
    header = re.sub(r'"[^"]*"', "", _header_line(path, gz=gz))
    counts = [header.count(candidate) for candidate in _SEPARATORS]
    best = int(np.argmax(counts))
    return _SEPARATORS[best] if counts[best] else ","


def _table_columns(
    path: Path, *, fmt: str, gz: bool, sep: str | None
) -> tuple[list[str], str | None]:
    """Column names of the table and the GeoParquet geometry column (None if not GeoParquet)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except Exception as exc:  # pyarrow raises several types for broken files
            raise InputError(f"cannot read the Parquet file {path.name}: {exc}") from None
        geo = None
        meta = schema.metadata or {}
        if b"geo" in meta:
            try:
                geo = json.loads(meta[b"geo"]).get("primary_column")
            except ValueError:
                geo = None
        return list(schema.names), geo
    header = _header_line(path, gz=gz)
    if not header.strip():
        raise InputError(f"{path.name} has no header line (the first line names the columns)")
    names = next(csv.reader([header], delimiter=sep or ","))
    return [n.strip() for n in names], None


def _read_csv(
    path: Path, wanted: list[str], *, gz: bool, sep: str
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The wanted columns as text, the data row number of each row, and the malformed rows."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # the header's own spelling (spaces around names are ignored when mapping)
    header = next(csv.reader([_header_line(path, gz=gz)], delimiter=sep))
    spelled = {name.strip(): name for name in header}
    include = [spelled.get(col, col) for col in wanted]

    def attempt(threads: bool) -> tuple[Any, list[tuple[Any, ...]]]:
        bad: list[tuple[Any, ...]] = []

        def handler(row: Any) -> str:
            bad.append((row.number, row.expected_columns, row.actual_columns, row.text))
            return "skip"

        source = pa.input_stream(str(path), compression="gzip" if gz else None)
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=threads),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=handler
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=include,
                column_types={col: pa.string() for col in include},
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
        return table, bad

    try:
        table, bad = attempt(True)
        if any(number is None for number, *_ in bad):  # row numbers need a single-threaded read
            table, bad = attempt(False)
    except (pa.ArrowException, OSError, EOFError) as exc:
        hint = " (is it UTF-8 text? convert it with iconv)" if "UTF8" in str(exc) else ""
        raise InputError(f"cannot read {path.name} as CSV: {exc}{hint}") from None
    raw = table.to_pandas()
    raw.columns = [str(c).strip() for c in raw.columns]
    n = len(raw)
    if bad:
        bad_rows = np.array([number - 1 for number, *_ in bad], dtype=np.int64)
        rows = np.setdiff1d(np.arange(1, n + len(bad) + 1, dtype=np.int64), bad_rows)
        details = [
            f"expected {exp} fields, found {act}: {text[:80]!r}" for _, exp, act, text in bad
        ]
        malformed = pd.DataFrame({"row": bad_rows, "detail": details})
    else:
        rows = np.arange(1, n + 1, dtype=np.int64)
        malformed = pd.DataFrame({"row": np.empty(0, dtype=np.int64), "detail": []})
    return raw, rows, malformed


def _read_parquet(
    path: Path, wanted: list[str], *, geo: str | None
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """The wanted columns (plus lat/lon from the point geometry when ``geo`` is given)."""
    import pyarrow.parquet as pq

    try:
        raw = pq.read_table(path, columns=wanted).to_pandas()
        if geo is not None:
            import shapely

            geometry = gpd.read_parquet(path, columns=[geo]).geometry
            if geometry.crs is not None and not geometry.crs.equals("EPSG:4326"):
                geometry = geometry.to_crs("EPSG:4326")
            points = geometry.to_numpy()
            raw["\0lat"] = shapely.get_y(points)
            raw["\0lon"] = shapely.get_x(points)
    except InputError:
        raise
    except Exception as exc:  # pyarrow / geopandas raise many types for broken files
        raise InputError(f"cannot read the Parquet file {path.name}: {exc}") from None
    rows = np.arange(1, len(raw) + 1, dtype=np.int64)
    malformed = pd.DataFrame({"row": np.empty(0, dtype=np.int64), "detail": []})
    return raw.reset_index(drop=True), rows, malformed


# --- value conversion ---------------------------------------------------------------------------
# Regular expressions run in pyarrow (RE2, C++) over whole columns; group names become columns.


def _arrow_text(text: pd.Series) -> Any:
    """The column as one pyarrow string array (nulls where missing)."""
    import pyarrow as pa

    arr = pa.array(text, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())
    return arr


def _from_arrow(arr: Any, index: pd.Index) -> pd.Series:
    import pyarrow as pa

    series = pa.table({"v": arr}).to_pandas()["v"]
    series.index = index
    return series


def _match(text: pd.Series, pattern: str) -> np.ndarray:
    """Whether each value matches ``pattern`` (False where missing)."""
    import pyarrow.compute as pc

    found = pc.match_substring_regex(_arrow_text(text), pattern).fill_null(False)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """The named groups of ``pattern`` as text columns (NaN where no match or an empty group)."""
    import pyarrow.compute as pc

    found = pc.extract_regex(_arrow_text(text), pattern)
    names = [found.type.field(i).name for i in range(found.type.num_fields)]
    frame = pd.DataFrame(
        {
            name: _from_arrow(part, text.index)
            for name, part in zip(names, found.flatten(), strict=True)
        }
    )
    return frame.where(frame.notna() & (frame != ""))


def _to_float(text: pd.Series) -> np.ndarray:
    """Float64 of text that holds numbers only (checked by the caller)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.cast(_arrow_text(text.str.lstrip("+")), pa.float64())
    return arr.to_numpy(zero_copy_only=False).astype("float64")


def _as_text(values: pd.Series) -> pd.Series:
    """Stripped text of any column (integral floats without ``.0``); NaN where missing or blank."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if len(finite) and bool(((finite % 1) == 0).all()) and finite.abs().max() < 2**53:
            values = values.astype("Int64")
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    text = values.astype(_TEXT_DTYPE).str.strip()
    return text.where(text.notna() & (text != ""), np.nan).astype(_TEXT_DTYPE)


def _as_number(values: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Float64 values of a column, which rows are missing, and which hold text that is no number."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        number = values.astype("float64")
        missing = number.isna().to_numpy()
        return number, missing, np.zeros(len(values), dtype=bool)
    text = _as_text(values)
    missing = (text.isna() | text.str.lower().isin(_NA_TEXT)).to_numpy()
    ok = ~missing & _match(text, _FLOAT_RE)
    number = pd.Series(np.nan, index=text.index, dtype="float64")
    if ok.any():
        number[ok] = _to_float(text[ok])
    return number, missing, ~missing & ~ok


def _url_decode(text: pd.Series) -> pd.Series:
    """URL-decoded text with ``+`` as a space (one decode per distinct value holding a ``%``)."""
    import pyarrow as pa

    text = text.str.replace("+", " ", regex=False)
    has = text.str.contains("%", regex=False).fillna(False).to_numpy(dtype=bool)
    if has.any():
        codes, uniques = pd.factorize(text[has])
        decoded = pa.array([unquote(value) for value in uniques], type=pa.large_string())
        text = text.copy()
        text[has] = _from_arrow(decoded.take(pa.array(codes)), text.index[has])
    return _as_text(text)


def _parse_times(
    values: pd.Series, *, zones: pd.Series, zone: str | None
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """UTC instants of a time column (see the module docstring).

    Returns
    -------
    taken_at, kind, missing, invalid, beyond
        ``datetime64[ns, UTC]`` (NaT where unresolved), how each was resolved (``_UNIX`` ...),
        rows without a value, rows whose value is not a time, rows with a real time outside
        1678–2261 (implausible rather than invalid). Local wall times are resolved only where
        ``zones`` (or ``zone``) is known.
    """
    n = len(values)
    index = values.index
    kind = np.full(n, _UNIX, dtype=np.int8)
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    invalid = np.zeros(n, dtype=bool)
    beyond = np.zeros(n, dtype=bool)
    dtype = values.dtype
    lo, hi = pd.Timestamp(f"{_YEAR_MIN}-01-01"), pd.Timestamp(f"{_YEAR_MAX}-12-31 23:59:59")

    if isinstance(dtype, pd.DatetimeTZDtype):
        missing = values.isna().to_numpy()
        kind[:] = _EXACT
        utc = values.dt.tz_convert("UTC")
        beyond = ((utc < lo.tz_localize("UTC")) | (utc > hi.tz_localize("UTC"))).to_numpy()
        out[:] = utc.where(~beyond).astype("datetime64[ns, UTC]")
        return out, kind, missing, invalid, beyond

    wall = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    seconds = np.full(n, np.nan)
    if pd.api.types.is_datetime64_dtype(dtype):
        missing = values.isna().to_numpy()
        beyond = ((values < lo) | (values > hi)).to_numpy()
        wall = values.where(~beyond).astype("datetime64[ns]")
        is_wall = ~missing
    elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        seconds = values.astype("float64").to_numpy()
        missing = np.isnan(seconds)
        is_wall = np.zeros(n, dtype=bool)
    else:
        text = _as_text(values)
        missing = text.isna().to_numpy()
        is_num = _match(text, _NUMBER_RE)
        if is_num.any():
            seconds[is_num] = _to_float(text[is_num])
        is_wall = ~missing & ~is_num
        if is_wall.any():
            wall_text = text.where(is_wall)
            parts = _extract(wall_text, _WALL_OFFSET_RE)
            has_off = parts["off"].notna().to_numpy()
            wall_text = parts["wall"].where(has_off, wall_text)
            wall, bad_wall, beyond_wall = _parse_wall(wall_text)
            offset, bad_off = _parse_offset(parts["off"].where(has_off))
            invalid = invalid | bad_wall | (has_off & bad_off)
            beyond = beyond | beyond_wall
            by_offset = has_off & ~invalid & ~beyond
            kind[by_offset] = _OFFSET
            if by_offset.any():
                out[by_offset] = (wall[by_offset] - offset[by_offset]).dt.tz_localize("UTC")
            is_wall = is_wall & ~has_off

    # unix seconds
    has_sec = ~np.isnan(seconds)
    finite = np.isfinite(seconds)
    invalid = invalid | has_sec & ~finite
    with np.errstate(invalid="ignore"):
        sec_beyond = finite & ((seconds < lo.timestamp()) | (seconds > hi.timestamp()))
    beyond = beyond | sec_beyond
    ok_sec = finite & ~sec_beyond
    if ok_sec.any():
        out[ok_sec] = pd.to_datetime(seconds[ok_sec], unit="s", utc=True).as_unit("ns")

    # local wall times
    is_wall = is_wall & wall.notna().to_numpy()
    if zone is not None:
        kind[is_wall] = _GIVEN_ZONE
        if is_wall.any():
            given = pd.Series(zone, index=index[is_wall], dtype=object)
            out[is_wall] = localize_wall_times(wall[is_wall], given)
    else:
        kind[is_wall] = _COORD_ZONE
        local = is_wall & zones.notna().to_numpy()
        if local.any():
            out[local] = localize_wall_times(wall[local], zones[local].astype(object))
    return out, kind, missing, invalid, beyond


def _parse_wall(text: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Naive datetimes of ``Y-M-D[ h:m[:s[.f]]]`` text (``-``, ``/``, ``.`` or ``:`` between the
    date parts, a space or ``T`` before the time), which non-missing texts are invalid (no such
    form, or no such date or time of day) and which are real dates beyond 1678–2261."""
    present = text.notna().to_numpy()
    parts = _extract(text, _WALL_RE)
    num = {key: parts[key].astype("float64").to_numpy() for key in ("y", "mo", "d", "h", "mi", "s")}
    for key in ("h", "mi", "s"):
        num[key] = np.nan_to_num(num[key], nan=0.0)
    digits = parts["f"].str.len().astype("float64").to_numpy()
    frac = np.nan_to_num(parts["f"].astype("float64").to_numpy() * 10.0 ** (6 - digits))
    with np.errstate(invalid="ignore"):
        fields_ok = (
            (num["mo"] >= 1)
            & (num["mo"] <= 12)
            & (num["d"] >= 1)
            & (num["d"] <= 31)
            & (num["h"] < 24)
            & (num["mi"] < 60)
            & (num["s"] < 60)
        )
        beyond = fields_ok & ((num["y"] < _YEAR_MIN) | (num["y"] > _YEAR_MAX))
    good = fields_ok & ~beyond

    def ints(key: str, default: int) -> np.ndarray:
        return np.where(good, num[key], default).astype(np.int64)

    month = ((ints("y", 1970) - 1970) * 12 + ints("mo", 1) - 1).astype("datetime64[M]")
    day = month.astype("datetime64[D]") + (ints("d", 1) - 1).astype("timedelta64[D]")
    good &= day.astype("datetime64[M]") == month
    clock_us = (ints("h", 0) * 3600 + ints("mi", 0) * 60 + ints("s", 0)) * 10**6
    clock_us += np.where(good, np.round(frac), 0).astype(np.int64)
    stamp = day.astype("datetime64[us]") + clock_us.astype("timedelta64[us]")
    wall = pd.Series(stamp.astype("datetime64[ns]"), index=text.index).where(good)
    return wall.astype("datetime64[ns]"), present & ~good & ~beyond, present & beyond


def _parse_offset(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """UTC offsets of ``Z``/``UTC``/``GMT``/``±HH[[:]MM]`` text (NaT if absent); invalid ones."""
    parts = _extract(text, r"^(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})?$")
    sign = np.where(parts["sign"] == "-", -1.0, 1.0)
    hours = parts["hh"].astype("float64").to_numpy()
    minutes = parts["mm"].astype("float64").fillna(0.0).to_numpy()
    zero = text.isin(["Z", "UTC", "GMT"]).to_numpy()
    with np.errstate(invalid="ignore"):
        valid = zero | ((hours <= 14) & (minutes < 60))
    total = np.where(zero, 0.0, sign * (hours * 60 + minutes))
    bad = text.notna().to_numpy() & ~valid
    offset = pd.to_timedelta(np.where(valid, total, np.nan), unit="min")
    return pd.Series(offset, index=text.index), bad


# --- assembly ------------------------------------------------------------------------------------


def _assemble(
    raw: pd.DataFrame,
    rows: np.ndarray,
    malformed: pd.DataFrame,
    *,
    mapping: dict[str, str],
    spec: TablePreset,
    pois: pd.DataFrame | None,
    zone: str | None,
    now: pd.Timestamp,
    name: str,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Validate every row at once: (photos, report table)."""
    n = len(raw)
    col = {key: raw[column].reset_index(drop=True) for key, column in mapping.items()}
    photo_id = _as_text(col["photo_id"])
    user_id = _as_text(col["user_id"])
    miss: dict[str, np.ndarray] = {
        "photo_id": photo_id.isna().to_numpy(),
        "user_id": user_id.isna().to_numpy(),
    }

    unknown_poi = np.zeros(n, dtype=bool)
    poi_id = _as_text(col["poi_id"]) if "poi_id" in col else None
    poi_title = poi_theme = None
    if pois is not None and poi_id is not None:
        miss["poi_id"] = poi_id.isna().to_numpy()
        known = poi_id.isin(pois.index).to_numpy()
        unknown_poi = ~miss["poi_id"] & ~known
        lat = poi_id.map(pois["lat"]).astype("float64")
        lon = poi_id.map(pois["lon"]).astype("float64")
        lat_bad = lon_bad = np.zeros(n, dtype=bool)
        miss["lat"] = known & lat.isna().to_numpy()
        miss["lon"] = known & lon.isna().to_numpy()
        poi_title = poi_id.map(pois["name"])
        poi_theme = poi_id.map(pois["theme"])
    elif "lat" in col:
        lat, miss["lat"], lat_bad = _as_number(col["lat"])
        lon, miss["lon"], lon_bad = _as_number(col["lon"])
    else:  # GeoParquet point geometry
        lat = raw["\0lat"].reset_index(drop=True).astype("float64")
        lon = raw["\0lon"].reset_index(drop=True).astype("float64")
        miss["lat"] = miss["lon"] = (lat.isna() | lon.isna()).to_numpy()
        lat_bad = lon_bad = np.zeros(n, dtype=bool)
    lat_v, lon_v = lat.to_numpy(dtype=float), lon.to_numpy(dtype=float)
    coord_there = ~miss["lat"] & ~miss["lon"] & ~unknown_poi
    gps_bad = coord_there & (lat_bad | lon_bad)
    with np.errstate(invalid="ignore"):
        out_of_range = coord_there & ~gps_bad & ~((np.abs(lat_v) <= 90) & (np.abs(lon_v) <= 180))
        null_island = coord_there & ~gps_bad & (np.abs(lat_v) < 1e-9) & (np.abs(lon_v) < 1e-9)
    coord_ok = coord_there & ~gps_bad & ~out_of_range & ~null_island

    zones = pd.Series(np.nan, index=photo_id.index, dtype=object)
    if coord_ok.any():
        zones[coord_ok] = zones_at(lat_v[coord_ok], lon_v[coord_ok])
    taken_at, kind, miss["taken_at"], time_invalid, beyond = _parse_times(
        col["taken_at"], zones=zones, zone=zone
    )
    early = (taken_at < MIN_PLAUSIBLE_DATE).to_numpy()
    implausible = beyond | early | (taken_at > now + FUTURE_TOLERANCE).to_numpy()
    # a value that none of the rules above resolved (should not happen) is not silently dropped
    time_invalid = (
        time_invalid | coord_ok & ~miss["taken_at"] & ~beyond & taken_at.isna().to_numpy()
    )
    any_missing = np.logical_or.reduce(list(miss.values()))
    conditions = [
        any_missing,
        unknown_poi,
        gps_bad,
        out_of_range,
        null_island,
        time_invalid,
        implausible,
    ]
    code = np.select(conditions, np.arange(2, 2 + len(conditions)), default=0).astype(np.int8)
    # duplicates among the rows that pass every other check; the first is kept
    ok = code == 0
    first_row = pd.Series(rows[ok]).groupby(photo_id[ok].to_numpy()).transform("first").to_numpy()
    dup = rows[ok] != first_row
    dup_code = code[ok]
    dup_code[dup] = 2 + len(conditions)
    code[ok] = dup_code
    duplicate_of = np.zeros(n, dtype=np.int64)
    duplicate_of[np.flatnonzero(ok)[dup]] = first_row[dup]

    # --- report -------------------------------------------------------------------------------
    reasons = np.array(
        [
            None,
            MALFORMED_ROW,
            MISSING_VALUE,
            UNKNOWN_POI,
            GPS_BAD_VALUE,
            GPS_OUT_OF_RANGE,
            GPS_NULL_ISLAND,
            INVALID_TIMESTAMP,
            IMPLAUSIBLE_DATE,
            DUPLICATE_ID,
        ],
        dtype=object,
    )
    time_col = mapping["taken_at"]
    sources = np.array(
        [
            "taken_at from unix seconds (UTC)",
            "taken_at from the time's UTC offset",
            "taken_at from local time in the zone of the coordinates",
            f"taken_at from local time in {zone}",
            "taken_at from a time-zone aware timestamp",
        ],
        dtype=object,
    )
    detail = sources[kind]
    skipped = np.flatnonzero(code > 0)
    if len(skipped):
        detail[skipped] = _skip_details(
            code[skipped],
            raw=raw.iloc[skipped],
            mapping=mapping,
            missing={key: mask[skipped] for key, mask in miss.items()},
            photo_id=photo_id.iloc[skipped],
            poi_id=poi_id.iloc[skipped] if poi_id is not None else None,
            lat=lat_v[skipped],
            lon=lon_v[skipped],
            duplicate_of=duplicate_of[skipped],
            early=early[skipped],
            beyond=beyond[skipped],
            now=now,
            time_col=time_col,
            pois=pois is not None,
        )
    report_rows = rows
    report_code = code.astype(np.int8)
    if len(malformed):
        report_rows = np.concatenate([rows, malformed["row"].to_numpy(dtype=np.int64)])
        report_code = np.concatenate([code, np.ones(len(malformed), dtype=np.int8)])
        detail = np.concatenate([detail, malformed["detail"].to_numpy(dtype=object)])
        order = np.argsort(report_rows, kind="stable")
        report_rows, report_code, detail = report_rows[order], report_code[order], detail[order]
    status = np.array(["read", "skipped"], dtype=object)[(report_code > 0).astype(np.int8)]
    table = pd.DataFrame(
        {
            "file": _row_labels(name, report_rows),
            "status": pd.Series(status, dtype=object),
            "reason": pd.Series(reasons[report_code], dtype=object),
            "detail": pd.Series(detail, dtype=object),
        }
    )

    # --- photos -------------------------------------------------------------------------------
    keep = np.flatnonzero(code == 0)
    data: dict[str, Any] = {
        "photo_id": photo_id.iloc[keep],
        "user_id": user_id.iloc[keep],
        "taken_at": taken_at.iloc[keep],
        "tz": zones.iloc[keep],
        "lat": lat_v[keep],
        "lon": lon_v[keep],
    }
    if "title" in col:
        title = _as_text(col["title"])
        data["title"] = (_url_decode(title) if "title" in spec.url_encoded else title).iloc[keep]
    elif poi_title is not None:
        data["title"] = poi_title.iloc[keep]
    if "tags" in col:
        tags = _as_text(col["tags"])
        data["tags"] = (_url_decode(tags) if "tags" in spec.url_encoded else tags).iloc[keep]
    if "accuracy_m" in col:
        accuracy, _, _ = _as_number(col["accuracy_m"])
        data["accuracy_m"] = accuracy.iloc[keep].where(lambda a: a >= 0)
    if "accuracy_level" in col:
        level, _, _ = _as_number(col["accuracy_level"])
        level = level.iloc[keep]
        usable = (level >= 1) & (level <= 16) & (level % 1 == 0)
        data["accuracy_level"] = level.where(usable).astype("Int64")
    if poi_id is not None:
        data["poi_id"] = poi_id.iloc[keep]
    if poi_theme is not None:
        data["theme"] = poi_theme.iloc[keep]
    data["source"] = np.full(len(keep), "table", dtype=object)
    photos = _photos_frame(data)
    photos = photos.sort_values(["user_id", "taken_at", "photo_id"], kind="mergesort")
    return photos.reset_index(drop=True), table


def _skip_details(
    code: np.ndarray,
    *,
    raw: pd.DataFrame,
    mapping: dict[str, str],
    missing: dict[str, np.ndarray],
    photo_id: pd.Series,
    poi_id: pd.Series | None,
    lat: np.ndarray,
    lon: np.ndarray,
    duplicate_of: np.ndarray,
    early: np.ndarray,
    beyond: np.ndarray,
    now: pd.Timestamp,
    time_col: str,
    pois: bool,
) -> np.ndarray:
    """What was wrong with each skipped row (``code`` as in :func:`_assemble`)."""
    detail = np.full(len(code), None, dtype=object)
    raw = raw.reset_index(drop=True)
    photo_id = photo_id.reset_index(drop=True)
    poi_id = poi_id.reset_index(drop=True) if poi_id is not None else None

    def quoted(column: str, where: np.ndarray) -> pd.Series:
        text = raw.loc[where, column].astype(_TEXT_DTYPE).fillna("")
        return (f"{column}='" + text + "'").astype(object)

    sel = code == 2  # missing value
    if sel.any():
        pieces = []
        for key, mask in missing.items():
            label = (
                f"{key} (POI table)"
                if pois and key in ("lat", "lon")
                else f"{key} ({mapping[key]!r})"
            )
            pieces.append(pd.Series(np.where(mask[sel], label, ""), dtype=object))
        joined = pieces[0].str.cat(pieces[1:], sep=", ").str.replace(r"(, )+", ", ", regex=True)
        detail[sel] = ("no " + joined.str.strip(", ")).to_numpy(dtype=object)
    sel = code == 3  # unknown POI
    if sel.any() and poi_id is not None:
        ids = poi_id[sel].astype(object)
        detail[sel] = ("POI '" + ids + "' is not in the POI table").to_numpy(dtype=object)
    sel = (code >= 4) & (code <= 6)  # GPS
    if sel.any():
        position = (
            "lat="
            + pd.Series(lat[sel]).astype(str).astype(object)
            + ", lon="
            + pd.Series(lon[sel]).astype(str).astype(object)
        )
        if pois and poi_id is not None:
            ids = poi_id[sel].astype(object).reset_index(drop=True)
            detail[sel] = ("POI '" + ids + "' at " + position).to_numpy(dtype=object)
        elif "lat" in mapping:
            detail[sel] = (
                quoted(mapping["lat"], sel) + ", " + quoted(mapping["lon"], sel)
            ).to_numpy(dtype=object)
        else:
            detail[sel] = ("geometry " + position).to_numpy(dtype=object)
    sel = code == 7  # invalid timestamp
    if sel.any():
        detail[sel] = quoted(time_col, sel).to_numpy(dtype=object)
    sel = code == 8  # implausible date
    if sel.any():
        why = np.select(
            [beyond[sel], early[sel]],
            [
                f" is outside the years {_YEAR_MIN}–{_YEAR_MAX}",
                f" is before {MIN_PLAUSIBLE_DATE:%Y-%m-%d}",
            ],
            default=f" is after {now + FUTURE_TOLERANCE:%Y-%m-%d %H:%M} UTC",
        )
        detail[sel] = (quoted(time_col, sel) + why.astype(object)).to_numpy(dtype=object)
    sel = code == 9  # duplicate photo id
    if sel.any():
        ids = photo_id[sel].astype(object).reset_index(drop=True)
        first = pd.Series(duplicate_of[sel]).astype(str).astype(object)
        detail[sel] = ("photo id '" + ids + "' already read from row " + first).to_numpy(
            dtype=object
        )
    return detail


def _row_labels(name: str, rows: np.ndarray) -> pd.Series:
    """``"<name>:<row>"`` for every row number, built in pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pc.cast(pa.array(rows, type=pa.int64()), pa.large_string())
    prefix = pa.scalar(f"{name}:", pa.large_string())
    labels = pc.binary_join_element_wise(prefix, numbers, pa.scalar("", pa.large_string()))
    return _from_arrow(labels, pd.RangeIndex(len(rows))).astype(_TEXT_DTYPE)


def _photos_frame(columns: dict[str, Any]) -> gpd.GeoDataFrame:
    """The photos GeoDataFrame with contract dtypes from equally long columns."""

    def typed(name: str, values: Any) -> pd.Series:
        series = values if isinstance(values, pd.Series) else pd.Series(values)
        series = series.reset_index(drop=True)
        if name in ("lat", "lon", "accuracy_m"):
            return series.astype("float64")
        if name == "taken_at":
            return series.astype("datetime64[ns, UTC]")
        if name == "accuracy_level":
            return series.astype("Int64")
        if series.dtype == _TEXT_DTYPE:
            return series
        return series.astype(object).where(series.notna(), None).astype(_TEXT_DTYPE)

    frame = pd.DataFrame({name: typed(name, values) for name, values in columns.items()})
    order = [*REQUIRED_COLUMNS, *(c for c in frame.columns if c not in REQUIRED_COLUMNS)]
    frame = frame[order]
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
