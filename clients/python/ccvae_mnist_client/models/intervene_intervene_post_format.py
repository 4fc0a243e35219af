from enum import StrEnum


class InterveneIntervenePostFormat(StrEnum):
    JSON = "json"
    PNG = "png"

    def __str__(self) -> str:
        return str(self.value)
