"""Numbers as tokens: value, kind (measure, year, day, reference) and role (from/to,
part/whole), table-driven for every shape the reports use."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indicators import numbers
from indicators.numbers import DAY, FROM, MEASURE, PART, REFERENCE, TO, WHOLE, YEAR, find_numbers, measures, states_number


def shape(text):
    return [(m.text, m.value, m.kind, m.role) for m in find_numbers(text)]


@pytest.mark.parametrize("text, expected", [
    ("71 per cent of respondents", [71]),
    ("1,000 troops", [1000]),
    ("a 2.5 per cent rise", [2.5]),
    ("nine missions", [9]),
    ("twenty-five countries", [25]),
    ("one hundred and five posts", [105]),
    ("five and six", [5, 6]),
    ("six one hundred", [6, 100]),  # words text2num cannot read as one: the longest from the left
    ("one two three", [1, 2, 3]),
    ("one hundred and five and six", [100, 5, 6]),
    ("one allegation", [1]),
    ("1.5 million dollars", [1_500_000]),
    ("$2 billion", [2_000_000_000]),
    ("three out of four projects", [3, 4]),
    ("two thirds of current peace operations", [2, 3]),
    ("three quarters of units", [3, 4]),
    ("a half of the posts", [1, 2]),
    ("a quarter of the missions and a third of staff", [1, 4, 1, 3]),
    ("two and a half years", [2, 2]),  # the "a" belongs to another number and states nothing
    ("half of all missions", [50]),
    ("in the first half of 2019", []),
    ("gender parity", [50]),
    ("someone and none", []),
    ("the second and third levels", []),
    ("the seventy-second session", []),
])
def test_measures_and_their_values(text, expected):
    assert [m.value for m in measures(text)] == expected


@pytest.mark.parametrize("text, kinds", [
    ("up from 65 per cent in 2016", [("65", MEASURE), ("2016", YEAR)]),
    ("as at 31 October 2017", [("31", DAY), ("2017", YEAR)]),
    ("on October 31, 2017", [("31", DAY), ("2017", YEAR)]),
    ("resolution 2365 (2017)", [("2365", REFERENCE), ("2017", YEAR)]),
    ("resolutions 2086 (2013) and 2151 (2014)", [("2086", REFERENCE), ("2013", YEAR), ("2151", REFERENCE),
                                                  ("2014", YEAR)]),
    ("see paragraph 12 and para. 40", [("12", REFERENCE), ("40", REFERENCE)]),
    ("in category 1 (down from 150)", [("1", REFERENCE), ("150", MEASURE)]),
    ("between the second quarters of 2016 and 2017", [("2016", YEAR), ("2017", YEAR)]),
    ("see table 3 and figure 2, chap. 4, vol. 2, footnote 7", [("3", REFERENCE), ("2", REFERENCE),
                                                             ("4", REFERENCE), ("2", REFERENCE), ("7", REFERENCE)]),
    ("Sustainable Development Goal 16", [("16", REFERENCE)]),
    ("21-15432 (E) 041021 *2115432*", [("041021", REFERENCE), ("2115432", REFERENCE)]),
])
def test_kinds(text, kinds):
    assert [(m.text, m.kind) for m in find_numbers(text)] == kinds


@pytest.mark.parametrize("noise", [
    "A/72/573", "fiscal 2016/17", "9/20 21-01548", "17-19483", "at the D-1 and D-2 levels", "scheme 10-1-2",
    "1,89", "18,9", "COVID-19", "a 60-day plan", "a 24-hour hotline",
])
def test_symbols_page_residue_and_malformed_digits_are_not_numbers(noise):
    assert measures(noise) == []


@pytest.mark.parametrize("text", [
    # Letters that match ASCII ones only when case is ignored in Unicode: long s, dotless
    # and dotted i, the Kelvin sign. No number word is written with them.
    "fıve missions", "nıne units", "ſix thirds of the budget", "parıty", "ſeven", "ſixty-ſix", "SİX",
])
def test_number_words_are_written_in_ascii_letters(text):
    assert measures(text) == []


@pytest.mark.parametrize("text, roles", [
    ("The number of targeted attacks increased from 189 to 227 as at 31 October 2017; fatality figures "
     "decreased from 38 to 37 over the same period.",
     [("189", FROM), ("227", TO), ("38", FROM), ("37", TO)]),
    ("In 2017, 71 per cent of respondents expressed overall satisfaction, up from 65 per cent in 2016.",
     [("71", TO), ("65", FROM)]),
    ("30 per cent female candidates, a slight increase from the 28 per cent baseline.", [("30", TO), ("28", FROM)]),
    ("In 2017 the number of subscriptions rose from 563 to 831.", [("563", FROM), ("831", TO)]),
    ("(down from 150) and in category 2 (down from 562)", [("150", FROM), ("562", FROM)]),
    ("certified 104 out of 292 deployed units", [("104", PART), ("292", WHOLE)]),
    ("appointed 5 women out of 12 heads of mission", [("5", PART), ("12", WHOLE)]),
    ("rose to 40 per cent in 2022 from 35 per cent in 2021", [("40", TO), ("35", FROM)]),
    ("1,250 of an authorized 2,000 police officers", [("1,250", PART), ("2,000", WHOLE)]),
    ("two thirds of operations", [("two", PART), ("thirds", WHOLE)]),
    ("rose from 17 per cent in 2016 to 22 per cent", [("17", FROM), ("22", TO)]),
    ("1,250 police officers (312 women, or 25 per cent)", [("1,250", None), ("312", None), ("25", None)]),
    ("Of the 175 allegations, 80 concerned peacekeeping", [("175", WHOLE), ("80", PART)]),
    ("175 allegations were reported, of which 80 concerned peacekeeping", [("175", WHOLE), ("80", PART)]),
    # A share after "of whom" is stated as a share, and a larger second figure is no part.
    ("12,261 personnel, of whom 3.7 per cent were women", [("12,261", None), ("3.7", None)]),
    ("Of the 175 allegations, 280 people were named", [("175", None), ("280", None)]),
    ("Some 64 per cent of the 4,412 staff surveyed responded, up from 51 per cent",
     [("64", TO), ("4,412", None), ("51", FROM)]),
])
def test_roles(text, roles):
    assert [(m.text, m.role) for m in measures(text)] == roles


def test_pairs_keep_statements_apart():
    found = measures("increased from 189 to 227; decreased from 38 to 37")
    assert [m.pair for m in found][:2] == [found[0].pair] * 2
    assert found[0].pair != found[2].pair and found[2].pair == found[3].pair


@pytest.mark.parametrize("text, value, stated", [
    ("In 2017, 71 per cent of respondents", 71, True),
    ("In 2017, 71 per cent of respondents", 7, False),
    ("In 2017, 71 per cent of respondents", 2017, False),
    ("from 189 to 227 as at 31 October 2017", 227.0, True),
    ("from 189 to 227 as at 31 October 2017", 27, False),
    ("from 189 to 227 as at 31 October 2017", 31, False),
    ("over 60 Member States", 60, True),
    ("1,000 troops", 1000, True),
    ("1,000 troops", 1, False),
    ("seven missions", 7, True),
    ("seven missions", 70, False),
    ("seventy missions", 70, True),
    ("resolution 2365 (2017)", 2365, False),
])
def test_states_number(text, value, stated):
    assert states_number(text, value) is stated


def test_years_count_when_the_figure_is_a_year():
    assert states_number("the deadline of 2028", 2028, allow_years=True)
    assert not states_number("the deadline of 2028", 2028)


def test_mentions_carry_their_position():
    text = "rose from 563 to 831."
    assert [text[m.start:m.end] for m in find_numbers(text)] == ["563", "831"]


# Words, digits and signs the tokenizer and the rules of roles read, in any order.
WORDS = ["one", "two", "six", "twenty", "sixty-six", "hundred", "thousand", "million", "and", "a", "half", "thirds",
         "quarter", "parity", "of", "out", "from", "to", "up", "compared", "with", "rose", "the", "per cent", "%",
         "resolution", "paras.", "October", "31", "2017", "(2017)", "12", "1,000", "2.5", "$", ",", ".", ";", "-",
         "A/72/573", "fıve", "ſix", "K"]


@given(st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join))
@example("six one hundred and twenty twenty five")
def test_any_run_of_number_words_reads_without_error(text):
    for mention in find_numbers(text):
        assert text[mention.start:mention.end] == mention.text
        assert mention.value >= 0


# Words and signs around the contexts before a number, with whitespace of every kind.
AROUND = ["resolutions", "paras.", "No.", "(2013)", "and", ",", ";", ".", "of", "the", "from", "to", "US", "$", "went",
          "compared", "October", "seven", "2086", "12", "x", "*", "ſept", "parıty", " ", "\n", "\t", "\xa0"]
FORWARDS = sorted(numbers.BACKWARDS, key=lambda pattern: pattern.pattern)


@st.composite
def _context(draw):
    """A text holding a context (a string its forward pattern matches) among other words."""
    forward = draw(st.sampled_from(FORWARDS))
    around = st.lists(st.sampled_from(AROUND), max_size=5).map("".join)
    return draw(around) + draw(st.from_regex(forward)) + draw(around), forward


@settings(max_examples=1000)
@given(_context())
@example(("resolutions 2086 (2013) and ", numbers._REFERENCE_BEFORE))
@example(("from an US$", numbers._FROM_BEFORE))
@example(("xcompared with ", numbers._COMPARED_BEFORE))
@example(("of the ", numbers._WHOLE_FIRST_BEFORE))
@example(("x, of these ", numbers._WHOLE_FIRST_BEFORE))
def test_a_context_matched_backwards_is_the_context_read_forwards(case):
    # Every cut of the text is a place a number could start; a list's items read back are
    # remembered from cut to cut, as from number to number of one text.
    text, forward = case
    listed = {}
    backwards = (lambda reversed_text, at: numbers._reference_before(reversed_text, at, listed)) \
        if forward is numbers._REFERENCE_BEFORE else numbers.BACKWARDS[forward]
    for at in range(len(text) + 1):
        assert (forward.search(text[:at]) is not None) is backwards(text[::-1], at), (text[:at], at)


# Words that start a number in words, inside other words, in any case, and figures.
PIECES = [*WORDS, "ones", "often", "tension", "Halfway", "SIXTY", "attention", "someone", "Third", "fifths", "Parity",
          "millions", "a third", "A Quarter", "a-fifth", "1950", "00000", "units", "stood", "at", "In", "January", "é", "İ"]


@settings(max_examples=1000)
@given(st.lists(st.tuples(st.sampled_from(["", " ", "-", "\n", "/"]),
                          st.one_of(st.sampled_from(PIECES), st.text(max_size=3))), max_size=20)
       .map(lambda parts: "".join(gap + piece for gap, piece in parts)))
@example("the first half of 2019 and half of the missions")
@example("2.5 MILLION and a third")
@example("a third of 300")
def test_a_text_read_by_its_figures_alone_finds_what_every_alternative_finds(text):
    def found(pattern):
        return [(m.span(), m.group("digits"), m.group("scale")) for m in pattern.finditer(text)]

    assert found(numbers._scanner(text)) == found(numbers._TOKEN)


@pytest.mark.parametrize("text, figures_only", [
    ("In January 1950 the synthetic indicator 00000 stood at 137 units.", True),
    ("rose from 189 to 227, up 20 per cent", True),
    ("the tension eased in 2017", False),  # "ten" starts a word: read by every alternative
    ("nine missions", False),
    ("two thirds of 300", False),
    ("a quarter of 300", False),
    ("Half of the 12 missions", False),
    ("gender parity by 2028", False),
    ("1.5 million", False),
])
def test_which_texts_are_read_by_their_figures_alone(text, figures_only):
    assert (numbers._scanner(text) is numbers._FIGURES_ONLY) is figures_only
