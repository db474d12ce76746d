"""Chart builders shared by the app and the exports. Each returns a plotly Figure that
carries its own title, units and source line, so an exported image is self-explanatory.

Colours are the Okabe-Ito palette, distinguishable with the common colour-vision
deficiencies; marks also differ by shape and line style, never by colour alone.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from indicators import citations
from indicators.formatting import format_value
from indicators.periods import midpoint, midpoint_year, period_kind
from indicators.progress import Progress
from indicators.series import observations_of, targets_of
from indicators.validation import Dataset

BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREY = "#6B6B6B"
UNIT_TITLES = {"percent": "Per cent", "count": "Count", "ratio": "Ratio"}
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=14, color="#222222")


def as_of(dataset: Dataset, rows: pd.DataFrame | None = None) -> str | None:
    """The data's as-of date for the rows shown (every source's latest without rows)."""
    return citations.as_of(dataset.sources, rows)


def source_line(rows: pd.DataFrame, as_of_text: str | None = None, dataset: Dataset | None = None) -> str:
    return citations.source_line(rows, as_of_text, dataset.sources if dataset else None)


# Characters per line of the title, the subtitle and the notes under the plot. Plotly does
# not wrap text, so it is wrapped here, for the narrowest width a chart is drawn at (about
# 900 px: the app's main column on a laptop; slides and images are wider).
TITLE_CHARACTERS = 60
LINE_CHARACTERS = 105
LINE_PIXELS = 18
TITLE_GAP = 36  # the title's padding above it, and a gap between the subtitle and the plot


def _lines(text: str, width: int = LINE_CHARACTERS) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _frame(fig: go.Figure, title: str, subtitle: str, source: str, notes: tuple[str, ...] = (),
           width: int = LINE_CHARACTERS, title_width: int = TITLE_CHARACTERS) -> go.Figure:
    """Title and subtitle above the plot, the legend to its right (so it never covers
    text), and the source line and any notes under it; each wrapped, with the margins
    grown to hold every line."""
    heading = _lines(title, title_width)
    sub = _lines(subtitle)
    cited = _lines(source, width)
    noted = [line for text in notes for line in _lines(text, width)]
    top = 20 + 26 * len(heading) + 17 * len(sub)
    fig.update_layout(
        template="plotly_white",
        font=FONT,
        title=dict(text="<br>".join(f"<b>{_plain(line)}</b>" for line in heading) + "<br>" +
                   "<br>".join(f"<span style='font-size:13px'>{_plain(line)}</span>" for line in sub),
                   # From the top of the figure, in a margin sized here for its lines: a
                   # title's automargin makes plotly.js lay the plot out twice, and an
                   # exported image then draws the points against the first pass's
                   # gridlines (6% drawn at 6.2%; plotly.js #7750).
                   x=0.01, xanchor="left", xref="container", y=1, yanchor="top", yref="container", pad=dict(t=32)),
        margin=dict(l=70, r=30, t=top + TITLE_GAP, b=60 + LINE_PIXELS * (len(cited) + len(noted))),
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02),
        hoverlabel=dict(font_size=13),
    )
    # Shifted in pixels below the axis labels, so the source line sits at the same place
    # whatever the figure's height: in the app, in a slide or in an exported image. The
    # notes follow it, one line height per line of the source.
    for lines, shift in ((cited, 0), (noted, LINE_PIXELS * len(cited))):
        if lines:
            fig.add_annotation(text="<br>".join(_plain(line) for line in lines), xref="paper", yref="paper", x=0,
                               y=0, yshift=-40 - shift, xanchor="left", yanchor="top", align="left",
                               showarrow=False, font=dict(size=13, color=GREY))
    return fig


def _plain(text: str) -> str:
    """Plotly renders a little HTML in titles; text from data files must not be read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def characters(width: int | None) -> tuple[int, int]:
    """Characters per line of the title (bold, about 13 px each) and of the notes under the
    plot (about 7.6 px each, after its side margins) for a chart drawn ``width`` pixels
    wide; without a width, what suits the app's column and images."""
    if width is None:
        return TITLE_CHARACTERS, LINE_CHARACTERS
    return width // 13, max(40, int((width - 100) / 7.6))


