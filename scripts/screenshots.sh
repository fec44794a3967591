#!/bin/sh
# Regenerate the README's pictures from the browser journeys (issues 14, 18, 19): run the journeys with
# TRYGG_SCREENSHOTS=1, so that every step's snap() lands in docs/screenshots/ (git-ignored), then
# copy the chosen steps to docs/*.png. Look at them before committing: what a user sees is the test.
#
#   scripts/screenshots.sh            # the journeys of issues 14, 18 and 19 (SQLite; a few minutes)
#   scripts/screenshots.sh -k police  # only some (pytest's -k, added to the selection)
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
SHOTS=docs/screenshots

rm -rf "$SHOTS"
mkdir -p "$SHOTS"
TRYGG_SCREENSHOTS=1 "$PYTHON" -m pytest tests/e2e -q -p no:cacheprovider \
    -k "(issue_14 or issue_18_police or issue_19_a_language_cafe) and not postgis and not axe" "$@" || echo "screenshots.sh: some journeys failed; copying what was taken" >&2

# docs/<picture>.png  <-  the first of these steps that was taken
choose() {
    target=$1
    shift
    for step in "$@"; do
        if [ -f "$SHOTS/$step.png" ]; then
            cp "$SHOTS/$step.png" "docs/$target.png"
            echo "docs/$target.png <- $step"
            return 0
        fi
    done
    echo "screenshots.sh: none of [$*] was taken; docs/$target.png left as it was" >&2
}

choose explore explore-desktop-sv-reports explore-desktop-sv-municipality
choose karta-phone-ar shell-phone-ar-karta explore-phone-ar-municipality
choose report-phone report-phone-ar-sent report-phone-sv-sent shell-phone-ar-report
choose review police-desktop-sv-area review-desktop-sv-counted
choose police-phone-ar police-phone-ar-status-saved
choose moderation moderation-desktop-sv-published moderation-desktop-sv-queue
choose statistics statistics-desktop-sv-public
choose statistics-hotspots-phone-ar statistics-phone-ar-hotspots
choose places-phone-ar places-phone-ar-card places-phone-ar-found
