"""Data stewardship: sign in, propose figures (one by form, many by upload), review other
people's changes, and read or restore a record's history. Every write goes through the
store, which checks the role again: hiding a button is not the protection."""

import hashlib
from collections import Counter

import pandas as pd
import streamlit as st
from ui import (auth_mode, current_user, end_page, folder_failures, load, md, part_markdown, part_name, refresh, sign_in,
                source_link)
from ui import the_store as store_of_app

from indicators.candidates import OPEN, decision_key, observation_rows, reject, rejected, sort_out
from indicators.charts import indicator_chart, mark_new
from indicators.extract import extract_text, match
from indicators.extract import table as candidate_table
from indicators.files import FileProblem
from indicators.imports import (TABLE_NAMES, UNCHANGED, import_table, plan_import, read_upload, review_view,
                                submit_records)
from indicators.ingest import SourceExists, source_record
from indicators.reader import document
from indicators.progress import assess_all
from indicators.schemas import DIRECTIONS, QUALIFIERS, UNITS
from indicators.sources import KINDS
from indicators.store import PUT, REVIEWER, Edit, NotAllowed
from indicators.templates import XLSX_TYPE, describe, template_csv, template_xlsx

st.title("Data stewardship")
mode = auth_mode()
if mode is None:
    st.info("This app is read-only: no one can sign in yet. An administrator adds accounts with "
            "`indicators account add NAME --role editor` (or reviewer), or configures an identity provider ([auth] "
            "in .streamlit/secrets.toml); see the README, \"Stewardship\".", icon=":material/lock:")
    end_page()

user = current_user()
the_store = store_of_app()
dataset = load()
if unread := folder_failures():
    st.warning(md(f"The files of the data folder differ from the store but do not validate ({len(unread)} "
                  "problem(s)), so nothing was proposed from them. `indicators validate` lists the problems; the "
                  "pages show the published data."), icon=":material/warning:")

with st.container(border=True):
    if user.role == "reader" and user.name == "anonymous":
        if mode == "oidc":
            st.button("Sign in", on_click=st.login, icon=":material/login:", key="sign_in")
        else:
            with st.form("sign_in"):
                name = st.text_input("Name", key="account_name")
                password = st.text_input("Password", type="password", key="account_password")
                if st.form_submit_button("Sign in", icon=":material/login:"):
                    refused = sign_in(name, password)
                    if refused:
                        st.error(refused)  # the store's own words, never data
                    else:
                        st.rerun()
        st.caption("Everyone can read the data. Signing in as an editor or a reviewer allows changes.")
        end_page()
    columns = st.columns([4, 1])
    columns[0].markdown(md(f"Signed in as {user.name} ({user.role})."))
    if columns[1].button("Sign out", key="sign_out"):
        st.session_state.pop("account", None)
        if mode == "oidc":
            st.logout()
        st.rerun()

if not user.can_edit:
    st.info("Your account may read the data but not change it.", icon=":material/visibility:")
    end_page()


# A diff longer than this is read a page at a time (a year of figures is a few hundred rows).
DIFF_PAGE = 200
FORM_FIELDS = {"f_label": "the period as the source names it", "f_start": "its start", "f_end": "its end",
               "f_value": "the value", "f_location": "the location", "f_quote": "the quote"}


def attempt(write):
    """A write to the store, and what went wrong in words (the store checks role, rules and
    races again, whatever this page showed)."""
    try:
        return write(), None
    except (NotAllowed, KeyError, ValueError) as error:
        return None, str(error).strip("'")


def remembered(name: str, key: tuple, compute):
    """``compute()``, kept in the session while ``key`` stays the same: a check or a diff is
    worked out once, not on every rerun of the page."""
    held = st.session_state.get(name)
    if held is None or held[0] != key:
        held = (key, compute())
        st.session_state[name] = held
    return held[1]


def show_plan(plan, key: str) -> None:
    """A plan as the command line's dry run shows it: what was set aside, the counts, every
    failure grouped by rule, and the diff (each changed column, stored and new), paged."""
    for note in plan.notes:
        st.info(md(note), icon=":material/info:")
    st.markdown(f"**{md(plan.table)}**: {md(plan.summary())}.")
    if not plan.ok:
        # Each rule a heading, each failure a line under it (the data's words escaped).
        st.error("Nothing can be submitted until every problem is fixed:\n\n" + "\n".join(
            f"- {md(line.strip())}" if line.startswith("  ") else f"\n**{md(line)}**\n"
            for line in plan.error_lines(limit=50)))
    diff = plan.diff()
    diff = diff[diff["status"] != UNCHANGED]
    if diff.empty:
        return
    pages = (len(diff) - 1) // DIFF_PAGE + 1
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page of the diff (1 to {pages}, {DIFF_PAGE} lines a page)", 1, pages, 1,
                                   key=f"{key}_page"))
    st.dataframe(diff.iloc[(page - 1) * DIFF_PAGE:page * DIFF_PAGE], hide_index=True, key=key,
                 column_config={"stored": st.column_config.TextColumn("stored value"),
                                "file": st.column_config.TextColumn("new value"),
                                "check": st.column_config.TextColumn("check", width="medium")})