def mark_new(fig: go.Figure, points: list[tuple], unit: str) -> go.Figure:
    """Ring figures not yet published (period start, period end, value) on a chart of the
    data as it would read with them: a steward's preview."""
    fig.add_trace(go.Scatter(
        x=[midpoint(start, end) for start, end, _ in points], y=[value for _, _, value in points],
        mode="markers", name="New, awaiting review",
        marker=dict(size=20, symbol="circle-open", color=VERMILLION, line=dict(width=3)),
        hovertemplate=[f"New: {_plain(format_value(value, unit))}<extra></extra>" for _, _, value in points]))
    return fig


def indicator_chart(dataset: Dataset, progress: Progress, width: int | None = None) -> go.Figure:
    """The series with its baseline, target at its deadline, glide path and projection.
    A target with no observation is still drawn; a single observation is labelled."""
    rows = observations_of(dataset, progress.indicator_id)
    targets = targets_of(dataset, progress.indicator_id)
    unit = progress.unit
    fig = go.Figure()
    base_x = None
    if not rows.empty:
        x = [midpoint(r.period_start, r.period_end) for r in rows.itertuples()]
        values = [format_value(r.value, unit, r.qualifier if isinstance(r.qualifier, str) else None,
                               r.numerator, r.denominator) for r in rows.itertuples()]
        cites = [citations.cite(dataset.sources, r.source, r.location) for r in rows.itertuples()]
        single = len(rows) == 1
        fig.add_trace(go.Scatter(
            x=x, y=rows["value"], mode="lines+markers+text" if single else "lines+markers", name="Observed",
            line=dict(color=BLUE, width=3), marker=dict(size=10, symbol="circle", color=BLUE),
            # One point has no line to read it from: its value is written beside it.
            text=["  " + _plain(v) for v in values] if single else None, textposition="middle right",
            customdata=[[_plain(str(label)), _plain(value), _plain(cite)]
                        for label, value, cite in zip(rows["period_label"], values, cites, strict=True)],
            hovertemplate="%{customdata[0]}<br><b>%{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
        ))
        if progress.baseline_year is not None:
            years = [midpoint_year(r.period_start, r.period_end) for r in rows.itertuples()]
            at = min(range(len(years)), key=lambda i: abs(years[i] - progress.baseline_year))
            base_x = x[at]
            fig.add_trace(go.Scatter(
                x=[base_x], y=[progress.baseline], mode="markers+text", name="Baseline",
                marker=dict(size=18, symbol="circle-open", color=BLUE, line=dict(width=3)),
                text=["Baseline"], textposition="top right", hoverinfo="skip",
            ))
    _revisions(fig, dataset, progress, rows)
    # Every current target is drawn (an interim and a final one); the glide path and the
    # projection lead to the one status is judged against.
    deadline = pd.Timestamp(progress.deadline) if progress.deadline else None
    for target in targets.itertuples():
        _target(fig, dataset, progress, target)
    if deadline is not None and base_x is not None and progress.target is not None and not progress.target_scope:
        fig.add_trace(go.Scatter(
            x=[base_x, deadline], y=[progress.baseline, progress.target], mode="lines",
            name="Glide path to target", line=dict(color=VERMILLION, width=2, dash="dot"), hoverinfo="skip",
        ))
    if progress.projection is not None and deadline is not None and not rows.empty:
        latest = rows.iloc[-1]
        latest_x = midpoint(latest.period_start, latest.period_end)
        if deadline > latest_x:  # a projection only ever runs forward in time
            caveat = " (from two points)" if progress.projection_from_two_points else ""
            fig.add_trace(go.Scatter(
                x=[latest_x, deadline], y=[latest.value, progress.projection], mode="lines+markers",
                name=f"Projection at observed pace{caveat}",
                line=dict(color=GREY, width=2, dash="dash"), marker=dict(symbol=["circle", "x"], size=[1, 10]),
                hovertemplate=f"Projection{caveat}: %{{y:.1f}}<extra></extra>",
            ))
    heights = [y for trace in fig.data if trace.y is not None for y in trace.y if y is not None]
    top = max(heights + targets["value"].tolist() + [progress.target or 0]) if heights or progress.target else 1
    # Headroom above the highest mark keeps its label inside the plot.
    fig.update_yaxes(title_text=UNIT_TITLES.get(unit, unit), range=[0, top * 1.2 or 1],
                     ticksuffix="%" if unit == "percent" else "")
    dates = [d for trace in fig.data if trace.x is not None for d in trace.x if d is not None]
    if not dates:
        # Nothing on the time axis (a target without deadline and no observation): centre
        # the axis on the data's as-of date so the target line has a frame.
        cutoff = citations.latest_cutoff(dataset.sources, pd.concat([rows[["source"]], targets[["source"]]]))
        dates = [cutoff] if cutoff is not None else []
    if dates:
        # Half a year either side keeps a single point, or a deadline, off the plot's edge.
        pad = pd.DateOffset(months=6)
        fig.update_xaxes(type="date", range=[min(dates) - pad, max(dates) + pad], tickformat="%b %Y",
                         title_text=None)
    # With each point's period end: a source that states no cut-off is dated by its figures.
    shown = pd.concat([rows[["source", "location", "period_end"]], targets[["source", "location"]]])
    subtitle = f"{UNIT_TITLES.get(unit, unit)} · {progress.headline_text(scope=False)} · status: {progress.status}"
    notes = []
    for target in targets.itertuples():
        scope = getattr(target, "scope", None)
        if isinstance(scope, str) and scope:
            notes.append(f"The {format_value(target.value, unit)} target is set for {scope}: shown for reference, "
                         "it sets no required pace for this indicator.")
    kinds = sorted({period_kind(r.period_start, r.period_end) for r in rows.itertuples()})
    if len(kinds) > 1:
        notes.append(f"Periods differ ({', '.join(kinds)}): each point sits at the middle of its period.")
    # Cites exactly the points shown, and the data's as-of date is theirs, not every source's.
    title_width, line_width = characters(width)
    return _frame(fig, progress.name, subtitle, source_line(shown, as_of(dataset, shown), dataset), tuple(notes),
                  width=line_width, title_width=title_width)


