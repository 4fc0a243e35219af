from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_info import ImageInfo
    from ..models.latent_info import LatentInfo
    from ..models.model_info_metrics import ModelInfoMetrics
    from ..models.model_info_training import ModelInfoTraining
    from ..models.model_info_versions import ModelInfoVersions
    from ..models.ood_spec import OODSpec
    from ..models.protocol_spec import ProtocolSpec


T = TypeVar("T", bound="ModelInfo")


@_attrs_define
class ModelInfo:
    """What the service serves: the manifest's facts and the execution provider in use.

    Attributes:
        name (str):
        version (str):
        classes (list[str]):
        image (ImageInfo): The images the model reads and draws.
        latent (LatentInfo): Sizes of the two parts of z = [z_c, z_s].
        metrics (ModelInfoMetrics): Test-set measures written at export.
        versions (ModelInfoVersions): Library versions the model was exported with.
        training (ModelInfoTraining): The training run's settings.
        provider (str): The onnxruntime execution provider the sessions run on.
        device (str): The device setting the provider was chosen from.
        batching (bool):
        protocol (None | ProtocolSpec | Unset): How the model got its labels and was chosen (absent from models exported
            before manifests stated it).
        ood (None | OODSpec | Unset): The out-of-distribution score's calibration, if any.
        card (None | str | Unset): Path of the model card, if any.
    """

    name: str
    version: str
    classes: list[str]
    image: ImageInfo
    latent: LatentInfo
    metrics: ModelInfoMetrics
    versions: ModelInfoVersions
    training: ModelInfoTraining
    provider: str
    device: str
    batching: bool
    protocol: None | ProtocolSpec | Unset = UNSET
    ood: None | OODSpec | Unset = UNSET
    card: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.ood_spec import OODSpec  # noqa: PLC0415
        from ..models.protocol_spec import ProtocolSpec  # noqa: PLC0415

        name = self.name

        version = self.version

        classes = self.classes

        image = self.image.to_dict()

        latent = self.latent.to_dict()

        metrics = self.metrics.to_dict()

        versions = self.versions.to_dict()

        training = self.training.to_dict()

        provider = self.provider

        device = self.device

        batching = self.batching

        protocol: dict[str, Any] | None | Unset
        if isinstance(self.protocol, Unset):
            protocol = UNSET
        elif isinstance(self.protocol, ProtocolSpec):
            protocol = self.protocol.to_dict()
        else:
            protocol = self.protocol

        ood: dict[str, Any] | None | Unset
        if isinstance(self.ood, Unset):
            ood = UNSET
        elif isinstance(self.ood, OODSpec):
            ood = self.ood.to_dict()
        else:
            ood = self.ood

        card: None | str | Unset
        if isinstance(self.card, Unset):
            card = UNSET
        else:
            card = self.card

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
                "classes": classes,
                "image": image,
                "latent": latent,
                "metrics": metrics,
                "versions": versions,
                "training": training,
                "provider": provider,
                "device": device,
                "batching": batching,
            }
        )
        if protocol is not UNSET:
            field_dict["protocol"] = protocol
        if ood is not UNSET:
            field_dict["ood"] = ood
        if card is not UNSET:
            field_dict["card"] = card

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.image_info import ImageInfo  # noqa: PLC0415
        from ..models.latent_info import LatentInfo  # noqa: PLC0415
        from ..models.model_info_metrics import ModelInfoMetrics  # noqa: PLC0415
        from ..models.model_info_training import ModelInfoTraining  # noqa: PLC0415
        from ..models.model_info_versions import ModelInfoVersions  # noqa: PLC0415
        from ..models.ood_spec import OODSpec  # noqa: PLC0415
        from ..models.protocol_spec import ProtocolSpec  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        classes = cast(list[str], d.pop("classes"))

        image = ImageInfo.from_dict(d.pop("image"))

        latent = LatentInfo.from_dict(d.pop("latent"))

        metrics = ModelInfoMetrics.from_dict(d.pop("metrics"))

        versions = ModelInfoVersions.from_dict(d.pop("versions"))

        training = ModelInfoTraining.from_dict(d.pop("training"))

        provider = d.pop("provider")

        device = d.pop("device")

        batching = d.pop("batching")

        def _parse_protocol(data: object) -> None | ProtocolSpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                protocol_type_0 = ProtocolSpec.from_dict(data)

                return protocol_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProtocolSpec | Unset, data)

        protocol = _parse_protocol(d.pop("protocol", UNSET))

        def _parse_ood(data: object) -> None | OODSpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                ood_type_0 = OODSpec.from_dict(data)

                return ood_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OODSpec | Unset, data)

        ood = _parse_ood(d.pop("ood", UNSET))

        def _parse_card(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        card = _parse_card(d.pop("card", UNSET))

        model_info = cls(
            name=name,
            version=version,
            classes=classes,
            image=image,
            latent=latent,
            metrics=metrics,
            versions=versions,
            training=training,
            provider=provider,
            device=device,
            batching=batching,
            protocol=protocol,
            ood=ood,
            card=card,
        )

        model_info.additional_properties = d
        return model_info

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
