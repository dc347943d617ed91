"""`.venv/bin/python bench/peer install|seed|check`: see bench/peer/__init__.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/: common, dashboard

import peer  # noqa: E402

sys.exit(peer.main())
