"""Finding what a person meant: the indicator of a link that misses, by id and name, and
the allowed value closest to a misspelt id, column or unit in a file (rapidfuzz)."""

from __future__ import annotations

from rapidfuzz import fuzz, process, utils

# Below this score a suggestion is more noise than help.
CUTOFF = 80
# A fragment shorter than this matches inside too many words to be worth suggesting.
SHORTEST_FRAGMENT = 5


def _score(query: str, choice: str, **_) -> float:
    whole_words = fuzz.token_set_ratio(query, choice)
    inside = fuzz.partial_ratio(query, choice) if len(query) >= SHORTEST_FRAGMENT else 0
    return max(whole_words, inside)


def closest(query: str, names: dict[str, str], limit: int = 3) -> list[str]:
    """Ids of the indicators closest to ``query``, best first."""
    choices = {i: f"{i.replace('_', ' ')} {name}" for i, name in names.items()}
    found = process.extract(query.replace("_", " "), choices, scorer=_score, processor=utils.default_process,
                            limit=limit, score_cutoff=CUTOFF)
    return [key for _, _, key in found]


# A misspelling scores above this against what was meant, by edit distance
# (women_militry_peacekeepers 98, percnt 92, valeu 80); another word of the same list
# scores below it (amount against unit 60).
SPELLING_CUTOFF = 75


def did_you_mean(value: str | None, choices) -> str | None:
    """The choice ``value`` most probably misspells, or None when none is close."""
    if not value or not choices or value in choices:
        return None
    found = process.extractOne(value, list(choices), scorer=fuzz.ratio, processor=utils.default_process,
                               score_cutoff=SPELLING_CUTOFF)
    return None if found is None else found[0]
