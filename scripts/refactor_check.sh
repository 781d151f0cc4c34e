#!/usr/bin/env bash
# Does a refactoring change any number? Build the smoke pipeline at two commits and compare their results/.
#   scripts/refactor_check.sh OLD_REV NEW_REV [--rename OLD_KEY=NEW_KEY ...]
# Each commit is checked out with `git worktree` under ${REFACTOR_CHECK_DIR:-/tmp/refactor-check}/<commit>
# (reused when already built) and run with this checkout's environment (.venv) on that commit's sources.
# Prints every difference (scripts/compare_results.py) and exits non-zero when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
WORK="${REFACTOR_CHECK_DIR:-/tmp/refactor-check}"
old="$(git rev-parse --short "$1")"; new="$(git rev-parse --short "$2")"; shift 2

build() {
    local rev="$1" dir="$WORK/$1"
    if [ ! -f "$dir/.built" ]; then
        rm -rf "$dir"; git worktree prune
        git worktree add --detach --quiet "$dir" "$rev"
        echo "building the smoke pipeline at $rev in $dir ..." >&2
        (cd "$dir" && PYTHONPATH="$dir/src" "$PY" -m snakemake --cores 2 --configfile config/smoke.yaml \
            > "$dir.snakemake.log" 2>&1) || { echo "smoke build at $rev failed: $dir.snakemake.log" >&2; exit 1; }
        touch "$dir/.built"
    fi
}

build "$old"
build "$new"
"$PY" scripts/compare_results.py "$WORK/$old/results" "$WORK/$new/results" "$@"
