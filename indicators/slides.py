"""A briefing deck: title slide, one slide per indicator, a table of every indicator with a
target and a slide of the milestones (dated commitments) of the reform areas covered. Text stays editable (real text boxes and a real table); only the
chart is a picture. Every slide carries the source line.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from indicators.charts import as_of, indicator_chart, source_line
from indicators.citations import cite
from indicators.formatting import MISSING, format_change, format_value
from indicators.images import figure_bytes
from indicators.milestones import milestone_table
from indicators.progress import Progress, assess_all
from indicators.series import observations_of, targets_of
from indicators.validation import Dataset

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
DARK = RGBColor(0x22, 0x22, 0x22)
GREY = RGBColor(0x6B, 0x6B, 0x6B)
BLUE = RGBColor(0x00, 0x72, 0xB2)
BLANK_LAYOUT = 6
# Rows that fit one slide at 11 pt; the full list is in the app and the exports.
MILESTONES_PER_SLIDE = 12
# Slides besides one per indicator: the title, the table of targets and the milestones.
EXTRA_SLIDES = 3


def deck_size(indicators: int) -> int:
    return indicators + EXTRA_SLIDES


def select(dataset: Dataset, area: str | None = None, indicator_ids: Iterable[str] | None = None) -> list[str]:
    """Indicator ids in catalogue order, narrowed to a reform area and/or a list of ids."""
    catalogue = dataset.catalogue
    chosen = catalogue["id"].tolist()
    if area:
        known = set(dataset.reform_areas["id"])
        if area not in known:
            raise ValueError(f"unknown reform area {area!r}; choose from {', '.join(sorted(known))}")
        chosen = catalogue.loc[catalogue["reform_area"] == area, "id"].tolist()
    if indicator_ids:
        wanted = list(indicator_ids)
        unknown = [i for i in wanted if i not in set(catalogue["id"])]
        if unknown:
            raise ValueError(f"unknown indicator(s): {', '.join(unknown)}")
        chosen = [i for i in chosen if i in wanted]
    return chosen


def _text(slide, left, top, width, height, lines, size=18, colour=DARK, bold_first=False):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.color.rgb = colour
        run.font.bold = bold_first and i == 0
    return box


def _font_size(table, size) -> None:
    """One size for every cell of a slide table (python-pptx sets it run by run)."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = size


def _footer(slide, text: str) -> None:
    _text(slide, MARGIN, HEIGHT - Inches(0.45), WIDTH - 2 * MARGIN, Inches(0.35), [text], size=10, colour=GREY)


def _title_slide(prs, dataset: Dataset, count: int, scope: str, footer: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    _text(slide, MARGIN, Inches(2.2), WIDTH - 2 * MARGIN, Inches(1.2), ["Peacekeeping reform indicators"], size=40,
          colour=BLUE, bold_first=True)
    sources = "; ".join(f"{s.symbol}, {s.title} ({s.year})" for s in dataset.sources.values())
    _text(slide, MARGIN, Inches(3.5), WIDTH - 2 * MARGIN, Inches(2.2), [
        f"Briefing: {scope}, {count} indicator{'s' if count != 1 else ''}",
        f"Source: {sources}",
        f"Data as of {as_of(dataset, _cited(dataset, list(dataset.catalogue['id'])))} · "
        f"prepared {date.today():%-d %B %Y}",
    ], size=18)
    _footer(slide, footer)


def _figures(p: Progress) -> list[str]:
    """The key figures beside the chart; qualifiers ("more than 95%") kept."""
    lines = [
        f"Baseline: {p.baseline_text}" + (f" ({p.baseline_label})" if p.baseline_label else ""),
        f"Latest: {p.latest_text} ({p.latest_label})" if p.latest is not None else "Latest: no observation yet",
    ]
    if p.change is not None:
        lines.append(f"Change: {format_change(p.change, p.unit)} ({p.trend})")
    if p.target is not None:
        lines.append(f"Target: {p.target_text}" + ("" if p.deadline_label else " (no deadline)"))
        if p.target_scope:
            lines.append(f"Set for {p.target_scope}")
    if p.required_rate is not None:
        lines.append(f"Required pace: {format_change(p.required_rate, p.unit)} a year")
    lines.append(f"Status: {p.status_text}")
    return lines


def _citations(dataset: Dataset, indicator_id: str) -> list[str]:
    rows = [*observations_of(dataset, indicator_id).itertuples(), *targets_of(dataset, indicator_id).itertuples()]
    seen, out = set(), []
    for row in rows:
        key = (row.source, row.location, row.quote)
        if key not in seen:
            seen.add(key)
            out.append(f"\u201c{row.quote}\u201d ({cite(dataset.sources, row.source, row.location)})")
    return out


def _indicator_slide(prs, dataset: Dataset, p: Progress, chart_png: bytes, footer: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    _text(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.7), [p.name], size=28, colour=BLUE,
          bold_first=True)
    chart_width = Inches(8.0)
    slide.shapes.add_picture(io.BytesIO(chart_png), MARGIN, Inches(1.05), width=chart_width,
                             height=Emu(int(chart_width * 9 / 16)))
    right = MARGIN + chart_width + Inches(0.3)
    _text(slide, right, Inches(1.1), WIDTH - right - MARGIN, Inches(2.6), _figures(p), size=16)
    _text(slide, right, Inches(3.8), WIDTH - right - MARGIN, Inches(1.6), [p.summary], size=16, colour=DARK)
    citations = _citations(dataset, p.indicator_id)
    _text(slide, MARGIN, Inches(5.65), WIDTH - 2 * MARGIN, Inches(1.3), citations[:2], size=11, colour=GREY)
    slide.notes_slide.notes_text_frame.text = "\n".join([p.summary, "", *citations])
    _footer(slide, footer)


def _table_slide(prs, dataset: Dataset, progress: list[Progress], footer: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    _text(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.7), ["Indicators with a target"], size=28,
          colour=BLUE, bold_first=True)
    rows = [p for p in progress if p.target is not None]
    header = ["Indicator", "Baseline", "Latest", "Target", "Deadline", "Required pace", "Status"]
    table = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, Inches(1.2), WIDTH - 2 * MARGIN,
                                   Inches(0.4) * (len(rows) + 1)).table
    widths = [4.0, 1.1, 1.1, 1.1, 1.0, 1.5, 2.53]
    for i, width in enumerate(widths):
        table.columns[i].width = Inches(width)
    for col, text in enumerate(header):
        table.cell(0, col).text = text
    for r, p in enumerate(rows, start=1):
        cells = [p.name, p.baseline_text, p.latest_text,
                 format_value(p.target, p.unit) + (" *" if p.target_scope else ""), p.deadline_label or MISSING,
                 MISSING if p.required_rate is None else format_change(p.required_rate, p.unit) + "/yr",
                 p.status]
        for col, text in enumerate(cells):
            table.cell(r, col).text = text
    _font_size(table, Pt(13))
    if any(p.target_scope for p in rows):
        # Above the footer: table rows grow as their text wraps, so the note cannot follow them.
        _text(slide, MARGIN, HEIGHT - Inches(0.85), WIDTH - 2 * MARGIN, Inches(0.4),
              ["* Set for another population than the indicator measures; no required pace is computed."],
              size=11, colour=GREY)
    cited = _cited(dataset, [p.indicator_id for p in rows])
    _footer(slide, source_line(cited, as_of(dataset, cited), dataset))


