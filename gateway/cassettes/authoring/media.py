"""The small media the authored scenarios send: a 4x4 PNG and a one-page PDF, built here so no
binary file has to be kept beside the cassettes."""

from __future__ import annotations

import base64

from gateway.providers.mock.png import encode_png


def png_base64() -> str:
    """Two rows of blue over two rows of yellow."""
    rows = [bytes([30, 90, 200] * 4)] * 2 + [bytes([240, 200, 40] * 4)] * 2
    return base64.b64encode(encode_png(4, 4, rows)).decode()


def pdf_base64(line: str) -> str:
    """A valid one-page PDF showing ``line`` in Helvetica."""
    stream = f"BT /F1 18 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return base64.b64encode(bytes(out)).decode()
