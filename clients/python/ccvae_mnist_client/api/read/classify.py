from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.classify_files_body import ClassifyFilesBody
from ...models.error import Error
from ...models.invert import Invert
from ...models.prediction import Prediction
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: ClassifyFilesBody | File | Unset = UNSET,
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
        "url": "/classify",
        "params": params,
    }

    if isinstance(body, ClassifyFilesBody):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "image/png"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | list[Prediction] | Prediction | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> list[Prediction] | Prediction:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_200_type_0 = Prediction.from_dict(data)

                return response_200_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            response_200_type_1 = []
            _response_200_type_1 = data
            for response_200_type_1_item_data in _response_200_type_1:
                response_200_type_1_item = Prediction.from_dict(response_200_type_1_item_data)

                response_200_type_1.append(response_200_type_1_item)

            return response_200_type_1

        response_200 = _parse_response_200(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | list[Prediction] | Prediction]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ClassifyFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Response[Error | list[Prediction] | Prediction]:
    """Classify

     Classify one image, or a list of images when the field `file` is repeated.

    The image is a multipart file field `file`, or the whole body as `image/png` / `image/jpeg`.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (ClassifyFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | list[Prediction] | Prediction]
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
    body: ClassifyFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Error | list[Prediction] | Prediction | None:
    """Classify

     Classify one image, or a list of images when the field `file` is repeated.

    The image is a multipart file field `file`, or the whole body as `image/png` / `image/jpeg`.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (ClassifyFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | list[Prediction] | Prediction
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
    body: ClassifyFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Response[Error | list[Prediction] | Prediction]:
    """Classify

     Classify one image, or a list of images when the field `file` is repeated.

    The image is a multipart file field `file`, or the whole body as `image/png` / `image/jpeg`.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (ClassifyFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | list[Prediction] | Prediction]
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
    body: ClassifyFilesBody | File | Unset = UNSET,
    invert: Invert | Unset = UNSET,
    fit: bool | Unset = True,
) -> Error | list[Prediction] | Prediction | None:
    """Classify

     Classify one image, or a list of images when the field `file` is repeated.

    The image is a multipart file field `file`, or the whole body as `image/png` / `image/jpeg`.

    Args:
        invert (Invert | Unset): Whether an upload is dark-on-light and must be inverted; auto
            reads its border.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        body (ClassifyFilesBody):
        body (File): The image's bytes as the whole body.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | list[Prediction] | Prediction
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            invert=invert,
            fit=fit,
        )
    ).parsed
