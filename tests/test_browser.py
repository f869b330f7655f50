"""The HTML map in a real browser: headless Debian chromium driven by playwright, offline.

Every request the page makes is intercepted: folium's CDN assets are served from the npm packages
pinned in tests/browser/package.json (installed by ``npm ci --prefix tests/browser``) and from the
installed folium package (its heat-map plugin), map tiles get a blank PNG, and any other URL fails
the test with the URL listed. Outside CI a missing chromium, playwright or node_modules skips
these tests; with ``CI=true`` it fails them, saying what ``.ci/run`` must install.

``ROUTEPLAN_DEMO_PNG=docs/demo-map.png pytest tests/test_browser.py -k demo`` also writes the
README's screenshot of the demo map there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import folium
import pytest
from conftest import write_jpeg

import routeplan
from routeplan.cli import main as cli_main
from routeplan.maps import route_map, save_map

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO / "tests" / "browser" / "node_modules"
FOLIUM_TEMPLATES = Path(folium.__file__).parent / "templates"
PAGE_URL = "http://routeplan.test/map.html"
VIEWPORT = {"width": 1200, "height": 800}
IMG = "<img src=x onerror=alert(1)>"
TPL = "${alert(2)}"

# URL prefix → local directory or file. Versions in the URLs are folium's; the npm packages are
# pinned to the same versions (checked by test_asset_versions_match_folium).
ASSETS: dict[str, Path] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/": NODE_MODULES / "leaflet",
    "https://code.jquery.com/jquery-3.7.1.min.js": NODE_MODULES / "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/": NODE_MODULES / "bootstrap",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/": NODE_MODULES
    / "@fortawesome/fontawesome-free",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/": (
        FOLIUM_TEMPLATES
    ),
}
TILE_URL = re.compile(r"^https://(?:[abc]\.)?tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")


def _png_1x1(rgb: tuple[int, int, int]) -> bytes:
    """A 1×1 opaque PNG of one colour (Leaflet stretches it over the 256 px tile)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(bytes([0, *rgb]))  # filter byte 0, then the pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# Every map tile: a blank tile in the land colour of OpenStreetMap's style.
BLANK_PNG = _png_1x1((242, 239, 233))
CONTENT_TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}


def _missing_or_fail(what: str, how: str) -> None:
    """Skip (locally) or fail (CI=true) because ``what`` is missing; ``how`` says how to get it."""
    message = f"{what} is missing: .ci/run must {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless chromium (Debian's, not playwright's download), shared by this module."""
    if not CHROMIUM.is_file():
        _missing_or_fail(str(CHROMIUM), "apt-get install -y chromium")
    if not (NODE_MODULES / "leaflet" / "dist" / "leaflet.js").is_file():
        _missing_or_fail(str(NODE_MODULES), "run `npm ci --prefix tests/browser`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_or_fail("playwright", 'pip install -e ".[test]" (playwright>=1.40)')
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


class Page:
    """A map opened in a fresh page, with every request, error and dialog recorded."""

    def __init__(self, browser: Any, html: str) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.unmapped: list[str] = []
        self.page = browser.new_page(viewport=VIEWPORT)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console.error: {msg.text}") if msg.type == "error" else None
            ),
        )
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", lambda route: self._serve(route, html))
        self.page.goto(PAGE_URL, wait_until="load")
        self.map_var = re.search(r"var (map_\w+) = L\.map\(", html).group(1)
        try:
            self.page.wait_for_function(
                f"() => window.L && window.{self.map_var} instanceof L.Map", timeout=10_000
            )
        except Exception as exc:  # playwright's TimeoutError
            raise AssertionError(
                f"the Leaflet map did not initialise ({type(exc).__name__}); JavaScript errors: "
                f"{self.errors}, dialogs: {self.dialogs}, unmapped requests: {self.unmapped}"
            ) from None
        self.page.wait_for_timeout(300)  # let popups/tooltips/heat canvas settle

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _serve(self, route: Any, html: str) -> None:
        url = route.request.url
        if url == PAGE_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            return
        if TILE_URL.match(url):
            route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
            return
        local = _local_asset(url)
        if local is None:
            self.unmapped.append(url)
            route.abort()
            return
        ctype = CONTENT_TYPES.get(local.suffix, "application/octet-stream")
        route.fulfill(status=200, content_type=ctype, body=local.read_bytes())

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression.replace("MAP", self.map_var))

    def check_clean(self) -> None:
        assert not self.unmapped, f"requests with no local asset: {self.unmapped}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"


