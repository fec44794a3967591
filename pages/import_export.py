"""Import och export: staff export layers (exactly, with ``export_exact``; viewers their public face);
staff with ``import`` import them, the boundary only with ``manage_settings`` (`geo.rights`; checked in
geo/io.py too)."""

from __future__ import annotations

import streamlit as st

from geo import registry
from geo.io import (
    FORMATS,
    IMPORT_SUFFIXES,
    MAX_IMPORT_BYTES,
    MODES,
    ImportRefused,
    ImportResult,
    ImportSource,
    check_import_allowed,
    check_size,
    exact_export_allowed,
    export_layer,
    import_layer,
    preview,
    read_source,
    suggest_mapping,
)
from geo.model import MeetingPlaceKind, Role, ZoneKind
from geo.rights import Right, allowed
from pages._shared import language, needs, store, tr

t = tr()
lang = language()
db = store()

st.title(t("io.title"))
user = needs(Right.VIEW_STAFF)

CRS_CHOICES = {"4326": "WGS 84 (EPSG:4326)", "3006": "SWEREF 99 TM (EPSG:3006)"}
FILE_CRS_CHOICES = {
    "": "",
    "3006": "SWEREF 99 TM (EPSG:3006)",
    "4326": "WGS 84 (EPSG:4326)",
    "3008": "SWEREF 99 13 30 (EPSG:3008)",
    "3021": "RT90 2.5 gon V (EPSG:3021)",
}


def layer_name(layer: str) -> str:
    return t(f"io.layer.{layer}")


def _may_import(layer: str) -> bool:
    try:
        check_import_allowed(user, layer)
    except PermissionError:
        return False
    return True


# -- export ----------------------------------------------------------------------------------

st.header(t("io.export.title"))
left, middle, right = st.columns(3)
export_layer_choice = left.selectbox(
    t("io.export.layer"), registry.layer_names(), format_func=layer_name, key="io_export_layer"
)
export_format = middle.selectbox(t("io.export.format"), FORMATS, format_func=str.upper, key="io_export_format")
export_crs = right.selectbox(t("io.export.crs"), list(CRS_CHOICES), format_func=CRS_CHOICES.get, key="io_export_crs")
exact = exact_export_allowed(user) and st.toggle(
    t("io.export.exact"), value=True, key="io_export_exact", help=t("io.export.exact_help")
)
if st.button(t("io.export.make"), key="io_export_make"):
    st.session_state["io_export_file"] = export_layer(
        db, user if exact else Role.PUBLIC, export_layer_choice, export_format, crs=export_crs
    )
made = st.session_state.get("io_export_file")
if made is not None:
    st.caption(t("io.export.count", n=made.count, name=made.name))
    st.download_button(t("io.export.download"), made.data, file_name=made.name, mime=made.media_type)

# -- import (staff with the import right) ----------------------------------------------------

st.header(t("io.import.title"))
if not allowed(user, Right.IMPORT):
    st.info(t("io.import.admin_only"))
    st.stop()

max_mb = MAX_IMPORT_BYTES // 1024 // 1024
upload = st.file_uploader(
    t("io.import.file"),
    type=[s.lstrip(".") for s in IMPORT_SUFFIXES],
    key="io_upload",
    help=t("io.import.file_help"),
    max_upload_size=max_mb,
)
# Streamlit's own size line ("200MB per file") is English and hidden (pages/_shell.css): the limit here.
st.caption(t("io.import.size_limit", mb=max_mb))
left, right = st.columns(2)
importable = [name for name in registry.layer_names() if _may_import(name)]
layer = left.selectbox(t("io.import.layer"), importable, format_func=layer_name, key="io_import_layer")
file_crs = right.selectbox(
    t("io.import.crs"),
    list(FILE_CRS_CHOICES),
    format_func=lambda c: FILE_CRS_CHOICES[c] or t("io.import.crs_auto"),
    key="io_import_crs",
)
if upload is None:
    st.stop()

