"""Tests for `geo.privacy`: scrubbing personal data from free text, coarsening locations.

Personnummer here are made up: a date and a serial with the Luhn check digit computed
by `_with_check_digit` (independently of the code under test), plus Skatteverket's
published test number 121212-1212.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np
import pytest
from pyproj import Transformer

from geo.model import SWEREF99TM, WGS84
from geo.privacy import (
    KIND_EMAIL,
    KIND_PERSONNUMMER,
    KIND_PHONE,
    KIND_SAMORDNINGSNUMMER,
    KINDS,
    PUBLIC_GRID_M,
    REDACTED,
    ScrubResult,
    coarsen_points,
    is_valid_email,
    luhn_valid,
    scrub_text,
)

R = REDACTED


def _check_digit(nine: str) -> str:
    """Luhn check digit for the first nine digits of YYMMDDNNN (weights 2,1,2,1,...)."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


def _with_check_digit(yymmdd: str, serial3: str) -> str:
    """A 10-digit identity number YYMMDDNNNC with a valid check digit C."""
    nine = yymmdd + serial3
    return nine + _check_digit(nine)


def _broken(ten: str) -> str:
    """The same number with a wrong check digit."""
    return ten[:-1] + str((int(ten[-1]) + 1) % 10)


# Made-up numbers (valid check digit) and their broken twins.
PNR = _with_check_digit("811218", "987")  # 18 December 1981
PNR_BAD = _broken(PNR)
PNR_2005 = _with_check_digit("050505", "123")  # born 2005: starts with 0 like a phone number
PNR_2005_BAD = _broken(PNR_2005)
SAMORD = _with_check_digit("811278", "987")  # samordningsnummer: day 18 + 60
SAMORD_BAD = _broken(SAMORD)
SKV_TEST = "1212121212"  # Skatteverket's test number 121212-1212
BAD_MONTH = _with_check_digit("811318", "987")  # month 13, check digit valid
BAD_DAY = _with_check_digit("811232", "987")  # day 32
DAY_ZERO = _with_check_digit("811200", "987")  # day 00
BAD_SAMORD_DAY = _with_check_digit("811292", "987")  # day 92 (32 + 60)


def _dash(ten: str, sep: str = "-") -> str:
    return f"{ten[:6]}{sep}{ten[6:]}"


def test_made_up_numbers_are_what_they_claim() -> None:
    assert luhn_valid(PNR) and luhn_valid(PNR_2005) and luhn_valid(SAMORD) and luhn_valid(SKV_TEST)
    assert not luhn_valid(PNR_BAD) and not luhn_valid(PNR_2005_BAD) and not luhn_valid(SAMORD_BAD)
    assert luhn_valid(BAD_MONTH) and luhn_valid(BAD_DAY) and luhn_valid(DAY_ZERO) and luhn_valid(BAD_SAMORD_DAY)


