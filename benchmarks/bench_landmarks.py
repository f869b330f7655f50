"""Landmark benchmark: exact weighted DBSCAN at city scale, against plain scikit-learn DBSCAN.

One run generates a synthetic city (seeded) and measures, each in a fresh Python process (imports
done, input loaded before the clock starts; peak memory = the process's peak resident set, VmHWM,
reset after loading the input through ``/proc/self/clear_refs`` when the kernel allows, so it
covers the measured step plus the input already in memory):

1. **pipeline**: ``find_landmarks`` → ``find_visits`` → ``build_graph`` on all photos
   (time per stage and in total, peak memory);
2. **cluster_labels** alone on all photos (exact), and with ``snap_m=2`` (its adjusted Rand
   index against the exact labels: the effect of snapping);
3. on a subset of ``--subset`` photos containing the hotspot (30,000 photos within 100 m of the
   top landmark, the others from elsewhere): **plain DBSCAN**
   (``sklearn.cluster.DBSCAN(metric="haversine", algorithm="ball_tree")`` on every photo, no
   duplicate merging; its process is killed above ``--mem-limit-gb`` of resident memory, default
   16, so a failure is reported, not a crash) against
   **cluster_labels** (time, memory, identical partition: ARI 1.0 and a one-to-one label map).
   Both see the subset sorted by (lat, lon), so border points are assigned alike.

The city: ``--n-landmarks`` landmarks spread over 15 × 15 km, popularity following a Zipf law
(exponent 1); ``--users`` photographers make trips (2–6 landmark visits a trip, 1–12 photos a
visit, stays of 10–90 min, walking between landmarks at 4.5 km/h × 1.3 with noise), photos
scattered around each landmark with GPS noise (normal, 5–30 m standard deviation per landmark),
plus 1 % background photos anywhere in the city. Coordinates are rounded to 6 decimals
(0.1 m, as photo sites store them), so close photos share coordinates.

Targets on the reference 2-core machine: pipeline ≤ 20 s and ≤ 2 GB peak for 1,000,000 photos;
on the subset, cluster_labels ≥ 20× faster and ≥ 10× less memory than plain DBSCAN, with the
same labels. Whether they are met is printed; the exit status is 0 either way.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_landmarks.py                    # 1,000,000 photos
    .venv/bin/python benchmarks/bench_landmarks.py --n-photos 200000 --subset 50000
    .venv/bin/python benchmarks/bench_landmarks.py --write-results    # update RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger("bench_landmarks")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "bench_landmarks"

EARTH_RADIUS_M = 6_371_008.8
CENTRE = (48.8566, 2.3522)  # a city centre (Paris); zone below
TZ = "Europe/Paris"
CITY_M = 15_000.0
EPS_M = 100.0
MIN_SAMPLES = 5
MIN_USERS = 3
HOTSPOT_MIN = 30_000
TARGET_PIPELINE_S = 20.0
TARGET_PIPELINE_GB = 2.0
TARGET_SPEEDUP = 20.0
TARGET_MEMORY_RATIO = 10.0


# ------------------------------------------------------------------------------------------------
# the synthetic city


def make_city(
    n_photos: int, *, n_users: int, n_landmarks: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Photos (photo_id, user_id, taken_at, tz, lat, lon) and the landmarks' truth."""
    rng = np.random.default_rng(seed)
    m_per_deg_lat = np.radians(1.0) * EARTH_RADIUS_M
    m_per_deg_lon = m_per_deg_lat * np.cos(np.radians(CENTRE[0]))
    lm_x = rng.uniform(-CITY_M / 2, CITY_M / 2, n_landmarks)
    lm_y = rng.uniform(-CITY_M / 2, CITY_M / 2, n_landmarks)
    lm_lat = CENTRE[0] + lm_y / m_per_deg_lat
    lm_lon = CENTRE[1] + lm_x / m_per_deg_lon
    lm_sd = rng.uniform(5.0, 30.0, n_landmarks)
    lm_sd[0] = 25.0  # the hotspot: nearly all its photos within 100 m
    pop = 1.0 / np.arange(1, n_landmarks + 1)
    pop /= pop.sum()

    n_bg = n_photos // 100
    target = n_photos - n_bg
    # trips: 2-6 visits, 1-12 photos a visit (mean ~3.4); generate a little more than needed
    n_trips = int(target / (4.0 * 3.3) * 1.15) + 10
    k = rng.integers(2, 7, n_trips)
    trip_of_visit = np.repeat(np.arange(n_trips), k)
    n_visits = len(trip_of_visit)
    lm = rng.choice(n_landmarks, n_visits, p=pop)
    first = np.r_[True, trip_of_visit[1:] != trip_of_visit[:-1]]
    again = ~first & (lm == np.r_[-1, lm[:-1]])
    lm[again] = (lm[again] + 1 + rng.integers(0, n_landmarks - 1, again.sum())) % n_landmarks
    photos_per_visit = np.minimum(1 + rng.geometric(1 / 3.5, n_visits) - 1, 12)
    photos_per_visit = np.maximum(photos_per_visit, 1)

    # times: trip start (a day of 2024, 9-12 h local), then stays and walks
    trip_user = rng.integers(0, n_users, n_trips)
    trip_day = rng.integers(0, 366, n_trips)
    trip_start = (
        pd.Timestamp("2024-01-01", tz="UTC").value // 10**9
        + trip_day * 86_400
        + rng.integers(8 * 3600, 11 * 3600, n_trips)  # 9-12 h Paris time is 8-11 h UTC (winter)
    )
    stay_s = rng.uniform(10, 90, n_visits) * 60
    prev = np.r_[0, lm[:-1]]
    dist_m = (
        np.hypot((lm_x[lm] - lm_x[prev]), (lm_y[lm] - lm_y[prev])) * ~first
    )  # 0 for the first visit of a trip
    walk_s = dist_m * 1.3 / (4.5 / 3.6) * rng.uniform(0.8, 1.5, n_visits)
    step = np.where(first, 0.0, walk_s) + np.r_[0.0, stay_s[:-1]] * ~first
    cum = np.cumsum(step)
    trip_first_idx = np.flatnonzero(first)
    arrive = trip_start[trip_of_visit] + cum - cum[trip_first_idx][trip_of_visit]

    visit_of_photo = np.repeat(np.arange(n_visits), photos_per_visit)[:target]
    v = visit_of_photo
    n_lm_photos = len(v)
    t = arrive[v] + rng.uniform(0, 1, n_lm_photos) * stay_s[v]
    sd = lm_sd[lm[v]]
    lat = lm_lat[lm[v]] + rng.normal(0, 1, n_lm_photos) * sd / m_per_deg_lat
    lon = lm_lon[lm[v]] + rng.normal(0, 1, n_lm_photos) * sd / m_per_deg_lon
    user = trip_user[trip_of_visit[v]]

    bg_lat = CENTRE[0] + rng.uniform(-CITY_M / 2, CITY_M / 2, n_bg) / m_per_deg_lat
    bg_lon = CENTRE[1] + rng.uniform(-CITY_M / 2, CITY_M / 2, n_bg) / m_per_deg_lon
    bg_t = pd.Timestamp("2024-01-01", tz="UTC").value // 10**9 + rng.integers(0, 366 * 86_400, n_bg)
    bg_user = rng.integers(0, n_users, n_bg)

    lat = np.round(np.concatenate([lat, bg_lat]), 6)
    lon = np.round(np.concatenate([lon, bg_lon]), 6)
    secs = np.concatenate([t, bg_t]).astype(np.int64)
    users = np.concatenate([user, bg_user])
    n = len(lat)
    photos = pd.DataFrame(
        {
            "photo_id": pd.Series(np.arange(n)).map("p{:07d}".format),
            "user_id": pd.Series(users).map("u{:05d}".format),
            "taken_at": pd.to_datetime(secs, unit="s", utc=True).astype("datetime64[ns, UTC]"),
            "tz": TZ,
            "lat": lat,
            "lon": lon,
        }
    )
    truth = pd.DataFrame({"lat": lm_lat, "lon": lm_lon, "sd_m": lm_sd, "share": pop})
    return photos, truth


