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


# --- issue 7: heat map, busy-hours chart, thumbnails, layer names, legs, off hours ---------------


def _heat_data(out: str) -> list[list[float]]:
    """The [lat, lon, weight] rows of the (single) L.heatLayer in the HTML."""
    match = re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", out, re.DOTALL)
    assert match, "no heat layer"
    return [[float(v) for v in row.split(",")] for row in re.findall(r"\[([^\[\]]+)\]", match[1])]


def test_heat_map_from_landmarks_is_weighted_by_photos(landmarks):
    """No photos given: one heat point per landmark, weight n_photos / max (120 → 1, 30 → .25);
    the layer is "Photo density" in the layer control; heatmap=False leaves it out."""
    out = _render([], landmarks)
    assert '"Photo density" : heat_map_' in out
    rows = sorted(_heat_data(out))
    assert len(rows) == 4
    weights = {(r[0], r[1]): r[2] for r in rows}
    assert weights[(LAT[0], LON[0])] == pytest.approx(1.0)
    assert weights[(LAT[1], LON[1])] == pytest.approx(0.25)
    assert "heatLayer" not in _render([], landmarks, heatmap=False)


def test_heat_map_from_photos_counts_rounded_positions(landmarks):
    """Photos at ~1 m from each other are merged: 3 photos at one spot (weight 1), 1 elsewhere
    (weight 1/3), a photo without position dropped; rows sorted, so the output is deterministic."""
    photos = pd.DataFrame(
        {
            "lat": [43.64260, 43.642601, 43.642599, 43.65, float("nan")],
            "lon": [-79.38710, -79.387101, -79.38710, -79.38, -79.0],
        }
    )
    rows = _heat_data(_render([], landmarks, photos=photos))
    assert rows == [[43.6426, -79.3871, 1.0], [43.65, -79.38, pytest.approx(1 / 3, abs=1e-4)]]
    with pytest.raises(ValidationError, match="heat map"):
        route_map([], landmarks, photos=pd.DataFrame({"x": [1]}))


def test_busy_hours_bar_chart(landmarks):
    """Each popup with hourly shares has 24 bars; the busiest hour is 100% high, an hour without
    photos a 2% stub; bar titles give hour and share."""
    out = _render([], landmarks)
    assert out.count('class="routeplan-hours"') == 4
    cn_tower = out[out.index("<b>CN Tower</b>") :]
    cn_tower = cn_tower[: cn_tower.index("</div></div>")]
    bars = re.findall(r'title="(\d\d):00 (\d+)%" style="flex:1;height:(\d+)%', cn_tower)
    assert len(bars) == 24
    assert ("14", "40", "100") in bars  # share 4/10, the peak
    assert ("09", "10", "25") in bars
    assert ("00", "0", "2") in bars


def test_cover_photo_thumbnail(landmarks, tmp_path, jpeg_writer):
    """With photos_root, a landmark whose cover photo exists gets an embedded JPEG thumbnail;
    a missing file, a path climbing out of the root, or no photos_root give none."""
    root = tmp_path / "photos"
    jpeg_writer(root / "ann" / "tower.jpg", lat=LAT[0], lon=LON[0])
    (tmp_path / "outside.jpg").write_bytes((root / "ann" / "tower.jpg").read_bytes())
    lm = landmarks.assign(cover_photo=["ann/tower.jpg", "ann/missing.jpg", "../outside.jpg", None])
    out = _render([], lm, photos_root=root)
    assert out.count('class="routeplan-thumb"') == 1
    assert 'alt="ann/tower.jpg"' in out
    assert 'src="data:image/jpeg;base64,/9j/' in out
    assert "routeplan-thumb" not in _render([], lm)


def _with(it: Itinerary, **query) -> Itinerary:
    return Itinerary(it.stops, it.legs, it.score, query=query)


def test_layers_named_by_day_and_alternative(tour, landmarks):
    """Days → "Day 1"/"Day 2"; alternatives → "Alternative 1"/"Alternative 2"; both → "Alternative
    2, day 1"; the summary titles follow the layer names."""
    days = [_with(tour, day=1, days=2, alternative=0), _with(tour, day=2, days=2, alternative=0)]
    out = _render(days, landmarks)
    assert '"Day 1" : feature_group_' in out and '"Day 2" : feature_group_' in out
    assert "</span> Day 2</b>" in out
    alts = [_with(tour, day=1, days=1, alternative=k) for k in (0, 1)]
    out = _render(alts, landmarks)
    assert '"Alternative 1" : feature_group_' in out and '"Alternative 2" : feature_group_' in out
    both = [_with(tour, day=d, days=2, alternative=a) for a in (0, 1) for d in (1, 2)]
    assert '"Alternative 2, day 1" : feature_group_' in _render(both, landmarks)
    one_day = [_with(tour, day=1, days=1, alternative=0)]
    assert '"Route" : feature_group_' in _render(one_day, landmarks)


def test_leg_tooltips_and_waits(landmarks):
    """Each leg has its own hover line with '<k> → <k+1>: time (observed|estimated), distance'
    and the wait when there is one; the stop popup and the summary show the wait too."""
    stops = tuple(
        Stop(i, NAMES[i], LAT[i], LON[i], _t(a), _t(b))
        for i, (a, b) in zip(
            [0, 1, 2], [("09:00", "09:30"), ("10:00", "10:20"), ("10:30", "11:00")], strict=True
        )
    )
    legs = (Leg(0, 1, 12.0, 900.0, True, wait_min=18.0), Leg(1, 2, 10.0, 700.0, False))
    out = _render(Itinerary(stops, legs, score=1.0), landmarks)
    assert out.count('"className": "routeplan-leg"') == 2
    assert out.count('"className": "routeplan-route"') == 1
    assert "1 → 2: 12 min (observed), 900 m, then 18 min wait" in out
    assert "2 → 3: 10 min (estimated), 700 m\n" in out
    assert "Travel in: 12 min (observed), 900 m, then 18 min wait" in out
    assert '<th style="text-align:left;padding-right:6px">Waiting</th><td>18 min</td>' in out


def test_off_hours_stop_is_flagged(landmarks):
    """An off-hours stop: note in its popup, mark in its tooltip and the summary, dashed ring."""
    stops = (
        Stop(0, "CN Tower", LAT[0], LON[0], _t("09:00"), _t("09:30")),
        Stop(1, "Night Spot", LAT[1], LON[1], _t("09:40"), _t("10:00"), off_hours=True),
    )
    out = _render(Itinerary(stops, (Leg(0, 1, 10.0, 800.0, True),), score=1.0), landmarks)
    assert "Off hours: few people visit at this time" in out
    assert "2. Night Spot (09:40) (off hours)" in out
    assert "<li>09:40–10:00 Night Spot <i>(off hours)</i></li>" in out
    assert out.count("border:2px dashed #ffb000") == 1


def test_unused_folium_assets_are_not_loaded(tour, landmarks):
    """Stops are DivIcons: AwesomeMarkers and glyphicon assets are not in the page; Leaflet is."""
    out = _render(tour, landmarks)
    assert "leaflet@1.9.3/dist/leaflet.js" in out
    for url in ("awesome-markers", "bootstrap-glyphicons", "leaflet.awesome.rotate"):
        assert url not in out
