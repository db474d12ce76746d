"""How fast, and in how much memory, hostile uploads are refused.

    .venv/bin/python bench/bench_uploads.py                 # this checkout
    .venv/bin/python bench/bench_uploads.py --before REV    # and the code of a git revision, side by side

Each case runs in a process of its own, as a user would meet it: an upload in the app
(``read_upload`` then the dry run, on a store seeded from the shipped data) or a file given
to ``indicators import`` (the dry run of the command line). The time and the memory the
process gained (peak resident set) are those of that call alone; the goals are 2 s and
200 MB, and each figure is printed beside its ratio to the goal (and, with ``--before``,
to the same case on the older code, measured in the same run).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS, GOAL_MB = 2.0, 200.0

# Run in the measured process: the case's bytes are made before the clock starts.
PROBE = r"""
import json, resource, sys, time
from pathlib import Path
case, path, folder = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
from indicators.paths import DEFAULT_DATA_DIR
from indicators.store import Store
store = Store(f"sqlite:///{folder / 'store.sqlite'}")
store.migrate()
store.seed(DEFAULT_DATA_DIR)
content = path.read_bytes() if case == "app" else None
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
outcome = "accepted"
if case == "app":
    from indicators.imports import plan_import, read_upload
    try:
        plan = plan_import(store, "observations", read_upload(path.name, content))
        outcome = "refused" if not plan.ok else "accepted"
    except Exception as error:
        outcome = f"refused ({type(error).__name__}: {str(error)[:70]})"
else:
    from indicators import cli
    code = cli.main(["import", str(path), "--database", store.url])
    outcome = "refused" if code else "accepted"
seconds = time.perf_counter() - start
gained = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"seconds": seconds, "mb": gained, "outcome": outcome}))
"""


def wide_csv(columns: int = 10_000, rows: int = 240) -> bytes:
    """A CSV of ``columns`` columns that stays within the app's 5 MB (4.8 MB)."""
    header = ",".join(f"c{n}" for n in range(columns))
    return (header + "\n" + "\n".join(",".join("x" for _ in range(columns)) for _ in range(rows)) + "\n").encode()


def wide_xlsx(columns: int = 10_000, rows: int = 100) -> bytes:
    """A workbook of ``columns`` columns within the app's 5 MB and the unpacked-size limit."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("observations")
    sheet.append([f"c{n}" for n in range(columns)])
    for _ in range(rows):
        sheet.append(["x"] * columns)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def large_csv(megabytes: int = 50) -> bytes:
    """Shipped rows repeated to ``megabytes``: every cell as real figures have them."""
    rows = (ROOT / "data" / "observations.csv").read_text(encoding="utf-8").splitlines()
    header, body = rows[0], rows[1:]
    size, lines = 0, [header]
    while size < megabytes * 1024 * 1024:
        for line in body:
            lines.append(line)
            size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


CASES = [
    ("10,000-column CSV, app upload", "app", "wide.csv", wide_csv),
    ("10,000-column workbook, app upload", "app", "wide.xlsx", wide_xlsx),
    ("50 MB CSV, indicators import", "cli", "large.csv", large_csv),
]


def measure(code: Path, case: str, path: Path, scratch: Path, timeout: float) -> dict:
    folder = Path(tempfile.mkdtemp(dir=scratch))
    env = {**os.environ, "PYTHONPATH": str(code), "INDICATORS_PROOF_CACHE": str(folder / "proofs.bin")}
    env.pop("DATABASE_URL", None)
    try:
        done = subprocess.run([sys.executable, "-c", PROBE, case, str(path), str(folder)], cwd=code, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "mb": float("nan"), "outcome": f"still running after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"seconds": float("nan"), "mb": float("nan"), "outcome": f"failed: {done.stderr.strip()[-200:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def worktree(revision: str, scratch: Path) -> Path:
    target = scratch / "before"
    subprocess.run(["git", "worktree", "add", "--detach", str(target), revision], cwd=ROOT, check=True,
                   capture_output=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="a git revision to measure beside this checkout")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a case is stopped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="indicators-bench-uploads-") as name:
        scratch = Path(name)
        codes = {"now": ROOT}
        if args.before:
            codes = {"before": worktree(args.before, scratch), **codes}
        try:
            print(f"{'case':<38} {'code':<7} {'seconds':>8} {'x goal':>7} {'MB':>8} {'x goal':>7}  outcome")
            for label, case, file, make in CASES:
                path = scratch / file
                path.write_bytes(make())
                figures = {}
                for which, code in codes.items():
                    figures[which] = got = measure(code, case, path, scratch, args.timeout)
                    print(f"{label:<38} {which:<7} {got['seconds']:>8.2f} {got['seconds'] / GOAL_SECONDS:>7.2f} "
                          f"{got['mb']:>8.0f} {got['mb'] / GOAL_MB:>7.2f}  {got['outcome']}")
                if "before" in figures:
                    before, now = figures["before"], figures["now"]
                    print(f"{'':<38} {'ratio':<7} {now['seconds'] / before['seconds']:>8.3f} {'':>7} "
                          f"{now['mb'] / max(before['mb'], 1):>8.3f}   now / before, {path.stat().st_size / 1e6:.1f} MB")
        finally:
            if args.before:
                subprocess.run(["git", "worktree", "remove", "--force", str(codes["before"])], cwd=ROOT,
                               capture_output=True)


if __name__ == "__main__":
    main()
