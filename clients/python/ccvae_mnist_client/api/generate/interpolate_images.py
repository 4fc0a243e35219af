from http import HTTPStatus
from io import BytesIO
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.format_ import Format
from ...models.interpolate_images_body import InterpolateImagesBody
from ...models.invert import Invert
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: InterpolateImagesBody,
    steps: int | Unset = 8,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
    format_: Format | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["steps"] = steps

    json_invert: str | Unset = UNSET
    if not isinstance(invert, Unset):
        json_invert = invert.value

    params["invert"] = json_invert

    params["fit"] = fit

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/interpolate/images",
        "params": params,
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | File | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | File]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InterpolateImagesBody,
    steps: int | Unset = 8,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
    format_: Format | Unset = UNSET,
) -> Response[Error | File]:
    """Interpolate Images

     Walk z between two uploaded images, from posterior mean to posterior mean.

    Args:
        steps (int | Unset): Frames, both ends included. Default: 8.
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.
        body (InterpolateImagesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        body=body,
        steps=steps,
        invert=invert,
        fit=fit,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: InterpolateImagesBody,
    steps: int | Unset = 8,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
    format_: Format | Unset = UNSET,
) -> Error | File | None:
    """Interpolate Images

     Walk z between two uploaded images, from posterior mean to posterior mean.

    Args:
        steps (int | Unset): Frames, both ends included. Default: 8.
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.
        body (InterpolateImagesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return sync_detailed(
        client=client,
        body=body,
        steps=steps,
        invert=invert,
        fit=fit,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InterpolateImagesBody,
    steps: int | Unset = 8,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
    format_: Format | Unset = UNSET,
) -> Response[Error | File]:
    """Interpolate Images

     Walk z between two uploaded images, from posterior mean to posterior mean.

    Args:
        steps (int | Unset): Frames, both ends included. Default: 8.
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.
        body (InterpolateImagesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        body=body,
        steps=steps,
        invert=invert,
        fit=fit,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: InterpolateImagesBody,
    steps: int | Unset = 8,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
    format_: Format | Unset = UNSET,
) -> Error | File | None:
    """Interpolate Images

     Walk z between two uploaded images, from posterior mean to posterior mean.

    Args:
        steps (int | Unset): Frames, both ends included. Default: 8.
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.
        body (InterpolateImagesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            steps=steps,
            invert=invert,
            fit=fit,
            format_=format_,
        )
    ).parsed
