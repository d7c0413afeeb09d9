#!/usr/bin/env bash
# Install everything Cauce needs into ./.venv (idempotent). `--test` also installs the test tools
# and Debian's Chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
extras=""
if [ "${1:-}" = "--test" ]; then
  extras="[dev]"
fi
.venv/bin/pip install --quiet --disable-pip-version-check -e ".${extras}" 2>&1 | grep -v "^WARNING: Location" || true
# An editable install is not byte-compiled, and with PYTHONDONTWRITEBYTECODE set (common in
# containers) every `cauce` command would compile the package again: compile it once here.
.venv/bin/python -m compileall -q src/cauce >/dev/null
.venv/bin/python -c "import cauce" >/dev/null
# The web app's browser packages (htmx, Chart.js) come from npm, pinned by package-lock.json.
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
else
  echo "warning: npm is missing; the web app needs node_modules/htmx.org (apt-get install npm, then rerun)" >&2
fi
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Debian's chromium for the browser tests…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing; browser tests will be skipped (sudo apt-get install chromium)" >&2
  fi
fi
# Debian's Dovecot and Postfix for the real e-mail suite (tests/connectors/realnet/test_mail_real.py).
if [ "${1:-}" = "--test" ]; then
  ./scripts/install-mail-servers.sh
fi
