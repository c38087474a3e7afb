"""
The Excel writer's shortcuts leave exactly what openpyxl's own calls leave:
tasks.excel.put copies cached style numbers instead of assigning each style,
and tasks.excel.merge copies the borders of the first merge of a kind. Both
are checked here byte for byte against the plain calls, and the exported
progress table is read back for its borders, fills and fonts.
"""

import gc
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from openpyxl import Workbook

from tasks import excel


def saved_parts(wb: Workbook) -> dict[str, bytes]:
    """The workbook's saved styles and sheets (the rest of the file holds the time it was saved)."""
    with zipfile.ZipFile(io.BytesIO(excel.workbook_bytes(wb))) as z:
        return {n: z.read(n) for n in z.namelist() if n == "xl/styles.xml" or n.startswith("xl/worksheets/")}


# (value, alignment, font, fill, border) in the combinations the two tables use, each more than once.
CELLS = [
    ("标题", excel.WRAP_CENTER, excel.PROGRESS_TITLE_FONT, None, None),
    ("序号", excel.WRAP_CENTER, excel.BOLD, excel.HEADER_FILL, excel.BORDER),
    ("一、章", excel.MIDDLE, excel.SECTION_FONT, excel.SECTION_FILL, excel.BORDER),
    (None, excel.WRAP_TOP, excel.NORMAL, excel.SECTION_FILL, excel.BORDER),
    ("=1+1", excel.WRAP_TOP, excel.NORMAL, None, excel.BORDER),
    ("说明", excel.WRAP_TOP, excel.NORMAL, None, None),
    (4, excel.WRAP_CENTER, excel.NORMAL, None, excel.BORDER),
    ("灰", excel.WRAP_TOP, excel.NORMAL, excel.LOCKED_FILL, excel.BORDER),
    ("右", excel.RIGHT, excel.NORMAL, None, None),
]


def write(ws, styled):
    for row in range(1, 13):
        for column, (value, alignment, font, fill, border) in enumerate(CELLS, start=1):
            styled(ws, row, column, value, alignment, font, fill, border)


def assigned(ws, row, column, value, alignment, font, fill, border):
    """What put did before it cached: each style assigned to the cell."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    cell.alignment, cell.font = alignment, font
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border


def put(ws, row, column, value, alignment, font, fill, border):
    excel.put(ws, row, column, value, alignment=alignment, font=font, fill=fill, border=border)


def test_put_saves_the_same_styles_as_assigning_each_one():
    plain, cached = Workbook(), Workbook()
    write(plain.active, assigned)
    write(cached.active, put)
    assert saved_parts(cached) == saved_parts(plain)


# Ranges like the progress table's, most kinds twice: title and section rows, work tasks of two and three
# tasks, ranges on cells not written yet (rows 13 to 18) and on cells written without a style (rows 19 on).
RANGES = [
    (1, 1, 1, 8), (2, 1, 2, 8), (3, 1, 3, 8), (4, 1, 5, 1), (4, 2, 5, 2), (6, 1, 8, 1), (6, 2, 8, 2),
    (9, 1, 10, 1), (9, 2, 10, 2), (11, 1, 11, 8), (12, 3, 14, 3), (15, 1, 16, 1), (17, 1, 18, 1),
    (19, 1, 19, 3), (20, 1, 20, 3),
]


@pytest.mark.parametrize("shuffled", [False, True])
def test_merge_saves_the_same_cells_as_merge_cells(shuffled):
    plain, fast = Workbook(), Workbook()
    ranges = RANGES[::-1] if shuffled else RANGES
    for wb in (plain, fast):
        write(wb.active, put)
        # Row 2 again without borders, as the subtitle is: a range whose first cell has none.
        for column in range(1, 9):
            excel.put(wb.active, 2, column, None, border=None)
        for row in (19, 20):
            wb.active.cell(row=row, column=1, value="无样式")
            wb.active.cell(row=row, column=3, value="无样式")
    for r in ranges:
        plain.active.merge_cells(start_row=r[0], start_column=r[1], end_row=r[2], end_column=r[3])
        excel.merge(fast.active, start_row=r[0], start_column=r[1], end_row=r[2], end_column=r[3])
    assert saved_parts(fast) == saved_parts(plain)
    assert {str(r) for r in fast.active.merged_cells.ranges} == {str(r) for r in plain.active.merged_cells.ranges}


@pytest.fixture
def exported(client, staff, plan_2021):
    client.force_login(staff)
    response = client.get(reverse("tasks:excel_progress_export", args=[plan_2021.pk]), {"period": "2022Q3"})
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))[excel.SHEET_TITLE]


def test_the_exported_header_and_section_rows_keep_their_fills_and_fonts(exported):
    header, section = exported["C3"], exported["A4"]
    assert (header.font.b, header.fill.fgColor.rgb, header.font.name) == (True, "00D9E1F2", "宋体")
    assert (section.font.sz, section.fill.fgColor.rgb, section.border.left.style) == (12, "00E7EEF7", "thin")


def test_an_exported_work_task_merge_keeps_its_outer_borders(exported):
    ranges = [r for r in exported.merged_cells.ranges if r.min_col == 1 and r.max_row > r.min_row]
    bottom = exported.cell(ranges[0].max_row, 1).border
    assert ranges and (bottom.left.style, bottom.right.style, bottom.bottom.style) == ("thin", "thin", "thin")


def test_the_cycle_collector_is_back_on_after_an_export(exported):
    assert gc.isenabled()


def test_the_cycle_collector_stays_off_if_it_was_off():
    gc.disable()
    try:
        with pytest.raises(ValueError), excel.collector_paused():
            raise ValueError
        assert not gc.isenabled()
    finally:
        gc.enable()
