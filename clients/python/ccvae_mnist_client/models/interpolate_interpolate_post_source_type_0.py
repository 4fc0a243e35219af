from enum import StrEnum


class InterpolateInterpolatePostSourceType0(StrEnum):
    DENSITY = "density"
    PRIOR = "prior"

    def __str__(self) -> str:
        return str(self.value)
