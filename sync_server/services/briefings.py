"""接诉即办 briefings (简报, contract item 54): the weekly and monthly figures of the events of
one org node (the county, or a township), and their PDF.

Figures are computed from the events' own times, as things stood at the end of the period, so
regenerating a past period gives the same result whatever happened to the events since
(except records deleted since, or events that synced late with past times):
- received: events reported in the period; closed: events closed in the period;
- overdue: events past their time limit and still open at the end of the period (the table);
- closed late: events closed in the period after their time limit;
- satisfaction: the ratings of the events closed in the period.
The PDF is drawn from the stored figures (reportlab with `invariant=1`, the Chinese font
embedded from Debian's fonts-wqy-microhei), so the same figures give the same bytes.
The server's housekeeping round makes the last finished week's and month's briefings of the
county and every township and sends their notice by SMS to the configured recipients."""
from __future__ import annotations

import datetime as dt
import io
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS as DICTS
from common.errors import DomainError, ValidationError
from common.schema import Event, OrgNode, User

from ..db.tables import Briefing, SmsMessage
from ..settings import Settings
from .oplog import BEIJING, day_start, log_operation
from .scope import Scope
from .sms import SmsGateway

KINDS = {"week": "周报", "month": "月报"}
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WenQuanYiMicroHei"
OVERDUE_ROWS = 200
"""The overdue table lists at most this many events (the figure counts them all)."""
SATISFIED = ("satisfied", "basic")


def _labels(code: str) -> dict[str, str]:
    return dict(DICTS[code])


# -- periods -------------------------------------------------------------------------------------
def period_start(kind: str, day: dt.date) -> dt.date:
    """The first day of the week (Monday) or month that `day` falls in."""
    if kind == "week":
        return day - dt.timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    raise ValidationError("briefing_kind_invalid", "kind")


def period_end(kind: str, start: dt.date) -> dt.date:
    """The day after the period (exclusive end)."""
    if kind == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_label(kind: str, start: dt.date) -> str:
    if kind == "week":
        last = period_end(kind, start) - dt.timedelta(days=1)
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周（{start:%m月%d日}—{last:%m月%d日}）"
    return f"{start.year}年{start.month}月"


def today_of(now: dt.datetime) -> dt.date:
    return now.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()


def last_finished(kind: str, now: dt.datetime) -> dt.date:
    """The start of the last week or month that has ended (Beijing days)."""
    current = period_start(kind, today_of(now))
    return period_start(kind, current - dt.timedelta(days=1))


def check_period(kind: str, day: dt.date, now: dt.datetime) -> dt.date:
    """The start of the finished period `day` falls in; an unfinished one is refused."""
    if kind not in KINDS:
        raise ValidationError("briefing_kind_invalid", "kind")
    start = period_start(kind, day)
    if period_end(kind, start) > today_of(now):
        raise ValidationError("briefing_period_unfinished", "day", value=day.isoformat())
    return start


# -- figures -------------------------------------------------------------------------------------
def briefing_node(session: Session, scope: Scope) -> OrgNode:
    """The node a user's briefings are about: their own node, a county or a township."""
    node = session.get(OrgNode, scope.node_id) if scope.node_id else None
    if node is None or node.level not in ("county", "township"):
        raise DomainError("briefing_scope_invalid")
    return node


def _shown(at: dt.datetime | None) -> str:
    if at is None:
        return ""
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@dataclass
class PeriodEvents:
    """The events of a node that count for a period [begin, end): those received, closed and
    overdue at its end (closed late: closed in it after their limit), with the node's org
    nodes and the area (the node's child) an event's grid falls in."""
    node: OrgNode
    nodes: dict[str, OrgNode]
    received: list[Event]
    closed: list[Event]
    overdue: list[Event]
    late: list[Event]
    depth: int

    def area_of(self, grid_id: str | None) -> str:
        grid = self.nodes.get(grid_id or "")
        if grid is None:
            return "（其他）"
        parts = grid.path.strip("/").split("/")
        below = self.nodes.get(parts[self.depth]) if len(parts) > self.depth else None
        return below.name if below is not None else grid.name

    def areas(self, counts: Counter[str]) -> list[list[Any]]:
        """Counts by area: every child of the node in its order, then the others."""
        counts = Counter(counts)
        below = sorted((n for n in self.nodes.values()
                        if n.parent_id == self.node.id and not n.deleted),
                       key=lambda n: (n.sort, n.name))
        pairs = [(n.name, counts.pop(n.name, 0)) for n in below] + sorted(counts.items())
        return [[name, n] for name, n in pairs]


