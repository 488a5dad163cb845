"""What the HTML pages share: figures rendered to bytes, escaping, embedded images, the page
around a body and its style sheet."""

from __future__ import annotations

import base64
import html
import io

import matplotlib
from matplotlib.figure import Figure


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG (150 dpi) or SVG bytes, without timestamps (same input, same file)."""
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "csc-sim", "svg.fonttype": "path"}):
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
    return buf.getvalue()


def esc(x: object) -> str:
    """``x`` as text safe inside HTML (attributes included)."""
    return html.escape(str(x), quote=True)


def img(png: bytes, alt: str, gid: str) -> str:
    """An ``<img>`` with the PNG embedded (the page needs no other file)."""
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img id="{esc(gid)}" src="data:image/png;base64,{b64}" alt="{esc(alt)}">'


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:#222;margin:0 auto;max-width:1200px;padding:1.5rem;line-height:1.45}
h1{margin:.2rem 0}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
.lead{font-size:1.1rem}.meta{color:#555;font-size:.92rem}
img{max-width:100%;height:auto;display:block;margin:.5rem 0;border:1px solid #eee}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.6rem 0 1.2rem}
th,td{border-bottom:1px solid #e3e3e3;padding:.35rem .45rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;white-space:nowrap}td.n.wrap{white-space:normal}
tr.baseline td{background:#f7f7f7}tr.baseline td:first-child{font-weight:600}
td.desc{min-width:16rem}
figure{margin:1.5rem 0}figcaption{color:#444;font-size:.92rem;max-width:60rem}
table.provenance th{width:16rem}code{font-size:.85rem;word-break:break-all}
details summary{cursor:pointer}footer{color:#666;font-size:.85rem;margin-top:3rem}
"""


def page(title: str, body: str) -> str:
    """A self-contained HTML page: ``body`` under ``title`` with the style sheet inline."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} \u2014 csc-sim report</title><style>{CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
