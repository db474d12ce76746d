"""The ``indicators`` command: validate the data and show what it covers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.formatting import format_value
from indicators.series import coverage
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
          f"{len(dataset.targets)} targets from {len(dataset.sources)} source(s); "
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="indicators", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("validate", _validate, "check every table in the data folder"),
        ("list", _list, "print the catalogue by reform area with latest values and coverage"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data)")
        command.set_defaults(handler=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
