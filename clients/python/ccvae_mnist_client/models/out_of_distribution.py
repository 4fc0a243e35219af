from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OutOfDistribution")


@_attrs_define
class OutOfDistribution:
    """How unlike the held-out training digits one image is, by the model's own likelihood.

    Attributes:
        score (float): Higher is less like a digit (the manifest's ood.score).
        percentile (float): Percent of held-out training digits scoring lower.
        flagged (bool): Score above the threshold that flags the manifest's ood.false_alarm_rate of held-out digits:
            this does not look like a digit.
    """

    score: float
    percentile: float
    flagged: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        score = self.score

        percentile = self.percentile

        flagged = self.flagged

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "score": score,
                "percentile": percentile,
                "flagged": flagged,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        score = d.pop("score")

        percentile = d.pop("percentile")

        flagged = d.pop("flagged")

        out_of_distribution = cls(
            score=score,
            percentile=percentile,
            flagged=flagged,
        )

        out_of_distribution.additional_properties = d
        return out_of_distribution

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
