from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.generate_request_format import GenerateRequestFormat
from ..models.generate_request_source_type_0 import GenerateRequestSourceType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="GenerateRequest")


@_attrs_define
class GenerateRequest:
    """The parameters of /generate as a JSON body, instead of the query string.

    Attributes:
        label (int | str):
        n (int | Unset):  Default: 1.
        seed (int | None | Unset):
        temperature (float | Unset):  Default: 1.0.
        source (GenerateRequestSourceType0 | None | Unset):
        format_ (GenerateRequestFormat | Unset):  Default: GenerateRequestFormat.PNG.
    """

    label: int | str
    n: int | Unset = 1
    seed: int | None | Unset = UNSET
    temperature: float | Unset = 1.0
    source: GenerateRequestSourceType0 | None | Unset = UNSET
    format_: GenerateRequestFormat | Unset = GenerateRequestFormat.PNG

    def to_dict(self) -> dict[str, Any]:
        label: int | str
        label = self.label

        n = self.n

        seed: int | None | Unset
        if isinstance(self.seed, Unset):
            seed = UNSET
        else:
            seed = self.seed

        temperature = self.temperature

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        elif isinstance(self.source, GenerateRequestSourceType0):
            source = self.source.value
        else:
            source = self.source

        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "label": label,
            }
        )
        if n is not UNSET:
            field_dict["n"] = n
        if seed is not UNSET:
            field_dict["seed"] = seed
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if source is not UNSET:
            field_dict["source"] = source
        if format_ is not UNSET:
            field_dict["format"] = format_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_label(data: object) -> int | str:
            return cast(int | str, data)

        label = _parse_label(d.pop("label"))

        n = d.pop("n", UNSET)

        def _parse_seed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        seed = _parse_seed(d.pop("seed", UNSET))

        temperature = d.pop("temperature", UNSET)

        def _parse_source(data: object) -> GenerateRequestSourceType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                source_type_0 = GenerateRequestSourceType0(data)

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GenerateRequestSourceType0 | None | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        _format_ = d.pop("format", UNSET)
        format_: GenerateRequestFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = GenerateRequestFormat(_format_)

        generate_request = cls(
            label=label,
            n=n,
            seed=seed,
            temperature=temperature,
            source=source,
            format_=format_,
        )

        return generate_request
