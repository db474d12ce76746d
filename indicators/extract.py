"""From a report's text to candidate figures: one candidate per quantitative claim, with
its location, sentence, value, unit, qualifier, period and shape, and the indicator it most
likely measures.

A steward reviews the candidates rather than retyping a report. Candidates come from the
same tokenizer as the proof (:mod:`indicators.numbers`), so what it skips is never a
candidate: dates, days, years, document symbols, resolution, paragraph and category
numbers, and page-header residue such as ``9/20 21-01548``. Matching uses rapidfuzz over
each indicator's name, description and stored quotes; a candidate that states a figure
already stored (same source, location and value) is marked as a restatement.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, utils

from indicators import period_guess
from indicators.numbers import FROM, MEASURE, PART, TO, WHOLE, NumberMention, find_numbers, same
from indicators.numbers import measures as quantities_of
from indicators.proof import dated_year
from indicators.schemas import QUALIFIERS
from indicators.sources import normalise, split_document, split_paragraphs

SHAPES = ("from X to Y", "X out of Y", "X of an authorized Y", "X in Y", "X (Y women, or Z per cent)",
          "N men, women or children", "a change by X", "a span of time", "X per cent", "fraction in words",
          "number in words", "N things")
# "over the past five years", "within 90 days": how long, seldom a measure of an indicator;
# kept as a candidate, named so that a steward sees it at once.
_SPAN_AFTER = re.compile(r"^\s*(?:calendar\s+|working\s+)?(?:years?|months?|weeks?|days?|hours?)\b", re.IGNORECASE)
_PEOPLE_AFTER = re.compile(r"^\s*(?:were\s+|are\s+)?(?:adult\s+)?(?:men|women|boys|girls|children|minors)\b",
                           re.IGNORECASE)
_CHANGE_BY_BEFORE = re.compile(
    r"\b(?:rose|risen|increased?|decreased?|fell|fallen|grew|grown|declined?|dropped|reduced|improved|worsened|"
    r"went\s+(?:up|down))"
    r"\s+by\s+(?:some\s+|about\s+|nearly\s+|almost\s+|more\s+than\s+)?(?:US)?\$?$", re.IGNORECASE)
# A change stated with its direction: "a decrease of 3.4 per cent", "a 13 per cent increase",
# "down 12 per cent from 2018", "improved by 12 percentage points".
_CHANGE_OF_BEFORE = re.compile(r"\b(?:increase|decrease|rise|fall|drop|decline|reduction|growth|improvement)\s+of\s+"
                               r"(?:some\s+|about\s+|nearly\s+|almost\s+|more\s+than\s+)?(?:US)?\$?$", re.IGNORECASE)
_CHANGE_AFTER = re.compile(r"^\s*(?:(?:per\s*cent|percent|%|percentage[\s-]points?)\s*)?(?:increase|decrease|rise|"
                           r"fall|drop|decline|reduction|growth|improvement|more|less|fewer|higher|lower|from)\b",
                           re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r"[;:]|,\s+(?:and|while|whereas|but|compared)\b|\)\s+and\b"
    r"|\band\s+(?=(?:some\s+|about\s+|approximately\s+|nearly\s+|almost\s+|over\s+|more\s+than\s+)?(?:US)?\$?\d)",
    re.IGNORECASE)
# Words reports use for a qualifier the data files name otherwise.
_SAME_AS = {"some": "approximately", "around": "approximately", "roughly": "approximately",
            "an estimated": "approximately", "close to": "nearly", "fewer than": "less than",
            "well over": "more than", "in excess of": "more than"}
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")
_NOT_A_SENTENCE_END = re.compile(r"\b(?:para|paras|No|Nos|e\.g|i\.e|Mr|Ms|Dr|St|vol|p|pp)\.$", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"^\s*(?:per\s*cent|percent|%|percentage points?)", re.IGNORECASE)
# "between 10 and 15 per cent": the first end of a range takes the unit of the second.
_RANGE_TO_PERCENT = re.compile(r"^\s*(?:and|to|-|–)\s*\d[\d,.]*\s*(?:per\s*cent|percent|%)", re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"(?:\$|US\$|USD|dollars?\s+of)\s*$", re.IGNORECASE)
_MONEY_AFTER = re.compile(r"^\s*(?:million|billion|thousand)?\s*(?:United States\s+)?dollars", re.IGNORECASE)
_PERIOD = re.compile(
    r"\b(?:(?i:as (?:at|of)|on|since|by|until|between|from|in|during)\s+)?(?:\d{1,2}\s+)?"
    rf"(?:{period_guess.MONTHS})?\s*"
    r"(?:19|20)\d{2}(?:/\d{2})?(?:\s+(?:and|to)\s+(?:\d{1,2}\s+)?(?:[A-Z][a-z]+\s+)?(?:19|20)\d{2}(?:/\d{2})?)?")


@dataclass(frozen=True)
class Candidate:
    source: str
    location: str
    quote: str
    value: float
    numerator: float | None
    denominator: float | None
    unit: str
    qualifier: str | None
    period_guess: str | None
    shape: str
    role: str | None
    text: str
    indicator_id: str | None = None
    score: float | None = None
    reason: str | None = None
    restates: bool = False
    pair: int | None = None  # shared by the two figures of "from X to Y" in one part
    clause: str = ""  # the words of the sentence that speak of this figure (see _clause)
    period_label: str | None = None  # proposed (see indicators.period_guess); the steward confirms
    period_start: str | None = None
    period_end: str | None = None
    # The year the sentence dates this figure itself by ("54 in 2018", a "respectively" list),
    # not the sentence as a whole; its period_guess is then "in" that year.
    dated_year: int | None = None

    @property
    def stated(self) -> float:
        """The number as the sentence writes it: the part of a share, else the value."""
        return self.numerator if self.numerator is not None else self.value


def sentences(text: str) -> list[tuple[int, str]]:
    """The sentences of a paragraph with their offsets; "para. 12" does not end one."""
    pieces, start = [], 0
    for match in _SENTENCE.finditer(text):
        if _NOT_A_SENTENCE_END.search(text[:match.start()]):
            continue
        pieces.append((start, text[start:match.start()]))
        start = match.end()
    pieces.append((start, text[start:]))
    return [(at, piece) for at, piece in pieces if piece.strip()]


def _clause(sentence: str, start: int, end: int) -> str:
    """The part of a sentence that speaks of the figure at ``start``-``end``: "Women made up
    4.1 per cent of military contingents" and "and some 21 per cent of individual police
    officers" are two clauses of one sentence, and each figure is matched by its own."""
    cuts = list(_CLAUSE_BREAK.finditer(sentence))
    begin = max((m.end() for m in cuts if m.end() <= start), default=0)
    finish = min((m.start() for m in cuts if m.start() >= end), default=len(sentence))
    return sentence[begin:finish]