def _target(fig: go.Figure, dataset: Dataset, progress: Progress, target) -> None:
    """One target: a star at its deadline, or a dashed line when it has none."""
    cite = citations.cite(dataset.sources, target.source, target.location)
    has_deadline = pd.notna(target.deadline)
    when = target.deadline_label if isinstance(target.deadline_label, str) else (
        str(target.deadline.year) if has_deadline else None)
    label = f"Target {format_value(target.value, progress.unit)}" + (f" by {when}" if when else " (no deadline)")
    scope = getattr(target, "scope", None)
    if isinstance(scope, str) and scope:
        # Whom it is set for is said once, in the note under the chart.
        label += ", another population"
    if has_deadline:
        fig.add_trace(go.Scatter(
            # Named once, in the legend: a label beside the star ran into the line and the title.
            x=[target.deadline], y=[target.value], mode="markers", name=_plain(label),
            marker=dict(size=18, symbol="star", color=VERMILLION),
            hovertemplate=f"{_plain(label)} ({_plain(target.kind)})<br>{_plain(cite)}<extra></extra>",
        ))
    else:
        # Named in the legend only, as the star is.
        fig.add_hline(y=target.value, line=dict(color=VERMILLION, width=2, dash="longdash"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=_plain(label),
                                 line=dict(color=VERMILLION, width=2, dash="longdash")))


