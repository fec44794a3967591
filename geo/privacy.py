"""Privacy helpers (DESIGN §3): scrub personal data from free text, coarsen public locations.

`scrub_text` replaces Swedish personnummer and samordningsnummer (Luhn-checked), phone
numbers and e-mail addresses in a report's free text with `REDACTED`. It reports only
the *kinds* it removed, never the values, so nothing personal survives the call.

`coarsen_points` snaps WGS84 (EPSG:4326) longitude/latitude to the centre of a square
grid cell of at least `PUBLIC_GRID_M` metres laid out in SWEREF 99 TM (EPSG:3006), the
location the public may see.

Pure Python plus numpy/pyproj; no UI imports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from geo.crs import to_sweref99tm, to_wgs84

REDACTED = "[borttaget]"
"""Placeholder that replaces removed personal data ("removed")."""

PUBLIC_GRID_M = 50.0
"""Smallest grid cell, in metres, for locations shown to the public (DESIGN §3)."""

KIND_PERSONNUMMER = "personnummer"
KIND_SAMORDNINGSNUMMER = "samordningsnummer"
KIND_PHONE = "phone"
KIND_EMAIL = "email"
KINDS: tuple[str, ...] = (KIND_PERSONNUMMER, KIND_SAMORDNINGSNUMMER, KIND_PHONE, KIND_EMAIL)
"""Every kind `scrub_text` can report, in the order it reports them."""

MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """Scrubbed text and the kinds of personal data removed from it (never the values)."""

    text: str
    removed: tuple[str, ...] = ()


# --- patterns (compiled once) -------------------------------------------------------

_SEP = "[ \u00a0\\-\u2013]"
"""Separators inside a phone number: space, no-break space, hyphen, en dash."""

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])"  # start of a token, so the scan stays linear
    r"[\w%+-]+(?:\.[\w%+-]+)*"  # local part, dots only between characters
    r"(?:@|\s?[(\[]at[)\]]\s?)"  # @, or the common "(at)" / "[at]" disguise
    r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*"  # domain labels
    r"\.[^\W\d_]{2,}"  # top-level domain: letters only, so a trailing "." is not eaten
    r"(?![\w-])",
    re.IGNORECASE,
)

_PNR_RE = re.compile(
    r"(?<![\w+])"
    r"(?:(?P<century>18|19|20)(?P<date12>\d{6})|(?P<date10>\d{6}))"
    r"(?P<sep>[-+\u2013 ]?)"
    r"(?P<serial>\d{4})"
    r"(?![\w+])"
)

_PHONE_INTL_RE = re.compile(
    r"(?<![\w+])"
    rf"(?:\+|00)[1-9]\d{{0,2}}{_SEP}?"  # +46 / 0046
    rf"(?:\(0\){_SEP}?)?"  # +46 (0)70
    rf"\d{{1,4}}(?:{_SEP}?\d{{1,4}}){{1,6}}"
    r"(?![\w])"
)

_PHONE_NATIONAL_RE = re.compile(
    r"(?<![\w+])"
    rf"(?:\(0[1-9]\d{{0,3}}\){_SEP}?"  # (08) 123 45 67
    rf"|\(0\){_SEP}?[1-9]\d{{0,3}}(?:{_SEP}|/)?"  # (0)70-123 45 67
    rf"|0[1-9]\d{{0,3}}(?:{_SEP}|/)?)"  # 070-, 08-, 0470 , 046/
    rf"\d{{1,4}}(?:{_SEP}?\d{{1,4}}){{0,4}}"
    r"(?![\w])"
)

_DIGIT_RE = re.compile(r"\d")
_SEP_RUN_RE = re.compile(rf"(?:{_SEP}|/)+")

_NOT_PHONE_RES = (
    # 14-03-2025, 01/02/2025, 01 02 2025: a date written day first.
    re.compile(r"(?:0[1-9]|[12]\d|3[01])[-/ .\u2013](?:0[1-9]|1[0-2])[-/ .\u2013](?:19|20)\d\d"),
    # 050505-1234: shaped like a personnummer (failed its check above), not like a phone number.
    re.compile(r"\d{6}[-+\u2013]\d{4}"),
    # 0800-1600: opening hours.
    re.compile(r"(?:[01]\d|2[0-3])[0-5]\d ?[-\u2013] ?(?:[01]\d|2[0-3])[0-5]\d"),
)
_AMOUNT_GROUPS_RE = re.compile(r"\d{3}(?:[ \u00a0]\d{3})+")
_AFTER_DIGIT_AND_SPACE_RE = re.compile(r"\d[ \u00a0]$")

_NATIONAL_DIGITS = (8, 10)
"""Swedish numbers: trunk 0, area code and subscriber number, 8 to 10 digits in all."""
_INTL_DIGITS = (8, 15)
"""International numbers: country code and number, 8 to 15 digits (E.164 allows 15)."""


# --- personnummer ---------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """Return whether `digits` (ASCII digits only) passes the Luhn check.

    For a personnummer the check runs over the 10-digit form YYMMDDNNNN. Any other
    character, or an empty string, gives ``False``.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _identity_kind(date6: str, serial: str) -> str | None:
    """Kind of identity number YYMMDD + NNNN is, or ``None`` if it is not one."""
    month = int(date6[2:4])
    day = int(date6[4:6])
    if not 1 <= month <= 12:
        return None
    if 1 <= day <= 31:
        kind = KIND_PERSONNUMMER
    elif 61 <= day <= 91:
        kind = KIND_SAMORDNINGSNUMMER
    else:
        return None
    return kind if luhn_valid(date6 + serial) else None


