"""Reading raw EXIF values of photo files: the per-file work, run in worker processes.

This module imports only the standard library and exifread, so that worker processes start
fast; it returns plain Python values (text, numbers), never exifread objects. Decoding and
validation happen later, vectorised, in :mod:`routeplan.photos`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

import exifread

__all__ = ["RAW_COLUMNS", "RAW_TEXT", "read_chunk", "read_exif"]

logger = logging.getLogger(__name__)

# --- skip reasons decided while reading (see routeplan.photos for the others) -------------------
UNREADABLE = "unreadable"
UNSUPPORTED_FORMAT = "unsupported format"
NO_EXIF = "no EXIF"

#: Starts of the ``detail`` of "unreadable" results that may not last (permissions, I/O errors,
#: a slow disk): such results are not cached, so the file is tried again on the next run.
CANNOT_OPEN = "cannot open"
TOO_SLOW = "reading took longer than"
TRANSIENT_DETAILS: tuple[str, ...] = (CANNOT_OPEN, TOO_SLOW)

# --- raw EXIF fields ---------------------------------------------------------------------------
TEXT_TAGS: dict[str, str] = {
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
RATIONAL_TAGS: dict[str, tuple[tuple[str, ...], int]] = {
    "lat": (("GPS GPSLatitude",), 3),
    "lon": (("GPS GPSLongitude",), 3),
    "gpst": (("GPS GPSTimeStamp",), 3),
    "alt": (("GPS GPSAltitude",), 1),
    "acc": (("GPS GPSHPositioningError", "GPS Tag 0x001F"), 1),
}
#: Fields of a raw record (what a worker sends back per file): text, then numbers.
RAW_TEXT: tuple[str, ...] = ("reason", "detail", "exif_warnings", *TEXT_TAGS)
RAW_COLUMNS: tuple[str, ...] = (
    *RAW_TEXT,
    "alt_ref",
    *(
        name
        for prefix, (_, k) in RATIONAL_TAGS.items()
        for name in (
            f"{prefix}_n",
            *(f"{prefix}{i}{part}" for i in range(k) for part in ("num", "den")),
        )
    ),
)


# --- file formats (first bytes) ----------------------------------------------------------------
#: Headers exifread reads (see exifread.core.find_exif.determine_type).
_READABLE_HEADERS: tuple[bytes, ...] = (
    b"\xff\xd8",  # JPEG
    b"II*\x00",  # TIFF, DNG, ARW, NEF, CR2, PEF, ... (little-endian)
    b"MM\x00*",  # TIFF (big-endian)
    b"IIRO",  # Olympus ORF
    b"IIRS",  # Olympus ORF
    b"MMOR",  # Olympus ORF
    b"IIU\x00",  # Panasonic RW2
    b"\x89PNG\r\n\x1a\n",
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL container
)
#: ISO base media brands exifread reads (HEIF, AVIF).
_READABLE_BRANDS: tuple[bytes, ...] = (b"heic", b"avif", b"mif1")
#: Headers of image formats exifread cannot read: (prefix, what it is).
_UNSUPPORTED_HEADERS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\x0a", "bare JPEG XL codestream (EXIF needs the JPEG XL container)"),
    (b"II+\x00", "BigTIFF"),
    (b"MM\x00+", "BigTIFF"),
    (b"GIF8", "GIF"),
    (b"FUJIFILMCCD-RAW", "Fujifilm RAF"),
)


# --- reading ----------------------------------------------------------------------------------


def read_chunk(files: Sequence[str], root: str, timeout_s: float | None) -> dict[str, list[Any]]:
    """Raw records of ``files`` (relative to ``root``) as columns: ``RAW_COLUMNS`` → values.

    The worker function of the process pool: it returns plain lists of text and numbers, never
    exifread objects. Each file gets at most ``timeout_s`` seconds
    (``routeplan.photos.FILE_TIMEOUT_S``).
    """
    columns: dict[str, list[Any]] = {name: [] for name in RAW_COLUMNS}
    with _captured_exifread_warnings() as warnings_, _per_file_time_limit(timeout_s) as limited:
        for rel in files:
            warnings_.clear()
            record = limited(os.path.join(root, rel), warnings_)
            record["exif_warnings"] = "; ".join(warnings_) or None
            for name, values in columns.items():
                values.append(record.get(name))
            if record.get("reason"):
                logger.debug("skip %s: %s (%s)", rel, record["reason"], record.get("detail"))
    return columns


class _FileTimeout(BaseException):
    """Raised by SIGALRM inside exifread; a BaseException so no ``except Exception`` eats it."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _FileTimeout


