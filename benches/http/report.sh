#!/usr/bin/env bash
# The tables of the HTTP harness, shared by run.sh and seed.sh (both source this file): wrk with the
# run's settings, one Markdown row per wrk run (req/s, p50, p99, the server's peak memory), the
# req/s of the runs that are compared kept in RPS, notes printed under the table, and the table of
# ratios drawn from RPS.
#
# Run on its own, it prints the ratio table for figures given as key=value (req/s), e.g. to check
# its arithmetic or to recompute it from a saved run's rows:
#
#   bash benches/http/report.sh seed:doctors=70 seed:appointments=51 seed:book=31 \
#     sqlite:doctors=75131 sqlite:appointments=12778 sqlite:book=2576 \
#     postgres:doctors=65514 postgres:appointments=6480 postgres:book=1825 baseline=141585
#
# Keys: {seed,sqlite,postgres}:{doctors,appointments,book} and baseline.

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}

# req/s by key, filled by report() as the runs go; notes printed after the table.
declare -gA RPS
declare -ga NOTES

run_wrk() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency "$@" 2>&1; }

table_header() {
  printf '| %-44s | %10s | %8s | %8s | %9s |\n' "run" "req/s" "p50" "p99" "peak RSS"
  printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "------------" "----------" "----------" "-----------"
}

peak_rss() { # pid... : the sum of the processes' peak resident sizes (VmHWM), "?" when none is readable
  local files=() p
  for p in "$@"; do
    if [ -r "/proc/$p/status" ]; then files+=("/proc/$p/status"); fi
  done
  if [ ${#files[@]} -eq 0 ]; then echo "?"; return; fi
  awk '/VmHWM/ {s += $2} END {print s/1024 " MiB"}' "${files[@]}" 2>/dev/null || echo "?"
}

report() { # name, wrk output, pid (or several, space-separated: their peaks are summed), [key for RPS]
  local rps p50 p99 mem pids
  rps=$(grep -m1 'Requests/sec' <<<"$2" | awk '{print $2}')
  p50=$(grep -m1 ' 50%' <<<"$2" | awk '{print $2}')
  p99=$(grep -m1 ' 99%' <<<"$2" | awk '{print $2}')
  read -ra pids <<<"$3"
  mem=$(peak_rss "${pids[@]}")
  local non2xx
  non2xx=$(grep -m1 'Non-2xx' <<<"$2" | awk '{print $NF}' || true)
  printf '| %-44s | %10s | %8s | %8s | %9s | %s\n' "$1" "$rps" "$p50" "$p99" "$mem" "${non2xx:+non-2xx: $non2xx}"
  if [ -n "${4:-}" ] && [ -n "$rps" ]; then RPS[$4]=$rps; fi
}

print_notes() {
  if [ ${#NOTES[@]} -gt 0 ]; then
    echo
    printf '%s\n' "${NOTES[@]}"
  fi
}

# Number formats of the ratio table; an empty or missing figure prints as "-".
fmt_rps() { awk -v x="${1:-}" 'BEGIN { if (x == "") print "-"; else if (x >= 100) printf "%.0f\n", x; else printf "%.1f\n", x }'; }
fmt_ratio() { # a / b as "Nx"
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
    if (a == "" || b == "" || b + 0 == 0) { print "-"; exit }
    r = a / b
    if (r >= 100) printf "%.0fx\n", r; else if (r >= 10) printf "%.1fx\n", r; else printf "%.2fx\n", r }'
}
fmt_share() { # a as a percentage of b
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
    if (a == "" || b == "" || b + 0 == 0) { print "-"; exit }
    p = 100 * a / b
    if (p >= 10) printf "%.0f %%\n", p; else if (p >= 1) printf "%.1f %%\n", p; else if (p >= 0.1) printf "%.2f %%\n", p; else printf "%.3f %%\n", p }'
}

# The comparison of one run: for the doctor list, a patient's appointment list and booking, the
# seed's req/s and hms's on each backend, hms / seed on each backend, and each figure as a share of
# the bare handler measured in the same run.
ratio_table() {
  local op label s q p b
  b=${RPS[baseline]:-}
  echo
  echo "ratios from this run (req/s; hms / seed; each figure as a share of the bare handler)"
  echo "bare poem handler in this run: $(fmt_rps "$b") req/s"
  echo
  printf '| %-24s | %8s | %8s | %8s | %9s | %9s | %9s | %8s | %8s |\n' \
    "operation" "seed" "sqlite" "postgres" "sq/seed" "pg/seed" "seed/bare" "sq/bare" "pg/bare"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..26})" \
    "----------" "----------" "----------" "-----------" "-----------" "-----------" "----------" "----------"
  for op in doctors appointments book; do
    case $op in
      doctors) label="doctor list" ;;
      appointments) label="a patient's appointments" ;;
      book) label="booking" ;;
    esac
    s=${RPS[seed:$op]:-}; q=${RPS[sqlite:$op]:-}; p=${RPS[postgres:$op]:-}
    printf '| %-24s | %8s | %8s | %8s | %9s | %9s | %9s | %8s | %8s |\n' "$label" \
      "$(fmt_rps "$s")" "$(fmt_rps "$q")" "$(fmt_rps "$p")" \
      "$(fmt_ratio "$q" "$s")" "$(fmt_ratio "$p" "$s")" \
      "$(fmt_share "$s" "$b")" "$(fmt_share "$q" "$b")" "$(fmt_share "$p" "$b")"
  done
  echo
  echo "The seed runs on SQLite only (its settings override), so pg/seed sets hms on PostgreSQL against"
  echo "the seed on SQLite. Its doctor list needs a token (patient1's) and pages 10 doctors; hms's is"
  echo "anonymous and pages 20. The seed closes the connection after every response, so wrk opens one"
  echo "per request there; hms and the bare handler keep theirs open. Bookings go to distinct free"
  if [ "${SEED_BOOK_AS:-admin}" = patients ]; then
    echo "slots; the seed's for patients 101-200, each with that patient's token; hms's as its front desk."
  else
    echo "slots; the seed's as its admin for patients 101-200; hms's as its front desk (admin)."
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  for arg in "$@"; do
    case $arg in
      *=*) RPS[${arg%%=*}]=${arg#*=} ;;
      *) echo "usage: $0 key=req/s ... (keys: {seed,sqlite,postgres}:{doctors,appointments,book}, baseline)" >&2; exit 2 ;;
    esac
  done
  ratio_table
fi
