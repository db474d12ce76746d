"""How long the Overview and Indicator pages take to render in a real browser, on the
shipped data and on a synthetic folder of 100,000 observations, with the app's caches
filled (a visit before). Warm: the browser has the app's scripts cached; cold: a new
browser session. Prints figures, each also as a ratio to a bare two-page Streamlit app
served and timed the same way in the same run (its first page for the Overview, its second,
reached by its address, for the Indicator page: Streamlit routes a page other than the
first for itself); asserts nothing.

    .venv/bin/python bench/bench_render.py
    .venv/bin/python bench/bench_render.py --observations 100000 --indicators 1000 --repeats 5

A page counts as rendered when its footer (drawn after everything else) is on screen, no
script is running, and, on the Indicator page, its chart is drawn. Needs Chromium
(``BROWSER_PATH`` or Debian's ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from bench.replicas import FLAGS, free_port, wait_healthy  # noqa: E402

BARE_PAGE = 'import streamlit as st\nst.title("Bare")\nst.caption("Data licence: none")\n'
BARE_APP = ('import streamlit as st\n'
            'st.navigation([st.Page("first.py", url_path="first", default=True), '
            'st.Page("second.py", url_path="second")], position="top").run()\n')


def serve(script: Path, env: dict, log: Path):
    import subprocess

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, log, seconds=600)
    return url, process


# Checked in the page on every animation frame: a locator's wait polls up to 500 ms apart,
# which would round each figure up by as much.
def drawn(page, chart: bool) -> None:
    """Until the footer (drawn last) is on the page, the chart too where there is one, and
    no script runs."""
    page.wait_for_function("""(chart) => document.body.textContent.includes("Data licence")
        && (!chart || document.querySelector(".main-svg") !== null)
        && !document.querySelector('[data-testid="stStatusWidget"]')""", arg=chart, polling="raf")


def rendered(page, url: str, chart: bool) -> float:
    """Seconds from asking for ``url`` to the page drawn whole."""
    started = time.perf_counter()
    page.goto(url)
    drawn(page, chart)
    return time.perf_counter() - started


def measure(browser, url: str, chart: bool, repeats: int, timeout_s: float = 900) -> tuple[float, float]:
    """The page's first render in a new session whose browser has its scripts cached
    (warm: the app's caches are filled by a visit before), and in a session with nothing
    cached (cold browser, a reader's first visit ever); medians of ``repeats``."""
    cold = []
    for _ in range(repeats + 1):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        cold.append(rendered(page, url, chart))
        context.close()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        rendered(page, url, chart)
        warm = []
        for _ in range(repeats):
            page.goto("about:blank")
            warm.append(rendered(page, url, chart))
    finally:
        context.close()
    # The first cold visit filled the app's caches: it is left out.
    return statistics.median(warm), statistics.median(cold[1:])


def by_link(browser, url: str, repeats: int, timeout_s: float = 900) -> float:
    """Seconds from clicking an Overview card's link to its Indicator page drawn whole (the
    way a reader usually gets there), in a browser with the app's scripts cached."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        times = []
        for _ in range(repeats + 1):
            rendered(page, url, False)
            started = time.perf_counter()
            page.get_by_role("link", name="Chart, figures and quotes").first.click()
            page.wait_for_function("() => location.pathname.endsWith('/indicator')", polling="raf")
            drawn(page, True)
            times.append(time.perf_counter() - started)
        return statistics.median(times[1:])
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--indicators", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    rows = []
    with tempfile.TemporaryDirectory() as work_dir, sync_playwright() as playwright:
        work = Path(work_dir)
        bare = work / "bare.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        for name in ("first.py", "second.py"):
            (work / name).write_text(BARE_PAGE, encoding="utf-8")
        synthetic = generate(work / "synthetic", indicators=args.indicators, observations=args.observations)
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        stores = {"INDICATORS_STORE_DIR": str(work / "stores")}
        url, process = serve(bare, stores, work / "bare.log")
        try:
            floors = {False: measure(browser, url, False, args.repeats),
                      True: measure(browser, f"{url}/second", False, args.repeats)}
        finally:
            process.terminate()
            process.wait(timeout=30)
        rows.append(("bare app, first page", False, floors[False]))
        rows.append(("bare app, second page by its address", True, floors[True]))
        for label, env in (("shipped data", {}),
                           (f"{args.observations:,} observations", {"INDICATORS_DATA_DIR": str(synthetic)})):
            started = time.perf_counter()
            url, process = serve(ROOT / "app" / "main.py", {**stores, **env}, work / "app.log")
            try:
                indicator = "targeted_attacks_on_peacekeepers" if not env else "indicator_00000"
                context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(900_000)
                first = rendered(page, url, False)  # seeds the store and fills the caches
                context.close()
                print(f"{label}: started and first Overview in {time.perf_counter() - started:.1f} s "
                      f"(overview alone {first:.2f} s)", flush=True)
                rows.append((f"Overview, {label}", False, measure(browser, url, False, args.repeats)))
                rows.append((f"Indicator by its address, {label}", True,
                             measure(browser, f"{url}/indicator?indicator={indicator}", True, args.repeats)))
                linked = by_link(browser, url, args.repeats)
                rows.append((f"Indicator from an Overview card's link, {label}", False, (linked, float("nan"))))
            finally:
                process.terminate()
                process.wait(timeout=30)
        browser.close()
    print(f"\nFirst render in Chromium, median of {args.repeats}, the app's caches filled; warm: the browser has "
          "the app's scripts cached; cold: a new browser session\n")
    print("| page | warm | ratio to the bare app | cold | ratio to the bare app |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, routed, (warm, cold) in rows:
        floor = floors[routed]
        cold_text = f"{cold:.2f} s | {cold / floor[1]:.1f}x" if cold == cold else "– | –"
        print(f"| {name} | {warm:.2f} s | {warm / floor[0]:.1f}x | {cold_text} |")


if __name__ == "__main__":
    main()
