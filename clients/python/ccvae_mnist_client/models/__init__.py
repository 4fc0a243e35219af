"""Contains all the data models used in inputs/outputs"""

from .classify_files_body import ClassifyFilesBody
from .encode_files_body import EncodeFilesBody
from .encoding import Encoding
from .error import Error
from .error_detail import ErrorDetail
from .format_ import Format
from .gaussian import Gaussian
from .health import Health
from .image import Image
from .image_info import ImageInfo
from .images import Images
from .inference_request import InferenceRequest
from .inference_request_parameters import InferenceRequestParameters
from .inference_response import InferenceResponse
from .interpolate_images_body import InterpolateImagesBody
from .intervene_files_body import InterveneFilesBody
from .invert import Invert
from .latent_info import LatentInfo
from .model_info import ModelInfo
from .model_info_metrics import ModelInfoMetrics
from .model_info_training import ModelInfoTraining
from .model_info_versions import ModelInfoVersions
from .model_metadata import ModelMetadata
from .model_name import ModelName
from .model_ready import ModelReady
from .model_version import ModelVersion
from .ood_spec import OODSpec
from .out_of_distribution import OutOfDistribution
from .prediction import Prediction
from .protocol_error import ProtocolError
from .protocol_spec import ProtocolSpec
from .protocol_spec_selection import ProtocolSpecSelection
from .reconstruct_files_body import ReconstructFilesBody
from .request_input import RequestInput
from .request_input_parameters import RequestInputParameters
from .request_output import RequestOutput
from .request_output_parameters import RequestOutputParameters
from .response_output import ResponseOutput
from .response_output_parameters_type_0 import ResponseOutputParametersType0
from .server_live import ServerLive
from .server_metadata import ServerMetadata
from .server_ready import ServerReady
from .source import Source
from .tensor_metadata import TensorMetadata

__all__ = (
    "ClassifyFilesBody",
    "EncodeFilesBody",
    "Encoding",
    "Error",
    "ErrorDetail",
    "Format",
    "Gaussian",
    "Health",
    "Image",
    "ImageInfo",
    "Images",
    "InferenceRequest",
    "InferenceRequestParameters",
    "InferenceResponse",
    "InterpolateImagesBody",
    "InterveneFilesBody",
    "Invert",
    "LatentInfo",
    "ModelInfo",
    "ModelInfoMetrics",
    "ModelInfoTraining",
    "ModelInfoVersions",
    "ModelMetadata",
    "ModelName",
    "ModelReady",
    "ModelVersion",
    "OODSpec",
    "OutOfDistribution",
    "Prediction",
    "ProtocolError",
    "ProtocolSpec",
    "ProtocolSpecSelection",
    "ReconstructFilesBody",
    "RequestInput",
    "RequestInputParameters",
    "RequestOutput",
    "RequestOutputParameters",
    "ResponseOutput",
    "ResponseOutputParametersType0",
    "ServerLive",
    "ServerMetadata",
    "ServerReady",
    "Source",
    "TensorMetadata",
)
