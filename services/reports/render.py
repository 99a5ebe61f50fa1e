"""Reports as files: xlsx (openpyxl) and PDF (fpdf2) with charts (matplotlib, Agg).

The PDF embeds DejaVu Sans, the font matplotlib ships, so Cyrillic renders
everywhere and no system font is needed.  A certified printout (R3) adds the
school's name, page numbers, the date, places for signatures and the stamp,
and the verification code with its QR.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from fpdf import FPDF  # noqa: E402
from fpdf.fonts import FontFace  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Font  # noqa: E402

from services.reports.documents import Chart, Document, cell_text  # noqa: E402

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
MAX_COLUMNS_PER_PART = 16  # wider tables (a journal page) are split, the first two columns repeated
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"


def to_xlsx(document: Document) -> bytes:
    """One sheet per table; numbers stay numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, table in enumerate(document.tables or []):
        sheet = workbook.create_sheet(title=(table.title or table.key)[:28] or f"Лист {index + 1}")
        sheet.append([document.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([document.school_name or document.subtitle])
        sheet.append(table.columns)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([value if isinstance(value, int) else float(value) if isinstance(value, Decimal)
                          else (value if value is not None else "") for value in row])
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in list(column)[2:]) if sheet.max_row > 2 else 10
            sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 6), 60)
    if not workbook.sheetnames:
        workbook.create_sheet(title="Отчёт").append([document.title])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def chart_png(chart: Chart) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.2), dpi=110)
    axes = figure.subplots()
    positions = list(range(len(chart.labels)))
    if chart.kind == "line":
        for name, values in chart.series.items():
            axes.plot(positions, values, marker="o", label=name)
    else:
        width = 0.8 / max(len(chart.series), 1)
        for index, (name, values) in enumerate(chart.series.items()):
            axes.bar([p + index * width for p in positions], values, width=width, label=name)
    axes.set_xticks(positions, chart.labels, rotation=30 if len(chart.labels) > 6 else 0, fontsize=8)
    axes.set_title(chart.title)
    if len(chart.series) > 1 or chart.kind == "line":
        axes.legend(fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class Certification:
    code: str
    verify_url: str
    printed: dt.datetime


class ReportPDF(FPDF):
    def __init__(self, document: Document, certification: Certification | None, landscape: bool) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.document = document
        self.certification = certification
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FONT, "", 8)
        self.cell(0, 5, self.document.school_name, new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        left = ""
        if self.certification:
            left = (f"Код проверки {self.certification.code} · напечатано "
                    f"{self.certification.printed.strftime('%d.%m.%Y %H:%M')} UTC")
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Стр. {self.page_no()} из {{nb}}", align="R")


def _table_parts(columns: list[str], rows: list[list]) -> list[tuple[list[str], list[list]]]:
    if len(columns) <= MAX_COLUMNS_PER_PART:
        return [(columns, rows)]
    head, rest = 2, list(range(2, len(columns)))
    step = MAX_COLUMNS_PER_PART - head
    parts = []
    for begin in range(0, len(rest), step):
        chosen = list(range(head)) + rest[begin:begin + step]
        parts.append(([columns[i] for i in chosen], [[row[i] for i in chosen] for row in rows]))
    return parts


def to_pdf(document: Document, certification: Certification | None = None, *, charts: bool = True) -> bytes:
    wide = any(len(table.columns) > 9 for table in document.tables)
    pdf = ReportPDF(document, certification, landscape=wide)
    pdf.add_page()
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, document.title, new_x="LMARGIN", new_y="NEXT")
    if document.subtitle:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, document.subtitle, new_x="LMARGIN", new_y="NEXT")
    for table in document.tables:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
        if not table.rows:
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(0, 5, "Нет", new_x="LMARGIN", new_y="NEXT")
            continue
        for columns, rows in _table_parts(table.columns, table.rows):
            pdf.set_font(FONT, "", 7 if len(columns) > 8 else 8)
            with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=4, padding=0.8) as grid:
                heading = grid.row()
                for column in columns:
                    heading.cell(column)
                for values in rows:
                    line = grid.row()
                    for value in values:
                        line.cell(cell_text(value))
            pdf.ln(2)
    if charts:
        for chart in document.charts:
            if not chart.labels:
                continue
            pdf.ln(3)
            if pdf.get_y() > pdf.h - 90:
                pdf.add_page()
            pdf.image(io.BytesIO(chart_png(chart)), w=min(170, pdf.epw))
    if certification:
        _certification_block(pdf, certification)
    return bytes(pdf.output())


def _certification_block(pdf: FPDF, certification: Certification) -> None:
    import segno

    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, f"Дата: {certification.printed.strftime('%d.%m.%Y')}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.cell(0, 8, "Директор ______________________ / ______________________ /", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "Заместитель директора ______________________ / ______________________ /",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.cell(0, 8, "М. П.", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(120, 4, f"Код проверки: {certification.code}. Соответствие распечатки журналу можно проверить "
                           f"по адресу {certification.verify_url}", new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(certification.verify_url, error="m").save(qr, kind="png", scale=4, border=1)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - pdf.r_margin - 32, y=top, w=32)
