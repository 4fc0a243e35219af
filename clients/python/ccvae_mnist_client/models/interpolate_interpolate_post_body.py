from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="InterpolateInterpolatePostBody")


@_attrs_define
class InterpolateInterpolatePostBody:
    """
    Attributes:
        start_image (File | Unset): First image (PNG/JPEG).
        end_image (File | Unset): Last image (PNG/JPEG).
    """

    start_image: File | Unset = UNSET
    end_image: File | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_image: FileTypes | Unset = UNSET
        if not isinstance(self.start_image, Unset):
            start_image = self.start_image.to_tuple()

        end_image: FileTypes | Unset = UNSET
        if not isinstance(self.end_image, Unset):
            end_image = self.end_image.to_tuple()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if start_image is not UNSET:
            field_dict["start_image"] = start_image
        if end_image is not UNSET:
            field_dict["end_image"] = end_image

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        if not isinstance(self.start_image, Unset):
            files.append(("start_image", self.start_image.to_tuple()))

        if not isinstance(self.end_image, Unset):
            files.append(("end_image", self.end_image.to_tuple()))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _start_image = d.pop("start_image", UNSET)
        start_image: File | Unset
        if isinstance(_start_image, Unset):
            start_image = UNSET
        else:
            start_image = File(payload=BytesIO(_start_image))

        _end_image = d.pop("end_image", UNSET)
        end_image: File | Unset
        if isinstance(_end_image, Unset):
            end_image = UNSET
        else:
            end_image = File(payload=BytesIO(_end_image))

        interpolate_interpolate_post_body = cls(
            start_image=start_image,
            end_image=end_image,
        )

        interpolate_interpolate_post_body.additional_properties = d
        return interpolate_interpolate_post_body

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
