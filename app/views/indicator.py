"""One indicator: chart, summary, key figures and the provenance of every figure."""

import pandas as pd
import streamlit as st
from ui import ages, badge, chart, delta, image_downloads, load, md, progress, source_link

from indicators.freshness import age_text
from indicators.formatting import MISSING, format_change, format_value
from indicators.lookup import closest
from indicators.series import observations_of, targets_of

# Rows of the static table of figures; earlier ones of a longer series go in a grid.
MAX_TABLE_ROWS = 30

dataset, results = load(), progress()
names = dataset.indicator_names()

# The URL carries the indicator's id (stable, readable), not its display name, so the
# selection is synced by hand rather than with bind="query-params".
ids = list(names)
requested = st.query_params.get("indicator")
if requested and requested not in ids:
    # Say so, and keep the user's link as it is: no silent jump to another indicator.
    close = closest(requested, names)
    hint = f" Closest: {', '.join(names[i] + ' (' + i + ')' for i in close)}." if close else ""
    st.warning(md(f"There is no indicator '{requested}'.{hint} Choose one below."), icon=":material/search_off:")


def picked() -> None:
    st.query_params["indicator"] = st.session_state["indicator_choice"]


chosen = st.selectbox("Indicator", ids, index=ids.index(requested) if requested in ids else 0,
                      format_func=names.get, key="indicator_choice", on_change=picked)
if requested is None:
    st.query_params["indicator"] = chosen
p = results[chosen]
entry = dataset.catalogue.set_index("id").loc[chosen]

st.title(md(p.name))
st.write(md(entry.description))
figure = chart(chosen)
st.plotly_chart(figure, theme=None, alt=p.summary, key="chart",
                config={"displaylogo": False,
                        "toImageButtonOptions": {"format": "png", "filename": chosen, "width": 1600,
                                                 "height": 900}})
image_downloads(figure, chosen, "chart")
st.markdown(f"**{md(p.summary)}**")

figures = st.columns(6)
figures[0].metric("Baseline", p.baseline_text, help=md(p.baseline_label or ""))
text, colour = delta(p)
figures[1].metric("Latest", p.latest_text, text, delta_color=colour, help=md(p.latest_label or ""))
figures[2].metric("Target", "None set" if p.target is None else format_value(p.target, p.unit),
                  help=md(f"Deadline: {p.deadline_label}" if p.deadline_label else "No deadline stated"))
figures[3].metric("Deadline", p.deadline_label or MISSING)
figures[4].metric("Required pace", MISSING if p.required_rate is None else format_change(p.required_rate, p.unit) + "/yr",
                  help="Linear change a year needed from the baseline to reach the target by its deadline; none for "
                       "a target set for another population, or one whose deadline has passed.")
figures[5].metric("Projection at deadline", MISSING if p.projection is None else format_value(p.projection, p.unit),
                  help="The least-squares trend through the observations, extended to the deadline" +
                       ("; rests on two observations only." if p.projection_from_two_points else "."))
badge(p)
age = ages()
age = age[age["indicator_id"] == chosen]
if not age.empty:
    row = age.iloc[0]
    said = age_text(row.age_years, row.cycle_years)
    if row.out_of_date:
        st.warning(f"Out of date: {said}; the next figure was due and is not in the data.",
                   icon=":material/history:")
    else:
        st.caption(said.capitalize() + ".")
# The headline and whom a target is set for are said once, in the chart's subtitle and note.
if p.baseline_not_earliest:
    st.info(md(f"The baseline ({p.baseline_label}) is later than other observations; the trend starts at the "
               "baseline and leaves the earlier ones out."), icon=":material/info:")
if isinstance(entry.definition_notes, str):
    st.info(md(entry.definition_notes), icon=":material/info:")

st.subheader("Where each figure comes from")
st.caption("Every figure with its source, location and quote. Where a later source restates a period, both rows "
           "are here: the later one stands, the earlier is marked superseded.")
obs, tgt = observations_of(dataset, chosen, current=False), targets_of(dataset, chosen, current=False)


def standing(rows):
    return ["current" if current else f"superseded by {later}"
            for current, later in zip(rows["current"], rows["superseded_by"], strict=True)]


def cells(rows, figure, when, values, static=True):
    """The figures' provenance as table cells: for the static table, text escaped and the
    link as Markdown; for the grid, plain text and the address (a link column)."""
    shown = md if static else str
    links = [source_link(dataset.sources[s], n) for s, n in zip(rows["source"], rows["location"])]
    return pd.DataFrame({
        "Figure": figure, "Period or deadline": when.map(shown), "Value": [shown(v) for v in values],
        "Source": rows["source"].map(shown),
        "Location": [shown(dataset.sources[s].cite(n)) for s, n in zip(rows["source"], rows["location"])],
        "Standing": [shown(text) for text in standing(rows)], "Quote": rows["quote"].map(shown),
        "Read in context": [f"[Open in the source reader]({link})" for link in links] if static else links,
    })


def observation_cells(rows, static=True):
    return cells(rows, "Observation", rows["period_label"],
                 [format_value(r.value, r.unit, r.qualifier if isinstance(r.qualifier, str) else None, r.numerator,
                               r.denominator) for r in rows.itertuples()], static)


# A static table, so that every quote is shown whole (a data grid cuts long text off). A
# browser draws such a table row by row, so a long series shows its latest figures in it
# and the earlier ones in a grid below, where every quote opens on a click.
earlier, latest = obs.iloc[:-MAX_TABLE_ROWS], obs.iloc[-MAX_TABLE_ROWS:]
st.table(pd.concat([observation_cells(latest),
                    cells(tgt, "Target (" + tgt["kind"].map(md) + ")", tgt["deadline_label"].fillna(MISSING),
                          [format_value(v, u) for v, u in zip(tgt["value"], tgt["unit"])])],
                   ignore_index=True), hide_index=True)
if not earlier.empty:
    with st.expander(f"The {len(earlier):,} earlier figure{'s' if len(earlier) != 1 else ''}"):
        st.dataframe(observation_cells(earlier, static=False), hide_index=True, key="earlier_figures",
                     column_config={"Quote": st.column_config.TextColumn(width="large"),
                                    "Read in context": st.column_config.LinkColumn(
                                        display_text="Open in the source reader")})
