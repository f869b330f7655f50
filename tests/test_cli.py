"""The command line end to end on data/sample_photos, and its handling of users' mistakes."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pytest

import routeplan
from routeplan.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_photos"
START_TIME = "2024-07-06 09:00"


@pytest.fixture(scope="module")
def model():
    """The sample folder mined with the CLI's defaults, as the CLI does it."""
    photos, _ = routeplan.read_photos(SAMPLE)
    landmarks, photos = routeplan.find_landmarks(photos)
    G = routeplan.build_graph(landmarks, routeplan.find_visits(photos))
    return landmarks, G


@pytest.mark.slow
def test_plan_writes_a_map_holding_every_stop(tmp_path, capsys, model):
    _, G = model
    out = tmp_path / "route.html"
    assert (
        main(["plan", str(SAMPLE), "--hours", "6", "--start-time", START_TIME, "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    [expected] = routeplan.plan(G, start=0, budget_min=360, start_time=START_TIME)
    assert len(expected) >= 3, "six hours in Toronto should hold several stops"
    assert expected.stops[0].landmark_id == 0  # default start: the most popular landmark
    for i, stop in enumerate(expected.stops, start=1):
        assert html.escape(stop.name) in page, stop.name
        assert f"{i:>2}. {stop.arrive:%H:%M}–{stop.leave:%H:%M}  {stop.name}" in printed
        assert f"{stop.arrive:%H:%M}" in page
    assert expected.total_min <= 360


@pytest.mark.slow
def test_plan_with_start_end_and_budget_options(tmp_path, capsys, model):
    landmarks, _ = model
    start, end = landmarks.loc[1, "name"], landmarks.loc[2, "name"]
    out = tmp_path / "r.html"
    code = main(
        [
            "plan",
            str(SAMPLE),
            "--start",
            start,
            "--end",
            end,
            "--budget-min",
            "300",
            "--start-time",
            "10:30",
            "--speed-kmh",
            "3.5",
            "--stay",
            f"{start}=60",
            "--eps-m",
            "80",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    lines = [
        ln for ln in capsys.readouterr().out.splitlines() if ln[:3].strip().rstrip(".").isdigit()
    ]
    assert lines[0].split("  ", 1)[1] == start and lines[0].split()[1] == "10:30–11:30"
    assert lines[-1].split("  ", 1)[1] == end
    assert out.exists()


@pytest.mark.slow
def test_console_script_runs_with_defaults(tmp_path):
    """`routeplan plan data/sample_photos` (no options) writes route.html in the current folder."""
    exe = Path(sys.executable).with_name("routeplan")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "routeplan"]
    proc = subprocess.run(
        [*cmd, "plan", str(SAMPLE)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "route.html").stat().st_size > 10_000
    assert "map: route.html" in proc.stdout


def _error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("routeplan: error: ")
    return lines[0]


def test_missing_folder_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "nope")]) == 2
    assert "does not exist" in _error_line(capsys)


def test_folder_without_gps_photos(tmp_path, capsys):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "notes.txt").write_text("not a photo")
    (tmp_path / "alice" / "IMG_0001.JPG").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    assert main(["plan", str(tmp_path)]) == 2
    assert "no photo" in _error_line(capsys)


def test_empty_folder(tmp_path, capsys):
    assert main(["plan", str(tmp_path)]) == 2
    assert "no photo" in _error_line(capsys)


@pytest.mark.slow
def test_unknown_start_name(capsys):
    assert main(["plan", str(SAMPLE), "--start", "Eiffel Tower"]) == 2
    assert "Eiffel Tower" in _error_line(capsys)


@pytest.mark.slow
def test_budget_too_short(capsys):
    assert main(["plan", str(SAMPLE), "--budget-min", "1"]) == 2
    assert "budget" in _error_line(capsys).lower()


@pytest.mark.parametrize("argv", [["--help"], ["plan", "--help"], ["landmarks", "--help"]])
def test_every_subcommand_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: routeplan" in capsys.readouterr().out


def test_bad_option_value_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "x", "--hours", "-3"])
    assert exc.value.code == 2
    assert "must be positive" in capsys.readouterr().err


@pytest.mark.slow
def test_landmarks_subcommand_writes_geojson(tmp_path, capsys, model):
    landmarks, _ = model
    out = tmp_path / "landmarks.geojson"
    assert main(["landmarks", str(SAMPLE), "-o", str(out)]) == 0
    import geopandas as gpd

    back = gpd.read_file(out)
    assert list(back["name"]) == list(landmarks["name"])