# --- scrubbing --------------------------------------------------------------------------


def _scrub_emails(text: str, found: set[str]) -> str:
    def replace(m: re.Match[str]) -> str:
        found.add(KIND_EMAIL)
        return REDACTED

    return _EMAIL_RE.sub(replace, text)


def _scrub_identity_numbers(text: str, found: set[str]) -> str:
    def replace(m: re.Match[str]) -> str:
        kind = _identity_kind(m["date12"] or m["date10"], m["serial"])
        if kind is None:
            return m[0]
        found.add(kind)
        return REDACTED

    return _PNR_RE.sub(replace, text)


def _count_digits(s: str) -> int:
    return len(_DIGIT_RE.findall(s))


def _phone_digits(candidate: str, international: bool) -> int:
    """Digits that make up the number: without "00" before a country code or a "(0)"."""
    s = candidate.replace("(0)", "")
    if international and s.startswith("00"):
        s = s[2:]
    return _count_digits(s)


def _phone_replacer(found: set[str], international: bool) -> Callable[[re.Match[str]], str]:
    low, high = _INTL_DIGITS if international else _NATIONAL_DIGITS

    def replace(m: re.Match[str]) -> str:
        candidate = m[0]
        if any(r.fullmatch(candidate) for r in _NOT_PHONE_RES):
            return candidate
        if (
            not international
            and _AMOUNT_GROUPS_RE.fullmatch(candidate)
            and _AFTER_DIGIT_AND_SPACE_RE.search(m.string, 0, m.start())
        ):
            return candidate  # "1 050 000 000 kr": thousands groups of an amount
        # The pattern is greedy and may have swallowed a number that follows; keep the
        # longest prefix ending before a separator that is still a plausible phone number.
        cuts = [sep.start() for sep in _SEP_RUN_RE.finditer(candidate)]
        for end in [len(candidate), *reversed(cuts)]:
            head = candidate[:end]
            n = _phone_digits(head, international)
            if n < low:
                break
            if n <= high:
                found.add(KIND_PHONE)
                return REDACTED + candidate[end:]
        return candidate

    return replace


def _scrub_phones(text: str, found: set[str]) -> str:
    text = _PHONE_INTL_RE.sub(_phone_replacer(found, international=True), text)
    return _PHONE_NATIONAL_RE.sub(_phone_replacer(found, international=False), text)


def _scrub_once(text: str, found: set[str]) -> str:
    # E-mail first, so digits inside an address go with it; identity numbers before
    # phone numbers, so a Luhn-valid YYMMDDNNNN is reported as what it most likely is.
    text = _scrub_emails(text, found)
    text = _scrub_identity_numbers(text, found)
    return _scrub_phones(text, found)


