from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.generate_generate_post_format import GenerateGeneratePostFormat
from ...models.generate_generate_post_source_type_0 import GenerateGeneratePostSourceType0
from ...models.generate_request import GenerateRequest
from ...models.images import Images
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: GenerateRequest | None | Unset = UNSET,
    label: None | str | Unset = UNSET,
    n: int | Unset = 1,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: GenerateGeneratePostSourceType0 | None | Unset = UNSET,
    format_: GenerateGeneratePostFormat | Unset = GenerateGeneratePostFormat.PNG,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    json_label: None | str | Unset
    if isinstance(label, Unset):
        json_label = UNSET
    else:
        json_label = label
    params["label"] = json_label

    params["n"] = n

    json_seed: int | None | Unset
    if isinstance(seed, Unset):
        json_seed = UNSET
    else:
        json_seed = seed
    params["seed"] = json_seed

    params["temperature"] = temperature

    json_source: None | str | Unset
    if isinstance(source, Unset):
        json_source = UNSET
    elif isinstance(source, GenerateGeneratePostSourceType0):
        json_source = source.value
    else:
        json_source = source
    params["source"] = json_source

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/generate",
        "params": params,
    }

    if isinstance(body, GenerateRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Images | None:
    if response.status_code == 200:
        response_200 = Images.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Images]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest | None | Unset = UNSET,
    label: None | str | Unset = UNSET,
    n: int | Unset = 1,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: GenerateGeneratePostSourceType0 | None | Unset = UNSET,
    format_: GenerateGeneratePostFormat | Unset = GenerateGeneratePostFormat.PNG,
) -> Response[Error | Images]:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (None | str | Unset): Class name from the manifest (or its index).
        n (int | Unset): Number of samples. Default: 1.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (GenerateGeneratePostSourceType0 | None | Unset): Where z comes from: 'density',
            the Gaussian per label fitted to the training digits' codes (the default when the model
            ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's generation;
            the default otherwise).
        format_ (GenerateGeneratePostFormat | Unset): png: one image (grid or strip); json: base64
            PNGs and z. Default: GenerateGeneratePostFormat.PNG.
        body (GenerateRequest | None | Unset): The same parameters as JSON, instead of the query
            string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Images]
    """

    kwargs = _get_kwargs(
        body=body,
        label=label,
        n=n,
        seed=seed,
        temperature=temperature,
        source=source,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest | None | Unset = UNSET,
    label: None | str | Unset = UNSET,
    n: int | Unset = 1,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: GenerateGeneratePostSourceType0 | None | Unset = UNSET,
    format_: GenerateGeneratePostFormat | Unset = GenerateGeneratePostFormat.PNG,
) -> Error | Images | None:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (None | str | Unset): Class name from the manifest (or its index).
        n (int | Unset): Number of samples. Default: 1.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (GenerateGeneratePostSourceType0 | None | Unset): Where z comes from: 'density',
            the Gaussian per label fitted to the training digits' codes (the default when the model
            ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's generation;
            the default otherwise).
        format_ (GenerateGeneratePostFormat | Unset): png: one image (grid or strip); json: base64
            PNGs and z. Default: GenerateGeneratePostFormat.PNG.
        body (GenerateRequest | None | Unset): The same parameters as JSON, instead of the query
            string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Images
    """

    return sync_detailed(
        client=client,
        body=body,
        label=label,
        n=n,
        seed=seed,
        temperature=temperature,
        source=source,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest | None | Unset = UNSET,
    label: None | str | Unset = UNSET,
    n: int | Unset = 1,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: GenerateGeneratePostSourceType0 | None | Unset = UNSET,
    format_: GenerateGeneratePostFormat | Unset = GenerateGeneratePostFormat.PNG,
) -> Response[Error | Images]:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (None | str | Unset): Class name from the manifest (or its index).
        n (int | Unset): Number of samples. Default: 1.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (GenerateGeneratePostSourceType0 | None | Unset): Where z comes from: 'density',
            the Gaussian per label fitted to the training digits' codes (the default when the model
            ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's generation;
            the default otherwise).
        format_ (GenerateGeneratePostFormat | Unset): png: one image (grid or strip); json: base64
            PNGs and z. Default: GenerateGeneratePostFormat.PNG.
        body (GenerateRequest | None | Unset): The same parameters as JSON, instead of the query
            string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Images]
    """

    kwargs = _get_kwargs(
        body=body,
        label=label,
        n=n,
        seed=seed,
        temperature=temperature,
        source=source,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest | None | Unset = UNSET,
    label: None | str | Unset = UNSET,
    n: int | Unset = 1,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: GenerateGeneratePostSourceType0 | None | Unset = UNSET,
    format_: GenerateGeneratePostFormat | Unset = GenerateGeneratePostFormat.PNG,
) -> Error | Images | None:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (None | str | Unset): Class name from the manifest (or its index).
        n (int | Unset): Number of samples. Default: 1.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (GenerateGeneratePostSourceType0 | None | Unset): Where z comes from: 'density',
            the Gaussian per label fitted to the training digits' codes (the default when the model
            ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's generation;
            the default otherwise).
        format_ (GenerateGeneratePostFormat | Unset): png: one image (grid or strip); json: base64
            PNGs and z. Default: GenerateGeneratePostFormat.PNG.
        body (GenerateRequest | None | Unset): The same parameters as JSON, instead of the query
            string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Images
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            label=label,
            n=n,
            seed=seed,
            temperature=temperature,
            source=source,
            format_=format_,
        )
    ).parsed
