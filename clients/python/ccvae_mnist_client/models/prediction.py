from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Prediction")


@_attrs_define
class Prediction:
    """The classifier's reading q(y|z_c) of one image.

    Attributes:
        label (int): Index of the most probable class in the manifest's classes.
        class_name (str): That class's name in the manifest.
        probabilities (list[float]): One probability per class, summing to 1.
    """

    label: int
    class_name: str
    probabilities: list[float]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        label = self.label

        class_name = self.class_name

        probabilities = self.probabilities

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "class_name": class_name,
                "probabilities": probabilities,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        label = d.pop("label")

        class_name = d.pop("class_name")

        probabilities = cast(list[float], d.pop("probabilities"))

        prediction = cls(
            label=label,
            class_name=class_name,
            probabilities=probabilities,
        )

        prediction.additional_properties = d
        return prediction

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
