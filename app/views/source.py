"""Any source, part by part: a report by paragraph, a document by page or section, a dataset
by row; every captured number highlighted and linked to its indicator. The source and the
part are in the URL: /source?doc=A/72/573&paragraph=100, &page=2, &section=..., &row=..."""

import streamlit as st
from ui import load, md, part_label, part_markdown, the_store

from indicators.candidates import rejected
from indicators.reader import coverage, dataset_rows, document
from indicators.sources import DATASET, REPORT, location_key

dataset = load()
symbols = list(dataset.sources)
asked_doc = st.query_params.get("doc")
if asked_doc is not None and asked_doc not in symbols:
    st.warning(md(f"There is no source '{asked_doc}'. The sources are: {', '.join(symbols)}."),
               icon=":material/search_off:")


def picked() -> None:
    st.query_params.clear()
    st.query_params["doc"] = st.session_state["doc_choice"]


symbol = st.selectbox("Source", symbols, index=symbols.index(asked_doc) if asked_doc in symbols else 0,
                      key="doc_choice", on_change=picked)
source = dataset.sources[symbol]
published = source.published or str(source.year)
st.title(f"Source reader: {md(symbol)}")
st.caption(f"{md(source.title)} · {md(source.kind)} · {md(source.issuing_body)}, {md(published)} · "
           f"[{md(source.url)}]({source.url})")

if source.kind == DATASET:
    table = dataset_rows(dataset, symbol)
    asked = st.query_params.get("row")
    if asked is not None:
        found = source.row(asked)
        if found is None:
            st.warning(md(f"{symbol} has no single row '{asked}'."), icon=":material/search_off:")
        else:
            row, column = found
            with st.container(border=True, key="selected_row"):
                st.markdown(md(f"{source.cite(asked)}: {column} = {row[column]}"))
    captured = (table["captured by"] != "").sum()
    st.info(f"{captured} of {len(table)} rows are captured.", icon=":material/data_check:")
    st.dataframe(table, hide_index=True, key="rows")
    st.stop()

parts = document(dataset, symbol, rejected(the_store()))
param = "paragraph" if source.kind == REPORT else ("page" if next(iter(parts), "").startswith("page ") else "section")
st.info(coverage(parts).line, icon=":material/data_check:")
st.markdown(":blue-background[**Highlighted**] numbers are captured; each links to its indicator. "
            ":orange-background[~~Struck~~] numbers were rejected as not a measure (the reason follows the "
            "paragraph). :gray-background[Grey] numbers are not reviewed yet.")


def label(key: str) -> str:
    return part_label(source, key)


def render(key: str) -> str:
    return part_markdown(source, key, parts[key])


asked = st.query_params.get(param)
chosen = None
if asked is not None:
    key = location_key(source.kind, asked if source.kind == REPORT else f"{param} {asked}")
    if key in parts:
        chosen = key
    else:
        # Say so rather than drop the link's part silently.
        first, last = next(iter(parts)), list(parts)[-1]
        st.warning(md(f"{symbol} has no {param} '{asked}'; its {param}s run from {label(first).rstrip('.')} to "
                      f"{label(last).rstrip('.')}."), icon=":material/search_off:")
only_captured = st.toggle(f"Only {param}s with captured numbers", key="captured")
if chosen:
    with st.container(border=True, key="selected_paragraph"):
        st.markdown(render(chosen))
for key in parts:
    if only_captured and not any(s.captured for s in parts[key]):
        continue
    st.markdown(render(key))
