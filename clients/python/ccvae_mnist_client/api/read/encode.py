from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.encode_files_body import EncodeFilesBody
from ...models.encoding import Encoding
from ...models.error import Error
from ...models.invert import Invert
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: EncodeFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    json_invert: str | Unset = UNSET
    if not isinstance(invert, Unset):
        json_invert = invert.value

    params["invert"] = json_invert

    params["fit"] = fit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/encode",
        "params": params,
    }

    if isinstance(body, EncodeFilesBody):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "image/png"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Encoding | Error | None:
    if response.status_code == 200:
        response_200 = Encoding.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 408:
        response_408 = Error.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Encoding | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EncodeFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Response[Encoding | Error]:
    """Encode

     Posterior q(z|x) of one image, split into z_c and z_s, with its classification.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (EncodeFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Encoding | Error]
    """

    kwargs = _get_kwargs(
        body=body,
        invert=invert,
        fit=fit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: EncodeFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Encoding | Error | None:
    """Encode

     Posterior q(z|x) of one image, split into z_c and z_s, with its classification.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (EncodeFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Encoding | Error
    """

    return sync_detailed(
        client=client,
        body=body,
        invert=invert,
        fit=fit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EncodeFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Response[Encoding | Error]:
    """Encode

     Posterior q(z|x) of one image, split into z_c and z_s, with its classification.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (EncodeFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Encoding | Error]
    """

    kwargs = _get_kwargs(
        body=body,
        invert=invert,
        fit=fit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: EncodeFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Encoding | Error | None:
    """Encode

     Posterior q(z|x) of one image, split into z_c and z_s, with its classification.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (EncodeFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Encoding | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            invert=invert,
            fit=fit,
        )
    ).parsed
