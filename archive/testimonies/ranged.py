"""HTTP Range responses for media, so players can seek.

Django's FileResponse always sends the whole file; browsers need 206 partial
content to jump to a timecode in a long recording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def ranged_file_response(request: HttpRequest, path: Path, content_type: str) -> HttpResponse:
    size = path.stat().st_size
    header = request.headers.get("Range", "").strip()
    start, end = 0, size - 1
    status = 200
    if header:
        match = _RANGE.match(header)
        if not match or (not match.group(1) and not match.group(2)):
            return _unsatisfiable(size)
        first, last = match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # "bytes=-N": the last N bytes
            start = max(size - int(last), 0)
        if start > end or start >= size:
            return _unsatisfiable(size)
        status = 206

    response = StreamingHttpResponse(
        _read(path, start, end - start + 1), status=status, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