def hotspot_mask(photos: pd.DataFrame, truth: pd.DataFrame, radius_m: float = 100.0) -> np.ndarray:
    """Photos within ``radius_m`` of the top landmark."""
    from routeplan._geo import haversine_m

    d = haversine_m(photos["lat"], photos["lon"], truth["lat"].iloc[0], truth["lon"].iloc[0])
    return np.asarray(d <= radius_m)


def make_subset(photos: pd.DataFrame, hot: np.ndarray, size: int, seed: int) -> pd.DataFrame:
    """``size`` photos: ``HOTSPOT_MIN`` hotspot photos (within 100 m of the top landmark; all of
    them if fewer) and random photos from elsewhere, sorted by (lat, lon)."""
    rng = np.random.default_rng(seed + 1)
    hot_idx = np.flatnonzero(hot)
    n_hot = min(len(hot_idx), HOTSPOT_MIN, size)
    take_hot = rng.choice(hot_idx, n_hot, replace=False)
    rest = np.flatnonzero(~hot)
    take = np.concatenate([take_hot, rng.choice(rest, min(size - n_hot, len(rest)), replace=False)])
    sub = photos.iloc[take]
    order = np.lexsort((sub["lon"].to_numpy(), sub["lat"].to_numpy()))
    return sub.iloc[order].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# measured steps (run in a child process: python bench_landmarks.py --child STEP --data DIR)