IDENTITY_CASES = [
    # --- removed: valid personnummer, every form
    pytest.param(f"Mitt pnr är {_dash(PNR)}.", f"Mitt pnr är {R}.", id="pnr-10-dash"),
    pytest.param(f"Mitt pnr är {PNR}, ring inte.", f"Mitt pnr är {R}, ring inte.", id="pnr-10-plain"),
    pytest.param(f"pnr {_dash(PNR, ' ')} tack", f"pnr {R} tack", id="pnr-10-space"),
    pytest.param(f"pnr {_dash(PNR, '–')} tack", f"pnr {R} tack", id="pnr-10-en-dash"),
    pytest.param(f"Född 19{_dash(PNR)} i Växjö", f"Född {R} i Växjö", id="pnr-12-dash"),
    pytest.param(f"Född 19{PNR} i Växjö", f"Född {R} i Växjö", id="pnr-12-plain"),
    pytest.param(f"Han är {_dash(SKV_TEST, '+')} och pigg", f"Han är {R} och pigg", id="pnr-10-plus-over-100"),
    pytest.param("Testperson 19121212-1212 bor här", f"Testperson {R} bor här", id="pnr-skatteverket-test-12"),
    pytest.param(f"Dottern {_dash(PNR_2005)} var med", f"Dottern {R} var med", id="pnr-born-2005-dash"),
    pytest.param(f"Dottern 20{PNR_2005} var med", f"Dottern {R} var med", id="pnr-born-2005-12"),
    pytest.param(f"({_dash(PNR)})", f"({R})", id="pnr-in-parentheses"),
    # --- removed: samordningsnummer (day + 60)
    pytest.param(f"Samordningsnr {_dash(SAMORD)}!", f"Samordningsnr {R}!", id="samord-10-dash"),
    pytest.param(f"Samordningsnr {SAMORD}", f"Samordningsnr {R}", id="samord-10-plain"),
    pytest.param(f"Samordningsnr 19{_dash(SAMORD)}", f"Samordningsnr {R}", id="samord-12-dash"),
    # --- kept: check digit wrong (a random 10-digit number is not a personnummer)
    pytest.param(f"Ärende {_dash(PNR_BAD)} stängt", f"Ärende {_dash(PNR_BAD)} stängt", id="keep-luhn-fail-10-dash"),
    pytest.param(f"Ordernummer {PNR_BAD}", f"Ordernummer {PNR_BAD}", id="keep-luhn-fail-10-plain"),
    pytest.param(f"Nr 19{_dash(PNR_BAD)}", f"Nr 19{_dash(PNR_BAD)}", id="keep-luhn-fail-12-dash"),
    pytest.param(f"Nr 19{PNR_BAD}", f"Nr 19{PNR_BAD}", id="keep-luhn-fail-12-plain"),
    pytest.param(f"Nr {_dash(PNR_BAD, '+')}", f"Nr {_dash(PNR_BAD, '+')}", id="keep-luhn-fail-plus"),
    pytest.param(f"Nr {_dash(SAMORD_BAD)}", f"Nr {_dash(SAMORD_BAD)}", id="keep-luhn-fail-samord"),
    pytest.param(f"Nr {_dash(PNR_2005_BAD)}", f"Nr {_dash(PNR_2005_BAD)}", id="keep-luhn-fail-leading-zero-dash"),
    # --- kept: check digit fine but the date is impossible
    pytest.param(f"Kod {_dash(BAD_MONTH)}", f"Kod {_dash(BAD_MONTH)}", id="keep-month-13"),
    pytest.param(f"Kod {_dash(BAD_DAY)}", f"Kod {_dash(BAD_DAY)}", id="keep-day-32"),
    pytest.param(f"Kod {_dash(DAY_ZERO)}", f"Kod {_dash(DAY_ZERO)}", id="keep-day-00"),
    pytest.param(f"Kod {_dash(BAD_SAMORD_DAY)}", f"Kod {_dash(BAD_SAMORD_DAY)}", id="keep-day-92"),
    # --- kept: part of a longer number or a code
    pytest.param(f"Kod X{PNR}", f"Kod X{PNR}", id="keep-glued-to-letters"),
    pytest.param(f"Serienr 4{PNR}7", f"Serienr 4{PNR}7", id="keep-inside-longer-digit-run"),
]

