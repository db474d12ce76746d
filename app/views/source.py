"""The report paragraph by paragraph, with every captured number highlighted and linked."""

import streamlit as st
from ui import load, md

from indicators.reader import coverage, document

dataset = load()
symbols = list(dataset.sources)
symbol = st.selectbox("Document", symbols, key="doc", bind="query-params")
source = dataset.sources[symbol]
paragraphs = document(dataset, symbol)

st.title(f"Source reader: {md(symbol)}")
st.caption(f"{md(source.title)} · [{md(source.url)}]({source.url})")
st.info(coverage(paragraphs).line, icon=":material/data_check:")
st.markdown(":blue-background[**Highlighted**] numbers are captured; each links to its indicator. "
            ":gray-background[Grey] numbers are in the text but not captured.")


def render(number: int) -> str:
    parts = []
    for segment in paragraphs[number]:
        if segment.captured:
            links = " ".join(f"[{md(segment.text)}](indicator?indicator={i})" for i in segment.indicator_ids[:1])
            parts.append(f":blue-background[**{links}**]")
        elif segment.number:
            parts.append(f":gray-background[{md(segment.text)}]")
        else:
            parts.append(md(segment.text))
    return f"**{number}.** " + "".join(parts)


asked = st.query_params.get("paragraph")
if asked is not None and not (asked.isdigit() and int(asked) in paragraphs):
    # Say so rather than drop the link's paragraph silently.
    st.warning(md(f"{symbol} has no paragraph '{asked}'; its paragraphs run from {min(paragraphs)} to "
                  f"{max(paragraphs)}."), icon=":material/search_off:")
controls = st.columns([1, 2])
chosen = controls[0].number_input("Go to paragraph", min_value=1, max_value=max(paragraphs), value=None, step=1,
                                  key="paragraph", bind="query-params", placeholder="1 to %d" % max(paragraphs))
only_captured = controls[1].toggle("Only paragraphs with captured numbers", key="captured")
if chosen:
    with st.container(border=True, key="selected_paragraph"):
        st.markdown(render(int(chosen)))
for number in paragraphs:
    if only_captured and not any(s.captured for s in paragraphs[number]):
        continue
    st.markdown(render(number))
