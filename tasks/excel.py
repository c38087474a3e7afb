"""
The 任务进度表 as an Excel workbook, in the layout of the plan's appendix.

Columns A–E are the appendix's own, in its order: 序号 / 工作任务 / 具体任务 /
年度任务 / 责任单位, with 序号 and 工作任务 merged down over the specific tasks
of one work task. The progress table adds the chosen quarter's 进展情况 /
存在问题 / 下步计划 / 完成状态. The appendix has no section column, so each
section gets a row of its own across the table ("一、加快推进应用场景建设"):
that is what lets tasks.excel_import read the outline back.

Cell text is written so that tasks.excel_import gets back exactly what was
written (the round trip of tests/test_excel_plan_import.py):
- 工作任务 is the work task's number and title ("（一）推进…"), 具体任务 the
  task's number and text ("1.加强…");
- 年度任务 is one line per milestone, "2021年12月31日：text", each line but the
  last ending in "；" as the appendix prints them (not added after "。");
- 责任单位 lists full unit names joined by "、", lead unit first.

Every string goes in as a text cell, never a formula: a task or an update that
begins with "=" is shown as typed, not run by the spreadsheet.
"""

import gc
import io
import math
import re
import unicodedata
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass
from datetime import date
from weakref import WeakKeyDictionary

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange

from . import rollup
from .access import visible_updates
from .calendar import Period
from .models import Milestone, Plan, Responsibility, SpecificTask, Update

SHEET_TITLE = "任务进度表"
APPENDIX_HEADERS = ["序号", "工作任务", "具体任务", "年度任务", "责任单位"]
PROGRESS_HEADERS = ["进展情况", "存在问题", "下步计划", "完成状态"]
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Widths in Excel's character units (a CJK character takes about two).
PROGRESS_WIDTHS = [6, 18, 42, 42, 18, 40, 26, 26, 10]
# Excel refuses a cell longer than this; longer text is cut with a note rather than a corrupt file.
EXCEL_CELL_LIMIT = 32767

FONT = "宋体"
NORMAL = Font(name=FONT, size=11)
BOLD = Font(name=FONT, size=11, bold=True)
SECTION_FONT = Font(name=FONT, size=12, bold=True)
PROGRESS_TITLE_FONT = Font(name=FONT, size=16, bold=True)
TEMPLATE_TITLE_FONT = Font(name=FONT, size=14, bold=True)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP_MIDDLE = Alignment(wrap_text=True, vertical="center")
MIDDLE = Alignment(vertical="center")
RIGHT = Alignment(horizontal="right")
SECTION_FILL = PatternFill("solid", fgColor="E7EEF7")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
LINE_POINTS = 14.5  # height of one wrapped line of 11pt 宋体


# Cell text -------------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Text as a cell can hold it: control characters Excel rejects dropped, overlong text cut with a note."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_CELL_LIMIT:
        note = "……（超出Excel单元格长度，全文见系统）"
        value = value[: EXCEL_CELL_LIMIT - len(note)] + note
    return value


def put(ws, row: int, column: int, value, *, alignment=WRAP_TOP, font=None, fill=None, border=BORDER):
    """
    Write one cell and give it this style (a fill or border of None: none).
    Strings are always text cells (data_type "s"), so "=1+1" stays those four characters.
    """
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = clean_text(value)
        # openpyxl stores a string starting with "=" as a formula; forcing the type keeps it text.
        cell.data_type = "s"
    else:
        cell.value = value
    _set_style(cell, alignment, font or NORMAL, fill, border)
    return cell


# Style number arrays by workbook, then by the ids of the style objects (see _set_style).
_styles: WeakKeyDictionary = WeakKeyDictionary()


def _set_style(cell, alignment, font, fill, border):
    """
    openpyxl finds a style object's number in the workbook by hashing it field
    by field on every assignment: four assignments for each of the some 46,000
    cells of a 5,000-task table were most of its export time. The first cell
    of each combination is styled the ordinary way; the later ones take a copy
    of its array of style numbers (cell._style, as openpyxl copies a cell).
    The cache keys on ids and keeps the style objects themselves alive, so an
    id is never reused for another object while the workbook lives.
    tests/test_excel_styles.py checks the result against openpyxl's own.
    """
    cache = _styles.setdefault(cell.parent.parent, {})
    key = (id(alignment), id(font), id(fill), id(border))
    if key in cache:
        cell._style = copy(cache[key][0])
        return
    cell._style = StyleArray()
    cell.alignment, cell.font = alignment, font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    cache[key] = (copy(cell._style), (alignment, font, fill, border))


