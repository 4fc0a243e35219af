from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OODSpec")


@_attrs_define
class OODSpec:
    """The out-of-distribution score's calibration on held-out training digits.

    Attributes:
        score (str):
        false_alarm_rate (float):
        threshold (float):
        quantiles (list[float]):
        calibration_images (int):
        calibration_split (str):
    """

    score: str
    false_alarm_rate: float
    threshold: float
    quantiles: list[float]
    calibration_images: int
    calibration_split: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        score = self.score

        false_alarm_rate = self.false_alarm_rate

        threshold = self.threshold

        quantiles = self.quantiles

        calibration_images = self.calibration_images

        calibration_split = self.calibration_split

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "score": score,
                "false_alarm_rate": false_alarm_rate,
                "threshold": threshold,
                "quantiles": quantiles,
                "calibration_images": calibration_images,
                "calibration_split": calibration_split,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        score = d.pop("score")

        false_alarm_rate = d.pop("false_alarm_rate")

        threshold = d.pop("threshold")

        quantiles = cast(list[float], d.pop("quantiles"))

        calibration_images = d.pop("calibration_images")

        calibration_split = d.pop("calibration_split")

        ood_spec = cls(
            score=score,
            false_alarm_rate=false_alarm_rate,
            threshold=threshold,
            quantiles=quantiles,
            calibration_images=calibration_images,
            calibration_split=calibration_split,
        )

        ood_spec.additional_properties = d
        return ood_spec

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
