"""A Dockerfile read as instructions, for the static checks of the images and the deployments."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str
    argument: str

    def words(self) -> list[str]:
        """Exec form (JSON array) or shell form, as a list of words."""
        text = self.argument.strip()
        words: list[str] = json.loads(text) if text.startswith("[") else shlex.split(text)
        return words


def parse(path: Path) -> list[Instruction]:
    """Instructions of a Dockerfile, comments dropped and continuation lines joined."""
    logical, pending = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending)
        pending = ""
    instructions = []
    for text in logical:
        keyword, _, argument = text.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), argument.strip()))
    return instructions


def command(instructions: list[Instruction]) -> list[str]:
    """What the container runs: the last ENTRYPOINT, else the last CMD."""
    entry = [i for i in instructions if i.keyword == "ENTRYPOINT"]
    cmd = [i for i in instructions if i.keyword == "CMD"]
    return entry[-1].words() if entry else cmd[-1].words()


def served_port(path: Path) -> int:
    """The port the image's ccvae-serve listens on."""
    words = command(parse(path))
    return int(words[words.index("--port") + 1])
