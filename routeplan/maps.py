"""Interactive HTML maps of itineraries and landmarks (Folium / Leaflet).

The map has a layer of landmarks (circles sized by popularity, a popup with the busy hours as a
small bar chart and the cover photo as a thumbnail), a photo-density heat map, one layer per
itinerary (named by day or alternative), a layer switcher and a fixed summary panel.

Every piece of text that comes from data (landmark and stop names, and even the
times and numbers formatted here) goes through :func:`routeplan._html.escape`, because folium
inserts popup and tooltip content raw into HTML inside JavaScript template literals.

The rendered HTML is deterministic: folium names its JavaScript variables with random ids, and
:func:`route_map` renumbers them, so the same input gives byte-identical HTML.
"""

from __future__ import annotations

import base64
import copy
import io
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import branca.element
import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.template import Template

from ._errors import InputError, ValidationError
from ._geo import distance_matrix_m
from ._html import escape
from .itinerary import Itinerary

__all__ = ["route_map", "save_map"]

logger = logging.getLogger(__name__)

#: Route colours, used in turn (cycled when there are more itineraries than colours).
ROUTE_COLORS: tuple[str, ...] = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
)
#: Outline and fill colour of the landmark circles.
LANDMARK_COLOR: str = "#3b4a5a"
#: Circle radius in pixels: ``MIN + SPAN * sqrt(popularity)``, so the area grows about linearly
#: with popularity; a landmark of unknown popularity gets ``MIN``.
LANDMARK_RADIUS_MIN_PX: float = 5.0
LANDMARK_RADIUS_SPAN_PX: float = 15.0
#: Zoom level of a map that shows a single place.
SINGLE_POINT_ZOOM: int = 16
#: fit_bounds never zooms in further than this (two stops 20 m apart stay in their street).
MAX_FIT_ZOOM: int = 17
#: Side of the cover-photo thumbnail in landmark popups, in pixels (the longer side).
THUMBNAIL_PX: int = 120
#: Heat-map points: photo positions are rounded to this many decimals (about 1 m) and counted.
HEAT_DECIMALS: int = 5
#: Bar colour of the busy-hours chart in landmark popups.
BAR_COLOR: str = "#5b7083"
#: folium default assets the map does not use (no AwesomeMarkers icons: stops are DivIcons), so
#: the page does not load them.
UNUSED_ASSETS: frozenset[str] = frozenset(
    {"awesome_markers", "awesome_markers_css", "awesome_rotate_css", "glyphicons_css"}
)
#: Popup note of a stop whose visit begins when nobody photographs the place (``Stop.off_hours``).
OFF_HOURS_NOTE: str = "Off hours: few people visit at this time"
#: Short mark of an off-hours stop in tooltips and the summary.
OFF_HOURS_MARK: str = "(off hours)"
#: Stops closer than this share a place (a round trip): their numbered icons are set side by side.
SAME_PLACE_M: float = 10.0

_MARKER_PX = 26
_COLOR_RE = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,30}")


