"""Static chart images (PNG, SVG, PDF) through Kaleido and a local Chromium.

Kaleido 1.x drives a Chromium it does not ship. Debian's `chromium` works offline; it is
found through `BROWSER_PATH`, then `PATH`, then `/usr/bin/chromium`. Starting a browser
costs seconds, so one Kaleido server is started per process (:func:`image_server`) and
every image in that process goes through it.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

# Slide size: 16:9, sharp on a projector and in a 13.33 x 7.5 inch slide at 120 dpi.
SLIDE_WIDTH = 1600
SLIDE_HEIGHT = 900
FORMATS = ("png", "svg", "pdf")
NO_CHROMIUM = ("Static chart export needs a Chromium browser and none was found. On Debian or Ubuntu: "
               "`sudo apt-get install chromium`; or set BROWSER_PATH to a Chrome or Chromium executable.")


class ImageExportUnavailable(RuntimeError):
    """No browser to render with: the message says what to install."""


def chromium_path() -> str | None:
    for candidate in (os.environ.get("BROWSER_PATH"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def start_server() -> None:
    """Start this process's Kaleido server; raise :class:`ImageExportUnavailable` without a browser."""
    path = chromium_path()
    if path is None:
        raise ImageExportUnavailable(NO_CHROMIUM)
    os.environ.setdefault("BROWSER_PATH", path)
    import kaleido

    kaleido.start_sync_server(mathjax=False, silence_warnings=True)


def stop_server() -> None:
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


@contextmanager
def image_server() -> Iterator[None]:
    start_server()
    try:
        yield
    finally:
        stop_server()


def figure_bytes(fig: go.Figure, fmt: str = "png", width: int = SLIDE_WIDTH, height: int = SLIDE_HEIGHT) -> bytes:
    """The figure as an image, at slide size unless told otherwise."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; use one of {', '.join(FORMATS)}")
    if chromium_path() is None:
        raise ImageExportUnavailable(NO_CHROMIUM)
    with warnings.catch_warnings():
        # plotly warns on every call that options it passes are ignored by a running server.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        return pio.to_image(fig, format=fmt, width=width, height=height)
