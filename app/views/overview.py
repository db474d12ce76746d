"""Every indicator as a card, grouped by reform area, with filters and headline counts."""

import streamlit as st
from ui import badge, delta, load, md, progress

from indicators.formatting import format_value
from indicators.progress import MOVING_AWAY, ON_TRACK, STATUSES, TARGET_ACHIEVED
from indicators.series import coverage, observations_of

dataset, results = load(), progress()
table = coverage(dataset)

st.title("Peacekeeping reform indicators")
st.caption("Every figure from the Secretary-General's report A/72/573, with its paragraph and verbatim quote.")

counts = st.columns(4)
with_target = [p for p in results.values() if p.target is not None]
counts[0].metric("Indicators tracked", len(results))
counts[1].metric("With a target", len(with_target))
counts[2].metric("On track or achieved", sum(p.status in (ON_TRACK, TARGET_ACHIEVED) for p in with_target))
counts[3].metric("Moving away", sum(p.status == MOVING_AWAY for p in with_target))

areas = dataset.area_names()
filters = st.columns([2, 2, 2])
chosen_areas = filters[0].multiselect("Reform area", list(areas), format_func=areas.get, key="area",
                                      bind="query-params", placeholder="All reform areas")
chosen_statuses = filters[1].multiselect("Status", list(STATUSES), format_func=str.capitalize, key="status",
                                         bind="query-params", placeholder="Any status")
query = filters[2].text_input("Search", key="q", bind="query-params", placeholder="e.g. women, attacks")

shown = table
if chosen_areas:
    shown = shown[shown["reform_area"].isin(chosen_areas)]
if chosen_statuses:
    shown = shown[shown["id"].map(lambda i: results[i].status).isin(chosen_statuses)]
if query:
    text = (shown["name"] + " " + shown["description"] + " " + shown["id"]).str.lower()
    shown = shown[text.str.contains(query.lower(), regex=False)]

st.write(f"Showing {len(shown)} of {len(table)} indicators.")
for area, rows in shown.groupby("reform_area_name", sort=False):
    st.subheader(area)
    columns = st.columns(3)
    for i, row in enumerate(rows.itertuples()):
        p = results[row.id]
        with columns[i % 3].container(border=True):
            values = observations_of(dataset, row.id)["value"].tolist()
            latest = ("No observation yet" if p.latest is None else
                      format_value(p.latest, p.unit, p.latest_qualifier))
            text, colour = delta(p)
            st.markdown(f"**{md(p.name)}**", help=md(row.description))
            st.metric(f"Latest ({md(p.latest_label)})" if p.latest_label else "Latest", latest, text,
                      delta_color=colour, chart_data=values if len(values) >= 2 else None)
            if p.change is not None:
                st.caption(f"Baseline: {md(format_value(p.baseline, p.unit))} ({md(p.baseline_label)})")
            if p.target is not None:
                target = p.target_text
                if p.progress_share is not None:
                    share = p.progress_share
                    label = f"{share:.0%} of the way from baseline to the {target} target"
                elif p.latest is not None and p.target:
                    share = p.latest / p.target
                    label = f"Latest is {share:.0%} of the {target} target"
                else:
                    share, label = 0.0, f"Target {target}; no observation yet"
                st.progress(min(max(share, 0.0), 1.0), text=md(label))
            badge(p.status)
            st.page_link("views/indicator.py", label="Chart, figures and quotes", icon=":material/arrow_forward:",
                         query_params={"indicator": row.id})