def _vm(field: str) -> float:
    """A /proc/self/status field (VmHWM, VmRSS) in bytes; ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0


def _reset_peak() -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(step: str, data: Path) -> dict[str, Any]:
    import geopandas as gpd

    import routeplan.landmarks as landmarks_mod
    from routeplan import build_graph, find_landmarks, find_visits
    from routeplan._cluster import cluster_labels

    engine = getattr(landmarks_mod, "_dbscan_labels", None)
    # wired when its code (not just its docstring) calls cluster_labels
    wired = engine is None or "cluster_labels" in engine.__code__.co_names
    if not wired:
        # find_landmarks still calls scikit-learn (not yet wired to cluster_labels): patch it in.
        def _labels(lat, lon, *, eps_m, min_samples, **options):
            return cluster_labels(lat, lon, eps_m=eps_m, min_samples=min_samples, **options)

        landmarks_mod._dbscan_labels = _labels

    name = "subset" if step in ("plain", "subset_ours") else "photos"
    df = pd.read_parquet(data / f"{name}.parquet")
    out: dict[str, Any] = {"step": step, "n": len(df), "wired": wired}
    if step == "pipeline":
        df = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)
    lat, lon = df["lat"].to_numpy(float), df["lon"].to_numpy(float)
    out["input_rss"] = _vm("VmRSS")
    out["peak_reset"] = _reset_peak()
    t0 = time.perf_counter()
    if step == "pipeline":
        landmarks, labelled = find_landmarks(
            df, eps_m=EPS_M, min_samples=MIN_SAMPLES, min_users=MIN_USERS
        )
        t1 = time.perf_counter()
        visits = find_visits(labelled)
        t2 = time.perf_counter()
        graph = build_graph(landmarks, visits)
        t3 = time.perf_counter()
        out |= {
            "landmarks_s": t1 - t0,
            "visits_s": t2 - t1,
            "graph_s": t3 - t2,
            "n_landmarks": len(landmarks),
            "n_visits": len(visits),
            "n_edges": graph.number_of_edges(),
            "top_n_photos": int(landmarks["n_photos"].iloc[0]) if len(landmarks) else 0,
        }
        labels = None
    elif step == "plain":
        from sklearn.cluster import DBSCAN

        model = DBSCAN(
            eps=EPS_M / EARTH_RADIUS_M,
            min_samples=MIN_SAMPLES,
            metric="haversine",
            algorithm="ball_tree",
        )
        labels = model.fit(np.radians(np.column_stack([lat, lon]))).labels_
    elif step in ("subset_ours", "full_exact"):
        labels = cluster_labels(lat, lon, eps_m=EPS_M, min_samples=MIN_SAMPLES)
    elif step == "full_snap2":
        labels = cluster_labels(lat, lon, eps_m=EPS_M, min_samples=MIN_SAMPLES, snap_m=2.0)
    else:
        raise SystemExit(f"unknown step {step}")
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss"] = _vm("VmHWM")
    if labels is not None:
        np.save(data / f"labels_{step}.npy", np.asarray(labels, dtype=np.int64))
        out["n_clusters"] = int(np.max(labels)) + 1
        out["n_noise"] = int((np.asarray(labels) < 0).sum())
    return out


def _rss(pid: int) -> float:
    """Resident set of a process in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return 0.0


