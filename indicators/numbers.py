"""Find the numbers a sentence states, what kind of number each is, and the role it plays.

Used to prove that a stored value is stated by its verbatim quote, and by the source reader
to count and highlight the numbers of a paragraph.

Every number is a :class:`NumberMention` with its span and a ``kind``:

- ``measure``: a quantity the sentence states ("71 per cent", "1,000", "2.5", "nine
  missions", "one hundred and five", "1.5 million", "two thirds", "parity");
- ``year``: a four-digit year (UN style writes quantities of a thousand and more with a
  comma, so a bare 1900-2100 is a year);
- ``day``: the day of a date ("31 October", "October 31");
- ``reference``: resolution, document, paragraph, section or category numbers
  ("resolution 2365 (2017)", "category 1", "para. 12").

Digits touching a slash or a hyphen are not numbers at all: document symbols
(A/72/573), fiscal years (2016/17), page-header residue (9/20 17-19483), grades (D-1),
names (COVID-19) and adjectives ("a 60-day plan", "a 24-hour hotline").

Measures also get a ``role`` when the sentence relates two of them, with a ``pair`` id
shared by both: "from X to Y", "increased from X to Y", "Y, up from X" (``from``/``to``:
the earlier and the later figure), and "X out of Y", "X of an authorized Y", "two thirds"
(``part``/``whole``).

Number words are read by text2num; fractions, "parity" and scale words after digits
("1.5 million"), which it does not read, are handled here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from text_to_num import text2num

MEASURE, YEAR, DAY, REFERENCE = "measure", "year", "day", "reference"
FROM, TO, PART, WHOLE = "from", "to", "part", "whole"

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
).split()
_SCALE_WORDS = ("hundred", "thousand", "million", "billion")
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Denominators of fractions written as words: "two thirds" states 2 and 3; alone
# ("second quarters", "third levels") they are ordinals, not numbers.
_FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
                   "fifth": 5, "fifths": 5}
_SMALL = {w: i for i, w in enumerate(_UNIT_WORDS[:20])}
# "Parity" between women and men is half of the total; so is "half of" something.
_MEANING_WORDS = {"parity": 50}
# Words that state a share by themselves ("two thirds", "half", "parity"), not a count.
SHARE_WORDS = frozenset([*_FRACTION_WORDS, *_MEANING_WORDS])
_HALF = 50
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Number words in ASCII letters only, (?a:...), in any case: ignoring case in Unicode also
# reads "ſix" (long s) as "six" and "fıve" (dotless i) as "five", words text2num cannot
# read (a crash) or that state no number at all (a forged proof).
_WORD = "(?a:" + "|".join(sorted([*_UNIT_WORDS, *_SCALE_WORDS], key=len, reverse=True)) + ")"
_WORD_NUMBER = rf"{_WORD}(?:(?:[\s-]+|\s+and\s+){_WORD})*"
_FIGURE = rf"(?<![\w.,/\-])(?P<digits>{_DIGITS})(?:\s+(?P<scale>(?a:{'|'.join(_SCALES)}))\b)?(?![\w/]|-\w|[.,]\d)"
_TOKEN = re.compile(
    rf"\b(?P<numerator>(?a:{'|'.join(_SMALL)}|a))[\s-]+(?P<fraction>(?a:{'|'.join(_FRACTION_WORDS)}))\b"
    rf"|{_FIGURE}"
    # An ordinal such as "seventy-second" is not a number word.
    rf"|\b(?P<words>{_WORD_NUMBER})\b(?!-)"
    rf"|\b(?P<meaning>(?a:{'|'.join(_MEANING_WORDS)}))\b"
    # "Half of the missions": a share, not the ordinal of "the first half of 2019".
    rf"|(?<!\bthe\s)(?<!\bfirst\s)(?<!\bsecond\s)\b(?P<half>(?a:half))(?=\s+of\b)",
    re.IGNORECASE,
)
# Most quotes state their numbers in figures only. Every alternative of ``_TOKEN`` but the
# figures starts a word with one of these words (a number word, a fraction's, "parity" or
# "half"), so a text where no word starts with one is read by the figures alone, in well
# under half the time: trying every alternative at every character was most of the cost
# of proving a quote. A property test holds the two readings to the same result.
# (The look-ahead only turns the search away sooner: every word starts with a letter.)
_WORDS_READ = re.compile(
    rf"\b(?=[a-z])(?a:{'|'.join([*_UNIT_WORDS, *_SCALE_WORDS, *_FRACTION_WORDS, *_MEANING_WORDS, 'half'])})",
    re.IGNORECASE)
_FIGURES_ONLY = re.compile(_FIGURE, re.IGNORECASE)
# What stands before a number decides its kind and role ("resolution 2365", "from 189"). Each
# such context is written forwards, as a rule reads (``*_BEFORE``: a pattern that must end
# where the number starts), and matched backwards from the number (``*_BACK``: the same
# pattern reversed, tried on the reversed text at the number), so reading it costs the
# length of the context, not of all the text before: a paragraph of a thousand numbers was
# read in time quadratic in its length. A property test holds each pair to one meaning.


def _either(words, backwards: bool = False) -> str:
    """Literal words as alternatives, each reversed when matched backwards."""
    return "|".join(re.escape(word[::-1] if backwards else word) for word in words)


_ARTICLE = r"(?:the\s+|a\s+|an\s+)?"
_ARTICLE_BACK = r"(?:\s+eht|\s+a|\s+na)?"
_MONTH_WORDS = _MONTHS.split("|")
_SMALL_WORDS = list(_SMALL)
_AND_A_BEFORE = re.compile(rf"(?:\d|\b(?:{_either(_SMALL_WORDS)}))\s+and\s+$", re.IGNORECASE)
_AND_A_BACK = re.compile(rf"\n?\s+dna\s+(?:\d|(?:{_either(_SMALL_WORDS, True)})\b)", re.IGNORECASE)
_DAY_AFTER = re.compile(rf"\s+(?:{_MONTHS})\b", re.IGNORECASE)
_DAY_BEFORE = re.compile(rf"\b(?:{_either(_MONTH_WORDS)})\s+$", re.IGNORECASE)
_DAY_BACK = re.compile(rf"\n?\s+(?:{_either(_MONTH_WORDS, True)})\b", re.IGNORECASE)
# Words after which a number names something rather than counting it: one reference
# ("resolution 2365", "category 1", "para. 12"), or a list of them ("resolutions 2086 (2013)
# and 2151 (2014)", "paras. 12, 14 and 19").
_REFERENCE_WORDS = ("resolution", "paragraph", "para.", "section", "chapter", "chap.", "annex", "article", "rule",
                    "category", "phase", "level", "tier", "grade", "table", "figure", "box", "footnote", "page",
                    "vol.", "goal", "No.", "document", "report", "A/", "S/")
_REFERENCE_LIST_WORDS = ("resolutions", "paragraphs", "paras.", "sections", "chapters", "annexes", "articles", "rules",
                         "categories", "phases", "levels", "tiers", "grades", "tables", "figures", "footnotes", "pages",
                         "goals", "Nos.", "numbers", "documents")
_REFERENCE_BEFORE = re.compile(
    rf"\b(?:{_either(_REFERENCE_WORDS)})\s*$"
    # A document's job-number line: "21-15432 (E) 041021 *2115432*" (the date it was printed).
    r"|\([A-Z]\)\s*$"
    rf"|\b(?:{_either(_REFERENCE_LIST_WORDS)})\s*(?:\d+(?:\s*\(\d{{4}}\))?\s*(?:,|and)\s*)*$",
    re.IGNORECASE,
)
_REFERENCE_BACK = re.compile(rf"\n?\s*(?:{_either(_REFERENCE_WORDS, True)})\b|\n?\s*\)[A-Z]\(", re.IGNORECASE)
# A list matched backwards one item at a time ("and 2151 (2014)", ", 14"), down to its word:
# the items between a number and its list's word are those of the numbers before it, so
# where each item leads is remembered for the next number, and a run of a thousand listed
# numbers is read once, not once per number.
_LIST_ITEM_BACK = re.compile(r"\s*(?:,|dna)\s*(?:\)\d{4}\(\s*)?\d+", re.IGNORECASE)
_LIST_WORD_BACK = re.compile(rf"\s*(?:{_either(_REFERENCE_LIST_WORDS, True)})\b", re.IGNORECASE)
_REFERENCE_AFTER = re.compile(r"\s*\(\d{4}\)")  # "2365 (2017)": a resolution and its year
# A currency sign may stand between the word and the figure: "from $6.8 billion to $7.3 billion".
_FROM_BEFORE = re.compile(rf"\bfrom\s+{_ARTICLE}(?:US)?\$?$", re.IGNORECASE)
_FROM_BACK = re.compile(rf"\n?\$?(?:SU)?{_ARTICLE_BACK}\s+morf\b", re.IGNORECASE)
_TO_BETWEEN = re.compile(rf"^(?:\s*(?:per\s*cent|percent|%))?[^;.]{{0,40}}?\bto\s+{_ARTICLE}(?:US)?\$?$",
                         re.IGNORECASE)
_CHANGE_WORDS = ("up", "down", "increase", "increases", "increased", "decrease", "decreases", "decreased", "rise",
                 "rose", "risen", "fall", "fell", "fallen", "drop", "dropped", "grew", "grown", "growth", "decline",
                 "declines", "declined", "reduction", "improvement")
_CHANGE_FROM_BEFORE = re.compile(rf"\b(?:{_either(_CHANGE_WORDS)})\s+from\s+{_ARTICLE}$", re.IGNORECASE)
_CHANGE_FROM_BACK = re.compile(rf"\n?{_ARTICLE_BACK}\s+morf\s+(?:{_either(_CHANGE_WORDS, True)})\b", re.IGNORECASE)
_PART_BETWEEN = re.compile(
    r"^(?:\s+out)?\s+of\s+(?:the\s+|a\s+total\s+of\s+|an?\s+authori[sz]ed\s+|an?\s+approved\s+)?$"
    # "5 women out of 12 heads of mission": what is counted may stand between.
    r"|^(?:\s+[a-z-]+){1,3}\s+out\s+of\s+(?:the\s+|a\s+total\s+of\s+)?$"
    # Mission strength: "12,386 personnel (of an authorized 13,289)", "860 troops of an authorized strength of 900".
    r"|^(?:\s+[a-z-]+){0,3}\s*[(,]?\s*(?:out\s+)?of\s+an?\s+(?:authori[sz]ed|approved)\s+(?:strength\s+of\s+)?$"
    # "one in five", "1 in 4": a share as a rate.
    r"|^\s+in(?:\s+every)?\s+$",
    re.IGNORECASE,
)
# "12 allegations, compared with 8": the figure compared with is the earlier one.
_COMPARED_BEFORE = re.compile(rf"\bcompared\s+(?:with|to)\s+{_ARTICLE}(?:US)?\$?$", re.IGNORECASE)
_COMPARED_BACK = re.compile(rf"\n?\$?(?:SU)?{_ARTICLE_BACK}\s+(?:htiw|ot)\s+derapmoc\b", re.IGNORECASE)
# "rose to 40 per cent in 2022 from 35 per cent in 2021": the later figure first.
_CHANGED_TO_WORDS = ("rose", "risen", "increased", "grew", "grown", "climbed", "jumped", "fell", "fallen", "decreased",
                     "declined", "dropped")
_CHANGE_TO_BEFORE = re.compile(
    rf"\b(?:{_either(_CHANGED_TO_WORDS)}|went\s+(?:up|down))\s+to\s+{_ARTICLE}(?:US)?\$?$", re.IGNORECASE)
_CHANGE_TO_BACK = re.compile(
    rf"\n?\$?(?:SU)?{_ARTICLE_BACK}\s+ot\s+(?:{_either(_CHANGED_TO_WORDS, True)}|(?:pu|nwod)\s+tnew)\b", re.IGNORECASE)
_FROM_AFTER_TO = re.compile(rf"^[^;.]{{0,80}}?\bfrom\s+{_ARTICLE}(?:US)?\$?$", re.IGNORECASE)
# The whole before its part: "Of the 175 allegations, 80 concerned ..." and "175 allegations
# were reported, of which 80 concerned ...". A share that follows ("of whom 27 per cent")
# is stated as such and pairs with nothing.
_WHOLE_FIRST_BEFORE = re.compile(r"(?:^|[.;,:]\s*)of\s+(?:the|these|those)\s+$", re.IGNORECASE)
_WHOLE_FIRST_BACK = re.compile(r"\n?\s+(?:eht|eseht|esoht)\s+fo(?:\Z|\s*[.;,:])", re.IGNORECASE)
_WHOLE_FIRST_BETWEEN = re.compile(r"^[^,;.]{0,80},\s+$")
_OF_WHICH_BETWEEN = re.compile(r"^[^;.]{0,160},\s+of\s+(?:which|whom)\s+$", re.IGNORECASE)
_SHARE_AFTER = re.compile(r"\s*(?:per\s*cent|percent|%)", re.IGNORECASE)


def _ends_at(backwards: re.Pattern, reversed_text: str, at: int) -> bool:
    """Whether the context ``backwards`` matches (reversed) ends at ``at`` of the text
    ``reversed_text`` is the reverse of, as its forward pattern searched in ``text[:at]``."""
    return backwards.match(reversed_text, len(reversed_text) - at) is not None


def _reference_before(reversed_text: str, at: int, listed: dict[int, bool]) -> bool:
    """Whether a reference's word, or a list of them, ends at ``at`` (``_REFERENCE_BEFORE``).
    ``listed`` remembers, for one text, whether each place read back reaches a list's word.

    Read one item at a time, as the pattern would: an item takes all the whitespace and
    digits it can, since what comes before it (another item or the list's word) never
    starts with either."""
    if _ends_at(_REFERENCE_BACK, reversed_text, at):
        return True
    where, passed = len(reversed_text) - at, []
    while where not in listed:
        if _LIST_WORD_BACK.match(reversed_text, where):
            listed[where] = True
            break
        item = _LIST_ITEM_BACK.match(reversed_text, where)
        if item is None:
            listed[where] = False
            break
        passed.append(where)
        where = item.end()
    found = listed[where]
    if passed:
        listed.update(dict.fromkeys(passed, found))
    return found


# Each context matched backwards, by the forward pattern that defines it.
BACKWARDS = {
    _AND_A_BEFORE: lambda reversed_text, at: _ends_at(_AND_A_BACK, reversed_text, at),
    _DAY_BEFORE: lambda reversed_text, at: _ends_at(_DAY_BACK, reversed_text, at),
    _REFERENCE_BEFORE: lambda reversed_text, at: _reference_before(reversed_text, at, {}),
    _FROM_BEFORE: lambda reversed_text, at: _ends_at(_FROM_BACK, reversed_text, at),
    _CHANGE_FROM_BEFORE: lambda reversed_text, at: _ends_at(_CHANGE_FROM_BACK, reversed_text, at),
    _COMPARED_BEFORE: lambda reversed_text, at: _ends_at(_COMPARED_BACK, reversed_text, at),
    _CHANGE_TO_BEFORE: lambda reversed_text, at: _ends_at(_CHANGE_TO_BACK, reversed_text, at),
    _WHOLE_FIRST_BEFORE: lambda reversed_text, at: _ends_at(_WHOLE_FIRST_BACK, reversed_text, at),
}


@dataclass(frozen=True)
class NumberMention:
    value: float
    start: int
    end: int
    text: str
    kind: str = MEASURE
    role: str | None = None
    pair: int | None = None


def _readable(phrase: str) -> float | None:
    """The number a phrase of number words states, or None when text2num cannot read it
    as one number."""
    try:
        return float(text2num(re.sub(r"\s+", " ", phrase.lower()).strip(), "en"))
    except ValueError:
        return None


# The longest number in words is a dozen words ("nine hundred and ninety-nine thousand nine
# hundred and ninety-nine"); no longer run is tried as one, so a long run is read in time
# linear in its length.
_LONGEST_NUMBER_WORDS = 16


def _split_word_phrase(match: re.Match) -> list[tuple[int, int, str, float]]:
    """A run of number words as the numbers it states, each with its span and value,
    split where text2num cannot read it as one number ("five and six" is two numbers,
    "one hundred and five" is one, "six one hundred" is six and a hundred)."""
    phrase, offset = match.group("words"), match.start("words")
    value = _readable(phrase)
    if value is not None:
        return [(offset, offset + len(phrase), phrase, value)]
    parts, at = [], 0
    for piece in re.split(r"(\s+and\s+)", phrase):
        if piece.strip().lower() != "and" and not re.fullmatch(r"\s+and\s+", piece):
            parts += _longest_numbers(piece, offset + at)
        at += len(piece)
    return parts


def _longest_numbers(piece: str, offset: int) -> list[tuple[int, int, str, float]]:
    """The numbers of a run of number words, read from the left, each the longest run of
    words text2num reads as one; a word it cannot read alone ("and") states nothing."""
    value = _readable(piece)
    if value is not None:
        return [(offset, offset + len(piece), piece, value)]
    words = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+", piece)]
    found, first = [], 0
    while first < len(words):
        for last in range(min(len(words), first + _LONGEST_NUMBER_WORDS), first, -1):
            start, end = words[first][0], words[last - 1][1]
            value = _readable(piece[start:end])
            if value is not None:
                found.append((offset + start, offset + end, piece[start:end], value))
                first = last
                break
        else:
            first += 1
    return found


def _scanner(text: str) -> re.Pattern:
    """The pattern that finds ``text``'s numbers: the figures alone when no word of it
    could start a number in words (``_WORDS_READ``)."""
    return _TOKEN if _WORDS_READ.search(text) else _FIGURES_ONLY


def _raw_mentions(text: str, backwards: str) -> list[NumberMention]:
    found, listed = [], {}

    def mention(value: float, start: int, end: int, written: str, role: str | None = None) -> NumberMention:
        # Each mention is made once, with its kind: a dataclass replace() per mention cost
        # a fifth of the tokenizer's time.
        return NumberMention(value, start, end, written, _kind(text, backwards, listed, start, end, written, value), role)

    for match in _scanner(text).finditer(text):
        # Figures first: the only group of both scanners.
        if match.group("digits"):
            value = float(match.group("digits").replace(",", ""))
            if match.group("scale"):
                value *= _SCALES[match.group("scale").lower()]
            found.append(mention(value, match.start(), match.end(), match.group(0)))
        elif match.group("fraction"):
            numerator, denominator = match.group("numerator"), match.group("fraction")
            whole = float(_FRACTION_WORDS[denominator.lower()])
            # "one third", "two thirds" and "a third of the missions" state both numbers; in
            # "two and a half years" the "a" is part of another number and states nothing.
            if numerator.lower() != "a" or not _ends_at(_AND_A_BACK, backwards, match.start()):
                found.append(mention(float(_SMALL.get(numerator.lower(), 1)), match.start("numerator"),
                                     match.end("numerator"), numerator, role=PART))
            found.append(mention(whole, match.start("fraction"), match.end("fraction"), denominator, role=WHOLE))
        elif match.group("half"):
            found.append(mention(float(_HALF), match.start(), match.end(), match.group(0)))
        elif match.group("words"):
            for start, end, phrase, value in _split_word_phrase(match):
                found.append(mention(value, start, end, phrase))
        else:
            found.append(mention(float(_MEANING_WORDS[match.group("meaning").lower()]), match.start(), match.end(),
                                 match.group(0)))
    return found


def _kind(text: str, backwards: str, listed: dict[int, bool], start: int, end: int, written: str, value: float) -> str:
    plain_digits = written.isdigit()
    if _reference_before(backwards, start, listed) or (plain_digits and _REFERENCE_AFTER.match(text, end)):
        return REFERENCE
    if text[start - 1:start] == "*" and text[end:end + 1] == "*":  # a barcode: "*2115432*"
        return REFERENCE
    if plain_digits and len(written) == 4 and 1900 <= value <= 2100:
        return YEAR
    if plain_digits and 1 <= value <= 31 and (_DAY_AFTER.match(text, end) or _ends_at(_DAY_BACK, backwards, start)):
        return DAY
    return MEASURE


def _clause_break(text: str) -> bool:
    return ";" in text or re.search(r"\.\s", text) is not None


def _with_roles(text: str, backwards: str, mentions: list[NumberMention]) -> list[NumberMention]:
    """Mark pairs of measures: from/to and part/whole, each pair with its own id."""
    out = list(mentions)
    measures = [i for i, m in enumerate(out) if m.kind == MEASURE]
    pair = 0
    # Fractions in words ("two thirds") come paired from the tokenizer.
    for a, b in zip(measures, measures[1:], strict=False):
        if out[a].role == PART and out[b].role == WHOLE and out[b].start - out[a].end <= 2:
            pair += 1
            out[a], out[b] = replace(out[a], pair=pair), replace(out[b], pair=pair)
    for a, b in zip(measures, measures[1:], strict=False):
        first, second = out[a], out[b]
        if first.role or second.role:
            continue
        between = text[first.end:second.start]
        if _ends_at(_FROM_BACK, backwards, first.start) and _TO_BETWEEN.match(between):
            pair += 1
            out[a], out[b] = replace(first, role=FROM, pair=pair), replace(second, role=TO, pair=pair)
        elif _PART_BETWEEN.match(between) and (" in " not in between or first.value < second.value <= 1000):
            pair += 1
            out[a], out[b] = replace(first, role=PART, pair=pair), replace(second, role=WHOLE, pair=pair)
        elif not _SHARE_AFTER.match(text, second.end) and second.value <= first.value and (
                (_ends_at(_WHOLE_FIRST_BACK, backwards, first.start) and _WHOLE_FIRST_BETWEEN.match(between))
                or _OF_WHICH_BETWEEN.match(between)):
            pair += 1
            out[a], out[b] = replace(first, role=WHOLE, pair=pair), replace(second, role=PART, pair=pair)
    for a, b in zip(measures, measures[1:], strict=False):
        later, earlier = out[a], out[b]
        if later.role is None and earlier.role is None and _ends_at(_CHANGE_TO_BACK, backwards, later.start) \
                and _FROM_AFTER_TO.match(text[later.end:earlier.start]):
            pair += 1
            out[a], out[b] = replace(later, role=TO, pair=pair), replace(earlier, role=FROM, pair=pair)
    # "71 per cent ..., up from 65 per cent" (or "12, compared with 8"): the figure changed
    # from is the earlier one, and the nearest free measure before it in the same clause is
    # the later one.
    for position, i in enumerate(measures):
        mention = out[i]
        if mention.role or not (_ends_at(_CHANGE_FROM_BACK, backwards, mention.start)
                                or _ends_at(_COMPARED_BACK, backwards, mention.start)):
            continue
        pair += 1
        out[i] = replace(mention, role=FROM, pair=pair)
        free = []
        for j in reversed(measures[:position]):
            earlier = out[j]
            # The distance first: a clause far back is not copied out to be read.
            if mention.start - earlier.end > 160 or _clause_break(text[earlier.end:mention.start]):
                break
            if earlier.role is None:
                free.append(j)
        # "64 per cent of the 4,412 staff surveyed, up from 51 per cent": a share changed from
        # a share, so the nearest figure of the same kind is the later one.
        share = bool(_SHARE_AFTER.match(text, mention.end))
        alike = [j for j in free if bool(_SHARE_AFTER.match(text, out[j].end)) == share]
        if alike or free:
            j = (alike or free)[0]
            out[j] = replace(out[j], role=TO, pair=pair)
    return out


@functools.lru_cache(maxsize=65536)
def find_numbers(text: str) -> tuple[NumberMention, ...]:
    """Every number in ``text``, in order of appearance, with its kind and role.

    Kept per text: validation reads a quote once per row that cites it, and the source
    reader the same paragraph on every rerun."""
    backwards = text[::-1]
    return tuple(_with_roles(text, backwards, _raw_mentions(text, backwards)))


def measures(text: str, allow_years: bool = False) -> list[NumberMention]:
    """The quantities ``text`` states: no dates, days or references; years only when the
    figure itself is a year."""
    wanted = {MEASURE, YEAR} if allow_years else {MEASURE}
    return [m for m in find_numbers(text) if m.kind in wanted]


def same(a: float, b: float) -> bool:
    """Equal to a millionth, so 71 matches 71.0."""
    return abs(a - b) < 1e-6


def states_number(text: str, value: float, allow_years: bool = False) -> bool:
    """True when ``text`` states ``value`` as a quantity (not as a date, day or reference)."""
    return any(same(m.value, value) for m in measures(text, allow_years))
