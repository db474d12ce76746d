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
from indicators.exports import export, progress_csv_table
from indicators.formatting import MISSING, format_change, format_number, format_value
from indicators.images import FORMATS as IMAGE_FORMATS
from indicators import paths
from indicators.exports import export_paths
from indicators.files import FileProblem
from indicators.imports import TABLE_NAMES
from indicators.ingest import SourceExists
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
from indicators.store import ChangeRefused
from indicators.validation import DataValidationError, validate_folder

# How many failure lines to print before summing up: a broken 200 MB file would otherwise
# print hundreds of thousands of them.
SHOWN_FAILURES = 200
# Rows of an import's dry run listed, and failures of each rule (--all lists them all).
SHOWN_ROWS = 50
TABLE_CHOICES = tuple(TABLE_NAMES)


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
    table = coverage(_published(args))
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
    table = progress_table(_published(args))
    if args.csv:
        _output_file(args.csv, args.force, (".csv",))
        progress_csv_table(table).to_csv(args.csv, index=False)
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
    dataset = _published(args)
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
    dataset = _published(args)
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
    print(f"Wrote {args.out}: {deck_size(dataset, chosen)} slides ({len(chosen)} indicators)")
    return 0


def _export(args: argparse.Namespace) -> int:
    dataset = _published(args)
    if args.out.exists() and not args.out.is_dir() and args.out.suffix.lower() != f".{args.format}":
        raise UserError(f"{args.out} is a file; give a folder, or a file name ending in .{args.format}")
    _check_outputs(export_paths(args.format, args.out), args.force)
    written = export(dataset, args.format, args.out)
    for path in written:
        print(f"Wrote {path}")
    return 0


def _template(args: argparse.Namespace) -> int:
    from indicators.templates import describe, template_csv, template_xlsx

    out = _output_file(args.out, args.force, (".csv", ".xlsx"))
    dataset = _published(args)
    if out.suffix.lower() == ".csv":
        out.write_bytes(template_csv(args.table))
    else:
        out.write_bytes(template_xlsx(dataset, args.table))
    print(f"Wrote {out}: the {args.table} table, empty. Its columns:")
    for row in describe(dataset, args.table).itertuples():
        allowed = f" One of: {_short(row.allowed, 200)}." if row.allowed else ""
        print(f"  {row.column} ({row.type}{', required' if row.required == 'yes' else ''}): {row.description}."
              f"{allowed}")
    return 0


def _add_source(args: argparse.Namespace) -> int:
    from indicators.imports import source_conflicts
    from indicators.ingest import add_to_folder, prepare_source, refuse_conflicts
    from indicators.store import PUT, Edit, folder_state, new_failures

    try:
        record, added = prepare_source(args.file, args.symbol, args.title, args.publisher, args.url,
                                       published=args.published, year=args.year, kind=args.kind,
                                       language=args.language, licence=args.licence, cutoff=args.cutoff)
    except FileProblem as error:
        raise UserError(f"{error.file}: {error.message}") from None
    unit = {"report": "paragraphs", "document": "pages and sections", "dataset": "rows"}[added.kind]
    edit = Edit("source", added.symbol, PUT, record)
    if args.into is not None:
        # A working copy: checked by the same rules first, then written; the store it
        # seeds proposes it for review like any edit of the files.
        if not args.into.is_dir():
            raise UserError(f"there is no data folder at {args.into}")
        try:
            refuse_conflicts(args.into, record, args.force)
            failures = new_failures(folder_state(args.into), [edit])
            if failures:
                raise DataValidationError(failures)
            path = add_to_folder(args.into, record, force=args.force)
        except SourceExists as error:
            raise UserError(str(error)) from None
        print(f"Stored {added.symbol} as a {added.kind}: {added.parts} {unit} in {path}")
        print("Next: add its figures with their locations and quotes, then run `indicators validate`.")
        return 0
    store = _store(args)
    user = _identity(args, store)
    known = added.symbol in store.state().get("source", {})
    if known and not args.force:
        raise UserError(f"{added.symbol} is in the store already; add --force to propose its text corrected")
    conflicts = source_conflicts(store, record)
    if conflicts:
        raise UserError(conflicts[0])
    failures = store.check([edit])
    if failures:
        raise DataValidationError(failures)
    change = store.submit([edit], user, args.reason or f"{'correct' if known else 'add'} {added.symbol}",
                          origin="add-source", check=False)  # just checked; approval checks again
    print(f"Submitted change {change} for review: {added.symbol} as a {added.kind}, {added.parts} {unit}.")
    print(f"A reviewer reads it (`indicators review --show {change}`) and publishes it; then its figures can be "
          "added.")
    return 0


