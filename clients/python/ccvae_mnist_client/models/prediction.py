from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.out_of_distribution import OutOfDistribution


T = TypeVar("T", bound="Prediction")


@_attrs_define
class Prediction:
    """The classifier's reading q(y|z_c) of one image.

    Attributes:
        label (int): Index of the most probable class in the manifest's classes.
        class_name (str): That class's name in the manifest.
        probabilities (list[float]): One probability per class, summing to 1.
        ood (None | OutOfDistribution | Unset): Out-of-distribution score; absent when the model has none.
    """

    label: int
    class_name: str
    probabilities: list[float]
    ood: None | OutOfDistribution | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.out_of_distribution import OutOfDistribution  # noqa: PLC0415

        label = self.label

        class_name = self.class_name

        probabilities = self.probabilities

        ood: dict[str, Any] | None | Unset
        if isinstance(self.ood, Unset):
            ood = UNSET
        elif isinstance(self.ood, OutOfDistribution):
            ood = self.ood.to_dict()
        else:
            ood = self.ood

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "label": label,
                "class_name": class_name,
                "probabilities": probabilities,
            }
        )
        if ood is not UNSET:
            field_dict["ood"] = ood

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.out_of_distribution import OutOfDistribution  # noqa: PLC0415

        d = dict(src_dict)
        label = d.pop("label")

        class_name = d.pop("class_name")

        probabilities = cast(list[float], d.pop("probabilities"))

        def _parse_ood(data: object) -> None | OutOfDistribution | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                ood_type_0 = OutOfDistribution.from_dict(data)

                return ood_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OutOfDistribution | Unset, data)

        ood = _parse_ood(d.pop("ood", UNSET))

        prediction = cls(
            label=label,
            class_name=class_name,
            probabilities=probabilities,
            ood=ood,
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
