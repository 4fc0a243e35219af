from enum import StrEnum


class Source(StrEnum):
    DENSITY = "density"
    PRIOR = "prior"

    def __str__(self) -> str:
        return str(self.value)