# The styles merging leaves on the cells of a range, by workbook, then by kind of range (see merge).
_merge_styles: WeakKeyDictionary = WeakKeyDictionary()


def merge(ws, *, start_row: int, start_column: int, end_row: int, end_column: int):
    """
    ws.merge_cells for a range that overlaps no merged range, in a fraction of
    its time: the some 2,000 merges of a 5,000-task table took seconds.
    merge_cells checks the range against every range merged before, which is
    left out: the tables here merge disjoint ranges they have just written.
    It then gives the range's cells the outer borders of the range, one hashed
    Border at a time. What that leaves depends only on the range's size and
    the styles of its first and last cells, so openpyxl merges the first range
    of each kind and later ones copy the styles it left, cell by cell.
    tests/test_excel_styles.py checks the result against merge_cells'.
    """
    ref = CellRange(min_row=start_row, min_col=start_column, max_row=end_row, max_col=end_column).coord
    ends = [ws._cells.get((start_row, start_column)), ws._cells.get((end_row, end_column))]
    styled = [None if cell is None else tuple(cell._style or ()) for cell in ends]
    kind = (end_row - start_row, end_column - start_column, *styled)
    merged = MergedCellRange(ws, ref)  # (gives the first cell the last one's right and bottom borders)
    ws.merged_cells.ranges.add(merged)
    styles = _merge_styles.setdefault(ws.parent, {})
    if kind not in styles:
        ws._clean_merge_range(merged)
        styles[kind] = [copy(ws._cells[cell]._style) for cell in merged.cells]
        return
    cells = merged.cells
    ws._cells[next(cells)]._style = copy(styles[kind][0])
    for (row, column), style in zip(cells, styles[kind][1:]):
        cell = ws._cells[row, column] = MergedCell(ws, row=row, column=column)
        cell._style = copy(style)


def display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def line_count(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in str(text).split("\n"))


def fit_row_height(ws, row: int, texts: dict[int, str], widths: list[float], *, merged_rows: int = 1):
    """
    Set the row's height to show its wrapped text. Excel does not grow rows for
    wrapped text written by a program until someone edits them, so without this
    the printed table shows one line per cell.
    """
    lines = max((line_count(t, widths[c - 1]) for c, t in texts.items() if t), default=1)
    height = min(409, max(LINE_POINTS + 4, lines * LINE_POINTS / merged_rows + 4))
    ws.row_dimensions[row].height = height


def milestone_lines(milestones) -> str:
    """'2021年12月31日：…；' one line per milestone, as the appendix prints 年度任务."""
    lines = []
    last = len(milestones) - 1
    for i, m in enumerate(milestones):
        line = f"{m.due_date.year}年{m.due_date.month}月{m.due_date.day}日：{m.text}"
        if i < last and not m.text.endswith("。"):
            line += "；"
        lines.append(line)
    return "\n".join(lines)


def work_task_label(work_task) -> str:
    return f"{work_task.number}{work_task.title}"


def task_label(task) -> str:
    return f"{task.number}{task.text}"


def unit_names(responsibilities) -> str:
    return "、".join(r.unit.name for r in responsibilities)


def setup_print(ws, *, header_row: int, landscape: bool = True):
    """A4 landscape, one page wide, the header row repeated on every page, page numbers in the footer."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


@contextmanager
def collector_paused():
    """
    Python's cycle collector off while a large table is built and saved. The
    some 300,000 objects of a 5,000-task table (model rows, cells) all live
    until the file is written, so the collector's full passes, each walking
    all of them, freed nothing and took a third of the export's time. It is
    turned back on afterwards unless it was off before; meanwhile the other
    threads of the process run without it for those seconds.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_filename(*parts: str) -> str:
    """A file name from its parts, without characters Windows refuses in names."""
    name = "-".join(p for p in parts if p)
    return re.sub(r'[\\/:*?"<>|\r\n]+', "_", name) + ".xlsx"


# The progress table ----------------------------------------------------------------------------------


@dataclass
class ProgressRow:
    task: SpecificTask
    responsibilities: list[Responsibility]  # in the plan's order, the lead unit first
    milestones: list[Milestone]  # by year
    updates: list[Update]
    status: rollup.TaskStatus