PHONE_CASES = [
    pytest.param("Ring 070-123 45 67 efter kl. 18.", f"Ring {R} efter kl. 18.", id="mobile-dash-spaces"),
    pytest.param("Ring 0701234567 efter kl. 18.", f"Ring {R} efter kl. 18.", id="mobile-plain"),
    pytest.param("Ring 070 123 45 67, tack", f"Ring {R}, tack", id="mobile-spaces"),
    pytest.param("Ring 070-1234567", f"Ring {R}", id="mobile-dash-only"),
    pytest.param("Ring 070–123 45 67", f"Ring {R}", id="mobile-en-dash"),
    pytest.param("Växeln: 08-123 456 78.", f"Växeln: {R}.", id="stockholm"),
    pytest.param("Ring (08) 123 45 67 dagtid", f"Ring {R} dagtid", id="area-code-in-parentheses"),
    pytest.param("Tel 0470-12 34 56 (Växjö)", f"Tel {R} (Växjö)", id="landline-4-digit-area"),
    pytest.param("Tel 046-12 34 56 i Lund", f"Tel {R} i Lund", id="landline-3-digit-area"),
    pytest.param("Tel 0433/123 45", f"Tel {R}", id="landline-slash"),
    pytest.param("Sms:a +46 70 123 45 67!", f"Sms:a {R}!", id="plus46-spaces"),
    pytest.param("Sms:a +46701234567!", f"Sms:a {R}!", id="plus46-plain"),
    pytest.param("Ring 0046 70 123 45 67", f"Ring {R}", id="0046-spaces"),
    pytest.param("Ring +46 (0)70-123 45 67", f"Ring {R}", id="plus46-with-(0)"),
    pytest.param("Ring (0)70-123 45 67", f"Ring {R}", id="(0)-without-country-code"),
    pytest.param("Ring +46 8 123 456 78", f"Ring {R}", id="plus46-stockholm"),
    pytest.param("Min engelska kollega: +44 20 7946 0958.", f"Min engelska kollega: {R}.", id="intl-plus44"),
    pytest.param("Tyska numret 0049 30 1234567", f"Tyska numret {R}", id="intl-0049"),
    pytest.param("Ring +1-202-555-0143", f"Ring {R}", id="intl-dashes"),
    pytest.param("tel:+46701234567", f"tel:{R}", id="tel-uri"),
    pytest.param("(070-123 45 67)", f"({R})", id="in-parentheses"),
    pytest.param("070-123 45 67 eller 0709-87 65 43", f"{R} eller {R}", id="two-numbers"),
    pytest.param("ring 070-123 45 67 12 gånger", f"ring {R} 12 gånger", id="count-after-number-kept"),
]

EMAIL_CASES = [
    pytest.param("Mejla mig på anna.svensson@example.se, tack!", f"Mejla mig på {R}, tack!", id="email-comma"),
    pytest.param("Kontakt: ANNA.SVENSSON@EXAMPLE.SE.", f"Kontakt: {R}.", id="email-uppercase-full-stop"),
    pytest.param("Skriv till anna+trygg@mail.kommun.example.se!", f"Skriv till {R}!", id="email-plus-subdomains"),
    pytest.param("Mejl: åsa.öberg@exempel.se", f"Mejl: {R}", id="email-aao-local-part"),
    pytest.param("(per_olsson-2@example.com)", f"({R})", id="email-in-parentheses"),
    pytest.param("Mejla anna(at)example.se", f"Mejla {R}", id="email-(at)-disguise"),
    pytest.param("Svara på olle@example.se? Eller olle2@example.se.", f"Svara på {R}? Eller {R}.", id="email-two"),
    pytest.param("Följ @markarydskommun", "Följ @markarydskommun", id="keep-handle"),
    pytest.param("Möt mig @ torget kl 18", "Möt mig @ torget kl 18", id="keep-lone-at"),
]

