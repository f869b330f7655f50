"""Command line: ``routeplan plan PHOTOS`` mines a photo folder and writes an HTML route map.

A user's mistake (a missing folder, no photo with GPS, an unknown start) prints one line
``routeplan: error: ...`` and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, settings
from ._errors import InputError, NoLandmarksError, NoPhotosError, RouteplanError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import pandas as pd

    from .photos import IngestReport

log = logging.getLogger("routeplan")


def _place(text: str) -> str | int:
    """A start/end as typed: a landmark id (digits), coordinates ("lat,lon") or a name."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return text


def _theme(text: str) -> tuple[str, float]:
    """A ``NAME=WEIGHT`` theme preference."""
    name, sep, weight = text.rpartition("=")
    try:
        value = float(weight)
    except ValueError:
        value = float("nan")
    if not sep or not name.strip() or not value >= 0:
        raise argparse.ArgumentTypeError(f"use NAME=WEIGHT with a weight >= 0, got {text!r}")
    return name.strip(), value


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def _add_read_options(p: argparse.ArgumentParser) -> None:
    """--jobs and --no-cache: how a photo folder is read."""
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive(int),
        help="processes reading EXIF (default: all cores)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="read every photo again instead of reusing the ingest cache of unchanged files "
        "(kept in $XDG_CACHE_HOME/routeplan, default ~/.cache/routeplan)",
    )


def _read_folder(args: argparse.Namespace, *, user_from: str) -> tuple[Any, Any]:
    """read_photos with the CLI's read options and a progress bar on a terminal."""
    from .photos import read_photos

    return read_photos(
        args.photos,
        user_from=user_from,
        jobs=args.jobs,
        cache=not args.no_cache,
        progress=sys.stderr.isatty(),
    )


