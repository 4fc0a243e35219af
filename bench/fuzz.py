"""The long fuzz run: schemathesis against a real ccvae-serve over loopback, bounded in time.

    python -m bench.fuzz                      # 5 minutes, every check but positive acceptance
    python -m bench.fuzz --minutes 1 --examples 200

The CI run (tests/service/test_fuzz.py) is the same idea in-process with a few dozen cases per
operation; this one lets schemathesis run its examples, coverage, fuzzing and stateful phases
until the time is spent, then checks that the server logged no unhandled error and is ready.
`positive_data_acceptance` is left out: a schema cannot say "a PNG that shows a digit", so a
schema-valid upload of random bytes rightly gets 400.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

from bench.server import BIN, Server, ccvae_serve, free_port, status

EXCLUDED = "positive_data_acceptance"
REJECTION_STATUSES = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
"""How a schema-violating request may be refused: schemathesis' own list and 413 Content Too
Large, which the schema documents for too many files, bytes or pixels (the CI run's as well)."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0, help="time budget of the run")
    parser.add_argument("--examples", type=int, default=1000, help="most cases per operation")
    parser.add_argument("--seed", type=int, default=0, help="schemathesis seed (reproducible)")
    args = parser.parse_args(argv)
    schemathesis = BIN / "schemathesis"
    if not schemathesis.exists():
        raise SystemExit("schemathesis is not installed: pip install -e '.[dev]'")
    with tempfile.TemporaryDirectory(prefix="ccvae-fuzz-") as tmp:
        port = free_port()
        log = Path(tmp) / "server.log"
        config = Path(tmp) / "schemathesis.toml"
        statuses = ", ".join(f'"{status}"' for status in REJECTION_STATUSES)
        config.write_text(f"[checks.negative_data_rejection]\nexpected-statuses = [{statuses}]\n")
        with Server("service", ccvae_serve(port, "--log-level", "warning"), port, log) as server:
            command = [
                str(schemathesis), "--config-file", str(config),
                "run", f"{server.url}/openapi.json",
                "--checks", "all", "--exclude-checks", EXCLUDED,
                "--max-examples", str(args.examples),
                "--max-time", str(round(args.minutes * 60)),
                "--seed", str(args.seed),
                "--workers", "1",
                "--request-timeout", "30",
                "--suppress-health-check", "all",
            ]  # fmt: skip
            print(" ".join(command), flush=True)
            # NOTE: run from the temporary folder: schemathesis keeps its example database in
            # .schemathesis/ under the working directory, which must not land in the work tree.
            result = subprocess.run(command, check=False, cwd=tmp)
            ready = status(f"{server.url}/health/ready")
            rss = server.rss_mib()
        errors = log.read_text().count("unhandled error")
    print(f"schemathesis exit status {result.returncode}; unhandled errors in the server log: "
          f"{errors}; ready afterwards: {ready == 200}; server RSS {rss:.0f} MiB")  # fmt: skip
    sys.exit(0 if result.returncode == 0 and errors == 0 and ready == 200 else 1)


if __name__ == "__main__":
    main()