KEEP_CASES = [
    pytest.param("Det hände 2025-03-14 på kvällen", "Det hände 2025-03-14 på kvällen", id="keep-iso-date"),
    pytest.param("Det hände 14/3 och 14 mars 2025", "Det hände 14/3 och 14 mars 2025", id="keep-date-words"),
    pytest.param("Det hände 14.3.2025", "Det hände 14.3.2025", id="keep-date-dots"),
    pytest.param("Sedan 01-02-2025 är lampan trasig", "Sedan 01-02-2025 är lampan trasig", id="keep-day-first-date"),
    pytest.param("Sedan 20250314", "Sedan 20250314", id="keep-compact-date"),
    pytest.param("Sedan år 2024 har det varit mörkt", "Sedan år 2024 har det varit mörkt", id="keep-year"),
    pytest.param("Klockan 22:30 och kl. 22.30", "Klockan 22:30 och kl. 22.30", id="keep-times"),
    pytest.param("kl 07.30–08.15 varje dag", "kl 07.30–08.15 varje dag", id="keep-time-range"),
    pytest.param("Öppet 0800-1600", "Öppet 0800-1600", id="keep-opening-hours"),
    pytest.param("Storgatan 12, 285 31 Markaryd", "Storgatan 12, 285 31 Markaryd", id="keep-address-postcode"),
    pytest.param("Postnummer 28531", "Postnummer 28531", id="keep-postcode-compact"),
    pytest.param("Järnvägsgatan 4B", "Järnvägsgatan 4B", id="keep-house-number-letter"),
    pytest.param("Cykeln kostade 1 500 kr", "Cykeln kostade 1 500 kr", id="keep-amount-kr"),
    pytest.param("Skadan blev 12 000 kronor", "Skadan blev 12 000 kronor", id="keep-amount-kronor"),
    pytest.param("Budget 1 050 000 000 kr", "Budget 1 050 000 000 kr", id="keep-amount-billion"),
    pytest.param("Det är 3,5 mil till Växjö", "Det är 3,5 mil till Växjö", id="keep-decimal"),
    pytest.param("45 % känner sig otrygga", "45 % känner sig otrygga", id="keep-percent"),
    pytest.param("Buss linje 158 mot Halmstad", "Buss linje 158 mot Halmstad", id="keep-bus-line"),
    pytest.param("Bilarna kör 80 fast det är 50 km/h", "Bilarna kör 80 fast det är 50 km/h", id="keep-speed"),
    pytest.param("Vi var 12 personer och 3 hundar", "Vi var 12 personer och 3 hundar", id="keep-counts"),
    pytest.param("Referens ABCD2345", "Referens ABCD2345", id="keep-reference-code"),
    pytest.param("Ring 112 eller 114 14, 1177", "Ring 112 eller 114 14, 1177", id="keep-short-numbers"),
    pytest.param("Ring 08-12 34 5", "Ring 08-12 34 5", id="keep-too-few-digits"),
    pytest.param("Nr 1234567890", "Nr 1234567890", id="keep-10-digits-not-a-date"),
    pytest.param("+5 grader och +3,5 %", "+5 grader och +3,5 %", id="keep-signed-numbers"),
    pytest.param("Koordinat 56.4567, 13.5987", "Koordinat 56.4567, 13.5987", id="keep-coordinates"),
    pytest.param(f"Redan {R} här", f"Redan {R} här", id="keep-placeholder"),
    pytest.param("", "", id="keep-empty"),
]

MIXED_CASES = [
    pytest.param(
        f"Jag heter Anna, {_dash(PNR)}, tel 070-123 45 67, mejl anna@example.se. Lampan på Storgatan 12 är trasig.",
        f"Jag heter Anna, {R}, tel {R}, mejl {R}. Lampan på Storgatan 12 är trasig.",
        id="mixed-all-kinds",
    ),
    pytest.param(
        "Den 14/3 2025 kl 22:30 vid busshållplatsen (linje 158), ring mig 0046 70 123 45 67",
        f"Den 14/3 2025 kl 22:30 vid busshållplatsen (linje 158), ring mig {R}",
        id="mixed-phone-after-date-and-line",
    ),
]

ALL_CASES = IDENTITY_CASES + PHONE_CASES + EMAIL_CASES + KEEP_CASES + MIXED_CASES


@pytest.mark.parametrize(("text", "expected"), ALL_CASES)
def test_scrub_text(text: str, expected: str) -> None:
    assert scrub_text(text).text == expected


@pytest.mark.parametrize(("text", "expected"), ALL_CASES)
def test_scrub_text_is_idempotent(text: str, expected: str) -> None:
    once = scrub_text(text)
    twice = scrub_text(once.text)
    assert twice.text == once.text
    assert twice.removed == ()


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        pytest.param(f"pnr {_dash(PNR)}", (KIND_PERSONNUMMER,), id="personnummer"),
        pytest.param(f"nr {_dash(SAMORD)}", (KIND_SAMORDNINGSNUMMER,), id="samordningsnummer"),
        pytest.param("070-123 45 67", (KIND_PHONE,), id="phone"),
        pytest.param("a@example.se", (KIND_EMAIL,), id="email"),
        pytest.param(
            f"a@example.se 070-123 45 67 {_dash(PNR)} b@example.se",
            (KIND_PERSONNUMMER, KIND_PHONE, KIND_EMAIL),
            id="several-in-canonical-order-once-each",
        ),
        pytest.param(f"Ordernummer {PNR_BAD}, 2025-03-14", (), id="nothing"),
    ],
)
def test_removed_kinds(text: str, removed: tuple[str, ...]) -> None:
    result = scrub_text(text)
    assert result.removed == removed
    assert set(result.removed) <= set(KINDS)


