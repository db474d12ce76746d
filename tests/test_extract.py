"""Extraction of quantitative claims: each shape and each noise pattern on short fictional
paragraphs in the style of these reports; recall on A/72/573 against the shipped data; a
PDF read back gives the same candidates as its text."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pandas as pd
import pytest

from indicators import cli, period_guess
from indicators.extract import candidates_in, extract_text, match, read_any, table
from indicators.numbers import same
from indicators.paths import DEFAULT_DATA_DIR
from tests.conftest import require

# (case, a paragraph written for the test, [(text, value, unit, shape, qualifier)])
SHAPES = [
    ("police strength with women and a share",
     "As at 30 June 2019, the police component comprised 1,250 officers (312 women, or 25 per cent).",
     [("1,250", 1250, "count", "N things", None), ("312", 312, "count", "X (Y women, or Z per cent)", None),
      ("25", 25, "percent", "X per cent", None)]),
    ("an authorized strength", "The force deployed 9,870 of an authorized 11,240 troops.",
     [("9,870", 100 * 9870 / 11240, "percent", "X of an authorized Y", None)]),
    ("from X to Y", "Recorded allegations decreased from 150 to 115 over the period.",
     [("150", 150, "count", "from X to Y", None), ("115", 115, "count", "from X to Y", None)]),
    ("Y, up from X", "In 2018, 74 per cent of respondents were satisfied, up from 71 per cent in 2017.",
     [("74", 74, "percent", "from X to Y", None), ("71", 71, "percent", "from X to Y", None)]),
    ("money", "The approved budget rose from $6.8 billion to $7.3 billion.",
     [("6.8 billion", 6.8e9, "money", "from X to Y", None), ("7.3 billion", 7.3e9, "money", "from X to Y", None)]),
    ("money in words", "Member States pledged 12 million United States dollars to the trust fund.",
     [("12 million", 12e6, "money", "N things", None)]),
    ("X out of Y", "Member States certified 104 out of 292 deployed units.",
     [("104", 100 * 104 / 292, "percent", "X out of Y", None)]),
    ("number words", "One allegation was received, and two thirds of missions reported progress.",
     [("One", 1, "count", "number in words", None), ("two", 100 * 2 / 3, "percent", "fraction in words", None)]),
    ("casualties by group", "The attack killed 12 civilians, including 3 women and 4 children.",
     [("12", 12, "count", "N things", None), ("3", 3, "count", "N men, women or children", None),
      ("4", 4, "count", "N men, women or children", None)]),
    ("strength against an authorized one, with women",
     "As at 1 June 2021, the military component stood at 12,386 personnel (of an authorized 13,289), including 608 "
     "women (4.9 per cent).",
     [("12,386", 100 * 12386 / 13289, "percent", "X of an authorized Y", None),
      ("608", 608, "count", "N men, women or children", None), ("4.9", 4.9, "percent", "X per cent", None)]),
    ("casualties broken down by men, women and children",
     "The Mission documented 251 civilian casualties (189 men, 21 women and 41 children).",
     [("251", 251, "count", "N things", None), ("189", 189, "count", "N men, women or children", None),
      ("21", 21, "count", "N men, women or children", None), ("41", 41, "count", "N men, women or children", None)]),
    ("compared with",
     "The Mission received 12 allegations of sexual exploitation and abuse, compared with 8 in the previous period.",
     [("12", 12, "count", "from X to Y", None), ("8", 8, "count", "from X to Y", None)]),
    ("a change, not a level", "The number of displaced persons rose by 15 per cent to 1.6 million.",
     [("15", 15, "percent", "a change by X", None), ("1.6 million", 1.6e6, "count", "N things", None)]),
    ("one in five", "One in five schools reopened.", [("One", 20, "percent", "X in Y", None)]),
    ("qualifiers", "More than 95 per cent of peacekeepers serve in nine missions, and over 60 Member States pledged.",
     [("95", 95, "percent", "X per cent", "more than"), ("nine", 9, "count", "number in words", None),
      ("60", 60, "count", "N things", "over")]),
    ("qualifiers reports write otherwise",
     "Some 190,000 civilians sheltered, around 1.5 million fled and fewer than 10 per cent returned.",
     [("190,000", 190000, "count", "N things", "approximately"), ("1.5 million", 1.5e6, "count", "N things",
                                                                   "approximately"),
      ("10", 10, "percent", "X per cent", "less than")]),
    ("the whole first", "Of the 175 allegations, 80 concerned peacekeeping operations.",
     [("175", 175, "count", "N things", None), ("80", 100 * 80 / 175, "percent", "X out of Y", None)]),
    ("of which", "In all, 4,500 troops were pledged, of which 3,200 were deployed.",
     [("4,500", 4500, "count", "N things", None), ("3,200", 100 * 3200 / 4500, "percent", "X out of Y", None)]),
    ("a share up from a share, a count between them",
     "Some 64 per cent of the 4,412 staff surveyed responded, up from 51 per cent in 2018.",
     [("64", 64, "percent", "from X to Y", "approximately"), ("4,412", 4412, "count", "N things", None),
      ("51", 51, "percent", "from X to Y", None)]),
    ("fractions with 'a' and 'half of'", "Half of the missions and a quarter of the sectors reported.",
     [("Half", 50, "percent", "fraction in words", None), ("a", 25, "percent", "fraction in words", None)]),
    ("changes stated with their direction",
     "The budget of $6.51 billion is a decrease of 3.4 per cent; a 13 per cent increase in casualties was recorded, "
     "and satisfaction improved by 12 percentage points.",
     [("6.51 billion", 6.51e9, "money", "N things", None), ("3.4", 3.4, "percent", "a change by X", None),
      ("13", 13, "percent", "a change by X", None), ("12", 12, "percent", "a change by X", None)]),
    ("casualties by what befell them",
     "UNMISS documented 1,187 incidents affecting civilians (656 killed, 388 injured and 98 abducted).",
     [("1,187", 1187, "count", "N things", None), ("656", 656, "count", "N things", None),
      ("388", 388, "count", "N things", None), ("98", 98, "count", "N things", None)]),
    ("rose to Y from X", "The share of women rose to 40 per cent in 2022 from 35 per cent in 2021.",
     [("40", 40, "percent", "from X to Y", None), ("35", 35, "percent", "from X to Y", None)]),
    ("a range of shares", "Between 10 and 15 per cent of the budget was spent on security.",
     [("10", 10, "percent", "X per cent", None), ("15", 15, "percent", "X per cent", None)]),
    ("victims broken down, not a share of women",
     "The Mission recorded 93 incidents affecting 108 victims (74 women, 29 girls and 5 men).",
     [("93", 93, "count", "N things", None), ("108", 108, "count", "N things", None),
      ("74", 74, "count", "N men, women or children", None), ("29", 29, "count", "N men, women or children", None),
      ("5", 5, "count", "N men, women or children", None)]),
    ("a span of time", "Over the past five years, 127 peacekeepers were killed within 90 days of deployment.",
     [("five", 5, "count", "a span of time", None), ("127", 127, "count", "N things", None),
      ("90", 90, "count", "a span of time", None)]),
    ("X out of Y with what is counted between", "The Secretary-General appointed 5 women out of 12 heads of mission.",
     [("5", 100 * 5 / 12, "percent", "X out of Y", None)]),
    ("money with a spaced sign", "Expenditure amounted to US$ 1,183.4 million, or 98.7 per cent of the appropriation.",
     [("1,183.4 million", 1183.4e6, "money", "N things", None), ("98.7", 98.7, "percent", "X per cent", None)]),
]

NOISE = [
    ("a page header inside a paragraph", "The mission deployed 45 patrols 9/20 21-01548 in the north.", [45]),
    ("a date", "On 15 June 2018, seven missions reported.", [7]),
    ("a resolution", "In line with resolution 2365 (2017), 5 missions cleared mines.", [5]),
    ("a paragraph reference", "As noted above (see para. 12), 3 teams deployed.", [3]),
    ("a document symbol and a fiscal year", "Report A/72/573 covers 2016/17 and 2 pilot projects.", [2]),
    ("years only", "Between 2016 and 2017 the strategy was revised.", []),
    ("ordinals", "In the fourth quarter, for the third time, the seventy-second session met.", []),
    ("a mission report's page header",
     "The Mission conducted 1,245 patrols S/2021/519 21-07123 5/18 in the Kidal region.", [1245]),
    ("a year in a 'one in' phrase", "One in 2019 and 4 in 2020 were reported.", [1, 4]),
    ("a first page's job number and barcode", "21-15432 (E) 041021 *2115432* The Mission deployed 45 patrols.",
     [45]),
    ("tables, figures and goals", "See table 3 and figure 2 on Sustainable Development Goal 16 for 7 cases.", [7]),
    ("a disease's name", "The COVID-19 pandemic affected 11 missions.", [11]),
    ("half a year", "In the first half of 2019, 6 missions reported.", [6]),
    ("numbers made adjectives", "A 24-hour hotline and a 60-day plan reached 1,053 callers.", [1053]),
]


@pytest.mark.parametrize("case, text, expected", SHAPES, ids=[c[0] for c in SHAPES])
def test_each_claim_shape(case, text, expected):
    found = [(c.text, round(c.value, 4), c.unit, c.shape, c.qualifier) for c in candidates_in("TEST/6", "1", text)]
    assert found == [(t, round(float(v), 4), u, s, q) for t, v, u, s, q in expected]


@pytest.mark.parametrize("case, text, values", NOISE, ids=[c[0] for c in NOISE])
def test_noise_is_not_a_candidate(case, text, values):
    assert [c.value for c in candidates_in("TEST/6", "1", text)] == values


@pytest.mark.parametrize("text, period", [
    ("Recorded allegations decreased from 150 to 115 as at 31 October 2017.", "as at 31 October 2017"),
    ("Between January and June 2020, the Mission recorded 1,024 civilian casualties.",
     "Between January and June 2020"),
    ("For the period from 1 July 2019 to 30 June 2020, 27 peacekeepers died.", "from 1 July 2019 to 30 June 2020"),
    ("During the 2019/20 period, 3 missions closed.", "2019/20"),
    ("The Mission deployed 45 patrols.", None),
    ("The unemployment rate stood at 21.4 per cent in the fourth quarter of 2022.", "fourth quarter of 2022"),
    ("As at 31 October 2019, of the 40 patrol bases, 12 had solar power.", "As at 31 October 2019"),
])
def test_period_guesses(text, period):
    assert {c.period_guess for c in candidates_in("TEST/6", "1", text)} == {period}


def test_candidates_carry_location_quote_and_period():
    [first, *_] = candidates_in("TEST/6", "7", "Recorded allegations decreased from 150 to 115 as at 31 October "
                                                 "2017. Another sentence follows.")
    assert (first.location, first.period_guess) == ("7", "as at 31 October 2017")
    assert first.quote == "Recorded allegations decreased from 150 to 115 as at 31 October 2017."


def _candidates(dataset) -> pd.DataFrame:
    raw = (DEFAULT_DATA_DIR / "sources" / "A-72-573.txt").read_text(encoding="utf-8")
    return table(match(extract_text(raw, "A/72/573"), dataset))


def test_recall_on_a_72_573_against_the_shipped_data(dataset, capsys):
    found = _candidates(dataset)
    rows = [r for frame in (dataset.observations, dataset.targets) for r in frame.itertuples()
            if r.source == "A/72/573"]

    def caught(row) -> bool:
        here = found[found["location"] == str(row.location)]
        numerator = getattr(row, "numerator", None)
        return any(same(v, row.value) or (numerator is not None and pd.notna(numerator) and pd.notna(n)
                                          and same(n, numerator)) for v, n in zip(here["value"], here["numerator"]))

    missed = [(r.indicator_id, r.location, r.value) for r in rows if not caught(r)]
    recall = 1 - len(missed) / len(rows)
    precision = found["restates"].sum() / len(found)
    with capsys.disabled():
        print(f"\nextraction on A/72/573: recall {recall:.1%} of {len(rows)} stored figures, "
              f"precision {precision:.1%} of {len(found)} candidates")
    assert recall >= 0.95, missed


def test_matching_each_stored_figure_as_if_it_were_new(dataset, capsys):
    """Each stored figure of A/72/573, taken out of the data and read as a new source's
    candidate, is matched against the rest. Figures that share one sentence with a sibling
    indicator (attacks and fatalities, categories 1 and 2) are where matching errs; the
    steward corrects them in the editor. The floor guards against a worse matcher."""
    raw = (DEFAULT_DATA_DIR / "sources" / "A-72-573.txt").read_text(encoding="utf-8")
    found = extract_text(raw, "A/72/573")
    right = total = 0
    for table in ("observations", "targets"):
        frame = getattr(dataset, table)
        for index, row in frame.iterrows():
            numerator = row.get("numerator")
            hits = [c for c in found if c.location == str(row["location"]) and (
                same(c.value, row["value"]) or (pd.notna(numerator) and c.numerator is not None
                                                and same(c.numerator, numerator)))]
            if not hits:
                continue
            others = dataclasses.replace(dataset, **{table: frame.drop(index=index)})
            [matched] = match([dataclasses.replace(hits[0], source="TEST/6")], others)
            total, right = total + 1, right + (matched.indicator_id == row["indicator_id"])
    with capsys.disabled():
        print(f"\nmatching on A/72/573 as if new: {right} of {total} on their indicator ({100 * right / total:.0f}%)")
    assert total >= 50 and right / total >= 0.65


def test_next_year_attacks_land_on_the_attacks_indicator(dataset):
    text = "The number of targeted attacks increased from 227 to 251 as at 31 October 2018."
    later = match(candidates_in("TEST/7", "5", text), dataset)
    assert {c.indicator_id for c in later} == {"targeted_attacks_on_peacekeepers"}
    assert later[1].value == 251 and later[1].period_guess == "as at 31 October 2018"
    # 227 is the figure A/72/573 stored for the year to 31 October 2017; 251 takes the year after.
    assert [(c.value, c.restates, c.period_label, c.period_start, c.period_end) for c in later] == [
        (227, True, "1 Nov 2016 to 31 Oct 2017", "2016-11-01", "2017-10-31"),
        (251, False, "1 Nov 2017 to 31 Oct 2018", "2017-11-01", "2018-10-31")]
    assert later[0].reason == "restates 227 stored from A/72/573 (1 Nov 2016 to 31 Oct 2017)"


def test_each_figure_of_a_sentence_is_matched_by_its_own_clause(dataset):
    text = ("Women made up 4.1 per cent of military contingents (3,220 of an authorized 78,000) and some 21 per cent "
            "of individual police officers.")
    found = {c.text: c for c in match(candidates_in("TEST/8", "3", text), dataset)}
    assert found["4.1"].indicator_id == "women_military_contingents"  # the catalogue names that population
    assert found["21"].indicator_id == "women_individual_police"
    assert found["21"].clause == "some 21 per cent of individual police officers."
    assert found["21"].reason.startswith("clause resembles")


def test_a_figure_of_another_value_restates_nothing(dataset):
    later = match(candidates_in("TEST/7", "5", "The number of targeted attacks increased from 229 to 251 as at 31 "
                                                "October 2018."), dataset)
    assert [(c.restates, c.period_start) for c in later] == [(False, None), (False, "2018-10-31")]


@pytest.mark.parametrize("guess, expected", [
    ("as at 31 October 2018", ("as at 31 Oct 2018", "2018-10-31", "2018-10-31")),
    ("in 2019", ("2019", "2019-01-01", "2019-12-31")),
    ("31 October 2019", ("as at 31 Oct 2019", "2019-10-31", "2019-10-31")),
    ("as at 31 June 2019", None),  # a day the month does not have: no proposal, not a crash
    ("from 31 April 2019 to 30 June 2020", None),
    ("in February 2020", ("Feb 2020", "2020-02-01", "2020-02-29")),
    ("fourth quarter of 2022", ("Q4 2022", "2022-10-01", "2022-12-31")),
    ("first quarter of 2020", ("Q1 2020", "2020-01-01", "2020-03-31")),
    ("2019/20", ("2019/20", "2019-07-01", "2020-06-30")),
    ("2019/21", None),  # not a fiscal year
    ("from 1 July 2019 to 30 June 2020", ("1 Jul 2019 to 30 Jun 2020", "2019-07-01", "2020-06-30")),
    ("Between January and June 2020", ("1 Jan 2020 to 30 Jun 2020", "2020-01-01", "2020-06-30")),
    ("between June and January 2020", None),  # ends before it starts
    ("by June 2021", None),  # a deadline, not a period
    ("since 2015", None),
    (None, None),
])
def test_the_period_a_sentence_names(guess, expected):
    found = period_guess.named(guess)
    assert (None if found is None else tuple(found.row().values())) == expected


@pytest.mark.parametrize("start, end, ending, expected", [
    ("2016-11-01", "2017-10-31", None, ("2017-11-01", "2018-10-31")),
    ("2016-11-01", "2017-10-31", "2019-10-31", ("2018-11-01", "2019-10-31")),
    ("2017-01-01", "2017-12-31", None, ("2018-01-01", "2018-12-31")),
    ("2017-10-31", "2017-10-31", "2018-10-31", ("2018-10-31", "2018-10-31")),
    ("2017-10-31", "2017-10-31", None, None),  # a figure at a date: the next date is not known
    ("2017-10-31", "2017-10-31", "2017-10-31", None),
])
def test_the_period_after_a_stored_one(start, end, ending, expected):
    found = period_guess.following(pd.Timestamp(start), pd.Timestamp(end), ending and pd.Timestamp(ending))
    assert (None if found is None else (found.row()["period_start"], found.row()["period_end"])) == expected


def test_a_stored_figure_is_recognised_as_restated(dataset):
    found = _candidates(dataset)
    attacks = found[(found["location"] == "100") & (found["value"] == 227)].iloc[0]
    assert attacks["restates"] and attacks["indicator_id"] == "targeted_attacks_on_peacekeepers"


def test_the_command_prints_counts_by_shape(tmp_path, capsys):
    out = tmp_path / "candidates.csv"
    assert cli.main(["extract", "A/72/573", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "from X to Y:" in printed and "matched an existing indicator" in printed
    assert {"location", "quote", "value", "unit", "shape", "indicator_id", "score", "reason"} <= set(
        pd.read_csv(out).columns)


LATER = ("TEST/7\nA fictional later report\n\n"
         "1. The number of targeted attacks on peacekeepers increased from 227 to 251 as at 31 October 2018.\n"
         "2. Women made up 4.1 per cent of military contingents and some 21 per cent of individual police officers.\n"
         "3. Peacekeeping operations deployed 97 per cent of their approved posts.\n")


def test_the_command_writes_rows_to_import(data_copy, tmp_path, capsys):
    """From the command line: add a report, extract its figures as observations.csv rows,
    and the import's dry run takes the dated one and names what is missing in the others."""
    from indicators.imports import ADDED, plan_import
    from indicators.store import Store

    report = tmp_path / "later.txt"
    report.write_text(LATER, encoding="utf-8")
    assert cli.main(["add-source", str(report), "--into", str(data_copy), "--symbol", "TEST/7", "--title",
                     "A fictional later report", "--publisher", "Test fixture", "--url", "https://example.org/TEST-7",
                     "--published", "2018-11-15", "--cutoff", "2018-10-31"]) == 0
    rows = tmp_path / "rows.csv"
    assert cli.main(["extract", "TEST/7", "--data", str(data_copy), "--out", str(tmp_path / "c.csv"),
                     "--rows", str(rows)]) == 0
    assert "matched figures not stored yet (1 with a proposed period)" in capsys.readouterr().out
    written = pd.read_csv(rows, dtype=str, keep_default_na=False)
    assert list(written.columns) == list(pd.read_csv(DEFAULT_DATA_DIR / "observations.csv", nrows=0).columns)
    attacks = written[written["indicator_id"] == "targeted_attacks_on_peacekeepers"]
    assert attacks[["value", "period_start", "period_end", "source", "location"]].values.tolist() == [
        ["251", "2017-11-01", "2018-10-31", "TEST/7", "1"]]  # 227 restates A/72/573: not written
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.migrate()
    store.seed(data_copy)
    plan = plan_import(store, "observations", written)
    statuses = {o.key.split("|")[0]: o for o in plan.outcomes}
    assert statuses["targeted_attacks_on_peacekeepers"].status == ADDED
    undated = [o for o in plan.outcomes if o.status != ADDED]
    assert undated and all(any("period" in m for m in o.messages) for o in undated), plan.lines()