def _add_mining_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("photos", type=Path, help="folder of photos (scanned recursively) or one photo")
    p.add_argument(
        "--user-from",
        choices=["folder", "artist", "serial"],
        default=settings.USER_FROM,
        help="who took a photo: first sub-folder (default), EXIF Artist, or camera serial",
    )
    p.add_argument(
        "--eps-m",
        type=_positive(float),
        default=settings.EPS_M,
        help=f"landmark radius in metres for DBSCAN (default {settings.EPS_M:g})",
    )
    p.add_argument(
        "--min-samples",
        type=_positive(int),
        default=settings.MIN_SAMPLES,
        help=f"photos near a point that make it a landmark core (default {settings.MIN_SAMPLES})",
    )
    p.add_argument(
        "--min-users",
        type=_positive(int),
        default=settings.MIN_USERS,
        help=f"distinct photographers a landmark needs (default {settings.MIN_USERS})",
    )
    p.add_argument(
        "--gap-h",
        type=_positive(float),
        default=settings.GAP_H,
        help=f"hours without photos that end a trip (default {settings.GAP_H:g})",
    )
    p.add_argument(
        "--report", type=Path, help="write the ingest report (file, status, reason) as CSV"
    )
    _add_read_options(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``routeplan`` command."""
    parser = argparse.ArgumentParser(
        prog="routeplan",
        description="Turn geo-tagged photos into travel itineraries.",
    )
    parser.add_argument("--version", action="version", version=f"routeplan {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "plan",
        help="plan an itinerary from a photo folder and write an HTML route map",
        description=(
            "Mine landmarks and the moves between them from geo-tagged photos, plan an itinerary "
            "that fits the time budget, and write an interactive HTML map."
        ),
    )
    _add_mining_options(p)
    p.add_argument(
        "-o", "--out", type=Path, default=Path("route.html"), help="HTML map to write (route.html)"
    )
    p.add_argument(
        "--start",
        type=_place,
        help="landmark name or id, or 'lat,lon' (default: the most popular landmark)",
    )
    p.add_argument(
        "--end", type=_place, help="landmark name or id, or 'lat,lon' (default: anywhere)"
    )
    p.add_argument(
        "--start-time",
        help=f"'HH:MM' today or 'YYYY-MM-DD HH:MM', local time (default {settings.START_TIME})",
    )
    budget = p.add_mutually_exclusive_group()
    budget.add_argument(
        "--hours",
        type=_positive(float),
        help=f"time budget in hours (default {settings.BUDGET_MIN / 60:g})",
    )
    budget.add_argument("--budget-min", type=_positive(float), help="time budget in minutes")
    p.add_argument(
        "--days", type=_positive(int), default=1, help="days to plan, each from --start (default 1)"
    )
    p.add_argument(
        "--max-stops",
        type=_positive(int),
        help="exact number of stops a day, start and end included",
    )
    p.add_argument(
        "--must-visit",
        action="append",
        type=_place,
        default=[],
        metavar="LANDMARK",
        help="a landmark the plan must include (repeatable)",
    )
    p.add_argument(
        "--avoid",
        action="append",
        type=_place,
        default=[],
        metavar="LANDMARK",
        help="a landmark the plan must leave out (repeatable)",
    )
    p.add_argument(
        "--theme",
        action="append",
        type=_theme,
        default=[],
        metavar="NAME=WEIGHT",
        help="weight landmarks of a theme or tag, e.g. museum=2 or park=0.5 (repeatable)",
    )
    p.add_argument(
        "--stay",
        action="append",
        type=_theme,
        default=[],
        metavar="LANDMARK=MINUTES",
        help="minutes to spend at a landmark instead of its typical stay (repeatable)",
    )
    p.add_argument(
        "--alive",
        choices=("hard", "soft", "off"),
        default=settings.ALIVE,
        help="visit landmarks only in the hours people photograph them: hard, soft (at a cost) "
        f"or off (default {settings.ALIVE})",
    )
    p.add_argument(
        "--mode",
        choices=tuple(settings.MODES),
        default=settings.MODE,
        help=f"transport between landmarks (default {settings.MODE})",
    )
    p.add_argument(
        "--speed-kmh",
        type=_positive(float),
        help="speed where no observed time exists (default: the mode's, walking "
        f"{settings.WALK_SPEED_KMH:g})",
    )
    p.add_argument(
        "--alternatives",
        type=_positive(int),
        default=1,
        help="number of different plans to show (default 1)",
    )
    p.add_argument(
        "--method",
        choices=("auto", "exact", "heuristic"),
        default="auto",
        help="route search: exact (proven optimum), heuristic or auto (by size; default)",
    )
    p.add_argument(
        "--time-limit-s",
        type=_positive(float),
        default=settings.EXACT_TIME_LIMIT_S,
        help=f"time limit of the exact search (default {settings.EXACT_TIME_LIMIT_S:g} s)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the heuristic (default 0)")
    p.add_argument(
        "--learned",
        action="store_true",
        help="score legs by a next-stop model learned from the trips in the photos "
        "(routeplan.nextstop; needs trips of 3 or more landmarks) instead of popularity",
    )
    p.add_argument("--gpx", type=Path, help="also write the plan as GPX (waypoints and routes)")
    p.add_argument("--geojson", type=Path, help="also write the plan as GeoJSON (stops and legs)")
    p.add_argument("--ics", type=Path, help="also write the plan as iCalendar (an event a stop)")
    p.add_argument(
        "--tiles", default="OpenStreetMap", help="folium tile layer name (default OpenStreetMap)"
    )
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser(
        "landmarks",
        help="list the landmarks mined from a photo folder",
        description="Mine landmarks from geo-tagged photos and list them, or write them to a file.",
    )
    _add_mining_options(p)
    p.add_argument(
        "-o", "--out", type=Path, help="write the landmarks (.geojson, .gpkg, .parquet or .csv)"
    )
    p.set_defaults(func=_cmd_landmarks)

    p = sub.add_parser(
        "ingest",
        help="read photos (a folder or a table) into a GeoParquet photos table and a report",
        description=(
            "Read geo-tagged photo files (EXIF) or a photo table (.csv, .csv.gz, .tsv, .parquet) "
            "into the photos table, written as GeoParquet, with a report of every file or row "
            "read or skipped and why."
        ),
    )
    p.add_argument(
        "photos", type=Path, help="folder of photos, one photo, or a table (.csv[.gz], .parquet)"
    )
    p.add_argument(
        "-o", "--out", type=Path, required=True, help="GeoParquet file to write (.parquet)"
    )
    p.add_argument(
        "--report",
        type=Path,
        help="report to write, .csv or .json (default: <out stem>.report.csv next to --out)",
    )
    p.add_argument(
        "--preset",
        choices=INGEST_PRESETS,
        help="a known table layout: yfcc (Flickr/YFCC100M export) or uservisits (IJCAI'15)",
    )
    p.add_argument(
        "--pois", type=Path, help="POI table giving the coordinates of photos tied to POIs"
    )
    p.add_argument(
        "--columns",
        type=_column_mapping,
        metavar="KEY=COLUMN,...",
        help="table columns for photo_id, user_id, taken_at, lat, lon, title, tags, poi_id, ...",
    )
    p.add_argument("--sep", help="field separator of a CSV table (default: sniffed)")
    p.add_argument(
        "--tz",
        help="IANA zone of table times without offset (default: the zone of the coordinates)",
    )
    p.add_argument(
        "--hash-users",
        metavar="SALT",
        help="replace photographers by hashes salted with SALT (keep SALT secret)",
    )
    p.add_argument(
        "--user-from",
        choices=["folder", "artist", "serial"],
        help=f"photo folders: who took a photo (default {settings.USER_FROM})",
    )
    _add_read_options(p)
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser(
        "evaluate",
        help="leave-one-out evaluation of trip recommendation on published trips (F1, pairs-F1)",
        description=(
            "Leave-one-out evaluation (Chen, Ong & Xie, CIKM 2016) over every trip with at least "
            "3 distinct POIs: each method, fitted on all other trips, recommends a trip for the "
            "real one's start, end and number of POIs (protocol 'length') or duration (protocol "
            "'duration', Lim et al., IJCAI 2015). Prints mean ± std of F1 and pairs-F1."
        ),
    )
    p.add_argument("trips", type=Path, help="trips file (traj-*.csv, or userVisits-*.csv)")
    p.add_argument("pois", type=Path, help="POI file (poi-*.csv, or POI-*.csv)")
    p.add_argument(
        "--format",
        default="trajectories",
        help="trajectories (CIKM'16 traj/poi files, default) or user-visits (IJCAI'15 files)",
    )
    p.add_argument(
        "--protocol",
        default="length",
        help="length (start, end, number of POIs; default), duration (the real trip's "
        "duration as time budget) or both",
    )
    p.add_argument(
        "--method",
        default="popularity,transitions,learned",
        help="comma-separated methods among popularity, transitions, learned (default: all)",
    )
    p.add_argument(
        "--jsonl",
        type=Path,
        help="write one line per query; with several methods or protocols, one file each: "
        "<stem>-<method>-<protocol><suffix> next to it",
    )
    p.add_argument(
        "-j", "--jobs", type=_positive(int), default=1, help="worker processes (default 1)"
    )
    p.add_argument(
        "--speed-kmh",
        type=_positive(float),
        help="travel speed of the duration protocol (default: walking, 5)",
    )
    p.set_defaults(func=_cmd_evaluate)
    return parser


#: Values of ``ingest --preset`` (the keys of routeplan.tables.PRESETS, listed here so that
#: ``--help`` does not import pandas).
INGEST_PRESETS: tuple[str, ...] = ("uservisits", "yfcc")


def _column_mapping(text: str) -> dict[str, str]:
    """``"photo_id=id,user_id=owner"`` → ``{"photo_id": "id", "user_id": "owner"}``."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        key, sep, column = item.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise argparse.ArgumentTypeError(
                f"{item!r} is not KEY=COLUMN (e.g. --columns photo_id=id,user_id=owner)"
            )
        mapping[key.strip()] = column.strip()
    return mapping


