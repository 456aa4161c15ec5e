#!/usr/bin/env bash
# Vendors GOV.UK Frontend into static/govuk/ (committed; the app never needs npm at run time).
#
# The portal is not a GOV.UK service, so it must not use the GDS Transport typeface or the
# crown: the Sass is compiled here with Arial as the font, no @font-face, no crest image, and
# asset URLs under /static/govuk/assets/. Re-runnable: static/govuk/ is rebuilt from scratch.
#
# Usage: scripts/vendor-govuk-frontend.sh        (needs node + npm and the npm registry)
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.6.0"   # the current 6.x (issue 15: no longer pinned by govuk-frontend-django)
SASS_VERSION="1.108.2"           # dart-sass, npm package "sass"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/static/govuk"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
cat > package.json <<'JSON'
{ "name": "portal-govuk-vendor", "version": "0.0.0", "private": true }
JSON
npm install --no-audit --no-fund --ignore-scripts --save-exact --loglevel=error \
  "govuk-frontend@${GOVUK_FRONTEND_VERSION}" "sass@${SASS_VERSION}"

PKG="$WORK/node_modules/govuk-frontend/dist/govuk"
installed="$(node -p "require('./node_modules/govuk-frontend/package.json').version")"
if [ "$installed" != "$GOVUK_FRONTEND_VERSION" ]; then
  echo "expected govuk-frontend $GOVUK_FRONTEND_VERSION, got $installed" >&2
  exit 1
fi

cat > portal-govuk.scss <<'SCSS'
// Not a GOV.UK service: Arial, no GDS Transport @font-face, no crown/crest.
$govuk-font-family: arial, sans-serif;
$govuk-include-default-font-face: false;
$govuk-assets-path: "/static/govuk/assets/";
$govuk-images-path: "/static/govuk/assets/images/";
$govuk-fonts-path: "/static/govuk/assets/fonts/";

// The footer's crest (Crown copyright artwork) is never shown: drop its image entirely.
@function portal-image-url($filename) {
  @if $filename == "govuk-crest.svg" {
    @return none;
  }
  @return url($govuk-images-path + $filename);
}
$govuk-image-url-function: "portal-image-url";

@import "govuk-frontend/dist/govuk/index";
SCSS

npx --no-install sass --load-path=node_modules --style=compressed --no-source-map \
  --quiet-deps --silence-deprecation=import --silence-deprecation=global-builtin \
  portal-govuk.scss govuk-frontend.min.css

if grep -qi "GDS Transport" govuk-frontend.min.css; then
  echo "compiled CSS still mentions GDS Transport" >&2
  exit 1
fi
if ! grep -qi "arial" govuk-frontend.min.css; then
  echo "compiled CSS does not use Arial" >&2
  exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"

# Source maps are not vendored: drop the comments pointing at them (ManifestStaticFilesStorage
# would otherwise fail collectstatic looking for the .map files).
sed -e 's#/\*[#] sourceMappingURL=[^*]*\*/##g' govuk-frontend.min.css > "$OUT/govuk-frontend.min.css"
sed -e 's#//[#] sourceMappingURL=.*$##' "$PKG/govuk-frontend.min.js" > "$OUT/govuk-frontend.min.js"

# Copy exactly the assets the compiled CSS refers to (none, with the settings above), so
# collectstatic's manifest never meets a missing file.
{ grep -o 'url([^)]*)' "$OUT/govuk-frontend.min.css" || true; } \
  | sed -e 's/^url(//' -e 's/)$//' -e "s/^[\"']//" -e "s/[\"']\$//" \
  | { grep '^/static/govuk/assets/' || true; } | sort -u \
  | while read -r url; do
      rel="${url#/static/govuk/assets/}"
      rel="${rel%%[?#]*}"
      if [ ! -f "$PKG/assets/$rel" ]; then
        echo "compiled CSS refers to $url, which the package does not have" >&2
        exit 1
      fi
      mkdir -p "$OUT/assets/$(dirname "$rel")"
      cp "$PKG/assets/$rel" "$OUT/assets/$rel"
    done

cat > "$OUT/VERSION" <<EOF
govuk-frontend ${GOVUK_FRONTEND_VERSION} (npm, MIT licence: https://github.com/alphagov/govuk-frontend)
sass ${SASS_VERSION} (npm)
built by scripts/vendor-govuk-frontend.sh: Arial, no GDS Transport @font-face, no crown/crest images,
asset URLs under /static/govuk/assets/. Do not edit these files by hand; rerun the script.
EOF

echo "Vendored GOV.UK Frontend ${GOVUK_FRONTEND_VERSION} into ${OUT#"$ROOT"/}:"
(cd "$OUT" && find . -type f | sort)