tabs = st.tabs(["Add a figure", "Upload a table", "Candidates from a report", "Review", "History"])

with tabs[0]:
    # No form: the check runs as the steward types, once the figure's fields are filled in.
    if st.session_state.pop("f_clear", False):
        # Emptied for the next figure before the fields are drawn (Streamlit refuses after).
        for name in [*FORM_FIELDS, "f_notes", "f_reason"]:
            st.session_state[name] = ""
        st.session_state["f_baseline"] = False
    if flash := st.session_state.pop("f_flash", None):
        st.success(md(flash), icon=":material/send:")
    names = dataset.indicator_names()
    # Nothing chosen until the steward chooses: a quote checked against a default indicator
    # may pass for the wrong one (the proof reads numbers and their roles, not the subject).
    indicator = st.selectbox("Indicator", list(names), index=None, placeholder="Choose the indicator",
                             format_func=names.get, key="f_indicator")
    cells = st.columns(3)
    label = cells[0].text_input("Period as the source names it", key="f_label")
    # Dates as the data files write them; the same validation reads and checks them.
    start = cells[1].text_input("Period start (YYYY-MM-DD)", key="f_start")
    end = cells[2].text_input("Period end (YYYY-MM-DD)", key="f_end")
    cells = st.columns(3)
    value = cells[0].text_input("Value", key="f_value")
    source = cells[1].selectbox("Source", list(dataset.sources), index=None, placeholder="Choose the source",
                                key="f_source")
    location = cells[2].text_input("Location (paragraph, 'page N', 'section ...' or row key)", key="f_location")
    quote = st.text_area("Verbatim quote (copied from the source)", key="f_quote")
    cells = st.columns(3)
    qualifier = cells[0].selectbox("Qualifier", ["", *QUALIFIERS], key="f_qualifier",
                                   format_func=lambda word: word or "none (the figure as stated)",
                                   help="How the source hedges the figure: more than, about, ...")
    baseline = cells[1].checkbox("The baseline of the series", key="f_baseline")
    notes = cells[2].text_input("Notes", key="f_notes")
    unit = dataset.catalogue.set_index("id").loc[indicator, "unit"] if indicator else ""
    row = {"indicator_id": indicator, "period_label": label.strip(), "period_start": start.strip(),
           "period_end": end.strip(), "value": value.strip(), "numerator": "", "denominator": "",
           "qualifier": qualifier, "is_baseline": "true" if baseline else "", "unit": unit, "source": source,
           "location": location.strip(), "quote": quote.strip(), "notes": notes.strip()}
    missing = [what for what, chosen in (("the indicator", indicator), ("the source", source)) if not chosen]
    missing += [what for name, what in FORM_FIELDS.items() if not st.session_state.get(name, "").strip()]
    plan = None
    if missing:
        st.caption(md("The figure is checked as you type once it has " + ", ".join(missing) + "."))
    else:
        plan = remembered("f_checked", (tuple(row.items()), id(dataset)), lambda: plan_import(
            the_store, "observations", pd.DataFrame([row]), name="the form"))
        outcome = plan.outcomes[0] if plan.outcomes else None
        if plan.ok and outcome is not None and outcome.status != UNCHANGED:
            verb = "adds" if outcome.status == "added" else "changes"
            st.success(md(f"Checked: the quote is at {location} of {source} and states {value} as this "
                          f"figure ({outcome.proof}); it {verb} {outcome.key}."), icon=":material/check_circle:")
            if outcome.changes:
                st.dataframe(plan.diff()[["column", "stored", "file"]], hide_index=True, key="f_diff")
            preview = {p.indicator_id: p for p in assess_all(plan.dataset)}[indicator]
            figure = mark_new(indicator_chart(plan.dataset, preview), [
                (pd.Timestamp(row["period_start"]), pd.Timestamp(row["period_end"]), float(value.replace(",", "")))],
                unit)
            st.plotly_chart(figure, key="f_preview", config={"displaylogo": False})
            st.caption("The chart as it would read once the figure is published; the new point is ringed.")
        elif plan.ok:
            st.info("The store already holds this figure as it reads here: nothing to submit.")
        else:
            show_plan(plan, "f_plan")
    reason = st.text_input("Why (for the reviewer)", key="f_reason")
    if st.button("Submit for review", type="primary", key="f_submit",
                 disabled=plan is None or not plan.ok or not reason.strip() or not any(
                     o.status != UNCHANGED for o in plan.outcomes)):
        done, problem = attempt(lambda: import_table(the_store, "observations", pd.DataFrame([row]), user, reason,
                                                     commit=True, name="the form"))
        if problem:
            st.error(md(problem))
        elif not done.ok:
            show_plan(done, "f_refused")
        else:
            refresh()
            st.session_state["f_flash"] = (f"Change {done.change_id} is waiting for review by another reviewer: "
                                           f"{done.outcomes[0].key}.")
            st.session_state["f_clear"] = True
            st.rerun()

