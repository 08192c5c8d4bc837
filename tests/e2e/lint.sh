#!/usr/bin/env bash
# The structure rules of scripts/lint.py hold: functions of at most 80 lines,
# files of at most 600, curses only in tui/term.c, no getenv and no tui header
# in the engine, no two source files calling each other. A breach fails here
# with the file and line.
set -eu
cd "${SENTUI_TEST_ROOT:-$(dirname "$0")/../..}"
python3 scripts/lint.py