def progress_table_rows(*, tasks: QuerySet[SpecificTask], period: Period, user) -> list[ProgressRow]:
    """
    The rows of the progress table for the given tasks, in outline order, in
    four queries however many tasks there are.

    Which progress is shown: each task's APPROVED updates for the quarter,
    among those the user may read (tasks.access.visible_updates; staff read
    all), the lead unit's first and then the co-units' in the order the plan
    lists them. A draft, submitted or returned update is never printed: the
    table is the commission's official record. Status is tasks.rollup's, as of
    the quarter's last day.

    A table of 5,000 tasks holds some 40,000 related rows, so they are loaded
    with the fields the table prints and no others (.only), into lists
    (to_attr) rather than a queryset cloned for every task.
    """
    tasks = (
        rollup.tasks_with_status(tasks, as_of=period.end)
        .select_related("work_task__section")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related("unit")
                .only("task", "role", "order", "unit__name", "unit__sort_order")
                .order_by("order"),
                to_attr="export_responsibilities",
            ),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.only("task", "due_date", "text").order_by("year", "order"),
                to_attr="export_milestones",
            ),
        )
        .order_by("work_task__section__order", "work_task__seq", "order", "pk")
    )
    tasks = list(tasks)
    updates = (
        visible_updates(user, Update.objects.filter(task__in=[t.pk for t in tasks]))
        .filter(year=period.year, quarter=period.quarter, state=Update.State.APPROVED)
        .select_related("unit")
        .only("task", "progress", "problems", "next_steps", "unit__name", "unit__sort_order")
    )
    by_task: dict[int, list[Update]] = {}
    for update in updates:
        by_task.setdefault(update.task_id, []).append(update)
    rows = []
    for task in tasks:
        responsibilities = task.export_responsibilities
        place = {r.unit_id: r.order for r in responsibilities}
        # A unit no longer on the task (its responsibility removed later) still has its approved words shown, last.
        task_updates = sorted(
            by_task.get(task.pk, []),
            key=lambda u: (u.unit_id not in place, place.get(u.unit_id, 0), u.unit.sort_order, u.unit.name),
        )
        rows.append(
            ProgressRow(
                task=task,
                responsibilities=responsibilities,
                milestones=task.export_milestones,
                updates=task_updates,
                status=rollup.task_status(task),
            )
        )
    return rows


def _joined(updates: list[Update], field: str, lead_unit_id: int | None) -> str:
    """One update's text as is; several are each headed by their unit ("区财政局：…")."""
    parts = [(u, getattr(u, field).strip()) for u in updates]
    parts = [(u, text) for u, text in parts if text]
    if len(parts) == 1 and parts[0][0].unit_id == lead_unit_id:
        return parts[0][1]
    return "\n".join(f"{u.unit.name}：{text}" for u, text in parts)


