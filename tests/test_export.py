"""Tests of routeplan.export: GPX, GeoJSON and iCalendar, read back with gpxpy, shapely and
icalendar."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import shape

from routeplan import InputError, ValidationError
from routeplan.export import GPX_NAMESPACE, to_geojson, to_gpx, to_ics, write_exports
from routeplan.itinerary import Itinerary, Leg, Stop

PARIS = "Europe/Paris"
TORONTO = "America/Toronto"
HOTEL = (None, "Hôtel <Lutèce> & Co", 48.8566, 2.3522)
NASTY = "Café <b>&amp;</b> \"quoted\" 'single', comma; semi\nnew line 🗼 ${alert(1)} back\\slash"
LONG = "Musée " + "🎨" * 30 + " d'Orsay, un très long nom; avec tout"  # > 75 octets
EIFFEL = (7, NASTY, 48.858370123456789, 2.2944810987654321)
LOUVRE = (12, LONG, 48.860611, 2.337644)
NOTRE_DAME = (4, "Notre-Dame", 48.852968, 2.349902)
ORSAY = (9, "Orsay", 48.859961, 2.326561)


def make_itinerary(
    rows: list[tuple], *, tz: str, query: dict | None = None, waits: dict | None = None
) -> Itinerary:
    """Itinerary from ``(place, "local time with offset", stay_min[, off_hours])`` rows.

    ``place`` is ``(landmark_id, name, lat, lon)``; travel of leg i is the gap between leaving
    stop i and arriving at stop i + 1 minus ``waits[i + 1]``; odd legs are observed.
    """
    waits = waits or {}
    stops = []
    for row in rows:
        (landmark_id, name, lat, lon), when, stay = row[:3]
        arrive = pd.Timestamp(when).tz_convert(tz)
        stops.append(
            Stop(
                landmark_id,
                name,
                lat,
                lon,
                arrive,
                arrive + pd.Timedelta(minutes=stay),
                off_hours=len(row) > 3 and row[3],
            )
        )
    legs = []
    for i in range(1, len(stops)):
        gap = (stops[i].arrive - stops[i - 1].leave).total_seconds() / 60
        wait = waits.get(i, 0.0)
        legs.append(Leg(i - 1, i, gap - wait, 75.0 * (gap - wait), i % 2 == 1, wait))
    return Itinerary(tuple(stops), tuple(legs), 1.0, {"value": 1.0}, {"tz": tz, **(query or {})})


@pytest.fixture
def paris_day() -> Itinerary:
    """One day in Paris (CEST): hotel (no stay) → 3 landmarks with hostile names → hotel.

    Expect 5 stops, 4 legs, 3 calendar events (the hotel has no stay), 4 distinct places.
    """
    return make_itinerary(
        [
            (HOTEL, "2024-06-15 09:00+02:00", 0),
            (EIFFEL, "2024-06-15 09:40+02:00", 60),
            (LOUVRE, "2024-06-15 11:05+02:00", 90, True),
            (NOTRE_DAME, "2024-06-15 12:50:30+02:00", 45.5),
            (HOTEL, "2024-06-15 13:55+02:00", 0),
        ],
        tz=PARIS,
        query={"day": 1, "days": 1, "alternative": 0, "mode": "walk"},
        waits={2: 5.0},
    )


@pytest.fixture
def paris_plan() -> list[Itinerary]:
    """Two alternatives × two days from the same hotel, as plan(days=2, alternatives=2) orders
    them (alternative then day). Expect routes "Alternative 1, day 1", ..., "Alternative 2, day
    2"; the landmarks of alternative 1 reappear in alternative 2 (same places, other times)."""
    alts = [[[EIFFEL, LOUVRE], [NOTRE_DAME]], [[NOTRE_DAME, ORSAY], [EIFFEL]]]
    its = []
    for k, days in enumerate(alts):
        for d, places in enumerate(days):
            date = f"2024-06-{15 + d}"
            rows = [(HOTEL, f"{date} 09:00+02:00", 0)]
            rows += [
                (p, f"{date} {10 + 2 * j}:{15 * k:02d}+02:00", 60) for j, p in enumerate(places)
            ]
            rows.append((HOTEL, f"{date} 18:00+02:00", 0))
            query = {"day": d + 1, "days": 2, "alternative": k}
            its.append(make_itinerary(rows, tz=PARIS, query=query))
    return its


