"""Trip recommendation benchmark: routeplan evaluate on the published Osaka and Toronto trips.

Protocol of Chen, Ong & Xie, "Learning Points and Routes to Recommend Trajectories" (CIKM 2016):
leave-one-out over every trip with at least three distinct POIs of
``../shared/data/tour/traj-*.csv``; the model is built from all other trips of the city; the
query is (start, end, number of POIs L); the recommendation has exactly L distinct POIs. F1 and
pairs-F1 include start and end. The second protocol (Lim et al., IJCAI 2015) takes the real
trip's duration as the time budget instead of L.

Methods (:mod:`routeplan.evaluate`): ``popularity`` (the L-2 most visited POIs, in the shortest
order), ``transitions`` (a Markov chain of POI transitions, best exact path), ``learned``
(:class:`routeplan.nextstop.NextStopModel`: one configuration for every city, its L2 penalty chosen
by 5-fold cross-validation inside each leave-one-out fold, on the training trips only).

Every JSONL of the length protocol is re-scored by the independent ``../shared/tools/score_tour.py``
(a subprocess); the learned method must beat the published best of each city (PoiRank: Osaka F1
.745, pairs-F1 .511; Toronto .754, .518), passed to the checker as ``--min-f1/--min-pairs``. The
exit status is 1 when a check fails.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_tour.py                       # both cities, all methods
    .venv/bin/python benchmarks/bench_tour.py --cities Osak --methods popularity,transitions
    .venv/bin/python benchmarks/bench_tour.py --jobs 2 --write-results   # update RESULTS.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import cpu_model, ram_gib, write_section  # noqa: E402
from routeplan.evaluate import leave_one_out, summarise, write_jsonl  # noqa: E402

from routeplan.tourdata import read_trajectories  # noqa: E402

SHARED = ROOT.parent / "shared"
TOUR = SHARED / "data" / "tour"
SCORER = SHARED / "tools" / "score_tour.py"
#: Published best (PoiRank, CIKM'16) per city: F1, pairs-F1.
PUBLISHED = {"Osak": (0.745, 0.511), "Toro": (0.754, 0.518)}
#: The published table, for the RESULTS.md comparison (method: Osaka F1, pairs, Toronto F1, pairs).
PUBLISHED_TABLE = {
    "PoiPopularity": (0.663, 0.365, 0.678, 0.384),
    "Markov": (0.697, 0.445, 0.669, 0.407),
    "PoiRank": (0.745, 0.511, 0.754, 0.518),
    "Rank+MarkovPath": (0.732, 0.489, 0.751, 0.514),
    "PersTour (duration)": (0.686, 0.468, 0.720, 0.504),
}
NAMES = {"Osak": "Osaka", "Toro": "Toronto"}


def score_file(traj: Path, jsonl: Path, targets: tuple[float, float] | None) -> tuple[bool, str]:
    """Run the independent checker; return (passed, its last line)."""
    cmd = [sys.executable, str(SCORER), str(traj), str(jsonl)]
    if targets:
        cmd += ["--min-f1", str(targets[0]), "--min-pairs", str(targets[1])]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else "(no output)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", default="Osak,Toro")
    parser.add_argument("--methods", default="popularity,transitions,learned")
    parser.add_argument("--protocols", default="length,duration")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args(argv)
    cities = [c for c in args.cities.split(",") if c]
    methods = tuple(m for m in args.methods.split(",") if m)
    protocols = tuple(p for p in args.protocols.split(",") if p)

    ok = True
    rows: list[tuple[str, str, str, int, str, str, float]] = []
    checks: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for city in cities:
            traj, poi = TOUR / f"traj-{city}.csv", TOUR / f"poi-{city}.csv"
            data = read_trajectories(traj, poi)
            t0 = time.perf_counter()
            results = leave_one_out(data, methods=methods, protocols=protocols, jobs=args.jobs)
            elapsed = time.perf_counter() - t0
            summary = summarise(results)
            for rec in summary.to_dict("records"):
                rows.append(
                    (
                        NAMES.get(city, city),
                        rec["method"],
                        rec["protocol"],
                        int(rec["n"]),
                        f"{rec['f1_mean']:.3f} ± {rec['f1_std']:.3f}",
                        f"{rec['pairs_f1_mean']:.3f} ± {rec['pairs_f1_std']:.3f}",
                        elapsed,
                    )
                )
            for method in methods:
                if "length" not in protocols:
                    continue
                part = results[(results.method == method) & (results.protocol == "length")]
                path = Path(tmp) / f"{city}-{method}.jsonl"
                write_jsonl(part, path)
                targets = PUBLISHED.get(city) if method == "learned" else None
                passed, line = score_file(traj, path, targets)
                ok &= passed
                checks.append(
                    f"{NAMES.get(city, city)} {method}: {line}" + ("" if passed else " FAIL")
                )
            print(f"{city}: {len(data.queries())} queries, {elapsed:.0f} s", flush=True)

    header = "| city | method | protocol | queries | F1 (mean ± std) | pairs-F1 (mean ± std) |"
    table = [header, "|---|---|---|---:|---|---|"]
    table += [f"| {c} | {m} | {p} | {n} | {f} | {pf} |" for c, m, p, n, f, pf, _ in rows]
    print("\n".join(table))
    print("\n".join(checks))
    if args.write_results:
        times = sorted({(c, round(t)) for c, *_, t in rows})
        pub = [
            "| published (CIKM'16) | Osaka F1 | Osaka pairs-F1 | Toronto F1 | Toronto pairs-F1 |",
            "|---|---|---|---|---|",
        ]
        pub += [
            f"| {k} | {a:.3f} | {b:.3f} | {c:.3f} | {d:.3f} |"
            for k, (a, b, c, d) in PUBLISHED_TABLE.items()
        ]
        text = "\n".join(
            [
                "## Trip recommendation (CIKM'16 leave-one-out on real Flickr trips)",
                "",
                f"`.venv/bin/python benchmarks/bench_tour.py --jobs {args.jobs} --write-results` — "
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu_model()}, {ram_gib():.0f} GiB, "
                f"{args.jobs} process(es); wall time per city (all methods and protocols): "
                + ", ".join(f"{c} {t} s" for c, t in times)
                + ".",
                "",
                *table,
                "",
                "Independent check (`../shared/tools/score_tour.py`, length protocol; learned with "
                "the published best as `--min-f1/--min-pairs`):",
                "",
                *[f"- {line}" for line in checks],
                "",
                *pub,
            ]
        )
        write_section(ROOT / "benchmarks" / "RESULTS.md", "tour", text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
