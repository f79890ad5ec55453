from __future__ import annotations

from fastapi.responses import Response

from threadlift.services.dashboard import dashboard
from threadlift.web.pages.common import PageDep
from threadlift.web.pages.routing import page_router

router = page_router()


@router.get("/")
def home(page: PageDep) -> Response:
    return page.render("dashboard.html", board=dashboard(page.services, page.user),
                       observation_minutes=page.services.policy.minimum_observation_minutes)
