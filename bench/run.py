"""Every benchmark in one run, each figure a ratio to a baseline measured in the same run.

    .venv/bin/python bench/run.py                       # 1,000 indicators, 10,000 observations
    .venv/bin/python bench/run.py --observations 100000

Each measure is checked for correctness on what it times (the same counts as the plain
pandas baseline), never asserted against a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import resource
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402


def timed(work):
    """The result, the seconds it took, and the process's peak resident memory after it
    (tracemalloc would slow the Python-heavy work it measures two- or threefold)."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--indicators", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=1000)
    args = parser.parse_args()

    import indicators
    from indicators.charts import indicator_chart
    from indicators.images import chromium_path, figure_bytes, image_server
    from indicators.imports import plan_import
    from indicators.progress import assess_all
    from indicators.store import Store

    folder = generate(Path(tempfile.mkdtemp()) / "data", args.indicators, args.observations, args.sources)
    rows = []

    def add(name, seconds, baseline_name, baseline, peak):
        rows.append((name, seconds, baseline_name, baseline, seconds / baseline if baseline else float("nan"), peak))

    bare, bare_s, _ = timed(lambda: [pd.read_csv(folder / f) for f in ("observations.csv", "targets.csv")])
    dataset, load_s, load_peak = timed(lambda: indicators.load(folder))
    assert len(dataset.observations) == len(bare[0])  # the same rows as the plain read
    add(f"load and validate {len(bare[0]):,} observations", load_s, "bare read_csv", bare_s, load_peak)

    grouped, group_s, _ = timed(lambda: dataset.observations.groupby("indicator_id")["value"].agg(
        ["first", "last", "count"]))
    results, progress_s, progress_peak = timed(lambda: assess_all(dataset))
    assert sum(p.observations for p in results) == int(grouped["count"].sum())
    from indicators.progress import assess, goal_of, points_of

    catalogue = dataset.catalogue.set_index("id")
    for result in results[:: max(1, len(results) // 20)]:  # the slow path on a sample gives the same
        entry = catalogue.loc[result.indicator_id].to_dict()
        alone = assess({"id": result.indicator_id, **entry}, points_of(dataset, result.indicator_id),
                       goal_of(dataset, result.indicator_id))
        assert (alone.status, alone.latest, alone.observed_rate) == (result.status, result.latest,
                                                                    result.observed_rate)
    add(f"progress of {len(results):,} indicators", progress_s, "one groupby", group_s, progress_peak)

    from streamlit.testing.v1 import AppTest

    def overview(data_dir):
        os.environ["INDICATORS_DATA_DIR"] = str(data_dir)
        at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=600)
        at.run()
        assert not at.exception
        return at

    overview(ROOT / "data")  # warm the imports once
    _, shipped_s, _ = timed(lambda: overview(ROOT / "data"))
    _, big_s, big_peak = timed(lambda: overview(folder))
    add(f"Overview page, {args.indicators:,} indicators", big_s, "the same page, shipped data", shipped_s, big_peak)
    os.environ.pop("INDICATORS_DATA_DIR", None)

    store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}")
    store.migrate()
    _, seed_s, _ = timed(lambda: store.seed(folder))
    add("seed the store from the folder", seed_s, "bare read_csv", bare_s, None)
    upload = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False).head(args.import_rows)
    plan, import_s, import_peak = timed(lambda: plan_import(store, "observations", upload))
    assert plan.ok
    add(f"import dry run, {len(upload):,} rows", import_s, "bare read_csv", bare_s, import_peak)

    if chromium_path():
        figure = indicator_chart(dataset, results[0])
        with image_server():
            figure_bytes(figure, "png")  # the browser's start-up is not the image
            _, png_s, _ = timed(lambda: figure_bytes(figure, "png"))
        add("one chart PNG", png_s, "load and validate", load_s, None)

    print(f"\nBenchmarks on {os.cpu_count()} cores: {args.indicators:,} indicators, {args.observations:,} "
          f"observations, {args.sources} sources\n")
    print(f"| {'what':<44} | {'time':>9} | {'baseline':<30} | {'baseline time':>13} | {'ratio':>8} | "
          f"{'peak RSS':>11} |")
    print(f"|{'-' * 46}|{'-' * 11}|{'-' * 32}|{'-' * 15}|{'-' * 10}|{'-' * 13}|")
    for name, seconds, base_name, base, ratio, peak in rows:
        memory = f"{peak / 1e6:,.0f} MB" if peak else "–"
        print(f"| {name:<44} | {seconds:>8.2f}s | {base_name:<30} | {base:>12.3f}s | {ratio:>7.1f}x | {memory:>11} |")


if __name__ == "__main__":
    main()