CLI_ADDRESS = "command line"


def _store(args: argparse.Namespace):
    """The store the command reads and writes, its schema brought up to date, seeded when
    empty, and the data folder's files compared with it: what differs waits for review."""
    from indicators.store import Store

    store = Store(args.database, data_dir=args.data)
    store.migrate()
    if store.seed(args.data):
        print(f"Seeded the empty store from {args.data or paths.data_dir()}", file=sys.stderr)
    folder = Path(args.data or paths.data_dir()).name
    try:
        store.sync_from_files(args.data)
    except DataValidationError as error:
        print(f"Note: the files of {folder}/ differ from the store but do not validate ({len(error.failures)} "
              "problem(s), `indicators validate` lists them), so nothing was proposed from them.", file=sys.stderr)
    waiting = store.pending_from_files()
    if waiting is not None:
        print(f"Note: the files of {folder}/ differ from the store; change {waiting} waits for review "
              f"(`indicators review --show {waiting}`). What follows is the published data.", file=sys.stderr)
    return store


def _published(args: argparse.Namespace):
    """The store's published state, validated: what every reader shows."""
    return _store(args).dataset()


def _secret(variable: str, prompt: str) -> str:
    """A password from the environment, else the terminal (not echoed), else a line of stdin."""
    import getpass

    given = os.environ.get(variable)
    if given:
        return given
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise UserError(f"no password: set {variable}, or run the command in a terminal")
    return line


def _identity(args: argparse.Namespace, store):
    """Who is acting, signed in against the store's accounts: a token an administrator
    issued (INDICATORS_TOKEN), or a name (--user, INDICATORS_USER, else the login name) and
    its password. The role is the account's."""
    import getpass

    from indicators.accounts import Accounts

    accounts = Accounts(store)
    token = os.environ.get("INDICATORS_TOKEN")
    if token:
        return accounts.from_token(token, CLI_ADDRESS)
    name = args.user or os.environ.get("INDICATORS_USER") or getpass.getuser()
    return accounts.sign_in(name, _secret("INDICATORS_PASSWORD", f"Password for {name}: "), CLI_ADDRESS)


def _import(args: argparse.Namespace) -> int:
    from indicators.imports import import_table, read_upload_file

    try:
        frame = read_upload_file(args.file, args.table)
    except FileProblem as error:
        raise UserError(f"{error.file}: [{error.rule}] {error.message}") from None
    if args.commit and not (args.reason or "").strip():
        raise UserError("say why with --reason: the reviewer reads it, and the history keeps it")
    store = _store(args)
    user = _identity(args, store) if args.commit else None
    plan = import_table(store, args.table, frame, user, args.reason or "", commit=args.commit, name=args.file.name)
    limit = None if args.all else SHOWN_ROWS
    if not plan.ok:
        for line in [f"Note: {note}" for note in plan.notes] + plan.error_lines(limit):
            print(line)
        print(f"Nothing imported: {plan.summary()}.", file=sys.stderr)
        return 1
    for line in plan.lines(limit):
        print(line)
    if plan.change_id is not None:
        print(f"Submitted change {plan.change_id} for review: {plan.summary()}.")
    elif plan.counts()["added"] + plan.counts()["changed"]:
        print(f"Dry run: {plan.summary()}. Add --commit --reason '...' to submit it for review.")
    else:
        print(f"No change: {plan.summary()}.")
    return 0


