from enum import StrEnum


class ModelName(StrEnum):
    CLASSIFIER = "classifier"
    DECODER = "decoder"
    DENSITY = "density"
    ENCODER = "encoder"
    OOD = "ood"
    PRIOR = "prior"

    def __str__(self) -> str:
        return str(self.value)