def _mine(
    args: argparse.Namespace,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, nx.DiGraph]:
    """photos → landmarks → visits → graph, with a line of progress for each stage."""
    from .graph import build_graph
    from .landmarks import find_landmarks
    from .visits import find_visits

    photos, report = _read_folder(args, user_from=args.user_from)
    if args.report is not None:
        report.to_csv(args.report)
    skipped = f", skipped {report.n_skipped} ({_reasons(report)})" if report.n_skipped else ""
    print(f"photos: read {report.n_read}{skipped}")
    if len(photos) == 0:
        raise NoPhotosError(
            f"no photo in {args.photos} has a valid GPS position and time "
            f"({report.n_skipped} files skipped; --report FILE lists why)"
        )
    landmarks, photos = find_landmarks(
        photos,
        eps_m=args.eps_m,
        min_samples=args.min_samples,
        min_users=args.min_users,
        gap_h=args.gap_h,
    )
    if len(landmarks) == 0:
        raise NoLandmarksError(
            f"no landmark among {len(photos)} photos with --eps-m {args.eps_m:g} "
            f"--min-samples {args.min_samples} --min-users {args.min_users}; "
            "try a larger --eps-m or smaller --min-samples/--min-users"
        )
    visits = find_visits(photos, gap_h=args.gap_h)
    G = build_graph(landmarks, visits)
    print(
        f"landmarks: {len(landmarks)} from {int((photos['landmark_id'] >= 0).sum())} photos; "
        f"{visits['trip_id'].nunique()} trips, {G.number_of_edges()} observed moves"
    )
    return photos, landmarks, visits, G