def _review(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.show is not None:
        from indicators.imports import review_view

        change = store.change(args.show)
        if change is None:
            raise UserError(f"there is no change {args.show}")
        print(f"change {change.id} by {change.author} ({change.origin}, {change.created_at:%Y-%m-%d %H:%M}), "
              f"{change.status}: {change.reason}")
        plans, rest = review_view(store, args.show)
        for plan in plans:
            print(f"{plan.table}: {plan.summary()}")
            for line in plan.lines(None if args.all else SHOWN_ROWS):
                print(f"  {line}")
            for line in plan.error_lines():
                print(f"  {line}")
        for row in rest.itertuples():
            if row.action == "retract":
                print(f"  retract {row.record}")
            elif row.field == "":
                print(f"  {row.action} {row.record}: {row.proposed}")
            elif row.action == "correct":
                print(f"  correct {row.record}, {row.field}: {_short(row.now)!r} -> {_short(row.proposed)!r}")
            else:
                print(f"  add {row.record}, {row.field}: {_short(row.proposed)!r}")
        return 0
    if args.approve or args.reject:
        change = args.approve or args.reject
        store.review(change, _identity(args, store), approve=bool(args.approve), note=args.note or "")
        print(f"Change {change} {'published' if args.approve else 'rejected'}.")
        return 0
    waiting = store.pending()
    if waiting.empty:
        print("No change is waiting for review.")
    for change in waiting.itertuples():
        print(f"change {change.id} by {change.author} ({change.origin}, {change.created_at:%Y-%m-%d %H:%M}): "
              f"{change.reason}")
    return 0


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _history(args: argparse.Namespace) -> int:
    store = _store(args)
    history = store.history(args.entity, args.key)
    if history.empty:
        raise UserError(f"the store has never held {args.entity} {args.key}")
    for row in history.itertuples():
        print(f"revision {row.revision} (change {row.change}, {row.status}) by {row.author}, "
              f"{row.created_at:%Y-%m-%d %H:%M}: {row.action}: {row.reason}")
    return 0


def _retract(args: argparse.Namespace) -> int:
    store = _store(args)
    change = store.retract(args.entity, args.key, _identity(args, store), args.reason)
    print(f"Submitted change {change} for review: retract {args.entity} {args.key}.")
    return 0


def _restore(args: argparse.Namespace) -> int:
    store = _store(args)
    change = store.restore(args.revision, _identity(args, store), args.reason)
    print(f"Submitted change {change} for review: revision {args.revision} restored.")
    return 0


def _account(args: argparse.Namespace) -> int:
    """Accounts of the store. The first account made in a store without any is its
    administrator; after that, only an administrator (signed in) manages accounts."""
    from indicators.accounts import Accounts

    store = _store(args)
    accounts = Accounts(store)
    first = not accounts.exist()
    if first and args.action != "add":
        raise UserError("the store has no account yet: `indicators account add NAME --role reviewer` makes the "
                        "first, its administrator")
    if not first:
        acting = _identity(args, store)
        if not accounts.get(acting.name).admin:
            raise PermissionError(f"{acting.name} is not an administrator of accounts")
    if args.action == "list":
        for row in accounts.table().itertuples():
            print(f"{row.name:<30} {row.role:<9} {'admin' if row.admin else '':<5} "
                  f"{'password' if row.password else 'identity provider only'}")
        return 0
    if args.name is None:
        raise UserError(f"`indicators account {args.action}` needs the account's name")
    if args.action == "add":
        if args.role is None:
            raise UserError("give the account's role: --role reader, editor or reviewer")
        password = None if args.no_password else _new_password(args.name)
        made = accounts.add(args.name, args.role, password, admin=first or args.admin)
        print(f"Added {made.name} ({made.role}{', administrator' if made.admin else ''}).")
    elif args.action == "role":
        if args.role is None:
            raise UserError("give the new role: --role reader, editor or reviewer")
        accounts.set_role(args.name, args.role)
        accounts.set_admin(args.name, args.admin)
        print(f"{args.name} is now {args.role}{', administrator' if args.admin else ''}; it counts from the "
              "account's next request.")
    elif args.action == "password":
        accounts.set_password(args.name, _new_password(args.name))
        print(f"Set a new password for {args.name}.")
    elif args.action == "remove":
        accounts.remove(args.name)
        print(f"Removed {args.name}; its tokens no longer sign in.")
    elif args.action == "token":
        print(accounts.issue_token(args.name, args.days))
        print(f"A token for {args.name}, valid {args.days} days, shown once: give it as INDICATORS_TOKEN.",
              file=sys.stderr)
    elif args.action == "revoke":
        print(f"Revoked {accounts.revoke_tokens(args.name)} token(s) of {args.name}.")
    return 0


def _new_password(name: str) -> str:
    """The new account's password: INDICATORS_NEW_PASSWORD, else typed twice, else a line of stdin."""
    import getpass

    if os.environ.get("INDICATORS_NEW_PASSWORD") or not sys.stdin.isatty():
        return _secret("INDICATORS_NEW_PASSWORD", "")
    first = getpass.getpass(f"New password for {name}: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ")
    return first


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

    dataset = _published(args)
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


# Commands whose mistakes of fact (an unknown change, a change decided already, a weak
# password) are the store's: said in one line, exit code 2.
STORE_COMMANDS = ("review", "import", "backup", "dump", "history", "retract", "restore", "account", "add-source")


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
        ("add-source", _add_source, "propose a new source (.pdf, .txt, .html or .csv) for review, or --into a data "
                                    "folder"),
        ("template", _template, "write an empty table to fill in and import (.csv, or .xlsx with drop-down lists)"),
        ("import", _import, "check a CSV or Excel table of figures against the store; --commit submits it for review"),
        ("review", _review, "list the changes waiting for review, or --approve / --reject one"),
        ("dump", _dump, "write the store's published state as a data folder"),
        ("backup", _backup, "copy a SQLite store safely while it is in use"),
        ("extract", _extract, "propose candidate figures from a stored source or a .txt, .pdf or .html file"),
        ("history", _history, "every revision of one record, with who, when and why"),
        ("retract", _retract, "propose withdrawing a published record (it stays in its history)"),
        ("restore", _restore, "propose a record as one of its revisions read"),
        ("account", _account, "manage the store's accounts: add, list, role, password, remove, token, revoke"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data)")
        command.set_defaults(handler=handler)
        if name != "validate":
            command.add_argument("--database", help="the store's SQLAlchemy URL (default: DATABASE_URL, else the "
                                                    "data folder's own SQLite file in store/)")
        if name in ("add-source", "import", "review", "retract", "restore", "account"):
            command.add_argument("--user", help="your account (default: INDICATORS_USER, else the login name); the "
                                                "password comes from INDICATORS_PASSWORD or the terminal, or give "
                                                "INDICATORS_TOKEN instead")
        if name in ("history", "retract"):
            command.add_argument("entity", choices=("observation", "target", "milestone", "indicator",
                                                    "reform_area", "source", "dataset"))
            command.add_argument("key", help="the record's key, as `indicators review --show` prints it")
        if name in ("retract", "restore"):
            command.add_argument("--reason", required=True, help="why: shown to the reviewer and kept in the history")
        if name == "restore":
            command.add_argument("revision", type=int, help="the revision to bring back (`indicators history`)")
        if name == "account":
            command.add_argument("action", choices=("add", "list", "role", "password", "remove", "token", "revoke"))
            command.add_argument("name", nargs="?", help="the account: a name, or the e-mail address of someone "
                                                         "who signs in through the identity provider")
            command.add_argument("--role", choices=("reader", "editor", "reviewer"))
            command.add_argument("--admin", action="store_true", help="may manage accounts")
            command.add_argument("--no-password", action="store_true",
                                 help="signs in only through the identity provider (by e-mail)")
            command.add_argument("--days", type=int, default=90, help="how long a token lasts (default 90)")
        if name == "validate":
            command.add_argument("--no-cache", action="store_true",
                                 help="validate and prove every row again, trusting no remembered proof or folder")
        if name == "template":
            command.add_argument("--table", choices=TABLE_CHOICES, default="observations")
            command.add_argument("--out", type=Path, required=True, help="the .csv or .xlsx file to write")
        if name == "import":
            command.add_argument("file", type=Path, help="a .csv or .xlsx table in the format of the data files")
            command.add_argument("--table", choices=TABLE_CHOICES, default="observations",
                                 help="which table the file holds (a workbook's sheet of that name is read)")
            command.add_argument("--all", action="store_true", help=f"list every row, not the first {SHOWN_ROWS}")
            command.add_argument("--commit", action="store_true", help="submit it for review (default: a dry run)")
            command.add_argument("--reason", help="why: shown to the reviewer and kept in the history")
        if name == "review":
            command.add_argument("--show", type=int, metavar="CHANGE",
                                 help="what a change writes: each row's changed columns, old and new, and its proof")
            command.add_argument("--all", action="store_true", help=f"with --show, list every row, not the first "
                                                                    f"{SHOWN_ROWS}")
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
        if name in ("progress", "chart", "slides", "export", "add-source", "dump", "extract", "template"):
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
            command.add_argument("--reason", help="why, for the reviewer (default: 'add SYMBOL')")
            command.add_argument("--into", type=Path, help="write it into this data folder instead (a working "
                                                           "copy), checked by the same rules")
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
    except DataValidationError as error:
        _print_failures(error.failures, args.data)
        return 1
    except ChangeRefused as error:
        print(f"indicators {args.command}: {error.what}: the published data would not validate:", file=sys.stderr)
        for failure in error.failures[:SHOWN_FAILURES]:
            print(failure)
        return 1
    except (KeyError, ValueError) as error:
        if args.command not in STORE_COMMANDS:
            raise
        print(f"indicators {args.command}: {str(error).strip(chr(39))}", file=sys.stderr)
        return 2
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
