"""
Files that are not the expected table, or are built to hurt: each gets a clear
message, nothing is written, and refusing them takes no time. The files are
built here, never committed.
"""

import io
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks import excel_import
from tasks.excel_import import ExcelRejected, read_table
from tasks.models import ImportBatch, Plan

HEADERS = ["序号", "工作任务", "具体任务", "年度任务", "责任单位"]


def xlsx(rows=(), *, sheet="任务进度表", headers=HEADERS, merges=(), extra_sheet=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if headers:
        ws.append(headers)
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    if extra_sheet:
        wb.create_sheet(extra_sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of an xlsx with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def read(data: bytes):
    return read_table(io.BytesIO(data), size=len(data), sheet="任务进度表", headers=HEADERS)


def rejected(data: bytes) -> str:
    with pytest.raises(ExcelRejected) as info:
        read(data)
    return info.value.message


GOOD = [[1, "甲", "任务一。", "2021年12月31日：甲", "区科委"]]


@pytest.fixture
def openpyxl_never_opens(monkeypatch):
    """The checks before openpyxl must catch these files: opening one would be the harm."""
    calls = []
    monkeypatch.setattr(excel_import.openpyxl, "load_workbook", lambda *args, **kwargs: calls.append(args))
    yield
    assert calls == [], "openpyxl was given the file"


# Not an xlsx ---------------------------------------------------------------------------------------------


def test_a_good_file_reads(db):
    table = read(xlsx(GOOD))
    assert table.header_row == 1 and table.rows[0][1][:2] == (1, "甲")


def test_plain_text_is_not_an_xlsx(db, openpyxl_never_opens):
    assert "不是Excel" in rejected("序号,工作任务\n1,甲".encode())


def test_an_ole_file_is_encrypted_or_legacy_xls(db, openpyxl_never_opens):
    data = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 2000
    assert "密码" in rejected(data)


def test_a_zip_that_is_not_a_workbook(db, openpyxl_never_opens):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    assert "不是Excel" in rejected(out.getvalue())


def test_a_truncated_workbook_is_damaged(db):
    assert "损坏" in rejected(xlsx(GOOD)[:3000])


def test_corrupt_compressed_data_is_damaged_not_a_crash(db):
    data = bytearray(xlsx([[i, "甲", "任务。" * 50, "", ""] for i in range(1, 40)]))
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff" * 64
    assert "损坏" in rejected(bytes(data))


def test_a_zip_member_flagged_encrypted_is_refused(db, openpyxl_never_opens):
    # Python cannot write an encrypted zip: set the "encrypted" bit in each central directory entry,
    # as a password-protected zip has it.
    data = bytearray(xlsx(GOOD))
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    assert "加密" in rejected(bytes(data))


# Bombs ------------------------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_decompressed(db, openpyxl_never_opens):
    # 20 MB of zeros compress to about 20 KB: a ratio of 1000.
    bomb = rewritten(xlsx(GOOD), replace={"xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})
    start = time.monotonic()
    message = rejected(bomb)
    assert "数据量" in message and time.monotonic() - start < 1


def test_many_small_parts_that_add_up_are_refused(db, openpyxl_never_opens, monkeypatch):
    monkeypatch.setattr(excel_import, "MAX_UNCOMPRESSED_BYTES", 200_000)
    parts = {f"xl/media/image{i}.bin": bytes(range(256)) * 400 for i in range(5)}
    assert "数据量" in rejected(rewritten(xlsx(GOOD), add=parts))


def test_a_zip_with_thousands_of_members_is_refused(db, openpyxl_never_opens):
    parts = {f"xl/junk/{i}.xml": b"<a/>" for i in range(excel_import.MAX_MEMBERS + 1)}
    assert "数据量" in rejected(rewritten(xlsx(GOOD), add=parts))


ENTITIES = b"<!ENTITY lol \"lol\">" + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
)


def entity_bomb(prolog: bytes = b"") -> bytes:
    """The sheet with a billion-laughs DOCTYPE and a cell that expands it (about 3 GB if parsed naively)."""
    data = xlsx(GOOD)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = b'<?xml version="1.0"?>' + prolog + b"<!DOCTYPE worksheet [" + ENTITIES + b"]>" + sheet
    sheet = sheet.replace("<t>甲</t>".encode(), b"<t>&lol9;</t>")
    return rewritten(data, replace={"xl/worksheets/sheet1.xml": sheet})


def test_an_xml_entity_bomb_is_refused(db, openpyxl_never_opens):
    assert "XML" in rejected(entity_bomb())


def test_an_entity_hidden_past_the_first_bytes_is_refused_by_defusedxml(db):
    # The quick scan reads a part's first 4 KB; openpyxl's defusedxml parser catches what lies further in.
    bomb = entity_bomb(prolog=b"<!--" + b" " * 5000 + b"-->")
    start = time.monotonic()
    assert "XML" in rejected(bomb) and time.monotonic() - start < 2


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# Wrong shape ----------------------------------------------------------------------------------------------


def test_a_workbook_without_the_sheet_names_its_sheets(db):
    message = rejected(xlsx(GOOD, sheet="Sheet1", extra_sheet="说明"))
    assert "任务进度表" in message and "Sheet1" in message


def test_a_single_sheet_under_another_name_is_read_if_it_has_the_columns(db):
    assert read(xlsx(GOOD, sheet="Sheet1")).sheet == "Sheet1"


def test_wrong_columns_are_named_in_the_message(db):
    message = rejected(xlsx(GOOD, headers=["序号", "具体任务", "工作任务", "年度任务", "责任单位"]))
    assert "序号、工作任务、具体任务、年度任务、责任单位" in message


def test_a_header_row_below_a_title_is_found(db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务进度表"
    ws.append(["大兴区科技引领三年行动计划任务进度表"])
    ws.append([" 序 号", "工作任务", "具体任务 ", "年度任务", "责任单位"])
    ws.append(GOOD[0])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert read(buffer.getvalue()).header_row == 2


@pytest.mark.parametrize("merge", ["C2:C3", "D2:E2", "A2:B2", "E2:E3"])
def test_merged_cells_out_of_the_layout_are_refused(db, merge):
    rows = [[1, "甲", "任务一。", "", "区科委"], [None, None, "任务二。", "", "区科委"]]
    table = read(xlsx(rows, merges=[merge]))
    with pytest.raises(ExcelRejected) as info:
        excel_import.parse_outline(table, years=range(2021, 2024))
    assert merge in info.value.message


def test_a_merge_down_across_a_section_row_is_refused(db):
    rows = [["一、篇章", None, None, None, None], [1, "甲", "任务一。", "", ""], [None, None, "任务二。", "", ""]]
    table = read(xlsx(rows, merges=["B2:B3"]))
    with pytest.raises(ExcelRejected):
        excel_import.parse_outline(table, years=range(2021, 2024))


def test_too_many_rows_are_refused(db, monkeypatch):
    monkeypatch.setattr(excel_import, "MAX_ROWS", 5)
    assert "5" in rejected(xlsx([[i, "甲", "任务。", "", ""] for i in range(1, 8)]))


def test_a_dimension_that_understates_the_rows_does_not_hide_them(db):
    data = xlsx(GOOD + [[2, "乙", "任务二。", "", ""]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").replace(b'<dimension ref="A1:E3"/>', b'<dimension ref="A1:E1"/>')
    table = read(rewritten(data, replace={"xl/worksheets/sheet1.xml": sheet}))
    assert len(table.rows) == 2


# Through the upload page: a message, nothing written ------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def post_plan(client, data: bytes, name="table.xlsx"):
    return client.post(
        reverse("tasks:excel_plan_import"),
        {"file": SimpleUploadedFile(name, data), "title": "恶意文件", "start_year": 2021, "end_year": 2023},
    )


@pytest.mark.parametrize(
    "data",
    [b"not a workbook", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600],
    ids=["text", "encrypted"],
)
def test_the_upload_page_shows_the_message_and_writes_nothing(staff_client, data):
    response = post_plan(staff_client, data)
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert ImportBatch.objects.count() == 0 and not Plan.objects.filter(title="恶意文件").exists()


def test_a_file_declared_over_the_limit_is_refused_unread(staff_client, settings, monkeypatch):
    settings.EXCEL_MAX_BYTES = 10_000
    monkeypatch.setattr(excel_import, "check_xlsx", lambda *a, **k: pytest.fail("the file was read"))
    response = post_plan(staff_client, xlsx(GOOD) + b"\0" * 100_000)
    assert "超过" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_size_is_checked_again_while_the_upload_streams(staff_client, settings):
    """A request whose declared length is small enough still stops at the limit (chunked or lying clients)."""
    settings.EXCEL_MAX_BYTES = 100_000
    response = post_plan(staff_client, xlsx(GOOD) + b"\0" * 150_000)
    assert "超过" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_size_check_in_the_reader_itself(db, settings):
    settings.EXCEL_MAX_BYTES = 1000
    assert "上限" in rejected(xlsx(GOOD))
