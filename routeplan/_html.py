"""The one escaping helper every string that reaches HTML goes through.

folium inserts popup and tooltip content raw into HTML that sits inside JavaScript template
literals (backtick strings), e.g. ``bindTooltip(`<div>TEXT</div>`)`` and ``$(`TEXT`)[0]``. Plain
HTML escaping is not enough there: a backtick ends the literal, ``${...}`` runs code and a
backslash escapes the next character. :func:`escape` turns those into HTML character references,
which the browser decodes back to the original characters when it parses the HTML, so the text
reads the same but can break out of neither the HTML nor the JavaScript string.
"""

from __future__ import annotations

import html
import math

__all__ = ["escape"]

# Applied after html.escape, so the "&" of these references is not escaped again.
_JS_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def escape(text: object) -> str:
    """Escape a value for HTML placed inside a JavaScript template literal.

    Parameters
    ----------
    text
        Any value. ``None`` and missing values (NaN, ``pd.NA``, ``NaT``) give ``""``; other
        non-strings (numbers, timestamps) are converted with ``str``.

    Returns
    -------
    str
        ``html.escape(text, quote=True)`` with, in addition, `````` ` `````` → ``&#96;``,
        ``$`` → ``&#36;`` and ``\\`` → ``&#92;``. The result contains none of
        ``< > & " ' ` $ \\`` except as the start of a character reference.

    Examples
    --------
    >>> escape("<b>${x}</b>")
    '&lt;b&gt;&#36;{x}&lt;/b&gt;'
    >>> escape(None)
    ''
    >>> escape(3.5)
    '3.5'
    """
    if _is_missing(text):
        return ""
    return html.escape(str(text), quote=True).translate(_JS_TEMPLATE_LITERAL)


def _is_missing(value: object) -> bool:
    """True for None, float NaN and pandas' missing scalars (``pd.NA``, ``pd.NaT``)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pd.NA and pd.NaT without importing pandas: both are singletons of these types.
    return type(value).__name__ in {"NAType", "NaTType"}