def test_removed_never_contains_values() -> None:
    result = scrub_text(f"{_dash(PNR)} 070-123 45 67 anna@example.se")
    joined = " ".join(result.removed)
    for value in (PNR[:6], "070", "anna", "example"):
        assert value not in joined
        assert value not in result.text


def test_scrub_result_is_frozen() -> None:
    result = scrub_text("hej")
    assert result == ScrubResult(text="hej", removed=())
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


def test_long_text_is_scrubbed_quickly() -> None:
    sentence = "Lampan vid Storgatan 12 är trasig sedan 2025-03-14, ring 070-123 45 67 eller mejla a@example.se. "
    text = sentence * 40  # about 4000 characters
    start = time.perf_counter()
    result = scrub_text(text)
    elapsed = time.perf_counter() - start
    assert result.text == sentence.replace("070-123 45 67", R).replace("a@example.se", R) * 40
    assert elapsed < 0.5


_FUZZ_TOKENS = [
    *"0123456789",
    " ",
    "-",
    "+",
    "@",
    ".",
    ",",
    "(",
    ")",
    "/",
    ":",
    "å",
    "Ö",
    "a",
    "Z",
    "_",
    "\n",
    "\u00a0",
    "–",
    "\ud800",  # lone surrogate: a legal str
    "\x00",
    "🚲",
    "٣",
    "(at)",
    "+46 ",
    "0046",
    "070",
    "19",
    PNR,
    SAMORD,
    ".se",
    "example",
    R,
]


def test_fuzz_never_raises_and_is_idempotent() -> None:
    rng = random.Random(20260314)
    for _ in range(3000):
        text = "".join(rng.choice(_FUZZ_TOKENS) for _ in range(rng.randint(0, 120)))
        result = scrub_text(text)
        assert isinstance(result.text, str)
        assert set(result.removed) <= set(KINDS)
        assert scrub_text(result.text).text == result.text, repr(text)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        pytest.param("1212121212", True, id="skatteverket-test"),
        pytest.param("79927398713", True, id="classic-example"),
        pytest.param("1212121213", False, id="wrong-check-digit"),
        pytest.param("0", True, id="zero"),
        pytest.param("", False, id="empty"),
        pytest.param("121212-1212", False, id="dash-not-a-digit"),
        pytest.param("١٢١٢١٢١٢١٢", False, id="non-ascii-digits"),
    ],
)
def test_luhn_valid(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("anna.svensson@example.se", True, id="plain"),
        pytest.param("anna+trygg@mail.kommun.example.se", True, id="plus-subdomain"),
        pytest.param("åsa@exempel.se", True, id="aao"),
        pytest.param("anna@example", False, id="no-dot-in-domain"),
        pytest.param("anna@@example.se", False, id="two-at"),
        pytest.param("anna@ex@ample.se", False, id="at-in-domain"),
        pytest.param("@example.se", False, id="no-local-part"),
        pytest.param("anna @example.se", False, id="space"),
        pytest.param("anna@example..se", False, id="empty-label"),
        pytest.param("anna@.example.se", False, id="leading-dot"),
        pytest.param("anna@example.s", False, id="one-letter-tld"),
        pytest.param("", False, id="empty"),
        pytest.param("a@" + "b" * 250 + ".se", False, id="too-long"),
    ],
)
def test_is_valid_email(value: str, valid: bool) -> None:
    assert is_valid_email(value) is valid


# --- coarsen_points ---------------------------------------------------------------------

_TO_SWEREF = Transformer.from_crs(WGS84, SWEREF99TM, always_xy=True)
_TO_WGS84 = Transformer.from_crs(SWEREF99TM, WGS84, always_xy=True)


