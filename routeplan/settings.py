"""Documented defaults of routeplan.

Plain module constants, as in osmnx's ``settings``: every function takes the value as a keyword
argument and falls back to these. Change them here (or pass the keyword), never by editing code.
"""

from __future__ import annotations

#: Mean Earth radius in metres (IUGG), used by every haversine computation and by DBSCAN's eps.
EARTH_RADIUS_M: float = 6_371_008.8

# --- ingest ---------------------------------------------------------------------------------
#: File suffixes treated as photos (lower case). exifread reads EXIF from JPEG, TIFF, HEIC/HEIF,
#: AVIF, JPEG XL, PNG and TIFF-based raw files; a photo format it cannot read is reported as
#: "unsupported format" rather than "not a photo file".
PHOTO_SUFFIXES: tuple[str, ...] = (
    *(".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".heic", ".heif", ".avif", ".jxl", ".png", ".webp"),
    *(".dng", ".arw", ".srf", ".sr2", ".nef", ".nrw", ".cr2", ".cr3", ".orf", ".rw2", ".pef"),
    *(".srw", ".raf"),
)

#: Earliest plausible date of a photo (UTC). Cameras whose clock was never set write 1970-01-01
#: or similar; 2000-01-01 (another factory default) is kept, as real photos exist. Photos and
#: table rows before it are reported as "implausible date".
MIN_PLAUSIBLE_DATE: str = "1990-01-01"
#: A photo more than this many days after the time of reading is implausible (a wrong clock).
MAX_FUTURE_DAYS: float = 1.0

#: How the photographer of a file is found: "folder" (first sub-folder under the input root),
#: "artist" (EXIF Artist) or "serial" (EXIF BodySerialNumber).
USER_FROM: str = "folder"

# --- landmarks --------------------------------------------------------------------------------
#: Clustering method of find_landmarks: "dbscan" (exact) or "hdbscan".
CLUSTER_METHOD: str = "dbscan"
#: Coordinates are rounded to a grid of this many metres before clustering (0: exact). 2 m changed
#: the cluster of 29 of 1,000,000 photos on the benchmark city (ARI 0.999991) and halves the time.
SNAP_M: float = 0.0
#: DBSCAN neighbourhood radius in metres.
EPS_M: float = 100.0
#: DBSCAN core-point weight (photos, duplicates counted) within eps_m.
MIN_SAMPLES: int = 5
#: A cluster becomes a landmark only when this many distinct photographers took its photos.
MIN_USERS: int = 3

#: Photos farther than this from every POI of a user's list are at no landmark.
POI_RADIUS_M: float = 100.0

# --- visits -----------------------------------------------------------------------------------
#: A user's photo stream is split into trips where two photos are more than this many hours apart.
GAP_H: float = 8.0
#: Consecutive photos of a user implying more than this speed make a GPS jump (the photo is
#: dropped).
MAX_SPEED_KMH: float = 150.0
#: A user whose photos span more than this many days is a local, not a tourist.
LOCAL_DAYS: float = 21.0
#: Typical-stay floor in minutes: a visit of a single photo (span 0) still takes this long.
MIN_STAY_MIN: float = 15.0
#: Typical stay is capped at this many minutes (a photographer who shoots a square all day is
#: not a typical visitor).
MAX_STAY_MIN: float = 240.0

# --- graph and planner ------------------------------------------------------------------------
#: Moves seen from fewer distinct travellers are not edges of the graph (privacy and noise).
MIN_EDGE_USERS: int = 2
#: Walking speed in km/h used where no observed travel time exists (a relaxed city walk).
WALK_SPEED_KMH: float = 4.5
#: Walking distance is this factor times the great-circle distance (street grid detour).
DETOUR_FACTOR: float = 1.3
#: Default time budget of a plan in minutes.
BUDGET_MIN: float = 360.0
#: Default local start time of a plan.
START_TIME: str = "09:00"
#: An observed travel time is used only when at least this many distinct travellers made the
#: move; a single person's move is too noisy (a missed photo, a taxi, a wrong clock) and the walking
#: estimate is used instead.
MIN_OBSERVED_USERS: int = 2
#: Weight of the transition log-likelihood ratio in the itinerary objective.
TRANSITION_WEIGHT: float = 0.05
#: Additive (Laplace) smoothing of transition probabilities.
TRANSITION_ALPHA: float = 1.0
#: The planner is exact (CP-SAT, proven optimum) up to this many candidate landmarks, else it uses
#: local search.
EXACT_MAX_CANDIDATES: int = 40
#: Seconds the exact solver may spend proving the optimum; past it, the best route found is
#: returned with the proven bound.
EXACT_TIME_LIMIT_S: float = 10.0
#: Transport modes of the planner: average door-to-door speed (km/h) over the street distance,
#: street distance as a factor of the great-circle distance, and minutes added to every leg
#: (waiting for a bus or train, finding parking). Transit: urban bus/metro average with stops
#: (~18 km/h) and half a typical 15-min headway; drive: city driving (~25 km/h) and parking.
MODES: dict[str, dict[str, float]] = {
    "walk": {"speed_kmh": WALK_SPEED_KMH, "detour_factor": DETOUR_FACTOR, "overhead_min": 0.0},
    "transit": {"speed_kmh": 18.0, "detour_factor": 1.4, "overhead_min": 8.0},
    "drive": {"speed_kmh": 25.0, "detour_factor": 1.4, "overhead_min": 6.0},
}
#: Default transport mode.
MODE: str = "walk"
#: How the planner treats the hours when nobody photographs a landmark: "hard" (no visit
#: begins then), "soft" (a visit may, losing OFF_HOURS_PENALTY of its value) or "off".
ALIVE: str = "soft"
#: A local hour is alive for a landmark when at least this share of its photos was taken in that
#: hour or the hour before or after (so a landmark photographed at 14:20 is alive 13:00-16:00).
ALIVE_MIN_SHARE: float = 0.01
#: Fraction of a landmark's value lost by a visit that begins in its dead hours (soft mode).
OFF_HOURS_PENALTY: float = 0.5
#: Weight of the season: a landmark's value is multiplied by ((12 × share of its photos taken in
#: the month of travel + 1) / 2) ** SEASON_WEIGHT (1 for a landmark photographed evenly all year).
SEASON_WEIGHT: float = 0.5
#: Alternatives differ from every earlier one in at least this share of its stops.
ALTERNATIVE_MIN_DIFFERENCE: float = 1 / 3
