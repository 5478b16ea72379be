"""The review desk's web app: routes, the CSRF token, security headers, evidence images; `serve_review` runs it.

Safety: binds to 127.0.0.1 only (there is no authentication); answers only requests addressed to a loopback
host name (a page on another site cannot reach it through DNS rebinding); every value is escaped by Jinja2's
autoescape and nothing from a PDF is inserted as markup; decisions only by POST with the app's CSRF token
(and an Origin, when the browser sends one, of the desk itself); files are served only from OUT/evidence,
under names built from a validated filing_id and page number. Pages forbid scripts and every other origin
(Content-Security-Policy).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jinja2
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware

from budgetml.desk.data import DeskState
from budgetml.desk.export import export_rows, to_csv, to_xlsx
from budgetml.desk.filing import filing_page, find_finding
from budgetml.desk.queue import SEVERITIES, SORTS, QueueQuery, matching_filings, queue_page
from budgetml.evidence import EvidenceUnavailable, crop, filing_folder, render_pages
from budgetml.evidence import boxes_by_page as cited_boxes
from budgetml.findings import SCOPE_LABELS
from budgetml.review_queue import QUEUE_STATUS_LABELS, QueueSettings, load_queue_settings
from budgetml.review_store import STATUS_LABELS, ReviewError, all_decisions, latest_filing_statuses, record
from budgetml.reviewer_pages import page_environment
from budgetml.schema import REVIEW_STATUSES

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "desk"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
DEFAULT_PORT = 8765
MAX_FORM_BYTES = 64 * 1024  # a note of a few thousand characters fits many times over
_FILING_ID = re.compile(r"[0-9a-f]{64}")
_FINDING_ID = re.compile(r"[a-z_.]+:\d+")
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make Chromium send `Origin: null` with the desk's own forms
}


def _environment() -> jinja2.Environment:
    env = page_environment(TEMPLATES_DIR)
    env.globals.update(
        queue_status_labels=QUEUE_STATUS_LABELS,
        decision_labels=STATUS_LABELS,
        review_statuses=REVIEW_STATUSES,
        severities=SEVERITIES,
        sorts=SORTS,
        scope_labels=SCOPE_LABELS,
    )
    return env


def _safe_next(target: str, fallback: str) -> str:
    """A redirect target on this desk only: a path, never another host."""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and not parts.netloc:
        return target
    return fallback


def create_app(out_dir: Path, store: Path, settings: QueueSettings | None = None) -> FastAPI:
    """The desk over out_dir's published datasets and the review store; raises data.NotAnOutput for another folder."""
    settings = settings or load_queue_settings()
    out_dir = Path(out_dir).resolve()
    state = DeskState(out_dir, settings)
    env = _environment()
    csrf_token = secrets.token_urlsafe(32)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if response.media_type == "text/html" or "text/html" in response.headers.get("content-type", ""):
            response.headers["Cache-Control"] = "no-store"
        return response

    def page(name: str, status_code: int = 200, **values) -> HTMLResponse:
        html = env.get_template(name).render(csrf_token=csrf_token, out_dir=str(out_dir), **values)
        return HTMLResponse(html, status_code=status_code)

    def message(title: str, text: str, status_code: int) -> HTMLResponse:
        return page("message.html.j2", status_code=status_code, title=title, text=text)

    def statuses() -> dict[str, str]:
        return latest_filing_statuses(all_decisions(store))

    def reviewer(request: Request) -> str:
        return unquote(request.cookies.get("reviewer", ""))[:100]

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request) -> HTMLResponse:
        query = QueueQuery.from_params(request.query_params)
        result = queue_page(state.current(), statuses(), query, settings)
        return page("queue.html.j2", q=result, settings=settings)

    @app.get("/filing/{filing_id}", response_class=HTMLResponse)
    def filing(request: Request, filing_id: str) -> HTMLResponse:
        if not _FILING_ID.fullmatch(filing_id):
            return message("找不到该文件", "文件编号应为 64 位十六进制数字。", 404)
        data = state.current()
        view = filing_page(data, filing_id, all_decisions(store))
        if view is None:
            return message("找不到该文件", "当前输出目录中没有这个文件编号（文件可能已更新为新版本）。", 404)
        in_queue = bool(data.queue.filter(data.queue["filing_id"] == filing_id).height)
        return page("filing.html.j2", v=view, in_queue=in_queue, reviewer=reviewer(request), settings=settings)

    @app.post("/decide")
    async def decide(request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            return message("请求被拒绝", "复核结论只能在本页面提交。", 403)
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return message("请求被拒绝", "提交的内容过长。", 413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True).items()}
        if not secrets.compare_digest(form.get("csrf", ""), csrf_token):
            return message("请求被拒绝", "页面已过期或请求不是从复核台发出的，请刷新页面后重试。", 403)
        filing_id = form.get("filing_id", "")
        data = state.current()
        rows = (
            data.filings.filter(data.filings["filing_id"] == filing_id).to_dicts()
            if _FILING_ID.fullmatch(filing_id)
            else []
        )
        if not rows:
            return message("找不到该文件", "当前输出目录中没有这个文件编号。", 404)
        finding_id = form.get("finding_id") or None
        rule_id = None
        if finding_id is not None:
            finding = find_finding(data, filing_id, finding_id)
            if finding is None:
                return message("找不到该问题", "该文件没有这个问题编号。", 404)
            rule_id = finding.rule_id
        by = form.get("by", "").strip()
        try:
            record(
                store, rows[0], form.get("status", ""), form.get("note", "").strip(), by, rule_id, finding_id=finding_id
            )
        except ReviewError as exc:
            return message("未能记录复核结论", str(exc), 400)
        fallback = f"/filing/{filing_id}"
        response = RedirectResponse(_safe_next(form.get("next", ""), fallback), status_code=303)
        response.set_cookie("reviewer", quote(by), httponly=True, samesite="strict", max_age=365 * 24 * 3600)
        return response

    def export_filtered(request: Request):
        query = QueueQuery.from_params(request.query_params)
        data = state.current()
        filings = matching_filings(data, statuses(), query, settings)
        base_url = f"{request.url.scheme}://{request.headers.get('host', '127.0.0.1')}"
        return export_rows(data, filings, base_url), query

    @app.get("/export.csv")
    def export_csv(request: Request) -> Response:
        rows, _ = export_filtered(request)
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="review-queue.csv"'},
        )

    @app.get("/export.xlsx")
    def export_xlsx(request: Request) -> Response:
        rows, query = export_filtered(request)
        filters = {k: v for k, v in request.query_params.items() if k in QueueQuery.__dataclass_fields__}
        return Response(
            to_xlsx(rows, filters or {"全部": "（无筛选）"}),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="review-queue.xlsx"'},
        )

    def image(path: Path) -> Response:
        if not path.resolve().is_relative_to(filing_folder(out_dir, path.parent.name).resolve()):
            return Response(status_code=404)
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})

    def unavailable(reason: str) -> Response:
        return Response(reason, status_code=404, media_type="text/plain; charset=utf-8")

    @app.get("/evidence/{filing_id}/finding/{finding_id}/{page}/{kind}.png")
    def finding_image(filing_id: str, finding_id: str, page: int, kind: str) -> Response:
        if kind not in ("crop", "page") or not _FILING_ID.fullmatch(filing_id) or not _FINDING_ID.fullmatch(finding_id):
            return Response(status_code=404)
        data = state.current()
        finding = find_finding(data, filing_id, finding_id)
        boxes = cited_boxes(finding.pages, finding.bboxes).get(page) if finding else None
        if not boxes:
            return Response(status_code=404)
        source = data.filings.filter(data.filings["filing_id"] == filing_id)["source_path"].item()
        try:
            made = crop(out_dir, filing_id, source, page, boxes)
        except EvidenceUnavailable as exc:
            return unavailable(str(exc))
        return image(made.path if kind == "crop" else made.page_path)

    @app.get("/evidence/{filing_id}/page/{page}.png")
    def page_image(filing_id: str, page: int) -> Response:
        if not _FILING_ID.fullmatch(filing_id) or not 0 < page < 100_000:
            return Response(status_code=404)
        data = state.current()
        found = data.filings.filter(data.filings["filing_id"] == filing_id)["source_path"].to_list()
        if not found:
            return Response(status_code=404)
        rendered = render_pages(out_dir, filing_id, found[0], [page])[page]
        return unavailable(rendered) if isinstance(rendered, str) else image(rendered)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.exception_handler(404)
    async def not_found(request: Request, exc) -> HTMLResponse:
        return message("找不到该页面", "地址有误，请从复核队列进入。", 404)

    return app


def serve_review(out_dir: Path, store: Path, port: int = DEFAULT_PORT) -> None:
    """Serve the desk on http://127.0.0.1:port until interrupted (Ctrl-C)."""
    app = create_app(out_dir, store)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