def run_child(step: str, data: Path, *, mem_limit_gb: float | None = None) -> dict[str, Any]:
    """Run one measured step in a fresh interpreter; a failure is returned, not raised.

    With ``mem_limit_gb`` the child is killed when its resident set exceeds that many GB (polled
    every 50 ms), and its address space is capped 6 GB higher as a backstop (virtual memory runs
    well above the resident set, so the cap alone would stop it early).
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--data", str(data)]

    def limit() -> None:  # runs in the child before exec
        if mem_limit_gb is not None:
            cap = int((mem_limit_gb + 6) * 1024**3)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    logger.info("running %s", step)
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, preexec_fn=limit)
        killed = 0.0
        while proc.poll() is None:
            if mem_limit_gb is not None:
                rss = _rss(proc.pid)
                if rss > mem_limit_gb * 1024**3:
                    killed = rss
                    proc.kill()
                    proc.wait()
                    break
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if killed:
        return {
            "step": step,
            "failed": True,
            "error": f"killed after {wall:.0f} s: resident set {gb(killed)} GB > the "
            f"{mem_limit_gb:g} GB limit (--mem-limit-gb)",
            "wall": wall,
        }
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-3:]
        return {"step": step, "failed": True, "error": " | ".join(tail), "wall": wall}
    res = json.loads(stdout.strip().splitlines()[-1])
    res["wall"] = wall
    return res


# ------------------------------------------------------------------------------------------------
# comparison and report


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Same noise and a one-to-one map between cluster labels."""
    if not np.array_equal(a < 0, b < 0):
        return False
    m = a >= 0
    pairs = np.unique(np.column_stack([a[m], b[m]]), axis=0)
    return len(pairs) == len(np.unique(a[m])) == len(np.unique(b[m]))


def machine_notes() -> str:
    import scipy
    import sklearn
    from _machine import cpu_model, ram_gib

    cpu = cpu_model()
    ram = ram_gib()
    load = os.getloadavg()
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram:.0f} GB RAM; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"pandas {pd.__version__}; load average at the end {load[0]:.1f} / {load[1]:.1f} "
        f"(1 / 5 min)"
    )


def gb(x: float) -> str:
    return f"{x / 1024**3:.2f}"


