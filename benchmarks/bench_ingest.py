"""Ingest benchmark: routeplan.read_photos (cold, warm cache) against exiftool on the same JPEGs.

One run measures, on one generated folder of camera-like JPEGs (see ``_make_jpegs.py``):

1. **routeplan cold**: ``read_photos(folder, jobs=..., cache=<fresh cache file>)`` in a fresh
   Python process (routeplan imported before the clock starts), with the photo files evicted
   from the OS page cache first;
2. **routeplan warm**: the same call again in that process (every file a cache hit);
3. **exiftool**: ``exiftool -n -fast2 -csv -r <folder>`` (CSV to a temporary file), with the
   photo files evicted from the page cache first.

Each is repeated (``--repeat``, default 3; every cold run gets a fresh cache file) and reported as
median and best, in photos per second, with the CPU seconds used beside (exiftool's process;
routeplan's process plus its pool workers and their fork server, adopted as a Linux subreaper):
on a machine shared with other work, CPU time shows the cost per photo undisturbed. The targets
on a 2-core machine: cold at least 10× the throughput of exiftool, warm at least 50× faster than
cold (judged on the medians). Whether they are met is printed; the exit status is 0 either way
(a measurement, not a test).

Correctness is checked on every file: routeplan's lat/lon agree with exiftool's to 1e-6°, its
``taken_at`` with the instant exiftool's tags give (``DateTimeOriginal`` − ``OffsetTimeOriginal``,
else the GPS date/time stamp, else ``DateTimeOriginal`` as the wall time in routeplan's zone),
the same files have a position; and everything agrees with the generator's ground truth.

Page cache: with ``--evict auto`` (default) the whole page cache is dropped
(``sync; echo 3 > /proc/sys/vm/drop_caches``) when that file is writable (root), else each photo
file is evicted with ``posix_fadvise(POSIX_FADV_DONTNEED)``; ``--evict none`` leaves the files
warm for every contender alike. What was done is printed and written to the results.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_ingest.py                  # 5000 photos, best/median of 3
    .venv/bin/python benchmarks/bench_ingest.py --n-photos 20000 --repeat 5 --jobs 2
    .venv/bin/python benchmarks/bench_ingest.py --write-results  # update benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_ingest.py --profile        # + cProfile of a jobs=1 read
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import inspect
import io
import json
import logging
import os
import platform
import pstats
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger("bench_ingest")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "RESULTS.md"
SECTION = "bench_ingest"
#: Targets on the reference 2-core machine.
TARGET_COLD_VS_EXIFTOOL = 10.0
TARGET_WARM_VS_COLD = 50.0
#: Largest |Δ| in degrees between routeplan's and exiftool's coordinates.
COORD_TOL_DEG = 1e-6
#: Largest |Δ| between routeplan's and the expected instant.
TIME_TOL = pd.Timedelta(milliseconds=1)
EXIFTOOL_ARGS = ("-n", "-fast2", "-csv", "-r")
EXIFTOOL_INSTALL = (
    "exiftool is not installed. Install it with `sudo apt-get install libimage-exiftool-perl` "
    "(Debian/Ubuntu), `brew install exiftool` (macOS) or from https://exiftool.org, then rerun."
)
DROP_CACHES = Path("/proc/sys/vm/drop_caches")


# ------------------------------------------------------------------------------------------------
# page cache


def evict_method(requested: str) -> str:
    """The eviction actually used for ``--evict`` (``auto`` picks the strongest available)."""
    if requested != "auto":
        return requested
    if DROP_CACHES.exists() and os.access(DROP_CACHES, os.W_OK):
        return "drop_caches"
    if hasattr(os, "posix_fadvise"):
        return "fadvise"
    return "none"


def describe_evict(method: str) -> str:
    return {
        "drop_caches": "page cache dropped before every cold run and every exiftool run "
        "(sync; echo 3 > /proc/sys/vm/drop_caches)",
        "fadvise": "photo files evicted from the page cache before every cold run and every "
        "exiftool run (posix_fadvise DONTNEED; directory entries and inodes stay cached)",
        "none": "files NOT evicted: warm in the page cache for every contender alike",
    }[method]


def evict(photos: Path, method: str) -> None:
    """Evict the photo files (or everything) from the OS page cache."""
    if method == "none":
        return
    os.sync()
    if method == "drop_caches":
        DROP_CACHES.write_text("3\n")
        return
    for folder, _dirs, names in os.walk(photos):
        for name in names:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


# ------------------------------------------------------------------------------------------------
# routeplan, measured in a fresh process


def _self_cpu() -> float:
    """CPU seconds (user + system) used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    """CPU seconds of this process's terminated and reaped descendants so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(spec: dict) -> dict:
    """Runs in the child process: cold read (fresh cache), warm read; timings as a dict."""
    from routeplan.photos import read_photos

    params = inspect.signature(read_photos).parameters
    has_cache = "cache" in params
    kwargs: dict = {"jobs": spec["jobs"]} if "jobs" in params else {}
    if has_cache:
        kwargs["cache"] = spec["cache"]
    photos_dir = Path(spec["photos"])
    evict(photos_dir, spec["evict"])

    c0, t0 = _self_cpu(), time.perf_counter()
    cold, report = read_photos(photos_dir, **kwargs)
    t1, c1 = time.perf_counter(), _self_cpu()
    out: dict = {
        "cold_s": t1 - t0,
        "cold_self_cpu_s": c1 - c0,
        "n_files": report.n_files,
        "n_read": report.n_read,
        "skipped": {str(k): int(v) for k, v in report.counts().items()},
        "has_cache": has_cache,
    }
    if has_cache:
        c1, t1 = _self_cpu(), time.perf_counter()
        warm, warm_report = read_photos(photos_dir, **kwargs)
        t2, c2 = time.perf_counter(), _self_cpu()
        out["warm_s"] = t2 - t1
        out["warm_cpu_s"] = c2 - c1
        out["warm_equal"] = bool(
            cold.drop(columns="geometry").equals(warm.drop(columns="geometry"))
            and cold.geometry.equals(warm.geometry)
            and report.table.equals(warm_report.table)
        )
        out["cache_bytes"] = Path(spec["cache"]).stat().st_size
    if spec.get("save"):
        frame = pd.DataFrame(cold.drop(columns="geometry"))
        frame[["photo_id", "taken_at", "tz", "lat", "lon"]].to_parquet(spec["save"])
    # CPU of this process and of the descendants it reaped: the parent subtracts it from the
    # CPU of the whole process tree to get what the pool workers (and their fork server) used.
    out["self_total_cpu_s"] = _self_cpu() + _children_cpu()
    return out


_CHILD_CODE = """
import json, logging, os, sys
sys.path.insert(0, sys.argv[1])
logging.basicConfig(level=logging.WARNING)
from bench_ingest import _child
print(json.dumps(_child(json.loads(sys.argv[2]))), flush=True)
os._exit(0)  # no interpreter teardown: its CPU would be counted as the workers'
"""


@dataclass
class Timings:
    """Wall-clock and CPU seconds of each repetition of one contender."""

    label: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so that the CPU of pool workers can be accounted.

    routeplan's pool workers are children of a fork server, which outlives the measured process;
    as a subreaper this process inherits and reaps it, and its CPU (workers included) shows up
    in ``RUSAGE_CHILDREN``.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_orphans(timeout_s: float = 10.0) -> None:
    """Wait for adopted descendants (the fork server) to exit, reaping them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)
    logger.warning("descendants still running after %.0f s; their CPU is not counted", timeout_s)


