"""Tải dữ liệu lên — data officers load and check CSV/XLSX files from the browser, without a terminal.

Drop files → a validation report per file (nothing accepted yet) → Check the impact: a trial build of the
source folder plus these files, figures before → after and the reasons a refresh would be held (a held
trial needs an explicit confirmation) → Accept: every file goes to the source folder or none does, and
`refresh` runs in the background with visible progress (with --accept-drop only after that confirmation)
→ the new figures, or the reason it failed or was held (the previous warehouse stays, the stored files stay
in the folder to be withdrawn or fixed). A file can be withdrawn again. A district officer
(`st.session_state["districts"]`) uploads for their districts only: rows of other districts are rejected,
a districts file is refused, only their own files can be withdrawn. Everything the user provided (names,
headers, values, reasons quoting values, the refresh log) is shown as plain text (`app.plain.md` or
st.code / st.dataframe). This page only shows and asks: the report is `ingest.preview`, storing,
withdrawing, trials, the audit log and the background refresh are `warehouse.upload`, whose job files say the
stage and the outcome as fields (the log is only shown). Data officers only: the report quotes rows as written
(names, dates of birth).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from app import auth, data, ui
from app.i18n import clock, day, lang, number, percent, t
from app.plain import md
from ingest.contract import KINDS
from ingest.preview import FIRST_REJECTED, FileReport, Upload, preview
from warehouse import upload
from warehouse.guard import Impact

DELIMITERS = {",": ", (comma)", ";": "; (semicolon)", "\t": "tab", "": "—"}


def _kind_label(kind: str | None) -> str:
    """The kind in words (CODE_LABELS: `survey` → Khảo sát nhu cầu)."""
    return ui.label(kind) if kind else "?"


def _scope() -> list[str] | None:
    """The signed-in user's districts (None: the province), as set at sign-in."""
    districts = st.session_state.get("districts")
    return None if districts is None else [str(d) for d in districts]


HEADLINE = (("students_identified", "identified", number), ("students_supported", "supported", number),
            ("students_remaining", "remaining", number), ("pct_covered", "pct_covered", percent),
            ("rejected_row_count", "rejected_rows_short", number), ("dq_issue_count", "dq_issues_short", number))


def _status_panel(db) -> None:
    """The latest background refresh: progress while it runs (polled), then its outcome."""
    status = upload.job_status(db)
    if status.state in ("running", "waiting"):
        _progress(db)
        return
    if status.state == "ok":
        after, before = (status.result.get("after") or {}), (status.job.get("before") or {})
        ended = status.result.get("ended_at")
        st.success(t("refresh_done", time=clock(pd.Timestamp(ended)) if ended else "–",
                     date=day(date.fromisoformat(status.job["as_of"]))))
        cols = st.columns(5)
        for col, (key, label, fmt) in zip(cols, HEADLINE[:5], strict=True):
            if key in after:
                diff = None if before.get(key) is None else after[key] - before[key]
                delta = None if diff is None else ("+" if diff >= 0 else "-") + fmt(abs(diff))
                col.metric(t(label), fmt(after[key]), delta=delta, delta_color="off")
    elif status.state == "failed":
        held = status.result.get("held")  # a hold's reasons as fields, shown in the page's language
        st.error(t("refresh_held" if held else "refresh_failed"))
        st.code("\n".join(f"{r['file']}: {r['vi'] if lang() == 'vi' else r['en']}" for r in held) if held
                else status.message, language=None, wrap_lines=True)
        if str(status.job.get("reason", "")).startswith("upload"):
            st.caption(t("refresh_failed_files_stay"))
        if status.result.get("outcome") == "held":
            _publish_anyway(status, db)
    if status.state in ("ok", "failed") and status.lines:
        with st.expander(t("refresh_log")):
            st.code("\n".join(status.lines[-40:]), language=None)