def report(args: argparse.Namespace, meta: dict[str, Any], r: dict[str, dict[str, Any]]) -> str:
    lines = []
    lines.append(
        f"{meta['n_photos']:,} photos ({meta['n_unique']:,} distinct coordinates), "
        f"{args.users:,} users, {args.n_landmarks} landmarks (Zipf), seed {args.seed}; "
        f"top landmark {meta['top_photos']:,} photos ({meta['hot_100m']:,} within 100 m); "
        f"eps {EPS_M:.0f} m, min_samples {MIN_SAMPLES}, min_users {MIN_USERS}. "
        f"Subset: {meta['subset']:,} photos, {meta['subset_hot']:,} of them within 100 m of the "
        f"top landmark."
    )
    lines.append("")
    lines.append("| step | photos | time s | peak RSS GB | input RSS GB | step's own GB | result |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")

    def row(label: str, key: str, result: str) -> None:
        x = r[key]
        if x.get("failed"):
            lines.append(f"| {label} | | FAILED | | | | {x['error'][:200]} |")
            return
        lines.append(
            f"| {label} | {x['n']:,} | {x['seconds']:.2f} | {gb(x['peak_rss'])} | "
            f"{gb(x['input_rss'])} | {gb(x['peak_rss'] - x['input_rss'])} | {result} |"
        )

    p = r["pipeline"]
    if not p.get("failed"):
        row(
            "pipeline: find_landmarks → find_visits → build_graph",
            "pipeline",
            f"landmarks {p['landmarks_s']:.1f} s, visits {p['visits_s']:.1f} s, graph "
            f"{p['graph_s']:.1f} s; {p['n_landmarks']} landmarks, {p['n_visits']:,} visits, "
            f"{p['n_edges']:,} edges"
            + ("" if p["wired"] else " (cluster_labels patched into find_landmarks)"),
        )
    else:
        row("pipeline", "pipeline", "")
    for key, label in [("full_exact", "cluster_labels exact"), ("full_snap2", "snap_m=2")]:
        x = r[key]
        extra = "" if x.get("failed") else f"{x['n_clusters']:,} clusters, {x['n_noise']:,} noise"
        if key == "full_snap2" and "ari_snap" in meta:
            extra += (
                f"; ARI vs exact {meta['ari_snap']:.6f}, {meta['snap_moved']:,} photos relabelled"
            )
        row(label + " (all photos)", key, extra)
    for key, label in [
        ("plain", "plain sklearn DBSCAN (subset)"),
        ("subset_ours", "cluster_labels (subset)"),
    ]:
        x = r[key]
        extra = "" if x.get("failed") else f"{x['n_clusters']:,} clusters, {x['n_noise']:,} noise"
        row(label, key, extra)
    lines.append("")

    checks = []
    if not p.get("failed"):
        ok_t = p["seconds"] <= TARGET_PIPELINE_S
        ok_m = p["peak_rss"] <= TARGET_PIPELINE_GB * 1024**3
        checks.append(
            f"- pipeline ≤ {TARGET_PIPELINE_S:.0f} s: {p['seconds']:.1f} s — "
            f"{'met' if ok_t else 'NOT met'}; peak ≤ {TARGET_PIPELINE_GB:.0f} GB: "
            f"{gb(p['peak_rss'])} GB — {'met' if ok_m else 'NOT met'}"
        )
    pl, us = r["plain"], r["subset_ours"]
    if us.get("failed"):
        checks.append("- subset comparison: cluster_labels failed (see the table)")
    elif pl.get("failed") and "killed" in pl.get("error", ""):
        # lower bounds: plain DBSCAN needed more than the limit and ran this long before
        startup = us["wall"] - us["seconds"]
        speed = (pl["wall"] - startup) / us["seconds"]
        mem = args.mem_limit_gb * 1024**3 / us["peak_rss"]
        checks.append(
            f"- plain DBSCAN did not finish within {args.mem_limit_gb:g} GB; lower bounds: "
            f"≥ {speed:.0f}× faster (time until killed), ≥ {mem:.0f}× less memory — targets "
            f"{TARGET_SPEEDUP:.0f}× / {TARGET_MEMORY_RATIO:.0f}× met as lower bounds; identical "
            "labels not checked on this subset (no plain result)"
        )
    elif pl.get("failed"):
        checks.append("- subset comparison: plain DBSCAN failed (see the table)")
    else:
        speed = pl["seconds"] / us["seconds"]
        mem = pl["peak_rss"] / us["peak_rss"]
        checks.append(
            f"- subset ≥ {TARGET_SPEEDUP:.0f}× faster: {speed:.1f}× — "
            f"{'met' if speed >= TARGET_SPEEDUP else 'NOT met'}; ≥ {TARGET_MEMORY_RATIO:.0f}× less "
            f"memory (peak RSS): {mem:.1f}× — {'met' if mem >= TARGET_MEMORY_RATIO else 'NOT met'}"
        )
        checks.append(
            f"- identical labels on the subset: ARI {meta['ari_subset']:.6f}, same partition "
            f"(noise and one-to-one label map): {meta['same_subset']} — "
            f"{'met' if meta['same_subset'] else 'NOT met'}"
        )
    return "\n".join(lines + checks)


