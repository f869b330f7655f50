"""Itineraries as files other tools read: GPX 1.1, GeoJSON (RFC 7946) and iCalendar (RFC 5545).

Every format is written with the standard library only (``xml.etree``, ``json``, plain text), so
exporting adds no runtime dependency. The output is deterministic: the same itineraries give the
same text byte for byte (no current time, no random identifiers).

A plan may be several itineraries (days and/or alternatives, as :func:`routeplan.plan` returns
them). Each itinerary becomes a GPX route, a set of GeoJSON features and a run of calendar events,
labelled from its ``query`` ("Day 2", "Alternative 1, day 1").

Times
    GPX holds UTC (``...Z``), GeoJSON local times with their offset, both to the microsecond.
    iCalendar has no fractional seconds: event times are rounded to the nearest second and given
    as local wall time with ``TZID`` (the itinerary's zone, described by a VTIMEZONE built from the
    zoneinfo transitions of the plan's years). A local time that occurs twice (the repeated hour
    when clocks go back) means its first occurrence in iCalendar; an instant in the second
    occurrence is written in UTC instead, so every event time is exact. The zone of an itinerary is
    ``query["tz"]``, else the zone of its timestamps; when that is UTC or not an IANA name (a fixed
    offset), calendar times are in UTC (``...Z``) and GeoJSON keeps the timestamps' own offset.

Text
    Names pass through each format's own escaping (ElementTree for XML, ``json``, RFC 5545 text
    escaping), so ``< & " ' , ; \\`` and newlines round-trip. Characters no format can carry
    (lone surrogates; in GPX and iCalendar also control characters other than tab and newline)
    become U+FFFD, and ``\\r\\n`` / ``\\r`` become ``\\n`` in GPX and iCalendar.
"""

from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from ._errors import InputError, ValidationError
from .itinerary import Itinerary, Leg, Stop

__all__ = ["to_geojson", "to_gpx", "to_ics", "write_exports"]

GPX_NAMESPACE = "http://www.topografix.com/GPX/1/1"
_GPX_SCHEMA = "http://www.topografix.com/GPX/1/1/gpx.xsd"
_XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
_ICS_LINE_OCTETS = 75  # RFC 5545 §3.1: lines longer than this are folded

# Characters XML 1.0 cannot hold (all C0 controls but tab, LF, CR; surrogates; U+FFFE/U+FFFF),
# which RFC 5545 TEXT does not allow either (plus DEL).
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_NEWLINES = re.compile("\r\n?")


# --- the itineraries, normalised once for every format -----------------------------------------


@dataclass(frozen=True)
class _Route:
    """One itinerary with what every format needs: its position, labels and zone."""

    index: int  # position in the exported sequence, 0-based
    itinerary: Itinerary
    day: int
    alternative: int
    label: str  # "Day 2", "Alternative 1, day 1", "Route 3" or "" for a lone itinerary
    tz: str | None  # IANA zone of the itinerary, None when it has none (e.g. a fixed offset)


def _routes(itineraries: Itinerary | Sequence[Itinerary]) -> list[_Route]:
    """Check the input and label every itinerary (days, alternatives) and find its zone."""
    its = [itineraries] if isinstance(itineraries, Itinerary) else list(itineraries)
    if not its:
        raise InputError("nothing to export: the list of itineraries is empty")
    for i, it in enumerate(its):
        if not isinstance(it, Itinerary):
            raise InputError(
                f"can only export routeplan Itinerary objects, item {i} is {type(it).__name__}"
            )
        _check_stops(it, i)
    days = [_int_or(it.query.get("day"), 1) for it in its]
    alternatives = [_int_or(it.query.get("alternative"), 0) for it in its]
    show_days = len(set(days)) > 1 or any(_int_or(it.query.get("days"), 1) > 1 for it in its)
    show_alternatives = len(set(alternatives)) > 1 or any(a != 0 for a in alternatives)
    labels = []
    for day, alt in zip(days, alternatives, strict=True):
        if show_alternatives and show_days:
            labels.append(f"Alternative {alt + 1}, day {day}")
        elif show_alternatives:
            labels.append(f"Alternative {alt + 1}")
        elif show_days:
            labels.append(f"Day {day}")
        else:
            labels.append("")
    if len(its) > 1 and len(set(labels)) < len(labels):
        # hand-built itineraries without day/alternative: number them instead
        labels = [f"Route {i + 1}" + (f" ({lab})" if lab else "") for i, lab in enumerate(labels)]
    return [
        _Route(i, it, day, alt, label, _zone_name(it))
        for i, (it, day, alt, label) in enumerate(zip(its, days, alternatives, labels, strict=True))
    ]


