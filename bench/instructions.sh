#!/usr/bin/env bash
# Instructions per in-process sale, counted by valgrind's callgrind: repeatable whatever the
# machine's noise (wall and CPU times of the same code moved ±20 % minute to minute on the
# shared benchmark machine). Runs bench/profile_sale.py twice (50 and 250 sales after the same
# setup) and prints (total(250) - total(50)) / 200: the Python side of one sale request (test
# client, PostgreSQL's own work not included). About 3 minutes.
#   bash bench/instructions.sh [label]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/profile_sale.py \
    --no-profile --count "$1" --prefill 100 2>&1 | awk '/Collected/ {print $4}'
}
a=$(count 50)
b=$(count 250)
echo "${1:-sale} instructions per sale: $(( (b - a) / 200 ))"