def _milestones_slide(prs, dataset: Dataset, areas: set[str], footer: str) -> None:
    """The dated commitments of the chosen reform areas, past due first."""
    table = milestone_table(dataset)
    table = table[table["reform_area"].isin(areas)].head(MILESTONES_PER_SLIDE)
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    _text(slide, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.7), ["Milestones"], size=28, colour=BLUE,
          bold_first=True)
    if table.empty:
        _text(slide, MARGIN, Inches(1.3), WIDTH - 2 * MARGIN, Inches(0.6),
              ["The reports set no dated commitment in these reform areas."], size=16)
        _footer(slide, footer)
        return
    header = ["Commitment", "Reform area", "Due", "Status", "Source"]
    grid = slide.shapes.add_table(len(table) + 1, len(header), MARGIN, Inches(1.1), WIDTH - 2 * MARGIN,
                                  Inches(0.38) * (len(table) + 1)).table
    for i, width in enumerate([6.2, 2.3, 1.4, 1.1, 1.33]):
        grid.columns[i].width = Inches(width)
    for col, text in enumerate(header):
        grid.cell(0, col).text = text
    for r, row in enumerate(table.itertuples(), start=1):
        for col, text in enumerate([row.commitment, row.reform_area_name, row.due_label, row.status,
                                    cite(dataset.sources, row.source, row.location)]):
            grid.cell(r, col).text = text
    _font_size(grid, Pt(11))
    slide.notes_slide.notes_text_frame.text = "\n".join(
        f"{row.commitment}: \u201c{row.quote}\u201d ({cite(dataset.sources, row.source, row.location)})"
        for row in table.itertuples())
    cited = table[["source", "location"]]
    _footer(slide, f"{source_line(cited, as_of(dataset, cited), dataset)} · peacekeeping-indicators")


def build_deck(dataset: Dataset, indicator_ids: list[str], scope: str = "all reform areas",
               render: Callable[..., bytes] = figure_bytes) -> Presentation:
    """The deck for the given indicators. ``render`` turns a figure into PNG bytes."""
    progress = {p.indicator_id: p for p in assess_all(dataset)}
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    everything = _cited(dataset, indicator_ids)
    footer = f"{source_line(everything, as_of(dataset, everything), dataset)} · peacekeeping-indicators"
    _title_slide(prs, dataset, len(indicator_ids), scope, footer)
    for indicator_id in indicator_ids:
        p = progress[indicator_id]
        cited = _cited(dataset, [indicator_id])
        footer_line = source_line(cited, as_of(dataset, cited), dataset)
        # Rendered smaller than slide size so its text stays legible at 8 inches wide.
        _indicator_slide(prs, dataset, p, render(indicator_chart(dataset, p), "png", 1100, 620),
                         f"{footer_line} · peacekeeping-indicators")
    _table_slide(prs, dataset, [progress[i] for i in indicator_ids], footer)
    areas = set(dataset.catalogue.loc[dataset.catalogue["id"].isin(indicator_ids), "reform_area"])
    _milestones_slide(prs, dataset, areas, footer)
    return prs


def _cited(dataset: Dataset, indicator_ids: list[str]) -> pd.DataFrame:
    """Source and location of every current observation and target of the given indicators,
    and an observation's period end (what a source without a cut-off is dated by)."""
    rows = [table.loc[table["indicator_id"].isin(indicator_ids) & table["current"],
                      [c for c in ("source", "location", "period_end") if c in table]]
            for table in (dataset.observations, dataset.targets)]
    return pd.concat(rows, ignore_index=True)


def write_deck(dataset: Dataset, out: Path, indicator_ids: list[str], scope: str = "all reform areas") -> Path:
    build_deck(dataset, indicator_ids, scope).save(out)
    return out


def deck_bytes(dataset: Dataset, indicator_ids: list[str], scope: str = "all reform areas") -> bytes:
    buffer = io.BytesIO()
    build_deck(dataset, indicator_ids, scope).save(buffer)
    return buffer.getvalue()