def test_a_pdf_gives_the_same_candidates_as_its_text(tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    require("LibreOffice", office, "apt-get install --no-install-recommends libreoffice-writer")
    text = "TEST/8\nFictional report for the extraction test\n\n" + "".join(
        f"{n}. {paragraph}\n" for n, (_, paragraph, _) in enumerate(SHAPES, start=1))
    source = tmp_path / "TEST-8.txt"
    source.write_text(text, encoding="utf-8")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)

    def key(found):
        return [(c.location, round(c.value, 4), c.unit, c.shape) for c in found]

    from_text = extract_text(text, "TEST/8")
    assert key(extract_text(read_any(tmp_path / "TEST-8.pdf"), "TEST/8")) == key(from_text)
    assert len(from_text) == sum(len(expected) for _, _, expected in SHAPES)


@pytest.mark.parametrize("text, dated", [
    ("Allegations numbered 80 in 2019, 56 in 2018 and 63 in 2017.", {80: "2019", 56: "2018", 63: "2017"}),
    ("The number reported for peacekeeping fell, with 54 allegations reported in 2018, compared with 62 and 104 "
     "reported in 2017 and 2016, respectively.", {54: "2018", 62: "2017", 104: "2016"}),
    ("The total in 2017 and 2016, respectively was 138 and 165 allegations.", {138: "2017", 165: "2016"}),
    # Both ends of a change the sentence dates itself, the earlier one included.
    ("Women rose from 6% in 2015 to 14.4% in 2022.", {6: "2015", 14.4: "2022"}),
])
def test_figures_a_sentence_dates_one_by_one_take_their_own_years(dataset, text, dated):
    found = match(candidates_in("TEST/8", "4", text), dataset)
    assert {c.value: (c.period_start or "")[:4] for c in found if c.value in dated} == dated
    assert all(str(c.dated_year) == dated[c.value] for c in found if c.value in dated)

