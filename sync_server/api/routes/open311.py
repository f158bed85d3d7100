"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), JSON format:

    GET  /open311/v2/discovery.json              endpoints, formats, where to get a key
    GET  /open311/v2/services.json               the event categories
    GET  /open311/v2/services/{code}.json        a service definition (the village attribute)
    POST /open311/v2/requests.json               file a request (form fields; api_key)
    GET  /open311/v2/requests.json?api_key=…     the client's requests (ids, service, dates,
                                                 status open/closed)
    GET  /open311/v2/requests/{id}.json?api_key= one of the client's requests
Errors are the specification's list: [{"code": 400, "description": "…"}] (web/security.py)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from ...services import open311 as svc
from ..deps import NowDep, SessionDep

router = APIRouter(prefix="/open311/v2", tags=["Open311"])


@router.get("/discovery.json", summary="服务发现")
def discovery(request: Request, now: NowDep) -> dict[str, Any]:
    return svc.discovery(str(request.base_url).rstrip("/") + "/open311/v2/", now=now)


@router.get("/services.json", summary="服务列表（事件类别）")
def services(session: SessionDep) -> list[dict[str, Any]]:
    return svc.services(session)


@router.get("/services/{service_code}.json", summary="服务定义")
def definition(service_code: str, session: SessionDep) -> dict[str, Any]:
    return svc.definition(session, service_code)


async def _form_fields(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/requests.json", summary="提交诉求")
def post_request(request: Request, session: SessionDep, now: NowDep,
                 form: Annotated[dict[str, str], Depends(_form_fields)]) -> list[dict[str, Any]]:
    # a plain function (run in the thread pool): filing waits for the database and its
    # limits, which must never stall the event loop
    client = svc.client_of(session, form.get("api_key"))
    return svc.post_request(session, request.app.state.attachment_files, client, form,
                            now=now)


@router.get("/requests.json", summary="诉求列表")
def get_requests(request: Request, session: SessionDep, now: NowDep) -> list[dict[str, Any]]:
    params = dict(request.query_params)
    client = svc.client_of(session, params.get("api_key"))
    return svc.get_requests(session, client, params, now=now)


@router.get("/requests/{request_id}.json", summary="单条诉求")
def get_request(request_id: str, request: Request, session: SessionDep) -> list[dict[str, Any]]:
    client = svc.client_of(session, request.query_params.get("api_key"))
    return svc.get_request(session, client, request_id)
