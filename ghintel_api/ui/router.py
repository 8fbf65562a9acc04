"""The explorer's pages under /ui: thin routes that call ``views`` and render a Jinja2 template.

Pages are server-rendered HTML (tables readable without JavaScript); the two small scripts in
``static/`` only add the ask box and live updates. Every page reports the time spent fetching its
data in a ``Server-Timing: data;dur=<ms>`` header and its footer.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.routing import Match

from ghintel_api.api.deps import CursorDep, CursorKeyDep, LakeDep, RepoInPath
from ghintel_api.api.params import ISO_TIME, NAME, REPO, LoginPath, OrgPath
from ghintel_api.core.lake import LakeNotReady, QueryTimeout
from ghintel_api.core.middleware import KEY_COOKIE, UI_STATIC
from ghintel_api.core.security import key_matches
from ghintel_api.core.windows import Granularity, Window, parse_time
from ghintel_api.ui import charts, views

HERE = FsPath(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["num"] = lambda v: "–" if v is None else f"{v:,}" if isinstance(v, int) else f"{v:,.2f}"
templates.env.filters["hour"] = charts.hour_label
templates.env.globals.update(
    charts=charts,
    anomaly_link=views.anomaly_link,
    windows=list(Window),
    activity_fields=views.ACTIVITY_SERIES,
    org_fields=views.ORG_SERIES,
    actor_fields=views.ACTOR_SERIES,
)

router = APIRouter(prefix="/ui", include_in_schema=False)
WindowParam = Annotated[Window, Query()]


def serves(app: FastAPI, method: str, path: str) -> bool:
    """Whether the app has a route for ``method path`` (the ask and stream routes are optional)."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b""}
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


def _page(
    request: Request, template: str, fetch: Callable[[], dict[str, Any]], status: int = 200, **context
) -> Response:
    started = time.perf_counter()
    try:
        data = fetch()
    except HTTPException as exc:
        status, data, template = exc.status_code, {"message": str(exc.detail)}, "error.html"
    except (LakeNotReady, QueryTimeout) as exc:
        status, data, template = 503, {"message": str(exc)}, "error.html"
    data_ms = (time.perf_counter() - started) * 1000
    context |= {
        "data_ms": data_ms,
        "streams": serves(request.app, "GET", "/stream/events"),
        "static": UI_STATIC,
    }
    return templates.TemplateResponse(
        request,
        template,
        {**data, **context},
        status_code=status,
        headers={"Server-Timing": f"data;dur={data_ms:.1f}", "Cache-Control": "no-store"},
    )


class Page:
    """What a data page needs: the request, the lake and a cursor of the request."""

    def __init__(self, request: Request, lake: LakeDep, cur: CursorDep):
        self.request, self.lake, self.cur = request, lake, cur

    def render(
        self, template: str, view: Callable[..., dict[str, Any]], *args: Any, **context: Any
    ) -> Response:
        """``template`` over ``view(lake, cur, *args)``, plus ``context`` as it is."""
        return _page(self.request, template, lambda: view(self.lake, self.cur, *args), **context)


PageDep = Annotated[Page, Depends()]


@router.get("", response_class=HTMLResponse)
def overview(ui: PageDep, window: WindowParam = Window.h24):
    return ui.render("overview.html", views.overview, window, page="overview")


@router.get("/repo/{owner}/{name}", response_class=HTMLResponse)
def repo(
    ui: PageDep,
    full_name: RepoInPath,
    key: CursorKeyDep,
    window: WindowParam = Window.h24,
    granularity: Annotated[Granularity | None, Query()] = None,
):
    gran = granularity or views.default_granularity(window)
    return ui.render("repo.html", views.repo_page, full_name, window, gran, key, page="repo", window=window)


@router.get("/org/{org}", response_class=HTMLResponse)
def org(ui: PageDep, org: OrgPath, window: WindowParam = Window.h24):
    return ui.render("org.html", views.org_page, org, window, page="org", window=window)


@router.get("/actor/{login}", response_class=HTMLResponse)
def actor(ui: PageDep, key: CursorKeyDep, login: LoginPath, window: WindowParam = Window.d7):
    return ui.render("actor.html", views.actor_page, login, window, key, page="actor", window=window)


@router.get("/anomalies", response_class=HTMLResponse)
def anomalies(
    ui: PageDep,
    severity: Annotated[Literal["", "low", "medium", "high"], Query()] = "",
    repo: Annotated[str, Query(pattern=f"^$|{REPO}")] = "",
    org: Annotated[str, Query(pattern=f"^$|{NAME}")] = "",
    since: Annotated[str, Query(pattern=f"^$|{ISO_TIME}")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
):
    filters = {"severity": severity, "repo": repo, "org": org, "since": since, "limit": limit}
    view = functools.partial(
        views.anomalies_page,
        severity=severity or None,
        repo=repo or None,
        org=org or None,
        since=parse_time(since or None, "since"),
        limit=limit,
    )
    return ui.render("anomalies.html", view, page="anomalies", filters=filters)


@router.get("/anomaly/{entity_type}/{metric}/{hour}/{entity:path}", response_class=HTMLResponse)
def anomaly(
    ui: PageDep,
    entity_type: Literal["repo", "org"],
    metric: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")],
    hour: Annotated[str, Path(pattern=ISO_TIME)],
    entity: Annotated[str, Path(pattern=f"{REPO}|{NAME}")],
):
    key = views.AnomalyKey(entity_type, entity, metric, parse_time(hour, "hour"))
    return ui.render("anomaly.html", views.anomaly_page, key, page="anomalies")


@router.get("/search", response_class=HTMLResponse)
def search(ui: PageDep, q: Annotated[str, Query(max_length=100, pattern=r"^[A-Za-z0-9_.\[\]/ -]*$")] = ""):
    return ui.render("search.html", views.search_page, q.strip(), page="search")


@router.get("/ask", response_class=HTMLResponse)
def ask(request: Request):
    available = serves(request.app, "POST", "/ask")
    return _page(request, "ask.html", lambda: {"ask_available": available}, page="ask")


@router.get("/key", response_class=HTMLResponse)
def key_form(request: Request, next: Annotated[str, Query(pattern=r"^/ui[A-Za-z0-9_./?=&%:-]*$")] = "/ui"):
    return _page(request, "key.html", lambda: {"next": next, "refused": False}, page="key")


@router.post("/key", response_class=HTMLResponse)
async def key_submit(request: Request):
    """Checks a key typed into the form and keeps it in an HttpOnly, SameSite=Strict cookie: browsers
    cannot send X-API-Key on navigation, and a strict cookie is never sent by another site's page."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=4)
    provided = (form.get("key") or [""])[0]
    target = (form.get("next") or ["/ui"])[0]
    if not target.startswith("/ui") or "//" in target:
        target = "/ui"
    keys = request.app.state.api_keys
    if keys and not key_matches(provided, keys):
        return _page(request, "key.html", lambda: {"next": target, "refused": True}, status=401, page="key")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(KEY_COOKIE, provided, httponly=True, samesite="strict", path="/")
    return response


def install(app: FastAPI) -> None:
    """Adds the pages and their static files (CSS, two small scripts: no CDN, works offline)."""
    app.include_router(router)
    app.mount(UI_STATIC, StaticFiles(directory=HERE / "static"), name="ui-static")