@pytest.fixture
def toronto_days() -> list[Itinerary]:
    """Two nights in Toronto across the end of DST (2024-11-03 02:00 EDT → 01:00 EST).

    Day 2: a stay from 01:40 EDT to 01:20 EST (its end is in the repeated hour, second
    occurrence) and a visit beginning 01:35 EST (second occurrence too). Expect these instants
    exact in the calendar (written in UTC), the others as local times with TZID=America/Toronto.
    """
    hotel = (None, "Hotel", 43.6452, -79.3806)
    tower = (1, "CN Tower", 43.6425662, -79.3870568)
    market = (2, "St. Lawrence Market", 43.6486, -79.3715)
    day1 = make_itinerary(
        [
            (hotel, "2024-11-02 22:00-04:00", 0),
            (tower, "2024-11-02 22:30-04:00", 60),
            (hotel, "2024-11-02 23:50-04:00", 0),
        ],
        tz=TORONTO,
        query={"day": 1, "days": 2, "alternative": 0},
    )
    day2 = make_itinerary(
        [
            (hotel, "2024-11-03 01:00-04:00", 0),
            (market, "2024-11-03 01:40-04:00", 40),  # leaves 01:20-05:00
            (tower, "2024-11-03 01:35-05:00", 55),
            (hotel, "2024-11-03 03:00-05:00", 0),
        ],
        tz=TORONTO,
        query={"day": 2, "days": 2, "alternative": 0},
    )
    return [day1, day2]


def _events(text: str) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


# --- GPX -------------------------------------------------------------------------------------


def test_gpx_round_trips_names_times_and_coordinates(paris_day: Itinerary) -> None:
    gpx = gpxpy.parse(to_gpx(paris_day, name='Paris <1> & "2"'))
    assert gpx.version == "1.1"
    assert gpx.creator == "routeplan"
    assert gpx.name == 'Paris <1> & "2"'
    # one waypoint a distinct place (the hotel is start and end), in order of first visit
    assert [w.name for w in gpx.waypoints] == [HOTEL[1], NASTY, LONG, "Notre-Dame"]
    assert gpx.waypoints[0].time == paris_day.stops[0].arrive  # first arrival at the hotel
    assert len(gpx.routes) == 1
    points = gpx.routes[0].points
    assert [p.name for p in points] == [s.name for s in paris_day.stops]
    assert [p.time for p in points] == [s.arrive for s in paris_day.stops]
    # full float precision, [lat, lon] not swapped
    assert [(p.latitude, p.longitude) for p in points] == [(s.lat, s.lon) for s in paris_day.stops]
    # the description says when the visitor leaves and how the stop was reached
    assert "leave 10:40 CEST" in points[1].description
    assert "observed" in points[1].description
    assert "estimated" in points[2].description and "wait 5 min" in points[2].description


def test_gpx_is_namespaced_gpx_1_1_with_schema_order(paris_day: Itinerary) -> None:
    """Elements of a waypoint come in the order of the GPX 1.1 schema (time before name)."""
    root = ET.fromstring(to_gpx(paris_day))
    ns = {"g": GPX_NAMESPACE}
    assert root.tag == f"{{{GPX_NAMESPACE}}}gpx"
    assert root.get("version") == "1.1" and root.get("creator") == "routeplan"
    wpt = root.find("g:wpt", ns)
    assert [child.tag.split("}")[1] for child in wpt] == ["time", "name", "desc", "type"]
    assert root.find("g:metadata/g:time", ns).text == "2024-06-15T07:00:00Z"
    bounds = root.find("g:metadata/g:bounds", ns)
    assert float(bounds.get("minlon")) == EIFFEL[3] and float(bounds.get("maxlat")) == LOUVRE[2]


def test_gpx_coordinates_never_use_exponents() -> None:
    """A coordinate of 1e-7 degrees is written 0.0000001 (xsd:decimal has no exponent)."""
    t = pd.Timestamp("2024-03-01 12:00", tz="UTC")
    it = Itinerary(
        (Stop(1, "Null Island", 1e-7, -2.5e-8, t, t + pd.Timedelta(minutes=5)),), (), 0.0
    )
    rtept = ET.fromstring(to_gpx(it)).find(f"{{{GPX_NAMESPACE}}}rte/{{{GPX_NAMESPACE}}}rtept")
    assert rtept.get("lat") == "0.0000001" and rtept.get("lon") == "-0.000000025"


