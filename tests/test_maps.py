"""Tests of routeplan.maps: the Folium HTML map of itineraries and landmarks."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from routeplan import InputError, ValidationError
from routeplan._html import escape
from routeplan.itinerary import Itinerary, Leg, Stop
from routeplan.maps import route_map, save_map

TZ = "America/Toronto"
IMG = "<img src=x onerror=alert(1)>"
TPL = "${alert(2)}"
TICK = "Bob`s \\ Bar"
NAMES = ["CN Tower", IMG, TPL, TICK]
LAT = [43.6426, 43.6453, 43.6487, 43.6532]
LON = [-79.3871, -79.3806, -79.3817, -79.3832]


def _t(hhmm: str) -> pd.Timestamp:
    return pd.Timestamp(f"2024-06-01 {hhmm}", tz=TZ)


def _hourly(*peaks: int) -> list[float]:
    """Shares by hour with ``peaks`` in decreasing order of share (sum 1)."""
    shares = [0.0] * 24
    for rank, hour in enumerate(peaks):
        shares[hour] = float(len(peaks) - rank)
    total = sum(shares)
    return [s / total for s in shares]


@pytest.fixture
def landmarks() -> gpd.GeoDataFrame:
    """Four landmarks in downtown Toronto; three have hostile names. Popularity 1, .25, .5, .04."""
    return gpd.GeoDataFrame(
        {
            "landmark_id": [0, 1, 2, 3],
            "name": NAMES,
            "n_photos": [120, 30, 20, 8],
            "n_users": [40, 10, 20, 2],
            "popularity": [1.0, 0.25, 0.5, 0.04],
            "stay_min": [62.4, 30.0, 20.0, 15.0],
            "hourly": [_hourly(14, 15, 13, 9), _hourly(10), _hourly(20, 21), _hourly(12)],
            "lat": LAT,
            "lon": LON,
        },
        geometry=[Point(x, y) for x, y in zip(LON, LAT, strict=True)],
        crs="EPSG:4326",
    )


def _itinerary(ids: list[int], times: list[tuple[str, str]]) -> Itinerary:
    stops = tuple(
        Stop(i, NAMES[i], LAT[i], LON[i], _t(a), _t(b))
        for i, (a, b) in zip(ids, times, strict=True)
    )
    legs = tuple(Leg(k, k + 1, 10.0, 800.0, k % 2 == 0) for k in range(len(stops) - 1))
    return Itinerary(stops, legs, score=1.0)


@pytest.fixture
def tour() -> Itinerary:
    """CN Tower → the <img> place → the ${} place → Bob`s Bar, 09:00 to 11:50, 2.4 km."""
    return _itinerary(
        [0, 1, 2, 3],
        [("09:00", "10:00"), ("10:10", "10:40"), ("10:50", "11:10"), ("11:20", "11:50")],
    )


def _render(*args, **kwargs) -> str:
    return route_map(*args, **kwargs).get_root().render()


def test_stop_names_times_and_tooltips_appear(tour, landmarks):
    """Each stop's escaped name, its times and the tooltip '<n>. <name> (hh:mm)' are in the HTML."""
    out = _render(tour, landmarks)
    for n, stop in enumerate(tour.stops, start=1):
        assert escape(stop.name) in out
        assert f"{stop.arrive:%H:%M}–{stop.leave:%H:%M}" in out
        assert f"{n}. {escape(stop.name)} ({stop.arrive:%H:%M})" in out
    assert "<b>2. &lt;img src=x onerror=alert(1)&gt;</b>" in out
    assert "Travel in: 10 min (observed), 800 m" in out


def test_one_numbered_marker_per_stop(tour, landmarks):
    """Four stops → four markers, each with a DivIcon showing its number; four landmark circles."""
    out = _render(tour, landmarks)
    assert out.count("L.marker(") == 4
    assert out.count("L.divIcon(") == 4
    numbers = re.findall(r'font:bold 12px sans-serif\\"\\u003e(\d+)\\u003c/div', out)
    assert numbers == ["1", "2", "3", "4"]
    assert out.count("L.circleMarker(") == 4


def test_layer_names_and_control(tour, landmarks):
    """One itinerary is layer "Route"; the layer control lists it with "Landmarks", expanded."""
    out = _render(tour, landmarks)
    assert '"Landmarks" : feature_group_' in out
    assert '"Route" : feature_group_' in out
    assert '"collapsed": false' in out


def test_several_itineraries_get_numbered_layers_and_colours(tour, landmarks):
    """Two itineraries → layers "Route 1"/"Route 2", each drawn in its own colour."""
    other = _itinerary([2, 0], [("13:00", "13:30"), ("13:45", "14:00")])
    out = _render([tour, other], landmarks, colors=["#112233", "navy"])
    assert '"Route 1" : feature_group_' in out and '"Route 2" : feature_group_' in out
    assert '"color": "#112233"' in out and '"color": "navy"' in out
    assert out.count("L.marker(") == 6


def test_hostile_names_appear_only_escaped(tour, landmarks):
    """Raw <img ...>, ${...} and the backtick name are nowhere; their escaped forms are."""
    out = _render(tour, landmarks)
    for raw in (IMG, TPL, TICK, "Bob`s", "${"):
        assert raw not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "&#36;{alert(2)}" in out
    assert "Bob&#96;s &#92; Bar" in out


def test_landmark_popup_contents(landmarks):
    """Popup: name, visitors, photos, stay rounded ('62 min') and the three busiest hours."""
    out = _render([], landmarks)
    assert (
        "<b>CN Tower</b><br>Visitors: 40<br>Photos: 120<br>Typical stay: 62 min"
        "<br>Busy hours (local): 14:00, 15:00, 13:00" in out
    )
    # Only hours with photos are listed.
    assert "Busy hours (local): 10:00<" in out
    assert "Busy hours (local): 20:00, 21:00<" in out


def test_landmark_radius_scales_with_sqrt_popularity(landmarks):
    """Radius 5 + 15·sqrt(popularity): 1 → 20, .25 → 12.5, .04 → 8."""
    out = _render([], landmarks)
    radii = [float(r) for r in re.findall(r'"radius": ([\d.]+)', out)]
    assert radii[0] == pytest.approx(20.0)
    assert radii[1] == pytest.approx(12.5)
    assert radii[3] == pytest.approx(8.0)


def test_landmarks_without_optional_columns_render(landmarks):
    """Without hourly, stay_min, popularity, n_photos the circles still render (size by users)."""
    bare = landmarks.drop(columns=["hourly", "stay_min", "popularity", "n_photos"])
    out = _render([], bare)
    assert out.count("L.circleMarker(") == 4
    assert "Busy hours" not in out and "Typical stay" not in out
    assert "<b>CN Tower</b><br>Visitors: 40</div>" in out
    radii = [float(r) for r in re.findall(r'"radius": ([\d.]+)', out)]
    assert radii[0] == pytest.approx(20.0)  # n_users 40 = max → popularity 1


def test_zero_itineraries_fit_the_landmarks(landmarks):
    """No itinerary: only the Landmarks layer, no summary box, bounds around all landmarks."""
    out = _render([], landmarks)
    assert "L.marker(" not in out
    assert '"Route' not in out
    assert "routeplan-summary" not in out
    assert f"[[{min(LAT)}, {min(LON)}], [{max(LAT)}, {max(LON)}]]" in out


def test_single_landmark_gets_a_fixed_zoom(landmarks):
    """A one-row landmarks table: centred on it at zoom 16, no fitBounds."""
    out = _render([], landmarks.iloc[[0]])
    assert "fitBounds" not in out
    assert f"center: [{LAT[0]}, {LON[0]}]" in out
    assert '"zoom": 16' in out


def test_bounds_follow_the_stops_not_all_landmarks(landmarks):
    """With an itinerary over stops 0 and 1, the map fits those two stops only."""
    it = _itinerary([0, 1], [("09:00", "09:30"), ("09:40", "10:00")])
    out = _render(it, landmarks)
    assert f"[[{LAT[0]}, {LON[0]}], [{LAT[1]}, {LON[1]}]]" in out


def test_show_only_route_landmarks(landmarks):
    """show_all_landmarks=False keeps only the circles of landmarks the route stops at."""
    it = _itinerary([0, 2], [("09:00", "09:30"), ("09:40", "10:00")])
    out = _render(it, landmarks, show_all_landmarks=False)
    assert out.count("L.circleMarker(") == 2


def test_round_trip_shows_both_numbers(landmarks):
    """Start and end at the CN Tower: markers 1 and 3 both exist, the 3 shifted beside the 1."""
    it = _itinerary([0, 1, 0], [("09:00", "09:30"), ("09:40", "10:00"), ("10:10", "10:10")])
    out = _render(it, landmarks)
    assert out.count("L.marker(") == 3
    assert "1. CN Tower (09:00)" in out and "3. CN Tower (10:10)" in out
    anchors = re.findall(r'"iconAnchor": \[(-?\d+), (-?\d+)\]', out)
    assert anchors[0] == anchors[1] == ("13", "13")
    assert int(anchors[2][0]) < 0  # drawn to the right of stop 1's icon


def test_single_stop_itinerary(landmarks):
    """One stop: one marker, no route line, fixed zoom on it."""
    it = _itinerary([2], [("09:00", "09:30")])
    out = _render(it, landmarks)
    assert out.count("L.marker(") == 1
    assert "L.polyline(" not in out
    assert "fitBounds" not in out


def test_summary_box(tour, landmarks):
    """The fixed box lists date and zone, start, end, total time, distance and every stop."""
    out = _render(tour, landmarks)
    box = out[out.index('<div class="routeplan-summary"') :]
    box = box[: box.index("</body>")]
    assert "position:fixed" in box
    assert "<td>2024-06-01 (America/Toronto)</td>" in box
    assert "<td>09:00 CN Tower</td>" in box
    assert "<td>11:50 Bob&#96;s &#92; Bar</td>" in box
    assert "<td>2 h 50 min</td>" in box
    assert "<td>2.4 km</td>" in box
    assert box.count("<li>") == 4
    assert "<li>10:50–11:10 &#36;{alert(2)}</li>" in box


def test_output_is_deterministic_and_names_resolve(tour, landmarks):
    """Two builds give identical HTML; every JS variable used is declared (ids were renumbered)."""
    first, second = _render(tour, landmarks), _render(tour, landmarks)
    assert first == second
    script = first[first.index("<script>\n") :]
    used = set(re.findall(r"\b([a-z_]+_\d{4})\b", script))
    declared = set(re.findall(r"\b(?:var|let) ([a-z_]+_\d{4})\b", script))
    assert used and used <= declared
    assert not re.search(r"_[0-9a-f]{32}\b", first)


def test_geometry_only_landmarks_in_another_crs(landmarks):
    """Without lat/lon columns the geometry is used, reprojected to WGS84 first."""
    projected = landmarks.drop(columns=["lat", "lon"]).to_crs("EPSG:3857")
    out = _render([], projected)
    lat0, lon0 = (
        float(v) for v in re.search(r"L.circleMarker\(\s*\[([-\d.]+), ([-\d.]+)\]", out).groups()
    )
    assert lat0 == pytest.approx(LAT[0]) and lon0 == pytest.approx(LON[0])


def test_save_map_writes_the_html(tour, landmarks, tmp_path):
    """save_map creates missing directories, writes the rendered page and returns the path;
    saving the same map again writes the same bytes (the map is not mutated by saving)."""
    m = route_map(tour, landmarks)
    path = save_map(m, tmp_path / "out" / "route.html")
    assert path == tmp_path / "out" / "route.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text == _render(tour, landmarks)
    again = save_map(m, tmp_path / "again.html")
    assert again.read_text(encoding="utf-8") == text


def test_save_map_to_a_directory_is_an_input_error(tour, landmarks, tmp_path):
    """Writing onto an existing directory raises InputError naming the path."""
    with pytest.raises(InputError, match="cannot write the map"):
        save_map(route_map(tour, landmarks), tmp_path)


@pytest.mark.parametrize("colors", [[], ["red;background:url(x)"], ['"><script>']])
def test_invalid_colours_are_rejected(tour, landmarks, colors):
    """Colours reach style attributes, so anything but #hex or a name is an InputError."""
    with pytest.raises(InputError, match=r"colou?r"):
        route_map(tour, landmarks, colors=colors)


def test_wrong_inputs(landmarks):
    """Non-itineraries → InputError; landmarks without a position → ValidationError."""
    with pytest.raises(InputError, match="Itinerary"):
        route_map(["not an itinerary"], landmarks)
    with pytest.raises(ValidationError, match="lat"):
        route_map([], pd.DataFrame({"name": ["x"]}))