def _int_or(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _check_stops(it: Itinerary, index: int) -> None:
    for k, stop in enumerate(it.stops, start=1):
        where = f"itinerary {index}, stop {k} ({stop.name!r})"
        for attr in ("arrive", "leave"):
            ts = getattr(stop, attr)
            if not isinstance(ts, datetime) or ts.tzinfo is None:
                raise ValidationError(
                    f"{where}: {attr} must be a time-zone aware timestamp, got {ts!r}"
                )
        if not (math.isfinite(stop.lat) and -90.0 <= stop.lat <= 90.0):
            raise ValidationError(f"{where}: latitude {stop.lat!r} is not in [-90, 90]")
        if not (math.isfinite(stop.lon) and -180.0 <= stop.lon <= 180.0):
            raise ValidationError(f"{where}: longitude {stop.lon!r} is not in [-180, 180]")


def _zone_name(it: Itinerary) -> str | None:
    """The itinerary's IANA zone: ``query["tz"]``, else the zone of its first arrival, if IANA."""
    name = it.query.get("tz")
    if not name:
        tz = it.stops[0].arrive.tzinfo
        name = getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)
    name = str(name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return None if name in ("UTC", "Etc/UTC") else name


def _utc(ts: datetime, *, unit: str = "us") -> pd.Timestamp:
    """``ts`` in UTC rounded to ``unit`` (rounded in UTC: local rounding trips over DST)."""
    return pd.Timestamp(ts).tz_convert("UTC").round(unit)


def _local(ts: datetime, tz: str | None, *, unit: str = "us") -> pd.Timestamp:
    """``ts`` rounded to ``unit`` in zone ``tz`` (None: its own zone or offset)."""
    return _utc(ts, unit=unit).tz_convert(tz or pd.Timestamp(ts).tz)


def _num(value: float) -> str:
    """A float in positional notation with all its digits (shortest round-trip, no exponent)."""
    return format(Decimal(repr(float(value))), "f")


def _json_float(value: Any) -> float | None:
    x = float(value)
    return x if math.isfinite(x) else None


def _clean(text: Any) -> str:
    """Text every format can carry: bad characters → U+FFFD, newlines → ``\\n``."""
    return _NEWLINES.sub("\n", _BAD_TEXT.sub("\ufffd", str(text)))


def _fmt_min(minutes: float) -> str:
    m = round(float(minutes))
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def _fmt_km(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def _visit_text(route: _Route, k: int) -> str:
    """What happens at stop ``k`` (0-based) of a route: when, how long, how it was reached."""
    it = route.itinerary
    stop = it.stops[k]
    arrive, leave = _local(stop.arrive, route.tz), _local(stop.leave, route.tz)
    where = f"{route.label}, stop" if route.label else "Stop"
    leave_fmt = "%H:%M %Z" if leave.date() == arrive.date() else "%Y-%m-%d %H:%M %Z"
    lines = [
        f"{where} {k + 1} of {len(it.stops)}",
        f"Arrive {arrive:%Y-%m-%d %H:%M %Z}, leave {leave.strftime(leave_fmt)} "
        f"(stay {_fmt_min(stop.stay_min)})",
    ]
    if k > 0:
        leg = it.legs[k - 1]
        mode = it.query.get("mode")
        how = f"{mode}, " if mode else ""
        how += "observed" if leg.observed else "estimated"
        text = (
            f"From {it.stops[k - 1].name}: {_fmt_min(leg.travel_min)} ({how}), "
            f"{_fmt_km(leg.distance_m)}"
        )
        if leg.wait_min > 0:
            text += f", then wait {_fmt_min(leg.wait_min)}"
        lines.append(text)
    if stop.off_hours:
        lines.append("Begins in off hours (nobody photographs it then)")
    return "\n".join(lines)


def _plan_start(routes: Sequence[_Route]) -> pd.Timestamp:
    return min(_utc(r.itinerary.start_time, unit="s") for r in routes)


# --- GPX -------------------------------------------------------------------------------------


def to_gpx(itineraries: Itinerary | Sequence[Itinerary], *, name: str = "routeplan") -> str:
    """The itineraries as a GPX 1.1 document.

    Parameters
    ----------
    itineraries
        One itinerary or several (the days and alternatives of a plan).
    name
        Name of the document (``<metadata><name>``), and of the route when there is one
        itinerary without day or alternative.

    Returns
    -------
    str
        GPX 1.1 (namespace ``http://www.topografix.com/GPX/1/1``, ``creator="routeplan"``):
        ``<metadata>`` with the plan's start time and bounds, one ``<wpt>`` per distinct place
        (first arrival as ``<time>`` in UTC, ``<desc>`` listing every visit: arrival, departure,
        stay and how it was reached, observed or estimated) and one ``<rte>`` per itinerary,
        named e.g. "Day 2" or "Alternative 1, day 1", with an ``<rtept>`` per stop in order (its
        own arrival as ``<time>``).

    Raises
    ------
    InputError
        No itinerary, or something else than an Itinerary.
    ValidationError
        A stop with a naive timestamp or an invalid coordinate.
    """
    routes = _routes(itineraries)
    root = ET.Element(
        "gpx",
        {
            "version": "1.1",
            "creator": "routeplan",
            "xmlns": GPX_NAMESPACE,
            "xmlns:xsi": _XSI_NAMESPACE,
            "xsi:schemaLocation": f"{GPX_NAMESPACE} {_GPX_SCHEMA}",
        },
    )
    stops = [s for r in routes for s in r.itinerary.stops]
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "name").text = _clean(name)
    ET.SubElement(metadata, "time").text = _gpx_time(_plan_start(routes))
    ET.SubElement(
        metadata,
        "bounds",
        {
            "minlat": _num(min(s.lat for s in stops)),
            "minlon": _num(min(s.lon for s in stops)),
            "maxlat": _num(max(s.lat for s in stops)),
            "maxlon": _num(max(s.lon for s in stops)),
        },
    )

    # one waypoint a place, in order of first appearance; its desc lists every visit
    places: dict[tuple[Any, ...], list[tuple[_Route, int]]] = {}
    for r in routes:
        for k, s in enumerate(r.itinerary.stops):
            places.setdefault((s.landmark_id, s.name, s.lat, s.lon), []).append((r, k))
    for visits in places.values():
        first = min(visits, key=lambda v: _utc(v[0].itinerary.stops[v[1]].arrive))
        stop = first[0].itinerary.stops[first[1]]
        _gpx_point(root, "wpt", stop, "\n\n".join(_visit_text(r, k) for r, k in visits))

    for r in routes:
        it = r.itinerary
        rte = ET.SubElement(root, "rte")
        ET.SubElement(rte, "name").text = _clean(r.label or name)
        ET.SubElement(rte, "desc").text = _clean(
            f"{it.start_time:%Y-%m-%d}: {len(it.stops)} stops, total {_fmt_min(it.total_min)}, "
            f"travel {_fmt_min(it.travel_min)}, {_fmt_km(it.distance_m)}, score {it.score:.3f}"
        )
        ET.SubElement(rte, "number").text = str(r.index + 1)
        for k, stop in enumerate(it.stops):
            _gpx_point(rte, "rtept", stop, _visit_text(r, k))

    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _gpx_time(ts: pd.Timestamp) -> str:
    ts = _utc(ts)
    frac = f".{ts.microsecond:06d}".rstrip("0") if ts.microsecond else ""
    return f"{ts:%Y-%m-%dT%H:%M:%S}{frac}Z"


def _gpx_point(parent: ET.Element, tag: str, stop: Stop, desc: str) -> None:
    # element order of the GPX 1.1 wptType: time, name, desc, type
    point = ET.SubElement(parent, tag, {"lat": _num(stop.lat), "lon": _num(stop.lon)})
    ET.SubElement(point, "time").text = _gpx_time(stop.arrive)
    ET.SubElement(point, "name").text = _clean(stop.name)
    ET.SubElement(point, "desc").text = _clean(desc)
    ET.SubElement(point, "type").text = "place" if stop.landmark_id is None else "landmark"


# --- GeoJSON -----------------------------------------------------------------------------------


def to_geojson(itineraries: Itinerary | Sequence[Itinerary]) -> dict[str, Any]:
    """The itineraries as a GeoJSON FeatureCollection (RFC 7946).

    Parameters
    ----------
    itineraries
        One itinerary or several (the days and alternatives of a plan).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``, coordinates ``[lon, lat]`` in WGS84.
        Per itinerary, first a Point feature per stop with properties ``feature`` ("stop"),
        ``itinerary`` (0-based position in the input), ``day`` (1-based), ``alternative``
        (0-based, as in ``query``), ``route`` (the label, e.g. "Day 2", or ""), ``order``
        (1-based), ``landmark_id`` (null for a coordinate place), ``name``, ``arrive`` and
        ``leave`` (ISO 8601 with the local offset), ``stay_min`` and ``off_hours``; then a
        LineString feature per leg with ``feature`` ("leg"), ``itinerary``, ``day``,
        ``alternative``, ``route``, ``from_stop`` and ``to_stop`` (orders, 1-based),
        ``travel_min``, ``distance_m``, ``observed`` and ``wait_min``. Only plain Python types:
        ``json.dumps(..., allow_nan=False)`` works (a non-finite number becomes null).

    Raises
    ------
    InputError
        No itinerary, or something else than an Itinerary.
    ValidationError
        A stop with a naive timestamp or an invalid coordinate.
    """
    features: list[dict[str, Any]] = []
    for r in _routes(itineraries):
        it = r.itinerary
        common = {
            "itinerary": r.index,
            "day": r.day,
            "alternative": r.alternative,
            "route": r.label,
        }
        for k, stop in enumerate(it.stops, start=1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _position(stop)},
                    "properties": {
                        "feature": "stop",
                        **common,
                        "order": k,
                        "landmark_id": None if stop.landmark_id is None else int(stop.landmark_id),
                        "name": _SURROGATES.sub("\ufffd", str(stop.name)),
                        "arrive": _local(stop.arrive, r.tz).isoformat(),
                        "leave": _local(stop.leave, r.tz).isoformat(),
                        "stay_min": _json_float(stop.stay_min),
                        "off_hours": bool(stop.off_hours),
                    },
                }
            )
        for leg in it.legs:
            features.append(_leg_feature(it, leg, common))
    return {"type": "FeatureCollection", "features": features}