def test_gpx_labels_days_and_alternatives(paris_plan: list[Itinerary]) -> None:
    gpx = gpxpy.parse(to_gpx(paris_plan))
    assert [r.name for r in gpx.routes] == [
        "Alternative 1, day 1",
        "Alternative 1, day 2",
        "Alternative 2, day 1",
        "Alternative 2, day 2",
    ]
    assert [r.number for r in gpx.routes] == [1, 2, 3, 4]
    # the hotel and four landmarks, each once, its time the first arrival of the whole plan
    assert [w.name for w in gpx.waypoints] == [HOTEL[1], NASTY, LONG, "Notre-Dame", "Orsay"]
    notre_dame = gpx.waypoints[3]
    assert notre_dame.time == pd.Timestamp("2024-06-15 10:15+02:00")  # alt 2 day 1 < alt 1 day 2
    assert "Alternative 1, day 2, stop 2" in notre_dame.description
    assert "Alternative 2, day 1, stop 2" in notre_dame.description
    days_only = gpxpy.parse(to_gpx(paris_plan[:2]))
    assert [r.name for r in days_only.routes] == ["Day 1", "Day 2"]


def test_gpx_survives_control_characters() -> None:
    """XML 1.0 cannot hold U+000B or a lone surrogate: they become U+FFFD, the file parses."""
    t = pd.Timestamp("2024-03-01 12:00", tz="UTC")
    it = Itinerary((Stop(1, "a\x0bb\ud800c\r\nd", 1.0, 2.0, t, t),), (), 0.0)
    text = to_gpx(it)
    text.encode("utf-8")
    assert gpxpy.parse(text).waypoints[0].name == "a\ufffdb\ufffdc\nd"


# --- GeoJSON ---------------------------------------------------------------------------------


def test_geojson_points_are_lon_lat_and_properties_complete(paris_day: Itinerary) -> None:
    fc = json.loads(json.dumps(to_geojson(paris_day), allow_nan=False))
    assert fc["type"] == "FeatureCollection"
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(points) == 5 and len(lines) == 4
    for f, stop in zip(points, paris_day.stops, strict=True):
        assert shape(f["geometry"]).coords[0] == (stop.lon, stop.lat)
        assert pd.Timestamp(f["properties"]["arrive"]) == stop.arrive
        assert pd.Timestamp(f["properties"]["leave"]) == stop.leave
    eiffel = points[1]["properties"]
    assert eiffel == {
        "feature": "stop",
        "itinerary": 0,
        "day": 1,
        "alternative": 0,
        "route": "",
        "order": 2,
        "landmark_id": 7,
        "name": NASTY,
        "arrive": "2024-06-15T09:40:00+02:00",
        "leave": "2024-06-15T10:40:00+02:00",
        "stay_min": 60.0,
        "off_hours": False,
    }
    assert points[0]["properties"]["landmark_id"] is None
    assert points[2]["properties"]["off_hours"] is True
    assert points[3]["properties"]["leave"] == "2024-06-15T13:36:00+02:00"  # 12:50:30 + 45.5 min
    leg = lines[1]
    assert shape(leg["geometry"]).coords[:] == [(EIFFEL[3], EIFFEL[2]), (LOUVRE[3], LOUVRE[2])]
    assert leg["properties"] == {
        "feature": "leg",
        "itinerary": 0,
        "day": 1,
        "alternative": 0,
        "route": "",
        "from_stop": 2,
        "to_stop": 3,
        "travel_min": 20.0,
        "distance_m": 1500.0,
        "observed": False,
        "wait_min": 5.0,
    }


def test_geojson_has_only_plain_json_types() -> None:
    """numpy scalars become Python numbers and bools, a NaN distance becomes null."""
    t = pd.Timestamp("2024-03-01 12:00", tz=PARIS)
    a = Stop(np.int64(3), "A", np.float64(45.0), np.float64(5.0), t, t, np.bool_(True))
    b = Stop(None, "B", 45.1, 5.1, t + pd.Timedelta(minutes=9), t + pd.Timedelta(minutes=9))
    leg = Leg(0, 1, np.float64(9.0), float("nan"), np.bool_(False), np.float64(0.0))
    fc = to_geojson([Itinerary((a, b), (leg,), 0.0)])
    json.dumps(fc, allow_nan=False)
    props = fc["features"][0]["properties"]
    assert type(props["landmark_id"]) is int and props["off_hours"] is True
    assert fc["features"][2]["properties"]["distance_m"] is None
    assert type(fc["features"][2]["properties"]["travel_min"]) is float


def test_geojson_labels_alternatives(paris_plan: list[Itinerary]) -> None:
    fc = to_geojson(paris_plan)
    seen = {(f["properties"]["itinerary"], f["properties"]["route"]) for f in fc["features"]}
    assert sorted(seen) == [
        (0, "Alternative 1, day 1"),
        (1, "Alternative 1, day 2"),
        (2, "Alternative 2, day 1"),
        (3, "Alternative 2, day 2"),
    ]
    last = fc["features"][-1]["properties"]
    assert (last["day"], last["alternative"]) == (2, 1)


