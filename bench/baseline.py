"""Contender (d), the plain per-request baseline: the same network in torch eager behind FastAPI.

Written the way a first version usually is: an `async def` route that decodes the upload with
Pillow, runs the model on that one image under `torch.no_grad()` and answers; no batching, no
thread hand-off, torch's thread count left at its default (one per core). `BASELINE_THREADS=1`
gives the variant a more careful author would write: `torch.set_num_threads(1)`, which keeps
OpenMP's spinning threads from fighting the event loop (and anything else) for the cores.
The weights are the shipped ONNX files' own initializers loaded into the training package's CCVAE
(no checkpoint ships), checked against onnxruntime at start.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from fastapi import FastAPI, UploadFile
from onnx import numpy_helper
from PIL import Image
from starlette.responses import Response

from training.config import ModelConfig
from training.model import CCVAE

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "ccvae-mnist"
PREFIX = {"encoder": "encoder.", "decoder": "", "classifier": "classifier.", "prior": "prior."}
"""State-dict prefix of each graph's initializers (the decoder graph already names `decoder.`)."""


def load_ccvae(model_dir: Path) -> CCVAE:
    """The CCVAE of the manifest's configuration, with every parameter from the ONNX files."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    model = CCVAE(ModelConfig.from_dict(manifest["training"]["model"]))
    state = {}
    for role, prefix in PREFIX.items():
        graph = onnx.load(str(model_dir / manifest["files"][role]["path"])).graph
        for tensor in graph.initializer:
            state[prefix + tensor.name] = torch.from_numpy(numpy_helper.to_array(tensor).copy())
    model.load_state_dict(state, strict=True)  # every parameter, no stray tensor
    return model.eval()


def check_against_onnx(model: CCVAE, model_dir: Path) -> float:
    """Largest difference between torch's and onnxruntime's encoder on random images."""
    x = np.random.default_rng(0).random((8, 1, 28, 28), dtype=np.float32)
    session = ort.InferenceSession(
        str(model_dir / "encoder.onnx"), providers=["CPUExecutionProvider"]
    )
    loc, scale = session.run(None, {"image": x})
    with torch.no_grad():
        ours = model.encoder(torch.from_numpy(x))
    gap = max(float(np.abs(a - b.numpy()).max()) for a, b in zip((loc, scale), ours, strict=True))
    if gap > 1e-4:
        raise RuntimeError(f"torch rebuild differs from the ONNX encoder by {gap}")
    return gap


def create_app() -> FastAPI:
    """Load the model at start-up, then /classify, /generate and a readiness route."""
    if "BASELINE_THREADS" in os.environ:
        torch.set_num_threads(int(os.environ["BASELINE_THREADS"]))
    model_dir = Path(os.environ.get("CCVAE_MODEL_DIR", MODEL_DIR))
    model = load_ccvae(model_dir)
    check_against_onnx(model, model_dir)
    app = FastAPI(title="torch eager baseline")

    @app.post("/classify")
    async def classify(file: UploadFile) -> dict[str, object]:
        image = Image.open(io.BytesIO(await file.read())).convert("L").resize((28, 28))
        x = torch.from_numpy(np.asarray(image, np.float32) / 255.0)[None, None]  # (1, 1, 28, 28)
        probabilities = model.predict(x)[0]
        label = int(probabilities.argmax())
        return {"label": label, "class_name": str(label), "probabilities": probabilities.tolist()}

    @app.post("/generate")
    async def generate(label: int, seed: int = 0) -> Response:
        generator = torch.Generator().manual_seed(seed)
        image = model.generate(torch.tensor([label]), generator=generator)[0, 0]  # (28, 28)
        buffer = io.BytesIO()
        Image.fromarray((image.numpy() * 255).round().astype(np.uint8)).save(buffer, format="PNG")
        return Response(buffer.getvalue(), media_type="image/png")

    @app.get("/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app
