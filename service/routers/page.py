"""The web page at `/`: plain HTML, JS and CSS from service/web, calling the service's own API.

The page has no build step and no endpoint of its own: everything it shows comes from /model,
/classify, /generate, /interpolate and /intervene, so it exercises the same API clients use.
It stays out of the OpenAPI schema, which describes the API only.

Every file the service serves (the page, its assets, the API docs' scripts and styles) is sent
whole, whatever `Range` asks: RFC 9110 (14.2) lets a server ignore it, none of these files is large
enough for a partial download to matter, and Starlette answers a range it cannot parse or satisfy
with a plain-text 400 or 416, outside the service's JSON errors.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

WEB = Path(__file__).resolve().parents[1] / "web"
ASSETS_PATH = "/web"
"""Where the page's scripts and styles are mounted; index.html refers to them under this path."""
RANGE_HEADERS = (b"range", b"if-range")

router = APIRouter(include_in_schema=False)


def whole(scope: Scope) -> Scope:
    """The request without its Range headers, so that a file response sends the whole file."""
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k not in RANGE_HEADERS]}


class WholeFile(FileResponse):
    """A file response that sends the whole file, whatever range the request asks for."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(whole(scope), receive, send)


def whole_files(app: ASGIApp) -> ASGIApp:
    """A mounted file server (StaticFiles) that sends whole files, whatever range is asked."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        await app(whole(scope) if scope["type"] == "http" else scope, receive, send)

    return serve


@router.get("/")
async def page() -> WholeFile:
    """The page itself."""
    return WholeFile(WEB / "index.html", media_type="text/html")


def assets() -> ASGIApp:
    """The page's scripts and styles, served as files (checked to exist when the app is built)."""
    return whole_files(StaticFiles(directory=WEB, check_dir=True))
