#!/usr/bin/env bash
# Builds the local BigQuery emulator's own venv (Python 3.13) at .local/bigquery-emulator-venv.
# Idempotent: returns at once when the venv matches emulator-requirements.txt and this script.
# A Python 3.13 interpreter is taken from $BIGQUERY_EMULATOR_PYTHON, else `python3.13`, else pyenv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repository="$(cd "$here/../../.." && pwd)"
venv="$repository/.local/bigquery-emulator-venv"
requirements="$here/emulator-requirements.txt"
stamp="$venv/.installed"
# DuckDB finds extensions under $HOME/.duckdb; the emulator runs with HOME set to this folder.
duckdb_home="$venv/duckdb-home"

wanted="$(cat "$requirements" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

find_python313() {
    local candidate
    for candidate in "${BIGQUERY_EMULATOR_PYTHON:-}" python3.13 \
        $(ls -d "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.13*/bin/python3.13 2>/dev/null | sort -V -r); do
        if [[ -n "$candidate" ]] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "install.sh: the BigQuery emulator (local-bigquery) needs Python 3.13, none found." >&2
    echo "  Install one (e.g. \`pyenv install 3.13\` or your package manager's python3.13)," >&2
    echo "  or point BIGQUERY_EMULATOR_PYTHON at it, then run this script again." >&2
    exit 1
}

python313="$(find_python313)"
echo "Installing the BigQuery emulator into $venv with $("$python313" --version)"
rm -rf "$venv"
"$python313" -m venv "$venv"
mkdir -p "$duckdb_home"
"$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: -r "$requirements"

# Copy each extension out of its wheel into the folder DuckDB loads from, then prove it loads.
HOME="$duckdb_home" "$venv/bin/python" - <<'PYTHON'
import glob
import sysconfig

import duckdb

connection = duckdb.connect()
pattern = f"{sysconfig.get_paths()['purelib']}/duckdb_extension_*/extensions/*/*.duckdb_extension"
extensions = sorted(glob.glob(pattern))
assert extensions, f"no DuckDB extension found at {pattern}"
for path in extensions:
    connection.execute(f"INSTALL '{path}'")
    connection.execute(f"LOAD '{path.rsplit('/', 1)[1].removesuffix('.duckdb_extension')}'")
PYTHON

echo "$wanted" > "$stamp"
echo "BigQuery emulator installed."