def route_map(
    itineraries: Itinerary | Sequence[Itinerary],
    landmarks: gpd.GeoDataFrame,
    *,
    tiles: str = "OpenStreetMap",
    photos: pd.DataFrame | None = None,
    photos_root: str | os.PathLike[str] | None = None,
    heatmap: bool = True,
    show_all_landmarks: bool = True,
    colors: Sequence[str] | None = None,
) -> folium.Map:
    """Draw itineraries and landmarks on an interactive Folium map.

    Parameters
    ----------
    itineraries
        One itinerary or a sequence of them (possibly empty: a map of the landmarks only).
    landmarks
        The landmarks table. Needs a position (``lat``/``lon`` columns, else a Point geometry);
        ``name``, ``n_users``, ``n_photos``, ``popularity``, ``stay_min`` and ``hourly`` are shown
        when present.
    tiles
        Folium tile set name or URL template (default OpenStreetMap).
    photos
        The photos table (``lat``/``lon`` columns or Point geometry) for the photo-density heat
        map. Without it the heat map is drawn from the landmarks, weighted by ``n_photos``.
    photos_root
        The folder the photos were read from. When given, each landmark popup shows its
        ``cover_photo`` (a photo_id, relative to this folder) as a small embedded thumbnail, if the
        file exists and Pillow is installed; otherwise the thumbnail is left out.
    heatmap
        Add the "Photo density" heat-map layer.
    show_all_landmarks
        If false, the Landmarks layer shows only the landmarks the itineraries stop at.
    colors
        CSS colours (``#rgb``, ``#rrggbb`` or a colour name) of the routes, used in turn;
        default :data:`ROUTE_COLORS`.

    Returns
    -------
    folium.Map
        Layers "Landmarks", "Photo density" and one per itinerary, a layer control and a
        summary panel. An itinerary's layer is named from its query: "Day 2" for a day of a
        multi-day plan, "Alternative 1" for one of several alternatives ("Alternative 1, day 2"
        for both), else "Route" (or "Route 1", "Route 2", ...). Save it with :func:`save_map`.

    Raises
    ------
    InputError
        If ``itineraries`` holds something other than itineraries or a colour is not valid CSS.
    ValidationError
        If ``landmarks`` has no usable position columns.

    Notes
    -----
    Landmark circles have a radius of ``5 + 15 * sqrt(popularity)`` pixels. Their popup lists the
    name, visitors (``n_users``), photos, typical stay, the three busiest local hours and a bar
    chart of the 24 hourly shares. Each stop gets a marker numbered in visiting order, so a round
    trip's start and end (the same place) show both numbers, side by side; its popup gives the
    arrival and leave times, the leg that led there and any wait, and flags an off-hours visit.
    Each leg carries a tooltip (travel time, observed or estimated, distance, wait) on hover.
    """
    routes = _as_itineraries(itineraries)
    palette = _check_colors(colors)
    lm = _landmark_table(landmarks)

    if not show_all_landmarks:
        on_route = {i for it in routes for i in it.landmark_ids}
        lm = lm[lm["landmark_id"].isin(on_route)]

    stop_points = [(s.lat, s.lon) for it in routes for s in it.stops]
    points = stop_points or list(zip(lm["lat"], lm["lon"], strict=True))
    m = _base_map(points, tiles=tiles)

    root = Path(photos_root) if photos_root is not None else None
    _landmark_layer(lm, photos_root=root).add_to(m)
    if heatmap:
        heat = _heat_points(photos, lm)
        if heat:
            folium.plugins.HeatMap(
                heat, name="Photo density", min_opacity=0.3, radius=18, blur=14, show=True
            ).add_to(m)
    names = _layer_names(routes)
    for k, (it, name) in enumerate(zip(routes, names, strict=True)):
        _route_layer(it, name=name, color=palette[k % len(palette)]).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if routes:
        m.add_child(_SummaryBox(_summary_html(routes, names, palette)))

    _stable_ids(m)
    return m


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write a map as a standalone HTML file (UTF-8), creating missing parent directories.

    The map itself is not changed, so saving it twice writes identical files.

    Parameters
    ----------
    m
        A map, e.g. from :func:`route_map`.
    path
        Output file, conventionally ending in ``.html``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError
        If the file cannot be written (e.g. the path is a directory or not writable).
    """
    out = Path(path)
    # folium's render() adds to the figure each time it runs (a second render repeats script
    # lines); rendering a copy leaves ``m`` as it was, so saving twice writes the same bytes.
    html = copy.deepcopy(m.get_root()).render()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the map to {str(out)!r}: {exc.strerror or exc}") from exc
    logger.info("wrote map to %s (%d bytes)", out, len(html.encode("utf-8")))
    return out


# --- inputs ----------------------------------------------------------------------------------


def _as_itineraries(itineraries: Itinerary | Sequence[Itinerary] | None) -> list[Itinerary]:
    if itineraries is None:
        return []
    if isinstance(itineraries, Itinerary):
        return [itineraries]
    routes = list(itineraries)
    bad = [type(it).__name__ for it in routes if not isinstance(it, Itinerary)]
    if bad:
        raise InputError(
            f"route_map expects Itinerary objects (from routeplan.plan), got {', '.join(bad)}"
        )
    return routes


def _check_colors(colors: Sequence[str] | None) -> list[str]:
    if colors is None:
        return list(ROUTE_COLORS)
    if isinstance(colors, str):
        colors = [colors]
    palette = list(colors)
    if not palette:
        raise InputError("colors is empty; give at least one CSS colour or leave it unset")
    bad = [c for c in palette if not isinstance(c, str) or not _COLOR_RE.fullmatch(c)]
    if bad:
        raise InputError(
            f"invalid route colour(s) {bad!r}: use '#rgb', '#rrggbb' or a CSS colour name"
        )
    return palette


def _landmark_table(landmarks: gpd.GeoDataFrame) -> pd.DataFrame:
    """Landmarks as a plain frame with landmark_id, name, lat, lon (WGS84), rows with a position."""
    if not isinstance(landmarks, pd.DataFrame):
        raise ValidationError(
            "landmarks must be a GeoDataFrame (from find_landmarks), "
            f"got {type(landmarks).__name__}"
        )
    df = pd.DataFrame(landmarks).copy()
    if {"lat", "lon"} <= set(df.columns):
        lat = pd.to_numeric(df["lat"], errors="coerce")
        lon = pd.to_numeric(df["lon"], errors="coerce")
    elif isinstance(landmarks, gpd.GeoDataFrame) and landmarks.geometry.name in landmarks:
        geom = landmarks.geometry
        if geom.crs is not None and not geom.crs.equals("EPSG:4326"):
            geom = geom.to_crs("EPSG:4326")
        centre = geom.representative_point()
        lat, lon = centre.y, centre.x
    else:
        raise ValidationError(
            "landmarks need 'lat' and 'lon' columns or a Point geometry; "
            f"got columns {list(df.columns)}"
        )
    df["lat"] = np.asarray(lat, dtype=float)
    df["lon"] = np.asarray(lon, dtype=float)
    if "landmark_id" not in df:
        df["landmark_id"] = np.arange(len(df))
    if "name" not in df:
        df["name"] = None
    df["name"] = df["name"].where(df["name"].notna(), "Landmark " + df["landmark_id"].astype(str))
    ok = np.isfinite(df["lat"].to_numpy()) & np.isfinite(df["lon"].to_numpy())
    if not ok.all():
        logger.warning("%d landmark(s) without a position are not drawn", int((~ok).sum()))
    return df[ok]


# --- map and layers --------------------------------------------------------------------------


def _base_map(points: Sequence[tuple[float, float]], *, tiles: str) -> folium.Map:
    """A map framing ``points`` (lat, lon): fit to their bounds, or a fixed zoom on one place."""
    if not points:
        logger.warning("nothing to draw: no itinerary stops and no landmarks")
        return _folium_map([0.0, 0.0], 2, tiles)
    arr = np.asarray(points, dtype=float)
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    centre = ((lo + hi) / 2).tolist()
    m = _folium_map(centre, SINGLE_POINT_ZOOM, tiles)
    if (hi > lo).any():
        m.fit_bounds([lo.tolist(), hi.tolist()], padding=(30, 30), max_zoom=MAX_FIT_ZOOM)
    return m


def _folium_map(centre: list[float], zoom: int, tiles: str) -> folium.Map:
    try:
        m = folium.Map(location=centre, zoom_start=zoom, tiles=tiles, control_scale=True)
    except ValueError as exc:
        raise InputError(
            f"cannot use tiles={tiles!r} ({exc}); give a folium tile set name such as "
            "'OpenStreetMap' or 'CartoDB positron'"
        ) from exc
    m.default_js = [(k, v) for k, v in m.default_js if k not in UNUSED_ASSETS]
    m.default_css = [(k, v) for k, v in m.default_css if k not in UNUSED_ASSETS]
    return m


def _layer_names(routes: Sequence[Itinerary]) -> list[str]:
    """Layer names from the queries: "Day d", "Alternative a", both, or "Route [k]"."""
    days = [_query_int(it, "day") for it in routes]
    alts = [_query_int(it, "alternative") for it in routes]
    multi_day = any(d is not None for d in days) and (
        len({d for d in days if d is not None}) > 1
        or any((_query_int(it, "days") or 1) > 1 for it in routes)
    )
    multi_alt = len({a for a in alts if a is not None}) > 1
    names = []
    for k, (day, alt) in enumerate(zip(days, alts, strict=True)):
        if multi_alt and alt is not None and multi_day and day is not None:
            names.append(f"Alternative {alt + 1}, day {day}")
        elif multi_alt and alt is not None:
            names.append(f"Alternative {alt + 1}")
        elif multi_day and day is not None:
            names.append(f"Day {day}")
        else:
            names.append("Route" if len(routes) == 1 else f"Route {k + 1}")
    # Layer names key the layer control: make repeats unique.
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if names.count(name) == 1 else f"{name} ({seen[name]})")
    return unique


def _query_int(it: Itinerary, key: str) -> int | None:
    value = it.query.get(key) if isinstance(it.query, Mapping) else None
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _heat_points(photos: pd.DataFrame | None, lm: pd.DataFrame) -> list[list[float]]:
    """[lat, lon, weight] rows for the heat map, weights scaled to a maximum of 1.

    From the photos (positions rounded to :data:`HEAT_DECIMALS` and counted, sorted, so the output
    is deterministic and small), else from the landmarks weighted by ``n_photos``.
    """
    if photos is not None:
        if {"lat", "lon"} <= set(photos.columns):
            lat = pd.to_numeric(photos["lat"], errors="coerce").to_numpy(dtype=float)
            lon = pd.to_numeric(photos["lon"], errors="coerce").to_numpy(dtype=float)
        elif isinstance(photos, gpd.GeoDataFrame) and photos.geometry.name in photos:
            geom = photos.geometry
            if geom.crs is not None and not geom.crs.equals("EPSG:4326"):
                geom = geom.to_crs("EPSG:4326")
            lat, lon = geom.y.to_numpy(dtype=float), geom.x.to_numpy(dtype=float)
        else:
            raise ValidationError(
                "photos need 'lat' and 'lon' columns or a Point geometry for the heat map; "
                f"got columns {list(photos.columns)}"
            )
        weight = np.ones(len(lat))
    else:
        lat, lon = lm["lat"].to_numpy(dtype=float), lm["lon"].to_numpy(dtype=float)
        if "n_photos" in lm:
            weight = pd.to_numeric(lm["n_photos"], errors="coerce").to_numpy(dtype=float)
        else:
            weight = np.ones(len(lm))
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(weight) & (weight > 0)
    if not ok.any():
        return []
    df = pd.DataFrame(
        {
            "lat": np.round(lat[ok], HEAT_DECIMALS),
            "lon": np.round(lon[ok], HEAT_DECIMALS),
            "w": weight[ok],
        }
    )
    agg = df.groupby(["lat", "lon"], sort=True)["w"].sum().reset_index()
    agg["w"] = (agg["w"] / agg["w"].max()).round(4)
    return agg[["lat", "lon", "w"]].to_numpy(dtype=float).tolist()


def _landmark_layer(lm: pd.DataFrame, *, photos_root: Path | None) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name="Landmarks")
    radius = _landmark_radius_px(lm)
    popups = _landmark_popups(lm, photos_root=photos_root)
    names = lm["name"].tolist()
    for lat, lon, r, popup, name in zip(
        lm["lat"].tolist(), lm["lon"].tolist(), radius.tolist(), popups, names, strict=True
    ):
        folium.CircleMarker(
            location=(lat, lon),
            radius=r,
            color=LANDMARK_COLOR,
            weight=1,
            fill=True,
            fill_color=LANDMARK_COLOR,
            fill_opacity=0.35,
            popup=folium.Popup(popup, max_width=300),
            tooltip=folium.Tooltip(escape(name)),
        ).add_to(layer)
    return layer


def _landmark_radius_px(lm: pd.DataFrame) -> np.ndarray:
    """``5 + 15 * sqrt(popularity)`` px; without a popularity column, n_users / max n_users."""
    if "popularity" in lm:
        pop = pd.to_numeric(lm["popularity"], errors="coerce").to_numpy(dtype=float)
    elif "n_users" in lm:
        users = pd.to_numeric(lm["n_users"], errors="coerce").to_numpy(dtype=float)
        top = np.nanmax(users) if np.isfinite(users).any() else np.nan
        pop = users / top if top > 0 else np.full(len(lm), np.nan)
    else:
        pop = np.full(len(lm), np.nan)
    pop = np.clip(np.nan_to_num(pop, nan=0.0), 0.0, 1.0)
    return LANDMARK_RADIUS_MIN_PX + LANDMARK_RADIUS_SPAN_PX * np.sqrt(pop)


def _landmark_popups(lm: pd.DataFrame, *, photos_root: Path | None = None) -> list[str]:
    """Popup HTML of every landmark; optional columns that are missing are left out."""
    lines: list[list[str]] = [[f"<b>{escape(name)}</b>"] for name in lm["name"]]

    def add(label: str, values: Sequence[str]) -> None:
        for row, value in zip(lines, values, strict=True):
            if value:
                row.append(f"{escape(label)}: {escape(value)}")

    for col, label in (("n_users", "Visitors"), ("n_photos", "Photos")):
        if col in lm:
            add(label, _fmt_int(lm[col]))
    if "stay_min" in lm:
        stay = pd.to_numeric(lm["stay_min"], errors="coerce")
        add("Typical stay", [f"{v:.0f} min" if np.isfinite(v) else "" for v in stay])
    if "hourly" in lm:
        add("Busy hours (local)", [_busy_hours(h) for h in lm["hourly"]])
        for row, hourly in zip(lines, lm["hourly"], strict=True):
            chart = _hourly_chart(hourly)
            if chart:
                row.append(chart)
    if photos_root is not None and "cover_photo" in lm:
        for row, photo_id in zip(lines, lm["cover_photo"], strict=True):
            thumb = _thumbnail_html(photos_root, photo_id)
            if thumb:
                row.append(thumb)
    return ["<br>".join(row) for row in lines]


def _hourly_chart(hourly: Any) -> str:
    """24 bars (one per local hour, height ∝ share) as plain HTML; "" if there are no shares."""
    try:
        shares = np.asarray(hourly, dtype=float)
    except (TypeError, ValueError):
        return ""
    if shares.shape != (24,) or not np.isfinite(shares).all() or shares.max() <= 0:
        return ""
    height = np.round(100 * shares / shares.max()).astype(int)
    bars = "".join(
        f'<div title="{h:02d}:00 {100 * share:.0f}%" style="flex:1;height:{max(pct, 2)}%;'
        f'background:{BAR_COLOR if pct > 0 else "#e3e7eb"}"></div>'
        for h, (share, pct) in enumerate(zip(shares.tolist(), height.tolist(), strict=True))
    )
    axis = "".join(f'<span style="flex:6">{h:02d}</span>' for h in range(0, 24, 6))
    return (
        '<div class="routeplan-hours" style="width:168px;margin-top:4px">'
        f'<div style="display:flex;align-items:flex-end;gap:1px;height:32px">{bars}</div>'
        f'<div style="display:flex;font-size:9px;color:#666">{axis}</div></div>'
    )


def _thumbnail_html(root: Path, photo_id: Any) -> str:
    """An <img> of the photo as a small base64 JPEG, or "" (no Pillow, no such file, not a photo).

    ``photo_id`` must stay inside ``root``: an id that climbs out of it (``..``) is ignored.
    """
    if not isinstance(photo_id, str) or not photo_id:
        return ""
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:
        return ""
    base = root.resolve()
    path = (base / photo_id).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        logger.debug("no cover photo %r under %s", photo_id, root)
        return ""
    try:
        with Image.open(path) as img:
            thumb = ImageOps.exif_transpose(img).convert("RGB")
            thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            buf = io.BytesIO()
            thumb.save(buf, format="JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        logger.debug("cannot make a thumbnail of %s: %s", path, exc)
        return ""
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<img class="routeplan-thumb" alt="{escape(photo_id)}" width="{thumb.width}" '
        f'height="{thumb.height}" style="margin-top:4px;border-radius:3px" '
        f'src="data:image/jpeg;base64,{data}">'
    )


def _fmt_int(values: pd.Series) -> list[str]:
    num = pd.to_numeric(values, errors="coerce")
    return [f"{v:,.0f}" if np.isfinite(v) else "" for v in num]


def _busy_hours(hourly: Any, *, top: int = 3) -> str:
    """The ``top`` local hours with the largest share, busiest first (ties: earlier hour first)."""
    try:
        shares = np.asarray(hourly, dtype=float)
    except (TypeError, ValueError):
        return ""
    if shares.shape != (24,) or not np.isfinite(shares).all():
        return ""
    order = np.argsort(-shares, kind="stable")[:top]
    return ", ".join(f"{h:02d}:00" for h in order if shares[h] > 0)


def _leg_text(leg: Any) -> str:
    """'10 min (observed), 800 m' plus ', then 5 min wait' when the leg ends in a wait."""
    how = "observed" if leg.observed else "estimated"
    text = f"{_fmt_duration(leg.travel_min)} ({how}), {_fmt_km(leg.distance_m)}"
    if leg.wait_min > 0:
        text += f", then {_fmt_duration(leg.wait_min)} wait"
    return text


def _route_layer(it: Itinerary, *, name: str, color: str) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=name)
    locations = [(s.lat, s.lon) for s in it.stops]
    if len(locations) >= 2:
        # The route: one line per itinerary; estimated legs are marked by dashed hover lines.
        folium.PolyLine(
            locations,
            color=color,
            weight=4,
            opacity=0.8,
            class_name="routeplan-route",
            tooltip=folium.Tooltip(
                escape(f"{name}: {len(it.stops)} stops, {_fmt_duration(it.total_min)}")
            ),
        ).add_to(layer)
        # Legs: a wide, nearly transparent line over each leg carries its tooltip on hover.
        for k, leg in enumerate(it.legs):
            a, b = it.stops[k], it.stops[k + 1]
            folium.PolyLine(
                [(a.lat, a.lon), (b.lat, b.lon)],
                color=color,
                weight=12,
                opacity=0.01 if leg.observed else 0.35,
                dash_array=None if leg.observed else "4 10",
                class_name="routeplan-leg",
                tooltip=folium.Tooltip(escape(f"{k + 1} → {k + 2}: {_leg_text(leg)}"), sticky=True),
            ).add_to(layer)

    # Stops at an earlier stop's place (a round trip's end) get their icon shifted right.
    close = distance_matrix_m([s.lat for s in it.stops], [s.lon for s in it.stops]) < SAME_PLACE_M
    shift = np.tril(close, k=-1).sum(axis=1)
    half = _MARKER_PX // 2
    for i, stop in enumerate(it.stops):
        n = i + 1
        travel = "Start" if i == 0 else f"Travel in: {_leg_text(it.legs[i - 1])}"
        lines = [
            f"<b>{escape(n)}. {escape(stop.name)}</b>",
            f"Arrive {escape(_hm(stop.arrive))}, leave {escape(_hm(stop.leave))} "
            f"({escape(_fmt_duration(stop.stay_min))})",
            escape(travel),
        ]
        if stop.off_hours:
            lines.append(f'<span style="color:#b35900">{escape(OFF_HOURS_NOTE)}</span>')
        popup = "<br>".join(lines)
        icon = folium.DivIcon(
            html=(
                f'<div style="box-sizing:border-box;width:{_MARKER_PX}px;height:{_MARKER_PX}px;'
                f"border-radius:50%;background:{escape(color)};color:#fff;"
                f"border:2px {'dashed #ffb000' if stop.off_hours else 'solid #fff'};"
                f"box-shadow:0 0 3px rgba(0,0,0,.6);text-align:center;"
                f'line-height:{_MARKER_PX - 4}px;font:bold 12px sans-serif">{escape(n)}</div>'
            ),
            icon_size=(_MARKER_PX, _MARKER_PX),
            icon_anchor=(half - int(shift[i]) * (_MARKER_PX - 4), half),
            class_name="routeplan-stop",
        )
        folium.Marker(
            location=(stop.lat, stop.lon),
            icon=icon,
            popup=folium.Popup(popup, max_width=300),
            tooltip=folium.Tooltip(
                escape(f"{n}. {stop.name} ({_hm(stop.arrive)})")
                + (f" {escape(OFF_HOURS_MARK)}" if stop.off_hours else "")
            ),
        ).add_to(layer)
    return layer


# --- summary box -----------------------------------------------------------------------------


class _SummaryBox(branca.element.MacroElement):
    """A fixed box of ready-made (already escaped) HTML in the page body."""

    _template = Template("{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}")

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "RouteplanSummary"
        self.content = content


def _summary_html(routes: Sequence[Itinerary], names: Sequence[str], palette: Sequence[str]) -> str:
    blocks = []
    for k, (it, title) in enumerate(zip(routes, names, strict=True)):
        color = palette[k % len(palette)]
        first, last = it.stops[0], it.stops[-1]
        tz = getattr(it.start_time, "tz", None)
        rows = [
            ("Date", f"{it.start_time:%Y-%m-%d}" + (f" ({tz})" if tz is not None else "")),
            ("Start", f"{_hm(first.arrive)} {first.name}"),
            ("End", f"{_hm(last.leave)} {last.name}"),
            ("Total time", _fmt_duration(it.total_min)),
            ("Walking distance", _fmt_km(it.distance_m)),
        ]
        if it.wait_min > 0:
            rows.append(("Waiting", _fmt_duration(it.wait_min)))
        table = "".join(
            f'<tr><th style="text-align:left;padding-right:6px">{escape(label)}</th>'
            f"<td>{escape(value)}</td></tr>"
            for label, value in rows
        )
        stops = "".join(
            f"<li>{escape(_hm(s.arrive))}–{escape(_hm(s.leave))} {escape(s.name)}"
            + (f" <i>{escape(OFF_HOURS_MARK)}</i>" if s.off_hours else "")
            + "</li>"
            for s in it.stops
        )
        blocks.append(
            f'<div><b><span style="color:{escape(color)}">&#9679;</span> {escape(title)}</b>'
            f'<table style="border-collapse:collapse">{table}</table>'
            f'<ol style="margin:4px 0 0 0;padding-left:22px">{stops}</ol></div>'
        )
    return (
        '<div class="routeplan-summary" style="position:fixed;bottom:52px;left:10px;z-index:1000;'
        "max-width:320px;max-height:45%;overflow:auto;background:rgba(255,255,255,.92);"
        "padding:6px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);"
        'font:12px/1.35 sans-serif">' + '<hr style="margin:6px 0">'.join(blocks) + "</div>"
    )


# --- formatting ------------------------------------------------------------------------------


def _hm(ts: Any) -> str:
    return pd.Timestamp(ts).strftime("%H:%M")


def _fmt_duration(minutes: float) -> str:
    total = round(float(minutes))
    h, mins = divmod(total, 60)
    if h == 0:
        return f"{mins} min"
    return f"{h} h" if mins == 0 else f"{h} h {mins} min"


def _fmt_km(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


# --- deterministic output --------------------------------------------------------------------


def _stable_ids(m: folium.Map) -> None:
    """Replace folium's random element ids with sequential ones, so the HTML is reproducible.

    Walks the whole figure (children and element-valued attributes such as a popup's ``html``)
    in insertion order; children dicts keyed by an element's old name are re-keyed, because folium
    uses those keys as JavaScript variable names.
    """
    seen: set[int] = set()
    todo: list[branca.element.Element] = [m.get_root()]
    renamed: list[tuple[branca.element.Element, str]] = []
    while todo:
        el = todo.pop(0)
        if id(el) in seen:
            continue
        seen.add(id(el))
        renamed.append((el, el.get_name()))
        el._id = f"{len(renamed):04d}"
        for key, value in vars(el).items():
            if key != "_parent" and isinstance(value, branca.element.Element):
                todo.append(value)
        todo.extend(el._children.values())
    old_names = {id(el): old for el, old in renamed}
    for el, _ in renamed:
        if el._children:
            el._children = type(el._children)(
                (child.get_name() if old_names.get(id(child)) == key else key, child)
                for key, child in el._children.items()
            )