# --- iCalendar -------------------------------------------------------------------------------


def test_ics_events_parse_back_exactly(paris_day: Itinerary) -> None:
    text = to_ics(paris_day, name="Trip; to, Paris")
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["VERSION"]) == "2.0" and "routeplan" in str(cal["PRODID"])
    assert "\r\nX-WR-CALNAME:Trip\\; to\\, Paris\r\n" in text  # an X- property: read as raw
    events = _events(text)
    visits = paris_day.stops[1:4]  # the hotel at start and end has no stay
    assert [str(e["SUMMARY"]) for e in events] == [s.name for s in visits]
    for event, stop in zip(events, visits, strict=True):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert start == stop.arrive
        assert start.tzinfo.key == PARIS and event["DTSTART"].params["TZID"] == PARIS
        assert end == stop.leave.round("s")
        assert event["GEO"].latitude == stop.lat and event["GEO"].longitude == stop.lon
        assert event["DTSTAMP"].dt == datetime(2024, 6, 15, 7, tzinfo=UTC)
    assert len({str(e["UID"]) for e in events}) == len(events)
    description = str(events[1]["DESCRIPTION"])
    assert description.startswith("Stop 3 of 5\nArrive 2024-06-15 11:05 CEST, leave 12:35 CEST")
    assert f"From {NASTY}: 20 min (walk, estimated)" in description
    assert "wait 5 min" in description and "off hours" in description


def test_ics_lines_are_crlf_folded_and_escaped(paris_day: Itinerary) -> None:
    raw = to_ics(paris_day).encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"\r\r" not in raw
    physical = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    for line in physical:
        line.decode("utf-8")  # folding never splits a multi-byte character
    assert any(line.startswith(b" ") for line in physical)  # the long name was folded
    unfolded = raw.decode("utf-8").replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    nasty = NASTY.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    assert "SUMMARY:" + nasty.replace("\n", "\\n") in lines
    assert "SUMMARY:" + LONG.replace(",", "\\,").replace(";", "\\;") in lines


def test_ics_uids_stable_and_unique_across_plan(paris_plan: list[Itinerary]) -> None:
    events = _events(to_ics(paris_plan))
    assert len(events) == 6  # one event a landmark visit, no hotel
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 6
    assert uids[0] == "20240615T070000Z-alt1-day1-stop2-landmark7@routeplan"
    # every event's DTSTAMP is the start of the whole plan
    assert {e["DTSTAMP"].dt for e in events} == {datetime(2024, 6, 15, 7, tzinfo=UTC)}
    # the same itinerary twice still gives unique UIDs
    twice = _events(to_ics([paris_plan[0], paris_plan[0]]))
    assert len({str(e["UID"]) for e in twice}) == len(twice) == 4


@pytest.mark.parametrize("tz", [PARIS, TORONTO, "Australia/Lord_Howe", "Asia/Kolkata"])
def test_ics_vtimezone_matches_zoneinfo(tz: str) -> None:
    """The VTIMEZONE, read by icalendar (not by zone name), gives zoneinfo's offset at every
    hour of the year, including Lord Howe's half-hour DST and a zone without DST."""
    t = pd.Timestamp("2024-12-31 22:00", tz=tz)
    it = Itinerary(
        (Stop(1, "A", 0.0, 0.0, t, t + pd.Timedelta(hours=4)),), (), 0.0, query={"tz": tz}
    )
    cal = icalendar.Calendar.from_ical(to_ics(it))
    [vtz] = cal.walk("VTIMEZONE")
    assert str(vtz["TZID"]) == tz
    mine = vtz.to_tz(lookup_tzid=False)
    zone = ZoneInfo(tz)
    # every 20 minutes of both years the event spans (2024 and 2025), as local wall times
    start, end = (datetime(y, 1, 1, tzinfo=zone).astimezone(UTC) for y in (2024, 2026))
    instants = pd.date_range(start, end, freq="20min", inclusive="left").tz_convert(tz)
    for local in instants.tz_localize(None).to_pydatetime():
        assert local.replace(tzinfo=mine).utcoffset() == local.replace(tzinfo=zone).utcoffset(), (
            local
        )


