"""Benchmark floor of Mötesplatser's finder (issue #19): its filters, "near me", the count, a small
map of 20 numbered places and a list of 20 cards, drawn from fixed data in a fragment as the
finder is: no opening hours, no distances, no app shell. Served by the bench
(`benchmarks.places`); not part of the app."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.assets import LIGHT_MAP_DROP, localize

WHEN = {"any": "Alla tider", "now": "Öppet nu", "today": "Öppet i dag", "week": "Den här veckan"}
COUNT = {"any": 1000, "now": 198, "today": 412, "week": 898}
NAMES = [f"Mötesplats {n:04d} · Mötesplats · Markaryd" for n in range(1_100)]
CARD = (
    "<article><h3>{n}. Mötesplats {n:04d}</h3><p>Språkcafé · 350 m · Storgatan {n}, Markaryd</p>"
    "<p><strong>Öppet nu</strong>, till 19:00. I dag 10:00–19:00</p><p>Språk: svenska, arabiska, "
    "somaliska</p><p>Rullstol: ja · Gratis</p><details><summary>Mer om platsen</summary><p>Vi pratar "
    "svenska tillsammans över en kopp kaffe. Alla är välkomna, ingen anmälan.</p></details></article>"
)

st.title("Mötesplatser")
st.caption("Hitta ett ställe att träffa andra: se vad som är öppet nu, nära dig, på ditt språk.")


@st.fragment
def finder() -> None:
    when = st.radio("När", list(WHEN), format_func=WHEN.get, horizontal=True, key="when")
    st.multiselect("Språk som talas", ["sv", "ar", "so", "ti", "fa", "uk", "en"], key="languages")
    with st.expander("Fler val: för vem, slag, avgift, rullstol"):
        st.multiselect("För vem", ["Alla", "Unga", "Kvinnor", "Familjer"], key="audience")
        st.multiselect("Slag", ["Språkcafé", "Läxhjälp", "Fritidsgård", "Bibliotek"], key="kinds")
        st.checkbox("Gratis", key="free")
        st.checkbox("Rullstolsanpassat", key="wheelchair")
    st.subheader("Nära mig")
    st.button("📍 Använd min plats")
    st.selectbox("Eller sök en plats", range(len(NAMES)), format_func=NAMES.__getitem__, index=None, key="search")
    st.caption("Du kan också trycka på kartan där du är. Din plats sparas inte.")
    st.subheader(f"Mötesplatser ({COUNT[when]})")
    shift = list(WHEN).index(when)
    m = folium.Map(location=[56.462, 13.598], zoom_start=13, tiles=None)
    group = folium.FeatureGroup(name="places")
    for n in range(20):
        at = [56.462 + 0.002 * ((n + shift) % 20 - 10), 13.598 + 0.003 * (n % 7 - 3)]
        folium.CircleMarker(at, radius=9, tooltip=f"{n + 1}. Mötesplats").add_to(group)
    localize(m, drop=LIGHT_MAP_DROP)
    localize(group, drop=LIGHT_MAP_DROP)
    st_folium(m, key="map", feature_group_to_add=[group], returned_objects=["last_clicked"], height=300)
    st.html("".join(CARD.format(n=n + shift) for n in range(1, 21)))


finder()
