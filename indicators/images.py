"""Static chart images (PNG, SVG, PDF) through Kaleido and a local Chromium.

Kaleido 1.x drives a Chromium it does not ship. Debian's `chromium` works offline; it is
found through `BROWSER_PATH` (when set, that browser or none), then `PATH`, then
`/usr/bin/chromium`. Starting a browser costs seconds, so inside :func:`image_server` one
browser is kept per process and every image goes through it.

Kaleido's own sync server shares one pair of queues between all callers, and threads
asking at once received each other's images. This module runs its own renderer thread
instead: each request carries its own reply box, and one lock lets one request through at a
time. A call never waits forever: a renderer whose browser will not start or has died is
noticed within a fifth of a second, a hung one after ``timeout`` seconds; either way the
caller gets :class:`ImageExportFailed` and the next call starts a fresh browser.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go

from indicators import scratch

# Slide size: 16:9, sharp on a projector and in a 13.33 x 7.5 inch slide at 120 dpi.
SLIDE_WIDTH = 1600
SLIDE_HEIGHT = 900
# Beyond these a browser returns an empty or truncated image rather than an error.
MIN_SIDE, MAX_SIDE = 100, 5000
FORMATS = ("png", "svg", "pdf")
BROWSER_FOLDER_PREFIX = "indicators-browser-"
TIMEOUT = 60.0
NO_CHROMIUM = ("Static chart export needs a Chromium browser and none was found. On Debian or Ubuntu: "
               "`sudo apt-get install chromium`; or set BROWSER_PATH to a Chrome or Chromium executable.")


class ImageExportUnavailable(RuntimeError):
    """No browser to render with: the message says what to install."""


class ImageExportFailed(RuntimeError):
    """The browser failed or timed out on this image; the next export starts a new one."""


def chromium_path() -> str | None:
    chosen = os.environ.get("BROWSER_PATH")
    if chosen:
        # A browser named explicitly is the one to use, or none: never a silent substitute.
        return chosen if Path(chosen).is_file() else None
    for candidate in (shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _missing() -> str:
    chosen = os.environ.get("BROWSER_PATH")
    if chosen:
        return f"BROWSER_PATH is {chosen}, which is not a file. {NO_CHROMIUM}"
    return NO_CHROMIUM


@dataclass
class _Request:
    figure: dict
    options: dict
    # Each request carries its own reply box: no caller can receive another's image.
    reply: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=1))


class _Renderer:
    """One Kaleido browser in a thread of its own, fed one request at a time."""

    def __init__(self, browser: str) -> None:
        self.browser = browser  # another (BROWSER_PATH changed) gets a renderer of its own
        self.requests: queue.Queue[_Request | None] = queue.Queue()
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(browser),), name="chart-renderer",
                                       daemon=True)
        self.thread.start()

    async def _serve(self, browser: str) -> None:
        import kaleido

        loop = asyncio.get_running_loop()
        # The browser's profile (about 2 MB) and the page it draws in go in a scratch folder
        # of this process's own: a process killed before its browser closes runs no
        # clean-up, and the next renderer removes what it left (indicators.scratch).
        folder = None
        try:
            folder = scratch.make(BROWSER_FOLDER_PREFIX)
            page = folder / "index.html"
            page.write_text(kaleido.PageGenerator(mathjax=False).generate_index(), encoding="utf-8")
            async with kaleido.Kaleido(n=1, page_generator=page, path=browser, tmp_dir=folder) as engine:
                self.ready.set()
                while True:
                    request = await loop.run_in_executor(None, self.requests.get)
                    if request is None:
                        return
                    try:
                        image = await engine.calc_fig(request.figure, opts=request.options)
                        request.reply.put(("image", image))
                    except Exception as error:  # handed to the caller, never dropped
                        request.reply.put(("error", error))
        except BaseException as error:  # the browser would not start, or died: callers are told
            self.failure = error
            self.ready.set()
        finally:
            if folder is not None:
                scratch.remove(folder)

    def alive(self) -> bool:
        return self.thread.is_alive() and self.failure is None

    def stop(self, wait: float = 0) -> None:
        self.requests.put(None)
        if wait:
            # Let the browser close and its profile folder go before the process moves on.
            self.thread.join(wait)


_LOCK = threading.Lock()
_renderer: _Renderer | None = None
# Renderers told to stop whose browsers may still be closing. A new browser is started only
# once they are gone: its pipes could get the file numbers of one still closing, whose
# reader then takes the new browser's first messages (a "JSONError decoding message" and a
# start that never finishes).
_retiring: list[_Renderer] = []
RETIRE_WAIT = 15.0
# How many image_server() blocks (and the app) want the browser kept: one that ends inside
# another must not stop the browser the outer one still uses, and start a browser per image.
_keepers = 0


def start_server() -> None:
    """Keep this process's renderer between images; raise :class:`ImageExportUnavailable`
    without a browser. The browser itself starts with the first image."""
    global _keepers
    if chromium_path() is None:
        raise ImageExportUnavailable(_missing())
    with _LOCK:
        _keepers += 1


def stop_at_exit() -> None:
    """Stop the server when the process ends (a SIGTERM included). Kaleido's browser is
    watched by threads that are not daemons, and Python joins those before it runs atexit
    handlers, so a plain atexit hook would wait on them for ever; threading's own exit
    hook runs before that join."""
    register = getattr(threading, "_register_atexit", atexit.register)
    register(stop_server)


def stop_server() -> None:
    """End one start_server(): the browser stops when no one wants it kept."""
    global _keepers
    with _LOCK:
        _keepers = max(0, _keepers - 1)
        if _keepers:
            return
        if _renderer is not None:
            _retire_current()
        _wait_for_retired(RETIRE_WAIT)


def _retire_current() -> None:
    """Stop this process's renderer (the lock is held); the next image starts another."""
    global _renderer
    _renderer.stop()
    _retiring.append(_renderer)
    _renderer = None