def _qualifier(before: str) -> str | None:
    lowered = re.sub(r"\s+", " ", before.lower()).rstrip()
    lowered = re.sub(r"\s*(?:us)?\$$", "", lowered)  # "some $2.3 million"
    said = next((q for q in sorted([*QUALIFIERS, *_SAME_AS], key=len, reverse=True)
                 if lowered == q or lowered.endswith(" " + q)), None)
    return _SAME_AS.get(said, said)


def _unit(sentence: str, mention: NumberMention, start: int) -> str:
    after, before = sentence[mention.end - start:], sentence[:mention.start - start]
    if _PERCENT_AFTER.match(after) or _RANGE_TO_PERCENT.match(after) or mention.text.lower() in ("parity", "half"):
        return "percent"
    if _MONEY_BEFORE.search(before) or _MONEY_AFTER.match(after):
        return "money"
    return "count"


def _period(sentence: str) -> str | None:
    # A range or a quarter first: "the fourth quarter of 2022" names a quarter, not a year.
    span = period_guess.span_in(sentence)
    if span:
        return span
    found = [m.group(0).strip() for m in _PERIOD.finditer(sentence) if re.search(r"\d{4}", m.group(0))]
    return found[0] if found else None


def _shape(mention: NumberMention, partner: NumberMention | None, sentence: str, offset: int, unit: str) -> str:
    before = sentence[:mention.start - offset]
    after = sentence[mention.end - offset:]
    if mention.role in (FROM, TO):
        return "from X to Y"
    if mention.role == PART:
        between = sentence[mention.end - offset:partner.start - offset] if partner else ""
        if re.search(r"authori[sz]ed|approved", between, re.IGNORECASE):
            return "X of an authorized Y"
        if re.match(r"^\s+in\b", between):
            return "X in Y"
        if partner is not None and partner.text.lower() in _FRACTIONS:
            return "fraction in words"
        return "X out of Y"
    if re.search(r"\(\s*$", before) and re.match(r"^\s*(?:are\s+|were\s+)?women\b[^)]*\b(?:per\s*cent|percent)|"
                                                  r"^\s*(?:are\s+|were\s+)?women\b[^)]*%", after, re.IGNORECASE):
        return "X (Y women, or Z per cent)"
    if _CHANGE_BY_BEFORE.search(before) or _CHANGE_OF_BEFORE.search(before) or (
            _CHANGE_AFTER.match(after) and re.search(r"\b(?:an?|up|down)\s+$", before, re.IGNORECASE)):
        return "a change by X"  # a difference, not a level: not a point of a series as it stands
    if unit == "count" and _SPAN_AFTER.match(after):
        return "a span of time"
    if unit == "count" and _PEOPLE_AFTER.match(after):
        return "N men, women or children"
    if mention.text.lower() == "half":
        return "fraction in words"
    if unit == "percent":
        return "X per cent"
    if mention.text[:1].isalpha():
        return "number in words"
    return "N things"


