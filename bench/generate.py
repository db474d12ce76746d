"""A synthetic data folder in the project's own format, for benchmarks: many indicators,
many observations from many sources, every quote real and checked by the proof.

    python bench/generate.py --out /tmp/bench-data --indicators 1000 --observations 100000

Half the observations come from fictional reports (BENCH/R1, BENCH/R2, ...) shaped like the
real ones: at most 200 numbered paragraphs, each stating a few figures, every observation
quoting its sentence. The other half come from fictional published tables (BENCH/D1, ...),
mission-level series of up to 10,000 rows, each observation naming its row and column. The
folder never enters data/.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPHS_PER_REPORT = 200
FIGURES_PER_PARAGRAPH = 5
ROWS_PER_TABLE = 10_000
MISSIONS = ["MINUSCA", "MINUSMA", "MONUSCO", "UNMISS", "UNIFIL", "UNFICYP", "UNDOF", "UNMIK", "MINURSO", "UNISFA"]


def _source(symbol: str, kind: str, text_file: str) -> dict:
    return {"symbol": symbol, "kind": kind, "title": f"Synthetic {kind} {symbol}",
            "issuing_body": "Benchmark generator (fictional)", "year": 2024, "language": "en",
            "url": f"https://example.org/{symbol.replace('/', '-')}", "text_file": text_file,
            "obtained": "Generated for benchmarks.", "licence": "Synthetic, no rights reserved.",
            "data_cutoff": "2024-12-31"}


def generate(out: Path, indicators: int = 1000, observations: int = 10_000, seed: int = 1) -> Path:
    """Write the folder; each indicator gets observations // indicators monthly points
    (from January 1950; a thousand months reach 2033), alternately quoted from a report and
    read from a table."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(exist_ok=True)
    shutil.copy(ROOT / "data" / "dataset.yaml", out / "dataset.yaml")
    areas = [{"id": f"area_{a}", "name": f"Reform area {a}", "section": str(a)} for a in range(10)]
    catalogue = []
    for i in range(indicators):
        unit = "percent" if i % 2 else "count"
        catalogue.append({"id": f"indicator_{i:05d}", "name": f"Synthetic indicator {i}",
                          "description": f"A synthetic measure number {i} for benchmarks.", "unit": unit,
                          "reform_area": f"area_{i % 10}", "direction": "up" if i % 3 else "down"})
    (out / "catalogue.yaml").write_text(yaml.safe_dump({"reform_areas": areas, "indicators": catalogue},
                                                       sort_keys=False), encoding="utf-8")
    months = []  # 150 years of months, within the dates validation accepts
    for start in pd.date_range("1950-01-01", periods=1800, freq="MS"):
        end = start + pd.offsets.MonthEnd(0)
        months.append((f"{start:%B %Y}", f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}", f"{start:%Y-%m}"))
    per_report = PARAGRAPHS_PER_REPORT * FIGURES_PER_PARAGRAPH
    reports: list[list[list[str]]] = []  # report -> paragraph -> sentences
    tables: list[list[dict]] = []
    rows = []
    for n in range(observations):
        entry = catalogue[n % indicators]
        label, start, end, key = months[(n // indicators) % len(months)]
        value = rng.randint(0, 1000) if entry["unit"] == "count" else rng.randint(0, 100)
        row = {"indicator_id": entry["id"], "period_label": label, "period_start": start,
               "period_end": end, "value": value, "numerator": "", "denominator": "",
               "qualifier": "", "is_baseline": "", "unit": entry["unit"], "notes": ""}
        if n % 2 == 0:
            if not reports or sum(map(len, reports[-1])) == per_report:
                reports.append([])
            paragraphs = reports[-1]
            if not paragraphs or len(paragraphs[-1]) == FIGURES_PER_PARAGRAPH:
                paragraphs.append([])
            sentence = (f"In {label} the synthetic indicator {entry['id'].split('_')[1]} stood at "
                        f"{value}{' per cent' if entry['unit'] == 'percent' else ' units'}.")
            paragraphs[-1].append(sentence)
            row.update(source=f"BENCH/R{len(reports)}", location=str(len(paragraphs)), quote=sentence)
        else:
            if not tables or len(tables[-1]) == ROWS_PER_TABLE:
                tables.append([])
            mission = MISSIONS[len(tables[-1]) % len(MISSIONS)]
            tables[-1].append({"mission": mission, "indicator": entry["id"], "month": key, "value": value})
            row.update(source=f"BENCH/D{len(tables)}", quote=f"{mission},{entry['id']},{key},{value}",
                       location=f"mission={mission}; indicator={entry['id']}; month={key}; column=value")
        rows.append(row)
    entries = []
    for number, paragraphs in enumerate(reports, start=1):
        name = f"BENCH-R{number}.txt"
        body = "".join(f"{p}. {' '.join(sentences)}\n" for p, sentences in enumerate(paragraphs, start=1))
        (out / "sources" / name).write_text(f"BENCH/R{number}\nSynthetic report\n\n{body}", encoding="utf-8")
        entries.append(_source(f"BENCH/R{number}", "report", name))
    for number, table in enumerate(tables, start=1):
        name = f"BENCH-D{number}.csv"
        pd.DataFrame(table).to_csv(out / "sources" / name, index=False)
        entries.append(_source(f"BENCH/D{number}", "dataset", name))
    (out / "sources" / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, sort_keys=False),
                                                  encoding="utf-8")
    columns = ["indicator_id", "period_label", "period_start", "period_end", "value", "numerator", "denominator",
               "qualifier", "is_baseline", "unit", "source", "location", "quote", "notes"]
    pd.DataFrame(rows, columns=columns).to_csv(out / "observations.csv", index=False)
    pd.DataFrame(columns=["indicator_id", "value", "deadline", "deadline_label", "kind", "scope", "unit", "source",
                          "location", "quote", "notes"]).to_csv(out / "targets.csv", index=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--indicators", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=10_000)
    args = parser.parse_args()
    generate(args.out, args.indicators, args.observations)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
