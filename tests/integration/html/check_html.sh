#!/usr/bin/env bash
# Opens an HTML report (or index page) in headless Chromium and checks what the page says about
# itself on <body> once its script ran: every plot it created has pixels (data-plots-drawn equals
# data-plots-expected, and that is not 0) and no error or unhandled rejection happened
# (data-errors is 0).
#
#   check_html.sh FILE.html [SCREENSHOT.png]
#
# Exit status: 0 good, 1 a check failed (the reason is printed), 2 usage, 77 Chromium is missing
# (skipped). Environment: CHROMIUM (default: chromium, else chromium-browser), CHECK_HTML_QUIET=1
# prints only failures.
set -u

usage() {
  echo "usage: $0 FILE.html [SCREENSHOT.png]" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
[[ -f $1 ]] || { echo "check_html: no such file: $1" >&2; exit 2; }
file=$(realpath -- "$1")
shot=${2:-}

chromium=${CHROMIUM:-}
if [[ -z $chromium ]]; then
  for c in chromium chromium-browser; do
    command -v "$c" >/dev/null 2>&1 && { chromium=$c; break; }
  done
fi
if [[ -z $chromium ]] || ! command -v "$chromium" >/dev/null 2>&1; then
  echo "check_html: SKIP: chromium is not installed (apt-get install chromium)"
  exit 77
fi

# A profile of our own, removed on exit; Chromium needs --no-sandbox as root.
profile=$(mktemp -d /tmp/check-html.XXXXXX)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile"
       --virtual-time-budget=10000)

start=$(date +%s.%N)
timeout 60 "$chromium" "${flags[@]}" --dump-dom "file://$file" >"$profile/dom.html" 2>"$profile/stderr"
rc=$?
wall=$(echo "$(date +%s.%N) - $start" | bc)
if [[ $rc -ne 0 ]]; then
  echo "check_html: FAIL: chromium exited $rc on $file (124: timed out after 60 s)"
  tail -n 20 "$profile/stderr" | sed 's/^/    | /'
  exit 1
fi

# The <body ...> start tag and one attribute of it.
body=$(grep -o '<body[^>]*>' "$profile/dom.html" | head -n 1)
attr() { sed -n "s/.* $1=\"\\([^\"]*\\)\".*/\\1/p" <<<"$body"; }
expected=$(attr data-plots-expected)
drawn=$(attr data-plots-drawn)
errors=$(attr data-errors)
error_text=$(attr data-error-text | sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&amp;/\&/g')
draw_ms=$(attr data-draw-ms)
canvases=$(grep -o '<canvas' "$profile/dom.html" | wc -l)

fail=0
say() { [[ ${CHECK_HTML_QUIET:-0} == 1 ]] || echo "$@"; }
if [[ -z $body ]]; then
  echo "check_html: FAIL: no <body> in the DOM Chromium dumped for $file"
  exit 1
fi
if [[ -z $expected || -z $drawn || -z $errors ]]; then
  echo "check_html: FAIL: <body> lacks data-plots-expected/data-plots-drawn/data-errors: $body"
  exit 1
fi
if [[ $errors != 0 ]]; then
  echo "check_html: FAIL: $errors script error(s) in the page, the first: $error_text"
  fail=1
fi
if [[ $expected == 0 ]]; then
  echo "check_html: FAIL: the page created no plot"
  fail=1
elif [[ $drawn != "$expected" ]]; then
  echo "check_html: FAIL: $drawn of $expected plots have pixels"
  fail=1
fi
if [[ -z $draw_ms ]]; then
  echo "check_html: FAIL: the page's script did not finish (no data-draw-ms)"
  fail=1
fi

if [[ -n $shot ]]; then
  timeout 60 "$chromium" "${flags[@]}" --hide-scrollbars --window-size=1200,2400 \
    --screenshot="$(realpath -m -- "$shot")" "file://$file" >/dev/null 2>>"$profile/stderr"
  if [[ $? -ne 0 || ! -s $shot ]]; then
    echo "check_html: FAIL: no screenshot written to $shot"
    fail=1
  fi
fi

say "check_html: $(basename "$file"): $drawn/$expected plots drawn, $canvases canvases, $errors errors, drawn in ${draw_ms:-?} ms (page), chromium ${wall}s wall${shot:+, screenshot $shot}"
exit $fail
