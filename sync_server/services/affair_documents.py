"""The signed result document of an online-affairs application (办理结果通知书): a one-page PDF
drawn with reportlab and the WenQuanYi font (as services/briefings.py does), stored with the
application for the resident to download. The same inputs give the same bytes."""
from __future__ import annotations

import datetime as dt
import io

from .briefings import FONT, FONT_FILE

LOCAL = dt.timedelta(hours=8)  # documents show the county's time (China Standard Time)


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    if FONT not in pdfmetrics.getRegisteredFontNames():
        if not FONT_FILE.exists():
            raise RuntimeError(f"缺少中文字体 {FONT_FILE}：请安装 Debian 软件包 fonts-wqy-microhei")
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
    return FONT


def render_result(*, number: str, title: str, applicant: str, address: str, village: str,
                  unit: str, signed_by: str, filed_at: dt.datetime, signed_at: dt.datetime,
                  note: str) -> bytes:
    """The result notice: what was applied for, by whom, the decision and who signed it."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    font = _font()
    out = io.BytesIO()
    heading = f"{title}办理结果通知书"
    doc = SimpleDocTemplate(out, pagesize=A4, invariant=1, title=heading, author=unit,
                            leftMargin=22 * mm, rightMargin=22 * mm, topMargin=24 * mm,
                            bottomMargin=20 * mm)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=20, leading=28, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18)
    right = ParagraphStyle("right", parent=body, alignment=2)

    def cell(text: str) -> Paragraph:
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), body)

    rows = [["编号", cell(number)], ["办理事项", cell(title)], ["申请人", cell(applicant)],
            ["住址", cell(f"{village} {address}".strip())],
            ["申请时间", cell(f"{filed_at + LOCAL:%Y年%m月%d日 %H:%M}")],
            ["办理结果", cell("准予办理。" + (note.strip() if note else ""))]]
    table = Table(rows, colWidths=[32 * mm, 134 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 11),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#7f95b0")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3f9")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    story = [Paragraph(heading, h1), Spacer(1, 8 * mm), table, Spacer(1, 14 * mm),
             Paragraph(f"签发单位：{unit}", right), Paragraph(f"签发人：{signed_by}", right),
             Paragraph(f"签发日期：{signed_at + LOCAL:%Y年%m月%d日}", right), Spacer(1, 10 * mm),
             Paragraph("本通知书由一张表网上办事系统生成，可凭编号向签发单位核验。", body)]
    doc.build(story)
    return out.getvalue()
