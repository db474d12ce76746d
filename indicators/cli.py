"""The indicators command: validate the data, show progress, and write charts, decks and exports.

Every user error (a data folder that is not there, invalid data, an output path that
cannot be written or already exists) ends with one line per problem and a non-zero exit
code, never a traceback."""

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
from indicators import paths
from indicators.exports import export_paths
from indicators.files import FileProblem
from indicators.ingest import SourceExists, add_source
from indicators.sources import KINDS
from indicators.images import (
    MAX_SIDE,
    MIN_SIDE,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    ImageExportFailed,
    ImageExportUnavailable,
    figure_bytes,
    image_server,
)
from indicators.progress import assess_all, progress_table
from indicators.series import coverage
from indicators.slides import deck_size, select, write_deck
from indicators.validation import DataValidationError, load, validate_folder

# How many failure lines to print before summing up: a broken 200 MB file would otherwise
# print hundreds of thousands of them.
SHOWN_FAILURES = 200


class UserError(Exception):
    """A mistake in how the command was called: said in one line, exit code 2."""


def _print_failures(failures, data) -> None:
    for failure in failures[:SHOWN_FAILURES]:
        print(failure)
    if len(failures) > SHOWN_FAILURES:
        print(f"... and {len(failures) - SHOWN_FAILURES} more")
    print(f"{len(failures)} failure(s); nothing in {data or 'data/'} is valid until they are fixed "
          "(`indicators validate` lists them).", file=sys.stderr)