def progress_table_workbook(*, plan: Plan, rows: list[ProgressRow], period: Period) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    headers = APPENDIX_HEADERS + PROGRESS_HEADERS
    last_col = len(headers)
    widths = PROGRESS_WIDTHS
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width

    put(ws, 1, 1, f"{plan.title}任务进度表", alignment=WRAP_CENTER, font=PROGRESS_TITLE_FONT, border=None)
    merge(ws, start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.row_dimensions[1].height = 30
    exported = timezone.localdate()
    subtitle = f"{period}进展（{period.label}）　导出日期：{exported.year}年{exported.month}月{exported.day}日"
    put(ws, 2, 1, subtitle, alignment=RIGHT, border=None)
    merge(ws, start_row=2, start_column=1, end_row=2, end_column=last_col)
    header_row = 3
    for col, title in enumerate(headers, start=1):
        put(ws, header_row, col, title, alignment=WRAP_CENTER, font=BOLD, fill=HEADER_FILL)
    ws.row_dimensions[header_row].height = 22

    r = header_row + 1
    section_id = None
    i = 0
    while i < len(rows):
        task = rows[i].task
        section = task.work_task.section
        if section.pk != section_id:
            section_id = section.pk
            put(ws, r, 1, str(section), font=SECTION_FONT, fill=SECTION_FILL, alignment=MIDDLE)
            for col in range(2, last_col + 1):
                put(ws, r, col, None, fill=SECTION_FILL)
            merge(ws, start_row=r, start_column=1, end_row=r, end_column=last_col)
            ws.row_dimensions[r].height = 22
            r += 1
        # The rows of one work task, merged under one 序号 and 工作任务 as in the appendix.
        group = [rows[i]]
        while i + len(group) < len(rows) and rows[i + len(group)].task.work_task_id == task.work_task_id:
            group.append(rows[i + len(group)])
        first = r
        for row in group:
            t = row.task
            lead = next((x.unit_id for x in row.responsibilities if x.role == Responsibility.Role.LEAD), None)
            texts = {
                3: task_label(t),
                4: milestone_lines(row.milestones),
                5: unit_names(row.responsibilities),
                6: _joined(row.updates, "progress", lead),
                7: _joined(row.updates, "problems", lead),
                8: _joined(row.updates, "next_steps", lead),
                9: str(row.status.label),
            }
            for col in range(1, last_col + 1):
                put(ws, r, col, texts.get(col), alignment=WRAP_CENTER if col in (1, 9) else WRAP_TOP)
            fit_row_height(ws, r, texts, widths)
            r += 1
        wt = task.work_task
        put(ws, first, 1, wt.seq, alignment=WRAP_CENTER)
        put(ws, first, 2, work_task_label(wt), alignment=WRAP_MIDDLE)
        if len(group) > 1:
            merge(ws, start_row=first, start_column=1, end_row=r - 1, end_column=1)
            merge(ws, start_row=first, start_column=2, end_row=r - 1, end_column=2)
        i += len(group)

    setup_print(ws, header_row=header_row)
    return wb


# The quarterly-update template ---------------------------------------------------------------------------

UPDATE_SHEET = "季度进展"
META_SHEET = "填报信息"
UPDATE_HEADERS = ["编号", "工作任务", "具体任务", "本年度任务", "本单位职责", "当前状态", "进展情况", "存在问题", "下步计划", "自评状态"]
UPDATE_WIDTHS = [7, 16, 36, 32, 8, 9, 40, 26, 26, 10]
FIRST_INPUT_COLUMN = 7  # 进展情况; the columns before it are the system's and are read back only by 编号
# The sheet's words for Update.SelfStatus (DOMAIN.md's), offered as a drop-down.
SELF_STATUS_WORDS = {"on_track": "正常推进", "behind": "滞后", "done": "已完成"}
META_REVISIONS_HEADER = ["编号", "版本"]


def indicator_value_header(indicator) -> str:
    return f"指标：{indicator.name}（{indicator.measure}）"


def indicator_note_header(indicator) -> str:
    return f"说明：{indicator.name}"


@dataclass
class TemplateRow:
    task: SpecificTask
    role: str
    update: Update | None
    contributions: dict  # indicator id → Contribution


def update_template_rows(*, plan: Plan, unit, period: Period) -> tuple[list[TemplateRow], list]:
    """
    The unit's tasks in the plan (lead or co-responsible), in outline order,
    with the period's milestones, the unit's update for the period if any and
    its contributions; and the indicators those tasks feed. Five queries.
    """
    from indicators.models import Contribution, Indicator  # indicators depends on tasks, not the other way round

    tasks = list(
        SpecificTask.objects.filter(work_task__section__plan=plan, responsibilities__unit=unit)
        .select_related("work_task__section")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.filter(year=period.year).order_by("order")),
            Prefetch("responsibilities", queryset=Responsibility.objects.filter(unit=unit), to_attr="unit_roles"),
            Prefetch("indicators", queryset=Indicator.objects.order_by("order")),
        )
        .order_by("work_task__section__order", "work_task__seq", "order")
    )
    quarter = Update.objects.filter(task__in=tasks, unit=unit, year=period.year, quarter=period.quarter)
    updates = {u.task_id: u for u in quarter.prefetch_related(Prefetch("contributions", queryset=Contribution.objects.all()))}
    indicators = {}
    rows = []
    for task in tasks:
        for indicator in task.indicators.all():
            indicators.setdefault(indicator.pk, indicator)
        update = updates.get(task.pk)
        contributions = {c.indicator_id: c for c in update.contributions.all()} if update else {}
        rows.append(TemplateRow(task=task, role=task.unit_roles[0].role, update=update, contributions=contributions))
    return rows, sorted(indicators.values(), key=lambda i: (i.order, i.pk))


def add_status_validation(ws, column: int, first_row: int, last_row: int):
    """A drop-down of the self-assessed statuses, so the offline form holds only words the import knows."""
    if last_row < first_row:
        return
    words = list(SELF_STATUS_WORDS.values())
    validation = DataValidation(type="list", formula1=f'"{",".join(words)}"', allow_blank=True)
    validation.error = "请从下拉列表中选择：" + "、".join(words)
    validation.errorTitle = "自评状态"
    ws.add_data_validation(validation)
    letter = get_column_letter(column)
    validation.add(f"{letter}{first_row}:{letter}{last_row}")


