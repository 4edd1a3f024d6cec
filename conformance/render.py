"""The certificate as people read it: a Markdown summary and a self-contained HTML page.

Both are rendered from the JSON certificate (``Certificate.to_dict``), never from live objects, so
what a reader sees is exactly what the machine-readable file says. The HTML page has its CSS
inline and no external asset: it opens from a CI artefact or an e-mail as it is.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["cell_verdict", "render_html", "render_markdown"]

MARKDOWN_BODY = 600  # characters of each body the Markdown summary shows
SYMBOLS = {"passed": "pass", "failed": "FAIL", "skipped": "skip", "not-claimed": "not claimed"}


def cell_verdict(counts: dict[str, int]) -> str:
    """One word for a matrix cell: fail beats pass beats skip beats not claimed; "" when nothing ran."""
    if counts.get("failed"):
        return "failed"
    if counts.get("passed"):
        return "passed"
    if counts.get("skipped"):
        return "skipped"
    if counts.get("not-claimed"):
        return "not-claimed"
    return ""


def _cell_text(counts: dict[str, int]) -> str:
    parts = [f"{counts[status]} {SYMBOLS[status]}" for status in SYMBOLS if counts.get(status)]
    return ", ".join(parts) or "—"


def render_markdown(data: dict[str, Any]) -> str:
    families = list(data["families"])
    totals = data["totals"]
    lines = [
        f"# Conformance certificate: {data['profile']['name']}",
        "",
        f"- Target: `{data['target']['url']}`" + (" (in-process)" if data["target"]["in_process"] else ""),
        f"- Profile: `{data['profile']['source']}`",
        f"- Generated: {data['generated_at']}",
        f"- Verdict: **{data['verdict'].upper()}** — "
        + ", ".join(f"{totals[s]} {SYMBOLS[s]}" for s in SYMBOLS),
        "",
        "## Matrix (surface x check family)",
        "",
        "| surface | " + " | ".join(families) + " |",
        "|---|" + "---|" * len(families),
    ]
    for surface, row in data["matrix"].items():
        lines.append(f"| {surface} | " + " | ".join(_cell_text(row[family]) for family in families) + " |")
    lines += ["", "## Check families", ""]
    lines += [f"- **{family}**: {text}" for family, text in data["families"].items()]
    failures = data["failures"]
    lines += ["", f"## Failures ({len(failures)})", ""]
    if not failures:
        lines.append("None.")
    for number, failure in enumerate(failures, 1):
        lines += [
            f"### {number}. `{failure['rule']}` — {failure['surface']} / {failure['family']}",
            "",
            f"{failure['message']}" + (f" (at {failure['where']})" if failure["where"] else ""),
            "",
            f"Test: `{failure['test']}`",
            "",
        ]
        exchange = failure["exchange"]
        if exchange:
            lines += [
                "```http",
                _request_text(exchange, MARKDOWN_BODY),
                "```",
                "",
                "```http",
                _response_text(exchange, MARKDOWN_BODY),
                "```",
                "",
            ]
    if data["notes"]:
        lines += [f"## Notes ({len(data['notes'])}): worth knowing, no rule broken", ""]
        lines += [f"- `{n['rule']}` ({n['test']}): {n['message']}" for n in data["notes"]]
        lines.append("")
    skipped = [t for t in data["tests"] if t["status"] == "skipped"]
    if skipped:
        lines += [f"## Skipped ({len(skipped)})", ""]
        lines += [f"- `{t['test']}`: {t['reason']}" for t in skipped]
        lines.append("")
    return "\n".join(lines) + "\n"


def _request_text(exchange: dict[str, Any], limit: int | None = None) -> str:
    head = [f"{exchange['method']} {exchange['url']}"]
    head += [f"{name}: {value}" for name, value in exchange["request_headers"].items()]
    return "\n".join(head) + _body(exchange["request_body"], limit)


def _response_text(exchange: dict[str, Any], limit: int | None = None) -> str:
    if exchange["error"]:
        return f"(no HTTP response: {exchange['error']})"
    head = [f"HTTP {exchange['status']}  ({exchange['elapsed_ms']} ms)"]
    head += [f"{name}: {value}" for name, value in exchange["response_headers"].items()]
    return "\n".join(head) + _body(exchange["response_body"], limit)


def _body(text: str, limit: int | None) -> str:
    """A body after its headers; the Markdown summary cuts it (the JSON and HTML hold it whole)."""
    if not text:
        return ""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}\n... ({len(text) - limit} more characters in certificate.json)"
    return "\n\n" + text


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1200px;color:#1d2330;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #d8dde6;padding-bottom:.2em}
.meta{color:#556;margin:0}.verdict{display:inline-block;padding:.15em .7em;border-radius:4px;font-weight:700;color:#fff}
.verdict.pass{background:#1f8a4c}.verdict.fail{background:#c0392b}
table.matrix{border-collapse:collapse;width:100%;margin-top:1em}
.matrix th,.matrix td{border:1px solid #d8dde6;padding:.35em .5em;text-align:center;font-size:13px}
.matrix th:first-child,.matrix td:first-child{text-align:left;font-family:ui-monospace,Menlo,monospace}
td.passed{background:#e3f5ea}td.failed{background:#fbe2df;font-weight:600}td.skipped{background:#fff6dc}
td.not-claimed{background:#eef0f4;color:#778}td.empty{color:#aab}
.failure{border:1px solid #e6b7b1;border-left:5px solid #c0392b;border-radius:4px;margin:1em 0;padding:.6em 1em}
.rule{font-family:ui-monospace,Menlo,monospace;font-weight:700;color:#a12d20}
.where{color:#667}.test{color:#667;font-family:ui-monospace,Menlo,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:.6em;overflow:auto;max-height:28em;
white-space:pre-wrap;word-break:break-all;font-size:12px}
details summary{cursor:pointer;color:#345}.legend span{margin-right:1em}
"""


