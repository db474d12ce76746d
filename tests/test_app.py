"""Every page of the dashboard through Streamlit's AppTest: it runs, and widgets change it."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.progress import IMPROVING, WORSENING, assess_all

MAIN = str(Path(__file__).resolve().parents[1] / "app" / "main.py")


def app(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    if page:
        at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def showing(at: AppTest) -> str:
    return next(text for text in markdown(at) if text.startswith("Showing"))


@pytest.mark.parametrize("page", [None, "views/indicator.py", "views/goals.py", "views/milestones.py",
                                  "views/source.py", "views/about.py"])
def test_every_page_runs_and_has_the_source_and_licence_footer(page):
    at = app(page)
    assert not at.exception
    footer = at.caption[-1].value
    assert "Source: [A/72/573](" in footer and "Data licence" in footer and "Creative Commons" in footer


@pytest.fixture(scope="module")
def results(dataset):
    return {p.indicator_id: p for p in assess_all(dataset)}


def test_overview_headline_counts(dataset, results):
    at = app()
    counts = {m.label: m.value for m in at.metric[:4]}
    total = len(dataset.catalogue)
    assert counts == {
        "Indicators tracked": str(total), "With a target": str(dataset.targets["indicator_id"].nunique()),
        "Improving or achieved": str(sum(p.status in IMPROVING for p in results.values())),
        "Moving away or missed": str(sum(p.status in WORSENING for p in results.values())),
    }
    # Attacks rise and satisfaction rises: neither count is zero any more.
    assert counts["Improving or achieved"] != "0" and counts["Moving away or missed"] != "0"
    assert showing(at) == (f"Showing 1–{PAGE} of {total} indicators." if total > PAGE else
                           f"Showing {total} of {total} indicators.")


def plain(text: str) -> str:
    """Text as the reader sees it: without the escapes that keep data from reading as Markdown."""
    return text.replace("\\", "")


def badges(at: AppTest) -> list[str]:
    """Every status badge on the page, as its Markdown."""
    return [badge for element in [*at.markdown, *at.caption]
            for badge in re.findall(r":\w+-badge\[[^\]]*\]", plain(element.value))]


def test_cards_say_what_a_briefer_would_say():
    at = app(q="women among civilian staff")
    captions = [plain(c.value) for c in at.caption]
    assert any("28% now · target 50% by 2028 (set for internationally recruited civilian staff across the whole "
               "United Nations system)" in caption for caption in captions)
    # The badge names the status; the reason stands next to it.
    assert badges(at) == [":gray-badge[:material/help: Insufficient data]"]
    assert any("One observation; next report needed" in caption for caption in captions)


def test_attacks_card_badge_says_moving_away():
    at = app(q="targeted attacks on")
    assert badges(at) == [":red-badge[:material/trending_down: Moving away]"]


def test_overview_cards_show_change_with_words_and_direction_colour():
    # Every page of cards: the three sit on different ones.
    at = app()
    metrics = list(at.metric)
    for number in range(2, at.get("pagination")[0].num_pages + 1 if at.get("pagination") else 1):
        at.get("pagination")[0].select(number).run()
        metrics += list(at.metric)
    attacks = next(m for m in metrics if m.value == "227")
    assert attacks.proto.delta == "+38, worsened"
    # Fewer attacks is better, so a rise is red; more satisfaction is better, so a rise is green.
    assert attacks.proto.color == attacks.proto.RED
    satisfaction = next(m for m in metrics if m.value == "71%")
    assert satisfaction.proto.delta == "+6 pts, improved"
    assert satisfaction.proto.color == satisfaction.proto.GREEN
    allegations = next(m for m in metrics if m.value == "115")
    assert (allegations.proto.delta, allegations.proto.color) == ("-35, improved", allegations.proto.GREEN)


def test_overview_filter_by_reform_area(dataset):
    at = app()
    at.multiselect(key="area").select("safety_and_security").run()
    in_area = int((dataset.catalogue["reform_area"] == "safety_and_security").sum())
    assert showing(at).startswith(f"Showing {in_area} of ")
    assert [s.value for s in at.subheader] == ["Safety and security"]


def matching(dataset, term: str) -> int:
    """Catalogue entries whose name, description or id holds ``term``, as a reader would count them."""
    return sum(term in f"{e['name']} {e['description']} {e['id']}".lower() for e in dataset.catalogue.to_dict("records"))


def test_overview_filter_by_status_and_search(dataset):
    at = app()
    at.text_input(key="q").input("police").run()
    assert showing(at).startswith(f"Showing {matching(dataset, 'police')} of ")
    at.multiselect(key="status").select("on track").run()
    assert showing(at).startswith("Showing 0 of ")


def test_overview_reads_filters_from_the_url(dataset):
    assert showing(app(q="attacks")).startswith(f"Showing {matching(dataset, 'attacks')} of ")


def test_indicator_chosen_through_query_parameters_opens_on_its_page():
    at = app("views/indicator.py", indicator="women_civilian_staff_peace_operations")
    assert at.title[0].value == "Women among civilian staff in peace operations"
    assert at.selectbox[0].value == "women_civilian_staff_peace_operations"
    assert any("the 50% target by 2028 is set for internationally recruited" in text for text in markdown(at))
    # The parity target is set system-wide: no required pace for peace operations alone.
    assert {m.label: m.value for m in at.metric}["Required pace"] == "–"
    # Whom the target is set for is said once in the page's text (the chart's note says it too).
    texts = [plain(t.value) for t in [*at.markdown, *at.caption, *at.warning, *at.info]]
    assert sum("set for internationally recruited civilian staff" in t for t in texts) == 1


def test_changing_the_indicator_changes_the_page_and_the_url():
    at = app("views/indicator.py")
    at.selectbox[0].select("targeted_attacks_on_peacekeepers").run()
    assert at.title[0].value == "Targeted attacks on peacekeepers"
    assert at.query_params["indicator"] == "targeted_attacks_on_peacekeepers"
    provenance = at.table[0].value.map(plain)
    assert provenance["Location"].tolist() == ["para. 100", "para. 100"]
    # Whole quotes, in a static table that wraps them.
    assert provenance["Quote"].str.contains("from 189 to 227").all()
    assert provenance["Read in context"].tolist() == [
        "[Open in the source reader](source?doc=A%2F72%2F573&paragraph=100)"] * 2


def test_unknown_indicator_in_the_url_falls_back_to_the_first():
    at = app("views/indicator.py", indicator="no_such_indicator")
    assert not at.exception
    assert at.selectbox[0].value == at.selectbox[0].options[0] or at.selectbox[0].index == 0


def test_baseline_vs_goals_table(dataset):
    at = app("views/goals.py")
    table = at.table[0].value.map(plain)
    assert len(table) == dataset.targets["indicator_id"].nunique()
    # Every column is in the static table, the status and its reason included.
    assert list(table.columns) == ["Indicator", "Baseline", "Latest", "Target", "Set for", "Gap", "Progress",
                                   "Required pace", "Status", "Why"]
    parity = table.set_index("Indicator").loc["Women among civilian staff in peace operations"]
    assert (parity["Baseline"], parity["Target"], parity["Required pace"]) == ("28% (Sep 2017)", "50% by 2028", "–")
    officers = table.set_index("Indicator").loc["Staff officer posts reserved for women"]
    assert (officers["Baseline"], officers["Latest"], officers["Target"], officers["Status"], officers["Why"]) == \
        ("–", "–", "15%", "insufficient data", "no observation yet")
    # Missing figures read one way everywhere: no "None", "none" or "nan" in any cell.
    assert not table.isin(["None", "none", "nan"]).any().any() and not table.isna().any().any()


def test_milestones_page_lists_commitments_past_due_first():
    at = app("views/milestones.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["No later report", "Pending", "Missed", "Met"]
    assert any("New aviation manual finalized" in text for text in markdown(at))
    at.multiselect(key="milestone_area").select("safety_and_security").run()
    assert [s.value for s in at.subheader] == ["Safety and security"]


def test_source_reader_opens_the_paragraph_from_the_url():
    at = app("views/source.py", paragraph="100")
    assert any("numbers in the document are captured" in i.value for i in at.info)
    selected = markdown(at)
    first = next(text for text in selected if text.startswith("**100.**"))
    assert "[189](indicator?indicator=targeted_attacks_on_peacekeepers)" in first
    assert "[37](indicator?indicator=peacekeeper_fatalities_in_targeted_attacks)" in first


def test_source_reader_toggle_shows_only_paragraphs_with_captured_numbers():
    at = app("views/source.py")
    paragraphs = [t for t in markdown(at) if t.startswith("**") and "." in t[:8]]
    at.toggle(key="captured").set_value(True).run()
    captured = [t for t in markdown(at) if t.startswith("**") and "." in t[:8]]
    assert len(paragraphs) == 132
    assert 20 < len(captured) < 132


def test_about_page_explains_licence_and_citation():
    at = app("views/about.py")
    assert [s.value for s in at.subheader] == ["Sources", "Licence", "How to cite", "Download the dataset"]
    assert "A/72/573" in at.code[0].value
    assert [b.label for b in at.get("download_button")] == ["CSV (zip)", "Excel", "JSON", "Data Package (zip)"]


def test_chart_pages_offer_image_downloads_and_the_deck(chromium, dataset):
    assert [b.label for b in app("views/indicator.py").get("download_button")] == ["PNG", "SVG"]
    at = app("views/goals.py")
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == ["PNG", "SVG"] and labels[2].startswith("Download deck (")
    at.selectbox(key="deck_area").select("safety_and_security").run()
    # The title, the area's slide, the goals chart, the table of targets and the milestones.
    assert at.get("download_button")[-1].label == "Download deck (5 slides)"


def test_without_chromium_the_pages_say_what_to_install(monkeypatch):
    monkeypatch.setattr("indicators.images.chromium_path", lambda: None)
    at = app("views/indicator.py")
    assert not at.get("download_button")
    assert any("need a Chromium browser" in c.value for c in at.caption)
    at = app("views/goals.py")
    assert not at.get("download_button")
    assert "apt\\-get install chromium" in at.warning[0].value


FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tracker"


def test_a_passed_deadline_reads_as_settled(monkeypatch):
    # A fictional report (TEST/1): 20% in 2016, 24% in 2019, 27% in 2023, against 25% by 2020.
    monkeypatch.setenv("INDICATORS_DATA_DIR", str(FIXTURE))
    at = app("views/indicator.py", indicator="women_field_staff")
    assert not at.exception
    assert badges(at) == [":red-badge[:material/cancel: Target missed]"]
    figures = {m.label: m.value for m in at.metric}
    assert (figures["Projection at deadline"], figures["Required pace"]) == ("–", "–")
    assert "TEST/1" in at.caption[-1].value


def test_milestones_settled_by_a_later_source(monkeypatch):
    monkeypatch.setenv("INDICATORS_DATA_DIR", str(FIXTURE))
    at = app("views/milestones.py")
    counts = {m.label: m.value for m in at.metric}
    assert counts == {"No later report": "0", "Pending": "1", "Missed": "0", "Met": "1"}
    assert any("Settled: “The field guide was published in March 2022.” (TEST/1, para. 4)" in plain(c.value)
               for c in at.caption)


@pytest.mark.parametrize("asked, says", [
    ("nope", "There is no indicator 'nope'. Choose one below."),
    # The two best first; the data may hold a third close name after them.
    ("atacks", "There is no indicator 'atacks'. Closest: Peacekeeper fatalities in targeted attacks "
               "(peacekeeper_fatalities_in_targeted_attacks), Targeted attacks on peacekeepers "
               "(targeted_attacks_on_peacekeepers)"),
])
def test_a_deep_link_that_misses_says_so_and_keeps_the_link(asked, says):
    at = app("views/indicator.py", indicator=asked)
    assert not at.exception
    # The miss is said first; the page it opens on may warn of old data after it.
    said = plain(at.warning[0].value)
    assert said.startswith(says.removesuffix(" Choose one below.")) and said.endswith(" Choose one below.")
    assert at.query_params["indicator"] == asked


def test_a_paragraph_the_source_does_not_have_is_said():
    at = app("views/source.py", paragraph="999")
    assert [plain(w.value) for w in at.warning] == ["A/72/573 has no paragraph '999'; its paragraphs run from 1 "
                                                    "to 132."]


def test_search_terms_are_trimmed():
    assert showing(app(q="  attacks  ")) == showing(app(q="attacks"))


def cards(at: AppTest) -> int:
    """Overview cards: each has one caption with its badge and sources."""
    return sum(1 for caption in at.caption if "-badge[" in caption.value and "Source\\: " in caption.value)


# The Overview's PAGE_SIZE: a page script cannot be imported without running it.
PAGE = 24


@pytest.mark.parametrize("count, pages", [(PAGE, 1), (PAGE + 1, 2), (130, 6)])
def test_the_overview_shows_a_page_of_cards(tmp_path, monkeypatch, count, pages):
    from bench.generate import generate

    monkeypatch.setenv("INDICATORS_DATA_DIR", str(generate(tmp_path / "data", indicators=count,
                                                            observations=2 * count)))
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.run()
    assert not at.exception
    assert cards(at) == min(count, PAGE)
    if pages == 1:
        assert not at.get("pagination") and showing(at) == f"Showing {count} of {count} indicators."
        return
    assert at.get("pagination")[0].num_pages == pages
    assert showing(at) == f"Showing 1–{PAGE} of {count} indicators."
    at.get("pagination")[0].select(pages).run()
    assert cards(at) == count - PAGE * (pages - 1)
    assert showing(at) == f"Showing {PAGE * (pages - 1) + 1}–{count} of {count} indicators."


def test_a_link_opens_the_overview_at_its_page(tmp_path, monkeypatch):
    from bench.generate import generate

    monkeypatch.setenv("INDICATORS_DATA_DIR", str(generate(tmp_path / "data", indicators=130, observations=130)))
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.query_params["page"] = "2"
    at.run()
    assert showing(at) == f"Showing {PAGE + 1}–{2 * PAGE} of 130 indicators."


def test_a_long_series_shows_its_latest_figures_whole_and_the_rest_in_a_grid(tmp_path, monkeypatch):
    from bench.generate import generate

    monkeypatch.setenv("INDICATORS_DATA_DIR", str(generate(tmp_path / "data", indicators=1, observations=31)))
    at = app("views/indicator.py", indicator="indicator_00000")
    assert not at.exception
    # The latest 30 in the static table (every quote whole), the first in the grid below.
    static, grid = at.table[0].value, at.dataframe[0].value
    assert (len(static), len(grid)) == (30, 1)
    assert at.expander[0].label == "The 1 earlier figure"
    assert grid["Quote"].iloc[0] and "\\" not in grid["Quote"].iloc[0]
    assert grid["Read in context"].iloc[0].startswith("source?doc=BENCH")
