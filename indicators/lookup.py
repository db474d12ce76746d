"""Finding an indicator from what a person typed or a link that misses: closest matches by
id and name (rapidfuzz), so a mistyped link says what was probably meant."""

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
