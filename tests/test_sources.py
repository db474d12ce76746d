import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators import sources
from indicators.sources import find_ignoring_whitespace, normalise, row_key, split_paragraphs


@pytest.fixture(scope="module")
def report(dataset):
    return dataset.sources["A/72/573"]


def test_report_has_paragraphs_1_to_132(report):
    assert sorted(report.paragraphs) == list(range(1, 133))


@pytest.mark.parametrize("number, begins, ends", [
    (1, "Developments over the past year", "require innovative responses."),
    (53, "The Department of Field Support has further institutionalized", "inception of the survey."),
    (100, "Since November 2016, the operating environment", "from 38 to 37 over the same period."),
    (132, "It is my hope that the Special Committee", "with dynamism and openness."),
])
def test_paragraph_boundaries(report, number, begins, ends):
    text = report.paragraph(number)
    assert text.startswith(begins)
    assert text.replace("  ", " ").endswith(ends)


@pytest.mark.parametrize("noise", [
    "https://undocs.org",        # link lines
    "17-19483",                  # page footer
    "Safety, security, conduct",  # section heading between paragraphs 99 and 100
    "Participation of uniformed women",  # numbered subsection heading
    "prepared pursuant to General Assembly resolution 71/314",  # the summary
])
def test_noise_is_not_part_of_any_paragraph(report, noise):
    assert not [n for n, text in report.paragraphs.items() if noise in text]


def test_paragraph_across_page_break_is_joined(report):
    # Paragraph 108 runs over the page header "A/72/573" / "25/30 17-19483".
    assert "sustaining the highest number of fatalities, injuries and incidents" in report.paragraph(108)


def test_heading_with_number_out_of_sequence_is_not_a_paragraph():
    raw = "Summary text\n I. Heading\n1. First paragraph\ngoes on.\n 1. Subheading\n2. Second.\n"
    assert split_paragraphs(raw, "A/1/1") == {1: "First paragraph goes on.", 2: "Second."}


@pytest.mark.parametrize("quote, found", [
    ("a total of 35 countries since March 2016", True),   # source has "o f"
    ("women’s participation", True),                      # typographic apostrophe
    ("women's participation", True),                      # typed apostrophe
    ("a total of 36 countries", False),
    ("", False),
])
def test_quote_lookup_ignores_whitespace_and_quote_style(report, quote, found):
    paragraph = 63 if "countries" in quote else 97
    assert (report.find_quote(paragraph, quote) is not None) is found


def test_quote_span_points_at_the_text():
    text = "The number rose from 189 to 227 as at 31 October."
    start, end = find_ignoring_whitespace(text, "from 189\n to  227")
    assert text[start:end] == "from 189 to 227"


def test_quote_in_missing_paragraph_is_none(report):
    assert report.find_quote(500, "anything") is None


@given(st.text(alphabet=["a", "b", " ", "\n", "\t", "\xa0", "\u2019", "\u201c"], max_size=40))
def test_every_character_of_a_squeezed_text_points_at_itself(text):
    # Quote marks unified, whitespace removed: each character left maps back to the place
    # it stands in the text, in order, and no other character is left.
    plain, starts, shifts, squeezed = sources._squeezed(text)
    places = [sources._unsqueezed(index, starts, shifts) for index in range(len(squeezed))]
    assert [plain[place] for place in places] == list(squeezed)
    assert places == [index for index, char in enumerate(plain) if not char.isspace()]


@pytest.mark.parametrize("location, pairs", [
    ("mission=MINUSCA; year=2019; column=value", {"mission": "MINUSCA", "year": "2019", "column": "value"}),
    (" a = b = c ", {"a": "b = c"}),  # the first "=" divides
    ("a=1;", None),                   # an empty part
    ("a=1; a=2", None),               # a key twice
    ("a", None),
    ("a=", None),
    ("=1", None),
    ("", None),
])
def test_a_dataset_location_names_its_keys(location, pairs):
    assert row_key(location) == pairs


@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85",
                                         "\xa0", "\u2028", "\u3000", "\u200b", "\ufeff"]), max_size=30))
def test_whitespace_is_what_a_regular_expression_calls_whitespace(text):
    # Runs of any whitespace \s knows become one space; zero-width and byte-order marks stay.
    assert normalise(text) == re.sub(r"\s+", " ", text).strip()