def render_html(data: dict[str, Any]) -> str:
    families = list(data["families"])
    verdict = data["verdict"]
    totals = data["totals"]
    rows = []
    for surface, row in data["matrix"].items():
        cells = []
        for family in families:
            counts = row[family]
            css = cell_verdict(counts) or "empty"
            cells.append(f'<td class="{css}">{escape(_cell_text(counts))}</td>')
        rows.append(f"<tr><td>{escape(surface)}</td>{''.join(cells)}</tr>")
    header = "".join(
        f'<th title="{escape(text)}">{escape(family)}</th>' for family, text in data["families"].items()
    )
    failures = (
        "".join(_failure_html(number, f) for number, f in enumerate(data["failures"], 1)) or "<p>None.</p>"
    )
    skipped = [t for t in data["tests"] if t["status"] == "skipped"]
    skipped_html = "".join(
        f"<li><code>{escape(t['test'])}</code>: {escape(t['reason'])}</li>" for t in skipped
    )
    notes_html = "".join(
        f"<li><code>{escape(n['rule'])}</code> ({escape(n['test'])}): {escape(n['message'])}</li>"
        for n in data["notes"]
    )
    profile = data["profile"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Conformance certificate: {escape(profile["name"])}</title>
<style>{CSS}</style></head><body>
<h1>Conformance certificate: {escape(profile["name"])}</h1>
<p class="meta">Target <code>{escape(data["target"]["url"])}</code>{" (in-process)" if data["target"]["in_process"] else ""}
 · profile <code>{escape(profile["source"])}</code> · generated {escape(data["generated_at"])}</p>
<p><span class="verdict {verdict}">{verdict.upper()}</span>
 {", ".join(f"{totals[s]} {SYMBOLS[s]}" for s in SYMBOLS)}</p>
<h2>Matrix: surface by check family</h2>
<table class="matrix"><thead><tr><th>surface</th>{header}</tr></thead><tbody>
{"".join(rows)}
</tbody></table>
<p class="legend"><span>Cells count tests: pass, FAIL, skip (reason below), not claimed (the profile does
not claim it, so nothing was asked); — means no test of that family applies or it was not run.</span></p>
<h2>Check families</h2><ul>
{"".join(f"<li><b>{escape(f)}</b>: {escape(t)}</li>" for f, t in data["families"].items())}
</ul>
<h2>Failures ({len(data["failures"])})</h2>
{failures}
<h2>Notes ({len(data["notes"])}): worth knowing, no rule broken</h2><ul>{notes_html}</ul>
<h2>Skipped ({len(skipped)})</h2><ul>{skipped_html}</ul>
</body></html>
"""


def _failure_html(number: int, failure: dict[str, Any]) -> str:
    where = f' <span class="where">at {escape(failure["where"])}</span>' if failure["where"] else ""
    exchange = failure["exchange"]
    evidence = ""
    if exchange:
        evidence = (
            f"<details open><summary>Request</summary><pre>{escape(_request_text(exchange))}</pre></details>"
            f"<details open><summary>Response</summary><pre>{escape(_response_text(exchange))}</pre></details>"
        )
    return (
        f'<div class="failure" id="failure-{number}"><div>{number}. <span class="rule">{escape(failure["rule"])}</span>'
        f" — {escape(failure['surface'])} / {escape(failure['family'])}</div>"
        f"<p>{escape(failure['message'])}{where}</p>"
        f'<div class="test">{escape(failure["test"])}</div>{evidence}</div>'
    )
