"""A working directory for the seeds' examples: the local files they read, and a macOS-style base64."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.providers.mock.png import encode_png


def small_png() -> bytes:
    """A real 8x8 PNG (two colours), what the image examples read from ./path/to/image.png."""
    rows = [b"\xff\x40\x20" * 4 + b"\x20\x40\xff" * 4 for _ in range(8)]
    return encode_png(8, 8, rows)


def one_page_pdf(text: str) -> bytes:
    """A valid one-page PDF saying ``text``, with a correct cross-reference table."""
    content = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """``./path/to/image.png`` and ``./path/to/document.pdf`` as the examples name them, and
    ``bin/base64``: the docs' ``base64 -i FILE`` is macOS's (input file, one unwrapped line);
    GNU base64 reads ``-i`` as --ignore-garbage and wraps at 76 columns, which would put raw
    newlines inside the JSON string, so the examples get a base64 that does not wrap."""
    files = tmp_path / "path" / "to"
    files.mkdir(parents=True)
    (files / "image.png").write_bytes(small_png())
    (files / "document.pdf").write_bytes(one_page_pdf("Quarterly report: sales rose."))
    tools = tmp_path / "bin"
    tools.mkdir()
    shim = tools / "base64"
    shim.write_text(f'#!/bin/sh\nexec {shutil.which("base64")} -w 0 "$@"\n')
    shim.chmod(0o755)
    return tmp_path
