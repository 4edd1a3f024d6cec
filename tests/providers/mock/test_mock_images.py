from __future__ import annotations

import base64
import struct
import zlib

import pytest

from gateway.canonical import ImageRequest
from gateway.catalog import ModelEntry
from gateway.errors import ErrorKind, GatewayError
from gateway.providers.mock import MockProvider
from gateway.providers.mock.images import DEFAULT_SIZE, MAX_SIDE, image_size

IMAGE_MODEL = ModelEntry(id="mock/image", provider="mock", upstream_model="image", kind="image")


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered RGB rows, checking the signature, every CRC and the layout."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        position += 12 + length
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + 3 * width
    assert len(pixels) == height * stride
    rows = [pixels[start : start + stride] for start in range(0, len(pixels), stride)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def generate(**fields: object) -> list[bytes]:
    request = ImageRequest(model="mock/image", prompt=str(fields.pop("prompt", "a red fox")), **fields)
    response = MockProvider().generate_images(request, IMAGE_MODEL)
    return [base64.b64decode(image.b64_json) for image in response.images]


def test_images_are_valid_pngs_of_the_default_size() -> None:
    (png,) = generate()
    width, height, rows = read_png(png)
    assert (width, height) == DEFAULT_SIZE
    quadrants = {rows[0][:3], rows[0][-3:], rows[-1][:3], rows[-1][-3:]}
    assert len(quadrants) > 1


def test_the_requested_size_is_honoured() -> None:
    (png,) = generate(size="256x128")
    assert read_png(png)[:2] == (256, 128)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (None, DEFAULT_SIZE),
        ("auto", DEFAULT_SIZE),
        ("1024x1792", (1024, 1792)),
        ("9x99999", (9, MAX_SIDE)),
        ("0x5", (1, 5)),
    ],
)
def test_image_size(size: str | None, expected: tuple[int, int]) -> None:
    assert image_size(size) == expected


def test_images_are_deterministic_and_differ_by_prompt_and_position() -> None:
    first, second = generate(n=2)
    assert [first, second] == generate(n=2)
    assert first != second
    assert generate(prompt="a blue whale")[0] != generate()[0]


def test_url_format_gives_data_urls_and_usage_counts_images() -> None:
    request = ImageRequest(model="mock/image", prompt="a fox", n=3, response_format="url")
    response = MockProvider().generate_images(request, IMAGE_MODEL)
    assert all(
        image.url.startswith("data:image/png;base64,") and image.b64_json is None for image in response.images
    )
    read_png(base64.b64decode(response.images[0].url.split(",", 1)[1]))
    assert response.usage.images == 3
    assert response.created == MockProvider().generate_images(request, IMAGE_MODEL).created


@pytest.mark.parametrize("n", [0, 11])
def test_n_out_of_range_is_a_client_error(n: int) -> None:
    with pytest.raises(GatewayError) as raised:
        generate(n=n)
    assert raised.value.kind is ErrorKind.INVALID_REQUEST and raised.value.param == "n"
