"""Planner benchmark: routeplan's solvers on the classic orienteering instances, against OR-Tools.

The 89 instances of ``../shared/data/op`` (Tsiligirides 1984 sets 1-3, Chao, Golden & Wasil
1996 sets 64 and 66; proven optima or bounds in ``optima.csv``) are read with
:func:`routeplan.planner.orienteering.read_op_instance` and solved by:

- **heuristic**: ``solve_heuristic(problem, seed=--seed)``;
- **exact**: ``solve_exact(problem, time_limit_s=--exact-time-limit, incumbent=None)``, which
  proves the optimum or, stopped by its limit, returns its best route with ``optimal=False`` and
  an upper ``bound``;
- **ortools** (the peer): OR-Tools' routing solver, one vehicle from the start to the end, every
  candidate optional (``AddDisjunction``, penalty = its score × (capacity + 1), so that a point
  of score is worth more than any route length), arc cost = distance, a distance dimension of
  capacity Tmax; distances scaled by ``--scale`` (10^4) and rounded *up* (so that a route within
  the integer capacity is within Tmax; it is re-checked in float64 all the same) and registered
  as a matrix (no Python callback in the search); first solution ``PARALLEL_CHEAPEST_INSERTION``
  (``--ortools-first-solution``), then ``GUIDED_LOCAL_SEARCH`` until ``--ortools-time-limit``
  (1 s) an instance. On these instances and 1 s, PARALLEL_CHEAPEST_INSERTION gave the smallest
  mean gap of the strategies tried (PATH_CHEAPEST_ARC, LOCAL_CHEAPEST_INSERTION, ALL_UNPERFORMED,
  AUTOMATIC); a Python distance callback instead of the matrix made every strategy worse.

Every solver sees the same points: those with ``d(start, i) + d(i, end) <= Tmax`` (the others
can never be visited). Only the solver call is timed (reading and pruning are not).

Every returned route is verified: routeplan's with ``Problem.check`` and the score parts of
``Problem.solution_score``; all of them in float64 with ``OPInstance.check_route`` (start at 0,
end at 1, no point twice, length <= Tmax with no tolerance) and its score; with
``../shared/tools/check_op_route.py`` in a subprocess (``--checker all``, default; ``none``
skips it); and against ``optima.csv``: no score above a proven optimum or upper bound, no claim of
optimality below a proven optimum, no exact bound below a known feasible score. The exit status
is 1 when any check fails or a solver raised or returned nothing, else 0; the exact solver may
return nothing when its time limit hits before it found a route (documented): that counts as a
gap of 100 % (the route start -> end scores 0), not as a failure.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_planner.py                          # all, 3 solvers
    .venv/bin/python benchmarks/bench_planner.py --only tsiligirides --solvers heuristic,exact
    .venv/bin/python benchmarks/bench_planner.py --only 'chao_set_64_1_[1-4]*' --solvers ortools
    .venv/bin/python benchmarks/bench_planner.py --write-results          # update RESULTS.md
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import fnmatch
import inspect
import logging
import math
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger("bench_planner")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "RESULTS.md"
SECTION = "bench_planner"
DEFAULT_DATA = REPO.parent / "shared" / "data" / "op"
DEFAULT_CHECKER = REPO.parent / "shared" / "tools" / "check_op_route.py"

SOLVERS = ("heuristic", "exact", "ortools")
#: Instance sets by folder, in report order.
SETS = {
    "tsiligrides_problem1": "Tsiligirides 1",
    "tsiligrides_problem2": "Tsiligirides 2",
    "tsiligrides_problem3": "Tsiligirides 3",
    "chao_set64-diamond": "Chao 64 (diamond)",
    "chao_set66-square": "Chao 66 (square)",
}
SCORE_TOL = 1e-9


# ------------------------------------------------------------------------------------------------
# instances


@dataclass
class Case:
    """An instance file with its reference values from optima.csv (NaN where unknown)."""

    path: Path
    rel: str
    set_name: str
    best_known: float = math.nan
    proven: bool = False
    upper_bound: float = math.nan


def find_cases(data: Path, only: str | None) -> list[Case]:
    """Instance files under ``data/instances`` with their optima, in set then budget order.

    ``only`` selects instances whose relative path or name matches it: as a glob pattern when it
    holds ``*?[``, else as a substring (case-insensitive).
    """
    optima: dict[str, dict[str, str]] = {}
    csv_path = data / "optima.csv"
    if csv_path.exists():
        with csv_path.open(newline="") as fh:
            optima = {row["instance"]: row for row in csv.DictReader(fh)}
    else:
        logger.warning("%s is missing: gaps to the best known scores are not reported", csv_path)
    order = {folder: i for i, folder in enumerate(SETS)}
    paths = sorted(
        (data / "instances").glob("*/*.txt"),
        key=lambda p: (order.get(p.parent.name, len(order)), p.parent.name, _budget_key(p)),
    )
    cases = []
    for path in paths:
        rel = f"{path.parent.name}/{path.name}"
        if only and not _matches(only, rel, path.stem):
            continue
        row = optima.get(rel, {})
        cases.append(
            Case(
                path=path,
                rel=rel,
                set_name=SETS.get(path.parent.name, path.parent.name),
                best_known=float(row.get("best_known", "nan")),
                proven=row.get("proven_optimal", "") == "yes",
                upper_bound=float(row.get("upper_bound", "nan")),
            )
        )
    return cases


def _budget_key(path: Path) -> tuple[float, str]:
    found = re.search(r"(\d+)$", path.stem)
    return (float(found.group(1)) if found else math.inf, path.stem)


def _matches(pattern: str, *texts: str) -> bool:
    if any(c in pattern for c in "*?["):
        return any(fnmatch.fnmatch(t, pattern) for t in texts)
    return any(pattern.casefold() in t.casefold() for t in texts)


# ------------------------------------------------------------------------------------------------
# solvers


@dataclass
class Run:
    """One solver on one instance."""

    case: Case
    solver: str
    points: list[int] | None = None
    score: float = math.nan
    seconds: float = math.nan
    optimal: bool = False
    bound: float | None = None
    length: float = math.nan
    problems: list[str] = field(default_factory=list)
    note: str = ""
    no_route: bool = False

    @property
    def gap(self) -> float:
        """Percent below the best known score (negative: a better score than known); 100 when
        the solver returned no route (as if it had returned the route start -> end)."""
        if self.no_route and not self.problems:
            return 100.0
        if math.isnan(self.score) or not self.case.best_known:
            return math.nan
        return 100.0 * (self.case.best_known - self.score) / self.case.best_known

    @property
    def at_best(self) -> bool:
        return abs(self.score - self.case.best_known) <= SCORE_TOL


def exact_accepts_time_limit() -> bool:
    from routeplan.planner.exact import solve_exact

    return "time_limit_s" in inspect.signature(solve_exact).parameters


def run_routeplan(solver: str, inst: Any, args: argparse.Namespace) -> tuple[Any, float]:
    """Solve with routeplan's heuristic or exact solver; returns (Solution or None, seconds)."""
    from routeplan.planner.exact import solve_exact
    from routeplan.planner.heuristic import solve_heuristic

    problem = inst.problem()
    t0 = time.perf_counter()
    if solver == "heuristic":
        sol = solve_heuristic(problem, seed=args.seed)
    elif args.exact_has_limit:
        sol = solve_exact(problem, time_limit_s=args.exact_time_limit, incumbent=None)
    else:
        sol = solve_exact(problem, incumbent=None)
    return sol, time.perf_counter() - t0


def solve_ortools(
    inst: Any, *, time_limit_s: float, scale: float, first_solution: str
) -> tuple[list[int] | None, float]:
    """OR-Tools routing solver on an OP instance; returns (route as point indices, seconds).

    Model building is timed too (a few milliseconds); the search stops at ``time_limit_s``.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    pts = inst.problem_points()  # start, candidates, end
    n = len(pts)
    dist = np.ceil(inst.distances()[np.ix_(pts, pts)] * scale).astype(np.int64).tolist()
    capacity = math.floor(inst.budget * scale)
    score = inst.score[pts]
    units = 1 if np.array_equal(score, np.round(score)) else 1000  # integer penalties
    manager = pywrapcp.RoutingIndexManager(n, 1, [0], [n - 1])
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(dist)  # by node, evaluated in C++
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    routing.AddDimension(transit, 0, capacity, True, "distance")
    for node in range(1, n - 1):
        penalty = round(float(score[node]) * units) * (capacity + 1)
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, first_solution
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    seconds = time.perf_counter() - t0
    if solution is None:
        return None, seconds
    route, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        route.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    route.append(manager.IndexToNode(index))
    return [int(pts[i]) for i in route], seconds


# ------------------------------------------------------------------------------------------------
# verification


def verify(run: Run, inst: Any, *, solution: Any = None) -> None:
    """Append to ``run.problems`` every way the route or the claims about it are wrong."""
    case = run.case
    if solution is not None:
        problem = inst.problem()
        reason = problem.check(solution.routes)
        if reason:
            run.problems.append(f"Problem.check: {reason}")
        parts = sum(problem.solution_score(solution.routes).values())
        if abs(parts - solution.score) > SCORE_TOL:
            run.problems.append(f"score {solution.score} but its parts add to {parts}")
    if run.points is None:
        return
    reason = inst.check_route(run.points)
    if reason:
        run.problems.append(f"float64 check: {reason}")
    run.length = inst.route_length(run.points)
    score = inst.route_score(run.points)
    if solution is not None and abs(score - run.score) > SCORE_TOL:
        run.problems.append(f"reported score {run.score} but the route scores {score}")
    run.score = score
    if not math.isnan(case.upper_bound) and score > case.upper_bound + SCORE_TOL:
        run.problems.append(f"score {score:g} above the proven upper bound {case.upper_bound:g}")
    elif case.proven and score > case.best_known + SCORE_TOL:
        run.problems.append(f"score {score:g} above the proven optimum {case.best_known:g}")
    elif score > case.best_known + SCORE_TOL:
        run.note = f"new best: {score:g} > {case.best_known:g}"
    if run.optimal and case.proven and score < case.best_known - SCORE_TOL:
        run.problems.append(f"claims optimality at {score:g} < proven optimum {case.best_known:g}")
    if run.bound is not None and run.bound < case.best_known - 1e-6:
        run.problems.append(f"bound {run.bound:g} below the known score {case.best_known:g}")


def check_with_tool(run: Run, checker: Path) -> None:
    """Re-check a route with the shared float64 checker (a separate Python process)."""
    if run.points is None:
        return
    proc = subprocess.run(
        [sys.executable, str(checker), str(run.case.path), " ".join(map(str, run.points))],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.match(r"score (\S+) length (\S+)", proc.stdout)
    if proc.returncode != 0 or not found:
        run.problems.append(f"check_op_route.py: {(proc.stdout + proc.stderr).strip()[:200]}")
    elif float(found.group(1)) != run.score or found.group(2) != f"{run.length:.9f}":
        run.problems.append(
            f"check_op_route.py disagrees: {proc.stdout.strip()} vs score {run.score:g} "
            f"length {run.length:.9f}"
        )


def solve_case(case: Case, inst: Any, solver: str, args: argparse.Namespace) -> Run:
    """Run one solver on one instance and verify what it returns."""
    run = Run(case, solver)
    try:
        if solver == "ortools":
            run.points, run.seconds = solve_ortools(
                inst,
                time_limit_s=args.ortools_time_limit,
                scale=args.scale,
                first_solution=args.ortools_first_solution,
            )
            if run.points is None:
                run.problems.append("OR-Tools found no solution")
            verify(run, inst)
        else:
            sol, run.seconds = run_routeplan(solver, inst, args)
            if sol is None:
                run.no_route = True
                if solver == "exact":  # documented: nothing found within the time limit
                    run.note = "no route found within the time limit"
                else:
                    run.problems.append("no route returned (the start -> end route always fits)")
                return run
            run.score, run.optimal, run.bound = float(sol.score), bool(sol.optimal), sol.bound
            run.points = inst.points_of(sol)
            verify(run, inst, solution=sol)
    except Exception as exc:  # a crash is a result of the benchmark, not its end
        logger.exception("%s on %s", solver, case.rel)
        run.problems.append(f"raised {type(exc).__name__}: {exc}")
        run.points = None
    if args.checker == "all" and run.points is not None and args.checker_path.is_file():
        check_with_tool(run, args.checker_path)
    return run


# ------------------------------------------------------------------------------------------------
# report


def fmt(x: float, spec: str = ".2f") -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def instance_table(cases: list[Case], runs: dict[tuple[str, str], Run], solvers: list[str]) -> str:
    head = ["instance", "Tmax", "best known"]
    for s in solvers:
        head += [f"{s} score", "gap %", "s"] + (["proven"] if s == "exact" else [])
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for case in cases:
        best = fmt(case.best_known, "g") + ("" if case.proven else f" (≤ {case.upper_bound:g})")
        row = [case.path.stem, case.path.stem.rsplit("_", 1)[-1].lstrip("0"), best]
        for s in solvers:
            r = runs[case.rel, s]
            mark = " ✗" if r.problems else (" ★" if r.note and not r.no_route else "")
            score = "none" if r.no_route else fmt(r.score, "g")
            row += [score + mark, fmt(r.gap), fmt(r.seconds)]
            if s == "exact":
                proven = "yes" if r.optimal else (f"no, ≤ {r.bound:.6g}" if r.bound else "no")
                row.append(proven)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def summary_table(cases: list[Case], runs: dict[tuple[str, str], Run], solvers: list[str]) -> str:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.set_name, []).append(case)
    if len(groups) > 1:
        groups["all"] = cases
    lines = [
        "| solver | set | n | mean gap % | worst gap % | at best known | no route | mean s | max s "
        "| proven |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in solvers:
        for name, members in groups.items():
            rs = [runs[c.rel, s] for c in members]
            gaps = np.array([r.gap for r in rs], dtype=float)
            secs = np.array([r.seconds for r in rs], dtype=float)
            ok = ~np.isnan(gaps)
            failed = sum(bool(r.problems) for r in rs)
            proven = f"{sum(r.optimal for r in rs)}" if s == "exact" else ""
            lines.append(
                f"| {s} | {name} | {len(rs)}"
                + (f" ({failed} failed)" if failed else "")
                + f" | {fmt(float(gaps[ok].mean()) if ok.any() else math.nan)}"
                + f" | {fmt(float(gaps[ok].max()) if ok.any() else math.nan)}"
                + f" | {sum(r.at_best for r in rs)}"
                + f" | {sum(r.no_route for r in rs)}"
                + f" | {fmt(float(np.nanmean(secs)) if (~np.isnan(secs)).any() else math.nan)}"
                + f" | {fmt(float(np.nanmax(secs)) if (~np.isnan(secs)).any() else math.nan)}"
                + f" | {proven} |"
            )
    return "\n".join(lines)


def findings(
    cases: list[Case], runs: dict[tuple[str, str], Run], solvers: list[str], *, checker: bool
) -> str:
    out = []
    if "exact" in solvers:
        tsil = [runs[c.rel, "exact"] for c in cases if c.set_name.startswith("Tsiligirides")]
        if tsil:
            secs = [r.seconds for r in tsil if not math.isnan(r.seconds)]
            out.append(
                f"- exact on Tsiligirides: {sum(r.optimal for r in tsil)} of {len(tsil)} proven "
                f"optimal, max time {fmt(max(secs) if secs else math.nan)} s"
            )
        proven = [runs[c.rel, "exact"] for c in cases]
        out.append(
            f"- exact overall: {sum(r.optimal for r in proven)} of {len(proven)} proven optimal"
        )
    for (rel, s), r in sorted(runs.items()):
        if r.note:
            out.append(f"- {s} on {rel}: {r.note}")
    bad = [(rel, s, r) for (rel, s), r in sorted(runs.items()) if r.problems]
    if bad:
        out.append(f"- **{len(bad)} failed run(s)** (✗ above):")
        out += [f"  - {s} on {rel}: {'; '.join(r.problems)}" for rel, s, r in bad]
    else:
        checks = ["OPInstance.check_route"]
        if set(solvers) - {"ortools"}:
            checks.append("Problem.check and solution_score")
        if checker:
            checks.append("check_op_route.py")
        out.append(
            f"- all {len(runs)} routes feasible in float64 ({', '.join(checks)}); no score above "
            "a proven optimum or bound, no false claim of optimality, no bound below a known score"
        )
    return "\n".join(out)


def machine_notes() -> str:
    from importlib.metadata import version

    from _machine import cpu_model, ram_gib

    def git(*args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        )
        return proc.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD") or "?"
        if git("status", "--porcelain", "--", "routeplan"):
            commit += " (routeplan/ has uncommitted changes)"
    except OSError:
        commit = "?"
    load = os.getloadavg()
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {ram_gib():.0f} GB RAM; Python "
        f"{platform.python_version()}, numpy {np.__version__}, OR-Tools {version('ortools')}; "
        f"routeplan {commit}; load average at the end {load[0]:.1f} / {load[1]:.1f} (1 / 5 min)"
    )


def settings_line(args: argparse.Namespace, n_cases: int) -> str:
    parts = [f"{n_cases} instance{'' if n_cases == 1 else 's'}"]
    if "heuristic" in args.solver_list:
        parts.append(f"heuristic seed {args.seed}")
    if "exact" in args.solver_list:
        parts.append(
            f"exact time limit {args.exact_time_limit:g} s"
            if args.exact_has_limit
            else "exact without a time limit (this solve_exact has no time_limit_s)"
        )
    if "ortools" in args.solver_list:
        parts.append(
            f"OR-Tools routing {args.ortools_time_limit:g} s an instance "
            f"({args.ortools_first_solution} + GUIDED_LOCAL_SEARCH, distances × {args.scale:g} "
            "rounded up)"
        )
    checked = "routes re-checked by check_op_route.py" if args.checker == "all" else ""
    return "; ".join(parts + ([checked] if checked else [])) + "."


def write_results(body: str, command: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"## {SECTION}\n\n{stamp}; `{command}`\n\n{machine_notes()}\n\n{body}\n\n"
        "Every solver sees the same points: those with d(start, i) + d(i, end) ≤ Tmax (the "
        "others can never be visited). "
        "Gap = (best known − score) / best known; no route counts as 100 %. ✗ marks a failed "
        "check, ★ a score above the best known (possible only where optimality is not "
        "proven). Only the solver call is "
        "timed; OR-Tools runs to its time limit by design, and its result depends on the "
        "machine's speed (the search is cut by wall time).\n"
    )
    from _machine import write_section

    write_section(RESULTS, SECTION, section)


# ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with instances/")
    ap.add_argument("--only", help="glob or substring of the instances to run (path or name)")
    ap.add_argument("--solvers", default=",".join(SOLVERS), help="comma-separated subset")
    ap.add_argument("--exact-time-limit", type=float, default=10.0, help="seconds (10)")
    ap.add_argument("--ortools-time-limit", type=float, default=1.0, help="seconds (1)")
    ap.add_argument(
        "--ortools-first-solution",
        default="PARALLEL_CHEAPEST_INSERTION",
        help="OR-Tools FirstSolutionStrategy (PARALLEL_CHEAPEST_INSERTION)",
    )
    ap.add_argument("--seed", type=int, default=0, help="heuristic seed (0)")
    ap.add_argument("--scale", type=float, default=1e4, help="OR-Tools distance scale (1e4)")
    ap.add_argument("--checker", choices=("all", "none"), default="all")
    ap.add_argument("--checker-path", type=Path, default=DEFAULT_CHECKER, help=argparse.SUPPRESS)
    ap.add_argument("--write-results", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s"
    )
    args.solver_list = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = set(args.solver_list) - set(SOLVERS)
    if unknown or not args.solver_list:
        ap.error(f"unknown solver(s) {sorted(unknown)}: choose from {', '.join(SOLVERS)}")
    if "ortools" in args.solver_list:
        from ortools.constraint_solver import routing_enums_pb2

        if not hasattr(routing_enums_pb2.FirstSolutionStrategy, args.ortools_first_solution):
            ap.error(f"unknown OR-Tools first solution strategy {args.ortools_first_solution!r}")
    if not (args.data / "instances").is_dir():
        ap.error(f"no instances in {args.data / 'instances'} (give --data)")
    if args.checker == "all" and not args.checker_path.is_file():
        logger.warning("%s is missing: routes are checked by routeplan only", args.checker_path)
        args.checker = "none"
    args.exact_has_limit = "exact" in args.solver_list and exact_accepts_time_limit()
    if "exact" in args.solver_list and not args.exact_has_limit:
        logger.warning("solve_exact has no time_limit_s: the exact solver runs without a limit")

    from routeplan.planner.orienteering import read_op_instance

    cases = find_cases(args.data, args.only)
    if not cases:
        ap.error(f"no instance matches {args.only!r}")
    runs: dict[tuple[str, str], Run] = {}
    for case in cases:
        inst = read_op_instance(case.path)
        cells = []
        for solver in args.solver_list:
            run = solve_case(case, inst, solver, args)
            runs[case.rel, solver] = run
            flag = " FAILED: " + "; ".join(run.problems) if run.problems else ""
            proven = " proven" if run.optimal else ""
            cells.append(
                f"{solver} {fmt(run.score, 'g')} ({fmt(run.gap, '.1f')} %, "
                f"{fmt(run.seconds)} s{proven}){flag}"
            )
        print(f"{case.path.stem} [best {case.best_known:g}]: " + ", ".join(cells), flush=True)

    body = "\n\n".join(
        [
            settings_line(args, len(cases)),
            summary_table(cases, runs, args.solver_list),
            findings(cases, runs, args.solver_list, checker=args.checker == "all"),
            "<details><summary>per instance</summary>\n\n"
            + instance_table(cases, runs, args.solver_list)
            + "\n\n</details>",
        ]
    )
    print()
    print(body)
    if args.write_results:
        command = "python benchmarks/bench_planner.py " + shlex.join(
            a for a in (argv if argv is not None else sys.argv[1:]) if a != "--write-results"
        )
        write_results(body, command.strip() + " --write-results")
        print(f"\nwrote the {SECTION} section of {RESULTS}")
    return 1 if any(r.problems for r in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
