"""Every indicator as a card, grouped by reform area, with filters and headline counts."""

import streamlit as st
from ui import ages, card_text, coverage_table, delta, load, md, progress, sparklines

from indicators.freshness import data_period
from indicators.progress import IMPROVING, STATUSES, WORSENING

# Cards per page: a thousand indicators render as pages of this many, so a page costs the
# same whatever the catalogue's size. A browser draws each card in about 17 ms (bench/
# bench_render.py): 24 cards, eight rows of three, keep the first render under a second.
PAGE_SIZE = 24

dataset, results, table = load(), progress(), coverage_table()

st.title("Peacekeeping reform indicators")
named = ", ".join(dataset.sources) if len(dataset.sources) <= 5 else f"{len(dataset.sources):,} sources"
ages_now = ages()
st.caption(md(f"Every figure from {named}, with its location and verbatim quote. The data cover "
              f"{data_period(dataset).text}. The latest figure of {int(ages_now['out_of_date'].sum())} of "
              f"{len(ages_now)} indicators is older than its reporting cycle."))

counts = st.columns(4)
with_target = [p for p in results.values() if p.target is not None]
counts[0].metric("Indicators tracked", len(results))
counts[1].metric("With a target", len(with_target))
counts[2].metric("Improving or achieved", sum(p.status in IMPROVING for p in results.values()),
                 help="Target achieved, on track, substantial or moderate progress")
counts[3].metric("Moving away or missed", sum(p.status in WORSENING for p in results.values()),
                 help="Moving away from the target or the better direction, or a target missed at its deadline")

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
if query.strip():
    text = (shown["name"] + " " + shown["description"] + " " + shown["id"]).str.lower()
    shown = shown[text.str.contains(query.strip().lower(), regex=False)]

pages = max(1, -(-len(shown) // PAGE_SIZE))
page = 1
if pages > 1:
    page = st.pagination(pages, key="page", bind="query-params")
first = (page - 1) * PAGE_SIZE
on_page = shown.iloc[first:first + PAGE_SIZE]
if pages > 1:
    st.write(f"Showing {first + 1:,}–{first + len(on_page):,} of {len(shown):,} indicators"
             + (f" ({len(table):,} in all)." if len(shown) < len(table) else "."))
else:
    st.write(f"Showing {len(shown)} of {len(table)} indicators.")
lines = sparklines()
for area, rows in on_page.groupby("reform_area_name", sort=False):
    st.subheader(md(area))
    columns = st.columns(3)
    for i, row in enumerate(rows.itertuples()):
        p = results[row.id]
        with columns[i % 3].container(border=True):
            values = lines.get(row.id, [])
            text, colour = delta(p)
            st.markdown(f"**{md(p.name)}**", help=md(row.description))
            st.metric(f"Latest ({md(p.latest_label)})" if p.latest_label else "Latest",
                      p.latest_text if p.latest is not None else "No observation yet", text,
                      delta_color=colour, chart_data=values if len(values) >= 2 else None)
            if p.bar_share is not None:
                st.progress(p.bar_share, text=md(p.bar_text))
            card_text(p)
            st.page_link("views/indicator.py", label="Chart, figures and quotes", icon=":material/arrow_forward:",
                         query_params={"indicator": row.id})
