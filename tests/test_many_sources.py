"""Many sources over time, from fictional fixtures (TEST/2 a report, TEST/3 a web page,
TEST/4 a table): added with `indicators add-source`, charted as one series with a revised
point, cited point by point, each kind with its own proof."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import indicators
from indicators import cli
from indicators.charts import indicator_chart
from indicators.exports import tables
from indicators.progress import assess_all
from indicators.series import observations_of, targets_of
from indicators.sources import split_paragraphs
from tests.conftest import assert_same_as_full, edit_csv, require

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "many_sources"
MAIN = str(Path(__file__).resolve().parents[1] / "app" / "main.py")
ATTACKS = "targeted_attacks_on_peacekeepers"
SOURCES = [
    ("TEST-2.txt", "TEST/2", "Fictional report for tests: the year after", ["--published", "2018-11-15",
                                                                              "--cutoff", "2018-10-31"]),
    ("TEST-3.html", "TEST/3", "Fewer attacks on peacekeepers (fictional)", ["--published", "2019-11-20",
                                                                             "--cutoff", "2019-10-31"]),
    ("TEST-4.csv", "TEST/4", "Attacks and satisfaction by year (fictional table)", ["--published", "2021-01-15",
                                                                                    "--cutoff", "2020-12-31"]),
]


def add_fixtures(folder: Path) -> None:
    for file, symbol, title, extra in SOURCES:
        assert cli.main(["add-source", str(FIXTURES / file), "--into", str(folder), "--symbol", symbol,
                         "--title", title, "--publisher", "Test fixture (fictional)",
                         "--url", f"https://example.org/{symbol.replace('/', '-')}", *extra]) == 0
    for name in ("observations.csv", "targets.csv"):
        rows = (FIXTURES / name).read_text(encoding="utf-8").split("\n", 1)[1]
        with (folder / name).open("a", encoding="utf-8") as out:
            out.write(rows)


@pytest.fixture
def many(data_copy) -> Path:
    add_fixtures(data_copy)
    return data_copy


@pytest.fixture
def dataset(many):
    return indicators.load(many)


def test_add_source_stores_each_kind(many):
    entries = {s.symbol: s for s in indicators.load(many).sources.values()}
    assert (entries["TEST/2"].kind, entries["TEST/3"].kind, entries["TEST/4"].kind) == ("report", "document", "dataset")
    assert entries["TEST/2"].paragraph(2).startswith("The number of targeted attacks")
    page = (many / "sources" / "TEST-3.txt").read_text()
    assert "## Key figures" in page and "tracking" not in page and "Home | News" not in page
    assert entries["TEST/3"].text_at("section Key figures").startswith("Targeted attacks on peacekeepers fell to 180")
    assert len(entries["TEST/4"].table) == 3


def test_add_source_refuses_a_symbol_already_there(many, capsys):
    assert cli.main(["add-source", str(FIXTURES / "TEST-2.txt"), "--into", str(many), "--symbol", "TEST/2",
                     "--title", "Again", "--publisher", "x", "--url", "https://example.org/x"]) == 2
    assert "TEST/2 is already in sources/sources.yaml" in capsys.readouterr().err


def test_one_series_from_three_kinds_of_source(dataset):
    series = observations_of(dataset, ATTACKS)
    assert series["value"].tolist() == [189, 229, 195, 180, 160]
    assert series["source"].tolist() == ["A/72/573", "TEST/2", "TEST/2", "TEST/3", "TEST/4"]
    assert {dataset.sources[s].kind for s in series["source"]} == {"report", "document", "dataset"}


def test_the_later_publication_supersedes_and_both_are_kept(dataset):
    every = observations_of(dataset, ATTACKS, current=False)
    period = every[every["period_label"] == "1 Nov 2016 to 31 Oct 2017"].set_index("source")
    assert period.loc["A/72/573", ["value", "current", "superseded_by"]].tolist() == [227, False, "TEST/2"]
    assert period.loc["TEST/2", ["value", "current", "revised"]].tolist() == [229, True, True]
    restated = observations_of(dataset, "field_support_client_satisfaction", current=False)
    again = restated[restated["period_label"] == "2017"].set_index("source")
    assert not again.loc["TEST/2", "revised"] and not again.loc["A/72/573", "current"]


def test_the_chart_marks_the_revision_and_cites_each_point(dataset):
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    figure = indicator_chart(dataset, progress[ATTACKS])
    traces = {t.name: t for t in figure.data}
    assert list(traces["Superseded figure"].y) == [227]
    assert list(traces["Revised by a later source"].y) == [229]
    source = next(a.text for a in figure.layout.annotations if a.text.startswith("Source:")).replace("<br>", " ")
    assert source == ("Source: A/72/573, para. 100; TEST/2, para. 2; TEST/3, section \u201cKey figures\u201d; "
                      "TEST/4, row indicator=targeted_attacks, year_to=2020-10-31 · Data as of 31 Dec 2020")
    hover = [row[2] for row in traces["Observed"].customdata]
    assert hover[-1] == "TEST/4, row indicator=targeted_attacks, year_to=2020-10-31"


def test_as_of_is_the_indicator_own(dataset):
    # An indicator cited from A/72/573 alone: its as-of is that report's cut-off, not a later source's.
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    figure = indicator_chart(dataset, progress["women_individual_police"])
    source = next(a.text for a in figure.layout.annotations if a.text.startswith("Source:")).replace("<br>", " ")
    assert source.endswith("Data as of 31 Oct 2017")


def test_windows_that_differ_are_said(dataset):
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    figure = indicator_chart(dataset, progress["field_support_client_satisfaction"])
    notes = [a.text for a in figure.layout.annotations if a.text.startswith("Periods differ")]
    assert notes == ["Periods differ (calendar year, single date): each point sits at the middle of its period."]


def test_interim_and_final_targets_are_drawn_and_the_next_one_due_is_judged(dataset):
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    satisfaction = progress["field_support_client_satisfaction"]
    # The latest figure (31 Dec 2020) is after the 2019 interim target: judged against 2022.
    assert (satisfaction.target, satisfaction.deadline_label) == (80, "2022")
    stars = [t.name for t in indicator_chart(dataset, satisfaction).data if t.name and t.name.startswith("Target")]
    assert stars == ["Target 75% by 2019", "Target 80% by 2022"]


def test_a_replaced_target_is_kept_as_history(dataset):
    assert targets_of(dataset, "women_staff_officer_posts")["value"].tolist() == [25]
    history = targets_of(dataset, "women_staff_officer_posts", current=False).set_index("source")
    assert history.loc["A/72/573", ["value", "current", "superseded_by"]].tolist() == [15, False, "TEST/2"]
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    assert progress["women_staff_officer_posts"].target == 25


def test_exports_and_slides_cite_each_point_own_source(dataset):
    from indicators.slides import _citations

    exported = tables(dataset)["observations"]
    row = exported[(exported["source"] == "TEST/4") & (exported["indicator_id"] == ATTACKS)].iloc[0]
    assert row["location"] == "indicator=targeted_attacks; year_to=2020-10-31; column=value" and row["current"]
    citations = _citations(dataset, ATTACKS)
    assert any(c.endswith("(TEST/3, section \u201cKey figures\u201d)") for c in citations)
    assert not any("227" in c and "A/72/573" in c and "revised" not in c for c in citations[1:2])


@pytest.mark.parametrize("source, location, value, quote, rule", [
    ("TEST/4", "indicator=targeted_attacks; year_to=2020-10-31; column=value", "161", "x row x", "value_not_in_row"),
    ("TEST/4", "indicator=targeted_attacks; year_to=2021-10-31; column=value", "160", "x row x",
     "location_not_in_source"),
    ("TEST/4", "indicator=targeted_attacks; column=value", "160", "x row x", "location_not_in_source"),
    ("TEST/3", "section Key figures", "160", "Targeted attacks on peacekeepers fell to 180", "value_not_in_quote"),
    ("TEST/3", "section Contact", "180", "Targeted attacks on peacekeepers fell to 180", "location_not_in_source"),
    ("TEST/3", "page 1", "180", "fell to 180 in the year", None),
    ("TEST/2", "3", "229", "revised from 227 to 229", "quote_not_at_location"),
])
def test_each_kind_has_its_own_proof(many, source, location, value, quote, rule):
    frame = pd.read_csv(many / "observations.csv", dtype=str, keep_default_na=False)
    row = int(frame.index[(frame["source"] == "TEST/3")][0])
    edit_csv(many / "observations.csv", {(row, "source"): source, (row, "location"): location,
                                         (row, "value"): value, (row, "quote"): quote})
    _, failures = indicators.validate_folder(many)
    assert [f.rule for f in failures if f.row == row + 2] == ([rule] if rule else [])


def test_a_dataset_row_that_does_not_hold_the_figure_says_what_it_holds(many):
    frame = pd.read_csv(many / "observations.csv", dtype=str, keep_default_na=False)
    row = int(frame.index[(frame["source"] == "TEST/4")][0])
    edit_csv(many / "observations.csv", {(row, "value"): "161"})
    _, failures = indicators.validate_folder(many)
    [failure] = [f for f in failures if f.row == row + 2]
    assert failure.rule == "value_not_in_row"
    assert failure.message.endswith("holds 160 in column value, not 161"), failure.message


@pytest.mark.parametrize("params, shows", [
    ({"doc": "TEST/3", "section": "Key figures"}, "**Section Key figures**"),
    ({"doc": "TEST/2", "paragraph": "2"}, "**2.**"),
])
def test_the_source_reader_opens_any_source_from_the_url(monkeypatch, many, params, shows):
    monkeypatch.setenv("INDICATORS_DATA_DIR", str(many))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.switch_page("views/source.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert any(m.value.startswith(shows) for m in at.markdown), [m.value[:40] for m in at.markdown]


def test_the_source_reader_shows_a_dataset_row(monkeypatch, many):
    monkeypatch.setenv("INDICATORS_DATA_DIR", str(many))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.switch_page("views/source.py")
    at.query_params["doc"] = "TEST/4"
    at.query_params["row"] = "indicator=targeted_attacks; year_to=2020-10-31; column=value"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[table["value"] == "160", "captured by"].tolist() == [ATTACKS]
    assert any("row indicator=targeted\\_attacks" in m.value for m in at.markdown)


def test_a_pdf_made_by_libreoffice_round_trips_to_its_paragraphs(data_copy, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    require("LibreOffice", office, "apt-get install --no-install-recommends libreoffice-writer")
    text = (FIXTURES / "TEST-2.txt").read_text(encoding="utf-8")
    # Long enough to run over pages, so running headers and page breaks are exercised.
    body = text + "".join(f"{n}. Paragraph {n} of the fictional report, long enough to wrap over a line "
                          f"and to fill the page with words that carry on until paragraph {n} ends.\n" for n in range(6, 60))
    source = tmp_path / "TEST-5.txt"
    source.write_text(body, encoding="utf-8")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    assert cli.main(["add-source", str(tmp_path / "TEST-5.pdf"), "--into", str(data_copy), "--symbol", "TEST/5",
                     "--title", "Fictional report made into a PDF", "--publisher", "Test fixture (fictional)",
                     "--url", "https://example.org/TEST-5", "--published", "2019-01-01"]) == 0
    stored = indicators.load(data_copy).sources["TEST/5"]
    expected = split_paragraphs(body, "TEST/5")
    assert stored.kind == "report" and len(expected) == 59
    assert stored.paragraphs == expected


def test_progress_cites_the_sources_of_its_figures(dataset):
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    assert progress[ATTACKS].sources == ("A/72/573, para. 100; TEST/2, para. 2; TEST/3, section \u201cKey figures\u201d; "
                                         "TEST/4, row indicator=targeted_attacks, year_to=2020-10-31")


ATTACKS_2019 = ('targeted_attacks_on_peacekeepers,1 Nov 2018 to 31 Oct 2019,2018-11-01,2019-10-31,180,,,,,count,TEST/4,'
                'indicator=targeted_attacks; year_to=2019-10-31; column=value,"targeted_attacks,2019-10-31,180",\n')


def test_a_changed_dataset_row_is_validated_again_with_the_rows_of_its_period_alone(many, checked):
    # TEST/4 (a table) now holds two years of attacks, the first restating TEST/3's figure.
    with (many / "observations.csv").open("a", encoding="utf-8") as out:
        out.write(ATTACKS_2019)
    indicators.load(many)
    path = many / "observations.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"targeted_attacks,2019-10-31,180",\n', '"targeted_attacks,2019-10-31,180",Seen.\n'),
                    encoding="utf-8")
    dataset, _ = assert_same_as_full(many)
    # A table's figure is proven by its own cell, not by its place among the table's rows:
    # of TEST/4's two rows of the indicator, only the changed one is validated again.
    assert checked["rows"][1:] == [1, len(dataset.observations)]
    attacks = dataset.observations[(dataset.observations["indicator_id"] == ATTACKS)
                                   & (dataset.observations["period_end"] == "2019-10-31")]
    assert attacks.set_index("source")["superseded_by"].to_dict() == {"TEST/3": "TEST/4", "TEST/4": None}


def test_a_dataset_row_twice_is_reported_as_in_full(many, checked):
    with (many / "observations.csv").open("a", encoding="utf-8") as out:
        out.write(ATTACKS_2019)
    indicators.load(many)
    with (many / "observations.csv").open("a", encoding="utf-8") as out:
        out.write(ATTACKS_2019)  # its duplicate is not a changed row: found among the rows of its period
    dataset, failures = assert_same_as_full(many)
    assert dataset is None and {f.rule for f in failures} == {"duplicate_observation"}


def _first(folder: Path, source: str) -> int:
    frame = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    return int(frame.index[frame["source"] == source][0])


@pytest.mark.parametrize("workers", [2, 3])
def test_rows_proven_in_several_processes_pass_and_fail_as_in_one(many, monkeypatch, workers, tmp_path):
    import tempfile

    from indicators import quote_checks

    handed = tmp_path / "temporary"  # where the rows are handed to the helpers
    handed.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(handed))

    # A dataset's cell that does not hold the figure, a section's quote that does not state
    # it, a location not there, the ends of two statements taken as one pair (189 to 37),
    # and a figure no quote states in the first row of every indicator: failures in every
    # part, and a pair that is proven only if its rows are proven together.
    frame = pd.read_csv(many / "observations.csv", dtype=str, keep_default_na=False)
    pair = frame.index[(frame["indicator_id"] == ATTACKS) & (frame["source"] == "A/72/573")][:2].tolist()
    firsts = frame.drop(index=pair).drop_duplicates("indicator_id").index
    edit_csv(many / "observations.csv", {(_first(many, "TEST/4"), "value"): "161",
                                         (_first(many, "TEST/3"), "value"): "160",
                                         (_first(many, "TEST/2"), "location"): "99",
                                         (pair[1], "value"): "37",
                                         **{(row, "value"): "987654" for row in firsts[3:]}})
    monkeypatch.setenv("INDICATORS_PROOF_CACHE", "off")  # every row proven, every time
    monkeypatch.setattr(quote_checks, "PARALLEL_ROWS", 1)
    monkeypatch.setenv("INDICATORS_PROOF_WORKERS", "1")
    _, alone = indicators.validate_folder(many, kept=False)
    parts = []
    in_parts = quote_checks._checked_in_parts
    monkeypatch.setattr(quote_checks, "_checked_in_parts",
                        lambda todo, *args: parts.append(len(todo)) or in_parts(todo, *args))
    monkeypatch.setenv("INDICATORS_PROOF_WORKERS", str(workers))
    _, apart = indicators.validate_folder(many, kept=False)
    assert parts, "the rows were not proven in several processes"
    assert {"value_not_in_row", "value_not_in_quote", "pair_mismatch", "location_not_in_source"} <= \
        {failure.rule for failure in alone}
    assert len({failure.row for failure in alone}) > 10
    assert apart == alone
    assert not list(handed.iterdir()), "the folder the rows were handed through is left behind"


@pytest.mark.parametrize("chosen, workers", [("1", 1), (" 4 ", 4), ("0", None), ("two", None), ("-1", None)])
def test_the_proof_workers_are_a_whole_number_of_processes(monkeypatch, chosen, workers):
    from indicators import quote_checks

    monkeypatch.setenv("INDICATORS_PROOF_WORKERS", chosen)
    if workers is None:
        with pytest.raises(ValueError, match="INDICATORS_PROOF_WORKERS"):
            quote_checks.proof_workers()
    else:
        assert quote_checks.proof_workers() == workers


def test_an_error_in_a_helper_process_is_raised_where_the_rows_were_asked(tmp_path):
    from indicators import quote_checks

    rows = pd.DataFrame({"indicator_id": ["x"], "source": ["TEST/1"]})  # no location, quote or value
    helper = quote_checks._Helper(tmp_path / "1", (rows, {}, "observations", None))
    with pytest.raises(KeyError, match="location"):
        helper.result()