def period_events(session: Session, node: OrgNode, begin: dt.datetime,
                  end: dt.datetime) -> PeriodEvents:
    """The events of `node` that count for the period [begin, end) (naive UTC)."""
    scope = Scope(node.id, node.path)
    nodes = {n.id: n for n in session.scalars(select(OrgNode).where(scope.condition(OrgNode)))}
    events = session.scalars(select(Event).where(
        scope.condition(Event), Event.deleted.is_(False), Event.reported_at < end,
        # received, closed or overdue in the period: reported in it, closed in it or after it,
        # or still open (an event closed before the period counts for none of them)
        (Event.reported_at >= begin) | (Event.closed_at >= begin) | Event.closed_at.is_(None))
        .order_by(Event.id)).all()
    closed = [e for e in events if e.closed_at is not None and begin <= e.closed_at < end]
    return PeriodEvents(
        node=node, nodes=nodes,
        received=[e for e in events if e.reported_at >= begin], closed=closed,
        overdue=sorted((e for e in events if e.due_at is not None and e.due_at < end
                        and (e.closed_at is None or e.closed_at >= end)),
                       key=lambda e: (e.due_at, e.id)),
        late=[e for e in closed if e.due_at is not None and e.closed_at > e.due_at],
        depth=node.path.strip("/").count("/") + 1)  # parts of the node's own path


def satisfaction_rate(closed: Iterable[Event]) -> float | None:
    """(satisfied + basic) / rated, in percent; None when nothing was rated."""
    rated = Counter(e.satisfaction for e in closed if e.satisfaction)
    total = sum(rated.values())
    return round(100 * sum(rated[c] for c in SATISFIED) / total, 1) if total else None


def by_category(events: Iterable[Event]) -> list[list[Any]]:
    """Counts by category label, every category in the dictionary's order, then unknown codes."""
    categories = _labels("event_category")
    counts = Counter(e.category for e in events)
    return ([[label, counts.get(code, 0)] for code, label in categories.items()]
            + [[code, n] for code, n in sorted(counts.items()) if code not in categories])


def compute(session: Session, node: OrgNode, kind: str, start: dt.date) -> dict[str, Any]:
    """The briefing's figures for `node` and the period starting `start` (a plain dict, the
    same for the same events whenever it is computed)."""
    begin, end = day_start(start), day_start(period_end(kind, start))
    p = period_events(session, node, begin, end)
    received, closed, overdue, late = p.received, p.closed, p.overdue, p.late
    area_of = p.area_of
    rated = Counter(e.satisfaction for e in closed if e.satisfaction)
    categories = _labels("event_category")
    return {
        "node": node.name, "kind": kind, "kind_label": KINDS[kind],
        "period_start": start.isoformat(),
        "period_end": (period_end(kind, start) - dt.timedelta(days=1)).isoformat(),
        "period_label": period_label(kind, start),
        "received": len(received), "closed": len(closed), "overdue": len(overdue),
        "closed_late": len(late),
        "satisfaction": {code: rated.get(code, 0) for code, _ in DICTS["satisfaction"]},
        "satisfaction_rate": satisfaction_rate(closed),
        "by_category": by_category(received),
        "by_area": p.areas(Counter(area_of(e.grid_id) for e in received)),
        "overdue_rows": [{"title": e.title, "category": categories.get(e.category, e.category),
                          "area": area_of(e.grid_id), "reported_at": _shown(e.reported_at),
                          "due_at": _shown(e.due_at),
                          "days": (end - e.due_at).days}
                         for e in overdue[:OVERDUE_ROWS]],
    }


# -- stored briefings ----------------------------------------------------------------------------
def generate(session: Session, node: OrgNode, kind: str, start: dt.date, *, now: dt.datetime,
             user: User | None = None) -> Briefing:
    """Compute and store (or recompute) the briefing of `node` for the period. Never commits."""
    figures = compute(session, node, kind, start)
    row = session.scalar(select(Briefing).where(Briefing.node_id == node.id,
                                                Briefing.kind == kind,
                                                Briefing.period_start == start))
    if row is None:
        row = Briefing(id=str(uuid.uuid4()), node_id=node.id, node_path=node.path, kind=kind,
                       period_start=start)
        session.add(row)
    row.figures, row.generated_at = figures, now
    row.generated_by = user.id if user else None
    session.flush()
    if user is not None:  # the automatic ones are the server's own round, not an operation
        log_operation(session, user=user, action="generate", now=now, entity="briefings",
                      record_id=row.id, details={"kind": kind, "period": start.isoformat(),
                                                 "node": node.name})
    return row


