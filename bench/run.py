"""Every benchmark in one run, each figure a ratio to a baseline measured in the same run.

    .venv/bin/python bench/run.py                                  # 1,000 indicators, 10,000 observations
    .venv/bin/python bench/run.py --observations 1000000 --import-rows 100000
    .venv/bin/python bench/run.py --postgres postgresql+psycopg://user@host/db   # imports into PostgreSQL too

Each measure is checked for correctness on what it times (the same rows as the plain read,
the same results as the one-indicator-at-a-time path on a sample), never asserted against
a time. Peak memory is the process's peak resident set after the measure: it only grows,
so each figure is an upper bound for that measure.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import statistics
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402


def timed(work):
    """The result, the seconds it took, and the process's peak resident memory after it
    (tracemalloc would slow the Python-heavy work it measures two- or threefold). Garbage
    left by the measures before is collected first, so no measure pays for another's."""
    gc.collect()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Table:
    def __init__(self):
        self.rows = []

    def add(self, name, seconds, baseline_name=None, baseline=None, peak=None):
        ratio = seconds / baseline if baseline else None
        self.rows.append((name, seconds, baseline_name or "–", baseline, ratio, peak))
        shown = f"{ratio:.1f}x {baseline_name}" if ratio is not None else ""
        print(f"  {name}: {_seconds(seconds)} {shown}", flush=True)

    def print(self, title: str) -> None:
        print(f"\n{title}\n")
        print("| what | time | baseline | baseline time | ratio | peak RSS |")
        print("| --- | ---: | --- | ---: | ---: | ---: |")
        for name, seconds, base_name, base, ratio, peak in self.rows:
            print(f"| {name} | {_seconds(seconds)} | {base_name} | {'–' if base is None else f'{base:.3f} s'} | "
                  f"{'–' if ratio is None else f'{ratio:,.1f}x'} | {'–' if not peak else f'{peak / 1e6:,.0f} MB'} |")


