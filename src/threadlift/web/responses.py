"""JSON responses serialised by pydantic-core in one pass.

FastAPI turns returned models into plain data with ``jsonable_encoder`` before rendering; for an
episode (a deep tree of models) that walk costs more than the whole database work of the request.
Routes that return such trees return :func:`reply` instead.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json


def reply(content: Any, status_code: int = 200) -> Response:
    return Response(content=to_json(content), status_code=status_code, media_type="application/json")
