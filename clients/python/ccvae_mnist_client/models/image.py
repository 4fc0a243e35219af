from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Image")


@_attrs_define
class Image:
    """One decoded image and the latent code it was decoded from.

    Attributes:
        png (str): The 8-bit grey PNG, base64-encoded.
        z_c (list[float]):
        z_s (list[float]):
    """

    png: str
    z_c: list[float]
    z_s: list[float]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        png = self.png

        z_c = self.z_c

        z_s = self.z_s

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "png": png,
                "z_c": z_c,
                "z_s": z_s,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        png = d.pop("png")

        z_c = cast(list[float], d.pop("z_c"))

        z_s = cast(list[float], d.pop("z_s"))

        image = cls(
            png=png,
            z_c=z_c,
            z_s=z_s,
        )

        image.additional_properties = d
        return image

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
