#!/usr/bin/env bash
# One browser check of tests/integration/html, as ctest runs it:
#
#   run-check.sh report MEMTORTURECTL FIXTURE.json OUT_DIR   the campaign page of a fixture report
#                                                            (memtorturectl report --file --html)
#   run-check.sh index HTML_INDEX_FIXTURE FIXTURES OUT_DIR   an index page of the fixture reports
#
# Renders the page into OUT_DIR, then check_html.sh opens it in headless Chromium (every plot
# drawn, no script error) and takes a screenshot; the page must not load anything from the
# network. Exit 0 passed, 1 failed, 77 skipped (no Chromium, or no dygraphs to inline).
set -u
here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
[[ $# -eq 4 ]] || { echo "usage: $0 report|index PROGRAM INPUT OUT_DIR" >&2; exit 2; }
mode=$1 program=$2 input=$3 out_dir=$4

command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || {
  echo "SKIP: chromium is not installed (apt-get install chromium)"
  exit 77
}
dygraphs=${MEMTORTURE_DYGRAPHS_DIR:-/usr/share/javascript/dygraphs}
[[ -f $dygraphs/dygraph.min.js && -f $dygraphs/dygraph.min.css ]] || {
  echo "SKIP: no dygraph.min.js and dygraph.min.css in $dygraphs (apt-get install libjs-dygraphs)"
  exit 77
}

mkdir -p "$out_dir"
case $mode in
  report)
    name=$(basename "$input" .json)
    [[ $name == report ]] && name=$(basename "$(dirname "$input")")
    page=$out_dir/$name.html
    "$program" report --file "$input" --html "$page" || { echo "FAIL: $program report --file $input --html $page exited $?"; exit 1; }
    ;;
  index)
    page=$out_dir/index.html
    "$program" "$input" "$page" || { echo "FAIL: $program $input $page exited $?"; exit 1; }
    ;;
  *)
    echo "usage: $0 report|index PROGRAM INPUT OUT_DIR" >&2
    exit 2
    ;;
esac

# Nothing from the network: no src or href to another host (the inlined dygraphs names its
# licence's address in a comment, which loads nothing).
if grep -qiE "(src|href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*(https?:)?//" "$page"; then
  echo "FAIL: $page refers to the network:"
  grep -oiE "(src|href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*(https?:)?//[^\"' >]*" "$page" | head -n 5
  exit 1
fi
bash "$here/check_html.sh" "$page" "${page%.html}.png"
