from http import HTTPStatus
from io import BytesIO
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.format_ import Format
from ...models.source import Source
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    label: int,
    n: int | Unset = 1,
    seed: int | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: Source | Unset = UNSET,
    format_: Format | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["label"] = label

    params["n"] = n

    params["seed"] = seed

    params["temperature"] = temperature

    json_source: str | Unset = UNSET
    if not isinstance(source, Unset):
        json_source = source.value

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
    label: int,
    n: int | Unset = 1,
    seed: int | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: Source | Unset = UNSET,
    format_: Format | Unset = UNSET,
) -> Response[Error | File]:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (int): Index of the class in the manifest's classes (/model); its name works too.
        n (int | Unset): Number of samples. Default: 1.
        seed (int | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (Source | Unset): Where generation draws z from: the fitted density of the training
            digits' codes, or the
            priors z_c ~ p(z_c|y), z_s ~ N(0, I).
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
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
    label: int,
    n: int | Unset = 1,
    seed: int | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: Source | Unset = UNSET,
    format_: Format | Unset = UNSET,
) -> Error | File | None:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (int): Index of the class in the manifest's classes (/model); its name works too.
        n (int | Unset): Number of samples. Default: 1.
        seed (int | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (Source | Unset): Where generation draws z from: the fitted density of the training
            digits' codes, or the
            priors z_c ~ p(z_c|y), z_s ~ N(0, I).
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return sync_detailed(
        client=client,
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
    label: int,
    n: int | Unset = 1,
    seed: int | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: Source | Unset = UNSET,
    format_: Format | Unset = UNSET,
) -> Response[Error | File]:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (int): Index of the class in the manifest's classes (/model); its name works too.
        n (int | Unset): Number of samples. Default: 1.
        seed (int | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (Source | Unset): Where generation draws z from: the fitted density of the training
            digits' codes, or the
            priors z_c ~ p(z_c|y), z_s ~ N(0, I).
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
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
    label: int,
    n: int | Unset = 1,
    seed: int | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: Source | Unset = UNSET,
    format_: Format | Unset = UNSET,
) -> Error | File | None:
    """Generate

     Sample n images of a label: z = loc + T·scale_tril·eps from the density fitted to the
    training digits' codes when the model ships one (`/model` lists its files), else (or with
    `source=prior`) z_c = loc + T·scale·eps from p(z_c|y) and z_s = T·eps.

    Args:
        label (int): Index of the class in the manifest's classes (/model); its name works too.
        n (int | Unset): Number of samples. Default: 1.
        seed (int | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (Source | Unset): Where generation draws z from: the fitted density of the training
            digits' codes, or the
            priors z_c ~ p(z_c|y), z_s ~ N(0, I).
        format_ (Format | Unset): How drawn images come back: one PNG (a grid or a strip), or JSON
            with each image and z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return (
        await asyncio_detailed(
            client=client,
            label=label,
            n=n,
            seed=seed,
            temperature=temperature,
            source=source,
            format_=format_,
        )
    ).parsed
