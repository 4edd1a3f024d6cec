"""OpenAI Images (``POST /v1/images/generations``): the one image protocol, both edges.

Images have a single wire protocol, so this codec is small: the client's body to the canonical
image request and back, and an OpenAI-style upstream's reply to the canonical image response.
Options the canonical request does not carry (style, background, moderation, ...) are kept only in
passthrough, where the client's body goes upstream untouched but for the model.
"""

from __future__ import annotations

from typing import Any

from gateway.canonical import GeneratedImage, ImageRequest, ImageResponse, Usage


def decode_request(body: dict[str, Any]) -> ImageRequest:
    return ImageRequest(
        model=body["model"] if body.get("model") else "",
        prompt=body["prompt"],
        n=int(body.get("n") or 1),
        size=body.get("size"),
        quality=body.get("quality"),
        response_format=body.get("response_format"),
        output_format=body.get("output_format"),
        user=body.get("user"),
    )


def encode_request(request: ImageRequest, model: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "prompt": request.prompt, "n": request.n}
    optional = {
        "size": request.size,
        "quality": request.quality,
        "response_format": request.response_format,
        "output_format": request.output_format,
        "user": request.user,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def decode_response(body: dict[str, Any]) -> ImageResponse:
    images = [
        GeneratedImage(
            b64_json=item.get("b64_json"), url=item.get("url"), revised_prompt=item.get("revised_prompt")
        )
        for item in body.get("data") or []
    ]
    usage = body.get("usage") or {}
    return ImageResponse(
        created=int(body.get("created") or 0),
        images=images,
        usage=Usage(
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            images=len(images),
        ),
    )


def encode_response(response: ImageResponse) -> dict[str, Any]:
    data = []
    for image in response.images:
        item = {"b64_json": image.b64_json} if image.b64_json is not None else {"url": image.url}
        if image.revised_prompt is not None:
            item["revised_prompt"] = image.revised_prompt
        data.append(item)
    return {"created": response.created, "data": data}
