"""The HTML of the approval page and of the short answers it gets: no script, every text escaped."""

from __future__ import annotations

import html

from ledgerbee_mcp.guardrails.render import SEPARATOR

__all__ = ["message_html", "page_html"]

_STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.3rem; }
table { border-collapse: collapse; width: 100%; margin: 0 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .6rem; border-bottom: 1px solid #ddd; }
th { white-space: nowrap; width: 1%; }
table.decision { font-size: 1.05rem; background: #fff8e1; }
table.details { font-size: .92rem; color: #444; }
td { overflow-wrap: anywhere; }
form { display: flex; gap: 1rem; margin-top: 1.5rem; }
button { font-size: 1rem; padding: .6rem 1.4rem; border-radius: .3rem; border: 1px solid #888; cursor: pointer; }
button.approve { background: #1f6f3f; color: #fff; border-color: #1f6f3f; }
button.decline { background: #fff; color: #1b1b1b; }
"""


def _rows(lines: list[str]) -> str:
    cells: list[str] = []
    for line in lines:
        label, sep, value = line.partition(": ")
        if not sep:
            label, value = "", line
        cells.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    return "\n".join(cells)


def _document(title: str, body: str, nonce: str) -> bytes:
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        f'<style nonce="{html.escape(nonce)}">{_STYLE}</style></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    ).encode()


def page_html(preview: str, *, csrf: str, nonce: str) -> bytes:
    """The question: the preview's rows (the ones to decide on first, then the details), Approve and Decline."""
    lines = preview.splitlines()
    if SEPARATOR in lines:
        at = lines.index(SEPARATOR)
        decision, details = lines[:at], lines[at + 1 :]
    else:
        decision, details = lines, []
    body = (
        "<h1>LedgerBee: approve this action?</h1>\n"
        "<p>An AI agent asked to do the following. It cannot be undone. "
        "Approve only if it is exactly what you want.</p>\n"
        f'<table class="decision">\n{_rows(decision)}\n</table>\n'
        + (f'<table class="details">\n{_rows(details)}\n</table>\n' if details else "")
        + '<form method="post">\n'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">\n'
        '<button class="approve" type="submit" name="decision" value="approve">Approve</button>\n'
        '<button class="decline" type="submit" name="decision" value="decline">Decline</button>\n'
        "</form>"
    )
    return _document("LedgerBee: approve this action?", body, nonce)


def message_html(title: str, text: str, *, nonce: str) -> bytes:
    """A short page: the answer to a click, or why there is nothing to answer."""
    body = f'<h1 id="title">{html.escape(title)}</h1>\n<p id="message">{html.escape(text)}</p>'
    return _document(title, body, nonce)