@contextmanager
def _per_file_time_limit(timeout_s: float | None) -> Iterator[Any]:
    """A reader ``(path, warnings) → record`` that gives up on a file after ``timeout_s``.

    The limit needs SIGALRM and the main thread, and is skipped when the process already uses
    SIGALRM or an interval timer (e.g. a test-timeout plugin): then files are read unlimited.
    """
    usable = (
        timeout_s is not None
        and timeout_s > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield lambda path, warnings_: read_exif(path, exifread_warnings=warnings_)
        return

    assert timeout_s is not None  # for mypy: checked by `usable`

    def limited(path: str, warnings_: list[str]) -> dict[str, Any]:
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            try:
                return read_exif(path, exifread_warnings=warnings_)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _FileTimeout:
            return {"reason": UNREADABLE, "detail": f"{TOO_SLOW} {timeout_s:g} s"}

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        yield limited
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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


def _sniff(head: bytes) -> tuple[str, str] | None:
    """Skip reason and detail of a file from its first bytes, or None when exifread reads it."""
    if head.startswith(_READABLE_HEADERS):
        return None
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _READABLE_BRANDS:
            return None
        name = brand.decode("latin-1").strip() or "?"
        return (
            UNSUPPORTED_FORMAT,
            f"ISO media file of brand {name!r} (exifread reads heic, avif, mif1)",
        )
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return None
    for prefix, what in _UNSUPPORTED_HEADERS:
        if head.startswith(prefix):
            return UNSUPPORTED_FORMAT, f"{what} is not read by exifread"
    return UNREADABLE, "not an image (unrecognised file header)"


def read_exif(
    path: str | os.PathLike[str], *, exifread_warnings: list[str] | None = None
) -> dict[str, Any]:
    """Raw EXIF values of one file as a plain record (text and rational pairs, nothing decoded).

    ``exifread_warnings`` are the warnings exifread logged while reading this file: a file where
    exifread found nothing but complained is corrupt ("unreadable"), not merely without EXIF.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:  # permissions, vanished file, I/O error: may not last
        return {"reason": UNREADABLE, "detail": f"{CANNOT_OPEN}: {type(exc).__name__}: {exc}"}
    with fh:
        try:
            head = fh.read(32)
        except OSError as exc:
            return {"reason": UNREADABLE, "detail": f"{CANNOT_OPEN}: {type(exc).__name__}: {exc}"}
        skip = _sniff(head)
        if skip is not None:
            return {"reason": skip[0], "detail": skip[1]}
        try:
            tags = exifread.process_file(fh, details=False, extract_thumbnail=False)
        except Exception as exc:  # a corrupt or truncated file can raise anything in exifread
            return {"reason": UNREADABLE, "detail": f"{type(exc).__name__}: {exc}"}
    if not any(key.split(" ", 1)[0] in ("Image", "EXIF", "GPS") for key in tags):
        if any("format not recognized" in message for message in exifread_warnings or ()):
            return {"reason": UNSUPPORTED_FORMAT, "detail": "file format not read by exifread"}
        if head[:4] == b"RIFF" and head[12:16] == b"VP8X" and len(head) > 20 and head[20] & 8:
            # exifread expects an "Exif\0\0" prefix in the WebP EXIF chunk, which the WebP
            # specification (and most writers) leave out: the EXIF is there but unreadable.
            return {
                "reason": UNSUPPORTED_FORMAT,
                "detail": "WebP EXIF chunk exifread cannot decode",
            }
        if exifread_warnings:
            return {"reason": UNREADABLE, "detail": "corrupt EXIF"}
        return {"reason": NO_EXIF, "detail": "no EXIF block"}
    record: dict[str, Any] = {name: _text(tags.get(tag)) for name, tag in TEXT_TAGS.items()}
    for prefix, (names, k) in RATIONAL_TAGS.items():
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
