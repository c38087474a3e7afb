"""
The plan dashboard's numbers as an Excel workbook, for staff who paste them into a report.

Every text cell is written as text: a unit's description that starts with "=" stays those characters
and never becomes a formula when the file is opened (tests/test_dashboard_export.py checks this).
Headers are literal Chinese: they are the column names of the commission's own tables.
"""

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tasks.rollup import TaskStatus

from .selectors import PlanDashboard, section_label

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
BOLD = Font(bold=True)


def _value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else round(float(value), 2)
    return value


class _Sheet:
    """A worksheet written top to bottom, one row at a time."""

    def __init__(self, worksheet, title: str, dashboard: PlanDashboard, what: str):
        self.worksheet = worksheet
        worksheet.title = title
        self.row = 0
        self.write([f"《{dashboard.plan.title}》{what}"])
        worksheet.cell(1, 1).font = Font(bold=True, size=13)
        self.write([f"数据截至 {dashboard.as_of:%Y-%m-%d}，仅统计审核通过的季度进展"])
        self.write([])

    def write(self, values, *, header=False):
        self.row += 1
        for column, value in enumerate(values, start=1):
            cell = self.worksheet.cell(row=self.row, column=column)
            cell.value = _value(value)
            if isinstance(cell.value, str):
                # openpyxl stores a str that starts with "=" as a formula: make it text again.
                cell.data_type = "s"
            if header:
                cell.font = BOLD
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="center")

    def widths(self, widths):
        for column, width in enumerate(widths, start=1):
            self.worksheet.column_dimensions[get_column_letter(column)].width = width


def _target_source(progress) -> str:
    if progress.year_target is None:
        return ""
    return "规划文件" if progress.year_target_stated else "按直线推算"


def _state(state) -> str:
    return str(state.label) if state else "无目标"


def plan_dashboard_workbook(dashboard: PlanDashboard) -> bytes:
    workbook = Workbook()
    year = dashboard.year

    sheet = _Sheet(workbook.active, "指标", dashboard, "指标完成情况")
    sheet.write(
        ["序号", "指标", "计量单位", "统计方式", f"{year}年目标", "目标来源", "最终目标", "实际完成",
         "完成率(%)", "序时进度(%)", "状态", "上季度末完成", "较上季度末变化", "上季度末状态"],
        header=True,
    )
    for number, row in enumerate(dashboard.indicators, start=1):
        p, q = row.progress, row.previous
        sheet.write(
            [number, p.indicator.name, p.indicator.measure, str(p.indicator.get_mode_display()), p.year_target,
             _target_source(p), p.final_target, p.actual, p.percent,
             p.expected_percent, _state(p.state), q.actual, row.change, _state(q.state)]
        )
    sheet.widths([6, 40, 9, 9, 11, 11, 10, 10, 10, 11, 9, 12, 14, 12])

    sheet = _Sheet(workbook.create_sheet(), "季度趋势", dashboard, "指标季度趋势（季度末完成值）")
    sheet.write(["指标", "计量单位"] + [period.label for period in dashboard.periods], header=True)
    for row in dashboard.indicators:
        sheet.write([row.indicator.name, row.indicator.measure] + [value for _, value in row.progress.trend])
    sheet.widths([40, 9] + [9] * len(dashboard.periods))

    sheet = _Sheet(workbook.create_sheet(), "任务进展", dashboard, "具体任务进展")
    total = dashboard.task_counts
    sheet.write(["篇章", "具体任务"] + [str(status.label) for status, _, _ in total.rows()] + ["完成率(%)"], header=True)
    for row in dashboard.sections:
        counts = [n for _, n, _ in row.counts.rows()]
        sheet.write([section_label(row.section), row.counts.total] + counts + [row.done_percent])
    sheet.write(["合计", total.total] + [n for _, n, _ in total.rows()] + [total.percent(TaskStatus.DONE)])
    sheet.write([])
    m = dashboard.milestones
    sheet.write([f"{year}年度任务", "合计", "按时完成", "逾期完成", "逾期未完成", "未到期", "按时完成率(%)"], header=True)
    sheet.write(["", m.total, m.met_on_time, m.met_late, m.late, m.pending, m.on_time_percent])
    sheet.widths([44, 10, 10, 10, 10, 10, 12])

    sheet = _Sheet(workbook.create_sheet(), "单位报送", dashboard, "逾期或缺报较多的单位（自计划实施以来）")
    sheet.write(["责任单位", "通报排名", "应报", "按时报送", "逾期报送", "缺报", "被退回"], header=True)
    for row in dashboard.unit_reports:
        card = row.card
        sheet.write([row.unit.name, row.rank, card.expected, card.on_time, card.late, card.missing, card.returned])
    sheet.widths([30, 10, 8, 10, 10, 8, 8])

    since = f"较上季度末（{dashboard.previous_as_of:%Y-%m-%d}）的变化"
    sheet = _Sheet(workbook.create_sheet(), "季度变化", dashboard, since)
    sheet.write(["具体任务", "任务内容", "原状态", "现状态"], header=True)
    for change in dashboard.status_changes:
        sheet.write([change.task.code, change.task.text, str(change.before.label), str(change.after.label)])
    sheet.widths([10, 70, 10, 10])

    output = BytesIO()
    workbook.save(output)
    return output.getvalue()