def _seconds(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def baseline(work, repeats: int = 5):
    """A baseline's result and its median time over ``repeats`` runs: the baselines take
    a fraction of a second, where one run's noise would move every ratio."""
    runs = [timed(work) for _ in range(repeats)]
    return runs[0][0], statistics.median(seconds for _, seconds, _ in runs)


def bare_read(folder: Path) -> list:
    """What any loader must do at least: read every table with pandas and every text."""
    frames = [pd.read_csv(folder / name) for name in ("observations.csv", "targets.csv")]
    for path in sorted((folder / "sources").iterdir()):
        frames.append(pd.read_csv(path) if path.suffix == ".csv" else path.read_text(encoding="utf-8"))
    return frames


def bench_load_and_progress(table: Table, folder: Path):
    import indicators
    from indicators.progress import assess, assess_all, goal_of, points_of

    bare, bare_s = baseline(lambda: bare_read(folder))
    dataset, load_s, load_peak = timed(lambda: indicators.load(folder))
    assert len(dataset.observations) == len(bare[0])  # the same rows as the plain read
    table.add(f"load and validate {len(bare[0]):,} observations, every row proven", load_s,
              "a bare read of the files", bare_s, load_peak)
    # The same first proof in this process alone: what the helper processes
    # (indicators.quote_checks) save, and the same tables from either.
    alone, alone_s, alone_peak = timed(lambda: _proven_alone(folder))
    for name in ("catalogue", "observations", "targets"):
        pd.testing.assert_frame_equal(getattr(alone, name), getattr(dataset, name), check_exact=True)
    table.add("load and validate, every row proven in one process (INDICATORS_PROOF_WORKERS=1)", alone_s,
              "a bare read of the files", bare_s, alone_peak)
    # Let go before the next measures: a second million rows held would slow each of them
    # (the collector walks every object kept) and raise their peaks.
    del alone
    # What a change bearing on most rows costs: the whole folder validated, each unchanged
    # row's proof remembered (indicators.proof_cache).
    again, again_s, again_peak = timed(lambda: indicators.load(folder, kept=False))
    assert again.observations["value"].equals(dataset.observations["value"])
    table.add("validate again in full (a change bearing on most rows), proofs remembered", again_s, "a bare read of the files",
              bare_s, again_peak)
    from indicators import folder_cache

    for where in ("read back from the cache folder (a new process)", "held in memory (a running app)"):
        if where.startswith("read back"):
            folder_cache.forget()
        kept, kept_s, kept_peak = timed(lambda: indicators.load(folder))
        for name in ("catalogue", "observations", "targets"):
            pd.testing.assert_frame_equal(getattr(kept, name), getattr(dataset, name), check_exact=True)
        table.add(f"load the unchanged folder again (validated before, same bytes), {where}", kept_s,
                  "a bare read of the files", bare_s, kept_peak)
    bench_changed_rows(table, folder, bare_s)
    bench_changed_context(table, folder, bare_s)

    grouped, group_s = baseline(lambda: dataset.observations.groupby("indicator_id")["value"].agg(
        ["first", "last", "count"]))
    # The median of three runs, as for the baselines: the first run in a process also pays
    # for one-time set-up (compiled patterns, Arrow kernels) that the app pays once.
    runs = [timed(lambda: assess_all(dataset)) for _ in range(3)]
    results, progress_peak = runs[0][0], max(peak for _, _, peak in runs)
    progress_s = statistics.median(seconds for _, seconds, _ in runs)
    assert sum(p.observations for p in results) == int(grouped["count"].sum())
    catalogue = dataset.catalogue.set_index("id")
    for result in results[:: max(1, len(results) // 20)]:  # the slow path on a sample gives the same
        entry = catalogue.loc[result.indicator_id].to_dict()
        alone = assess({"id": result.indicator_id, **entry}, points_of(dataset, result.indicator_id),
                       goal_of(dataset, result.indicator_id))
        assert (alone.status, alone.latest, alone.observed_rate) == (result.status, result.latest,
                                                                    result.observed_rate)
    table.add(f"progress of {len(results):,} indicators", progress_s, "one groupby", group_s, progress_peak)
    return dataset, results, load_s


def _proven_alone(folder: Path):
    """A validation of every row in this process, as the first was: its proofs and its
    state remembered afresh (in a cache of its own), only without helper processes."""
    import indicators

    with _proven_afresh(INDICATORS_PROOF_WORKERS="1"):
        return indicators.load(folder)


@contextlib.contextmanager
def _proven_afresh(**environment: str):
    """Within: no proof remembered from before (a cache file of its own, the quotes
    tokenised and the paragraphs squeezed in this process forgotten: they are kept up to
    65,536 and 4,096, and would flatter what is measured), with ``environment`` set."""
    from indicators import numbers, sources

    numbers.find_numbers.cache_clear()
    sources._squeezed.cache_clear()
    saved = {name: os.environ.get(name) for name in ("INDICATORS_PROOF_CACHE", *environment)}
    with tempfile.TemporaryDirectory() as cache:
        os.environ.update(environment, INDICATORS_PROOF_CACHE=str(Path(cache) / "proofs.bin"))
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def bench_changed_rows(table: Table, folder: Path, bare_s: float) -> None:
    """What a change to some observation rows costs: the kept state patched, only the
    rows a changed row's rules read validated again (in full when they are most rows).
    Each result equals a full validation's."""
    import indicators

    path = folder / "observations.csv"
    original = path.read_bytes()
    records = original.split(b"\n")
    header, rows = records[0], [r for r in records[1:] if r]
    middle = len(rows) // 2

    def edited(note: bytes) -> list[bytes]:  # a steward's correction: one row's notes
        return rows[:middle] + [rows[middle] + note] + rows[middle + 1:]

    indicators_count = len({r.split(b",", 1)[0] for r in rows})
    cases = (("one row edited, the state before held in memory (a running app)", edited(b" (checked)"), False),
             ("one row edited, the state before read back from the cache folder (a new process)",
              edited(b" (checked twice)"), True),
             # From the state before (the edit kept): the change is the removal alone.
             (f"the last {indicators_count:,} rows removed (a row of every indicator)",
              edited(b" (checked twice)")[:-indicators_count], False))
    for name, changed, new_process in cases:
        path.write_bytes(b"\n".join([header, *changed]) + b"\n")
        measure_change(table, folder, name, new_process, bare_s)
    path.write_bytes(original)
    indicators.load(folder)  # back to the generated folder's kept state for the measures after


def measure_change(table: Table, folder: Path, name: str, new_process: bool, bare_s: float) -> None:
    """Time loading the changed folder (with nothing in memory when ``new_process``) and
    check the result against a full validation's."""
    import indicators
    from indicators import folder_cache

    if new_process:
        folder_cache.forget()
    changed, changed_s, changed_peak = timed(lambda: indicators.load(folder))
    full = indicators.load(folder, kept=False)
    for frame in ("catalogue", "observations", "targets"):
        pd.testing.assert_frame_equal(getattr(changed, frame), getattr(full, frame), check_exact=True)
    assert list(changed.sources) == list(full.sources)
    table.add(f"validate after {name}", changed_s, "a bare read of the files", bare_s, changed_peak)


NEW_REPORT_INDICATORS = 20


def bench_changed_context(table: Table, folder: Path, bare_s: float) -> None:
    """What a change beside the observations costs: a new report (its source, its entry and
    its figures for a few indicators), a catalogue entry corrected, a source's title
    corrected, a new report for every indicator. The small tables are validated whole, of
    the observations only the rows a change bears on. Each result equals a full
    validation's; the folder is put back."""
    import indicators

    kept = {path: path.read_bytes() for path in (folder / "observations.csv", folder / "catalogue.yaml",
                                                 folder / "sources" / "sources.yaml")}
    entries = yaml.safe_load(kept[folder / "sources" / "sources.yaml"])["sources"]
    catalogue = yaml.safe_load(kept[folder / "catalogue.yaml"])
    chosen = catalogue["indicators"][::max(1, len(catalogue["indicators"]) // NEW_REPORT_INDICATORS)]
    chosen = chosen[:NEW_REPORT_INDICATORS]

    def sentence(entry, year: int) -> str:
        return (f"In December {year} the synthetic indicator {entry['id'].split('_')[1]} stood at 7"
                f"{' per cent' if entry['unit'] == 'percent' else ' units'}.")

    def new_report(symbol: str, year: int, covered: list):
        """A report of ``year`` with a figure for each indicator ``covered``."""
        def edit() -> None:
            name = symbol.replace("/", "-") + ".txt"
            # Five figures a paragraph, as the generated reports hold (and real ones have
            # paragraphs in the hundreds, not thousands).
            paragraphs = [covered[at:at + 5] for at in range(0, len(covered), 5)]
            body = "".join(f"{n}. {' '.join(sentence(entry, year) for entry in group)}\n"
                           for n, group in enumerate(paragraphs, start=1))
            (folder / "sources" / name).write_text(f"{symbol}\nSynthetic report\n\n{body}", encoding="utf-8")
            listed = yaml.safe_load((folder / "sources" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
            source = {**entries[0], "symbol": symbol, "title": f"Synthetic report {symbol}", "year": year,
                      "url": f"https://example.org/{symbol.replace('/', '-')}", "text_file": name,
                      "data_cutoff": f"{year}-12-31"}
            (folder / "sources" / "sources.yaml").write_text(yaml.safe_dump({"sources": [*listed, source]},
                                                                            sort_keys=False), encoding="utf-8")
            rows = "".join(f"{entry['id']},December {year},{year}-12-01,{year}-12-31,7,,,,,{entry['unit']},{symbol},"
                           f"{at // 5 + 1},{sentence(entry, year)},\n" for at, entry in enumerate(covered))
            with (folder / "observations.csv").open("a", encoding="utf-8") as out:
                out.write(rows)
        return edit

    def described(n: int):
        def edit() -> None:
            entries_now = catalogue["indicators"]
            entries_now[n] = {**entries_now[n], "description": entries_now[n]["description"] + f" (corrected {n})"}
            (folder / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, sort_keys=False), encoding="utf-8")
        return edit

    def retitled() -> None:
        path = folder / "sources" / "sources.yaml"
        listed = yaml.safe_load(path.read_text(encoding="utf-8"))
        listed["sources"][0]["title"] += " (corrected)"
        path.write_text(yaml.safe_dump(listed, sort_keys=False), encoding="utf-8")

    every = catalogue["indicators"]
    cases = ((f"a new report: its source, and figures for {len(chosen)} indicators, running app",
              new_report("BENCH/NEW", 2100, chosen), False),
             ("a catalogue entry's description corrected, new process", described(1), True),
             ("a catalogue entry's description corrected, running app", described(2), False),
             ("a source's title corrected, running app", retitled, False),
             # Every indicator touched, but only the new source's rows of each read again.
             (f"a new report with figures for all {len(every):,} indicators, running app",
              new_report("BENCH/ALL", 2099, every), False))
    for name, edit, new_process in cases:
        edit()
        measure_change(table, folder, name, new_process, bare_s)
    for path, raw in kept.items():
        path.write_bytes(raw)
    for added in ("BENCH-NEW.txt", "BENCH-ALL.txt"):
        (folder / "sources" / added).unlink()
    indicators.load(folder)


def bench_store_read(table: Table, folder: Path, load_s: float) -> None:
    from indicators.store import Store

    store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'read.sqlite'}")
    store.migrate()
    _, seed_s, seed_peak = timed(lambda: store.seed(folder))
    table.add("seed a SQLite store from the folder", seed_s, "load and validate", load_s, seed_peak)
    state, read_s, _ = timed(store.state)
    assert len(state["observation"]) == sum(1 for _ in open(folder / "observations.csv", encoding="utf-8")) - 1
    table.add("read the same rows from the store", read_s, "load and validate", load_s)


def bench_pages(table: Table, folder: Path) -> None:
    from streamlit.testing.v1 import AppTest

    def page(data_dir: Path, script: str | None = None):
        os.environ["INDICATORS_DATA_DIR"] = str(data_dir)
        at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=1800)
        if script:
            at.switch_page(script)
        at.run()
        assert not at.exception, at.exception
        return at

    try:
        for script, name in ((None, "Overview"), ("views/indicator.py", "Indicator")):
            page(ROOT / "data", script)  # the shipped data loaded and cached, as every view after the first
            _, shipped_s = baseline(lambda: page(ROOT / "data", script), repeats=3)
            _, first_s, first_peak = timed(lambda: page(folder, script))
            at, big_s, big_peak = timed(lambda: page(folder, script))
            if script is None:
                assert any(t.value.startswith("Showing 1–") for t in at.markdown)  # paginated
                table.add("Overview page, first view (loads the folder validated before)", first_s, "the same page, shipped data",
                          shipped_s, first_peak)
            table.add(f"{name} page, {len(big_indicators(folder)):,} indicators", big_s,
                      "the same page, shipped data", shipped_s, big_peak)
    finally:
        os.environ.pop("INDICATORS_DATA_DIR", None)


def big_indicators(folder: Path) -> list:
    import yaml

    return yaml.safe_load((folder / "catalogue.yaml").read_text(encoding="utf-8"))["indicators"]


def bench_import(table: Table, indicators_count: int, rows: int, urls: dict[str, str]) -> None:
    """An import of ``rows`` new observations into a store already holding as many."""
    from indicators.store import Store

    folder = generate(Path(tempfile.mkdtemp()) / "data", indicators_count, 2 * rows)
    everything = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    base, upload = everything.iloc[:rows], everything.iloc[rows:]
    seeded = Path(tempfile.mkdtemp()) / "data"
    shutil.copytree(folder, seeded)
    base.to_csv(seeded / "observations.csv", index=False)
    _, bare_s = baseline(lambda: pd.read_csv(folder / "observations.csv"))
    for name, url in urls.items():
        # New figures are new proofs: the same rows are among those the first load proved
        # (and the store before's import), which made the dry run look a third quicker.
        with _proven_afresh():
            _import_into(table, name, Store(url), seeded, rows, upload, bare_s)


def _import_into(table: Table, name: str, store, seeded: Path, rows: int, upload: pd.DataFrame,
                 bare_s: float) -> None:
    from indicators.imports import import_table, plan_import
    from indicators.store import REVIEWER, User

    from indicators.accounts import Accounts

    store.migrate()
    assert not store.count("observation"), f"{name}: the store must start empty"
    store.seed(seeded)
    Accounts(store).add("bench", REVIEWER)  # the store writes for accounts alone
    plan, dry_s, dry_peak = timed(lambda: plan_import(store, "observations", upload))
    assert plan.ok and sum(o.status == "added" for o in plan.outcomes) == len(upload), plan.lines()[:5]
    table.add(f"import dry run, {len(upload):,} new rows onto {rows:,} ({name})", dry_s,
              "a bare read of all rows", bare_s, dry_peak)
    _, version_s, _ = timed(lambda: [store.version() for _ in range(100)])
    table.add(f"ask the store for its version, as every page run does ({name})", version_s / 100)
    before = store.version()
    plan, commit_s, commit_peak = timed(lambda: import_table(store, "observations", upload,
                                                             User("bench", REVIEWER), "benchmark", commit=True))
    assert plan.change_id and store.version() == before  # one pending change, nothing published yet
    table.add(f"import with commit, {len(upload):,} rows ({name})", commit_s, "a bare read of all rows", bare_s,
              commit_peak)


def fresh_database(server: str) -> str:
    """A new empty database on the server ``server`` names, for this run alone."""
    import sqlalchemy as sa

    name = f"bench_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server: str, url: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    admin.dispose()


def bench_images(table: Table, dataset, results, deck_size: int) -> None:
    from indicators.charts import indicator_chart
    from indicators.images import chromium_path, figure_bytes, image_server
    from indicators.slides import build_deck

    if not chromium_path():
        print("  no Chromium: chart image and deck not measured")
        return
    figure = indicator_chart(dataset, results[0])
    chosen = [p.indicator_id for p in results[:deck_size]]
    with image_server():
        figure_bytes(figure, "png")  # the browser's start-up is not the image
        _, png_s, png_peak = timed(lambda: figure_bytes(figure, "png"))
        deck, deck_s, deck_peak = timed(lambda: build_deck(dataset, chosen))
    assert len(deck.slides) >= len(chosen)
    table.add("one chart PNG", png_s, None, None, png_peak)
    table.add(f"deck of {len(chosen)} indicators ({len(deck.slides)} slides)", deck_s,
              f"{len(chosen)} chart PNGs", png_s * len(chosen), deck_peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--indicators", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=1000)
    parser.add_argument("--deck-indicators", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("PG_TEST_URL"),
                        help="a PostgreSQL database to import into as well (its tables are created)")
    parser.add_argument("--skip-pages", action="store_true", help="leave out the app pages (AppTest)")
    args = parser.parse_args()
    # Every folder, store and cache of the run in one scratch folder, removed at its end:
    # a run at a million rows writes about 2 GB of them.
    with tempfile.TemporaryDirectory(prefix="indicators-bench-") as scratch:
        tempfile.tempdir = scratch
        try:
            run(args)
        finally:
            tempfile.tempdir = None


def run(args: argparse.Namespace) -> None:
    # The synthetic tables may be larger than the default file limit.
    os.environ.setdefault("INDICATORS_MAX_FILE_MB", "2000")
    # Proofs and validated folders remembered beside a file of this run alone: the first
    # load proves every row.
    os.environ["INDICATORS_PROOF_CACHE"] = str(Path(tempfile.mkdtemp()) / "proofs.bin")

    table = Table()
    print(f"Generating {args.indicators:,} indicators and {args.observations:,} observations…", flush=True)
    folder, generate_s, _ = timed(lambda: generate(Path(tempfile.mkdtemp()) / "data", args.indicators,
                                                   args.observations))
    sources = sum(1 for _ in (folder / "sources").glob("BENCH-*"))
    print(f"  generated in {generate_s:.1f} s: {sources} sources", flush=True)
    dataset, results, load_s = bench_load_and_progress(table, folder)
    bench_store_read(table, folder, load_s)
    if not args.skip_pages:
        bench_pages(table, folder)
    urls = {"SQLite": f"sqlite:///{Path(tempfile.mkdtemp()) / 'import.sqlite'}"}
    if args.postgres:
        urls["PostgreSQL"] = fresh_database(args.postgres)
    try:
        bench_import(table, args.indicators, args.import_rows, urls)
    finally:
        if args.postgres:
            drop_database(args.postgres, urls["PostgreSQL"])
    bench_images(table, dataset, results, args.deck_indicators)
    table.print(f"Benchmarks on {os.cpu_count()} cores: {args.indicators:,} indicators, {args.observations:,} "
                f"observations from {sources} sources")


if __name__ == "__main__":
    main()
