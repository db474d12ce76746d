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
from indicators.extract import extract_text, match
from indicators.extract import table as candidate_table
from indicators.files import FileProblem
from indicators.imports import TABLE_NAMES, import_table, plan_import, read_upload, submit_records
from indicators.ingest import SourceExists, source_record
from indicators.reader import document
from indicators.schemas import DIRECTIONS, UNITS
from indicators.sources import KINDS
from indicators.store import PUT, REVIEWER, Edit, NotAllowed

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


def outcome_table(plan) -> pd.DataFrame:
    return pd.DataFrame([{"Row": o.row, "Record": o.key, "Would be": o.status, "Why": "; ".join(o.messages)}
                         for o in plan.outcomes])


def attempt(write):
    """A write to the store, and what went wrong in words (the store checks role, rules and
    races again, whatever this page showed)."""
    try:
        return write(), None
    except (NotAllowed, KeyError, ValueError) as error:
        return None, str(error).strip("'")


tabs = st.tabs(["Add a figure", "Upload a table", "Candidates from a report", "Review", "History"])

with tabs[0]:
    names = dataset.indicator_names()
    with st.form("figure"):
        indicator = st.selectbox("Indicator", list(names), format_func=names.get, key="f_indicator")
        cells = st.columns(3)
        label = cells[0].text_input("Period as the source names it", key="f_label")
        # Dates as the data files write them; the same validation reads and checks them.
        start = cells[1].text_input("Period start (YYYY-MM-DD)", key="f_start")
        end = cells[2].text_input("Period end (YYYY-MM-DD)", key="f_end")
        cells = st.columns(3)
        value = cells[0].text_input("Value", key="f_value")
        source = cells[1].selectbox("Source", list(dataset.sources), key="f_source")
        location = cells[2].text_input("Location (paragraph, 'page N', 'section ...' or row key)", key="f_location")
        quote = st.text_area("Verbatim quote", key="f_quote")
        notes = st.text_input("Notes", key="f_notes")
        reason = st.text_input("Why (for the reviewer)", key="f_reason")
        check, send = st.columns(2)
        checked = check.form_submit_button("Check")
        sent = send.form_submit_button("Submit for review", type="primary")
    if checked or sent:
        unit = dataset.catalogue.set_index("id").loc[indicator, "unit"]
        row = {"indicator_id": indicator, "period_label": label, "period_start": start.strip(),
               "period_end": end.strip(), "value": value, "numerator": "", "denominator": "", "qualifier": "",
               "is_baseline": "", "unit": unit, "source": source, "location": location, "quote": quote,
               "notes": notes}
        frame = pd.DataFrame([row])
        plan, problem = attempt(lambda: import_table(the_store, "observations", frame, user, reason,
                                                     commit=sent and bool(reason.strip())))
        if problem:
            st.error(md(problem))
        else:
            if not plan.ok:
                st.error(md("Not saved: " + " ".join(plan.lines())))
            elif sent and not reason.strip():
                st.warning("Say why, for the reviewer, then submit.")
            elif plan.change_id is not None:
                refresh()
                st.success(f"Change {plan.change_id} is waiting for review by another reviewer.")
            else:
                st.success(md("The figure passes every check: " + " ".join(plan.lines())))

with tabs[1]:
    table = st.selectbox("Table", list(TABLE_NAMES), key="u_table")
    upload = st.file_uploader("A CSV or Excel table in the format of the data files", type=["csv", "xlsx"],
                              key="u_file")
    if upload is not None:
        try:
            frame = read_upload(upload.name, upload.getvalue(), table=table)
        except FileProblem as problem:
            st.error(md(f"{problem.message} [{problem.rule}]"))
        else:
            plan = plan_import(the_store, table, frame)
            counts = plan.counts()
            st.write(md(", ".join(f"{n} {status}" for status, n in counts.items())))
            for line in plan.file_problems:
                st.error(md(line))
            st.dataframe(outcome_table(plan), hide_index=True, key="u_plan")
            reason = st.text_input("Why (for the reviewer)", key="u_reason")
            if plan.ok and counts["added"] + counts["changed"] and st.button(
                    "Submit for review", type="primary", key="u_submit", disabled=not reason.strip()):
                done, problem = attempt(lambda: import_table(the_store, table, frame, user, reason, commit=True))
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
                        st.error(md("Nothing sent: " + " ".join(plan.lines())))
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
            st.dataframe(the_store.changed_records(change.id), hide_index=True, key=f"r_{change.id}")
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