def generate_for(session: Session, scope: Scope, user: User, *, kind: str, day: dt.date,
                 now: dt.datetime) -> Briefing:
    """The web page's "generate": the user's county or township, any finished period."""
    start = check_period(kind, day, now)
    return generate(session, briefing_node(session, scope), kind, start, now=now, user=user)


def list_briefings(session: Session, scope: Scope) -> list[Briefing]:
    """The briefings of the user's own node (a township user: their township), newest first."""
    if scope.empty:
        return []
    return list(session.scalars(select(Briefing).where(Briefing.node_id == scope.node_id)
                                .order_by(Briefing.period_start.desc(), Briefing.kind)))


def get_briefing(session: Session, scope: Scope, briefing_id: str) -> Briefing:
    row = session.get(Briefing, briefing_id)
    if row is None:
        raise DomainError("not_found")
    if not scope.contains_path(row.node_path):
        raise DomainError("out_of_scope")
    return row


def file_name(row: Briefing) -> str:
    f = row.figures
    return f"接诉即办{f['kind_label']}-{f['node']}-{f['period_start']}.pdf"


# -- housekeeping --------------------------------------------------------------------------------
def due_nodes(session: Session) -> list[OrgNode]:
    """The nodes that get automatic briefings: counties and townships."""
    return list(session.scalars(select(OrgNode).where(
        OrgNode.level.in_(("county", "township")), OrgNode.deleted.is_(False))
        .order_by(OrgNode.path)))


def missing(session: Session, *, now: dt.datetime) -> list[tuple[OrgNode, str, dt.date]]:
    """The last finished week's and month's briefings not made yet."""
    have = {(n, k, s) for n, k, s in session.execute(
        select(Briefing.node_id, Briefing.kind, Briefing.period_start))}
    out = []
    for kind in KINDS:
        start = last_finished(kind, now)
        out += [(node, kind, start) for node in due_nodes(session)
                if (node.id, kind, start) not in have]
    return out


def make_due(session: Session, gateway: SmsGateway, *, settings: Settings,
             now: dt.datetime) -> int:
    """Housekeeping: make the missing briefings and push each one's notice. Never commits."""
    made = 0
    for node, kind, start in missing(session, now=now):
        row = generate(session, node, kind, start, now=now)
        push(session, gateway, row, settings=settings, now=now)
        made += 1
    return made


def recipients(session: Session, row: Briefing, usernames: Iterable[str]) -> list[User]:
    """The configured recipients whose own node is the briefing's, with a phone number."""
    names = [u.strip() for u in usernames if u.strip()]
    if not names:
        return []
    return list(session.scalars(select(User).where(
        User.username.in_(names), User.scope_node_id == row.node_id, User.deleted.is_(False),
        User.active.is_(True), User.phone.is_not(None)).order_by(User.username)))


def notice_text(row: Briefing, settings: Settings) -> str:
    f = row.figures
    link = f"{settings.console_url.rstrip('/')}/admin/briefings/{row.id}/pdf"
    return (f"{settings.sms_signature}{f['node']}接诉即办{f['kind_label']}（{f['period_label']}）"
            f"已生成：受理{f['received']}件，办结{f['closed']}件，逾期{f['overdue']}件。"
            f"查看：{link}")


def push(session: Session, gateway: SmsGateway, row: Briefing, *, settings: Settings,
         now: dt.datetime) -> int:
    """Send the briefing's notice with its link to its recipients; each text is a send
    record (短信发送记录)."""
    batch = str(uuid.uuid4())
    text = notice_text(row, settings)
    sent = 0
    for user in recipients(session, row, settings.briefing_recipients.split(",")):
        answer = gateway.send(user.phone or "", text)
        session.add(SmsMessage(at=now, batch_id=batch, purpose="notice", phone=user.phone,
                               body=text[:600], status="sent" if answer.ok else "failed",
                               error=(answer.error or "")[:200] or None,
                               gateway_id=answer.gateway_id, scope_path=row.node_path))
        sent += answer.ok
    row.pushed_at = now
    return sent


# -- the PDF -------------------------------------------------------------------------------------
_font_ready = False


