"""Contender (b), the HTTP floor: the service's routes with no model behind them.

Same uvicorn, same FastAPI, same multipart parsing of the same upload (`file` as a list of
UploadFile, read in full); the answer is a constant of the service's shape. Nothing an inference
service on this stack does can be cheaper, so the service's distance to it is its own overhead.
"""

from __future__ import annotations

import io
from typing import Annotated

import numpy as np
from fastapi import FastAPI, File, UploadFile
from PIL import Image
from starlette.responses import Response

PROBABILITIES = [0.1] * 10


def create_app() -> FastAPI:
    """No-op /classify and /generate, and the readiness route the bench waits on."""
    app = FastAPI(title="HTTP floor")
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(buffer, format="PNG")
    blank_png = buffer.getvalue()  # what /generate?n=1 returns: one 28x28 grey PNG

    @app.post("/classify")
    async def classify(file: Annotated[list[UploadFile], File()]) -> dict[str, object]:
        for f in file:
            await f.read()
        return {"label": 0, "class_name": "0", "probabilities": PROBABILITIES}

    @app.post("/generate")
    async def generate(label: str, seed: int = 0) -> Response:
        return Response(blank_png, media_type="image/png", headers={"X-Seed": str(seed)})

    @app.get("/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app
