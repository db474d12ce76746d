"""A briefing deck: a title slide with the data's period and sources; one slide per reform
area with its headline indicators (a chart where there are points to chart, else a number
card); the baseline-vs-goals chart and a table of every indicator with a target; and the
milestones (dated commitments) of the reform areas covered. Text stays editable (real text
boxes and real tables); only the charts are pictures. Every slide carries the source line.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Emu, Inches, Pt

from indicators.charts import as_of, goals_chart, indicator_chart, source_line
from indicators.citations import cite
from indicators.dataset_info import dataset_info
from indicators.formatting import MISSING, format_change, format_value
from indicators.freshness import data_period
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
LIGHT = RGBColor(0xF2, 0xF4, 0xF7)
# Rows that fit one slide at 11 pt; the full list is in the app and the exports.
MILESTONES_PER_SLIDE = 12
# Slides besides one per reform area: the title, the baseline-vs-goals chart, the table of
# targets and the milestones.
EXTRA_SLIDES = 4
# A reform area's slide: at most two charts side by side, and number cards in a row under
# them (two rows of cards where the area has nothing to chart).
CHARTS_PER_SLIDE = 2
CARDS_PER_ROW = 4
# A chart's layout size in pixels: at 6 inches wide on the slide its 14 px text reads at
# about 12 pt. It is rendered at twice as many pixels, so it stays sharp.
CHART_PIXELS = (680, 380)
CHART_SCALE = 2


def headline(dataset: Dataset, progress: dict[str, Progress], indicator_ids: list[str]) -> dict[str, list[str]]:
    """The chosen indicators by reform area (in the areas' order), headline first: those
    with a target judged for them, then by the points in their trend, most first (ties in
    catalogue order)."""
    areas = dataset.catalogue.set_index("id")["reform_area"]
    order = {area: i for i, area in enumerate(dataset.reform_areas["id"])}
    by_area: dict[str, list[str]] = {}
    for indicator_id in sorted(indicator_ids, key=lambda i: order.get(areas[i], len(order))):
        by_area.setdefault(areas[indicator_id], []).append(indicator_id)

    def rank(indicator_id: str) -> tuple[int, int]:
        p = progress[indicator_id]
        return (0 if p.target is not None and not p.target_scope else 1, -p.points_in_trend)

    return {area: sorted(ids, key=rank) for area, ids in by_area.items()}


def charted(p: Progress) -> bool:
    """Whether an indicator has points to chart: two or more in its trend."""
    return p.points_in_trend >= 2


def panels(ids: list[str], progress: dict[str, Progress]) -> tuple[list[str], list[str]]:
    """What one area's slide shows: up to two charts, and as many number cards as fit."""
    charts = [i for i in ids if charted(progress[i])][:CHARTS_PER_SLIDE]
    rows = 1 if charts else 2
    cards = [i for i in ids if i not in charts][:CARDS_PER_ROW * rows]
    return charts, cards


def deck_size(dataset: Dataset, indicator_ids: list[str]) -> int:
    """Slides of the deck of these indicators."""
    return len(set(dataset.catalogue.loc[dataset.catalogue["id"].isin(indicator_ids), "reform_area"])) + EXTRA_SLIDES


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
    """A text box whose lines wrap; should they still overflow, the text shrinks to fit
    (PowerPoint and LibreOffice both honour that) rather than spill over what is below."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for i, line in enumerate(lines):
        if isinstance(line, str):
            line = (line, size, colour, bold_first and i == 0)
        text, line_size, line_colour, bold = line
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(line_size)
        run.font.color.rgb = line_colour
        run.font.bold = bold
    return box


def _font_size(table, size) -> None:
    """One size for every cell of a slide table (python-pptx sets it run by run)."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = size


def _footer(slide, text: str) -> None:
    _text(slide, MARGIN, HEIGHT - Inches(0.6), WIDTH - 2 * MARGIN, Inches(0.5), [text], size=10, colour=GREY)


def _heading(slide, text: str, sub: str | None = None) -> None:
    """A slide's title (wrapping onto a second line where it is long) and its subtitle."""
    lines = [(text, 28, BLUE, True)] + ([(sub, 14, GREY, False)] if sub else [])
    _text(slide, MARGIN, Inches(0.25), WIDTH - 2 * MARGIN, Inches(1.0), lines)


def _title_slide(prs, dataset: Dataset, indicator_ids: list[str], areas: int, scope: str, footer: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    _text(slide, MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(1.2), ["Peacekeeping reform indicators"], size=40,
          colour=BLUE, bold_first=True)
    cited = _cited(dataset, indicator_ids)
    used = [s for s in dataset.sources.values() if s.symbol in set(cited["source"])]
    count = len(indicator_ids)
    _text(slide, MARGIN, Inches(2.8), WIDTH - 2 * MARGIN, Inches(1.3), [
        f"Briefing: {scope}: {count} indicator{'s' if count != 1 else ''} in {areas} reform "
        f"area{'s' if areas != 1 else ''}",
        f"The data cover {data_period(dataset, indicator_ids).text} · data as of {as_of(dataset, cited)} · "
        f"prepared {date.today():%-d %B %Y}",
    ], size=20)
    sources = "; ".join(f"{s.symbol} ({s.issuing_body.split(',')[0]}, {s.year})" for s in used)
    _text(slide, MARGIN, Inches(4.3), WIDTH - 2 * MARGIN, Inches(2.4),
          [(f"Sources ({len(used)})", 14, DARK, True), (sources, 12, GREY, False)])
    _footer(slide, footer)


def _citations(dataset: Dataset, indicator_id: str) -> list[str]:
    rows = [*observations_of(dataset, indicator_id).itertuples(), *targets_of(dataset, indicator_id).itertuples()]
    seen, out = set(), []
    for row in rows:
        key = (row.source, row.location, row.quote)
        if key not in seen:
            seen.add(key)
            out.append(f"\u201c{row.quote}\u201d ({cite(dataset.sources, row.source, row.location)})")
    return out


def card_lines(p: Progress) -> list[tuple[str, int, RGBColor, bool]]:
    """A number card: the name, the latest figure large, then its period and change, the
    target, the status and why, and the sources."""
    latest = p.latest_text if p.latest is not None else "No observation yet"
    # A hedged figure ("approximately 25%") is longer: smaller, so it is not broken mid-word.
    lines = [(p.name, 13, DARK, True), (latest, 26 if len(latest) <= 9 else 18, BLUE, True)]
    when = p.latest_label or ""
    if p.change is not None:
        when += f" · {format_change(p.change, p.unit)} since {p.baseline_label}"
    if when:
        lines.append((when, 11, DARK, False))
    if p.target is not None:
        lines.append((f"Target {p.target_text}" + (" (no deadline)" if not p.deadline_label else "") +
                      (f", set for {p.target_scope}" if p.target_scope else ""), 11, DARK, False))
    lines.append((p.status.capitalize(), 11, DARK, True))
    if p.status_reason:
        lines.append((p.status_reason[:1].upper() + p.status_reason[1:], 9, GREY, False))
    lines.append((f"Source: {p.sources}", 9, GREY, False))
    return lines


def _card(slide, left, top, width, height, p: Progress) -> None:
    box = _text(slide, left, top, width, height, card_lines(p))
    box.fill.solid()
    box.fill.fore_color.rgb = LIGHT
    frame = box.text_frame
    frame.margin_left = frame.margin_right = frame.margin_top = Inches(0.1)


def _area_slide(prs, dataset: Dataset, name: str, ids: list[str], progress: dict[str, Progress],
                render: Callable[..., bytes]) -> None:
    """One reform area: its headline indicators, charts above and number cards below."""
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    charts, cards = panels(ids, progress)
    shown = charts + cards
    more = len(ids) - len(shown)
    sub = f"{len(ids)} indicator{'s' if len(ids) != 1 else ''}" + (
        f"; {len(shown)} shown here, {more} more in the speaker notes and the dataset" if more else "")
    _heading(slide, name, sub)
    inner = WIDTH - 2 * MARGIN
    gap = Inches(0.2)
    top = Inches(1.35)
    if charts:
        width = Emu(int((inner - gap) / 2))
        height = Emu(int(width * CHART_PIXELS[1] / CHART_PIXELS[0]))
        for i, indicator_id in enumerate(charts):
            picture = render(indicator_chart(dataset, progress[indicator_id], CHART_PIXELS[0]), "png", *CHART_PIXELS,
                             scale=CHART_SCALE)
            slide.shapes.add_picture(io.BytesIO(picture), MARGIN + i * (width + gap), top, width=width, height=height)
        top = top + height + gap
    bottom = HEIGHT - Inches(0.7)
    rows = -(-len(cards) // CARDS_PER_ROW) if cards else 0
    if rows:
        card_width = Emu(int((inner - (CARDS_PER_ROW - 1) * gap) / CARDS_PER_ROW))
        # No taller than its text needs: a lone card is not stretched down the slide.
        card_height = min(Emu(int((bottom - top - (rows - 1) * gap) / rows)), Inches(2.6))
        for i, indicator_id in enumerate(cards):
            row, column = divmod(i, CARDS_PER_ROW)
            _card(slide, MARGIN + column * (card_width + gap), top + row * (card_height + gap), card_width,
                  card_height, progress[indicator_id])
    notes = []
    for indicator_id in ids:
        p = progress[indicator_id]
        notes += [f"{p.name}: {p.status_text}", p.summary, *_citations(dataset, indicator_id), ""]
    slide.notes_slide.notes_text_frame.text = "\n".join(notes)
    cited = _cited(dataset, shown)
    _footer(slide, f"{source_line(cited, as_of(dataset, cited), dataset)} · peacekeeping-indicators")


def _goals_slide(prs, dataset: Dataset, progress: list[Progress], render: Callable[..., bytes]) -> None:
    """Baseline, latest and target of every indicator with a target, as one chart."""
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    with_target = [p for p in progress if p.target is not None]
    _heading(slide, "Baseline vs goals", f"{len(with_target)} indicators with a target")
    cited = _cited(dataset, [p.indicator_id for p in with_target])
    if with_target:
        width = WIDTH - 2 * MARGIN
        height = HEIGHT - Inches(1.35) - Inches(0.75)
        pixels = (1100, int(1100 * height / width))
        picture = render(goals_chart(dataset, progress), "png", *pixels, scale=CHART_SCALE)
        slide.shapes.add_picture(io.BytesIO(picture), MARGIN, Inches(1.35), width=width, height=height)
    else:
        _text(slide, MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(0.6),
              ["None of these indicators has a target."], size=16)
    _footer(slide, f"{source_line(cited, as_of(dataset, cited), dataset)} · peacekeeping-indicators")


def _table_slide(prs, dataset: Dataset, progress: list[Progress], footer: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    _heading(slide, "Indicators with a target")
    rows = [p for p in progress if p.target is not None]
    if not rows:
        _text(slide, MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(0.6),
              ["None of these indicators has a target."], size=16)
        _footer(slide, footer)
        return
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
    _heading(slide, "Milestones")
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
    by_area = headline(dataset, progress, indicator_ids)
    names = dataset.area_names()
    # The title slide lists its sources in full: its footer names the project and licence.
    _title_slide(prs, dataset, indicator_ids, len(by_area), scope,
                 f"peacekeeping-indicators · compiled from the sources above · {dataset_info(dataset.folder).licence_title}")
    for area, ids in by_area.items():
        _area_slide(prs, dataset, names.get(area, area), ids, progress, render)
    chosen = [progress[i] for i in indicator_ids]
    _goals_slide(prs, dataset, chosen, render)
    _table_slide(prs, dataset, chosen, footer)
    _milestones_slide(prs, dataset, set(by_area), footer)
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