def _publish_anyway(status, db) -> None:
    """A held refresh (e.g. after a withdrawal, or the folder changed since the trial): publish it only after the
    signed-in data officer confirms the reasons shown above; --accept-drop records who."""
    confirmed = st.checkbox(t("impact_confirm"), key="held_confirm")
    if st.button(t("publish_anyway"), disabled=not confirmed, key="held_publish"):
        job = status.job
        upload.start_refresh(Path(job["source"]), db, date.fromisoformat(job["as_of"]),
                             st.session_state.get("username") or "", f"{job.get('reason', '')} (accept-drop)",
                             accept_drop=True)
        st.session_state.pop("held_confirm", None)
        st.rerun()


@st.fragment(run_every=2)
def _progress(db) -> None:
    status = upload.job_status(db)
    if status.state not in ("running", "waiting"):
        st.rerun()  # the whole page again: outcome, stamp and figures of the new warehouse
    message = t("refresh_waiting") if status.state == "waiting" else t("refresh_running", step=t(f"step_{status.step}"))
    st.progress(status.progress, text=message)
    if status.lines:
        st.code("\n".join(status.lines[-8:]), language=None)


def _reports(files, db) -> list[tuple[object, str, FileReport]]:
    """(uploaded file, safe name, report) per file, computed once per set of files and kinds chosen."""
    now = datetime.now()
    scope = _scope()
    key = (_files_key(files), data.identity(), tuple(scope) if scope is not None else None)
    cached = st.session_state.get("upload_reports")
    if cached and cached[0] == key:
        return cached[1]
    out, todo = [], []
    for f in files:
        try:
            name = upload.check_upload(f.name, f.size)
            content = f.getvalue()
            warnings = upload.inspect_xlsx(name, content) if name.lower().endswith(".xlsx") else []
        except upload.UploadRefused as exc:
            out.append((f, f.name, FileReport(f.name, f.size, refused=str(exc))))
            continue
        out.append((f, name, None))
        todo.append((len(out) - 1, Upload(name, content, st.session_state.get(f"kind_{f.file_id}"), scope), warnings))
    reports = preview([u for _, u, _ in todo], db, lambda kind, name: upload.stored_name(kind, name, now))
    for (index, _u, warnings), report in zip(todo, reports, strict=True):
        report.warnings = warnings + report.warnings
        if scope is not None and report.kind == "districts" and not report.refused:
            report.refused = t("districts_province_only", codes=", ".join(scope))
        out[index] = (out[index][0], out[index][1], report)
    st.session_state["upload_reports"] = (key, out)
    return out


def _files_key(files) -> tuple:
    return tuple((f.file_id, st.session_state.get(f"kind_{f.file_id}")) for f in files)


def _show(i: int, f, report: FileReport) -> None:
    st.subheader(md(report.name))
    if report.refused:
        st.error(f"{t('refused')}: {md(report.refused)}")
        if report.missing:
            st.markdown(t("missing_columns"))
            st.dataframe(pd.DataFrame({t("canonical_column"): [ui.column_label(c) for c in report.missing],
                                       t("accepted_names"): [", ".join(v) for v in report.missing.values()]}),
                         hide_index=True, width="stretch")
        return
    if report.needs_kind:
        st.warning(t("ask_kind"))
        if report.candidates:
            st.caption(t("ask_kind_fits", kinds=", ".join(map(_kind_label, report.candidates))))
        options = report.candidates + [k for k in KINDS if k not in report.candidates]
        st.selectbox(t("kind"), options, index=None, format_func=_kind_label, key=f"kind_{f.file_id}",
                     placeholder=t("choose"))
        return
    for warning in report.warnings:
        st.info(t(f"warn_{warning}"))
    st.markdown(t("detected", kind=_kind_label(report.kind), how=t(f"kind_from_{report.kind_from}"),
                  encoding=report.encoding, delimiter=DELIMITERS.get(report.delimiter, report.delimiter)))
    cols = st.columns(6)
    for col, (label, value, hint) in zip(cols, (
            ("rows_read", report.rows_read, None), ("rows_would_load", report.rows_loaded, None),
            ("rows_would_reject", report.rows_rejected, None),
            ("conflicts", report.conflict_count, t("conflicts_metric_help")),
            ("duplicates_created", report.duplicate_count, None),
            ("already_present", report.identical, t("already_present_help"))), strict=True):
        col.metric(t(label), number(value), help=hint)
    with st.expander(t("header_mapping")):
        st.dataframe(pd.DataFrame({t("header_as_written"): list(report.mapping),
                                   t("canonical_column"): [ui.column_label(c) for c in report.mapping.values()]}),
                     hide_index=True, width="stretch")
        if report.ignored:
            st.caption(t("ignored_headers", names=md(", ".join(report.ignored))))
    if report.rows_rejected:
        st.markdown(f"**{t('rows_would_reject')}** — "
                    + t("rejected_first", shown=number(min(FIRST_REJECTED, report.rows_rejected)),
                        total=number(report.rows_rejected)))
        ui.table(report.rejected.head(FIRST_REJECTED))
        ui.downloads(report.rejected, f"dong_se_bi_loai_{i + 1}")
    if not report.conflicts.empty:
        st.markdown(f"**{t('conflicts_title')}**")
        st.caption(t("conflicts_help"))
        ui.table(report.conflicts)
    if not report.duplicates.empty:
        st.markdown(f"**{t('duplicates_title')}**")
        ui.table(report.duplicates)


