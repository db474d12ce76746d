"""Chart images under load and failure: many threads and decks at once each get their own
images, and a missing or killed export browser gives an error in bounded time, after which
the next export works."""

from __future__ import annotations

import io
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pptx import Presentation

from indicators import images
from indicators.charts import indicator_chart
from indicators.images import ImageExportFailed, ImageExportUnavailable, figure_bytes
from indicators.progress import assess_all
from indicators.slides import CHART_PIXELS, CHART_SCALE, build_deck, charted, headline


def headline_order(dataset, progress, ids):
    return [i for area in headline(dataset, progress, ids).values() for i in area]

IDS = ["targeted_attacks_on_peacekeepers", "field_support_client_satisfaction", "units_certified_ready",
       "women_staff_officer_posts"]


@pytest.fixture(scope="module")
def charts(dataset):
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    return {i: indicator_chart(dataset, progress[i]) for i in IDS}


def test_32_images_from_8_threads_are_each_their_own(image_server, charts):
    jobs = [(i, fmt) for i in IDS for fmt in ("png", "svg")] * 4  # 32 requests
    alone = {(i, fmt): figure_bytes(charts[i], fmt, 800, 450) for i, fmt in set(jobs)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: figure_bytes(charts[job[0]], job[1], 800, 450), jobs))
    assert len(results) == 32
    mismatched = [job for job, image in zip(jobs, results, strict=True) if image != alone[job]]
    assert mismatched == []


def _pictures(deck_bytes: bytes) -> list[bytes]:
    deck = Presentation(io.BytesIO(deck_bytes))
    return [shape.image.blob for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]


def test_four_concurrent_decks_hold_their_own_charts(image_server, dataset, charts):
    # The two with a series are charted on their areas' slides; the others are number cards.
    selections = [IDS[:2], IDS[1:3], IDS[2:], [IDS[0], IDS[3]]]
    width, height = CHART_PIXELS
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    expected = {i: figure_bytes(indicator_chart(dataset, progress[i], width), "png", width, height, scale=CHART_SCALE)
                for i in IDS}

    def deck(ids):
        buffer = io.BytesIO()
        build_deck(dataset, ids).save(buffer)
        return buffer.getvalue()

    with ThreadPoolExecutor(max_workers=4) as pool:
        decks = list(pool.map(deck, selections))
    for ids, made in zip(selections, decks, strict=True):
        # Each area's picture is its own indicator's chart (the last picture is the goals chart).
        charted_ids = [i for i in headline_order(dataset, progress, ids) if charted(progress[i])]
        assert _pictures(made)[:len(charted_ids)] == [expected[i] for i in charted_ids]


def test_an_image_size_out_of_range_is_refused(charts):
    with pytest.raises(ValueError, match="outside 100 to 5000"):
        figure_bytes(charts[IDS[0]], "png", 100_000, 900)


def test_a_browser_path_that_is_not_a_file_is_said_at_once(monkeypatch, charts):
    monkeypatch.setenv("BROWSER_PATH", "/nonsense")
    started = time.monotonic()
    with pytest.raises(ImageExportUnavailable, match="BROWSER_PATH is /nonsense"):
        figure_bytes(charts[IDS[0]], "svg")
    assert time.monotonic() - started < 5


def test_a_browser_that_will_not_start_fails_in_bounded_time_then_exports_work(monkeypatch, chromium, charts):
    # A browser kept from before is of another path: the one named now is started.
    monkeypatch.setenv("BROWSER_PATH", "/bin/false")
    started = time.monotonic()
    with pytest.raises((ImageExportFailed, ImageExportUnavailable)):
        with images.image_server():
            figure_bytes(charts[IDS[0]], "svg", timeout=30)
    assert time.monotonic() - started < 40
    monkeypatch.setenv("BROWSER_PATH", chromium)
    with images.image_server():
        assert figure_bytes(charts[IDS[0]], "svg").startswith(b"<svg")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            out.append(child)
            todo.append(child)
    return out


def test_a_killed_export_browser_fails_in_bounded_time_and_is_restarted(chromium, charts):
    with images.image_server():
        assert figure_bytes(charts[IDS[0]], "png", 400, 300)
        browsers = [p for p in _descendants(os.getpid()) if "chrom" in Path(f"/proc/{p}/comm").read_text()]
        assert browsers, "the export browser is a child of this process"
        for pid in browsers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
        started = time.monotonic()
        try:
            first = figure_bytes(charts[IDS[1]], "png", 400, 300, timeout=20)
        except ImageExportFailed:
            first = None  # said in bounded time; the next export must work
        assert time.monotonic() - started < 30
        again = figure_bytes(charts[IDS[1]], "png", 400, 300, timeout=60)
        assert again.startswith(b"\x89PNG") and (first is None or first == again)


def test_an_image_server_ending_inside_another_keeps_the_browser(chromium, charts):
    # The outer block (an app, a deck) still renders: its browser is neither stopped nor
    # started again for each image after an inner block (one export) ends.
    with images.image_server():
        figure_bytes(charts[IDS[0]], "png", 400, 300)
        kept = images._renderer
        with images.image_server():
            figure_bytes(charts[IDS[1]], "png", 400, 300)
        figure_bytes(charts[IDS[0]], "png", 400, 300)
        assert images._renderer is kept and kept.alive()


def test_a_browser_starts_only_once_the_one_before_has_closed(monkeypatch, chromium, charts):
    # One-off images (no block keeps the browser): each next browser is started after the
    # one before has closed, so no two browsers' pipes are open at one start.
    monkeypatch.setattr(images, "_keepers", 0)
    made, still_open = [], []
    original = images._Renderer

    def renderer(browser):
        still_open.append([r.thread.is_alive() for r in [*made, *images._retiring]])
        made.append(original(browser))
        return made[-1]

    monkeypatch.setattr(images, "_Renderer", renderer)
    for number in range(3):
        assert figure_bytes(charts[IDS[number]], "png", 400, 300).startswith(b"\x89PNG")
    assert len(made) >= 2 and not any(alive for opened in still_open for alive in opened), still_open
