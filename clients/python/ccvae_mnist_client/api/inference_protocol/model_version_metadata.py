from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.model_metadata import ModelMetadata
from ...models.model_name import ModelName
from ...models.model_version import ModelVersion
from ...models.protocol_error import ProtocolError
from ...types import Response


def _get_kwargs(
    name: ModelName,
    version: ModelVersion,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v2/models/{name}/versions/{version}".format(
            name=quote(str(name), safe=""),
            version=quote(str(version), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ModelMetadata | ProtocolError | None:
    if response.status_code == 200:
        response_200 = ModelMetadata.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ProtocolError.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ProtocolError.from_dict(response.json())

        return response_404

    if response.status_code == 503:
        response_503 = ProtocolError.from_dict(response.json())

        return response_503

    if 400 <= response.status_code <= 499:
        response_4xx = ProtocolError.from_dict(response.json())

        return response_4xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ModelMetadata | ProtocolError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: ModelName,
    version: ModelVersion,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ModelMetadata | ProtocolError]:
    """Model Version Metadata

     The metadata of one version of a model.

    Args:
        name (ModelName): A served graph of the model, by its role.
        version (ModelVersion): A version of the served graphs: its number in a Triton repository
            (`<graph>/<n>/model.onnx`), else 1; the manifest's semantic version is in /model.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModelMetadata | ProtocolError]
    """

    kwargs = _get_kwargs(
        name=name,
        version=version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: ModelName,
    version: ModelVersion,
    *,
    client: AuthenticatedClient | Client,
) -> ModelMetadata | ProtocolError | None:
    """Model Version Metadata

     The metadata of one version of a model.

    Args:
        name (ModelName): A served graph of the model, by its role.
        version (ModelVersion): A version of the served graphs: its number in a Triton repository
            (`<graph>/<n>/model.onnx`), else 1; the manifest's semantic version is in /model.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModelMetadata | ProtocolError
    """

    return sync_detailed(
        name=name,
        version=version,
        client=client,
    ).parsed


async def asyncio_detailed(
    name: ModelName,
    version: ModelVersion,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ModelMetadata | ProtocolError]:
    """Model Version Metadata

     The metadata of one version of a model.

    Args:
        name (ModelName): A served graph of the model, by its role.
        version (ModelVersion): A version of the served graphs: its number in a Triton repository
            (`<graph>/<n>/model.onnx`), else 1; the manifest's semantic version is in /model.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ModelMetadata | ProtocolError]
    """

    kwargs = _get_kwargs(
        name=name,
        version=version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: ModelName,
    version: ModelVersion,
    *,
    client: AuthenticatedClient | Client,
) -> ModelMetadata | ProtocolError | None:
    """Model Version Metadata

     The metadata of one version of a model.

    Args:
        name (ModelName): A served graph of the model, by its role.
        version (ModelVersion): A version of the served graphs: its number in a Triton repository
            (`<graph>/<n>/model.onnx`), else 1; the manifest's semantic version is in /model.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ModelMetadata | ProtocolError
    """

    return (
        await asyncio_detailed(
            name=name,
            version=version,
            client=client,
        )
    ).parsed
