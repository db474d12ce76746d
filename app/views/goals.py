"""All indicators with a target: baseline, latest and target side by side."""

import pandas as pd
import streamlit as st
from ui import image_downloads, image_engine, load, md, progress

from indicators.charts import goals_chart
from indicators.formatting import MISSING, format_change, format_value
from indicators import images
from indicators.slides import deck_bytes, deck_size, select

dataset, results = load(), progress()
with_target = [p for p in results.values() if p.target is not None]

st.title("Baseline vs goals")
st.caption("Every indicator that has a target.")
figure = goals_chart(dataset, list(results.values()))
st.plotly_chart(figure, theme=None, key="goals_chart",
                alt="Baseline, latest value and target of each indicator with a target",
                config={"displaylogo": False,
                        "toImageButtonOptions": {"format": "png", "filename": "baseline-vs-goals",
                                                 "width": 1600, "height": 900}})
image_downloads(figure, "baseline-vs-goals", "goals_chart")


def text(value, p, show=format_value):
    return MISSING if value is None else show(value, p.unit)


table = pd.DataFrame([{
    "Indicator": p.name,
    "Baseline": f"{p.baseline_text} ({p.baseline_label})" if p.baseline is not None else MISSING,
    "Latest": f"{p.latest_text} ({p.latest_label})" if p.latest is not None else MISSING,
    "Target": p.target_text,
    "Set for": p.target_scope or "this indicator",
    "Gap": MISSING if p.gap is None or p.target_scope else format_change(p.gap, p.unit),
    "Progress": MISSING if p.progress_share is None else f"{p.progress_share:.0%}",
    "Required pace": text(p.required_rate, p, lambda v, u: format_change(v, u) + "/yr"),
    "Status": p.status,
    "Why": p.status_reason or "",
} for p in with_target]).map(md)
# A static table: it wraps its cells to the page's width, so no column is cut off.
st.table(table, hide_index=True)
st.caption("Gap: the target minus the latest value. Progress: the share of the way from the baseline to the "
           "target. Required pace: the change a year needed from the baseline to reach the target by its deadline. "
           f"{MISSING} where a figure is missing or the target is set for another population.")
st.caption(md(f"{len(with_target)} indicators have a target."))

st.subheader("Briefing deck")
st.write("A PowerPoint deck: a title slide with the data's period and sources; one slide per reform area with "
         "its headline indicators (a chart where there are points to chart, else a number card with the status and "
         "why); the baseline-vs-goals chart; a table of the indicators with a target; and the milestones. Every "
         "figure's quote is in the speaker notes, and every slide names its sources.")
areas = {"": "All reform areas", **dataset.area_names()}
area = st.selectbox("Reform area", list(areas), format_func=areas.get, key="deck_area")
chosen = select(dataset, area or None)


def deck() -> bytes:
    image_engine()
    return deck_bytes(dataset, chosen, areas[area] if area else "all reform areas")


if images.chromium_path() is None:
    st.warning(md(images.NO_CHROMIUM))
else:
    st.download_button(f"Download deck ({deck_size(dataset, chosen)} slides)", deck,
                       file_name=f"peacekeeping-indicators-{area or 'all'}.pptx",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       icon=":material/slideshow:", key="deck", on_click="ignore")