ATTACKS = ["<img src=x onerror=alert(1)>", "${alert(2)}"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_exif_text_reaches_the_map_only_inert(tmp_path, jpeg_writer, attack):
    """Photo titles and user folders carrying markup or a template substitution end up as text.

    Three photographers title their photos of two spots with the attack string, so it becomes a
    landmark's name and passes through ingest, clustering, planning and the map.
    """
    photos = tmp_path / "photos"
    spots = [(43.6426, -79.3871), (43.6547, -79.4007)]
    for u in range(3):
        user_dir = photos / f"user{u}"
        for k, (lat, lon) in enumerate(spots):
            for j in range(2):
                jpeg_writer(
                    user_dir / f"IMG_{k}{j}.JPG",
                    lat=lat,
                    lon=lon,
                    dt_original=f"2024:07:0{u + 1} {10 + k}:{10 * j:02d}:00",
                    offset="-04:00",
                    description=attack if k == 0 else "Kensington Market",
                    artist=f"{attack} #{u}",
                )
    out = tmp_path / "map.html"
    assert (
        main(
            ["plan", str(photos), "--min-samples", "3", "--user-from", "artist", "--out", str(out)]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert attack not in page
    assert "alert(1)>" not in page and "${alert" not in page
    assert routeplan.escape(attack) in page  # shown, literally, as the landmark's name


@pytest.mark.slow
def test_plan_days_and_exports(tmp_path, capsys, model):
    """Two days with --gpx/--geojson/--ics: each file parses back with a well-kept library and
    holds the same stops the CLI printed, day by day."""
    import json

    import gpxpy
    import icalendar

    _, G = model
    paths = {kind: tmp_path / f"plan.{kind}" for kind in ("gpx", "geojson", "ics")}
    args = ["plan", str(SAMPLE), "--hours", "3", "--days", "2", "--start-time", START_TIME]
    args += ["--out", str(tmp_path / "m.html")]
    for kind, path in paths.items():
        args += [f"--{kind}", str(path)]
    assert main(args) == 0
    assert "Day 2 of 2" in capsys.readouterr().out
    expected = routeplan.plan(G, start=0, budget_min=180, start_time=START_TIME, days=2)
    assert [it.query["day"] for it in expected] == [1, 2]
    gpx = gpxpy.parse(paths["gpx"].read_text(encoding="utf-8"))
    assert [[p.name for p in r.points] for r in gpx.routes] == [
        [s.name for s in it.stops] for it in expected
    ]
    features = json.loads(paths["geojson"].read_text(encoding="utf-8"))["features"]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    assert len(points) == sum(len(it) for it in expected)
    calendar = icalendar.Calendar.from_ical(paths["ics"].read_bytes())
    starts = sorted(e.decoded("dtstart") for e in calendar.walk("VEVENT"))
    visits = sorted(s.arrive for it in expected for s in it.stops if s.stay_min > 0)
    assert len(starts) == len(visits)
    assert all(abs(b - a).total_seconds() <= 1 for a, b in zip(starts, visits, strict=True))


@pytest.mark.slow
def test_plan_learned_follows_the_next_stop_model(tmp_path, capsys):
    """--learned fits a NextStopModel on the trips mined from the photos and plans with it: the
    printed route is the one plan(next_stop=...) makes with that model."""
    from routeplan.nextstop import NextStopModel
    from routeplan.tourdata import tour_data_from_visits

    out = tmp_path / "learned.html"
    argv = ["plan", str(SAMPLE), "--learned", "--max-stops", "5", "--start-time", START_TIME]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "next-stop model:" in printed
    photos, _ = routeplan.read_photos(SAMPLE)
    landmarks, photos = routeplan.find_landmarks(photos)
    visits = routeplan.find_visits(photos)
    G = routeplan.build_graph(landmarks, visits)
    ns = NextStopModel().fit_tour_data(tour_data_from_visits(visits, landmarks))
    [expected] = routeplan.plan(
        G, start=0, budget_min=360, start_time=START_TIME, max_stops=5, next_stop=ns
    )
    [popular] = routeplan.plan(G, start=0, budget_min=360, start_time=START_TIME, max_stops=5)
    assert expected.query["scoring"] == "learned" and expected.score_parts["value"] == 0
    assert len(expected.stops) == 5
    for i, stop in enumerate(expected.stops, start=1):
        assert f"{i:>2}. {stop.arrive:%H:%M}–{stop.leave:%H:%M}  {stop.name}" in printed
    assert html.escape(expected.stops[-1].name) in out.read_text(encoding="utf-8")
    assert popular.query["scoring"] == "popularity"