def _wait_for_retired(seconds: float) -> None:
    """Let the browsers told to stop close, for at most ``seconds`` in all; one that hangs
    (its thread is a daemon) is left behind rather than waited for forever."""
    deadline = time.monotonic() + seconds
    for renderer in list(_retiring):
        renderer.thread.join(max(0.0, deadline - time.monotonic()))
        if not renderer.thread.is_alive() or time.monotonic() >= deadline:
            _retiring.remove(renderer)


@contextmanager
def image_server() -> Iterator[None]:
    start_server()
    try:
        yield
    finally:
        stop_server()


def check_size(width: int, height: int) -> None:
    for name, side in (("width", width), ("height", height)):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(f"image {name} {side} is outside {MIN_SIDE} to {MAX_SIDE} pixels")


def figure_bytes(fig: go.Figure, fmt: str = "png", width: int = SLIDE_WIDTH, height: int = SLIDE_HEIGHT,
                 timeout: float = TIMEOUT, scale: float = 1) -> bytes:
    """The figure as an image, at slide size unless told otherwise; ``scale`` multiplies
    the pixels (text keeps its size relative to the figure)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; use one of {', '.join(FORMATS)}")
    check_size(width, height)
    browser = chromium_path()
    if browser is None:
        raise ImageExportUnavailable(_missing())
    figure = fig.to_dict()
    for number, trace in enumerate(figure.get("data", [])):
        # plotly.js names each trace after a random uid; a fixed one makes the same chart the same file.
        trace["uid"] = f"trace{number}"
    request = _Request(figure, dict(format=fmt, width=width, height=height, scale=scale))
    if not _LOCK.acquire(timeout=timeout):
        raise ImageExportFailed(f"the image renderer stayed busy for {timeout:.0f} s; try again")
    try:
        kind, payload = _exchange(browser, request, timeout)
    finally:
        _LOCK.release()
    if kind == "error":
        raise ImageExportFailed(f"the chart could not be rendered: {payload}") from payload
    if not isinstance(payload, bytes) or not payload:
        raise ImageExportFailed("the export browser returned an empty image")
    return _stable_svg(payload) if fmt == "svg" else payload


def _exchange(browser: str, request: _Request, timeout: float) -> tuple[str, object]:
    """Send one request and wait for its reply, watching the renderer; the lock is held."""
    global _renderer
    deadline = time.monotonic() + timeout
    if _renderer is not None and (not _renderer.alive() or _renderer.browser != browser):
        _retire_current()
    if _renderer is None:
        _wait_for_retired(min(RETIRE_WAIT, timeout / 2))
        _renderer = _Renderer(browser)
    renderer = _renderer
    if not renderer.ready.wait(max(0.0, deadline - time.monotonic())):
        _retire_current()
        raise ImageExportFailed(f"the export browser did not start within {timeout:.0f} s")
    if renderer.failure is not None:
        _retire_current()
        raise ImageExportFailed(f"the export browser could not start ({browser}): {renderer.failure}")
    renderer.requests.put(request)
    while True:
        try:
            reply = request.reply.get(timeout=0.2)
            break
        except queue.Empty:
            if not renderer.alive():
                _retire_current()
                raise ImageExportFailed("the export browser stopped while rendering; the next export starts a "
                                        "new one") from renderer.failure
            if time.monotonic() > deadline:
                # A hung browser is abandoned (its thread is a daemon); the next call starts afresh.
                _retire_current()
                raise ImageExportFailed(f"the export browser did not answer within {timeout:.0f} s; the next "
                                        "export starts a new one") from None
    if reply[0] == "error" or not _keepers:
        # After an error the browser's state is unknown ("Executor is closed" after it was
        # killed): the next image gets a fresh one. A one-off image leaves none running.
        _retire_current()
    return reply


_SVG_UID = re.compile(rb'id="defs-([0-9a-f]{6})"')
_PLACEHOLDER = b"\x00uid\x00"  # cannot occur in SVG text


def _stable_svg(svg: bytes) -> bytes:
    """Plotly names an SVG's clip paths after a random id; naming them after the content
    instead makes the same chart the same file, every time."""
    found = _SVG_UID.search(svg)
    if not found:
        return svg
    blank = svg.replace(found.group(1), _PLACEHOLDER)
    return blank.replace(_PLACEHOLDER, hashlib.sha256(blank).hexdigest()[:6].encode())
