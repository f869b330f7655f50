"""Exception classes of routeplan.

Every error a user can cause derives from :class:`RouteplanError`; the command line prints its
message on one line and exits with status 2. Anything else is a bug in routeplan.
"""

from __future__ import annotations


class RouteplanError(Exception):
    """Base class of every error routeplan raises on purpose."""


class ValidationError(RouteplanError, ValueError):
    """A table or graph does not follow routeplan's data contract."""


class InputError(RouteplanError, ValueError):
    """The user's input (a path, an option, a query) cannot be used as given."""


class NoPhotosError(InputError):
    """No usable photo (with a valid position and time) was found in the input."""


class NoLandmarksError(InputError):
    """Clustering found no landmark; the parameters are too strict for this data."""


class UnknownPlaceError(InputError):
    """A start or end names a landmark that does not exist."""


class BudgetTooShortError(InputError):
    """The time budget cannot hold even the start (and end) of the itinerary."""
