"""Reviewing extracted candidates: accept them onto an indicator (as observation rows that
go to review like any import), or reject them with a reason that is remembered, so a
second pass over the same source shows only what is new."""

from __future__ import annotations

import pandas as pd

from indicators.extract import Candidate
from indicators.store import PUT, Edit, Store, User
from indicators.validation import OBSERVATION_COLUMNS

DECISION = "candidate_decision"


def decision_key(candidate: Candidate) -> str:
    return f"{candidate.source}|{candidate.location}|{candidate.text}|{candidate.value:g}"


def rejected(store: Store) -> dict[str, dict]:
    """Candidates rejected before, by key, with who rejected them and why."""
    return {key: record for key, record in store.state().get(DECISION, {}).items()
            if record.get("decision") == "rejected"}


def _numbers(record: dict) -> set[float]:
    """The value and numerator a pending record states (cells as the data files write them;
    an empty one states nothing)."""
    cells = pd.to_numeric(pd.Series([record.get("value"), record.get("numerator")], dtype=object).replace("", None),
                          errors="coerce")
    return {round(float(n), 6) for n in cells.dropna()}


RESTATED, WAITING, REJECTED, OPEN = "restate stored figures", "wait for review", "were rejected before", "to review"


def sort_out(candidates: list[Candidate], store: Store) -> dict[str, list[Candidate]]:
    """Each candidate in the first group it belongs to: a restatement of a stored figure;
    already sent and waiting for review (same source, location and number: offering it
    again would only send it twice); rejected before; or still open for a steward."""
    sent: dict[tuple[str, str], set[float]] = {}
    for entity in ("observation", "target"):
        for record in store.pending_records(entity):
            sent.setdefault((str(record.get("source")), str(record.get("location"))), set()).update(_numbers(record))
    done = rejected(store)
    groups: dict[str, list[Candidate]] = {RESTATED: [], WAITING: [], REJECTED: [], OPEN: []}
    for c in candidates:
        if c.restates:
            groups[RESTATED].append(c)
        elif {round(c.stated, 6), round(c.value, 6)} & sent.get((c.source, c.location), set()):
            groups[WAITING].append(c)
        elif decision_key(c) in done:
            groups[REJECTED].append(c)
        else:
            groups[OPEN].append(c)
    return groups


def still_open(candidates: list[Candidate], store: Store) -> list[Candidate]:
    """What a steward still has to look at (see :func:`sort_out`)."""
    return sort_out(candidates, store)[OPEN]


def reject(store: Store, candidates: list[Candidate], user: User, reason: str) -> int:
    """Remember that these candidates are not measures (a decision, not data: recorded at once)."""
    edits = [Edit(DECISION, decision_key(c), PUT, {"decision": "rejected", "reason": reason, "by": user.name,
                                                     "source": c.source, "location": c.location, "text": c.text,
                                                     "value": c.value, "stated": c.stated}) for c in candidates]
    return store.record_decisions(edits, user, reason)


def observation_rows(accepted: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """Accepted candidates as rows of observations.csv: the steward gives the indicator and
    the period; value, location and quote come from the candidate."""
    rows = []
    for c in accepted.to_dict("records") if len(accepted) else []:
        share = pd.notna(c.get("numerator")) and pd.notna(c.get("denominator"))
        rows.append({
            "indicator_id": c["indicator_id"], "period_label": c.get("period_label") or "",
            "period_start": c.get("period_start") or "", "period_end": c.get("period_end") or "",
            "value": "" if share else f"{c['value']:g}",
            "numerator": f"{c['numerator']:g}" if share else "", "denominator": f"{c['denominator']:g}" if share else "",
            "qualifier": c.get("qualifier") or "", "is_baseline": "", "unit": units.get(c["indicator_id"], ""),
            "source": c["source"], "location": str(c["location"]), "quote": c["quote"], "notes": c.get("notes") or "",
        })
    return pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))
