"""Contains all the data models used in inputs/outputs"""

from .classify_classify_post_files_body import ClassifyClassifyPostFilesBody
from .classify_classify_post_invert import ClassifyClassifyPostInvert
from .encode_encode_post_files_body import EncodeEncodePostFilesBody
from .encode_encode_post_invert import EncodeEncodePostInvert
from .encoding import Encoding
from .error import Error
from .error_detail import ErrorDetail
from .gaussian import Gaussian
from .generate_generate_post_format import GenerateGeneratePostFormat
from .generate_generate_post_source_type_0 import GenerateGeneratePostSourceType0
from .generate_request import GenerateRequest
from .generate_request_format import GenerateRequestFormat
from .generate_request_source_type_0 import GenerateRequestSourceType0
from .health import Health
from .image import Image
from .images import Images
from .infer_v2_models_name_infer_post_inference_request import InferV2ModelsNameInferPostInferenceRequest
from .infer_v2_models_name_infer_post_inference_request_parameters import (
    InferV2ModelsNameInferPostInferenceRequestParameters,
)
from .infer_v2_models_name_infer_post_inference_request_request_input import (
    InferV2ModelsNameInferPostInferenceRequestRequestInput,
)
from .infer_v2_models_name_infer_post_inference_request_request_input_parameters import (
    InferV2ModelsNameInferPostInferenceRequestRequestInputParameters,
)
from .infer_v2_models_name_infer_post_inference_request_request_output import (
    InferV2ModelsNameInferPostInferenceRequestRequestOutput,
)
from .infer_v2_models_name_infer_post_inference_request_request_output_parameters import (
    InferV2ModelsNameInferPostInferenceRequestRequestOutputParameters,
)
from .infer_version_v2_models_name_versions_version_infer_post_inference_request import (
    InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequest,
)
from .infer_version_v2_models_name_versions_version_infer_post_inference_request_parameters import (
    InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestParameters,
)
from .infer_version_v2_models_name_versions_version_infer_post_inference_request_request_input import (
    InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestInput,
)
from .infer_version_v2_models_name_versions_version_infer_post_inference_request_request_input_parameters import (
    InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestInputParameters,
)
from .infer_version_v2_models_name_versions_version_infer_post_inference_request_request_output import (
    InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestOutput,
)
from .infer_version_v2_models_name_versions_version_infer_post_inference_request_request_output_parameters import (
    InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestOutputParameters,
)
from .inference_response import InferenceResponse
from .interpolate_interpolate_post_body import InterpolateInterpolatePostBody
from .interpolate_interpolate_post_format import InterpolateInterpolatePostFormat
from .interpolate_interpolate_post_invert import InterpolateInterpolatePostInvert
from .interpolate_interpolate_post_source_type_0 import InterpolateInterpolatePostSourceType0
from .intervene_intervene_post_files_body import InterveneIntervenePostFilesBody
from .intervene_intervene_post_format import InterveneIntervenePostFormat
from .intervene_intervene_post_invert import InterveneIntervenePostInvert
from .model_info import ModelInfo
from .model_info_image import ModelInfoImage
from .model_info_latent import ModelInfoLatent
from .model_info_metrics import ModelInfoMetrics
from .model_info_training import ModelInfoTraining
from .model_info_versions import ModelInfoVersions
from .model_metadata import ModelMetadata
from .model_ready import ModelReady
from .ood_spec import OODSpec
from .out_of_distribution import OutOfDistribution
from .prediction import Prediction
from .protocol_error import ProtocolError
from .reconstruct_reconstruct_post_files_body import ReconstructReconstructPostFilesBody
from .reconstruct_reconstruct_post_format import ReconstructReconstructPostFormat
from .reconstruct_reconstruct_post_invert import ReconstructReconstructPostInvert
from .response_output import ResponseOutput
from .response_output_parameters_type_0 import ResponseOutputParametersType0
from .server_live import ServerLive
from .server_metadata import ServerMetadata
from .server_ready import ServerReady
from .tensor_metadata import TensorMetadata

__all__ = (
    "ClassifyClassifyPostFilesBody",
    "ClassifyClassifyPostInvert",
    "EncodeEncodePostFilesBody",
    "EncodeEncodePostInvert",
    "Encoding",
    "Error",
    "ErrorDetail",
    "Gaussian",
    "GenerateGeneratePostFormat",
    "GenerateGeneratePostSourceType0",
    "GenerateRequest",
    "GenerateRequestFormat",
    "GenerateRequestSourceType0",
    "Health",
    "Image",
    "Images",
    "InferenceResponse",
    "InferV2ModelsNameInferPostInferenceRequest",
    "InferV2ModelsNameInferPostInferenceRequestParameters",
    "InferV2ModelsNameInferPostInferenceRequestRequestInput",
    "InferV2ModelsNameInferPostInferenceRequestRequestInputParameters",
    "InferV2ModelsNameInferPostInferenceRequestRequestOutput",
    "InferV2ModelsNameInferPostInferenceRequestRequestOutputParameters",
    "InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequest",
    "InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestParameters",
    "InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestInput",
    "InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestInputParameters",
    "InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestOutput",
    "InferVersionV2ModelsNameVersionsVersionInferPostInferenceRequestRequestOutputParameters",
    "InterpolateInterpolatePostBody",
    "InterpolateInterpolatePostFormat",
    "InterpolateInterpolatePostInvert",
    "InterpolateInterpolatePostSourceType0",
    "InterveneIntervenePostFilesBody",
    "InterveneIntervenePostFormat",
    "InterveneIntervenePostInvert",
    "ModelInfo",
    "ModelInfoImage",
    "ModelInfoLatent",
    "ModelInfoMetrics",
    "ModelInfoTraining",
    "ModelInfoVersions",
    "ModelMetadata",
    "ModelReady",
    "OODSpec",
    "OutOfDistribution",
    "Prediction",
    "ProtocolError",
    "ReconstructReconstructPostFilesBody",
    "ReconstructReconstructPostFormat",
    "ReconstructReconstructPostInvert",
    "ResponseOutput",
    "ResponseOutputParametersType0",
    "ServerLive",
    "ServerMetadata",
    "ServerReady",
    "TensorMetadata",
)
