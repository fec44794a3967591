"""Benchmark floor of Statistik (issue #18): its filters, key figures, tabs and the first tab's two
charts with their tables, drawn from fixed data: no counting, no app shell. Served by the bench
(`benchmarks.interactions`); not part of the app."""

import pandas as pd
import streamlit as st

FEELINGS = {"otrygg": "Otrygg", "trygg": "Trygg"}
with st.sidebar:
    st.subheader("Filter")
    st.multiselect("Kategori", [f"Kategori {n}" for n in range(12)], key="cat", placeholder="Alla")
    st.multiselect("Upplevelse", list(FEELINGS), format_func=FEELINGS.get, key="feeling", placeholder="Alla")
    st.multiselect("Tid på dygnet", ["Morgon", "Dag", "Kväll", "Natt"], key="tod", placeholder="Alla")
    st.multiselect("Status", ["Ny", "Pågår", "Åtgärdad"], key="status", placeholder="Alla")
    st.selectbox("Område", ["Alla områden", "Centrum", "Strömsnäsbruk", "Timsfors"], key="zone")
    st.date_input("Från", value=None, key="from")
    st.date_input("Till", value=None, key="to")
scale = 0.4 if st.session_state.get("feeling") == ["trygg"] else 1.0
st.title("Statistik")
st.caption("1 december 2025 – 30 november 2026, jämfört med perioden innan.")
st.caption("Bara publicerade rapporter; antal under 5 visas som färre än 5.")
figures = [("Rapporter", f"{int(100_000 * scale):,}"), ("Andel otrygg", "61 %"), ("Förändring", "+4 %")]
for column, (name, value) in zip(st.columns(3), figures, strict=True):
    with column:
        st.metric(name, value)
        st.caption("mot perioden innan")
tabs = st.tabs(["Över tid", "Vad och när", "Var", "Ärenden"], key="tab", on_change="rerun")
months = pd.DataFrame(
    {
        "Månad": [f"2026-{m:02d}" for m in range(1, 13)] * 2,
        "Upplevelse": ["Otrygg"] * 12 + ["Trygg"] * 12,
        "Rapporter": [int((300 + 17 * m) * scale) for m in range(24)],
    }
)
spec = {
    "mark": "bar",
    "encoding": {
        "x": {"field": "Månad", "type": "ordinal"},
        "y": {"field": "Rapporter", "type": "quantitative"},
        "color": {"field": "Upplevelse", "type": "nominal"},
    },
}
table = months.pivot(index="Månad", columns="Upplevelse", values="Rapporter").reset_index()
with tabs[0]:
    for title in ("Rapporter per månad", "Den här perioden mot förra"):
        st.subheader(title)
        st.write("Flest rapporter kom i december; otrygga fler än trygga varje månad.")
        left, right = st.columns([3, 2])
        with left:
            st.vega_lite_chart(months, spec, width="stretch")
        with right:
            st.table(table, hide_index=True)
