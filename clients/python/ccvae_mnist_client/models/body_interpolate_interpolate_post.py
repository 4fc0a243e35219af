from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import UNSET, Unset

T = TypeVar("T", bound="BodyInterpolateInterpolatePost")


@_attrs_define
class BodyInterpolateInterpolatePost:
    """
    Attributes:
        start_image (None | str | Unset): First image (PNG/JPEG).
        end_image (None | str | Unset): Last image (PNG/JPEG).
    """

    start_image: None | str | Unset = UNSET
    end_image: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_image: None | str | Unset
        if isinstance(self.start_image, Unset):
            start_image = UNSET
        else:
            start_image = self.start_image

        end_image: None | str | Unset
        if isinstance(self.end_image, Unset):
            end_image = UNSET
        else:
            end_image = self.end_image

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
            if isinstance(self.start_image, str):
                files.append(("start_image", (None, str(self.start_image).encode(), "text/plain")))
            else:
                files.append(("start_image", (None, str(self.start_image).encode(), "text/plain")))

        if not isinstance(self.end_image, Unset):
            if isinstance(self.end_image, str):
                files.append(("end_image", (None, str(self.end_image).encode(), "text/plain")))
            else:
                files.append(("end_image", (None, str(self.end_image).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_start_image(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        start_image = _parse_start_image(d.pop("start_image", UNSET))

        def _parse_end_image(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        end_image = _parse_end_image(d.pop("end_image", UNSET))

        body_interpolate_interpolate_post = cls(
            start_image=start_image,
            end_image=end_image,
        )

        body_interpolate_interpolate_post.additional_properties = d
        return body_interpolate_interpolate_post

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
