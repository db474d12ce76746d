"""Entry point of the dashboard: `streamlit run app/main.py`.

It only declares the pages and draws the footer that every page shares; each page sets
up, calls `indicators.*` and renders.
"""

from pathlib import Path

import streamlit as st
from ui import footer

HERE = Path(__file__).resolve().parent

# A local icon: a Material or emoji favicon is fetched from a font host the app may not reach.
st.set_page_config(page_title="Peacekeeping reform indicators", page_icon=str(HERE / "assets" / "icon.png"),
                   layout="wide")

page = st.navigation([
    st.Page(HERE / "views/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview",
            default=True),
    st.Page(HERE / "views/indicator.py", title="Indicator", icon=":material/show_chart:", url_path="indicator"),
    st.Page(HERE / "views/goals.py", title="Baseline vs goals", icon=":material/flag:", url_path="goals"),
    st.Page(HERE / "views/milestones.py", title="Milestones", icon=":material/event:", url_path="milestones"),
    st.Page(HERE / "views/source.py", title="Source reader", icon=":material/article:", url_path="source"),
    st.Page(HERE / "views/stewardship.py", title="Stewardship", icon=":material/edit_note:", url_path="stewardship"),
    st.Page(HERE / "views/about.py", title="About the data", icon=":material/info:", url_path="about"),
], position="top")
page.run()
footer()