def _local_asset(url: str) -> Path | None:
    path = url.split("?", 1)[0].split("#", 1)[0]
    for prefix, local in ASSETS.items():
        if path == prefix and local.is_file():
            return local
        if prefix.endswith("/") and path.startswith(prefix):
            target = (local / path[len(prefix) :]).resolve()
            if target.is_relative_to(local.resolve()) and target.is_file():
                return target
    return None


@pytest.fixture
def open_map(browser: Any) -> Iterator[Callable[[str], Page]]:
    """Open HTML in a new page; the page is closed after the test."""
    pages: list[Page] = []

    def _open(html: str) -> Page:
        pages.append(Page(browser, html))
        return pages[-1]

    yield _open
    for p in pages:
        p.page.close()


# JavaScript helpers evaluated in the page (MAP is replaced by the map's variable name).
_COUNT_JS = """() => {
  let markers = 0, circles = 0, heat = 0;
  MAP.eachLayer(l => {
    if (l instanceof L.Marker) markers += 1;
    if (l instanceof L.CircleMarker) circles += 1;
    if (L.HeatLayer && l instanceof L.HeatLayer) heat += 1;
  });
  return {
    markers, circles, heat,
    stopIcons: document.querySelectorAll('.leaflet-marker-icon.routeplan-stop').length,
    routes: document.querySelectorAll('path.routeplan-route').length,
    legs: document.querySelectorAll('path.routeplan-leg').length,
    overlays: [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
      .map(e => e.textContent.trim()),
  };
}"""

_CLICK_LANDMARK_JS = """(name) => {
  // The landmark circle whose tooltip reads ``name`` (its content is escaped HTML: decode it).
  const text = (html) => { const d = document.createElement('div'); d.innerHTML = html;
                           return d.textContent.trim(); };
  let found = null;
  MAP.eachLayer(l => {
    if (!found && l instanceof L.CircleMarker && !(l instanceof L.Marker) && l.getTooltip() &&
        text(l.getTooltip().getContent()) === name) found = l;
  });
  if (!found) return null;
  MAP.closePopup();
  const r = found._path.getBoundingClientRect();
  found._path.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true,
    clientX: r.x + r.width / 2, clientY: r.y + r.height / 2}));
  if (!found.isPopupOpen()) return '';
  const content = found.getPopup().getElement().querySelector('.leaflet-popup-content');
  return {text: content.innerText,
          imgs: [...content.querySelectorAll('img')].map(e => e.className)};
}"""


