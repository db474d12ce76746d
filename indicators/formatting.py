"""How values, changes and periods read in text: one place, shared by the CLI, app and exports."""

from __future__ import annotations

import math

import pandas as pd

# How a missing figure reads, everywhere: app, charts, slides, CLI and exports.
MISSING = "–"
_UNIT_SUFFIX = {"percent": "%", "count": "", "ratio": ""}


def format_number(value: float, decimals: int = 1) -> str:
    """71 -> "71", 35.616 -> "35.6", 1234 -> "1,234"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    rounded = round(float(value), decimals)
    if rounded.is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:,.{decimals}f}"


def format_value(value: float, unit: str, qualifier: str | None = None,
                 numerator: float | None = None, denominator: float | None = None) -> str:
    """A value as a reader expects it: "71%", "more than 95%", "35.6% (104 of 292)"."""
    text = format_number(value) + _UNIT_SUFFIX.get(unit, "")
    if isinstance(qualifier, str) and qualifier:
        text = f"{qualifier} {text}"
    if numerator is not None and denominator is not None and not pd.isna(numerator) and not pd.isna(denominator):
        text += f" ({format_number(numerator)} of {format_number(denominator)})"
    return text


def format_change(change: float, unit: str) -> str:
    """Signed absolute change; percentage points for percent indicators."""
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    magnitude = format_number(abs(change))
    return f"{sign}{magnitude} pts" if unit == "percent" else f"{sign}{magnitude}"
