#!/usr/bin/env bash
# Re-vendors the front-end libraries from npm into web/static/vendor/ (run after changing a version below).
set -euo pipefail
HTMX=2.0.11
PICO=2.1.1
UPLOT=1.6.32
out=$(cd "$(dirname "$0")/.." && pwd)/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "htmx.org@$HTMX" "@picocss/pico@$PICO" "uplot@$UPLOT" >/dev/null
tar xzf "htmx.org-$HTMX.tgz" && cp package/dist/htmx.min.js "$out/htmx.min.js" && cp package/LICENSE "$out/htmx.LICENSE" && rm -rf package
tar xzf "picocss-pico-$PICO.tgz" && cp package/css/pico.classless.min.css "$out/pico.classless.min.css" && cp package/LICENSE.md "$out/pico.LICENSE.md" && rm -rf package
tar xzf "uplot-$UPLOT.tgz" && cp package/dist/uPlot.iife.min.js "$out/uPlot.iife.min.js" && cp package/dist/uPlot.min.css "$out/uPlot.min.css" && cp package/LICENSE "$out/uPlot.LICENSE" && rm -rf package
cat > "$out/README.md" <<TXT
# Vendored front-end libraries

Copied from npm by \`scripts/vendor-assets.sh\`; served embedded from /static/vendor/, never from a CDN.

| package | version | file |
|---|---|---|
| htmx.org | $HTMX | htmx.min.js |
| @picocss/pico | $PICO | pico.classless.min.css |
| uplot | $UPLOT | uPlot.iife.min.js, uPlot.min.css (charts; drawn by /static/charts.js) |
TXT
echo "vendored htmx $HTMX, pico $PICO, uPlot $UPLOT into $out"
