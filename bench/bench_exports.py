"""Time the briefing exports: one chart image (cold and through the running server) and the
full deck. Prints figures; asserts nothing. Run: .venv/bin/python bench/bench_exports.py"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import indicators
from indicators.charts import indicator_chart
from indicators.exports import FORMATS, export
from indicators.images import figure_bytes, image_server
from indicators.progress import assess_all
from indicators.slides import build_deck, deck_size, select

REPEATS = 5


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    load = timed(indicators.load)
    dataset = indicators.load()
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    figure = indicator_chart(dataset, progress["targeted_attacks_on_peacekeepers"])
    print(f"load and validate the shipped data: {load:.2f} s")

    # Without a server, every image starts (and stops) its own browser.
    cold = timed(lambda: figure_bytes(figure, "png"))
    with image_server():
        first = timed(lambda: figure_bytes(figure, "png"))
        png = statistics.median(timed(lambda: figure_bytes(figure, "png")) for _ in range(REPEATS))
        svg = statistics.median(timed(lambda: figure_bytes(figure, "svg")) for _ in range(REPEATS))
        chosen = select(dataset)
        started = time.perf_counter()
        made = build_deck(dataset, chosen)
        deck = time.perf_counter() - started
    print(f"one chart PNG, browser per image:  {cold:.2f} s")
    print(f"one chart PNG, first via server:   {first:.2f} s (includes the browser start)")
    print(f"one chart PNG via server (median of {REPEATS}): {png:.3f} s  -> {cold / png:.0f}x faster than cold")
    print(f"one chart SVG via server (median of {REPEATS}): {svg:.3f} s")
    pictures = sum(shape.shape_type == 13 for slide in made.slides for shape in slide.shapes)
    assert len(made.slides) == deck_size(dataset, chosen)
    print(f"full deck, {len(made.slides)} slides ({pictures} charts): {deck:.2f} s "
          f"({deck / png:.0f}x one chart PNG)")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            seconds = timed(lambda fmt=fmt: export(dataset, fmt, Path(folder) / fmt))
            print(f"dataset export {fmt:<12} {seconds:.3f} s")


if __name__ == "__main__":
    main()
