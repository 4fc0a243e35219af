from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.infer_v2_models_name_infer_post_inference_request_parameters import (
        InferV2ModelsNameInferPostInferenceRequestParameters,
    )
    from ..models.infer_v2_models_name_infer_post_inference_request_request_input import (
        InferV2ModelsNameInferPostInferenceRequestRequestInput,
    )
    from ..models.infer_v2_models_name_infer_post_inference_request_request_output import (
        InferV2ModelsNameInferPostInferenceRequestRequestOutput,
    )


T = TypeVar("T", bound="InferV2ModelsNameInferPostInferenceRequest")


@_attrs_define
class InferV2ModelsNameInferPostInferenceRequest:
    """The JSON part of an inference request; without `outputs`, every output is returned.

    Attributes:
        inputs (list[InferV2ModelsNameInferPostInferenceRequestRequestInput]):
        id (None | str | Unset):
        parameters (InferV2ModelsNameInferPostInferenceRequestParameters | Unset):
        outputs (list[InferV2ModelsNameInferPostInferenceRequestRequestOutput] | None | Unset):
    """

    inputs: list[InferV2ModelsNameInferPostInferenceRequestRequestInput]
    id: None | str | Unset = UNSET
    parameters: InferV2ModelsNameInferPostInferenceRequestParameters | Unset = UNSET
    outputs: list[InferV2ModelsNameInferPostInferenceRequestRequestOutput] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        inputs = []
        for inputs_item_data in self.inputs:
            inputs_item = inputs_item_data.to_dict()
            inputs.append(inputs_item)

        id: None | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = self.parameters.to_dict()

        outputs: list[dict[str, Any]] | None | Unset
        if isinstance(self.outputs, Unset):
            outputs = UNSET
        elif isinstance(self.outputs, list):
            outputs = []
            for outputs_type_0_item_data in self.outputs:
                outputs_type_0_item = outputs_type_0_item_data.to_dict()
                outputs.append(outputs_type_0_item)

        else:
            outputs = self.outputs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "inputs": inputs,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if outputs is not UNSET:
            field_dict["outputs"] = outputs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.infer_v2_models_name_infer_post_inference_request_parameters import (
            InferV2ModelsNameInferPostInferenceRequestParameters,  # noqa: PLC0415
        )
        from ..models.infer_v2_models_name_infer_post_inference_request_request_input import (
            InferV2ModelsNameInferPostInferenceRequestRequestInput,  # noqa: PLC0415
        )
        from ..models.infer_v2_models_name_infer_post_inference_request_request_output import (
            InferV2ModelsNameInferPostInferenceRequestRequestOutput,  # noqa: PLC0415
        )

        d = dict(src_dict)
        inputs = []
        _inputs = d.pop("inputs")
        for inputs_item_data in _inputs:
            inputs_item = InferV2ModelsNameInferPostInferenceRequestRequestInput.from_dict(inputs_item_data)

            inputs.append(inputs_item)

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        _parameters = d.pop("parameters", UNSET)
        parameters: InferV2ModelsNameInferPostInferenceRequestParameters | Unset
        if isinstance(_parameters, Unset):
            parameters = UNSET
        else:
            parameters = InferV2ModelsNameInferPostInferenceRequestParameters.from_dict(_parameters)

        def _parse_outputs(
            data: object,
        ) -> list[InferV2ModelsNameInferPostInferenceRequestRequestOutput] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                outputs_type_0 = []
                _outputs_type_0 = data
                for outputs_type_0_item_data in _outputs_type_0:
                    outputs_type_0_item = InferV2ModelsNameInferPostInferenceRequestRequestOutput.from_dict(
                        outputs_type_0_item_data
                    )

                    outputs_type_0.append(outputs_type_0_item)

                return outputs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[InferV2ModelsNameInferPostInferenceRequestRequestOutput] | None | Unset, data)

        outputs = _parse_outputs(d.pop("outputs", UNSET))

        infer_v2_models_name_infer_post_inference_request = cls(
            inputs=inputs,
            id=id,
            parameters=parameters,
            outputs=outputs,
        )

        infer_v2_models_name_infer_post_inference_request.additional_properties = d
        return infer_v2_models_name_infer_post_inference_request

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
