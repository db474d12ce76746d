"""What the data is, where it comes from, its licence and how to cite it."""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from ui import info, load, md

from indicators.exports import export_bytes
from indicators.formatting import MISSING

DOWNLOADS = [
    ("csv", "CSV (zip)", "application/zip", "peacekeeping-indicators-csv.zip"),
    ("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "peacekeeping-indicators.xlsx"),
    ("json", "JSON", "application/json", "peacekeeping-indicators.json"),
    ("datapackage", "Data Package (zip)", "application/zip", "peacekeeping-indicators-datapackage.zip"),
]

dataset, about = load(), info()

st.title("About the data")
st.write(md(about.description))
st.markdown(
    f"- **{len(dataset.catalogue)}** indicators in **{len(dataset.reform_areas)}** reform areas\n"
    f"- **{len(dataset.observations)}** observations and **{len(dataset.targets)}** targets\n"
    "- Every figure carries its source, its location (paragraph, page, section or table row) and the verbatim "
    "sentence it came from; the validator proves that the sentence is there and states the number in its role, "
    "or that the table's row holds it.\n"
    "- Shares stated as \"X out of Y\" or as fractions are computed from their numerator and denominator, "
    "never typed."
)

st.subheader("Sources")
st.caption("Every source the figures come from, one row each; the symbol opens it in the source reader.")


def contents(source) -> str:
    if source.table is not None:
        return f"{len(source.table)} rows"
    return f"{len(source.paragraphs)} paragraphs" if source.paragraphs else f"{len(source.units)} pages and sections"


# A static table: every cell wraps, so nothing is cut off; cells are escaped like any text.
st.table(pd.DataFrame([{
    "Symbol": f"[{md(s.symbol)}](source?{urlencode({'doc': s.symbol})})",
    "Title": md(s.title), "Published by": md(s.issuing_body), "Published": md(s.published or str(s.year)),
    "Kind": md(s.kind), "Contents": contents(s), "Retrieved": md(s.retrieved or MISSING),
    "How the text was obtained": md(s.obtained), "Address": f"[{md(s.url)}]({s.url})",
} for s in dataset.sources.values()]), hide_index=True)

st.subheader("Licence")
# Each source's terms once, however many sources share them.
terms = list(dict.fromkeys(s.licence for s in dataset.sources.values()))
st.markdown(f"The compiled data is published under [{md(about.licence_title)}]({about.licence_url}). "
            + " ".join(md(t) for t in terms))

st.subheader("How to cite")
st.code(about.citation, language=None)

st.subheader("Download the dataset")
st.write("Tidy tables of indicators, observations, targets and sources, with the provenance of every figure "
         "(source, location, verbatim quote) and a description of every column.")
downloads = st.columns(4)
for column, (fmt, label, mime, file_name) in zip(downloads, DOWNLOADS):
    column.download_button(label, lambda fmt=fmt: export_bytes(dataset, fmt), file_name=file_name, mime=mime,
                           key=f"download_{fmt}", icon=":material/download:", on_click="ignore")
