"""Entry point of the dashboard: `streamlit run app/main.py`."""

import streamlit as st

import indicators

st.set_page_config(page_title="Peacekeeping reform indicators", layout="wide")


@st.cache_data
def _coverage():
    from indicators.series import coverage

    return coverage(indicators.load())


st.title("Peacekeeping reform indicators")
st.dataframe(_coverage()[["reform_area_name", "name", "unit", "observations", "targets"]], hide_index=True)
