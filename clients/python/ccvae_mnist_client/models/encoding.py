from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.gaussian import Gaussian
    from ..models.prediction import Prediction


T = TypeVar("T", bound="Encoding")


@_attrs_define
class Encoding:
    """The posterior q(z|x) split into label characteristics z_c and style z_s.

    Attributes:
        z_c (Gaussian): A diagonal Gaussian over part of the latent space.
        z_s (Gaussian): A diagonal Gaussian over part of the latent space.
        prediction (Prediction): The classifier's reading q(y|z_c) of one image.
    """

    z_c: Gaussian
    z_s: Gaussian
    prediction: Prediction
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        z_c = self.z_c.to_dict()

        z_s = self.z_s.to_dict()

        prediction = self.prediction.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "z_c": z_c,
                "z_s": z_s,
                "prediction": prediction,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gaussian import Gaussian  # noqa: PLC0415
        from ..models.prediction import Prediction  # noqa: PLC0415

        d = dict(src_dict)
        z_c = Gaussian.from_dict(d.pop("z_c"))

        z_s = Gaussian.from_dict(d.pop("z_s"))

        prediction = Prediction.from_dict(d.pop("prediction"))

        encoding = cls(
            z_c=z_c,
            z_s=z_s,
            prediction=prediction,
        )

        encoding.additional_properties = d
        return encoding

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
