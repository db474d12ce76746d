"""A synthetic data folder in the project's own format, for benchmarks: many indicators,
many observations from many sources, every quote real and checked by the proof.

    python bench/generate.py --out /tmp/bench-data --indicators 1000 --observations 100000 --sources 20

Every source is a fictional report (BENCH/1, BENCH/2, ...) whose numbered paragraphs each
state one figure; each observation quotes its paragraph. The folder never enters data/.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def generate(out: Path, indicators: int = 1000, observations: int = 10_000, sources: int = 20,
             seed: int = 1) -> Path:
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
    per_indicator = max(1, observations // indicators)
    paragraphs: dict[int, list[str]] = {s: [] for s in range(1, sources + 1)}
    rows = []
    for n in range(observations):
        entry = catalogue[n % indicators]
        year = 1950 + (n // indicators) % max(per_indicator, 1)
        source = 1 + n % sources
        value = rng.randint(0, 1000) if entry["unit"] == "count" else rng.randint(0, 100)
        sentence = (f"In the year {year} the synthetic indicator {entry['id'].split('_')[1]} stood at {value}"
                    f"{' per cent' if entry['unit'] == 'percent' else ' units'}.")
        paragraphs[source].append(sentence)
        rows.append({"indicator_id": entry["id"], "period_label": str(year), "period_start": f"{year}-01-01",
                     "period_end": f"{year}-12-31", "value": value, "numerator": "", "denominator": "",
                     "qualifier": "", "is_baseline": "", "unit": entry["unit"], "source": f"BENCH/{source}",
                     "location": str(len(paragraphs[source])), "quote": sentence, "notes": ""})
    entries = []
    for source, texts in paragraphs.items():
        name = f"BENCH-{source}.txt"
        body = "".join(f"{number}. {text}\n" for number, text in enumerate(texts, start=1))
        (out / "sources" / name).write_text(f"BENCH/{source}\nSynthetic report\n\n{body}", encoding="utf-8")
        entries.append({"symbol": f"BENCH/{source}", "kind": "report", "title": f"Synthetic report {source}",
                        "issuing_body": "Benchmark generator (fictional)", "year": 2024, "language": "en",
                        "url": f"https://example.org/BENCH-{source}", "text_file": name,
                        "obtained": "Generated for benchmarks.", "licence": "Synthetic, no rights reserved.",
                        "data_cutoff": "2024-12-31"})
    (out / "sources" / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}, sort_keys=False),
                                                  encoding="utf-8")
    pd.DataFrame(rows).to_csv(out / "observations.csv", index=False)
    pd.DataFrame(columns=["indicator_id", "value", "deadline", "deadline_label", "kind", "scope", "unit", "source",
                          "location", "quote", "notes"]).to_csv(out / "targets.csv", index=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--indicators", type=int, default=1000)
    parser.add_argument("--observations", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=20)
    args = parser.parse_args()
    generate(args.out, args.indicators, args.observations, args.sources)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