def _font() -> str:
    global _font_ready
    if not _font_ready:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        if not FONT_FILE.exists():
            raise RuntimeError(f"缺少中文字体 {FONT_FILE}：请安装 Debian 软件包 fonts-wqy-microhei")
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
        _font_ready = True
    return FONT


def _bar_chart(title: str, pairs: list[list[Any]], width: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    font = _font()
    drawing = Drawing(width, 190)
    drawing.add(String(0, 176, title, fontName=font, fontSize=11))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 40, width - 40, 120
    chart.data = [[n for _, n in pairs] or [0]]
    chart.categoryAxis.categoryNames = [str(label) for label, _ in pairs] or ["—"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(pairs) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(pairs) > 6 else "n"
    chart.valueAxis.valueMin = 0
    top = max([n for _, n in pairs] or [0])
    chart.valueAxis.valueMax = max(5, top + 1)
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.valueAxis.labels.fontSize = 8
    chart.bars[0].fillColor = colors.HexColor("#2f6fb3")
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def render_pdf(figures: dict[str, Any]) -> bytes:
    """The briefing as PDF: title, period, the figures, a bar chart by category and one by
    area, the table of overdue events. The same figures give the same bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    font = _font()
    f = figures
    out = io.BytesIO()
    title = f"{f['node']}接诉即办{f['kind_label']}"
    doc = SimpleDocTemplate(out, pagesize=A4, invariant=1, title=title, author="一张表",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, alignment=1)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11)
    rate = "—" if f["satisfaction_rate"] is None else f"{f['satisfaction_rate']}%"
    sat = f["satisfaction"]
    story: list[Any] = [
        Paragraph(title, h1),
        Paragraph(f"统计周期：{f['period_label']}（{f['period_start']} 至 {f['period_end']}）",
                  ParagraphStyle("p", parent=body, alignment=1)),
        Spacer(1, 6 * mm),
        Paragraph("一、总体情况", h2)]
    boxes = Table([["受理", "办结", "逾期未办结", "超时办结", "满意率"],
                   [f["received"], f["closed"], f["overdue"], f["closed_late"], rate]],
                  colWidths=[34 * mm] * 5)
    boxes.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, 0), 10),
        ("FONTSIZE", (0, 1), (-1, 1), 16), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9db4cf")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f0f8")),
        ("TOPPADDING", (0, 1), (-1, 1), 6), ("BOTTOMPADDING", (0, 1), (-1, 1), 8)]))
    story += [boxes, Spacer(1, 3 * mm), Paragraph(
        f"本期办结 {f['closed']} 件中，评价满意 {sat['satisfied']} 件、基本满意 {sat['basic']} 件、"
        f"不满意 {sat['dissatisfied']} 件；满意率按（满意＋基本满意）÷ 已评价计算。", body)]
    width = A4[0] - 36 * mm
    story += [Paragraph("二、分类统计", h2), _bar_chart("按事件类别（受理件数）",
                                                      f["by_category"], width),
              Paragraph("三、分地区统计", h2), _bar_chart("按地区（受理件数）", f["by_area"], width),
              Paragraph(f"四、逾期未办结事件（截至 {f['period_end']}，共 {f['overdue']} 件）", h2)]
    rows = f["overdue_rows"]
    if rows:
        data = [["序号", "事件标题", "类别", "地区", "上报时间", "办结时限", "逾期天数"]]
        data += [[i, Paragraph(r["title"], small), r["category"], r["area"], r["reported_at"],
                  r["due_at"], r["days"]] for i, r in enumerate(rows, 1)]
        table = Table(data, colWidths=[10 * mm, 50 * mm, 18 * mm, 22 * mm, 26 * mm, 26 * mm,
                                       16 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b0b0")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f0f8")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(table)
        if f["overdue"] > len(rows):
            story.append(Paragraph(f"（仅列出前 {len(rows)} 件）", small))
    else:
        story.append(Paragraph("本期没有逾期未办结的事件。", body))
    doc.build(story)
    return out.getvalue()


def download(session: Session, scope: Scope, user: User, briefing_id: str, *,
             now: dt.datetime) -> tuple[str, bytes]:
    """The PDF of a briefing in scope (the download is in the operation log)."""
    row = get_briefing(session, scope, briefing_id)
    data = render_pdf(row.figures)
    log_operation(session, user=user, action="export", now=now, entity="briefings",
                  record_id=row.id, details={"format": "pdf"})
    return file_name(row), data