def scrub_text(text: str) -> ScrubResult:
    """Replace personal data in free text with `REDACTED` (DESIGN §3).

    Removed:

    * personnummer and samordningsnummer (day + 60), as YYMMDD-NNNN, YYMMDD+NNNN
      (over 100 years old), YYMMDD NNNN, YYMMDDNNNN, YYYYMMDD-NNNN or YYYYMMDDNNNN,
      only when month and day are plausible and the Luhn check over the 10-digit form
      passes, so an arbitrary 10-digit number stays;
    * phone numbers: Swedish (070-123 45 67, 08-123 456 78, 0470-12 34 56,
      (08) 123 45 67, +46 (0)70 ...; 8 to 10 digits with the leading 0) and
      international (+ or 00, then 8 to 15 digits, spaces or dashes between groups);
    * e-mail addresses, also disguised as ``name(at)example.se``.

    Dates, years, times, postal codes, amounts, house numbers, bus lines and other
    counts stay. The result's ``removed`` lists the kinds removed, in the order of
    `KINDS`, never the values. Scrubbing is idempotent, and any ``str`` is accepted.
    """
    found: set[str] = set()
    # Each pass removes digits or an "@" and adds neither, so this ends; running to a
    # fixed point makes scrub_text(scrub_text(t).text) == scrub_text(t) by construction.
    while True:
        scrubbed = _scrub_once(text, found)
        if scrubbed == text:
            break
        text = scrubbed
    return ScrubResult(text=text, removed=tuple(kind for kind in KINDS if kind in found))


def show_redactions(text: str, marker: str) -> str:
    """``text`` as stored (personal data replaced by `REDACTED`) with each replacement shown as
    ``marker``, the reader's word for it: the stored text keeps one marker whatever the language."""
    return text.replace(REDACTED, marker)


def is_valid_email(value: str) -> bool:
    """Practical check for an address typed into the report form.

    Exactly one ``@`` with something before it, no whitespace, at most 254 characters,
    and a domain with a dot, no empty labels and a top-level part of 2+ characters.
    """
    if not value or len(value) > MAX_EMAIL_LENGTH or any(ch.isspace() for ch in value):
        return False
    local, at, domain = value.partition("@")
    if not at or not local or "@" in domain or "." not in domain:
        return False
    labels = domain.split(".")
    return all(labels) and len(labels[-1]) >= 2 and not any(lab.startswith("-") or lab.endswith("-") for lab in labels)


# --- locations ---------------------------------------------------------------------------


def coarsen_points(lon: np.ndarray, lat: np.ndarray, cell_m: float = PUBLIC_GRID_M) -> tuple[np.ndarray, np.ndarray]:
    """Snap points to the centre of their grid cell, for showing to the public.

    `lon`/`lat` are WGS84 (EPSG:4326) degrees. The grid is square, `cell_m` metres on a
    side, aligned to the origin of SWEREF 99 TM (EPSG:3006); each point moves to its
    cell's centre there, at most ``cell_m * sqrt(2) / 2`` metres, and is returned as
    EPSG:4326 ``(lon, lat)`` float arrays of the input's shape. Points in the same cell
    get identical coordinates. NaN stays NaN.

    Raises ``ValueError`` if `cell_m` is below `PUBLIC_GRID_M` (50 m, DESIGN §3) or not
    finite, or if `lon` and `lat` differ in shape.
    """
    if not (math.isfinite(cell_m) and cell_m >= PUBLIC_GRID_M):
        raise ValueError(f"cell_m must be a finite number of at least {PUBLIC_GRID_M:g} metres, got {cell_m!r}")
    lon_arr = np.asarray(lon, dtype=float)
    lat_arr = np.asarray(lat, dtype=float)
    if lon_arr.shape != lat_arr.shape:
        raise ValueError(f"lon and lat must have the same shape, got {lon_arr.shape} and {lat_arr.shape}")
    x, y = to_sweref99tm().transform(lon_arr, lat_arr)
    x = (np.floor(np.asarray(x) / cell_m) + 0.5) * cell_m
    y = (np.floor(np.asarray(y) / cell_m) + 0.5) * cell_m
    out_lon, out_lat = to_wgs84().transform(x, y)
    shape = lon_arr.shape
    return np.asarray(out_lon, dtype=float).reshape(shape), np.asarray(out_lat, dtype=float).reshape(shape)
