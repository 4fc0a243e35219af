"""Triton contender: PyTriton's bundled Triton server with its dynamic batcher, behind the
thinnest front that turns the PNG upload into the model's tensor.

    python -m bench.frameworks.pytriton_app --port 8000 --triton-ports 8010 8011 8012

Triton speaks tensors, not PNG uploads, so a FastAPI route parses the same multipart upload as
the service, prepares the image as the service does, and sends it to Triton's HTTP endpoint
with PyTriton's asyncio client; Triton batches concurrent requests (64 at most, waiting at most
2 ms) and calls the `@batch` inference function once per batch. Triton and
its Python side run in this process's children and threads; the front is uvicorn, as for the
service.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import numpy as np
import uvicorn
from fastapi import FastAPI, File, UploadFile
from pytriton.client import AsyncioModelClient
from pytriton.decorators import batch
from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
from pytriton.triton import Triton, TritonConfig

from bench.frameworks.model import Model, workers

HOST = "127.0.0.1"
MODEL = "ccvae_classifier"
MAX_BATCH = 64
MAX_QUEUE_DELAY_US = 2000  # a small delay, as for BentoML and LitServe


def bind(triton: Triton, model: Model) -> None:
    """Register the encoder + classifier with Triton, dynamic batching on, and as many model
    instances as ccvae-serve runs processes ($BENCH_WORKERS): PyTriton makes one instance per
    inference function it is given."""

    @batch
    def infer(image: np.ndarray) -> dict[str, np.ndarray]:
        return {"probabilities": model.probabilities(image)}  # (N, 1, H, W) -> (N, K)

    shape = model.runtime.manifest.image.shape
    triton.bind(
        model_name=MODEL,
        infer_func=[infer] * workers(),
        inputs=[Tensor(name="image", dtype=np.float32, shape=shape)],
        outputs=[Tensor(name="probabilities", dtype=np.float32, shape=(-1,))],
        config=ModelConfig(
            max_batch_size=MAX_BATCH,
            batcher=DynamicBatcher(max_queue_delay_microseconds=MAX_QUEUE_DELAY_US),
        ),
    )


def create_front(model: Model, triton_url: str) -> FastAPI:
    """POST /classify: multipart PNG -> the service's preparation -> Triton -> the answer."""
    clients: list[AsyncioModelClient] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        client = AsyncioModelClient(triton_url, MODEL, inference_timeout_s=60)
        await client.model_config  # wait for Triton to answer, once, before the first request
        clients.append(client)
        yield
        await client.close()

    app = FastAPI(title="PyTriton front", lifespan=lifespan)

    @app.post("/classify")
    async def classify(file: Annotated[UploadFile, File()]) -> dict[str, object]:
        image = model.prepare(await file.read())  # (1, H, W)
        result = await clients[0].infer_sample(image=image)
        return model.answer(result["probabilities"])

    @app.get("/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the front's port")
    parser.add_argument("--triton-ports", type=int, nargs=3, default=(8010, 8011, 8012),
                        metavar=("HTTP", "GRPC", "METRICS"), help="Triton's own ports")  # fmt: skip
    parser.add_argument("--workspace", help="Triton's sockets and model store (else ~/.cache)")
    args = parser.parse_args(argv)
    http, grpc, metrics = args.triton_ports
    config = TritonConfig(
        http_address=HOST, http_port=http, grpc_address=HOST, grpc_port=grpc,
        metrics_address=HOST, metrics_port=metrics,
    )  # fmt: skip
    model = Model.load()
    with Triton(config=config, workspace=args.workspace) as triton:
        bind(triton, model)
        triton.run()
        uvicorn.run(create_front(model, f"http://{HOST}:{http}"), host=HOST, port=args.port)


if __name__ == "__main__":
    main()
