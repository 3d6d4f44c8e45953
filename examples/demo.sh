#!/usr/bin/env bash
# Copy the bundled example postmortems into a scratch git repository and run pm on it,
# so a newcomer sees a real incident and a report in seconds. Nothing outside the scratch folder moves.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pm="${PM:-$here/../.venv/bin/pm}"
[ -x "$pm" ] || pm=pm
scratch="$(mktemp -d "${TMPDIR:-/tmp}/pm-demo.XXXXXX")"
cp -R "$here/repo/." "$scratch/"
cd "$scratch"
git init --quiet -b main
git config user.name "Demo User"
git config user.email demo@example.com
git add -A
git commit --quiet -m "Example postmortems"
# The example is a snapshot of 2024-09-30 (AS_OF in generate.py): look at it from then.
export PM_NOW=2024-09-30T12:00:00Z
echo "== scratch repository: $scratch"
echo "== pm list"
"$pm" list
echo "== pm show 2024-08-05   (the sixth outage, and the cause of all six)"
"$pm" show 2024-08-05
echo "== pm report --since 2024-01-01   (the period: recurring causes first)"
"$pm" report --since 2024-01-01
echo "== pm overdue   (what CI runs on a schedule; exit 1 while anything is late)"
"$pm" overdue || echo "(pm overdue exited $?: late work found, as the example was written to have)"
