"""``routeplan evaluate``: the leave-one-out evaluation from the command line.

Runs ``routeplan.cli.main`` in-process on the real Osaka files of ``../shared/data/tour`` (skipped
when missing, except in CI where env ``CI`` makes it a failure) and checks the JSONL it writes
with the independent ``../shared/tools/score_tour.py`` (a subprocess).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from shared_data import SCORER, TOUR
from shared_data import need as _need

from routeplan.cli import main


@pytest.fixture
def osaka() -> tuple[str, str]:
    """The CIKM'16 Osaka trips and POIs (47 queries)."""
    return str(_need(TOUR / "traj-Osak.csv")), str(_need(TOUR / "poi-Osak.csv"))


def _summary(out: str) -> dict[tuple[str, str], tuple[int, float, float]]:
    """(method, protocol) → (n, F1 mean, pairs-F1 mean) from the printed table."""
    rows = re.findall(
        r"^(\w+)\s+(\w+)\s+n=(\d+)\s+F1 ([\d.]+) ± [\d.]+\s+pairs-F1 ([\d.]+) ± [\d.]+$",
        out,
        flags=re.MULTILINE,
    )
    return {(m, p): (int(n), float(f), float(pf)) for m, p, n, f, pf in rows}


def test_popularity_jsonl_is_what_score_tour_checks(osaka, tmp_path, capsys):
    """One method, one protocol: exactly the file named; score_tour.py accepts it (exit 0, 47
    queries) and prints the F1 and pairs-F1 the command printed."""
    out_path = tmp_path / "out.jsonl"
    status = main(["evaluate", *osaka, "--method", "popularity", "--jsonl", str(out_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert "1115 trips, 47 queries" in out
    table = _summary(out)
    assert list(table) == [("popularity", "length")]
    n, f1, pairs = table["popularity", "length"]
    assert n == 47 and f1 == pytest.approx(0.663, abs=0.02)
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    lines = out_path.read_text().splitlines()
    assert len(lines) == 47 and json.loads(lines[0])["method"] == "popularity"
    done = subprocess.run(
        [sys.executable, str(_need(SCORER)), osaka[0], str(out_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert "queries 47/47 (missing 0, bad 0)" in done.stdout
    assert f"F1 {f1:.3f} pairs-F1 {pairs:.3f}" in done.stdout


def test_several_methods_and_protocols_write_one_file_each(osaka, tmp_path, capsys):
    """Two methods × both protocols: four files <stem>-<method>-<protocol>.jsonl, their paths
    printed, four summary lines. (A crawling speed makes every duration query [start, end]
    without solving: the orienteering itself is tested in test_evaluate.py.)"""
    status = main(
        [
            "evaluate",
            *osaka,
            "--method",
            "popularity,transitions",
            "--protocol",
            "both",
            "--speed-kmh",
            "0.01",
            "--jsonl",
            str(tmp_path / "q.jsonl"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "q-popularity-duration.jsonl",
        "q-popularity-length.jsonl",
        "q-transitions-duration.jsonl",
        "q-transitions-length.jsonl",
    ]
    for name in names:
        assert f"jsonl: {tmp_path / name}" in out
    assert set(_summary(out)) == {
        (m, p) for m in ("popularity", "transitions") for p in ("length", "duration")
    }
    duration = [json.loads(x) for x in (tmp_path / names[0]).read_text().splitlines()]
    assert len(duration) == 47 and all("budget_min" in q for q in duration)
    assert all(q["recommended"] == [q["start"], q["end"]] for q in duration)


def test_user_visits_format(tmp_path, capsys):
    """The IJCAI'15 files with --format user-visits: 47 queries, of which 12 revisit a POI and
    are skipped (reported), 35 answered."""
    visits, pois = _need(TOUR / "userVisits-Osak.csv"), _need(TOUR / "POI-Osak.csv")
    status = main(
        ["evaluate", str(visits), str(pois), "--format", "user-visits", "--method", "transitions"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "35 queries (12 skipped" in out
    assert _summary(out)["transitions", "length"][0] == 35


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-traj.csv", "missing-poi.csv"], "does not exist"),
        (["{traj}", "{poi}", "--method", "popularity,rank"], "unknown --method rank"),
        (["{traj}", "{poi}", "--format", "xml"], "unknown --format 'xml'"),
        (["{traj}", "{poi}", "--protocol", "time"], "unknown --protocol 'time'"),
        (["{traj}", "{poi}", "--format", "user-visits"], "lacks the column"),
        (["{traj}", "{poi}", "--jsonl", "{tmp}/no/such/dir/q.jsonl"], "does not exist"),
    ],
)
def test_errors_are_one_line_and_exit_2(osaka, tmp_path, capsys, args, message):
    """A missing file, an unknown method/format/protocol, a file of the other format or an
    output folder that does not exist: one line ``routeplan: error: ...``, status 2."""
    values = {"traj": osaka[0], "poi": osaka[1], "tmp": str(tmp_path)}
    status = main(["evaluate", *(a.format(**values) for a in args)])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("routeplan: error: "), err
    assert message in lines[0]
