import re
import shutil
import subprocess
from pathlib import Path

import indicators
from tests.conftest import edit_csv

COMMAND = shutil.which("indicators") or str(Path(__file__).resolve().parents[1] / ".venv/bin/indicators")


def run(*args):
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, timeout=120)


def test_validate_passes_on_shipped_data(dataset):
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"OK: {len(dataset.catalogue)} indicators, {len(dataset.observations)} observations, "
            f"{len(dataset.targets)} targets") in result.stdout


def test_validate_prints_one_line_per_failure_and_exits_non_zero(data_copy):
    edit_csv(data_copy / "observations.csv", {(0, "value"): "-189", (4, "value"): "650"})
    result = run("validate", "--data", str(data_copy))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert "observations.csv row 2, column value: [count_negative] count -189 is negative" in lines
    assert "observations.csv row 6, column value: [percent_out_of_range] percentage 650 is outside 0 to 100" in lines
    assert all(re.match(r"^\S+ row \d+, column \w+: \[\w+\] ", line) for line in lines)


def test_list_shows_every_indicator_by_area(dataset):
    result = run("list")
    assert result.returncode == 0, result.stderr
    for name in dataset.reform_areas["name"]:
        assert f"\n{name}\n" in result.stdout
    for indicator_id in dataset.catalogue["id"]:
        assert indicator_id in result.stdout
    assert re.search(r"targeted_attacks_on_peacekeepers\s+227 \(1 Nov 2016 to 31 Oct 2017\)\s+obs 2\s+targets 0",
                     result.stdout)
    assert re.search(r"units_certified_ready\s+35\.6% \(104 of 292\)", result.stdout)


def test_progress_prints_the_table_and_writes_csv(tmp_path):
    out = tmp_path / "progress.csv"
    result = run("progress", "--csv", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["indicator", "baseline", "latest", "change", "target", "deadline", "progress",
                                "required", "status"]
    attacks = next(line for line in lines if line.startswith("targeted_attacks_on_peacekeepers"))
    assert attacks.split()[1:4] == ["189", "227", "+38"]
    parity = next(line for line in lines if line.startswith("women_civilian_staff_peace_operations"))
    # The parity target is set system-wide: marked with an asterisk, explained below the table.
    assert parity.split()[1:6] == ["28%", "28%", "–", "50%*", "2028"]
    import pandas as pd

    from indicators.exports import PROGRESS_COLUMNS

    table = pd.read_csv(out, keep_default_na=False)
    assert len(table) == len(indicators.load().catalogue)
    assert list(table.columns) == [c.name for c in PROGRESS_COLUMNS]
    row = table.set_index("indicator_id").loc["targeted_attacks_on_peacekeepers"]
    # Periods as the source names them, never the fractional year they are plotted at.
    assert (row["baseline_period"], row["latest_period"]) == ("Nov 2015 to Oct 2016", "Nov 2016 to Oct 2017")
    assert not any(column.endswith("_year") for column in table.columns)
    assert row["status_reason"].startswith("+38 since the baseline")


def test_the_readme_documents_every_progress_csv_column():
    from indicators.exports import PROGRESS_COLUMNS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Progress table"):]
    assert all(f"`{c.name}`" in section for c in PROGRESS_COLUMNS)


def test_output_piped_into_a_closed_reader_ends_quietly():
    # The reader is gone before the command has even started writing, as with `| head -0`.
    process = subprocess.Popen([COMMAND, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0
    assert b"Traceback" not in errors and b"Exception ignored" not in errors
