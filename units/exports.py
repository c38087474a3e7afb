"""
The 通报 as an Excel workbook (openpyxl). Every string that came from a user
(plan titles, unit names) is written as text, never as a formula: a unit named
"=HYPERLINK(…)" must show as that name, not run in the reader's Excel.
"""

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = [
    ("排名", 6),
    ("单位", 28),
    ("应报", 8),
    ("按时报送", 10),
    ("逾期报送", 10),
    ("未报送", 8),
    ("被退回", 8),
    ("按时报送率", 12),
    ("到期年度任务", 12),
    ("按期完成", 10),
    ("按期完成率", 12),
]


FORMULA_STARTS = ("=", "+", "-", "@")


def write_text(cell, value: str):
    """
    Put a string in a cell as text: openpyxl would otherwise store '=…' as a
    formula. A string Excel could read as one when the cell is edited also
    gets the quote prefix (shown as a leading ' in the formula bar).
    """
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _percent(value):
    return None if value is None else value / 100


def bulletin_workbook(*, plan, title: str, rows, as_of: date) -> io.BytesIO:
    """rows: rollup.RankedScorecard, in ranking order (units.selectors.bulletin)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "通报"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    write_text(ws.cell(row=1, column=1), f"{plan.title} 各责任单位季度进展报送情况通报（{title}）")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    write_text(ws.cell(row=2, column=1), f"统计截至 {as_of:%Y年%m月%d日}；应报为牵头单位每季度每项具体任务一份，配合单位报送不计。")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))

    for col, (header, width) in enumerate(HEADERS, start=1):
        cell = write_text(ws.cell(row=3, column=col), header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        ws.column_dimensions[get_column_letter(col)].width = width

    for r, row in enumerate(rows, start=4):
        card = row.card
        values = [
            row.rank if row.rank is not None else "—",
            row.unit.name,
            card.expected,
            card.on_time,
            card.late,
            card.missing,
            card.returned,
            _percent(card.on_time_percent),
            card.milestones_due,
            card.milestones_on_time,
            _percent(card.milestones_percent),
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col)
            if isinstance(value, str):
                write_text(cell, value)
            else:
                cell.value = value
            cell.border = border
            if col in (8, 11):
                cell.number_format = "0.0%"
    ws.freeze_panes = "C4"
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
