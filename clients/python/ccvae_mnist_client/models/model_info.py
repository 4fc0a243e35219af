from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.image_info import ImageInfo
    from ..models.latent_info import LatentInfo
    from ..models.model_info_metrics import ModelInfoMetrics
    from ..models.model_info_training import ModelInfoTraining
    from ..models.model_info_versions import ModelInfoVersions


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
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.image_info import ImageInfo  # noqa: PLC0415
        from ..models.latent_info import LatentInfo  # noqa: PLC0415
        from ..models.model_info_metrics import ModelInfoMetrics  # noqa: PLC0415
        from ..models.model_info_training import ModelInfoTraining  # noqa: PLC0415
        from ..models.model_info_versions import ModelInfoVersions  # noqa: PLC0415

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
