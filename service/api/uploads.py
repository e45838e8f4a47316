"""Uploaded files for the import routes: a multipart field ``file`` or a raw body of an accepted media type,
spooled to disk beyond 1 MB (never twice in memory) and refused with 413 as soon as a limit is passed."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from contextlib import AsyncExitStack
from typing import BinaryIO

from fastapi import HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SPOOL_BYTES = 1024 * 1024


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported(media: str, accepted: Iterable[str]) -> HTTPException:
    names = ", ".join(["multipart/form-data (Feld file)", *accepted])
    return HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail=f"Content-Type '{media or '-'}' wird nicht unterstützt; erlaubt: {names}. / Unsupported content type.",
    )


async def limited_body(
    request: Request, limit: int | None, too_large: Callable[[int], str]
) -> AsyncGenerator[bytes, None]:
    """The body, refused with 413 (``too_large(limit)`` as detail) as soon as it passes ``limit`` bytes; without a
    limit of its own the app's body limit still applies."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if limit is not None and received > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=too_large(limit))
        yield chunk


async def read_upload(
    request: Request,
    stack: AsyncExitStack,
    raw_types: Mapping[str, str],
    *,
    limit: int | None = None,
    too_large: Callable[[int], str] = lambda limit: f"Die Datei ist größer als {limit} Bytes. / Upload too large.",
    also_accepted: Iterable[str] = (),
) -> tuple[BinaryIO, str | None]:
    """The uploaded file and its name for format detection; ``raw_types`` maps a raw body's media type to the
    file ending that tells service.io the format. The stack closes the file."""
    body = limited_body(request, limit, too_large)
    media = media_type(request)
    if media == "multipart/form-data":
        try:
            form = await MultiPartParser(request.headers, body, max_files=1, max_fields=10).parse()
        except MultiPartException:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                detail="Fehlerhafter multipart/form-data-Inhalt (Grenze fehlt oder Inhalt unvollständig). "
                "/ Malformed multipart body.",
            ) from None
        stack.push_async_callback(form.close)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError([{"loc": ("body", "file"), "msg": "file fehlt", "type": "missing"}])
        return upload.file, upload.filename
    suffix = raw_types.get(media)
    if suffix is None:
        raise unsupported(media, [*raw_types, *also_accepted])
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES))  # noqa: SIM115 - stack closes
    async for chunk in body:
        spool.write(chunk)
    spool.seek(0)
    return spool, f"upload{suffix}"  # type: ignore[return-value]
