from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ImageInfo")


@_attrs_define
class ImageInfo:
    """The images the model reads and draws.

    Attributes:
        shape (list[int]): [channels, height, width]; one grey channel.
        range_ (list[float]): Pixel values from, to.
        foreground (str): The digits' polarity, as MNIST's: white-on-black.
    """

    shape: list[int]
    range_: list[float]
    foreground: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        shape = self.shape

        range_ = self.range_

        foreground = self.foreground

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "shape": shape,
                "range": range_,
                "foreground": foreground,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        shape = cast(list[int], d.pop("shape"))

        range_ = cast(list[float], d.pop("range"))

        foreground = d.pop("foreground")

        image_info = cls(
            shape=shape,
            range_=range_,
            foreground=foreground,
        )

        image_info.additional_properties = d
        return image_info

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
