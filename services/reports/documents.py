"""A report as tables and charts, independent of how it is shown (JSON, xlsx, PDF).

Cells hold text, whole numbers or Decimals; `None` shows as a dash.  The
canonical JSON of a document (`canonical_json`) is what a printout's hash is
taken of: the same journal content always gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from ezh.reports.v1 import reports_pb2

from services.common.validation import timestamp

CellValue = str | int | Decimal | None
DASH = "—"


def cell_text(value: CellValue) -> str:
    if value is None:
        return DASH
    if isinstance(value, Decimal):
        return f"{value}".replace(".", ",")
    return str(value)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[CellValue]] = field(default_factory=list)


@dataclass
class Chart:
    key: str
    kind: str  # "bar" or "line"
    title: str
    labels: list[str]
    series: dict[str, list[float]]


@dataclass
class Document:
    title: str
    subtitle: str
    school_name: str
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def canonical_json(self) -> bytes:
        """The content only (no time of generation), keys sorted: the basis of a printout's hash."""
        content = {
            "title": self.title, "subtitle": self.subtitle, "school": self.school_name,
            "tables": [{"key": t.key, "title": t.title, "columns": t.columns,
                        "rows": [[cell_text(value) for value in row] for row in t.rows]} for t in self.tables],
        }
        return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()


def _cell(value: CellValue) -> reports_pb2.Cell:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return reports_pb2.Cell(text=cell_text(value))
    return reports_pb2.Cell(text=cell_text(value), number=float(value))


def to_proto(document: Document, generated: dt.datetime) -> reports_pb2.Report:
    return reports_pb2.Report(
        title=document.title, subtitle=document.subtitle, school_name=document.school_name,
        tables=[
            reports_pb2.ReportTable(key=t.key, title=t.title, columns=t.columns,
                                    rows=[reports_pb2.ReportRow(cells=[_cell(v) for v in row]) for row in t.rows])
            for t in document.tables
        ],
        charts=[
            reports_pb2.Chart(key=c.key, kind=c.kind, title=c.title, labels=c.labels,
                              series=[reports_pb2.ChartSeries(name=name, values=values)
                                      for name, values in c.series.items()])
            for c in document.charts
        ],
        generate_time=timestamp(generated),
    )