with tabs[1]:
    table = st.selectbox("Table", list(TABLE_NAMES), key="u_table")
    with st.expander(f"A template of the {table} table, and what each column holds", icon=":material/table_view:"):
        cells = st.columns(2)
        # Built when asked for, not on every rerun of the page.
        cells[0].download_button("Template (CSV)", lambda: template_csv(table), f"{table}-template.csv",
                                 "text/csv", key="u_template_csv", on_click="ignore")
        cells[1].download_button("Template (Excel, with drop-down lists)", lambda: template_xlsx(dataset, table),
                                 f"{table}-template.xlsx", XLSX_TYPE, key="u_template_xlsx", on_click="ignore")
        st.dataframe(describe(dataset, table), hide_index=True, key="u_columns")
        st.caption("An export of this table (CSV or workbook) imports again as it is: the columns the project "
                   "computes are set aside.")
    upload = st.file_uploader("A CSV or Excel table in the format of the data files", type=["csv", "xlsx"],
                              key="u_file")
    if upload is not None:
        content = upload.getvalue()
        try:
            frame = read_upload(upload.name, content, table=table)
        except FileProblem as problem:
            st.error(md(f"{upload.name}: {problem.message} [{problem.rule}]"))
        else:
            plan = remembered("u_checked", (hashlib.sha256(content).hexdigest(), table, id(dataset)),
                              lambda: plan_import(the_store, table, frame, name=upload.name))
            show_plan(plan, "u_plan")
            counts = plan.counts()
            reason = st.text_input("Why (for the reviewer)", key="u_reason")
            if plan.ok and counts["added"] + counts["changed"] and st.button(
                    "Submit for review", type="primary", key="u_submit", disabled=not reason.strip()):
                done, problem = attempt(lambda: import_table(the_store, table, frame, user, reason, commit=True,
                                                             name=upload.name))
                if problem:
                    st.error(md(problem))
                else:
                    refresh()
                    st.success(f"Change {done.change_id} is waiting for review.")

