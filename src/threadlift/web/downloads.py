"""File responses for downloads: never cached, named without patient data, sent as attachments."""

from __future__ import annotations

from fastapi.responses import Response

CSV = "text/csv; charset=utf-8"
FHIR_JSON = "application/fhir+json"


def attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(content=content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
                             "X-Content-Type-Options": "nosniff"})
