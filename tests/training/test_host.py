"""training/host.py: after `use_cores`, a CPU training step reuses the memory the step before it
freed instead of faulting fresh pages in from the kernel."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from training.host import MALLOC, tunables

STEPS = """
import resource, sys
import torch
from training.config import ModelConfig
from training.host import use_cores
from training.model import CCVAE
from training.objectives import LossWeights, SemiSupervisedLoss

if sys.argv[1] == "use_cores":
    use_cores(2)
torch.manual_seed(0)
model = CCVAE(ModelConfig())
loss_fn = SemiSupervisedLoss(model, "simple", LossWeights(consistency=0.0, generation=0.0))
opt = torch.optim.Adam(model.parameters())
x, y = torch.rand(128, 1, 28, 28), torch.randint(0, 10, (64,))

def step():
    loss, _ = loss_fn(x[:64], y, x)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()

for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) // 4)
"""

glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt's settings are glibc's"
)


def page_faults_a_step(setup: str) -> int:
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    env.pop("GLIBC_TUNABLES", None)
    done = subprocess.run(
        [sys.executable, "-c", STEPS, setup], capture_output=True, text=True, env=env, check=True
    )
    return int(done.stdout.split()[-1])


@glibc
def test_a_training_step_after_use_cores_faults_in_a_fraction_of_the_pages() -> None:
    """Here: 5,000-9,000 page faults a step as glibc starts, 0-300 after use_cores."""
    as_started, kept = page_faults_a_step("malloc as started"), page_faults_a_step("use_cores")
    assert as_started > 1000, f"glibc as it starts faults {as_started} pages a step here"
    assert kept < as_started / 5, f"{kept} page faults a step after use_cores, {as_started} before"


def test_the_tunables_carry_the_same_settings_for_a_process_that_cannot_call_mallopt() -> None:
    written = dict(part.split("=") for part in tunables().split(":"))
    assert written == {f"glibc.malloc.{name}": str(value) for name, (_, value) in MALLOC.items()}
    assert all(0 < value < 2**31 for _, value in MALLOC.values())  # mallopt takes a C int
