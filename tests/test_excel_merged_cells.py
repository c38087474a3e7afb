"""
tasks.excel_import reads a sheet's merged cells in a second pass over its XML,
with expat itself (tasks.excel_import._merged_ranges): it finds them, stops at
too many, and refuses a DOCTYPE anywhere, as the first-bytes check does.
"""

import io
import zipfile

from .test_excel_hostile import GOOD, rejected, read, rewritten, xlsx

ROWS = [[1, "甲", "任务一。", "", "区科委"], [None, None, "任务二。", "", "区科委"], [2, "乙", "任务三。", "", "区科委"]]


def test_merged_cells_are_read(db):
    assert sorted(read(xlsx(ROWS, merges=["A2:A3", "B2:B3"])).merges) == [(1, 2, 1, 3), (2, 2, 2, 3)]


def test_too_many_merged_cells_are_refused(db, monkeypatch):
    monkeypatch.setattr("tasks.excel_import.MAX_MERGES", 1)
    assert "合并单元格过多" in rejected(xlsx(ROWS, merges=["A2:A3", "B2:B3"]))


def test_a_doctype_past_the_first_bytes_is_refused(db):
    # Without entities defusedxml lets a DOCTYPE through; the first-bytes check misses one behind a long comment.
    data = xlsx(GOOD)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = sheet.split(b"?>", 1)[1] if sheet.startswith(b"<?xml") else sheet
    padded = b'<?xml version="1.0"?><!--' + b" " * 5000 + b"--><!DOCTYPE worksheet>" + sheet
    assert "XML" in rejected(rewritten(data, replace={"xl/worksheets/sheet1.xml": padded}))
