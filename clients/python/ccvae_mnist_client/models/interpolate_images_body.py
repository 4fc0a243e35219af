from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..types import File

T = TypeVar("T", bound="InterpolateImagesBody")


@_attrs_define
class InterpolateImagesBody:
    """
    Attributes:
        start_image (File): First image (PNG/JPEG).
        end_image (File): Last image (PNG/JPEG).
    """

    start_image: File
    end_image: File

    def to_dict(self) -> dict[str, Any]:
        start_image = self.start_image.to_tuple()

        end_image = self.end_image.to_tuple()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "start_image": start_image,
                "end_image": end_image,
            }
        )

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("start_image", self.start_image.to_tuple()))

        files.append(("end_image", self.end_image.to_tuple()))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start_image = File(payload=BytesIO(d.pop("start_image")))

        end_image = File(payload=BytesIO(d.pop("end_image")))

        interpolate_images_body = cls(
            start_image=start_image,
            end_image=end_image,
        )

        return interpolate_images_body