def _reasons(report: IngestReport) -> str:
    counts = report.counts()
    return ", ".join(f"{n} {reason}" for reason, n in counts.items())


def _cmd_plan(args: argparse.Namespace) -> int:
    from .maps import route_map, save_map
    from .planner import plan

    photos, landmarks, visits, G = _mine(args)
    start = args.start if args.start is not None else int(landmarks["landmark_id"].iloc[0])
    next_stop = None
    if args.learned:
        from .nextstop import NextStopModel
        from .tourdata import tour_data_from_visits

        next_stop = NextStopModel().fit_tour_data(tour_data_from_visits(visits, landmarks))
        print(f"next-stop model: {next_stop.n_steps_} training steps, l2 {next_stop.l2_:g}")
    if args.budget_min is not None:
        budget_min = args.budget_min
    elif args.hours is not None:
        budget_min = args.hours * 60.0
    else:
        budget_min = settings.BUDGET_MIN
    itineraries = plan(
        G,
        start=start,
        end=args.end,
        budget_min=budget_min,
        start_time=args.start_time,
        days=args.days,
        max_stops=args.max_stops,
        must_visit=args.must_visit,
        avoid=args.avoid,
        stays=dict(args.stay) or None,
        themes=dict(args.theme) or None,
        alive=args.alive,
        mode=args.mode,
        speed_kmh=args.speed_kmh,
        alternatives=args.alternatives,
        method=args.method,
        time_limit_s=args.time_limit_s,
        seed=args.seed,
        next_stop=next_stop,
    )
    for it in itineraries:
        if args.alternatives > 1 and it.query["day"] == 1:
            print(f"Alternative {it.query['alternative'] + 1}, score {it.query['plan_score']:.3f}")
        print(it.summary())
    root = args.photos if args.photos.is_dir() else args.photos.parent
    m = route_map(itineraries, landmarks, tiles=args.tiles, photos=photos, photos_root=root)
    path = save_map(m, args.out)
    print(f"map: {path}")
    if args.gpx or args.geojson or args.ics:
        from .export import write_exports

        for written in write_exports(itineraries, gpx=args.gpx, geojson=args.geojson, ics=args.ics):
            print(f"export: {written}")
    return 0