def _random_points_near_markaryd(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 13.60 + rng.uniform(-0.3, 0.3, n), 56.46 + rng.uniform(-0.2, 0.2, n)


@pytest.mark.parametrize("cell_m", [PUBLIC_GRID_M, 100.0, 250.0, 1000.0])
def test_coarsen_moves_points_at_most_half_a_cell_diagonal(cell_m: float) -> None:
    lon, lat = _random_points_near_markaryd(2000, seed=int(cell_m))
    out_lon, out_lat = coarsen_points(lon, lat, cell_m=cell_m)
    x0, y0 = _TO_SWEREF.transform(lon, lat)
    x1, y1 = _TO_SWEREF.transform(out_lon, out_lat)
    moved = np.hypot(x1 - x0, y1 - y0)
    assert moved.max() <= cell_m * math.sqrt(2) / 2 + 1e-3
    # The coarse points sit on cell centres in EPSG:3006.
    np.testing.assert_allclose(np.mod(x1, cell_m), cell_m / 2, atol=1e-4)
    np.testing.assert_allclose(np.mod(y1, cell_m), cell_m / 2, atol=1e-4)


def test_coarsen_points_in_the_same_cell_get_identical_coordinates() -> None:
    cx, cy = 413_725.0, 6_258_175.0  # centre of a 50 m cell in Markaryd, EPSG:3006
    xs = np.array([cx - 20.0, cx + 20.0, cx + 3.0, cx - 24.0])
    ys = np.array([cy + 20.0, cy - 20.0, cy + 24.0, cy - 1.0])
    lon, lat = _TO_WGS84.transform(xs, ys)
    out_lon, out_lat = coarsen_points(np.asarray(lon), np.asarray(lat))
    assert len(set(out_lon.tolist())) == 1
    assert len(set(out_lat.tolist())) == 1
    x, y = _TO_SWEREF.transform(out_lon[0], out_lat[0])
    assert x == pytest.approx(cx, abs=1e-4)
    assert y == pytest.approx(cy, abs=1e-4)


def test_coarsen_points_in_neighbouring_cells_differ() -> None:
    lon, lat = _TO_WGS84.transform(np.array([413_749.0, 413_751.0]), np.array([6_258_175.0, 6_258_175.0]))
    out_lon, _ = coarsen_points(np.asarray(lon), np.asarray(lat))
    assert out_lon[0] != out_lon[1]


def test_coarsen_is_stable_on_its_own_output() -> None:
    lon, lat = _random_points_near_markaryd(500, seed=7)
    once = coarsen_points(lon, lat)
    twice = coarsen_points(*once)
    np.testing.assert_allclose(twice[0], once[0], atol=1e-9)
    np.testing.assert_allclose(twice[1], once[1], atol=1e-9)


def test_coarsen_keeps_shape_and_nan_and_accepts_empty() -> None:
    lon = np.array([[13.6, np.nan], [13.61, 13.62]])
    lat = np.array([[56.46, 56.46], [56.47, 56.48]])
    out_lon, out_lat = coarsen_points(lon, lat)
    assert out_lon.shape == lon.shape and out_lat.shape == lat.shape
    assert np.isnan(out_lon[0, 1]) and np.isnan(out_lat[0, 1])
    empty_lon, empty_lat = coarsen_points(np.array([]), np.array([]))
    assert empty_lon.shape == (0,) and empty_lat.shape == (0,)


@pytest.mark.parametrize("cell_m", [49.0, 49.999, 0.0, -50.0, math.nan, math.inf])
def test_coarsen_refuses_cells_below_the_public_minimum(cell_m: float) -> None:
    lon, lat = _random_points_near_markaryd(3, seed=1)
    with pytest.raises(ValueError, match=r"cell_m .*at least 50"):
        coarsen_points(lon, lat, cell_m=cell_m)


def test_coarsen_refuses_49_naming_the_value() -> None:
    with pytest.raises(ValueError, match=r"cell_m.*got 49"):
        coarsen_points(np.array([13.6]), np.array([56.46]), cell_m=49)


def test_coarsen_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        coarsen_points(np.array([13.6, 13.7]), np.array([56.46]))


def test_public_grid_is_at_least_50_m() -> None:
    assert PUBLIC_GRID_M >= 50.0