def update_template_workbook(
    *, plan: Plan, unit, period: Period, rows: list[TemplateRow], indicators: list
) -> Workbook:
    """
    The form a unit fills in offline: its tasks with the columns of a quarterly
    update, pre-filled with what the system holds for the quarter. Grey cells
    are the system's; a row whose update is submitted or approved is grey all
    along and must stay as it is. A second sheet records which plan, quarter
    and unit it is for, and each update's revision, so an upload is matched to
    the right quarter and never overwrites a draft changed since the download.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = UPDATE_SHEET
    headers = list(UPDATE_HEADERS)
    widths = list(UPDATE_WIDTHS)
    for indicator in indicators:
        headers += [indicator_value_header(indicator), indicator_note_header(indicator)]
        widths += [12, 20]
    last_col = len(headers)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width

    title = f"{unit.name} · {plan.title} · {period}进展填报表"
    put(ws, 1, 1, title, alignment=WRAP_CENTER, font=TEMPLATE_TITLE_FONT, border=None)
    merge(ws, start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.row_dimensions[1].height = 26
    note = (
        "填写说明：白色单元格填写本季度进展；灰色单元格为系统内容，请勿修改。自评状态请从下拉列表选择；"
        "指标列填写本季度新增数值（不是累计数），并在“说明”列写明统计内容。已提交或已通过的进展不能通过导入修改。"
        "填好后在系统中“导入季度进展”上传，核对预览后确认，保存为草稿，再逐项提交。"
    )
    put(ws, 2, 1, note, alignment=WRAP_TOP, border=None)
    merge(ws, start_row=2, start_column=1, end_row=2, end_column=last_col)
    ws.row_dimensions[2].height = 48
    header_row = 3
    for col, text in enumerate(headers, start=1):
        put(ws, header_row, col, text, alignment=WRAP_CENTER, font=BOLD, fill=HEADER_FILL)
    ws.row_dimensions[header_row].height = 32

    status_words = SELF_STATUS_WORDS
    r = header_row + 1
    for row in rows:
        task, update = row.task, row.update
        locked = update is not None and not update.is_editable_by_unit
        fed = {i.pk for i in task.indicators.all()}
        texts = {
            1: task.code,
            2: work_task_label(task.work_task),
            3: task_label(task),
            4: milestone_lines(list(task.milestones.all())),
            5: str(Responsibility.Role(row.role).label),
            6: str(update.get_state_display()) if update else _("Not started yet"),
            7: update.progress if update else "",
            8: update.problems if update else "",
            9: update.next_steps if update else "",
            10: status_words.get(update.self_status, "") if update else "",
        }
        for col in range(1, len(UPDATE_HEADERS) + 1):
            system = col < FIRST_INPUT_COLUMN or locked
            put(ws, r, col, texts[col] or None, fill=LOCKED_FILL if system else None,
                alignment=WRAP_CENTER if col in (1, 5, 6, 10) else WRAP_TOP)
        col = len(UPDATE_HEADERS) + 1
        for indicator in indicators:
            contribution = row.contributions.get(indicator.pk)
            grey = locked or indicator.pk not in fed
            value = contribution.value if contribution else None
            if value is not None:  # a number cell; whole numbers as 3, not 3.00
                value = int(value) if value == value.to_integral() else float(value)
            put(ws, r, col, value, fill=LOCKED_FILL if grey else None, alignment=WRAP_CENTER)
            put(ws, r, col + 1, contribution.description if contribution else None, fill=LOCKED_FILL if grey else None)
            col += 2
        fit_row_height(ws, r, {c: t for c, t in texts.items() if isinstance(t, str)}, widths)
        r += 1
    add_status_validation(ws, 10, header_row + 1, r - 1)
    setup_print(ws, header_row=header_row)

    meta = wb.create_sheet(META_SHEET)
    meta.column_dimensions["A"].width = 14
    meta.column_dimensions["B"].width = 60
    put(meta, 1, 1, "本表由系统生成，用于核对上传的文件，请勿修改。", border=None)
    for i, (key, value) in enumerate(
        [("计划", plan.title), ("计划编号", plan.pk), ("季度", period.label), ("单位", unit.name), ("下载日期", today_label())],
        start=2,
    ):
        put(meta, i, 1, key)
        put(meta, i, 2, value)
    start = 8
    for col, text in enumerate(META_REVISIONS_HEADER, start=1):
        put(meta, start, col, text, font=BOLD, fill=HEADER_FILL)
    for i, row in enumerate(rows, start=start + 1):
        put(meta, i, 1, row.task.code)
        put(meta, i, 2, row.update.revision if row.update else 0)
    meta.sheet_state = "hidden"
    return wb


def today_label(day: date | None = None) -> str:
    day = day or timezone.localdate()
    return f"{day.year}年{day.month}月{day.day}日"
