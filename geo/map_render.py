"""How folium's elements become the map page's text: rendered once, and never read as a template again.

branca (folium's base, 0.8.2) renders each element's header, html and script from its Jinja
template, and then wraps the rendered text in a plain ``Element(text)``, which compiles that text
as a Jinja template again and renders it a second time. Any ``{{`` or ``{%`` in data the text
carries (a report's free text in its popup, a meeting place's or a zone's name in a tooltip) was
therefore run as Jinja on the server: ``{{ 7*7 }}`` came out as ``49``, and a lone ``{{`` raised
``TemplateSyntaxError``, so one resident's report took Karta down for everyone. Compiling every
element's output again was also the larger part of building a map with many markers.

`install` (called by `geo.mapview`, through which every map of the app is made) replaces
``MacroElement.render`` with the same steps, keeping the rendered text as it is (`RenderedText`).
"""

from __future__ import annotations

from typing import Any

from branca.element import Element, Figure, MacroElement

PARTS = ("header", "html", "script")
"""The macros a folium element's template may define, each added to the page part of that name."""


class RenderedText(Element):
    """Text a template has made: rendered as it is, never compiled again."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def render_macro_element(element: MacroElement, **kwargs: Any) -> None:
    """What ``MacroElement.render`` does (each macro of the element's template rendered into the
    figure's part of its name, then its children rendered), with the rendered text kept as text."""
    figure = element.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("an element can be rendered only inside a Figure (a folium map's root)")
    macros = element._template.module.__dict__
    for part in PARTS:
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(RenderedText(macro(element, kwargs)), name=element.get_name())
    for child in list(element._children.values()):
        child.render(**kwargs)


def install() -> None:
    """Make every folium element render through `render_macro_element` (idempotent)."""
    MacroElement.render = render_macro_element  # type: ignore[method-assign]
