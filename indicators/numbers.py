"""Find the numbers a sentence states, written in digits or in words.

Used to prove that a stored value appears in its verbatim quote, and by the source reader
to count and highlight the numbers of a paragraph. It knows "71 per cent", "1,000",
"2.5", number words ("nine missions", "twenty-five"), fractions ("two thirds", "three out
of four") and "parity", which in a gender target means 50 per cent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
# Document symbols and fiscal years (A/72/573, 2016/17) are not measurements, so digits
# touching a slash are skipped.
# Denominators of fractions written as words: "two thirds" states 2 and 3; alone
# ("second quarters", "third levels") they are ordinals, not numbers.
_FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}
# "Parity" between women and men is half of the total.
_MEANING_WORDS = {"parity": 50}

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_WORD_NUMBER = rf"(?:{_WORD})(?:[\s-]+(?:{_WORD}))*"
_TOKEN = re.compile(
    rf"\b(?P<numerator>{'|'.join(_UNITS)}|a)\s+(?P<fraction>{'|'.join(_FRACTION_WORDS)})\b"
    rf"|(?<![\w.,/])(?P<digits>{_DIGITS})(?![\w/])"
    # An ordinal such as "seventy-second" is not a number word.
    rf"|\b(?P<words>{_WORD_NUMBER})\b(?!-)"
    rf"|\b(?P<meaning>{'|'.join(_MEANING_WORDS)})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NumberMention:
    value: float
    start: int
    end: int
    text: str


def _words_value(phrase: str) -> float:
    total = 0
    current = 0
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return float(total + current)


def find_numbers(text: str) -> list[NumberMention]:
    """Every number stated in ``text``, in order of appearance."""
    found = []
    for match in _TOKEN.finditer(text):
        if match.group("fraction"):
            # "two thirds" states two numbers: 2 and 3 (the numerator alone for "a half").
            numerator = match.group("numerator")
            if numerator.lower() != "a":
                found.append(NumberMention(_words_value(numerator), match.start("numerator"),
                                           match.end("numerator"), numerator))
            denominator = match.group("fraction")
            found.append(NumberMention(float(_FRACTION_WORDS[denominator.lower()]), match.start("fraction"),
                                       match.end("fraction"), denominator))
            continue
        if match.group("digits"):
            value = float(match.group("digits").replace(",", ""))
        elif match.group("words"):
            value = _words_value(match.group("words"))
        else:
            value = float(_MEANING_WORDS[match.group("meaning").lower()])
        found.append(NumberMention(value, match.start(), match.end(), match.group(0)))
    return found


def states_number(text: str, value: float) -> bool:
    """True when ``text`` states ``value`` (compared to a millionth, so 71 matches 71.0)."""
    return any(abs(mention.value - value) < 1e-6 for mention in find_numbers(text))
