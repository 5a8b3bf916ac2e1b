#!/usr/bin/env bash
# Benchmark: the README's main job (or its quick variant), stage by stage, on a fresh data dir.
#
#     bash benchmarks/main_job.sh [main|quick|laws] [DATA_DIR]
#
# main: ingest/main.toml (laws, Diet minutes, gazette), BM25, then `govrag serve` building the dense
# layers in the background (benchmarks/background_build.py: the lawqa_jp laws' dense subset and the
# law-outline router, with searches measured meanwhile); quick: the same without the background
# layers; laws: ingest/laws-2020.toml (laws only), BM25.
# Each stage runs under /usr/bin/time -v; its wall time, CPU and peak memory are printed with the
# lines the stage itself reports (definitions derived, BM25 points written). DATA_DIR is removed first.
set -euo pipefail
variant="${1:-main}"
data="${2:-/tmp/govrag-main-job}"
case "$variant" in
  main|quick) job=ingest/main.toml ;;
  laws) job=ingest/laws-2020.toml ;;
  *) echo "usage: $0 [main|quick|laws] [DATA_DIR]" >&2; exit 2 ;;
esac
rm -rf "$data"
export GOVRAG_DATA_DIR="$data"
stage() {
  local log
  log="$(mktemp)"
  /usr/bin/time -v "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }
  printf '    %-46s wall %s  user %ss  sys %ss  max RSS %s kB\n' "$*" \
    "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")" \
    "$(sed -n 's/.*User time (seconds): //p' "$log")" "$(sed -n 's/.*System time (seconds): //p' "$log")" \
    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")"
  grep -E '^(law derived|sparse):' "$log" | sed 's/^/      /' || true
  rm -f "$log"
}
echo "## The main job ($variant), stage by stage — \`bash benchmarks/main_job.sh $variant\`"
echo
stage govrag ingest run "$job"
stage govrag index build --no-descriptors
if [ "$variant" = main ]; then
  echo
  python benchmarks/background_build.py --data-dir "$data" --outlines --dense-laws-file ingest/dense-lawqa.txt --report-every 600
fi
