"""The ``indicators`` command: validate the data and show what it covers."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from indicators.charts import goals_chart, indicator_chart
from indicators.exports import FORMATS as EXPORT_FORMATS
from indicators.exports import export
from indicators.formatting import MISSING, format_change, format_number, format_value
from indicators.images import FORMATS as IMAGE_FORMATS
from indicators.images import SLIDE_HEIGHT, SLIDE_WIDTH, ImageExportUnavailable, figure_bytes, image_server
from indicators.progress import assess_all, progress_table
from indicators.series import coverage
from indicators.slides import deck_size, select, write_deck
from indicators.validation import load, validate_folder


def _validate(args: argparse.Namespace) -> int:
    dataset, failures = validate_folder(args.data)
    if failures:
        for failure in failures:
            print(failure)
        print(f"{len(failures)} failure(s); nothing in {args.data or 'data/'} is valid until they are fixed.",
              file=sys.stderr)
        return 1
    print(f"OK: {len(dataset.catalogue)} indicators, {len(dataset.observations)} observations, "
          f"{len(dataset.targets)} targets, {len(dataset.milestones)} milestones from {len(dataset.sources)} source(s); "
          "every quote was found in its paragraph and states its number.")
    return 0


def _list(args: argparse.Namespace) -> int:
    table = coverage(load(args.data))
    for area, rows in table.groupby("reform_area_name", sort=False):
        print(f"\n{area}")
        for row in rows.itertuples():
            latest = ("no observation" if row.observations == 0 else
                      f"{format_value(row.latest_value, row.unit, row.latest_qualifier, row.latest_numerator, row.latest_denominator)}"
                      f" ({row.latest_period_label})")
            print(f"  {row.id:<48} {latest:<40} obs {row.observations}  targets {row.targets}")
    print(f"\n{len(table)} indicators; {int((table['observations'] > 0).sum())} with observations, "
          f"{int((table['targets'] > 0).sum())} with targets.")
    return 0


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _progress_cells(row: dict) -> dict[str, str]:
    unit = row["unit"]
    shows = {
        "baseline": lambda v: format_value(v, unit, row.get("baseline_qualifier")),
        "latest": lambda v: format_value(v, unit, row.get("latest_qualifier")),
        "change": lambda v: format_change(v, unit),
        "target": lambda v: format_value(v, unit) + ("*" if isinstance(row.get("target_scope"), str) else ""),
        "deadline_label": str,
        "progress_share": lambda v: f"{format_number(v * 100, 0)}%",
        "required_rate": lambda v: format_change(v, unit) + "/yr",
    }
    return {key: MISSING if _blank(row[key]) else show(row[key]) for key, show in shows.items()}


def _progress(args: argparse.Namespace) -> int:
    table = progress_table(load(args.data))
    if args.csv:
        table.to_csv(args.csv, index=False)
        print(f"Wrote {len(table)} rows to {args.csv}")
    shown = table if args.all else table[table["target"].notna() | table["change"].notna()]
    width = max([len("indicator"), *shown["indicator_id"].str.len()])
    header = (f"{'indicator':<{width}} {'baseline':>15} {'latest':>15} {'change':>11} {'target':>7} "
              f"{'deadline':>8} {'progress':>8} {'required':>13}  status")
    print(header)
    print("-" * len(header))
    for row in shown.to_dict("records"):
        text = _progress_cells(row)
        status = row["status"] + (f" ({row['status_reason']})" if isinstance(row["status_reason"], str) else "")
        print(f"{row['indicator_id']:<{width}} {text['baseline']:>15} {text['latest']:>15} {text['change']:>11} "
              f"{text['target']:>7} {text['deadline_label']:>8} {text['progress_share']:>8} "
              f"{text['required_rate']:>13}  {status}")
    if shown["target_scope"].notna().any():
        print("* target set for another population than the indicator measures: no required pace")
    return 0


def _chart(args: argparse.Namespace) -> int:
    dataset = load(args.data)
    results = {p.indicator_id: p for p in assess_all(dataset)}
    if args.indicator != "goals" and args.indicator not in results:
        print(f"unknown indicator {args.indicator!r}; `indicators list` shows them", file=sys.stderr)
        return 2
    figure = (goals_chart(dataset, list(results.values())) if args.indicator == "goals"
              else indicator_chart(dataset, results[args.indicator]))
    out = args.out or Path(f"{args.indicator}.{args.format}")
    with image_server():
        out.write_bytes(figure_bytes(figure, args.format, args.width, args.height))
    print(f"Wrote {out}")
    return 0


def _slides(args: argparse.Namespace) -> int:
    dataset = load(args.data)
    try:
        chosen = select(dataset, args.area, args.indicator)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    scope = dataset.area_names().get(args.area, "all reform areas")
    if args.indicator:
        scope = "selected indicators"
    with image_server():
        write_deck(dataset, args.out, chosen, scope)
    print(f"Wrote {args.out}: {deck_size(len(chosen))} slides ({len(chosen)} indicators)")
    return 0


def _export(args: argparse.Namespace) -> int:
    written = export(load(args.data), args.format, args.out)
    for path in written:
        print(f"Wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="indicators", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("validate", _validate, "check every table in the data folder"),
        ("list", _list, "print the catalogue by reform area with latest values and coverage"),
        ("progress", _progress, "print baseline, latest, target, pace and status of each indicator"),
        ("chart", _chart, "write an indicator's chart (or 'goals') as a PNG, SVG or PDF image"),
        ("slides", _slides, "write a briefing deck (.pptx)"),
        ("export", _export, "write the dataset as CSV, Excel, JSON or a Frictionless Data Package"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data)")
        command.set_defaults(handler=handler)
        if name == "progress":
            command.add_argument("--csv", type=Path, help="also write the full table to this CSV file")
            command.add_argument("--all", action="store_true",
                                 help="show every indicator, not only those with a target or a change")
        if name == "chart":
            command.add_argument("indicator", help="indicator id, or 'goals' for the baseline-vs-goals chart")
            command.add_argument("--format", choices=IMAGE_FORMATS, default="png")
            command.add_argument("--out", type=Path, help="output file (default: INDICATOR.FORMAT)")
            command.add_argument("--width", type=int, default=SLIDE_WIDTH)
            command.add_argument("--height", type=int, default=SLIDE_HEIGHT)
        if name == "slides":
            command.add_argument("--out", type=Path, required=True, help="the .pptx file to write")
            command.add_argument("--area", help="only this reform area (its id, e.g. women_in_peacekeeping)")
            command.add_argument("--indicator", action="append",
                                 help="only this indicator; repeat for several")
        if name == "export":
            command.add_argument("--format", choices=EXPORT_FORMATS, required=True)
            command.add_argument("--out", type=Path, required=True, help="output folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
        sys.stdout.flush()
        return code
    except ImageExportUnavailable as error:
        print(error, file=sys.stderr)
        return 3
    except BrokenPipeError:
        # The reader (say `indicators list | head`) stopped reading: end quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
