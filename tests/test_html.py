"""Tests of routeplan._html.escape, the one escaping helper for HTML in JS template literals."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

from routeplan._html import escape

DANGEROUS = set("<>&\"'`$\\")


def test_img_onerror_attack_is_inert():
    """A tag becomes text: no '<' or '>' survives."""
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"


def test_template_substitution_attack_is_inert():
    """'${' can no longer start a substitution inside a template literal."""
    out = escape("${alert(2)}")
    assert out == "&#36;{alert(2)}"
    assert "${" not in out


def test_backtick_and_backslash():
    """Backtick and backslash become references, so a literal can be neither closed nor escaped."""
    assert escape("a`b") == "a&#96;b"
    assert escape("a\\b") == "a&#92;b"
    assert escape("\\`") == "&#92;&#96;"


def test_quotes_and_ampersand():
    """Both quote kinds are escaped (attribute-safe); '&' is escaped exactly once."""
    assert escape("\"x\" & 'y'") == "&quot;x&quot; &amp; &#x27;y&#x27;"
    assert escape("&#36;") == "&amp;#36;"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_values_give_empty_string(missing):
    """None and missing scalars render as nothing, not 'None' or 'nan'."""
    assert escape(missing) == ""


@pytest.mark.parametrize(("value", "expected"), [(3, "3"), (2.5, "2.5"), (np.int64(7), "7")])
def test_numbers_are_converted_with_str(value, expected):
    """Non-strings are str()-ed before escaping."""
    assert escape(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "${alert(2)}",
        "Tim `Hortons` \\ café",
        "</script><script>alert(3)</script>",
        'O\'Hare & "Midway" $5',
        "plain text",
        "",
    ],
)
def test_output_is_safe_and_decodes_back(text):
    """The output holds no dangerous character outside a reference and unescapes to the input."""
    out = escape(text)
    stripped = out
    for ref in ("&lt;", "&gt;", "&amp;", "&quot;", "&#x27;", "&#96;", "&#36;", "&#92;"):
        stripped = stripped.replace(ref, "")
    assert not DANGEROUS & set(stripped)
    assert html.unescape(out) == text
