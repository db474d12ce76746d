"""The chart builders: what a figure carries, checked on its traces and annotations."""

import dataclasses

import pandas as pd
import pytest

import indicators
from indicators import citations
from indicators.charts import goals_chart, indicator_chart, source_line
from indicators.sources import Source
from indicators.progress import assess_all


def figure_for(dataset, indicator_id):
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    return indicator_chart(dataset, progress[indicator_id])


def traces(figure) -> dict:
    return {trace.name: trace for trace in figure.data}


def source_annotation(figure) -> str:
    """The source line under the plot, as one line (it is wrapped to the chart's width)."""
    return next(a.text for a in figure.layout.annotations if a.text.startswith("Source:")).replace("<br>", " ")


def notes_under(figure) -> str:
    return " ".join(a.text.replace("<br>", " ") for a in figure.layout.annotations if a.yshift and a.yshift < -40)


@pytest.fixture
def with_deadline(data_copy):
    """Shipped data plus a target with a deadline for client satisfaction, so the chart has
    a glide path and a projection. Fictional: a test fixture, never in data/ (the quote
    proves only that para. 53 states 71; the deadline is made up)."""
    path = data_copy / "targets.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    quote = "In 2017, 71 per cent of respondents expressed overall satisfaction with support services, up from " \
            "65 per cent in 2016."
    row = {"indicator_id": "field_support_client_satisfaction", "value": "71", "deadline": "2019-12-31",
           "deadline_label": "2019", "kind": "threshold", "unit": "percent", "source": "A/72/573",
           "location": "53", "quote": quote, "notes": "test fixture"}
    pd.concat([frame, pd.DataFrame([row])]).to_csv(path, index=False)
    return indicators.load(data_copy)


def test_series_chart_has_title_unit_source_and_hover_provenance(dataset):
    figure = figure_for(dataset, "targeted_attacks_on_peacekeepers")
    assert "Targeted attacks on peacekeepers" in figure.layout.title.text
    assert figure.layout.yaxis.title.text == "Count"
    assert source_annotation(figure) == "Source: A/72/573, para. 100 · Data as of 31 Oct 2017"
    observed = traces(figure)["Observed"]
    assert list(observed.y) == [189, 227]
    assert [row[2] for row in observed.customdata] == ["A/72/573, para. 100"] * 2
    assert [row[0] for row in observed.customdata] == ["1 Nov 2015 to 31 Oct 2016", "1 Nov 2016 to 31 Oct 2017"]
    assert "Baseline" in traces(figure)


def test_target_at_deadline_glide_path_and_dashed_projection(with_deadline):
    figure = figure_for(with_deadline, "field_support_client_satisfaction")
    names = traces(figure)
    target = names["Target 71% by 2019"]
    assert target.marker.symbol == "star" and list(target.y) == [71]
    assert names["Glide path to target"].line.dash == "dot"
    assert "Projection at observed pace (from two points)" not in names  # already met: nothing to project


def test_target_without_deadline_is_a_labelled_line_with_its_scope(dataset):
    figure = figure_for(dataset, "women_military_peacekeepers")
    # The legend says it is another population's; whom it is set for is said once, under the chart.
    assert "Target 15% (no deadline), another population" in traces(figure)
    assert "The 15% target is set for the pledges of over 60 Member States" in notes_under(figure)
    assert any(shape.line.dash == "longdash" for shape in figure.layout.shapes)


def test_target_set_for_another_population_has_no_glide_path_or_projection(dataset):
    figure = figure_for(dataset, "women_civilian_staff_peace_operations")
    names = traces(figure)
    assert "Target 50% by 2028, another population" in names
    assert "The 50% target is set for internationally recruited" in notes_under(figure)
    assert "Glide path to target" not in names and not any(n.startswith("Projection") for n in names)


def test_target_without_observation_is_drawn_on_a_framed_axis(dataset):
    figure = figure_for(dataset, "women_staff_officer_posts")
    assert "Observed" not in traces(figure)
    assert any(shape.y0 == 15 for shape in figure.layout.shapes)
    assert figure.layout.xaxis.range is not None and figure.layout.yaxis.range[1] >= 15


def test_single_point_is_labelled_with_its_value(dataset):
    observed = traces(figure_for(dataset, "units_certified_ready"))["Observed"]
    assert [t.strip() for t in observed.text] == ["35.6% (104 of 292)"] and "text" in observed.mode


def test_chart_text_from_data_is_not_markup(dataset):
    # Validation refuses markup in the files (rule markup); charts escape it anyway.
    catalogue = dataset.catalogue.copy()
    catalogue.loc[catalogue["id"] == "targeted_attacks_on_peacekeepers", "name"] = "Targeted <b>attacks</b>"
    hostile = dataclasses.replace(dataset, catalogue=catalogue)
    figure = figure_for(hostile, "targeted_attacks_on_peacekeepers")
    assert "&lt;b&gt;attacks&lt;/b&gt;" in figure.layout.title.text