def _cmd_landmarks(args: argparse.Namespace) -> int:
    _, landmarks, _, _ = _mine(args)
    if args.out is not None:
        _write_table(landmarks, args.out)
        print(f"landmarks: {args.out}")
        return 0
    cols = ["landmark_id", "name", "n_users", "n_photos", "stay_min", "lat", "lon"]
    table = landmarks[cols].rename(columns={"landmark_id": "id", "n_users": "visitors"})
    print(table.to_string(index=False, float_format=lambda x: f"{x:.5f}"))
    return 0


def _write_table(landmarks: gpd.GeoDataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    out = landmarks.drop(columns=["footprint"])
    out["hourly"] = out["hourly"].map(lambda v: ",".join(f"{x:.4f}" for x in v))
    out["monthly"] = out["monthly"].map(lambda v: ",".join(f"{x:.4f}" for x in v))
    if suffix == ".geojson":
        out.to_file(path, driver="GeoJSON")
    elif suffix == ".gpkg":
        out.to_file(path, driver="GPKG")
    elif suffix == ".parquet":
        out.to_parquet(path)
    elif suffix == ".csv":
        out.drop(columns="geometry").to_csv(path, index=False)
    else:
        raise RouteplanError(f"cannot write {path}: use .geojson, .gpkg, .parquet or .csv")


def _cmd_ingest(args: argparse.Namespace) -> int:
    from .privacy import hash_paths, hash_users
    from .tables import is_table, read_photo_table

    out: Path = args.out
    if out.suffix.lower() not in (".parquet", ".geoparquet"):
        raise InputError(f"cannot write {out}: the photos table is GeoParquet, use a .parquet name")
    report_path: Path = args.report or out.with_name(f"{out.stem}.report.csv")
    if report_path.suffix.lower() not in (".csv", ".json"):
        raise InputError(f"cannot write the report {report_path}: use a .csv or .json name")
    if args.hash_users is not None and not args.hash_users:
        raise InputError("--hash-users needs a non-empty SALT")
    table_options = {
        "--preset": args.preset,
        "--pois": args.pois,
        "--columns": args.columns,
        "--sep": args.sep,
        "--tz": args.tz,
    }
    if is_table(args.photos):
        if args.user_from is not None:
            raise InputError(
                "--user-from is for photo folders; a table names its users in a column "
                "(--columns user_id=<column>)"
            )
        photos, report = read_photo_table(
            args.photos,
            columns=args.columns,
            preset=args.preset,
            pois=args.pois,
            sep=args.sep,
            tz=args.tz,
        )
        unit = "row"
    else:
        given = [name for name, value in table_options.items() if value is not None]
        if given:
            raise InputError(
                f"{', '.join(given)} apply to photo tables (.csv, .csv.gz, .tsv, .parquet); "
                f"{args.photos} is not one"
            )
        photos, report = _read_folder(args, user_from=args.user_from or settings.USER_FROM)
        unit = "file"
    if args.hash_users is not None:
        photos = hash_users(photos, salt=args.hash_users)
        if unit == "file":  # report paths start with the user folders
            report.table["file"] = hash_paths(report.table["file"], salt=args.hash_users)
    if report_path.suffix.lower() == ".json":
        report.table.to_json(report_path, orient="records", indent=1, force_ascii=False)
    else:
        report.to_csv(report_path)
    print(_ingest_summary(report, unit=unit, source=args.photos))
    print(f"report: {report_path}")
    if len(photos) == 0:
        raise NoPhotosError(
            f"no usable photo in {args.photos} ({report.n_skipped} {unit}(s) skipped; "
            f"{report_path} lists why); nothing written to {out}"
        )
    photos.to_parquet(out)
    print(f"photos: {out} ({len(photos)} photos, {photos['user_id'].nunique()} users)")
    return 0


def _ingest_summary(report: IngestReport, *, unit: str, source: Path, max_examples: int = 3) -> str:
    """Totals, then each skip reason with its count and a few example files or rows."""
    lines = [
        f"{source}: {report.n_files} {unit}(s), {report.n_read} read, {report.n_skipped} skipped"
    ]
    table = report.table
    skipped = table[table["status"] == "skipped"]
    for reason, count in report.counts().items():
        examples = skipped.loc[skipped["reason"] == reason, "file"].head(max_examples).tolist()
        more = ", ..." if count > len(examples) else ""
        lines.append(f"  {reason:<28} {count:>8}  e.g. {', '.join(map(str, examples))}{more}")
    return "\n".join(lines)


#: ``evaluate --format`` values and their readers (in routeplan.tourdata).
EVALUATE_FORMATS: tuple[str, ...] = ("trajectories", "user-visits")
#: ``evaluate --protocol`` values and the protocols they run.
EVALUATE_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "length": ("length",),
    "duration": ("duration",),
    "both": ("length", "duration"),
}


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import DURATION_SPEED_KMH, METHODS, leave_one_out, summarise, write_jsonl
    from .tourdata import read_trajectories, read_user_visits

    if args.format not in EVALUATE_FORMATS:
        raise InputError(f"unknown --format {args.format!r}: use {' or '.join(EVALUATE_FORMATS)}")
    protocols = EVALUATE_PROTOCOLS.get(args.protocol)
    if protocols is None:
        raise InputError(
            f"unknown --protocol {args.protocol!r}: use {', '.join(EVALUATE_PROTOCOLS)}"
        )
    methods = tuple(dict.fromkeys(m.strip() for m in args.method.split(",") if m.strip()))
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise InputError(
            f"unknown --method {', '.join(unknown) or repr(args.method)}: use a comma-separated "
            f"list of {', '.join(METHODS)}"
        )
    if args.jsonl is not None and not args.jsonl.parent.is_dir():
        raise InputError(
            f"cannot write {args.jsonl}: the folder {args.jsonl.parent} does not exist"
        )
    read = read_trajectories if args.format == "trajectories" else read_user_visits
    data = read(args.trips, args.pois)
    results = leave_one_out(
        data,
        methods=methods,
        protocols=protocols,
        speed_kmh=args.speed_kmh if args.speed_kmh is not None else DURATION_SPEED_KMH,
        jobs=args.jobs,
        progress=sys.stderr.isatty(),
    )
    skipped = results.attrs.get("skipped", 0)
    n_queries = results["trip_id"].nunique()
    print(
        f"{args.trips.name}: {len(data.trips)} trips, {n_queries} queries"
        + (f" ({skipped} skipped: a revisit or a round trip)" if skipped else "")
    )
    for row in summarise(results).itertuples():
        print(
            f"{row.method:<12} {row.protocol:<9} n={row.n:<4} "
            f"F1 {row.f1_mean:.3f} ± {row.f1_std:.3f}  "
            f"pairs-F1 {row.pairs_f1_mean:.3f} ± {row.pairs_f1_std:.3f}"
        )
    if args.jsonl is not None:
        path: Path = args.jsonl
        if len(methods) == 1 and len(protocols) == 1:
            print(f"jsonl: {write_jsonl(results, path)}")
        else:
            for method in methods:
                for protocol in protocols:
                    part = results[
                        (results["method"] == method) & (results["protocol"] == protocol)
                    ]
                    out = path.with_name(f"{path.stem}-{method}-{protocol}{path.suffix}")
                    print(f"jsonl: {write_jsonl(part, out)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``routeplan`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except RouteplanError as exc:
        print(f"routeplan: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # e.g. the output folder does not exist or is not writable
        print(
            f"routeplan: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("routeplan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
