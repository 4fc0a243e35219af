"""The web page at `/`: plain HTML, JS and CSS from service/web, calling the service's own API.

The page has no build step and no endpoint of its own: everything it shows comes from /model,
/classify, /generate, /interpolate and /intervene, so it exercises the same API clients use.
It stays out of the OpenAPI schema, which describes the API only.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

WEB = Path(__file__).resolve().parents[1] / "web"
ASSETS_PATH = "/web"
"""Where the page's scripts and styles are mounted; index.html refers to them under this path."""

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    """The page itself."""
    return FileResponse(WEB / "index.html", media_type="text/html")


def assets() -> StaticFiles:
    """The page's scripts and styles, served as files (checked to exist when the app is built)."""
    return StaticFiles(directory=WEB, check_dir=True)