def _impact(good, source, db, as_of: date) -> Impact | None:
    """The trial build of (source folder + these files): figures before → after and the held reasons."""
    st.subheader(t("impact_title"))
    st.caption(t("impact_help"))
    key = (_files_key([f for f, _n, _r in good]), as_of.isoformat(), data.identity())
    trial = st.session_state.get("upload_trial")
    if trial and trial["key"] != key:
        trial = None
    status = upload.trial_status(Path(trial["path"])) if trial else None
    running = status is not None and status.state in ("running", "waiting")
    if st.button(t("impact_run"), disabled=not good or running, key="upload_trial_button"):
        stamp = datetime.now().replace(microsecond=0)
        try:
            path = upload.start_trial([upload.Incoming(f.getvalue(), name, r.kind) for f, name, r in good], source, db,
                                      as_of, st.session_state.get("username") or "", stamp, _scope())
        except (upload.UploadRefused, OSError) as exc:
            st.error(md(str(exc)))
            return None
        st.session_state["upload_trial"] = {"key": key, "path": str(path), "stamp": stamp.isoformat()}
        st.rerun()
    if status is None:
        return None
    if running:
        _trial_progress(trial["path"])
        return None
    if status.state != "ok":
        st.error(t("impact_failed"))
        st.code(status.message, language=None, wrap_lines=True)
        return None
    impact = Impact.from_json(status.result.get("impact") or {})
    before = impact.before or {}
    st.dataframe(pd.DataFrame([{t("impact_figure"): t(label), t("impact_before"): fmt(before.get(key_)),
                                t("impact_after"): fmt(impact.after.get(key_))} for key_, label, fmt in HEADLINE]),
                 hide_index=True, width="stretch")
    if impact.held:
        st.warning(t("impact_held"))
        st.code("\n".join(f"{r.file}: {r.vi if lang() == 'vi' else r.en}" for r in impact.reasons), language=None,
                wrap_lines=True)
    else:
        st.success(t("impact_ok"))
    return impact


@st.fragment(run_every=2)
def _trial_progress(path: str) -> None:
    status = upload.trial_status(Path(path))
    if status.state not in ("running", "waiting"):
        st.rerun()
    message = t("refresh_waiting") if status.state == "waiting" else t("impact_running", step=t(f"step_{status.step}"))
    st.progress(status.progress, text=message)


