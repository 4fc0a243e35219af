"""LitServe contender: a `LitAPI` with LitServe's own batching (64 at most, a short timeout).

    python -m bench.frameworks.litserve_app --port 8000

`POST /classify` takes the same multipart upload as the service (field `file`). LitServe parses
the form in its FastAPI front, hands it to its inference worker process, which decodes each
request, stacks up to 64 of them, runs the model once and answers each request on its own.
"""

# NOTE: no `from __future__ import annotations`: LitServe reads decode_request's annotation
# at run time, and only the class `Request` (not the string) makes it parse the form.
import argparse

import litserve as ls
import numpy as np
from starlette.requests import Request

from bench.frameworks.model import Model, workers

MAX_BATCH = 64
BATCH_TIMEOUT_S = 0.002  # a small timeout, as LitServe's docs suggest for batching


class ClassifyAPI(ls.LitAPI):
    """decode_request -> batch -> predict -> unbatch -> encode_response, LitServe's pipeline."""

    def setup(self, device: str) -> None:
        self.model = Model.load()

    def decode_request(self, request: Request) -> np.ndarray:
        upload = request["file"]  # LitServe passes the parsed form for multipart bodies
        return self.model.prepare(upload.file.read())

    def batch(self, inputs: list[np.ndarray]) -> np.ndarray:
        return np.stack(inputs)  # (N, 1, H, W)

    def predict(self, images: np.ndarray) -> list[dict[str, object]]:
        return self.model.predict(images)

    def unbatch(self, output: list[dict[str, object]]) -> list[dict[str, object]]:
        return output

    def encode_response(self, output: dict[str, object]) -> dict[str, object]:
        return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    api = ClassifyAPI(api_path="/classify", max_batch_size=MAX_BATCH, batch_timeout=BATCH_TIMEOUT_S)
    # NOTE: as many inference workers as ccvae-serve runs processes ($BENCH_WORKERS)
    server = ls.LitServer(api, accelerator="cpu", workers_per_device=workers())
    server.run(host=args.host, port=args.port, generate_client_file=False)


if __name__ == "__main__":
    main()
