"""WebFetch (a plain GET, HTML turned into text; off unless network tools are enabled) and WebSearch
(unavailable: no search backend is configured)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import urlsplit

from workbench.core.secrets import redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, opt_str, req_str
from workbench.core.tools.limits import cap_text

NETWORK_OFF = (
    "WebFetch is off: network tools are disabled in this workbench. The user can enable them with "
    "`network = true` under [tools] in the workbench config."
)
SEARCH_UNAVAILABLE = "WebSearch is unavailable: no search backend is configured in this workbench."
MAX_REDIRECTS = 5
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK |= {"pre", "blockquote", "table", "ul", "ol", "hr", "main", "nav", "aside", "dd", "dt"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag.startswith("h") and len(tag) == 2:
                self.parts.append("#" * int(tag[1]) + " ")
            elif tag == "li":
                self.parts.append("- ")
            elif tag == "pre":
                self.pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(source: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(source)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything it still rejects falls back to tag stripping
        return html.unescape(re.sub(r"<[^>]+>", " ", source))
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def check_url(raw: str) -> str:
    url = raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ToolError(f"url must start with http:// or https:// (got {raw!r})")
    if not parts.hostname:
        raise ToolError(f"url has no host: {raw!r}")
    if parts.username or parts.password:
        raise ToolError("urls with a user name or password are refused")
    return url


class WebFetch(Tool):
    name: ClassVar[str] = "WebFetch"
    kind: ClassVar[ToolKind] = ToolKind.NETWORK
    description: ClassVar[str] = (
        "Fetch a web page with an HTTP GET and return its text (HTML converted to plain text). `prompt` says what "
        "you are looking for; the page text is returned as is, capped in size."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "description": "The http(s) URL to fetch"},
            "prompt": {"type": "string", "description": "What to look for in the page"},
        },
        "required": ["url"],
        "additionalProperties": False,
    }

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        url = check_url(req_str(args, "url"))
        host = urlsplit(url).hostname or ""
        return CallPreview(summary=f"Fetch {url}", url=url, meta={"domain": host})

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        if not c.settings.network:
            raise ToolError(NETWORK_OFF)
        url = check_url(req_str(args, "url"))
        prompt = opt_str(args, "prompt") or ""
        limits = c.limits
        import httpx2  # only a fetch needs it (about 50 ms to import)

        timeout = httpx2.Timeout(limits.web_timeout_s)
        body = bytearray()
        truncated = False
        try:
            async with (
                httpx2.AsyncClient(
                    timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS, trust_env=True
                ) as client,
                client.stream("GET", url, headers={"User-Agent": "workbench/0.1"}) as resp,
            ):
                status = resp.status_code
                ctype = resp.headers.get("content-type", "")
                final_url = str(resp.url)
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > limits.web_max_bytes:
                        truncated = True
                        del body[limits.web_max_bytes :]
                        break
                encoding = resp.encoding or "utf-8"
        except httpx2.TooManyRedirects:
            raise ToolError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except httpx2.TimeoutException:
            raise ToolError(f"{url}: timed out after {limits.web_timeout_s:g} s") from None
        except httpx2.HTTPError as exc:
            raise ToolError(f"{url}: request failed ({type(exc).__name__}: {exc})") from None
        try:
            text = body.decode(encoding, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        if "html" in ctype or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
            text = html_to_text(text)
        elif not ctype.startswith(("text/", "application/json", "application/xml")) and "\x00" in text[:8192]:
            raise ToolError(f"{url} returned binary content ({ctype or 'unknown type'}); not shown")
        header = f"URL: {final_url}\nStatus: {status}\nContent-Type: {ctype}\n"
        if prompt:
            header += f"(No extraction model is configured: the page text follows as is. Your question: {prompt})\n"
        if truncated:
            header += f"[page cut at {limits.web_max_bytes:,} bytes]\n"
        content = redact(cap_text(header + "\n" + text, limits.max_output_chars, "fetch a more specific page"))
        return ToolResult(content=content, is_error=status >= 400, output_bytes=len(body), meta={"status": status})


class WebSearch(Tool):
    name: ClassVar[str] = "WebSearch"
    kind: ClassVar[ToolKind] = ToolKind.NETWORK
    description: ClassVar[str] = "Search the web (unavailable: no search backend is configured)."
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "allowed_domains": {"type": "array", "items": {"type": "string"}},
            "blocked_domains": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["query"],
    }

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        raise ToolError(SEARCH_UNAVAILABLE)

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        raise ToolError(SEARCH_UNAVAILABLE)