with tabs[2]:
    with st.expander("Add a report (or any source) for review", icon=":material/upload_file:"):
        with st.form("new_source"):
            report = st.file_uploader("The report: PDF, HTML, plain text, or a CSV table",
                                      type=["pdf", "html", "htm", "txt", "csv"], key="s_file")
            cells = st.columns(2)
            new_symbol = cells[0].text_input("Symbol", placeholder="A/73/480", key="s_symbol")
            publisher = cells[1].text_input("Issued by", placeholder="Secretary-General", key="s_publisher")
            title = st.text_input("Title", key="s_title")
            address = st.text_input("Public address (https://…)", key="s_url")
            cells = st.columns(3)
            published = cells[0].text_input("Published (YYYY-MM-DD)", key="s_published")
            cutoff = cells[1].text_input("Data cut-off (YYYY-MM-DD)", key="s_cutoff")
            kind = cells[2].selectbox("Kind", ["from the file", *KINDS], key="s_kind",
                                      help="report: numbered paragraphs; document: pages or sections; dataset: a table")
            source_reason = st.text_input("Why (for the reviewer)", key="s_reason")
            add_it = st.form_submit_button("Submit the source for review", type="primary")
        if add_it:
            missing = [name for name, value in (("the file", report), ("the symbol", new_symbol.strip()),
                                                ("the title", title.strip()), ("who issued it", publisher.strip()),
                                                ("the address", address.strip()), ("why", source_reason.strip()))
                       if not value]
            if missing:
                st.warning(md("Give " + ", ".join(missing) + "."))
            else:
                try:
                    record, added = source_record(
                        report.getvalue(), report.name, new_symbol.strip(), title.strip(), publisher.strip(),
                        address.strip(), published=published.strip() or None, cutoff=cutoff.strip() or None,
                        kind=None if kind == "from the file" else kind)
                    problems, change = submit_records(the_store, [Edit("source", added.symbol, PUT, record)], user,
                                                      source_reason, origin="add-source")
                except (FileProblem, SourceExists, ValueError, NotAllowed) as error:
                    problems, change = [getattr(error, "message", str(error))], None
                if problems:
                    st.error(md("Not submitted: " + " ".join(problems[:20])))
                else:
                    refresh()
                    st.success(md(f"Change {change}: {added.symbol} ({added.kind}, {added.parts} parts) is waiting "
                                  "for review. Once published, its candidates are listed here."))

    symbol = st.selectbox("Source", list(dataset.sources), key="c_source")
    source = dataset.sources[symbol]
    if source.kind == "dataset":
        st.write("A dataset's rows are figures already; add them with an upload.")
    else:
        raw = (dataset.folder / "sources" / source.text_file).read_text(encoding="utf-8")
        found = match(extract_text(raw, symbol), dataset)
        groups = sort_out(found, the_store)
        open_ones = groups[OPEN]
        if flash := st.session_state.pop("c_flash", None):
            st.success(md(flash))
        st.write(md(f"{len(found)} candidates in {symbol}: "
                    + ", ".join(f"{len(members)} {group}" for group, members in groups.items()) + "."))
        if open_ones:
            frame = candidate_table(open_ones).assign(accept=False, reject=False)
            # Proposed periods are filled in for the steward to confirm; the rest are typed.
            periods = ["period_label", "period_start", "period_end"]
            frame[periods] = frame[periods].fillna("")
            frame["read"] = [source_link(source, c.location) for c in open_ones]
            names = dataset.indicator_names()
            # A new set of open candidates gets a fresh editor: Streamlit keeps a keyed editor's
            # ticks by row number while the row count stays the same, and another source with as
            # many candidates would inherit them.
            editor = "c_editor_" + hashlib.sha256("\n".join(map(decision_key, open_ones)).encode()).hexdigest()[:12]
            edited = st.data_editor(
                frame[["accept", "reject", "indicator_id", "period_label", "period_start", "period_end", "value",
                       "unit", "shape", "location", "read", "quote", "period_guess", "score", "reason"]],
                hide_index=True, key=editor, disabled=["value", "unit", "shape", "location", "read", "quote",
                                                           "period_guess", "score", "reason"],
                column_config={"indicator_id": st.column_config.SelectboxColumn(
                    "indicator", options=list(names), help="Leave empty to put the row on the new indicator below"),
                               "read": st.column_config.LinkColumn(
                                   "in the source", display_text="read", help="The whole part in the source reader"),
                               "quote": st.column_config.TextColumn(width="large")})
            # Each candidate beside its paragraph: the part, with every number marked as
            # captured, rejected or still to review.
            parts = document(dataset, symbol, rejected(the_store))
            places = list(dict.fromkeys(c.location for c in open_ones))
            counts = Counter(c.location for c in open_ones)
            with st.container(border=True, key="c_paragraph"):
                place = st.selectbox(
                    "Read a part with candidates", places, key="c_place",
                    format_func=lambda key: f"{part_name(source, key)} · {counts[key]} to review")
                if place in parts:
                    st.markdown(part_markdown(source, place, parts[place]))
            with st.expander("A new indicator, for accepted rows whose indicator is left empty",
                             icon=":material/add_chart:"):
                cells = st.columns(2)
                new_id = cells[0].text_input("Id (snake_case)", key="n_id")
                new_name = cells[1].text_input("Name", key="n_name")
                new_description = st.text_input("What it measures", key="n_description")
                cells = st.columns(3)
                new_unit = cells[0].selectbox("Unit", UNITS, key="n_unit")
                areas = dataset.area_names()
                new_area = cells[1].selectbox("Reform area", list(areas), format_func=areas.get, key="n_area")
                new_direction = cells[2].selectbox("Better when it goes", DIRECTIONS, key="n_direction")
            why = st.text_input("Why (for the reviewer, or why the rejected ones are not measures)", key="c_reason")
            go, drop = st.columns(2)
            if go.button("Send the accepted ones for review", type="primary", key="c_accept",
                         disabled=not why.strip()):
                accepted = edited["accept"].astype(bool)
                if not accepted.any():
                    st.warning("Tick \"accept\" on the rows to send.")
                else:
                    chosen = frame.loc[accepted].assign(**{c: edited.loc[accepted, c] for c in (
                        "indicator_id", "period_label", "period_start", "period_end")})
                    extra = []
                    given = chosen["indicator_id"].astype(str).str.strip()
                    unassigned = chosen["indicator_id"].isna() | (given == "")
                    if unassigned.any() and new_id.strip():
                        indicator = {"id": new_id.strip(), "name": new_name.strip(),
                                     "description": new_description.strip(), "unit": new_unit,
                                     "reform_area": new_area, "direction": new_direction}
                        extra = [Edit("indicator", indicator["id"], PUT, indicator)]
                        chosen.loc[unassigned, "indicator_id"] = indicator["id"]
                    units = dict(zip(dataset.catalogue["id"], dataset.catalogue["unit"], strict=True))
                    units.update({e.key: e.record["unit"] for e in extra})
                    plan, problem = attempt(lambda: import_table(the_store, "observations",
                                                                 observation_rows(chosen, units), user, why,
                                                                 commit=True, extra=extra))
                    if problem:
                        st.error(md(problem))
                    elif plan.ok:
                        refresh()
                        st.session_state["c_flash"] = (f"Change {plan.change_id} is waiting for review: "
                                                       f"{int(accepted.sum())} figure(s) from {symbol}.")
                        st.rerun()
                    else:
                        st.error("Nothing sent: the figures do not pass every check.")
                        show_plan(plan, "c_refused")
            if drop.button("Reject the ticked ones", key="c_reject", disabled=not why.strip()):
                ticked = [c for c, flag in zip(open_ones, edited["reject"], strict=True) if flag]
                reject(the_store, ticked, user, why)
                refresh()
                st.session_state["c_flash"] = f"{len(ticked)} candidate(s) rejected: {why}"
                st.rerun()