def test_goals_chart_has_a_line_per_indicator_with_a_target(dataset):
    figure = goals_chart(dataset, assess_all(dataset))
    targets = [t for t in figure.data if t.name == "Target"]
    assert len(targets) == dataset.targets["indicator_id"].nunique()
    assert source_annotation(figure) == (
        "Source: A/72/573, paras. 94, 97, 98, 99; DPKO: More female police (2010), p. 1; DPO Women in peacekeeping "
        "(2019), p. 1; UN Police: Global Effort, p. 1; UN Police: UNSOM gender parity (2022), p. 1; and 1 more source"
        " · Data as of 31 Dec 2022")


def test_a_source_without_a_cut_off_stands_at_its_latest_figure(dataset):
    from indicators.citations import as_of
    from indicators.progress import assess_all

    fpu = next(p for p in assess_all(dataset) if p.indicator_id == "women_formed_police_units")
    assert source_annotation(indicator_chart(dataset, fpu)).endswith(" · Data as of 31 Dec 2022")

    rows = dataset.observations[dataset.observations["indicator_id"] == "women_formed_police_units"]
    assert as_of(dataset.sources, rows[rows["source"] == "A/72/573"]) == "31 Oct 2017"  # the report's cut-off
    assert as_of(dataset.sources, rows) == "31 Dec 2022"  # the page states none: its latest period ends then


@pytest.mark.parametrize("rows, expected", [
    ([("A/72/573", 100)], "Source: A/72/573, para. 100"),
    ([("A/72/573", 99), ("A/72/573", 97), ("A/72/573", 99)], "Source: A/72/573, paras. 97, 99"),
    ([("A/73/480", 5), ("A/72/573", 9)], "Source: A/72/573, para. 9; A/73/480, para. 5"),
    ([], "Source: none"),
])
def test_source_line(rows, expected):
    assert source_line(pd.DataFrame(rows, columns=["source", "location"])) == expected


TABLE = Source(symbol="TEST/9", title="A fictional table", kind="dataset", issuing_body="Test fixture", year=2024,
               language="en", url="https://example.org/TEST-9", text_file="TEST-9.csv", obtained="test",
               licence="test", data_cutoff=None)


@pytest.mark.parametrize("locations, expected", [
    (["year=2020; column=v"], "Source: TEST/9, row year=2020"),
    (["year=2020; column=v", "year = 2020 ;column=v"], "Source: TEST/9, row year=2020"),
    ([f"year={y}; column=v" for y in (2020, 2021, 2022)],
     "Source: TEST/9, row year=2020, row year=2021, row year=2022"),
    # A fourth row turns the list into a count; the same row spelled twice counts once.
    ([f"year={y}; column=v" for y in (2020, 2021, 2022, 2023)] + ["year =2023;column= v"], "Source: TEST/9, 4 rows"),
])
def test_a_long_table_is_cited_by_its_number_of_rows(locations, expected):
    rows = pd.DataFrame({"source": "TEST/9", "location": locations})
    assert citations.source_line(rows, sources={"TEST/9": TABLE}) == expected


def _reports(count: int) -> dict[str, Source]:
    return {f"TEST/R{n}": dataclasses.replace(TABLE, symbol=f"TEST/R{n}", kind="report") for n in range(1, count + 1)}


@pytest.mark.parametrize("count, expected", [
    (5, "Source: TEST/R1, para. 7; TEST/R2, para. 7; TEST/R3, para. 7; TEST/R4, para. 7; TEST/R5, para. 7"),
    (6, "Source: TEST/R1, para. 7; TEST/R2, para. 7; TEST/R3, para. 7; TEST/R4, para. 7; TEST/R5, para. 7; "
        "and 1 more source"),
    (9, "Source: TEST/R1, para. 7; TEST/R2, para. 7; TEST/R3, para. 7; TEST/R4, para. 7; TEST/R5, para. 7; "
        "and 4 more sources"),
])
def test_a_series_from_many_sources_names_five_and_counts_the_rest(count, expected):
    sources = _reports(count)
    rows = pd.DataFrame({"source": list(sources), "location": "7"})
    assert citations.source_line(rows, sources=sources) == expected


def test_long_text_wraps_and_the_margins_hold_it(dataset):
    from indicators.charts import LINE_PIXELS, characters

    p = next(p for p in assess_all(dataset) if p.indicator_id == "women_formed_police_units")
    title_width, line_width = characters(680)
    figure = indicator_chart(dataset, p, 680)
    below = [a.text.split("<br>") for a in figure.layout.annotations if a.yshift is not None and a.yshift <= -40]
    lines = [line for block in below for line in block]
    assert len(lines) > 3 and all(len(line) <= line_width for line in lines)
    # The bottom margin holds every line; the legend stands right of the plot, off the text.
    assert figure.layout.margin.b == 60 + LINE_PIXELS * len(lines)
    assert figure.layout.legend.x > 1
    heading = figure.layout.title.text.split("<br>")
    assert all(len(line) <= title_width + len("<b></b>") for line in heading if line.startswith("<b>"))