_FRACTIONS = {"half", "halves", "third", "thirds", "quarter", "quarters", "fifth", "fifths"}


def candidates_in(source: str, location: str, text: str) -> list[Candidate]:
    """Every quantitative claim of one paragraph (or page)."""
    found = []
    for offset, sentence in sentences(text):
        mentions = [m for m in find_numbers(text) if offset <= m.start < offset + len(sentence)]
        measures = [m for m in mentions if m.kind == MEASURE]
        by_pair: dict[int, list[NumberMention]] = {}
        for m in measures:
            if m.pair is not None:
                by_pair.setdefault(m.pair, []).append(m)
        quote = normalise(sentence)
        period = _period(sentence)
        # The year each figure is dated by, where the sentence dates figures one by one
        # (the proof reads the same: :func:`indicators.proof.dated_year`).
        own = {(m.start + offset, m.end + offset): year for m in quantities_of(sentence)
               if (year := dated_year(sentence, m)) is not None}
        for mention in measures:
            partners = [p for p in by_pair.get(mention.pair, []) if p is not mention] if mention.pair else []
            partner = partners[0] if partners else None
            if mention.role == WHOLE and (partner is None or partner.start < mention.start):
                continue  # "104 out of 292": the whole is reported with its part
            # "Of the 175 allegations, 80 concerned ...": the whole comes first and is a figure too.
            unit = _unit(sentence, mention, offset)
            numerator = denominator = None
            value = mention.value
            if mention.role == PART and partner is not None:
                numerator, denominator = mention.value, partner.value
                value = 100 * numerator / denominator if denominator else mention.value
                unit = "percent"
            qualifier = _qualifier(sentence[:mention.start - offset])
            shape = _shape(mention, partner, sentence, offset, unit)
            year = own.get((mention.start, mention.end))
            found.append(Candidate(source, location, quote, value, numerator, denominator, unit, qualifier,
                                   period if year is None else f"in {year}", shape, mention.role, mention.text,
                                   pair=mention.pair, dated_year=year,
                                   clause=normalise(_clause(sentence, mention.start - offset, mention.end - offset))))
    return found


def units_of(raw: str, symbol: str) -> dict[str, str]:
    """A report's paragraphs, else a document's pages and sections."""
    paragraphs = split_paragraphs(raw, symbol)
    if len(paragraphs) >= 3:
        return {str(n): text for n, text in paragraphs.items()}
    return split_document(raw)


def extract_text(raw: str, symbol: str) -> list[Candidate]:
    return [c for location, text in units_of(raw, symbol).items() for c in candidates_in(symbol, location, text)]


def read_any(path: Path) -> str:
    """The cleaned text of a .txt, .pdf or .html file, as add-source would store it."""
    from indicators.files import read_text
    from indicators.ingest import clean_pages, html_text, pdf_pages

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "\n".join(clean_pages(pdf_pages(path)))
    if suffix in (".html", ".htm"):
        return html_text(path)
    return read_text(path, path.name)