with tabs[3]:
    waiting = the_store.pending()
    if waiting.empty:
        st.write("No change is waiting for review.")
    for change in waiting.itertuples():
        with st.container(border=True):
            st.markdown(md(f"Change {change.id} by {change.author} ({change.origin}): {change.reason}"))
            # Each row as the dry run showed it, checked against the data as published now.
            plans, rest = remembered(f"r_view_{change.id}", (id(dataset),),
                                     lambda c=change.id: review_view(the_store, c))
            for plan in plans:
                show_plan(plan, f"r_{change.id}_{plan.table}")
            if not rest.empty:
                st.dataframe(rest, hide_index=True, key=f"r_{change.id}")
            if user.role != REVIEWER:
                st.caption("Pending: a reviewer other than its author publishes it.")
                continue
            own = change.author == user.name
            for column, (label, approve) in zip(st.columns(2), (("Approve", True), ("Reject", False)), strict=True):
                if column.button(label, key=f"{label.lower()}_{change.id}", disabled=own,
                                 type="primary" if approve else "secondary"):
                    _, problem = attempt(lambda c=change.id, a=approve: the_store.review(c, user, approve=a))
                    if problem:
                        st.error(md(problem))
                    else:
                        refresh()
                        st.rerun()
            if own:
                st.caption("You wrote this change: another reviewer approves it.")

with tabs[4]:
    names = dataset.indicator_names()
    chosen = st.selectbox("Indicator", list(names), format_func=names.get, key="h_indicator")
    records = the_store.records_of(chosen)
    if not records:
        st.write("No figure of this indicator is in the store yet.")
    for entity, key in records:
        history = the_store.history(entity, key)
        with st.expander(md(f"{entity} {key} · {len(history)} revision(s)")):
            shown = history.assign(record=history["payload"]).drop(columns=["payload"])
            st.dataframe(shown, hide_index=True, key=f"h_{entity}_{key}")
            revision = st.selectbox("Restore the record as it read in revision", history["revision"].tolist(),
                                    key=f"pick_{entity}_{key}")
            buttons = st.columns(2)
            if buttons[0].button("Restore (as a new change for review)", key=f"restore_{entity}_{key}"):
                change, problem = attempt(lambda r=int(revision): the_store.restore(r, user, f"restore revision {r}"))
                if problem:
                    st.error(md(problem))
                else:
                    refresh()
                    st.success(f"Change {change} is waiting for review.")
            if key in the_store.state().get(entity, {}) and buttons[1].button(
                    "Retract (as a new change for review)", key=f"retract_{entity}_{key}"):
                change, problem = attempt(lambda e=entity, k=key: the_store.retract(e, k, user, "retracted in the app"))
                if problem:
                    st.error(md(problem))
                else:
                    refresh()
                    st.success(f"Change {change} is waiting for review; the record stays in the history.")