def _output_file(path: Path, force: bool, suffixes: tuple[str, ...]) -> Path:
    """A file the command may write: its folder exists and is writable, it is not a folder,
    and an existing file is replaced only with --force."""
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name ending in {' or '.join(suffixes)}")
    if path.suffix.lower() not in suffixes:
        raise UserError(f"{path} should end in {' or '.join(suffixes)}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UserError(f"cannot write in {folder} (permission denied)")
    if path.exists() and not force:
        raise UserError(f"{path} exists; add --force to replace it")
    return path


def _check_outputs(paths: list[Path], force: bool) -> None:
    for path in paths:
        if path.is_dir():
            raise UserError(f"{path} is a folder, where a file is to be written")
        folder = path.parent
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{folder} is a file, where a folder is needed")
        if folder.is_dir() and not os.access(folder, os.W_OK):
            raise UserError(f"cannot write in {folder} (permission denied)")
        if path.exists() and not force:
            raise UserError(f"{path} exists; add --force to replace it")


def _side(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of pixels") from None
    if not MIN_SIDE <= value <= MAX_SIDE:
        raise argparse.ArgumentTypeError(f"{value} is outside {MIN_SIDE} to {MAX_SIDE} pixels")
    return value


def _validate(args: argparse.Namespace) -> int:
    if args.no_cache:
        os.environ["INDICATORS_PROOF_CACHE"] = "off"  # prove every row, remember nothing
    dataset, failures = validate_folder(args.data)
    if failures:
        _print_failures(failures, args.data)
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
        _output_file(args.csv, args.force, (".csv",))
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
    out = _output_file(args.out or Path(f"{args.indicator}.{args.format}"), args.force, (f".{args.format}",))
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
    _output_file(args.out, args.force, (".pptx",))
    scope = dataset.area_names().get(args.area, "all reform areas")
    if args.indicator:
        scope = "selected indicators"
    with image_server():
        write_deck(dataset, args.out, chosen, scope)
    print(f"Wrote {args.out}: {deck_size(len(chosen))} slides ({len(chosen)} indicators)")
    return 0


def _export(args: argparse.Namespace) -> int:
    dataset = load(args.data)
    if args.out.exists() and not args.out.is_dir() and args.out.suffix.lower() != f".{args.format}":
        raise UserError(f"{args.out} is a file; give a folder, or a file name ending in .{args.format}")
    _check_outputs(export_paths(args.format, args.out), args.force)
    written = export(dataset, args.format, args.out)
    for path in written:
        print(f"Wrote {path}")
    return 0


def _add_source(args: argparse.Namespace) -> int:
    data = args.data or paths.data_dir()
    try:
        added = add_source(data, args.file, args.symbol, args.title, args.publisher, args.url,
                           published=args.published, year=args.year, kind=args.kind, language=args.language,
                           licence=args.licence, cutoff=args.cutoff, force=args.force)
    except SourceExists as error:
        raise UserError(str(error)) from None
    except FileProblem as error:
        raise UserError(f"{error.file}: {error.message}") from None
    unit = {"report": "paragraphs", "document": "pages and sections", "dataset": "rows"}[added.kind]
    print(f"Stored {added.symbol} as a {added.kind}: {added.parts} {unit} in {added.path}")
    print("Next: add its figures with their locations and quotes, then run `indicators validate`.")
    return 0


def _store(args: argparse.Namespace):
    from indicators.store import Store

    store = Store(args.database)
    store.migrate()
    if store.seed(args.data):
        print(f"Seeded the empty store from {args.data or paths.data_dir()}", file=sys.stderr)
    return store


def _user(args: argparse.Namespace):
    from indicators.store import User

    # The command line runs as the local account that owns the store; the app checks sign-in.
    return User(args.user or os.environ.get("USER", "local"), args.role)


def _import(args: argparse.Namespace) -> int:
    from indicators.files import max_file_bytes
    from indicators.imports import import_table, read_upload

    try:
        # A file on this machine may be as large as the data files themselves.
        frame = read_upload(args.file.name, args.file.read_bytes(), limit=max_file_bytes())
    except FileProblem as error:
        raise UserError(f"{error.file}: [{error.rule}] {error.message}") from None
    plan = import_table(_store(args), args.table, frame, _user(args), args.reason or "", commit=args.commit)
    for line in plan.lines():
        print(line)
    counts = ", ".join(f"{n} {status}" for status, n in plan.counts().items())
    if not plan.ok:
        print(f"Nothing imported: {counts}.", file=sys.stderr)
        return 1
    if plan.change_id is not None:
        print(f"Submitted change {plan.change_id} for review: {counts}.")
    else:
        print(f"Dry run: {counts}. Add --commit --reason '...' to submit it for review.")
    return 0


def _review(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.approve or args.reject:
        store.review(args.approve or args.reject, _user(args), approve=bool(args.approve), note=args.note or "")
        print(f"Change {args.approve or args.reject} {'published' if args.approve else 'rejected'}.")
        return 0
    waiting = store.pending()
    if waiting.empty:
        print("No change is waiting for review.")
    for change in waiting.itertuples():
        print(f"change {change.id} by {change.author} ({change.origin}, {change.created_at:%Y-%m-%d %H:%M}): "
              f"{change.reason}")
    return 0


def _dump(args: argparse.Namespace) -> int:
    if args.out.exists() and any(args.out.iterdir()) and not args.force:
        raise UserError(f"{args.out} is not empty; add --force to write into it")
    out = _store(args).dump(args.out)
    print(f"Wrote the published state to {out}/")
    return 0


def _backup(args: argparse.Namespace) -> int:
    if args.out.exists():
        raise UserError(f"{args.out} exists; give a new file name")
    _store(args).backup(args.out)
    print(f"Backed up the store to {args.out}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from indicators.extract import extract_text, match, read_any, summary, table

    dataset = load(args.data)
    if args.source in dataset.sources:
        source = dataset.sources[args.source]
        raw = (Path(dataset.folder) / paths.SOURCES_DIR / source.text_file).read_text(encoding="utf-8")
        symbol = args.source
    else:
        path = Path(args.source)
        if not path.is_file():
            raise UserError(f"{args.source} is neither a stored source nor a file")
        try:
            raw = read_any(path)
        except FileProblem as error:
            raise UserError(f"{error.file}: {error.message}") from None
        symbol = args.symbol or path.stem
    found = match(extract_text(raw, symbol), dataset)
    _output_file(args.out, args.force, (".csv",))
    if args.rows:
        _output_file(args.rows, args.force, (".csv",))
    table(found).to_csv(args.out, index=False)
    for line in summary(found):
        print(line)
    print(f"Wrote {args.out}")
    if args.rows:
        # The matched figures not stored yet, as rows of observations.csv with their proposed
        # periods: delete what is not wanted, fill what is blank, then `indicators import`.
        from indicators.candidates import observation_rows

        wanted = [c for c in found if c.indicator_id is not None and not c.restates]
        units = dict(zip(dataset.catalogue["id"], dataset.catalogue["unit"], strict=True))
        observation_rows(table(wanted), units).to_csv(args.rows, index=False)
        dated = sum(bool(c.period_start) for c in wanted)
        print(f"Wrote {args.rows}: {len(wanted)} matched figures not stored yet ({dated} with a proposed period); "
              f"review them, then `indicators import {args.rows}`")
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from indicators.accounts import hash_password

    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("Password: ")
    if len(password) < 12:
        raise UserError("use a password of at least 12 characters")
    print(hash_password(password))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="indicators", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("validate", _validate, "check every table in the data folder"),
        ("list", _list, "print the catalogue by reform area with latest values and coverage"),
        ("progress", _progress, "print baseline, latest, target, pace and status of each indicator"),
        ("chart", _chart, "write an indicator's chart (or 'goals') as a PNG, SVG or PDF image"),
        ("slides", _slides, "write a briefing deck (.pptx)"),
        ("export", _export, "write the dataset as CSV, Excel, JSON or a Frictionless Data Package"),
        ("add-source", _add_source, "store a new source (.pdf, .txt, .html or .csv) and describe it in sources.yaml"),
        ("import", _import, "check a CSV or Excel table of figures against the store; --commit submits it for review"),
        ("review", _review, "list the changes waiting for review, or --approve / --reject one"),
        ("dump", _dump, "write the store's published state as a data folder"),
        ("backup", _backup, "copy a SQLite store safely while it is in use"),
        ("extract", _extract, "propose candidate figures from a stored source or a .txt, .pdf or .html file"),
        ("hash-password", _hash_password, "print an argon2 hash of a password (read from the terminal or stdin)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data)")
        command.set_defaults(handler=handler)
        if name in ("import", "review", "dump", "backup"):
            command.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL, else store/indicators.sqlite)")
        if name in ("import", "review"):
            command.add_argument("--user", help="who is acting (default: the login name)")
            command.add_argument("--role", choices=("editor", "reviewer"), default="editor")
        if name == "validate":
            command.add_argument("--no-cache", action="store_true",
                                 help="validate and prove every row again, trusting no remembered proof or folder")
        if name == "import":
            command.add_argument("file", type=Path, help="a .csv or .xlsx table in the format of the data files")
            command.add_argument("--table", choices=("observations", "targets", "milestones"), default="observations")
            command.add_argument("--commit", action="store_true", help="submit it for review (default: a dry run)")
            command.add_argument("--reason", help="why: shown to the reviewer and kept in the history")
        if name == "review":
            command.add_argument("--approve", type=int, metavar="CHANGE")
            command.add_argument("--reject", type=int, metavar="CHANGE")
            command.add_argument("--note", help="a word for the author")
        if name in ("dump", "backup"):
            command.add_argument("--out", type=Path, required=True)
        if name == "extract":
            command.add_argument("source", help="a stored source's symbol (A/72/573) or a file")
            command.add_argument("--out", type=Path, required=True, help="the candidates, as a .csv file")
            command.add_argument("--symbol", help="the symbol to cite a file by (default: its name)")
            command.add_argument("--rows", type=Path,
                                 help="also write the matched figures not stored yet as observations.csv rows, "
                                      "ready for `indicators import`")
        if name in ("progress", "chart", "slides", "export", "add-source", "dump", "extract"):
            command.add_argument("--force", action="store_true", help="replace files that already exist")
        if name == "progress":
            command.add_argument("--csv", type=Path, help="also write the full table to this CSV file")
            command.add_argument("--all", action="store_true",
                                 help="show every indicator, not only those with a target or a change")
        if name == "chart":
            command.add_argument("indicator", help="indicator id, or 'goals' for the baseline-vs-goals chart")
            command.add_argument("--format", choices=IMAGE_FORMATS, default="png")
            command.add_argument("--out", type=Path, help="output file (default: INDICATOR.FORMAT)")
            command.add_argument("--width", type=_side, default=SLIDE_WIDTH,
                                 help=f"pixels, {MIN_SIDE} to {MAX_SIDE} (default {SLIDE_WIDTH})")
            command.add_argument("--height", type=_side, default=SLIDE_HEIGHT,
                                 help=f"pixels, {MIN_SIDE} to {MAX_SIDE} (default {SLIDE_HEIGHT})")
        if name == "slides":
            command.add_argument("--out", type=Path, required=True, help="the .pptx file to write")
            command.add_argument("--area", help="only this reform area (its id, e.g. women_in_peacekeeping)")
            command.add_argument("--indicator", action="append",
                                 help="only this indicator; repeat for several")
        if name == "export":
            command.add_argument("--format", choices=EXPORT_FORMATS, required=True)
            command.add_argument("--out", type=Path, required=True,
                                 help="output folder (for xlsx and json also a file name ending in that format)")
        if name == "add-source":
            command.add_argument("file", type=Path, help="the source: .pdf, .txt, .html or .csv")
            command.add_argument("--symbol", required=True, help="its symbol, e.g. A/73/480")
            command.add_argument("--title", required=True)
            command.add_argument("--publisher", required=True, help="who issued it, e.g. 'Secretary-General'")
            command.add_argument("--url", required=True, help="its public https:// address")
            command.add_argument("--published", help="publication date, YYYY-MM-DD")
            command.add_argument("--year", type=int, help="year of issue (default: from --published)")
            command.add_argument("--kind", choices=KINDS, help="report, document or dataset (default: guessed)")
            command.add_argument("--language", default="en")
            command.add_argument("--licence", help="the source's terms")
            command.add_argument("--cutoff", help="the latest date its figures stand at, YYYY-MM-DD")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.data is not None and not args.data.is_dir():
            raise UserError(f"there is no data folder at {args.data}")
        code = args.handler(args)
        sys.stdout.flush()
        return code
    except UserError as error:
        print(f"indicators {args.command}: {error}", file=sys.stderr)
        return 2
    except PermissionError as error:
        print(f"indicators {args.command}: not allowed: {error}", file=sys.stderr)
        return 2
    except (KeyError, ValueError) as error:
        if args.command not in ("review", "import", "backup", "dump"):
            raise
        print(f"indicators {args.command}: {str(error).strip(chr(39))}", file=sys.stderr)
        return 2
    except DataValidationError as error:
        _print_failures(error.failures, args.data)
        return 1
    except ImageExportUnavailable as error:
        print(error, file=sys.stderr)
        return 3
    except ImageExportFailed as error:
        print(f"indicators {args.command}: {error}", file=sys.stderr)
        return 4
    except BrokenPipeError:
        # The reader (say `indicators list | head`) stopped reading: end quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        # Disk full, a folder removed mid-run: the system's reason, in one line.
        print(f"indicators {args.command}: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
