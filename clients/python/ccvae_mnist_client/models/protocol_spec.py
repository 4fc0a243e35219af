from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.protocol_spec_selection import ProtocolSpecSelection

T = TypeVar("T", bound="ProtocolSpec")


@_attrs_define
class ProtocolSpec:
    """How the model got its labels and was chosen (training's `TrainConfig.protocol`).

    Attributes:
        labels (int | Literal['all']): Labelled training digits, or all of them.
        label_draw (int | None): Which balanced draw of the labelled digits (the training seed); none with all.
        selection (ProtocolSpecSelection): best: the epoch of best validation accuracy; last: the fixed final epoch.
        epoch (int | None): The epoch the exported weights are from.
        statement (str): The above, and the weight averaging, in one sentence.
    """

    labels: int | Literal["all"]
    label_draw: int | None
    selection: ProtocolSpecSelection
    epoch: int | None
    statement: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        labels: int | Literal["all"]
        labels = self.labels

        label_draw: int | None
        label_draw = self.label_draw

        selection = self.selection.value

        epoch: int | None
        epoch = self.epoch

        statement = self.statement

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "labels": labels,
                "label_draw": label_draw,
                "selection": selection,
                "epoch": epoch,
                "statement": statement,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_labels(data: object) -> int | Literal["all"]:
            labels_type_1 = cast(Literal["all"], data)
            if labels_type_1 != "all":
                raise ValueError(f"labels_type_1 must match const 'all', got '{labels_type_1}'")
            return labels_type_1
            return cast(int | Literal["all"], data)

        labels = _parse_labels(d.pop("labels"))

        def _parse_label_draw(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        label_draw = _parse_label_draw(d.pop("label_draw"))

        selection = ProtocolSpecSelection(d.pop("selection"))

        def _parse_epoch(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        epoch = _parse_epoch(d.pop("epoch"))

        statement = d.pop("statement")

        protocol_spec = cls(
            labels=labels,
            label_draw=label_draw,
            selection=selection,
            epoch=epoch,
            statement=statement,
        )

        protocol_spec.additional_properties = d
        return protocol_spec

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
