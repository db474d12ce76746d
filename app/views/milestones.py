"""Dated commitments of the reports, by reform area, past due first."""

import streamlit as st
from ui import load, md, milestone_badge

from indicators.citations import cite
from indicators.milestones import MILESTONE_STATUSES, NO_LATER_REPORT, milestone_table

dataset = load()
table = milestone_table(dataset)

st.title("Milestones")
st.caption("Dated commitments the reports make (\"finalized in 2018\", \"in place by the end of 2017\"), each with "
           "its location and verbatim quote. Once its date has passed it reads \"no later report\" until a later "
           "source settles it: met or missed, with that source's own quote.")

counts = st.columns(len(MILESTONE_STATUSES))
for column, status in zip(counts, MILESTONE_STATUSES, strict=True):
    column.metric(status.capitalize(), int((table["status"] == status).sum()))

areas = dataset.area_names()
chosen = st.multiselect("Reform area", list(areas), format_func=areas.get, key="milestone_area",
                        bind="query-params", placeholder="All reform areas")
shown = table[table["reform_area"].isin(chosen)] if chosen else table
if shown.empty:
    st.write("No milestones in this selection.")
# Reform areas in the order of their most urgent milestone, so commitments past due lead.
for area, rows in shown.groupby("reform_area_name", sort=False):
    st.subheader(md(area))
    for row in rows.itertuples():
        with st.container(border=True):
            head = st.columns([5, 1])
            head[0].markdown(f"**{md(row.commitment)}** · due {md(row.due_label)} ({row.due:%-d %b %Y})")
            with head[1]:
                milestone_badge(row.status)
            st.caption(f"\u201c{md(row.quote)}\u201d ({md(cite(dataset.sources, row.source, row.location))})")
            if isinstance(row.settled_quote, str):
                st.caption(f"Settled: \u201c{md(row.settled_quote)}\u201d "
                           f"({md(cite(dataset.sources, row.settled_by, row.settled_location))})")
            elif row.status == NO_LATER_REPORT:
                st.caption("No later source in the data settles it yet.")
            if isinstance(row.notes, str):
                st.caption(md(row.notes))