try:
    check_size(upload.size)
    source = ImportSource(upload.name, upload.getvalue())
    frame = read_source(source, crs=file_crs or None)
except ImportRefused as refused:
    st.error(refused.text(lang))
    st.stop()

columns = [str(c) for c in frame.columns if c != frame.geometry.name]
suggested = suggest_mapping(columns, layer)
st.subheader(t("io.import.mapping"))
mapping: dict[str, str | None] = {}
mapping_columns = st.columns(3)
for i, spec in enumerate(registry.get(layer).fields):
    options = ["", *columns]
    chosen = mapping_columns[i % 3].selectbox(
        spec.name + (" *" if spec.required else ""),
        options,
        index=options.index(suggested[spec.name] or ""),
        format_func=lambda c: c or t("io.import.unmapped"),
        key=f"io_map_{layer}_{spec.name}",
    )
    mapping[spec.name] = chosen or None

default_kind = None
if layer in ("zones", "meeting_places"):
    kinds, kind_key = (ZoneKind, "zone_kind") if layer == "zones" else (MeetingPlaceKind, "meeting_place_kind")
    default_kind = st.selectbox(
        t("io.import.kind"),
        [k.value for k in kinds],
        format_func=lambda code: t(f"{kind_key}.{code}"),
        key=f"io_import_kind_{layer}",
    )
repair = st.checkbox(t("io.import.repair"), value=True, key="io_import_repair")
modes = MODES if layer != "reports" else ("append",)  # reports are only ever added to
mode_column, key_column = st.columns(2)
mode = mode_column.selectbox(t("io.import.mode"), modes, format_func=lambda m: t(f"io.mode.{m}"), key="io_import_mode")
key = None
if mode == "update":
    key_options = sorted(columns, key=lambda c: c.lower() != "id")  # id first: staff exports carry it
    key = key_column.selectbox(t("io.import.key"), key_options, key=f"io_import_key_{layer}")

st.subheader(t("io.import.preview"))
st.caption(t("io.import.rows", n=len(frame)))
st.dataframe(preview(frame, layer, mapping), hide_index=True)


def show_plan(result: ImportResult, done: bool) -> None:
    """What the import added, changed and removed, or would on a check."""
    counts = {"added": len(result.added), "changed": len(result.changed), "removed": len(result.removed)}
    if done and result.mode == "append":
        st.success(t("io.import.done", n=result.count, layer=layer_name(layer)))
    elif done:
        st.success(t("io.import.done_plan", layer=layer_name(layer), **counts))
    else:
        st.info(t("io.import.plan", **counts))
    if layer == "reports":
        return
    for key, names in (
        ("io.import.plan_added", result.added),
        ("io.import.plan_changed", result.changed),
        ("io.import.plan_removed", result.removed),
    ):
        if names:
            st.caption(t(key, names=", ".join(names)))


def run_import(dry_run: bool) -> None:
    bar = st.progress(0.0)
    try:
        result = import_layer(
            db,
            user,
            source,
            layer,
            crs=file_crs or None,
            mapping=mapping,
            default_kind=default_kind,
            repair=repair,
            dry_run=dry_run,
            mode=mode,
            key=key,
            progress=lambda fraction, stage: bar.progress(fraction, text=t(stage)),
        )
    except ImportRefused as refused:
        bar.empty()  # the bar stopped where the check found the problems: the message says the rest
        st.error(refused.text(lang))
    else:
        show_plan(result, done=not dry_run)
        if result.repaired:
            st.warning("\n".join(problem.text(lang) for problem in result.repaired))


check_column, import_column = st.columns(2)
if check_column.button(t("io.import.check"), key="io_import_check"):
    run_import(dry_run=True)
if import_column.button(t("io.import.button"), type="primary", key="io_import_button"):
    run_import(dry_run=False)
