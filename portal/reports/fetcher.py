"""WeasyPrint's URL fetcher: the app's own bundled report assets, and nothing else.

Reports reference assets as `asset:<path>` (fonts under portal/static/fonts, print CSS under
portal/templates/reports). Everything else is refused before any I/O: `file://`, http(s)
(metadata addresses included), `data:` (an SVG or CSS in a data URL could reference more),
unknown schemes, paths that climb out of the asset folders. Nothing is followed, so there is no
redirect to follow. Refusals are remembered so tests and logs can show what was asked for.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

SCHEME = "asset:"
_PORTAL = Path(__file__).resolve().parent.parent
ASSET_DIRS = {"fonts": _PORTAL / "static" / "fonts"}
MAX_ASSET_BYTES = 4 * 1024 * 1024


class RefusedURL(ValueError):
    """The report asked for something that is not one of the app's bundled assets."""


@cache
def bundled_assets() -> dict[str, Path]:
    """Every file a report may load, by its `asset:` name (listed once, never re-walked)."""
    assets = {}
    for prefix, root in ASSET_DIRS.items():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".ttf", ".otf", ".woff", ".woff2"}:
                assets[f"{prefix}/{path.relative_to(root).as_posix()}"] = path
    return assets


@cache
def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) > MAX_ASSET_BYTES:
        raise RefusedURL(f"asset too large: {path.name}")
    return data


class AssetFetcher(URLFetcher):
    """Serves `asset:` URLs from memory; refuses every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        name = url[len(SCHEME):] if url.startswith(SCHEME) else None
        path = bundled_assets().get(name) if name else None
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"reports load bundled assets only, not {url[:200]!r}")
        self.served.append(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, _read(path), {"Content-Type": mime})

    def open(self, url, data=None, timeout=None):
        return self.fetch(getattr(url, "full_url", url))
