"""One indicator: chart, summary, key figures and the provenance of every figure."""

import pandas as pd
import streamlit as st
from ui import ages, badge, delta, image_downloads, load, md, progress, source_link

from indicators.charts import indicator_chart
from indicators.freshness import age_text
from indicators.formatting import MISSING, format_change, format_value
from indicators.lookup import closest
from indicators.series import observations_of, targets_of

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
figure = indicator_chart(dataset, p)
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


def cells(rows, figure, when, values):
    return pd.DataFrame({
        "Figure": figure, "Period or deadline": when.map(md), "Value": values,
        "Source": rows["source"].map(md),
        "Location": [md(dataset.sources[s].cite(n)) for s, n in zip(rows["source"], rows["location"])],
        "Standing": [md(text) for text in standing(rows)], "Quote": rows["quote"].map(md),
        "Read in context": [f"[Open in the source reader]({source_link(dataset.sources[s], n)})"
                            for s, n in zip(rows["source"], rows["location"])],
    })


provenance = pd.concat([
    cells(obs, "Observation", obs["period_label"],
          [md(format_value(r.value, r.unit, r.qualifier if isinstance(r.qualifier, str) else None, r.numerator,
                           r.denominator)) for r in obs.itertuples()]),
    cells(tgt, "Target (" + tgt["kind"].map(md) + ")", tgt["deadline_label"].fillna(MISSING),
          [md(format_value(v, u)) for v, u in zip(tgt["value"], tgt["unit"])]),
], ignore_index=True)
# A static table, so that every quote is shown whole (a data grid cuts long text off).
st.table(provenance, hide_index=True)