def write_results(body: str, command: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"## {SECTION}\n\n{stamp}; `{command}`\n\n{machine_notes()}\n\n{body}\n\n"
        "Each step runs in a fresh process; peak RSS is that process's VmHWM, reset after the "
        "input was loaded, so it includes the input and the interpreter with its imports (column "
        "*input RSS*, ~0.25 GB of it is the interpreter); *step's own* is the difference. "
        "The plain DBSCAN process is killed above `--mem-limit-gb` of resident memory. Other "
        "workers shared the 2 cores during the run, so times may be inflated.\n"
    )
    from _machine import write_section

    write_section(RESULTS, SECTION, section)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-photos", type=int, default=1_000_000)
    ap.add_argument("--subset", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--n-landmarks", type=int, default=300)
    ap.add_argument("--mem-limit-gb", type=float, default=16.0)
    ap.add_argument("--skip-plain", action="store_true", help="do not run plain DBSCAN")
    ap.add_argument("--write-results", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, args.data)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from sklearn.metrics import adjusted_rand_score

    with tempfile.TemporaryDirectory(prefix="routeplan-bench-landmarks-") as tmp:
        data = Path(tmp)
        logger.info("generating %d photos", args.n_photos)
        photos, truth = make_city(
            args.n_photos, n_users=args.users, n_landmarks=args.n_landmarks, seed=args.seed
        )
        hot = hotspot_mask(photos, truth)
        subset = make_subset(photos, hot, min(args.subset, len(photos)), args.seed)
        photos.to_parquet(data / "photos.parquet")
        subset.to_parquet(data / "subset.parquet")
        meta: dict[str, Any] = {
            "n_photos": len(photos),
            "n_unique": len(photos[["lat", "lon"]].drop_duplicates()),
            "top_photos": int(
                (np.abs(photos["lat"] - truth["lat"].iloc[0]) < 0.005).sum()
            ),  # rough, for the description; hot_100m is exact
            "hot_100m": int(hot.sum()),
            "subset": len(subset),
            "subset_hot": int(hotspot_mask(subset, truth).sum()),
        }
        del photos, subset
        results = {}
        for step in ["pipeline", "full_exact", "full_snap2", "subset_ours"]:
            # a guard for routeplan's steps too: they must stay far below it
            results[step] = run_child(step, data, mem_limit_gb=min(8.0, args.mem_limit_gb))
            logger.info("%s: %s", step, results[step])
        if args.skip_plain:
            results["plain"] = {"step": "plain", "failed": True, "error": "skipped (--skip-plain)"}
        else:
            results["plain"] = run_child("plain", data, mem_limit_gb=args.mem_limit_gb)
            logger.info("plain: %s", results["plain"])

        def load(step: str) -> np.ndarray | None:
            f = data / f"labels_{step}.npy"
            return np.load(f) if f.exists() else None

        exact, snap = load("full_exact"), load("full_snap2")
        if exact is not None and snap is not None:
            meta["ari_snap"] = adjusted_rand_score(exact, snap)
            meta["snap_moved"] = int(len(exact) - _agreeing(exact, snap))
        ours, plain = load("subset_ours"), load("plain")
        if ours is not None and plain is not None:
            meta["ari_subset"] = adjusted_rand_score(plain, ours)
            meta["same_subset"] = same_partition(plain, ours)

    body = report(args, meta, results)
    print(body)
    if args.write_results:
        command = "python benchmarks/bench_landmarks.py " + shlex.join(
            a for a in (argv if argv is not None else sys.argv[1:]) if a != "--write-results"
        )
        write_results(body, command.strip() + " --write-results")
        print(f"\nwrote the {SECTION} section of {RESULTS}")
    return 0


def _agreeing(a: np.ndarray, b: np.ndarray) -> int:
    """Photos whose label in ``b`` is the one most of their ``a`` cluster got (noise: -1 ↔ -1)."""
    df = pd.DataFrame({"a": a, "b": b})
    best = df.groupby(["a", "b"]).size().reset_index(name="n").sort_values("n", ascending=False)
    best = best.drop_duplicates("a").set_index("a")["b"]
    return int((df["b"].to_numpy() == best.reindex(df["a"]).to_numpy()).sum())


if __name__ == "__main__":
    sys.exit(main())