def _plan_map_html(tmp_path: Path, *extra: str) -> str:
    """The README's first command on the sample photos (plus ``extra`` options); its HTML."""
    out = tmp_path / "route.html"
    assert cli_main(["plan", str(REPO / "data" / "sample_photos"), "--out", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def test_missing_piece_skips_locally_and_fails_in_ci(monkeypatch):
    """A missing browser piece is a skip on a workstation, a failure naming the fix in CI."""
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        _missing_or_fail("/usr/bin/chromium", "apt-get install -y chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/run must apt-get install"):
        _missing_or_fail("/usr/bin/chromium", "apt-get install -y chromium")


def test_asset_versions_match_folium():
    """Every CDN URL in folium's output maps to an npm package of the very version in the URL."""
    lock = REPO / "tests" / "browser" / "package-lock.json"
    packages = json.loads(lock.read_text(encoding="utf-8"))["packages"]
    for prefix in ASSETS:
        m = re.search(r"/npm/((?:@[\w-]+/)?[\w.-]+)@([\d.]+)/", prefix) or re.search(
            r"/(jquery)-([\d.]+)\.min\.js", prefix
        )
        if m:
            name, version = m.groups()
            assert packages[f"node_modules/{name}"]["version"] == version, prefix


def test_demo_map_renders(open_map, tmp_path, capsys):
    """The demo map (routeplan plan data/sample_photos) in chromium: Leaflet initialises, one
    marker per stop, one route line and one hover line per leg, the Landmarks, Photo density and
    Route layers in the control, a landmark popup shows its name, and no JS error or dialog."""
    html = _plan_map_html(tmp_path)
    n_stops = len(re.findall(r"^\s*\d+\. \d\d:\d\d", capsys.readouterr().out, re.MULTILINE))
    assert n_stops >= 3
    page = open_map(html)
    assert page.js("() => typeof L === 'object' && L.version") == "1.9.3"
    counts = page.js(_COUNT_JS)
    assert counts["markers"] == counts["stopIcons"] == n_stops
    assert counts["routes"] == 1
    assert counts["legs"] == n_stops - 1
    assert counts["heat"] == 1
    assert counts["overlays"] == ["Landmarks", "Photo density", "Route"]
    assert counts["circles"] >= n_stops - 1  # landmark circles (a stop may repeat a place)
    assert page.js("() => document.querySelectorAll('.routeplan-summary li').length") == n_stops

    # The view fits the plan: every stop is inside the visible bounds.
    outside = page.js(
        "() => { const b = MAP.getBounds(); let n = 0; MAP.eachLayer(l => {"
        " if (l instanceof L.Marker && !b.contains(l.getLatLng())) n += 1; }); return n; }"
    )
    assert outside == 0

    shot = tmp_path / "demo-map.png"
    page.page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] // 2)  # no hover tooltip
    page.page.wait_for_timeout(500)  # tiles fade in
    page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    target = os.environ.get("ROUTEPLAN_DEMO_PNG")
    if target:
        shutil.copyfile(shot, REPO / target if not Path(target).is_absolute() else target)

    first = re.search(r"<b>([^<]+)</b><br>Visitors:", html).group(1)
    popup = page.page.evaluate(_CLICK_LANDMARK_JS.replace("MAP", page.map_var), first)
    assert popup is not None, f"no landmark circle named {first!r}"
    assert popup["text"].startswith(first.replace("&amp;", "&") + "\n")
    assert "Visitors:" in popup["text"]
    page.check_clean()


def _hostile_photos(root: Path) -> None:
    """Three photographers each take two photos at three places 600 m apart, one trip a day.

    Titles (EXIF ImageDescription) name the places ``<img src=x onerror=alert(1)>``,
    ``${alert(2)}`` and ``Bob`s \\ Bar``; every photo's Artist is ``${alert(2)}``.
    """
    places = [
        (43.6426, -79.3871, IMG),
        (43.6480, -79.3871, TPL),
        (43.6480, -79.3800, "Bob`s \\ Bar"),
    ]
    for u, user in enumerate(["ann", "bob", "cy"]):
        for p, (lat, lon, title) in enumerate(places):
            for k in range(2):
                write_jpeg(
                    root / user / f"p{p}_{k}.jpg",
                    lat=lat + 0.00005 * k,
                    lon=lon,
                    dt_original=f"2024:06:0{u + 1} {10 + p}:{5 * k:02d}:00",
                    offset="-04:00",
                    description=title,
                    artist=TPL,
                )


def test_hostile_exif_text_shows_literally(open_map, tmp_path):
    """EXIF text that is HTML or a template-literal escape reaches the page as plain text: no
    dialog opens, and the names read literally in the popups, the tooltips and the summary."""
    root = tmp_path / "photos"
    _hostile_photos(root)
    photos, _ = routeplan.read_photos(root)
    landmarks, photos = routeplan.find_landmarks(photos, eps_m=100, min_samples=5, min_users=3)
    assert set(landmarks["name"]) == {IMG, TPL, "Bob`s \\ Bar"}
    G = routeplan.build_graph(landmarks, routeplan.find_visits(photos))
    start = int(landmarks.loc[landmarks["name"] == IMG, "landmark_id"].iloc[0])
    its = routeplan.plan(G, start=start, budget_min=240, start_time="2024-06-10 10:00")
    assert len(its[0].stops) >= 2
    path = save_map(
        route_map(its, landmarks, photos=photos, photos_root=root), tmp_path / "hostile.html"
    )
    page = open_map(path.read_text(encoding="utf-8"))

    counts = page.js(_COUNT_JS)
    assert counts["markers"] == counts["stopIcons"] == sum(len(it.stops) for it in its)
    assert counts["routes"] == sum(len(it.stops) >= 2 for it in its)
    summary = page.js("() => document.querySelector('.routeplan-summary').innerText")
    for stop in its[0].stops:
        assert f"{stop.arrive:%H:%M}–{stop.leave:%H:%M} {stop.name}" in summary
    for name in (IMG, TPL, "Bob`s \\ Bar"):
        popup = page.page.evaluate(_CLICK_LANDMARK_JS.replace("MAP", page.map_var), name)
        assert popup is not None, f"no landmark circle named {name!r}"
        assert popup["text"].startswith(name + "\n"), popup["text"]
        # The cover photo's thumbnail is the popup's only image: no <img> was injected.
        assert popup["imgs"] == ["routeplan-thumb"], popup["imgs"]
    tooltips = page.js(
        "() => { const t = []; MAP.eachLayer(l => { if (l.getTooltip && l.getTooltip())"
        " t.push(l.getTooltip().getContent()); }); return t; }"
    )
    assert not any("<img" in t for t in tooltips)
    page.page.mouse.move(10, 10)
    page.page.wait_for_timeout(200)
    page.check_clean()
