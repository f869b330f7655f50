"""The incremental ingest cache: one Parquet file of per-file results.

One row a photo-suffixed file, keyed by ``file`` (path relative to the input root), ``size`` and
``mtime_ns``; the other columns are whatever the caller stores (routeplan.photos stores each
file's resolved position, time, zone and skip reason: everything except what depends on the call's
options). The Parquet metadata holds the cache version and the absolute input root: a file from
another version or root, or one that cannot be read, is ignored with a logged warning (and the
caller rewrites it). Writes are atomic (a temporary file in the same folder, then
``os.replace``), so an interrupted run never leaves a half-written cache.

Bump ``CACHE_FORMAT`` whenever the meaning of a cached row changes (a fix in time or GPS
resolution, a new column); the routeplan, exifread and timezonefinder versions are part of the
version too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["CACHE_FORMAT", "cache_version", "default_cache_path", "load_cache", "save_cache"]

logger = logging.getLogger(__name__)

#: Format of the cached rows; part of :func:`cache_version`.
CACHE_FORMAT: int = 1

_META_VERSION = b"routeplan.ingest_cache.version"
_META_ROOT = b"routeplan.ingest_cache.root"


@cache
def cache_version() -> str:
    """The version string stored in (and required of) a cache file."""
    from . import __version__

    parts = [f"format {CACHE_FORMAT}", f"routeplan {__version__}"]
    for dist in ("exifread", "timezonefinder"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            parts.append(f"{dist} ?")
    return "; ".join(parts)


def default_cache_path(root: str | os.PathLike[str]) -> Path:
    """Cache file of an input folder: ``<user cache dir>/routeplan/ingest-<sha1>.parquet``.

    The user cache dir is ``$XDG_CACHE_HOME`` when set, else ``~/.cache``; ``<sha1>`` is the SHA-1
    of the absolute path of ``root``.

    Parameters
    ----------
    root
        The input folder.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha1(str(Path(root).absolute()).encode("utf-8")).hexdigest()
    return Path(base) / "routeplan" / f"ingest-{digest}.parquet"


def load_cache(path: str | os.PathLike[str], *, schema: pa.Schema, root: str) -> pa.Table | None:
    """The cached rows of ``path``, or None when there is no usable cache there.

    A missing file is None silently; a file that cannot be read, from another cache version or
    input root, or with other columns than ``schema`` is None with a logged warning.

    Parameters
    ----------
    path
        The cache file.
    schema
        The columns and types the rows must have.
    root
        Absolute input root the cache must have been written for.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        # ParquetFile, not read_table: the latter imports pyarrow.dataset (~40 ms) on first use.
        with open(path, "rb") as fh:
            table = pq.ParquetFile(fh).read()
    except Exception as exc:  # a truncated or foreign file can fail anywhere in pyarrow
        logger.warning(
            "ignoring the ingest cache %s (unreadable: %s: %s); it will be rewritten",
            path,
            type(exc).__name__,
            exc,
        )
        return None
    meta = table.schema.metadata or {}
    version = meta.get(_META_VERSION, b"").decode("utf-8", errors="replace")
    cached_root = meta.get(_META_ROOT, b"").decode("utf-8", errors="replace")
    if version != cache_version():
        problem = f"written by {version or 'an unknown version'!r}, this is {cache_version()!r}"
    elif cached_root != root:
        problem = f"written for the folder {cached_root!r}, not {root!r}"
    elif not table.schema.remove_metadata().equals(schema):
        problem = "its columns differ from the expected ones"
    else:
        return table.replace_schema_metadata(None)
    logger.warning("ignoring the ingest cache %s (%s); it will be rewritten", path, problem)
    return None


def save_cache(path: str | os.PathLike[str], table: pa.Table, *, root: str) -> bool:
    """Write ``table`` atomically to ``path`` with the cache version and ``root``.

    Never raises for I/O trouble (read-only folder, full disk): the cache is an optimisation, so
    a failure is a logged warning and the run goes on.

    Parameters
    ----------
    path
        The cache file; its folder is created.
    table
        The rows to store.
    root
        Absolute input root the rows belong to.

    Returns
    -------
    bool
        Whether the cache was written.
    """
    path = Path(path)
    meta = {_META_VERSION: cache_version().encode("utf-8"), _META_ROOT: root.encode("utf-8")}
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)
        tmp = None
    except Exception as exc:  # the cache is optional: never let it break the ingest
        logger.warning("could not write the ingest cache %s: %s: %s", path, type(exc).__name__, exc)
        return False
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    logger.debug("wrote the ingest cache %s (%d row(s))", path, table.num_rows)
    return True