def test_ics_exact_across_dst_end(toronto_days: list[Itinerary]) -> None:
    text = to_ics(toronto_days)
    events = _events(text)
    visits = [toronto_days[0].stops[1], *toronto_days[1].stops[1:3]]
    assert [str(e["SUMMARY"]) for e in events] == [s.name for s in visits]
    for event, stop in zip(events, visits, strict=True):
        # as instants: datetime == refuses inter-zone equality in a repeated hour (PEP 495)
        assert pd.Timestamp(event["DTSTART"].dt) == stop.arrive
        assert pd.Timestamp(event["DTEND"].dt) == stop.leave
    # 01:40 EDT is the first 01:40 of the night: local time with TZID; 01:20 EST the second one
    assert "DTSTART;TZID=America/Toronto:20241103T014000" in text
    assert "DTEND:20241103T062000Z" in text
    assert "DTSTART:20241103T063500Z" in text
    assert "DTSTART;TZID=America/Toronto:20241102T223000" in text
    cal = icalendar.Calendar.from_ical(text)
    assert [str(v["TZID"]) for v in cal.walk("VTIMEZONE")] == [TORONTO]


def test_ics_utc_when_zone_is_not_iana() -> None:
    """A fixed-offset plan has no IANA zone: its times are written in UTC, without VTIMEZONE."""
    t = pd.Timestamp("2024-03-01 12:00+05:30")
    it = Itinerary((Stop(1, "A", 0.0, 0.0, t, t + pd.Timedelta(minutes=30)),), (), 0.0)
    text = to_ics(it)
    assert "VTIMEZONE" not in text
    assert "DTSTART:20240301T063000Z" in text
    [event] = _events(text)
    assert event["DTEND"].dt == t + pd.Timedelta(minutes=30)
    props = to_geojson(it)["features"][0]["properties"]
    assert props["arrive"] == "2024-03-01T12:00:00+05:30"  # GeoJSON keeps the offset


# --- all formats -----------------------------------------------------------------------------


def test_same_plan_gives_identical_files(paris_plan: list[Itinerary]) -> None:
    again = [Itinerary(it.stops, it.legs, it.score, it.score_parts, it.query) for it in paris_plan]
    assert to_gpx(paris_plan) == to_gpx(again)
    assert to_ics(paris_plan) == to_ics(again)
    assert json.dumps(to_geojson(paris_plan)) == json.dumps(to_geojson(again))


def test_itinerary_methods_call_the_exports(paris_day: Itinerary) -> None:
    assert paris_day.to_gpx(name="x") == to_gpx([paris_day], name="x")
    assert paris_day.to_geojson() == to_geojson([paris_day])
    assert paris_day.to_ics(name="x") == to_ics([paris_day], name="x")


def test_write_exports(tmp_path, paris_plan: list[Itinerary]) -> None:
    paths = write_exports(
        (it for it in paris_plan),  # a generator is read once for all formats
        gpx=tmp_path / "plan.gpx",
        geojson=str(tmp_path / "plan.geojson"),
        ics=tmp_path / "plan.ics",
    )
    assert paths == [tmp_path / "plan.gpx", tmp_path / "plan.geojson", tmp_path / "plan.ics"]
    assert paths[0].read_text(encoding="utf-8") == to_gpx(paris_plan)
    assert json.loads(paths[1].read_text(encoding="utf-8")) == to_geojson(paris_plan)
    assert paths[2].read_bytes() == to_ics(paris_plan).encode("utf-8")  # CRLF kept as is
    assert write_exports(paris_plan, ics=tmp_path / "only.ics") == [tmp_path / "only.ics"]
    assert not (tmp_path / "only.gpx").exists()
    with pytest.raises(InputError, match="at least one"):
        write_exports(paris_plan)
    naive = pd.Timestamp("2024-03-01 12:00")
    bad = Itinerary((Stop(1, "A", 0.0, 0.0, naive, naive),), (), 0.0)
    with pytest.raises(ValidationError):
        write_exports([bad], gpx=tmp_path / "bad.gpx", ics=tmp_path / "bad.ics")
    assert not (tmp_path / "bad.gpx").exists()  # nothing half-written
    with pytest.raises(InputError, match="cannot write"):
        write_exports(paris_plan, gpx=tmp_path / "missing" / "plan.gpx")


def test_invalid_input_is_rejected_with_reason(paris_day: Itinerary) -> None:
    with pytest.raises(InputError, match="empty"):
        to_gpx([])
    with pytest.raises(InputError, match="item 1 is dict"):
        to_ics([paris_day, {}])
    naive = pd.Timestamp("2024-03-01 12:00")
    with pytest.raises(ValidationError, match="time-zone aware"):
        to_geojson(Itinerary((Stop(1, "A", 0.0, 0.0, naive, naive),), (), 0.0))
    t = naive.tz_localize(PARIS)
    with pytest.raises(ValidationError, match="latitude"):
        to_gpx(Itinerary((Stop(1, "A", math.nan, 0.0, t, t),), (), 0.0))