def _revisions(fig: go.Figure, dataset: Dataset, progress: Progress, rows: pd.DataFrame) -> None:
    """Superseded figures as small grey crosses, and a ring on each point a later source revised."""
    every = observations_of(dataset, progress.indicator_id, current=False)
    old = every[~every["current"]]
    if old.empty:
        return
    fig.add_trace(go.Scatter(
        x=[midpoint(r.period_start, r.period_end) for r in old.itertuples()], y=old["value"], mode="markers",
        name="Superseded figure", marker=dict(size=9, symbol="x-thin", color=GREY, line=dict(width=2, color=GREY)),
        hovertemplate=[f"{_plain(format_value(r.value, progress.unit))}: "
                       f"{_plain(citations.cite(dataset.sources, r.source, r.location))}, superseded by "
                       f"{_plain(r.superseded_by)}<extra></extra>" for r in old.itertuples()],
    ))
    revised = rows[rows["revised"]]
    if not revised.empty:
        fig.add_trace(go.Scatter(
            x=[midpoint(r.period_start, r.period_end) for r in revised.itertuples()], y=revised["value"],
            mode="markers", name="Revised by a later source",
            marker=dict(size=16, symbol="diamond-open", color=BLUE, line=dict(width=2)),
            hovertemplate=[f"Revised: {_plain(format_value(r.value, progress.unit))} "
                           f"({_plain(citations.cite(dataset.sources, r.source, r.location))})<extra></extra>"
                           for r in revised.itertuples()],
        ))


def goals_chart(dataset: Dataset, progress: list[Progress]) -> go.Figure:
    """Baseline, latest and target on one line per indicator, one panel per unit."""
    rows = [p for p in progress if p.target is not None]
    units = sorted({p.unit for p in rows}, key=lambda u: list(UNIT_TITLES).index(u) if u in UNIT_TITLES else 99)
    fig = make_subplots(rows=max(len(units), 1), cols=1, vertical_spacing=0.12,
                        row_heights=[sum(p.unit == u for p in rows) for u in units] or [1],
                        # One unit is named by its axis title; several by a title over each panel.
                        subplot_titles=[UNIT_TITLES.get(u, u) for u in units] if len(units) > 1 else None)
    shown = set()

    def legend(name):
        first = name not in shown
        shown.add(name)
        return dict(name=name, legendgroup=name, showlegend=first)

    for panel, unit in enumerate(units, start=1):
        for p in (p for p in rows if p.unit == unit):
            label = _plain(p.name)
            ends = [v for v in (p.baseline, p.latest, p.target) if v is not None]
            fig.add_trace(go.Scatter(x=[min(ends), max(ends)], y=[label, label], mode="lines",
                                     line=dict(color="#BBBBBB", width=8), hoverinfo="skip", showlegend=False),
                          row=panel, col=1)
            for value, when, name, symbol, colour in (
                (p.baseline, p.baseline_label, "Baseline", "circle-open", BLUE),
                (p.latest, p.latest_label, "Latest", "circle", BLUE),
                (p.target, p.deadline_label or "no deadline", "Target", "star", VERMILLION),
            ):
                if value is None:
                    continue
                fig.add_trace(go.Scatter(
                    x=[value], y=[label], mode="markers",
                    marker=dict(symbol=symbol, size=16, color=colour, line=dict(width=2, color=colour)),
                    hovertemplate=f"{label}<br>{name}: {format_value(value, unit)} ({_plain(str(when))})"
                                  f"<br>Status: {p.status}<extra></extra>",
                    **legend(name)), row=panel, col=1)
        fig.update_xaxes(row=panel, col=1, rangemode="tozero", ticksuffix="%" if unit == "percent" else "",
                         range=[0, 100] if unit == "percent" else None)
    cited = pd.concat([dataset.observations[dataset.observations["current"]],
                       dataset.targets[dataset.targets["current"]]])
    cited = cited[cited["indicator_id"].isin([p.indicator_id for p in rows])]
    fig.update_layout(height=max(420, 150 + 70 * len(rows)))
    # The plot starts right of the longest name: the source line wraps in what is left.
    left = max((len(p.name) for p in rows), default=0)
    # One unit is named in the subtitle (an axis title would sit on the source line).
    named = f" · {UNIT_TITLES.get(units[0], units[0]).lower()}" if len(units) == 1 else ""
    return _frame(fig, "Baseline, latest and target", f"Indicators with a target, one line each{named}",
                  source_line(cited, as_of(dataset, cited), dataset), width=max(40, LINE_CHARACTERS - left))
