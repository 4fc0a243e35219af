from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.images import Images
from ...models.interpolate_interpolate_post_body import InterpolateInterpolatePostBody
from ...models.interpolate_interpolate_post_format import InterpolateInterpolatePostFormat
from ...models.interpolate_interpolate_post_invert import InterpolateInterpolatePostInvert
from ...models.interpolate_interpolate_post_source_type_0 import InterpolateInterpolatePostSourceType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: InterpolateInterpolatePostBody | Unset = UNSET,
    start_label: None | str | Unset = UNSET,
    end_label: None | str | Unset = UNSET,
    steps: int | Unset = 8,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: InterpolateInterpolatePostSourceType0 | None | Unset = UNSET,
    invert: InterpolateInterpolatePostInvert | Unset = InterpolateInterpolatePostInvert.AUTO,
    fit: bool | Unset = True,
    format_: InterpolateInterpolatePostFormat | Unset = InterpolateInterpolatePostFormat.PNG,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    json_start_label: None | str | Unset
    if isinstance(start_label, Unset):
        json_start_label = UNSET
    else:
        json_start_label = start_label
    params["start_label"] = json_start_label

    json_end_label: None | str | Unset
    if isinstance(end_label, Unset):
        json_end_label = UNSET
    else:
        json_end_label = end_label
    params["end_label"] = json_end_label

    params["steps"] = steps

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
    elif isinstance(source, InterpolateInterpolatePostSourceType0):
        json_source = source.value
    else:
        json_source = source
    params["source"] = json_source

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
        "url": "/interpolate",
        "params": params,
    }

    if not isinstance(body, Unset):
        _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

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
    body: InterpolateInterpolatePostBody | Unset = UNSET,
    start_label: None | str | Unset = UNSET,
    end_label: None | str | Unset = UNSET,
    steps: int | Unset = 8,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: InterpolateInterpolatePostSourceType0 | None | Unset = UNSET,
    invert: InterpolateInterpolatePostInvert | Unset = InterpolateInterpolatePostInvert.AUTO,
    fit: bool | Unset = True,
    format_: InterpolateInterpolatePostFormat | Unset = InterpolateInterpolatePostFormat.PNG,
) -> Response[Error | Images]:
    """Interpolate

     Walk z between two labels or between two uploaded images (posterior mean to posterior
    mean). Between labels, from the fitted density: z from one seeded draw under the first
    label to the same draw under the second; from the priors: z_c from prior mean to prior
    mean with one seeded z_s held fixed.

    Args:
        start_label (None | str | Unset): Class name from the manifest (or its index).
        end_label (None | str | Unset): Class name from the manifest (or its index).
        steps (int | Unset): Frames, both ends included. Default: 8.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (InterpolateInterpolatePostSourceType0 | None | Unset): Where z comes from:
            'density', the Gaussian per label fitted to the training digits' codes (the default when
            the model ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's
            generation; the default otherwise).
        invert (InterpolateInterpolatePostInvert | Unset): Invert dark-on-light drawings: auto
            reads the background off the border. Default: InterpolateInterpolatePostInvert.AUTO.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (InterpolateInterpolatePostFormat | Unset): png: one image (grid or strip); json:
            base64 PNGs and z. Default: InterpolateInterpolatePostFormat.PNG.
        body (InterpolateInterpolatePostBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Images]
    """

    kwargs = _get_kwargs(
        body=body,
        start_label=start_label,
        end_label=end_label,
        steps=steps,
        seed=seed,
        temperature=temperature,
        source=source,
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
    body: InterpolateInterpolatePostBody | Unset = UNSET,
    start_label: None | str | Unset = UNSET,
    end_label: None | str | Unset = UNSET,
    steps: int | Unset = 8,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: InterpolateInterpolatePostSourceType0 | None | Unset = UNSET,
    invert: InterpolateInterpolatePostInvert | Unset = InterpolateInterpolatePostInvert.AUTO,
    fit: bool | Unset = True,
    format_: InterpolateInterpolatePostFormat | Unset = InterpolateInterpolatePostFormat.PNG,
) -> Error | Images | None:
    """Interpolate

     Walk z between two labels or between two uploaded images (posterior mean to posterior
    mean). Between labels, from the fitted density: z from one seeded draw under the first
    label to the same draw under the second; from the priors: z_c from prior mean to prior
    mean with one seeded z_s held fixed.

    Args:
        start_label (None | str | Unset): Class name from the manifest (or its index).
        end_label (None | str | Unset): Class name from the manifest (or its index).
        steps (int | Unset): Frames, both ends included. Default: 8.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (InterpolateInterpolatePostSourceType0 | None | Unset): Where z comes from:
            'density', the Gaussian per label fitted to the training digits' codes (the default when
            the model ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's
            generation; the default otherwise).
        invert (InterpolateInterpolatePostInvert | Unset): Invert dark-on-light drawings: auto
            reads the background off the border. Default: InterpolateInterpolatePostInvert.AUTO.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (InterpolateInterpolatePostFormat | Unset): png: one image (grid or strip); json:
            base64 PNGs and z. Default: InterpolateInterpolatePostFormat.PNG.
        body (InterpolateInterpolatePostBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Images
    """

    return sync_detailed(
        client=client,
        body=body,
        start_label=start_label,
        end_label=end_label,
        steps=steps,
        seed=seed,
        temperature=temperature,
        source=source,
        invert=invert,
        fit=fit,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InterpolateInterpolatePostBody | Unset = UNSET,
    start_label: None | str | Unset = UNSET,
    end_label: None | str | Unset = UNSET,
    steps: int | Unset = 8,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: InterpolateInterpolatePostSourceType0 | None | Unset = UNSET,
    invert: InterpolateInterpolatePostInvert | Unset = InterpolateInterpolatePostInvert.AUTO,
    fit: bool | Unset = True,
    format_: InterpolateInterpolatePostFormat | Unset = InterpolateInterpolatePostFormat.PNG,
) -> Response[Error | Images]:
    """Interpolate

     Walk z between two labels or between two uploaded images (posterior mean to posterior
    mean). Between labels, from the fitted density: z from one seeded draw under the first
    label to the same draw under the second; from the priors: z_c from prior mean to prior
    mean with one seeded z_s held fixed.

    Args:
        start_label (None | str | Unset): Class name from the manifest (or its index).
        end_label (None | str | Unset): Class name from the manifest (or its index).
        steps (int | Unset): Frames, both ends included. Default: 8.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (InterpolateInterpolatePostSourceType0 | None | Unset): Where z comes from:
            'density', the Gaussian per label fitted to the training digits' codes (the default when
            the model ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's
            generation; the default otherwise).
        invert (InterpolateInterpolatePostInvert | Unset): Invert dark-on-light drawings: auto
            reads the background off the border. Default: InterpolateInterpolatePostInvert.AUTO.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (InterpolateInterpolatePostFormat | Unset): png: one image (grid or strip); json:
            base64 PNGs and z. Default: InterpolateInterpolatePostFormat.PNG.
        body (InterpolateInterpolatePostBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Images]
    """

    kwargs = _get_kwargs(
        body=body,
        start_label=start_label,
        end_label=end_label,
        steps=steps,
        seed=seed,
        temperature=temperature,
        source=source,
        invert=invert,
        fit=fit,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: InterpolateInterpolatePostBody | Unset = UNSET,
    start_label: None | str | Unset = UNSET,
    end_label: None | str | Unset = UNSET,
    steps: int | Unset = 8,
    seed: int | None | Unset = UNSET,
    temperature: float | Unset = 1.0,
    source: InterpolateInterpolatePostSourceType0 | None | Unset = UNSET,
    invert: InterpolateInterpolatePostInvert | Unset = InterpolateInterpolatePostInvert.AUTO,
    fit: bool | Unset = True,
    format_: InterpolateInterpolatePostFormat | Unset = InterpolateInterpolatePostFormat.PNG,
) -> Error | Images | None:
    """Interpolate

     Walk z between two labels or between two uploaded images (posterior mean to posterior
    mean). Between labels, from the fitted density: z from one seeded draw under the first
    label to the same draw under the second; from the priors: z_c from prior mean to prior
    mean with one seeded z_s held fixed.

    Args:
        start_label (None | str | Unset): Class name from the manifest (or its index).
        end_label (None | str | Unset): Class name from the manifest (or its index).
        steps (int | Unset): Frames, both ends included. Default: 8.
        seed (int | None | Unset): Same seed, same bytes; drawn at random when absent.
        temperature (float | Unset): Scales the prior's spread (0: prior means). Default: 1.0.
        source (InterpolateInterpolatePostSourceType0 | None | Unset): Where z comes from:
            'density', the Gaussian per label fitted to the training digits' codes (the default when
            the model ships density.onnx), or 'prior', p(z_c|y) and N(0, I) for z_s (the report's
            generation; the default otherwise).
        invert (InterpolateInterpolatePostInvert | Unset): Invert dark-on-light drawings: auto
            reads the background off the border. Default: InterpolateInterpolatePostInvert.AUTO.
        fit (bool | Unset): Crop, scale and centre the digit the MNIST way; false: the image is
            already normalised and has the model's size. Default: True.
        format_ (InterpolateInterpolatePostFormat | Unset): png: one image (grid or strip); json:
            base64 PNGs and z. Default: InterpolateInterpolatePostFormat.PNG.
        body (InterpolateInterpolatePostBody | Unset):

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
            start_label=start_label,
            end_label=end_label,
            steps=steps,
            seed=seed,
            temperature=temperature,
            source=source,
            invert=invert,
            fit=fit,
            format_=format_,
        )
    ).parsed