def match(candidates: list[Candidate], dataset) -> list[Candidate]:
    """Each candidate with its best indicator, a score and the reason; figures already
    stored (same source, location and value) are marked as restatements."""
    catalogue = dataset.catalogue
    quotes = pd.concat([dataset.observations[["indicator_id", "quote"]], dataset.targets[["indicator_id", "quote"]]])
    texts = {row.id: f"{row.name} {row.description} " + " ".join(quotes.loc[quotes["indicator_id"] == row.id, "quote"])
             for row in catalogue.itertuples()}
    units = dict(zip(catalogue["id"], catalogue["unit"], strict=True))
    stored = pd.concat([dataset.observations[["indicator_id", "source", "location", "value", "numerator"]],
                        dataset.targets[["indicator_id", "source", "location", "value"]]])
    out = []
    for c in candidates:
        rows = stored[(stored["source"] == c.source) & (stored["location"].astype(str) == c.location)]
        hits = rows[[same(v, c.value) or (pd.notna(n) and c.numerator is not None and same(n, c.numerator))
                     for v, n in zip(rows["value"], rows.get("numerator", pd.Series(index=rows.index)), strict=True)]]
        if not hits.empty:
            out.append(_with(c, hits.iloc[0]["indicator_id"], 100.0, "restates a stored figure (same source, "
                             "location and value)", True))
            continue
        best, score, by = None, 0.0, "sentence"
        for indicator_id, text in texts.items():
            if units[indicator_id] != c.unit and not (units[indicator_id] == "ratio" and c.unit == "count"):
                continue
            # The whole sentence, or the clause of the figure when the sentence states several.
            for words, what in ((c.quote, "sentence"), (c.clause, "clause")):
                s = fuzz.token_set_ratio(words, text, processor=utils.default_process) if words else 0.0
                if s > score:
                    best, score, by = indicator_id, s, what
        if best is not None and score >= 60:
            out.append(_with(c, best, round(score, 1), f"{by} resembles {best} ({units[best]}) at {score:.0f}"))
        else:
            out.append(_with(c, None, round(score, 1) if best else None, "no indicator of this unit resembles it"))
    return _with_periods(out, dataset.observations)


def _with_periods(found: list[Candidate], observations: pd.DataFrame) -> list[Candidate]:
    """Proposed periods. The earlier figure of "increased from 227 to 251" that another
    source already stored for the same indicator restates it, with its period; the later
    figure takes the period right after (ending on the date the sentence gives, if any).
    Any other figure but an earlier one takes the period its sentence names, when it names
    one exactly."""
    earlier: dict[tuple, tuple[pd.Timestamp, pd.Timestamp]] = {}
    settled = []
    for c in found:
        if c.role == FROM and c.indicator_id and not c.restates:
            rows = observations[(observations["indicator_id"] == c.indicator_id)
                                & (observations["source"] != c.source)
                                & ((observations["value"] - c.value).abs().lt(1e-6)
                                   | (observations["numerator"] - c.stated).abs().lt(1e-6))]
            if c.dated_year is not None:  # "from 6% in 2015": it restates only a figure stored for 2015
                rows = rows[(rows["period_start"].dt.year <= c.dated_year)
                            & (rows["period_end"].dt.year >= c.dated_year)]
            if not rows.empty:
                row = rows.sort_values("period_end").iloc[-1]
                earlier[(c.source, c.location, c.pair)] = (row["period_start"], row["period_end"])
                stored = period_guess.Period(row["period_start"], row["period_end"], row["period_label"])
                c = replace(c, restates=True, reason=f"restates {c.text} stored from {row['source']} "
                                                     f"({row['period_label']})", **stored.row())
        settled.append(c)
    out = []
    for c in settled:
        # The period a sentence names is its latest figure's, never the earlier one of a change.
        # A figure the sentence dates itself takes that year, whatever its role.
        if c.period_start is None and (c.role != FROM or c.dated_year is not None):
            named = period_guess.named(c.period_guess)
            before = earlier.get((c.source, c.location, c.pair)) if c.role == TO and c.dated_year is None else None
            proposed = period_guess.following(*before, named.end if named else None) if before else named
            if proposed is not None:
                c = replace(c, **proposed.row())
        out.append(c)
    return out


def _with(c: Candidate, indicator_id, score, reason, restates=False) -> Candidate:
    return Candidate(**{**asdict(c), "indicator_id": indicator_id, "score": score, "reason": reason,
                        "restates": restates})


def table(candidates: list[Candidate]) -> pd.DataFrame:
    return pd.DataFrame([asdict(c) for c in candidates])


def summary(candidates: list[Candidate]) -> list[str]:
    shapes = Counter(c.shape for c in candidates)
    lines = [f"{len(candidates)} candidates"]
    lines += [f"  {shape}: {shapes[shape]}" for shape in SHAPES if shapes[shape]]
    matched = sum(c.indicator_id is not None for c in candidates)
    restated = sum(c.restates for c in candidates)
    lines.append(f"{matched} matched an existing indicator ({restated} restate a stored figure)")
    return lines