def run_routeplan(
    photos: Path, *, jobs: int | None, method: str, save: Path | None, subreaper: bool
) -> tuple[dict, float]:
    """One cold + warm measurement in a fresh interpreter; its result and process wall time.

    The result gains ``cold_cpu_s``: CPU of the cold read in the measured process plus all its
    descendants (pool workers, fork server) when ``subreaper``, else the measured process only.
    """
    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-cache-"))
    try:
        spec = {
            "photos": str(photos),
            "cache": str(workdir / "ingest.parquet"),
            "jobs": jobs,
            "evict": method,
            "save": str(save) if save else None,
        }
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        # `-c` rather than this file as __main__: process-pool workers re-import a main module
        # that has a file (as routeplan's CLI entry point is: a few lines); this one is heavier.
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD_CODE, str(HERE), json.dumps(spec)],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
        if subreaper:
            reap_orphans()
        tree_cpu = _children_cpu() - cpu0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"routeplan measurement failed:\n{proc.stderr}")
    if proc.stderr.strip():
        logger.info("routeplan stderr: %s", proc.stderr.strip()[-2000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    workers = max(0.0, tree_cpu - result["self_total_cpu_s"]) if subreaper else 0.0
    result["workers_cpu_s"] = workers
    result["cold_cpu_s"] = result["cold_self_cpu_s"] + workers
    return result, wall


# ------------------------------------------------------------------------------------------------
# exiftool


def exiftool_version() -> str | None:
    exe = shutil.which("exiftool")
    if exe is None:
        return None
    out = subprocess.run([exe, "-ver"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "?"


def run_exiftool(photos: Path, *, method: str, csv_out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``exiftool -n -fast2 -csv -r <photos>`` (CSV into ``csv_out``)."""
    evict(photos, method)
    with csv_out.open("wb") as fh:
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["exiftool", *EXIFTOOL_ARGS, str(photos)],
            stdout=fh,
            stderr=subprocess.PIPE,
            check=False,
        )
        seconds = time.perf_counter() - t0
        cpu = _children_cpu() - cpu0
    if proc.returncode not in (0, 1):  # 1: some file had an error, still a full CSV
        raise SystemExit(f"exiftool failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return seconds, cpu


# ------------------------------------------------------------------------------------------------
# correctness


def _utc_from_exif_text(text: pd.Series) -> pd.Series:
    """``YYYY:MM:DD HH:MM:SS[.fff]`` text → naive datetimes (NaT when absent)."""
    iso = text.str.replace(r"^(\d{4}):(\d{2}):(\d{2})", r"\1-\2-\3", regex=True)
    return pd.to_datetime(iso.where(iso != ""), format="ISO8601", errors="coerce")


def expected_from_exiftool(csv_path: Path, photos: Path) -> pd.DataFrame:
    """Per file: lat, lon (signed), expected UTC instant or local wall time, and its rule."""
    et = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    prefix = str(photos).rstrip("/") + "/"
    out = pd.DataFrame({"photo_id": et["SourceFile"].str.removeprefix(prefix)})

    def col(name: str) -> pd.Series:
        return et[name] if name in et.columns else pd.Series("", index=et.index)

    lat = pd.to_numeric(col("GPSLatitude"), errors="coerce").abs()
    lon = pd.to_numeric(col("GPSLongitude"), errors="coerce").abs()
    out["lat"] = np.where(col("GPSLatitudeRef").str.upper().str.startswith("S"), -lat, lat)
    out["lon"] = np.where(col("GPSLongitudeRef").str.upper().str.startswith("W"), -lon, lon)
    wall = _utc_from_exif_text(col("DateTimeOriginal"))
    parts = col("OffsetTimeOriginal").str.extract(r"^([+-])(\d{2}):(\d{2})$")
    sign = np.where(parts[0] == "-", -1, 1)
    offset = pd.to_timedelta(sign * (parts[1].astype(float) * 60 + parts[2].astype(float)), "min")
    gps = _utc_from_exif_text(
        (col("GPSDateStamp") + " " + col("GPSTimeStamp")).where(
            (col("GPSDateStamp") != "") & (col("GPSTimeStamp") != ""), ""
        )
    )
    by_offset = wall.notna() & offset.notna()
    by_gps = ~by_offset & gps.notna()
    out["rule"] = np.select([by_offset, by_gps], ["offset", "gps"], default="zone")
    out["utc"] = (wall - offset).where(by_offset, gps.where(by_gps)).dt.tz_localize("UTC")
    out["wall"] = wall
    return out


@dataclass
class Check:
    """Outcome of one comparison."""

    name: str
    n_compared: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _wall_in_zone(taken_at: pd.Series, tz: pd.Series) -> pd.Series:
    """Naive local wall time of each UTC instant in its own zone."""
    wall = pd.Series(pd.NaT, index=taken_at.index, dtype="datetime64[ns]")
    for zone, idx in taken_at.groupby(tz).groups.items():
        wall[idx] = taken_at[idx].dt.tz_convert(str(zone)).dt.tz_localize(None)
    return wall


def check_against_exiftool(rp: pd.DataFrame, expected: pd.DataFrame) -> Check:
    """routeplan's photos against what exiftool's tags give, file by file."""
    problems = []
    has_pos = expected[expected["lat"].notna() & expected["lon"].notna()]
    only_rp = sorted(set(rp["photo_id"]) - set(has_pos["photo_id"]))
    only_et = sorted(set(has_pos["photo_id"]) - set(rp["photo_id"]))
    if only_rp:
        problems.append(
            f"{len(only_rp)} photo(s) read by routeplan have no exiftool GPS: {only_rp[:3]}"
        )
    if only_et:
        problems.append(
            f"{len(only_et)} file(s) with exiftool GPS not read by routeplan: {only_et[:3]}"
        )
    m = rp.merge(has_pos, on="photo_id", suffixes=("", "_et"))
    d_lat = (m["lat"] - m["lat_et"]).abs()
    d_lon = (m["lon"] - m["lon_et"]).abs()
    bad = (d_lat > COORD_TOL_DEG) | (d_lon > COORD_TOL_DEG)
    if bad.any():
        example = m.loc[bad, "photo_id"].iloc[0]
        problems.append(
            f"{int(bad.sum())} position(s) differ by > {COORD_TOL_DEG:g}°, e.g. {example}"
        )
    by_zone = m["rule"] == "zone"
    d_utc = (m["taken_at"] - m["utc"]).abs()
    d_wall = (_wall_in_zone(m["taken_at"], m["tz"]) - m["wall"]).abs()
    diff = d_utc.where(~by_zone, d_wall)
    bad_t = ~(diff <= TIME_TOL)
    if bad_t.any():
        row = m.loc[bad_t].iloc[0]
        theirs = row["wall"] if row["rule"] == "zone" else row["utc"]
        problems.append(
            f"{int(bad_t.sum())} time(s) differ (rule {row['rule']}), e.g. {row['photo_id']}: "
            f"routeplan {row['taken_at']} vs exiftool {theirs}"
        )
    rules = m["rule"].value_counts().to_dict()
    detail = f"max |Δlat|, |Δlon| = {max(d_lat.max(), d_lon.max()):.1e}°; time rules " + ", ".join(
        f"{k} {v}" for k, v in sorted(rules.items())
    )
    return Check(f"routeplan vs exiftool ({detail})", len(m), problems)


def check_against_truth(rp: pd.DataFrame, truth: pd.DataFrame) -> Check:
    """routeplan's photos against the generator's ground truth."""
    problems = []
    with_gps = truth[truth["has_gps"]]
    only_rp = sorted(set(rp["photo_id"]) - set(with_gps["photo_id"]))
    only_truth = sorted(set(with_gps["photo_id"]) - set(rp["photo_id"]))
    if only_rp or only_truth:
        problems.append(f"read set differs: {len(only_rp)} extra, {len(only_truth)} missing")
    m = rp.merge(with_gps, on="photo_id", suffixes=("", "_true"))
    d_pos = np.maximum((m["lat"] - m["lat_true"]).abs(), (m["lon"] - m["lon_true"]).abs())
    if (d_pos > COORD_TOL_DEG).any():
        problems.append(f"{int((d_pos > COORD_TOL_DEG).sum())} position(s) off")
    d_t = (m["taken_at"] - m["utc"]).abs()
    if (d_t > TIME_TOL).any():
        problems.append(f"{int((d_t > TIME_TOL).sum())} instant(s) off")
    if (m["tz"] != m["zone"]).any():
        problems.append(f"{int((m['tz'] != m['zone']).sum())} zone(s) off")
    return Check("routeplan vs ground truth (position, UTC instant, zone)", len(m), problems)


# ------------------------------------------------------------------------------------------------
# machine notes and the results file


def machine_notes(photos: Path) -> dict[str, str]:
    from _machine import cpu_model, ram_gib

    cpu = cpu_model()
    ram = f"{ram_gib():.1f} GiB"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import exifread

    def git(*args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        )
        return proc.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "routeplan")
        commit = f"{commit} (routeplan/ has uncommitted changes)" if dirty else commit
    except OSError:
        commit = "?"
    fs = "?"
    try:
        best = ""
        target = str(photos.resolve())
        for line in Path("/proc/mounts").read_text().splitlines():
            dev, mnt, kind = line.split()[:3]
            if target.startswith(mnt) and len(mnt) > len(best):
                best, fs = mnt, f"{kind} on {dev} (mounted at {mnt})"
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs ({affinity} usable)",
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "filesystem": fs,
        "python": platform.python_version(),
        "exifread": getattr(exifread, "__version__", "?"),
        "exiftool": exiftool_version() or "not installed",
        "routeplan": commit or "?",
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def write_results(text: str, path: Path = RESULTS) -> None:
    """Replace (or append) the ``bench_ingest`` section of ``path`` with ``text``."""
    from _machine import write_section

    write_section(path, SECTION, text)


# ------------------------------------------------------------------------------------------------
# main


def _fmt_row(label: str, t: Timings | None, n: int) -> str:
    if t is None or not t.seconds:
        return f"| {label} | – | – | – | – | – | – |"
    cpu = t.cpu_median
    per_cpu = f"{n / cpu:,.0f}" if cpu > 0 else "–"
    return (
        f"| {label} | {t.median:.3f} | {t.best:.3f} | {n / t.median:,.0f} | {n / t.best:,.0f} "
        f"| {cpu:.2f} | {per_cpu} |"
    )


def _profile(photos: Path) -> str:
    """cProfile of one in-process, single-job, cache-less read (top functions)."""
    from routeplan.photos import read_photos

    kwargs: dict[str, Any] = {}
    if "jobs" in inspect.signature(read_photos).parameters:
        kwargs["jobs"] = 1
    prof = cProfile.Profile()
    prof.enable()
    read_photos(photos, **kwargs)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).sort_stats("cumulative")
    stats.print_stats(30)
    buf.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(20)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        description="Ingest benchmark: routeplan cold/warm against exiftool on generated JPEGs."
    )
    parser.add_argument("--n-photos", type=int, default=5000, help="JPEG files (default 5000)")
    parser.add_argument("--n-users", type=int, default=100, help="user sub-folders (100)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (0)")
    parser.add_argument(
        "--folder",
        type=Path,
        help="dataset folder, reused when already generated with the same parameters "
        "(default: <tmp>/routeplan-bench-ingest-<n>-<users>-<seed>)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement")
    parser.add_argument("--jobs", type=int, default=None, help="read_photos jobs (default: all)")
    parser.add_argument(
        "--evict",
        choices=("auto", "drop_caches", "fadvise", "none"),
        default="auto",
        help="how files are made cold before cold and exiftool runs (default auto)",
    )
    parser.add_argument(
        "--write-results", action="store_true", help=f"rewrite the {SECTION} section of RESULTS.md"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile a single-job read (cProfile)"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    folder = args.folder or Path(tempfile.gettempdir()) / (
        f"routeplan-bench-ingest-{args.n_photos}-{args.n_users}-{args.seed}"
    )
    sys.path.insert(0, str(HERE))
    import _make_jpegs

    t0 = time.perf_counter()
    ds = _make_jpegs.make_dataset(
        folder, n_photos=args.n_photos, n_users=args.n_users, seed=args.seed
    )
    gen_s = time.perf_counter() - t0
    n = ds.n_files
    sizes = ds.truth["bytes"]
    method = evict_method(args.evict)
    if method == "drop_caches" and args.evict == "auto":
        try:
            evict(ds.photos, method)
        except OSError:
            method = "fadvise"
    notes = machine_notes(ds.photos)
    et_version = exiftool_version()

    print(
        f"bench_ingest: {n} JPEGs ({ds.n_bytes / 1e6:.0f} MB, {sizes.min() / 1024:.0f}–"
        f"{sizes.max() / 1024:.0f} KB, median {sizes.median() / 1024:.0f} KB) in "
        f"{args.n_users} user folders under {ds.photos}"
        f" ({'reused' if ds.reused else f'generated in {gen_s:.1f} s'})"
    )
    print(f"{describe_evict(method)}; {args.repeat} repetition(s) each")
    if et_version is None:
        print(EXIFTOOL_INSTALL)

    subreaper = become_subreaper()
    cold = Timings("routeplan cold")
    warm = Timings("routeplan warm")
    exiftool = Timings("exiftool")
    overhead: list[float] = []
    results: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    rp_parquet = work / "routeplan.parquet"
    et_csv = work / "exiftool.csv"
    try:
        for i in range(args.repeat):
            res, wall = run_routeplan(
                ds.photos,
                jobs=args.jobs,
                method=method,
                save=rp_parquet if i == 0 else None,
                subreaper=subreaper,
            )
            results.append(res)
            cold.seconds.append(res["cold_s"])
            cold.cpu.append(res["cold_cpu_s"])
            if "warm_s" in res:
                warm.seconds.append(res["warm_s"])
                warm.cpu.append(res["warm_cpu_s"])
            overhead.append(wall - res["cold_s"] - res.get("warm_s", 0.0))
            print(
                f"  routeplan #{i + 1}: cold {res['cold_s']:.3f} s (CPU {res['cold_cpu_s']:.2f} s)"
                + (f", warm {res['warm_s']:.4f} s" if "warm_s" in res else "")
            )
            if et_version is not None:
                seconds, cpu = run_exiftool(
                    ds.photos, method=method, csv_out=et_csv if i == 0 else work / "et2.csv"
                )
                exiftool.seconds.append(seconds)
                exiftool.cpu.append(cpu)
                print(f"  exiftool  #{i + 1}: {seconds:.3f} s (CPU {cpu:.2f} s)")

        rp = pd.read_parquet(rp_parquet)
        checks = [check_against_truth(rp, ds.truth)]
        if et_version is not None:
            checks.insert(0, check_against_exiftool(rp, expected_from_exiftool(et_csv, ds.photos)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())

    first = results[0]
    jobs_label = "all CPUs" if args.jobs is None else str(args.jobs)
    lines = [
        "| contender | median s | best s | photos/s (median) | photos/s (best) "
        "| CPU s (median) | photos per CPU-s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        _fmt_row(f"routeplan cold (jobs={jobs_label}, fresh cache)", cold, n),
        _fmt_row("routeplan warm (cache hit)", warm if warm.seconds else None, n),
        _fmt_row("exiftool " + " ".join(EXIFTOOL_ARGS), exiftool if exiftool.seconds else None, n),
    ]
    verdicts = []
    if exiftool.seconds:
        r_med = exiftool.median / cold.median
        r_best = exiftool.best / cold.best
        met = "met" if r_med >= TARGET_COLD_VS_EXIFTOOL else "MISSED"
        verdicts.append(
            f"cold vs exiftool, wall-clock throughput: {r_med:.1f}× (median), {r_best:.1f}× "
            f"(best); target ≥ {TARGET_COLD_VS_EXIFTOOL:g}×: {met}"
        )
        verdicts.append(
            f"cold vs exiftool, CPU time per photo: {exiftool.cpu_median / cold.cpu_median:.1f}× "
            "less for routeplan (medians; insensitive to other load on the machine)"
        )
    if warm.seconds:
        w_med = cold.median / warm.median
        w_best = cold.best / warm.best
        met = "met" if w_med >= TARGET_WARM_VS_COLD else "MISSED"
        verdicts.append(
            f"warm vs cold speed-up: {w_med:.0f}× (median), {w_best:.0f}× (best); "
            f"target ≥ {TARGET_WARM_VS_COLD:g}×: {met}"
        )
    else:
        verdicts.append("warm: not measured (this read_photos has no `cache` option yet)")
    info = [
        f"routeplan read {first['n_read']} of {first['n_files']} files, skipped "
        + (", ".join(f"{k}: {v}" for k, v in first["skipped"].items()) or "none"),
        f"routeplan process start + imports (not timed above): median "
        f"{statistics.median(overhead):.2f} s; exiftool's perl start-up is inside its time",
        "routeplan cold CPU = measured process + pool workers and their fork server"
        + ("" if subreaper else " (NOT counted here: no subreaper support; main process only)"),
        f"load average (1, 5, 15 min) before: {notes['load']}, after: {load_after}",
    ]
    if "cache_bytes" in first:
        info.append(
            f"cache file {first['cache_bytes'] / 1e6:.2f} MB; warm result identical to cold: "
            + ("yes" if all(r.get("warm_equal") for r in results) else "NO")
        )
    check_lines = [
        f"{'OK' if c.ok else 'FAILED'}: {c.name}, {c.n_compared} photos"
        + ("" if c.ok else " — " + "; ".join(c.problems))
        for c in checks
    ]

    print()
    print("\n".join(lines))
    print()
    for line in verdicts + info + check_lines:
        print(line)

    profile_text = _profile(ds.photos) if args.profile else ""
    if profile_text:
        print("\ncProfile of read_photos(jobs=1, no cache), page cache warm:\n")
        print(profile_text)

    if args.write_results:
        cmd = "python benchmarks/bench_ingest.py " + shlex.join(
            a for a in argv if a != "--write-results"
        )
        section = [
            f"## {SECTION}",
            "",
            f"{notes['date']}; `{cmd.strip()} --write-results`",
            "",
            f"{n} generated JPEGs ({ds.n_bytes / 1e6:.0f} MB, {sizes.min() / 1024:.0f}–"
            f"{sizes.max() / 1024:.0f} KB each) in {args.n_users} user folders, seed {args.seed}; "
            f"{describe_evict(method)}; {args.repeat} repetition(s).",
            "",
            *lines,
            "",
            *(f"- {line}" for line in verdicts + info + check_lines),
            "",
            "Machine:",
            "",
            *(f"- {k}: {v}" for k, v in notes.items() if k != "load"),
        ]
        write_results("\n".join(section))
        print(f"\nwrote the {SECTION} section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