def _position(stop: Stop) -> list[float]:
    return [float(stop.lon), float(stop.lat)]


def _leg_feature(it: Itinerary, leg: Leg, common: dict[str, Any]) -> dict[str, Any]:
    a, b = it.stops[leg.from_stop], it.stops[leg.to_stop]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [_position(a), _position(b)]},
        "properties": {
            "feature": "leg",
            **common,
            "from_stop": int(leg.from_stop) + 1,
            "to_stop": int(leg.to_stop) + 1,
            "travel_min": _json_float(leg.travel_min),
            "distance_m": _json_float(leg.distance_m),
            "observed": bool(leg.observed),
            "wait_min": _json_float(leg.wait_min),
        },
    }


# --- iCalendar ---------------------------------------------------------------------------------


def to_ics(itineraries: Itinerary | Sequence[Itinerary], *, name: str = "routeplan") -> str:
    """The itineraries as an iCalendar file (RFC 5545), one event a visit.

    Parameters
    ----------
    itineraries
        One itinerary or several (the days and alternatives of a plan).
    name
        Name of the calendar (``X-WR-CALNAME``).

    Returns
    -------
    str
        A VCALENDAR (``VERSION:2.0``, ``PRODID``) with a VTIMEZONE per zone used (built from the
        zoneinfo transitions of the years the plan spans) and a VEVENT per stop with a stay of at
        least one second (a start or end place with no stay has none): ``SUMMARY`` the name,
        ``DTSTART``/``DTEND`` the arrival and departure rounded to the second with
        ``TZID`` = the itinerary's zone, ``GEO``, ``DESCRIPTION`` (the stop's order and the leg
        that reaches it) and a ``UID`` derived from the itinerary's start, alternative, day, order
        and landmark id. ``DTSTAMP`` is the plan's start in UTC, so the same plan always gives the
        same text. Text is escaped, lines are folded at 75 octets and end with CRLF.

    Raises
    ------
    InputError
        No itinerary, or something else than an Itinerary.
    ValidationError
        A stop with a naive timestamp or an invalid coordinate.
    """
    from . import __version__

    routes = _routes(itineraries)
    dtstamp = f"{_plan_start(routes):%Y%m%dT%H%M%SZ}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//routeplan//routeplan {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(name)}",
    ]
    events: list[list[str]] = []
    years: dict[str, set[int]] = {}
    uids: set[str] = set()
    for r in routes:
        it = r.itinerary
        start = f"{_utc(it.start_time, unit='s'):%Y%m%dT%H%M%SZ}"
        for k, stop in enumerate(it.stops):
            arrive, leave = _local(stop.arrive, r.tz, unit="s"), _local(stop.leave, r.tz, unit="s")
            if leave <= arrive:
                continue
            if r.tz is not None:
                years.setdefault(r.tz, set()).update((arrive.year, leave.year))
            landmark = "place" if stop.landmark_id is None else f"landmark{stop.landmark_id}"
            uid = f"{start}-alt{r.alternative + 1}-day{r.day}-stop{k + 1}-{landmark}"
            base, n = uid, 1
            while uid in uids:  # the same itinerary exported twice
                n += 1
                uid = f"{base}-{n}"
            uids.add(uid)
            events.append(
                [
                    "BEGIN:VEVENT",
                    f"UID:{_ics_text(uid)}@routeplan",
                    f"DTSTAMP:{dtstamp}",
                    _ics_time("DTSTART", arrive, r.tz),
                    _ics_time("DTEND", leave, r.tz),
                    f"SUMMARY:{_ics_text(stop.name)}",
                    f"GEO:{_num(stop.lat)};{_num(stop.lon)}",
                    f"DESCRIPTION:{_ics_text(_visit_text(r, k))}",
                    "END:VEVENT",
                ]
            )
    for tz in sorted(years):
        lines += _vtimezone(tz, min(years[tz]), max(years[tz]))
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ics_text(text: Any) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newline escaped."""
    text = _clean(text)
    for char, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(char, escaped)
    return text


def _ics_param(value: str) -> str:
    """A parameter value, quoted when it holds ``:``, ``;`` or ``,``."""
    value = _clean(value).replace('"', "'").replace("\n", " ")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def _ics_time(prop: str, ts: pd.Timestamp, tz: str | None) -> str:
    """``PROP;TZID=zone:local`` or, when the local time would mean another instant, UTC."""
    if tz is not None:
        wall = ts.tz_localize(None).to_pydatetime()
        # a repeated local time means its first occurrence (RFC 5545 §3.3.5)
        if wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC) == ts.tz_convert("UTC"):
            return f"{prop};TZID={_ics_param(tz)}:{wall:%Y%m%dT%H%M%S}"
    return f"{prop}:{ts.tz_convert('UTC'):%Y%m%dT%H%M%SZ}"


def _fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= _ICS_LINE_OCTETS:
        return line
    chunks: list[str] = []
    current: list[str] = []
    size, limit = 0, _ICS_LINE_OCTETS
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, _ICS_LINE_OCTETS - 1  # continuation starts with " "
        current.append(char)
        size += n
    chunks.append("".join(current))
    return "\r\n ".join(chunks)


def _vtimezone(tz: str, first_year: int, last_year: int) -> list[str]:
    """A VTIMEZONE for ``tz`` valid from 1 January of ``first_year`` to the end of ``last_year``.

    One observance for the rules in force at the start, then one per transition zoneinfo makes
    in those years (found hour by hour, then to the second by bisection), each with its local
    start time, offsets before and after, and abbreviation.
    """
    zone = ZoneInfo(tz)
    t = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(UTC)

    def state(at: datetime) -> tuple[timedelta, str, bool]:
        local = at.astimezone(zone)
        return local.utcoffset() or timedelta(0), local.tzname() or tz, bool(local.dst())

    before = state(t)
    observances = [(t, before, before)]
    step = timedelta(hours=1)
    while t < end:
        nxt = min(t + step, end)
        after = state(nxt)
        if after != before:
            lo, hi = t, nxt  # state(lo) == before, state(hi) == after
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if state(mid) == before:
                    lo = mid
                else:
                    hi = mid
            observances.append((hi, before, after))
            before = after
        t = nxt
    lines = ["BEGIN:VTIMEZONE", f"TZID:{_ics_param(tz)}"]
    for at, (off_from, _, _), (off_to, abbrev, dst) in observances:
        kind = "DAYLIGHT" if dst else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{(at + off_from).replace(tzinfo=None):%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_utc_offset(off_from)}",
            f"TZOFFSETTO:{_utc_offset(off_to)}",
            f"TZNAME:{_ics_text(abbrev)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _utc_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}{m:02d}" + (f"{s:02d}" if s else "")


# --- files -------------------------------------------------------------------------------------


def write_exports(
    itineraries: Itinerary | Sequence[Itinerary],
    *,
    gpx: str | os.PathLike[str] | None = None,
    geojson: str | os.PathLike[str] | None = None,
    ics: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write the itineraries to whichever of the GPX, GeoJSON and iCalendar paths are given.

    Parameters
    ----------
    itineraries
        One itinerary or several (the days and alternatives of a plan).
    gpx, geojson, ics
        Output paths (UTF-8; the iCalendar file keeps its CRLF line endings).

    Returns
    -------
    list of Path
        The paths written, in the order gpx, geojson, ics.

    Raises
    ------
    InputError
        No path given, a path that cannot be written, or invalid itineraries.
    """
    its = itineraries if isinstance(itineraries, Itinerary) else list(itineraries)
    texts: list[tuple[Path, str]] = []
    # every text is made before any file is written: bad input leaves no partial export behind
    if gpx is not None:
        texts.append((Path(gpx), to_gpx(its)))
    if geojson is not None:
        fc = to_geojson(its)
        texts.append((Path(geojson), json.dumps(fc, ensure_ascii=False, allow_nan=False) + "\n"))
    if ics is not None:
        texts.append((Path(ics), to_ics(its)))
    if not texts:
        raise InputError("write_exports needs at least one of gpx=, geojson=, ics= (a file path)")
    for out, text in texts:
        try:
            out.write_bytes(text.encode("utf-8"))  # bytes: the iCalendar CRLFs stay as they are
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return [out for out, _ in texts]
