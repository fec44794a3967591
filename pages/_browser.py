"""Two small browser components of our own, served by the app itself (Streamlit's
``st.components.v2``: inline JavaScript, no build step, nothing from another host). Not a page.

- `locate_button`: "use my location", the browser's geolocation API; the position (or why
  there is none) goes to this app only, as the component's value.
- `reference_code`: the reference code shown large, a copy button that is always visible
  (touch screens have no hover), labelled in the reader's language; focus moves to the code
  when it first appears, so keyboard and screen-reader users land on it after sending.

Their texts come from the catalogue through ``data``; JavaScript sets them as text, never HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

_BUTTON_CSS = """
button {
  font: inherit; color: inherit; background: #fff; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, 0.35); border-radius: 0.5rem;
  min-height: 2.75rem; padding: 0.375rem 0.875rem; margin: 0;
}
button:hover { border-color: #d33a2c; color: #a3231a; }
button:focus-visible { outline: 3px solid #1c4e9c; outline-offset: 2px; }
button[disabled] { opacity: 0.7; cursor: progress; }
"""

_LOCATE_JS = """
let scrolled = null;
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    parentElement.appendChild(button);
  }
  button.textContent = "\\u{1F4CD} " + data.label;
  if (data.scroll && data.scroll !== scrolled) {  // the pin moved far: bring the map into view
    scrolled = data.scroll;
    setTimeout(() => {
      const map = document.querySelector('iframe[src*="streamlit_folium"]');
      if (map) map.scrollIntoView({ block: "center", behavior: "smooth" });
    }, 300);
  }
  button.onclick = () => {
    if (!window.isSecureContext || !navigator.geolocation) {
      setTriggerValue("position", { error: "unsupported" });
      return;
    }
    button.disabled = true;
    button.textContent = data.busy;
    const done = (value) => {
      button.disabled = false;
      button.textContent = "\\u{1F4CD} " + data.label;
      setTriggerValue("position", value);
    };
    navigator.geolocation.getCurrentPosition(
      (p) => done({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
      (e) => done({ error: e.code === 1 ? "denied" : e.code === 3 ? "timeout" : "unavailable" }),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  };
}
"""

_CODE_CSS = (
    _BUTTON_CSS
    + """
.box { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; }
output {
  font: 600 1.75rem/1.2 ui-monospace, "DejaVu Sans Mono", monospace; letter-spacing: 0.12em;
  direction: ltr; unicode-bidi: isolate; padding: 0.375rem 0.75rem; border-radius: 0.5rem;
  background: #f0f2f6; color: #1f2430;
}
output:focus-visible { outline: 3px solid #1c4e9c; outline-offset: 2px; }
.done { color: #1e6b34; font-weight: 600; }
"""
)

_CODE_JS = """
let focused = null;
export default function (component) {
  const { data, parentElement } = component;
  let box = parentElement.querySelector(".box");
  if (!box) {
    box = document.createElement("div");
    box.className = "box";
    box.append(document.createElement("output"), document.createElement("button"), document.createElement("span"));
    parentElement.appendChild(box);
  }
  const [code, button, done] = box.children;
  code.textContent = data.code;
  code.setAttribute("aria-label", data.label + ": " + data.code.split("").join(" "));
  code.tabIndex = -1;
  button.type = "button";
  button.textContent = data.copy;
  done.className = "done";
  done.setAttribute("role", "status");
  const copied = () => { done.textContent = data.copied; };
  button.onclick = () => {
    const fallback = () => {
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { if (document.execCommand("copy")) { copied(); return; } } catch (e) {}
      done.textContent = data.select;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(data.code).then(copied, fallback);
    } else {
      fallback();
    }
  };
  if (focused !== data.code) {
    focused = data.code;
    setTimeout(() => { code.focus(); code.scrollIntoView({ block: "center" }); }, 50);
  }
}
"""

_locate = st.components.v2.component("trygg_locate", css=_BUTTON_CSS, js=_LOCATE_JS)
_code = st.components.v2.component("trygg_reference_code", css=_CODE_CSS, js=_CODE_JS)


def locate_button(*, label: str, busy: str, key: str, on_position: Callable[[], None], scroll: int = 0) -> None:
    """A "use my location" button; ``on_position`` runs when the browser has answered, before
    the page is drawn again, and reads the answer with `position_of`.

    A new ``scroll`` number scrolls the page's map into view (after the pin jumped to a
    position or a place found by name, which on a phone is below the fold)."""
    data = {"label": label, "busy": busy, "scroll": scroll}
    _locate(key=key, data=data, on_position_change=on_position)


def position_of(key: str) -> dict[str, Any] | None:
    """The browser's last answer to the `locate_button` of ``key``: ``{"lat", "lon",
    "accuracy"}`` (EPSG:4326 degrees, metres) or ``{"error": kind}`` with kind ``denied``,
    ``unavailable``, ``timeout`` or ``unsupported``; None before any."""
    state = st.session_state.get(key)
    value = state.get("position") if hasattr(state, "get") else getattr(state, "position", None)
    return dict(value) if isinstance(value, dict) else None


def reference_code(code: str, *, label: str, copy: str, copied: str, select: str, key: str) -> None:
    """The reference code with a copy button; focus moves to the code when it first shows."""
    _code(key=key, data={"code": code, "label": label, "copy": copy, "copied": copied, "select": select})
