import pytest

from indicators.numbers import find_numbers, states_number


@pytest.mark.parametrize("text, expected", [
    ("71 per cent of respondents", [71]),
    ("up from 65 per cent in 2016", [65, 2016]),
    ("1,000 troops", [1000]),
    ("a 2.5 per cent rise", [2.5]),
    ("nine missions", [9]),
    ("three out of four projects", [3, 4]),
    ("two thirds of current peace operations", [2, 3]),
    ("twenty-five countries", [25]),
    ("gender parity", [50]),
    ("resolution A/72/573 of 2016/17", []),
    ("someone and none", []),
])
def test_find_numbers(text, expected):
    assert [m.value for m in find_numbers(text)] == expected


@pytest.mark.parametrize("text, value, stated", [
    ("In 2017, 71 per cent of respondents", 71, True),
    ("In 2017, 71 per cent of respondents", 7, False),
    ("from 189 to 227", 227.0, True),
    ("over 60 Member States", 60, True),
    ("1,000 troops", 1000, True),
    ("1,000 troops", 1, False),
    ("seven missions", 7, True),
])
def test_states_number(text, value, stated):
    assert states_number(text, value) is stated


def test_mentions_carry_their_position():
    text = "rose from 563 to 831."
    mentions = find_numbers(text)
    assert [text[m.start:m.end] for m in mentions] == ["563", "831"]


@pytest.mark.parametrize("text, expected", [
    ("between the second quarters of 2016 and 2017", [2016, 2017]),
    ("the second and third levels", []),
    ("the seventy-second session", []),
    ("three quarters of units", [3, 4]),
    ("a half of the posts", [2]),
])
def test_ordinals_are_not_numbers(text, expected):
    assert [m.value for m in find_numbers(text)] == expected