def _accept(items, source, db) -> None:
    busy = upload.refresh_running(db) or upload.job_status(db).state in ("running", "waiting")
    if busy:
        st.info(t("refresh_busy"))
    current = upload.current_as_of(db) or date.today()
    as_of = st.date_input(t("as_of_input"), value=current, format="DD/MM/YYYY", key="upload_as_of")
    good = [(f, name, r) for f, name, r in items if r.acceptable]
    impact = _impact(good, source, db, as_of)
    confirmed = impact is not None and (not impact.held or st.checkbox(t("impact_confirm"), key="upload_confirm"))
    if good and impact is None:
        st.caption(t("impact_needed"))
    if st.button(t("accept", n=number(len(good))), type="primary", disabled=not (good and confirmed),
                 key="upload_accept"):
        user = st.session_state.get("username") or ""
        stamp = datetime.fromisoformat(st.session_state["upload_trial"]["stamp"])
        try:
            stored = upload.store_all([upload.Incoming(f.getvalue(), name, r.kind) for f, name, r in good], source, db,
                                      user, stamp=stamp, scope=_scope())
        except (upload.UploadRefused, OSError) as exc:
            st.error(f"{t('accept_failed')} {md(str(exc))}")
            return
        held = bool(impact and impact.held)
        upload.start_refresh(source, db, as_of, user, "upload: " + ", ".join(s.path.name for s in stored),
                             accept_drop=held)
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1  # empties the uploader
        for key in ("upload_reports", "upload_trial", "upload_confirm"):
            st.session_state.pop(key, None)
        st.session_state["upload_message"] = t("accepted", names=md(", ".join(s.path.name for s in stored)))
        st.rerun()


def _source_panel(source, db) -> None:
    st.subheader(t("source_files"))
    entries = upload.list_source(source)
    if not entries:
        st.caption(t("no_source_files"))
        return
    st.dataframe(pd.DataFrame([{t("file"): e.name, t("kind"): ui.label(e.kind) if e.kind else "—",
                                t("size_bytes"): number(e.size), t("modified"): clock(e.modified),
                                t("scope_col"): t("scope_province") if e.scope is None else ", ".join(e.scope)}
                               for e in entries]), hide_index=True, width="stretch")
    withdrawn = upload.withdrawn_dir(source)
    scope = _scope()
    mine = [e.name for e in entries if upload.may_withdraw(source / e.name, scope)]
    name = st.selectbox(t("withdraw_pick", folder=str(withdrawn)), mine, index=None,
                        key="withdraw_pick", placeholder=t("choose"))
    if st.button(t("withdraw"), disabled=name is None, key="withdraw_button"):
        user = st.session_state.get("username") or ""
        try:
            target = upload.withdraw(name, source, withdrawn, db, user, scope=scope)
        except upload.UploadRefused as exc:
            st.error(md(str(exc)))
            return
        current = upload.current_as_of(db) or date.today()
        upload.start_refresh(source, db, current, user, f"withdraw: {name}")
        st.session_state["upload_message"] = t("withdrawn", name=md(name), target=md(target))
        st.session_state.pop("withdraw_pick", None)
        st.rerun()


def _events(db) -> None:
    events = upload.recent_events(db)
    if not events:
        return
    st.subheader(t("events_title"))
    rows = []
    for event in events:
        facts = (event.get("files") or [{}])[0]
        rows.append({t("when"): clock(datetime.fromisoformat(str(event.get("started_at")))),
                     t("event"): t(f"event_{event['event']}"), t("user"): event.get("user", ""),
                     t("file"): facts.get("file", ""), t("size_bytes"): number(facts.get("size")),
                     "SHA-256": facts.get("sha256", "")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def render() -> None:
    if not auth.require("upload_page"):
        return
    st.title(t("upload_page"))
    db, source = data.warehouse_path(), upload.source_dir()
    if data.status() == "ok":
        st.caption(ui.stamp())
    limit_mb = max(1, math.ceil(upload.max_upload_bytes() / 1048576))
    st.caption(t("upload_where", source=str(source), limit=number(limit_mb), db=str(db)))
    if _scope() is not None:
        st.info(t("scope_caption", codes=md(", ".join(_scope()))))
    if st.session_state.get("upload_message"):
        st.success(st.session_state.pop("upload_message"))
    _status_panel(db)

    files = st.file_uploader(t("upload_drop"), type=["csv", "xlsx"], accept_multiple_files=True,
                             max_upload_size=limit_mb, key=f"uploader_{st.session_state.get('upload_round', 0)}")
    if files:
        st.caption(t("upload_nothing_yet"))
        st.header(t("report_title"))
        items = _reports(files, db)
        for i, (f, _name, report) in enumerate(items):
            with st.container(border=True):
                _show(i, f, report)
        _accept(items, source, db)
    _source_panel(source, db)
    _events(db)


render()
