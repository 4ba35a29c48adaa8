"""MCP content as the Messages API takes it: text joined, pictures as `image` blocks, a plain note for the rest.

An image from a server is checked before it goes anywhere near the model: a media type the API takes, data that
decodes, starts the way that type starts, and is under the API's size limit. One bad image in the history would
make every later request of the session fail, so anything else becomes a one-line note instead. Audio and other
binaries cannot be sent to the model at all: they are named in a note too.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

MAX_IMAGE_BYTES = 5 * 1024 * 1024  # the Messages API's limit for one image
MAX_IMAGES = 8  # per tool result or resource; more are named, not sent
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


@dataclass
class Rendered:
    """What one MCP answer becomes: text for the model, image blocks to send with it, and the raw size."""

    text: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    raw_bytes: int = 0


def image_block(data: Any, mime: Any) -> tuple[dict[str, Any] | None, str]:
    """An Anthropic `image` block for base64 `data` of type `mime`, or None and the reason it can't be one."""
    kind = mime.lower().strip() if isinstance(mime, str) else ""
    if kind == "image/jpg":
        kind = "image/jpeg"
    if kind not in _SIGNATURES:
        return None, f"the model takes PNG, JPEG, GIF and WebP images, not {kind or 'an untyped image'}"
    too_big = f"it is larger than the {MAX_IMAGE_BYTES // (1024 * 1024)} MB the model takes"
    if _size(data) > MAX_IMAGE_BYTES:  # judged before decoding anything
        return None, too_big
    raw = _decode(data)
    if raw is None:
        return None, "its data is not valid base64"
    if len(raw) > MAX_IMAGE_BYTES:
        return None, too_big
    if not raw.startswith(_SIGNATURES[kind]) or (kind == "image/webp" and raw[8:12] != b"WEBP"):
        return None, f"its data is not a {kind.split('/')[1].upper()} image"
    encoded = base64.b64encode(raw).decode("ascii")
    return {"type": "image", "source": {"type": "base64", "media_type": kind, "data": encoded}}, ""


def _decode(data: Any) -> bytes | None:
    if isinstance(data, bytes):
        return data
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _size(data: Any) -> int:
    """The decoded size of base64 `data`, from its length (nothing is decoded)."""
    if isinstance(data, bytes):
        return len(data)
    return len(data.strip().rstrip("=")) * 3 // 4 if isinstance(data, str) else 0


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.out = Rendered()

    def text(self, value: str) -> None:
        self.out.raw_bytes += len(value.encode("utf-8", errors="replace"))
        self.parts.append(value)

    def binary(self, data: Any, mime: Any, label: str) -> None:
        size = _size(data)
        self.out.raw_bytes += size
        kind = mime if isinstance(mime, str) and mime else "binary"
        if kind.startswith("image/"):
            if len(self.out.media) >= MAX_IMAGES:
                self.parts.append(f"[{label}: {kind}, {size:,} bytes; not sent: more than {MAX_IMAGES} images]")
                return
            block, why = image_block(data, kind)
            if block is not None:
                self.out.media.append(block)
                self.parts.append(f"[{label}: {kind}, {size:,} bytes; sent to the model as an image]")
                return
            self.parts.append(f"[{label}: {kind}, {size:,} bytes; not sent: {why}]")
        elif kind.startswith("audio/"):
            self.parts.append(f"[{label}: {kind}, {size:,} bytes; not sent: the model cannot take audio]")
        else:
            self.parts.append(f"[{label}: {kind}, {size:,} bytes; not sent: the model takes only text and images]")

    def done(self) -> Rendered:
        self.out.text = "\n".join(self.parts)
        return self.out


def _get(block: Any, name: str, alias: str | None = None) -> Any:
    """A field of an SDK model or of a plain dict (the SDK's snake_case name, or the wire's camelCase one)."""
    if isinstance(block, dict):
        return block.get(alias or name, block.get(name))
    return getattr(block, name, None)


def render_content(blocks: Any, structured: Any = None) -> Rendered:
    """A CallToolResult's (or a prompt message's) content blocks."""
    out = _Builder()
    for block in blocks or []:
        kind = _get(block, "type") or ""
        if kind == "text":
            out.text(str(_get(block, "text") or ""))
        elif kind in ("image", "audio"):
            out.binary(_get(block, "data"), _get(block, "mime_type", "mimeType"), f"{kind} content")
        elif kind == "resource_link":
            out.parts.append(f"[resource link: {_get(block, 'uri')} ({_get(block, 'name')})]")
        elif kind == "resource":
            _resource(out, _get(block, "resource"))
        else:
            out.parts.append(f"[{kind or 'unknown'} content; not shown]")
    if not out.parts and structured is not None:
        out.text(json.dumps(structured, ensure_ascii=False, indent=2, default=str))
    return out.done()


def render_resource(contents: Any) -> Rendered:
    """The `contents` of a resources/read answer."""
    out = _Builder()
    for item in contents or []:
        _resource(out, item)
    return out.done()


def _resource(out: _Builder, resource: Any) -> None:
    uri = _get(resource, "uri") or ""
    body = _get(resource, "text")
    if isinstance(body, str):
        out.parts.append(f"[resource {uri}]")
        out.text(body)
        return
    out.binary(_get(resource, "blob"), _get(resource, "mime_type", "mimeType"), f"resource {uri}")
