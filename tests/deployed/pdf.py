"""What is in a downloaded PDF, as a reader would see it (poppler's pdftotext)."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import unavailable


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), f"not a PDF: {data[:200]!r}"
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext is not installed (apt-get install poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          timeout=60, check=True)
    return " ".join(done.stdout.decode().split())  # words as read, whatever the layout
