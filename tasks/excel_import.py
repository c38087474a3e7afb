"""
Reading an uploaded 任务进度表 safely, parsing it, and the import batches that
hold the parsed rows until the uploader confirms.

An upload passes these checks, cheapest first, before openpyxl sees it:
1. its size (settings.EXCEL_MAX_BYTES);
2. its first bytes: an OLE compound file (D0 CF 11 E0) is an encrypted workbook
   or a legacy .xls, anything but a zip is not an .xlsx;
3. its zip directory: the parts of an .xlsx workbook, at most MAX_MEMBERS
   members, no encrypted member, at most MAX_UNCOMPRESSED_BYTES in all and no
   member expanding more than MAX_RATIO times (a zip bomb stops here, before
   anything is decompressed);
4. no XML part declaring a DOCTYPE or entities. openpyxl parses with defusedxml
   as well (checked at import below), which refuses them wherever they are,
   and the second read of the sheet, for its merged cells, refuses any DOCTYPE.
Then openpyxl reads the sheet in read-only mode (streaming, not the whole sheet
in memory), at most MAX_COLUMNS columns and MAX_ROWS filled rows. Every
refusal is an ExcelRejected with a message for the uploader; nothing is written.

A file that passes is parsed into rows. Each row carries its own errors; a
batch with any error cannot be confirmed. Confirming (import_batch_apply)
writes everything in one transaction through tasks.services, or nothing.
"""

import hashlib
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

import openpyxl
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.cell import range_boundaries

from units.models import Unit

from . import services
from .calendar import Period
from .excel import (
    APPENDIX_HEADERS,
    META_REVISIONS_HEADER,
    META_SHEET,
    SELF_STATUS_WORDS,
    SHEET_TITLE,
    UPDATE_HEADERS,
    UPDATE_SHEET,
    clean_text,
    indicator_note_header,
    indicator_value_header,
)
from .models import ImportBatch, Milestone, Plan, Responsibility, SpecificTask, Update, UpdateEvent

if not openpyxl.DEFUSEDXML:
    # openpyxl falls back to the standard library's XML parser, which expands entities, when
    # defusedxml is missing or OPENPYXL_DEFUSEDXML=False: refuse to start rather than read bombs.
    raise ImproperlyConfigured("openpyxl must parse with defusedxml (install it; do not set OPENPYXL_DEFUSEDXML=False)")

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
MAX_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # sheet XML compresses 10–30 times; a bomb thousands
RATIO_CHECK_FROM = 1024 * 1024  # small parts may compress well without harm
MAX_ROWS = 10000  # filled rows: the 2021–2023 plan has 40, the generated scale-50 plan (seed_demo) about 5,000
MAX_SCANNED_ROWS = 50000  # rows read at all, empty ones included
MAX_COLUMNS = 30
MAX_UPDATE_COLUMNS = 64  # the update template adds two columns per indicator
MAX_MERGES = 20000
HEADER_SEARCH_ROWS = 10


ACTION_LABELS = {
    "create": gettext_lazy("New draft"),
    "update": gettext_lazy("Draft updated"),
    "skip": gettext_lazy("No change"),
}


class ExcelRejected(Exception):
    """The file cannot be read as the expected table; the message says why, for the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ImportRefused(Exception):
    """A confirmed batch cannot be applied (already applied, out of date, has errors); nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Reading the file -------------------------------------------------------------------------------------


def too_large_message() -> str:
    limit = f"{settings.EXCEL_MAX_BYTES / (1024 * 1024):.1f}".removesuffix(".0")
    return _("The file is larger than the limit of %(limit)s MB.") % {"limit": limit}


# What a damaged or odd zip raises while its directory or a part is read (zlib.error: a corrupt
# deflate stream; NotImplementedError: a compression method Python lacks, such as AES).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError)


def _damaged() -> ExcelRejected:
    return ExcelRejected(_("The file is damaged or not an Excel workbook (.xlsx)."))


def check_xlsx(fileobj, size: int) -> None:
    """Checks 1–4 of the module docstring; raises ExcelRejected."""
    if size > settings.EXCEL_MAX_BYTES:
        raise ExcelRejected(too_large_message())
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(OLE_SIGNATURE):
        raise ExcelRejected(
            _(
                "This file is password-protected or in the old .xls format. "
                "Remove the password, save it as an Excel workbook (.xlsx) and upload it again."
            )
        )
    if not head.startswith(ZIP_SIGNATURE):
        raise ExcelRejected(_("This is not an Excel workbook (.xlsx). Save the table as .xlsx and upload it again."))
    try:
        with zipfile.ZipFile(fileobj) as archive:
            _check_parts(archive)
    except ZIP_ERRORS:
        raise _damaged() from None
    finally:
        fileobj.seek(0)


def _check_parts(archive: zipfile.ZipFile) -> None:
    """The zip directory's checks (3), then the XML parts' first bytes (4); nothing large is decompressed."""
    infos = archive.infolist()
    bomb = _("The file expands to far more data than a progress table holds and was refused.")
    if len(infos) > MAX_MEMBERS:
        raise ExcelRejected(bomb)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ExcelRejected(_("The file is a zip archive but not an Excel workbook (.xlsx)."))
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ExcelRejected(_("The file is encrypted. Remove the password and upload it again."))
        total += info.file_size
        if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ExcelRejected(bomb)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExcelRejected(bomb)
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as part:
                start = part.read(4096).lower()
            if b"<!doctype" in start or b"<!entity" in start:
                raise ExcelRejected(_("The file contains XML declarations that are not allowed and was refused."))


@dataclass
class Table:
    """The rows under the header row of one sheet, with the sheet's merged ranges."""

    sheet: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, tuple]]  # (row number in the sheet, values), filled rows only
    merges: list[tuple[int, int, int, int]]  # (min_col, min_row, max_col, max_row)
    other_sheets: dict[str, list[tuple]] = field(default_factory=dict)


def _squash(value) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """
    The sheet's <mergeCell ref="A5:A7"> ranges. Read-only worksheets do not
    expose them, so the sheet's XML is read a second time, by expat itself
    with a handler for element starts only: building every element as
    (defused) ElementTree does took a third of a 5,000-row upload's check.
    Like defusedxml it refuses what could declare entities: any DOCTYPE.
    """
    ranges = []

    def start(name, attrs):
        if name.endswith("}mergeCell") or name == "mergeCell":
            ranges.append(range_boundaries(attrs.get("ref", "")))
            if len(ranges) > MAX_MERGES:
                raise ExcelRejected(_("The sheet has too many merged cells."))

    def doctype(name, sysid, pubid, has_internal_subset):
        raise DTDForbidden(name, sysid, pubid)

    def entity(name, *args):
        raise EntitiesForbidden(name, None, None, None, None, None)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.StartElementHandler = start
    with archive.open(path) as source:
        parser.ParseFile(source)
    return ranges


def read_table(
    fileobj, *, size: int, sheet: str, headers: list[str], extra_sheets=(), max_columns: int = MAX_COLUMNS
) -> Table:
    """
    The sheet named `sheet` whose header row (in its first rows) begins with
    `headers`. A workbook with one sheet under another name is read if that
    sheet has the header row. Raises ExcelRejected.
    """
    check_xlsx(fileobj, size)
    workbook = None
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True, keep_links=False)
        return _read_sheet(workbook, sheet=sheet, headers=headers, extra_sheets=extra_sheets, max_columns=max_columns)
    except ExcelRejected:
        raise
    except Exception as error:  # openpyxl raises many types (KeyError, ValueError, XML errors) for damaged files
        raise _unreadable(error) from None
    finally:
        if workbook is not None:
            workbook.close()


def _unreadable(error: Exception) -> ExcelRejected:
    """The message for a file openpyxl failed on; it wraps defusedxml's refusals in ValueError."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return ExcelRejected(_("The file contains XML declarations that are not allowed and was refused."))
        error = error.__cause__ or error.__context__
    return _damaged()


def _read_sheet(workbook, *, sheet: str, headers: list[str], extra_sheets, max_columns: int) -> Table:
    names = workbook.sheetnames
    if sheet in names:
        candidates = [sheet]
    elif len(names) == 1:
        candidates = names
    else:
        raise ExcelRejected(
            _("The workbook has no sheet named “%(sheet)s” (it has: %(names)s).")
            % {"sheet": sheet, "names": "、".join(names)}
        )
    ws = workbook[candidates[0]]
    ws.reset_dimensions()  # the stored dimension may understate the rows: read them all (up to the limits)
    wanted = [_squash(h) for h in headers]
    header_row, found, rows, scanned = None, [], [], 0
    for number, values in enumerate(ws.iter_rows(max_col=max_columns, values_only=True), start=1):
        scanned += 1
        if scanned > MAX_SCANNED_ROWS:
            raise ExcelRejected(_("The sheet has more than %(n)s rows.") % {"n": MAX_SCANNED_ROWS})
        if header_row is None:
            squashed = [_squash(v) for v in values]
            if squashed[: len(wanted)] == wanted:
                header_row, found = number, squashed
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        rows.append((number, tuple(values)))
        if len(rows) > MAX_ROWS:
            raise ExcelRejected(_("The sheet has more than %(n)s filled rows.") % {"n": MAX_ROWS})
    if header_row is None:
        raise ExcelRejected(
            _(
                "The sheet “%(sheet)s” has no header row with the columns %(headers)s, "
                "in this order, in its first %(n)s rows."
            )
            % {"sheet": ws.title, "headers": "、".join(headers), "n": HEADER_SEARCH_ROWS}
        )
    merges = _merged_ranges(workbook._archive, ws._worksheet_path)  # openpyxl keeps both on read-only workbooks
    other = {}
    for name in extra_sheets:
        if name in names:
            extra = workbook[name]
            extra.reset_dimensions()
            other[name] = [v for _i, v in zip(range(MAX_ROWS), extra.iter_rows(max_col=4, values_only=True))]
    return Table(sheet=ws.title, header_row=header_row, headers=found, rows=rows, merges=merges, other_sheets=other)


# Cell values ------------------------------------------------------------------------------------------


def text(value) -> str:
    """A cell as text: numbers without a trailing .0, line breaks as \\n, outer whitespace removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def normalised(value: str) -> str:
    """Task wording compared without its whitespace, so a re-wrapped cell still matches."""
    return re.sub(r"\s+", "", value)


# The outline: sections, work tasks, specific tasks, milestones, units ---------------------------------

SECTION_RE = re.compile(r"^([一二三四五六七八九十]+)[、．.]\s*(.+)$", re.S)
WORK_TASK_RE = re.compile(r"^([（(][一二三四五六七八九十百零〇]+[）)])\s*(.+)$", re.S)
TASK_RE = re.compile(r"^(\d{1,2})[.．、](?!\d)\s*(.+)$", re.S)
MILESTONE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*[：:]\s*(.*)$", re.S)
UNIT_SEPARATORS = re.compile(r"[、，,；;\n]+")
MAX_TITLE = 200
MAX_UNIT_NAME = 100


def section_from_label(label: str) -> dict:
    """
    "一、加快推进应用场景建设" → number 一, title. The table does not say a
    section's kind, so it is read from the wording: 保障措施 without a number are
    safeguards, "实施…行动" an action (the 2025–2027 plan's), anything else a chapter.
    """
    match = SECTION_RE.match(label)
    number, title = (match.group(1), match.group(2).strip()) if match else ("", label)
    if not number and "保障" in title:
        kind = "safeguard"
    elif title.startswith("实施") and "行动" in title:
        kind = "action"
    else:
        kind = "chapter"
    return {"number": number, "title": title, "kind": kind}


def split_work_task(label: str) -> tuple[str, str]:
    match = WORK_TASK_RE.match(label)
    return (match.group(1), match.group(2).strip()) if match else ("", label)


def split_task(label: str) -> tuple[str, str]:
    """'2.支持建设…' → ('2.', '支持建设…'); 1、 and 1． are read as 1."""
    match = TASK_RE.match(label)
    return (f"{match.group(1)}.", match.group(2).strip()) if match else ("", label)


def parse_milestones(cell: str, *, years: range, default_year: int | None = None) -> tuple[list[dict], list[str]]:
    """
    年度任务: one milestone per line beginning "2021年12月31日：", continuation
    lines joined to the one above, the "；" the appendix ends lines with removed.
    With default_year, a cell with no date at all is one milestone due on 31
    December of that year (a key-task list often gives only the text).
    """
    milestones, errors, current = [], [], None
    for line in cell.split("\n"):
        line = line.strip()
        if not line:
            continue
        match = MILESTONE_RE.match(line)
        if match:
            current = {"date": match.groups()[:3], "text": match.group(4).strip()}
            milestones.append(current)
        elif current is not None:
            current["text"] += "\n" + line
        elif default_year is not None and not MILESTONE_RE.search(cell):
            milestones = [{"date": (str(default_year), "12", "31"), "text": cell.strip()}]
            break
        else:
            errors.append(
                _("年度任务 line “%(line)s” does not begin with a date such as 2021年12月31日：") % {"line": line[:30]}
            )
            return [], errors
    parsed = []
    for i, m in enumerate(milestones):
        y, mo, d = (int(x) for x in m["date"])
        try:
            due = date(y, mo, d)
        except ValueError:
            errors.append(_("%(y)s年%(m)s月%(d)s日 is not a date.") % {"y": y, "m": mo, "d": d})
            continue
        body = m["text"]
        if i < len(milestones) - 1 and body[-1:] in ("；", ";"):
            body = body[:-1].rstrip()
        if not body:
            errors.append(_("The milestone due %(date)s has no text.") % {"date": due.isoformat()})
            continue
        if due.year not in years:
            errors.append(
                _("The milestone due %(date)s is outside the plan's years %(start)s–%(end)s.")
                % {"date": due.isoformat(), "start": years[0], "end": years[-1]}
            )
            continue
        parsed.append({"year": due.year, "due_date": due.isoformat(), "text": body})
    return parsed, errors


def parse_units(cell: str) -> tuple[list[str], list[str]]:
    names = [n.strip() for n in UNIT_SEPARATORS.split(cell) if n.strip()]
    errors = []
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        errors.append(_("责任单位 names %(names)s more than once.") % {"names": "、".join(duplicates)})
    for name in names:
        if len(name) > MAX_UNIT_NAME:
            errors.append(_("The unit name “%(name)s…” is too long.") % {"name": name[:20]})
    return list(dict.fromkeys(names)), errors


def parse_outline(table: Table, *, years: range, default_year: int | None = None) -> tuple[list[dict], list[dict]]:
    """
    The table's task rows as dicts (row, section, seq, work_task, number, text,
    milestones, units, errors) and its section rows, in sheet order. 序号 and
    工作任务 may be merged down over a work task's rows, left empty, or repeated.
    """
    rows, sections = [], []
    section = None
    previous = None  # the task row above, for 序号/工作任务 carried down
    seen_seq: dict[int, int] = {}
    section_rows = set()
    for number, values in table.rows:
        cells = [text(v) for v in values[:5]] + [""] * (5 - len(values[:5]))
        seq_cell, wt_cell, task_cell, ms_cell, unit_cell = cells
        if seq_cell and whole_number(values[0]) is None and not any(cells[1:]):
            section = section_from_label(seq_cell)
            section["row"] = number
            sections.append(section)
            section_rows.add(number)
            previous = None
            continue
        errors = []
        seq = whole_number(values[0]) if seq_cell else None
        if seq_cell and seq is None:
            errors.append(_("序号 “%(value)s” is not a whole number.") % {"value": seq_cell[:20]})
        carried = previous is not None and (seq is None or seq == previous["seq"]) and not errors
        if carried:
            seq = previous["seq"]
            if wt_cell and wt_cell != previous["work_task"]:
                errors.append(_("工作任务 differs from the row above but 序号 is the same or empty."))
            wt_cell = previous["work_task"]
        elif not errors:
            if seq is None:
                errors.append(_("序号 is empty and there is no work task above to continue."))
            elif seq in seen_seq:
                errors.append(_("序号 %(seq)s was already used in row %(row)s.") % {"seq": seq, "row": seen_seq[seq]})
            if not wt_cell:
                errors.append(_("工作任务 is empty."))
        if seq is not None and seq not in seen_seq:
            seen_seq[seq] = number
        wt_number, wt_title = split_work_task(wt_cell)
        if len(wt_title) > MAX_TITLE:
            errors.append(_("工作任务 is longer than %(n)s characters.") % {"n": MAX_TITLE})
        task_number, task_text = split_task(task_cell)
        if not task_text:
            errors.append(_("具体任务 is empty."))
        milestones, ms_errors = parse_milestones(ms_cell, years=years, default_year=default_year)
        units, unit_errors = parse_units(unit_cell)
        row = {
            "row": number,
            "section": section["title"] if section else "",
            "section_row": section["row"] if section else None,
            "seq": seq,
            "work_task": wt_cell,
            "work_task_number": wt_number,
            "work_task_title": wt_title,
            "number": task_number,
            "text": task_text,
            "milestones": milestones,
            "units": units,
            "errors": errors + ms_errors + unit_errors,
        }
        rows.append(row)
        previous = row if seq is not None else None
    _check_merges(table, rows, section_rows)
    for section in sections:
        if len(section["title"]) > MAX_TITLE:
            for row in rows:
                if row["section_row"] == section["row"]:
                    row["errors"].append(_("The section title is longer than %(n)s characters.") % {"n": MAX_TITLE})
    return rows, sections


def _check_merges(table: Table, rows: list[dict], section_rows: set[int]):
    """
    The appendix merges 序号 and 工作任务 down over one work task's rows, and
    this table merges a section's row across; any other merge under the header
    row is refused, because a value in it would be read for the wrong rows.
    """
    for min_col, min_row, max_col, max_row in table.merges:
        if max_row < table.header_row:
            continue  # titles above the table
        ref = f"{_col(min_col)}{min_row}:{_col(max_col)}{max_row}"
        across_section_row = min_row == max_row and min_row in section_rows and min_col == 1
        down_seq_or_title = (
            min_col == max_col
            and min_col in (1, 2)
            and min_row > table.header_row
            and not any(min_row <= r <= max_row for r in section_rows)
        )
        if across_section_row or down_seq_or_title:
            continue
        raise ExcelRejected(
            _(
                "Merged cells %(ref)s are not in the progress table's layout: only 序号 and 工作任务 may be "
                "merged down over the rows of one work task, and a section's row across the table."
            )
            % {"ref": ref}
        )


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def plan_structure(rows: list[dict], sections: list[dict]) -> list[dict]:
    """
    The 'sections' of the plan_import() structure (fixtures/plan_*.json) from
    parsed rows, with each item given as its index in rows: a batch keeps the
    rows' text once, not twice (plan_sections() puts the items back).
    """
    result, by_row = [], {}
    for s in sections:
        entry = {"number": s["number"], "title": s["title"], "kind": s["kind"], "work_tasks": []}
        by_row[s["row"]] = entry
        result.append(entry)
    for index, row in enumerate(rows):
        section = by_row.get(row["section_row"])
        if section is None:
            # A table without section rows (the appendix itself has none) becomes one section.
            section = by_row.get(None)
            if section is None:
                section = {"number": "", "title": "工作任务", "kind": "chapter", "work_tasks": []}
                by_row[None] = section
                result.insert(0, section)
        tasks = section["work_tasks"]
        if not tasks or tasks[-1]["seq"] != row["seq"]:
            tasks.append(
                {"seq": row["seq"], "number": row["work_task_number"], "title": row["work_task_title"], "items": []}
            )
        tasks[-1]["items"].append(index)
    return [s for s in result if s["work_tasks"]]


def plan_sections(outline: list[dict], rows: list[dict]) -> list[dict]:
    """plan_structure()'s sections with each item as plan_import() takes it, read from its row."""

    def item(ref) -> dict:
        if isinstance(ref, dict):
            return ref  # a batch uploaded before items became row indexes holds the item itself
        row = rows[ref]
        return {"number": row["number"], "text": row["text"], "units": row["units"], "milestones": row["milestones"]}

    return [
        {**s, "work_tasks": [{**w, "items": [item(ref) for ref in w["items"]]} for w in s["work_tasks"]]}
        for s in outline
    ]


# Units named in the sheet -----------------------------------------------------------------------------


def resolve_unit_names(rows: list[dict]) -> list[str]:
    """
    Replace short names (区科委 for a unit stored under its full name) by the
    unit's full name in every row, and return the names that match no unit, in
    order of first appearance: staff create or match them before confirming.
    """
    known = {}
    for unit in Unit.objects.only("name", "short_name"):
        known[unit.name] = unit.name
        if unit.short_name:
            known.setdefault(unit.short_name, unit.name)
    unknown = []
    for row in rows:
        row["units"] = list(dict.fromkeys(known.get(n, n) for n in row["units"]))
        unknown += [n for n in row["units"] if n not in known]
    return list(dict.fromkeys(unknown))


def apply_unit_map(rows_or_items: list[dict], unknown: list[str], unit_map: dict[str, str]) -> list[str]:
    """
    Rename unknown units as staff matched them (unit_map: name → existing unit
    name, or "" to create the unit under its name), in place. Returns errors:
    a match that makes a task list one unit twice.
    """
    errors = []
    for item in rows_or_items:
        renamed = [unit_map.get(n) or n if n in unknown else n for n in item["units"]]
        if len(set(renamed)) != len(renamed):
            errors.append(
                _("Matching the units that way lists one unit twice on task “%(task)s”.") % {"task": item["text"][:30]}
            )
        item["units"] = renamed
    return errors


def _rows_errors(rows: list[dict]) -> list[dict]:
    return [{"row": r["row"], "message": message} for r in rows for message in r["errors"]]


# Batches: a new plan ---------------------------------------------------------------------------------


def import_batch_create_plan(
    *, fileobj, size: int, filename: str, user, title: str, start_year: int, end_year: int, meta: dict
) -> ImportBatch:
    """
    Parse a progress table into a new plan's outline and keep it as a pending
    batch for staff to check. Raises ExcelRejected for an unreadable file.
    """
    table = read_table(fileobj, size=size, sheet=SHEET_TITLE, headers=APPENDIX_HEADERS)
    rows, sections = parse_outline(table, years=range(start_year, end_year + 1))
    if not rows:
        raise ExcelRejected(_("The sheet has no task rows under its header row."))
    unknown = resolve_unit_names(rows)
    errors = _rows_errors(rows)
    if Plan.objects.filter(title=title).exists():
        errors.insert(0, {"row": None, "message": _("A plan titled “%(title)s” already exists.") % {"title": title}})
    plan = {"title": title, "start_year": start_year, "end_year": end_year, "status": Plan.Status.DRAFT, **meta}
    payload = {
        "plan": plan,
        "rows": rows,
        "sections": plan_structure(rows, sections),
        "unknown_units": unknown,
    }
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.PLAN, filename=filename[:200], payload=payload, errors=errors, created_by=user
    )


# Batches: a year's key-task list for an existing plan ------------------------------------------------


def plan_fingerprint(plan: Plan) -> str:
    """A digest of the plan's outline, milestones and units: a batch made from a different state is stale."""
    where = {"work_task__section__plan": plan}
    tasks = SpecificTask.objects.filter(**where).order_by("pk").values_list("pk", "text", "work_task__seq")
    milestones = (
        Milestone.objects.filter(task__work_task__section__plan=plan)
        .order_by("pk")
        .values_list("pk", "task_id", "year", "due_date", "text")
    )
    units = (
        Responsibility.objects.filter(task__work_task__section__plan=plan)
        .order_by("pk")
        .values_list("pk", "task_id", "unit_id", "role", "order")
    )
    state = repr((plan.updated_at.isoformat(), list(tasks), list(milestones), list(units)))
    return hashlib.sha256(state.encode()).hexdigest()


def _match_tasks(plan: Plan, rows: list[dict]):
    """Find each row's task in the plan by 序号 and wording (number and whitespace aside)."""
    tasks = (
        SpecificTask.objects.filter(work_task__section__plan=plan)
        .select_related("work_task")
        .prefetch_related(
            "milestones",
            # Responsibilities in printed order: the first is the lead.
            "responsibilities__unit",
        )
    )
    index = {(t.work_task.seq, normalised(t.text)): t for t in tasks}
    matched = {}
    for row in rows:
        task = index.get((row["seq"], normalised(row["text"])))
        if task is None:
            if row["seq"] is not None and row["text"]:
                row["errors"].append(
                    _("No task with 序号 %(seq)s and this wording in the plan.") % {"seq": row["seq"]}
                )
            continue
        if task.pk in matched:
            row["errors"].append(_("The same task is listed again in row %(row)s.") % {"row": matched[task.pk]})
            continue
        matched[task.pk] = row["row"]
        row["task_id"] = task.pk
        row["code"] = task.code
        existing = {(m.year, m.text) for m in task.milestones.all()}
        row["new_milestones"] = [m for m in row["milestones"] if (m["year"], m["text"]) not in existing]
        row["existing_milestones"] = len(row["milestones"]) - len(row["new_milestones"])
        current = [r.unit.name for r in sorted(task.responsibilities.all(), key=lambda r: r.order)]
        row["new_units"] = [n for n in row["units"] if n not in current]
        if current and row["units"] and row["units"][0] != current[0]:
            row["errors"].append(
                _("The first unit (the lead) is %(sheet)s here but %(plan)s in the plan.")
                % {"sheet": row["units"][0], "plan": current[0]}
            )


def import_batch_create_key_tasks(*, fileobj, size: int, filename: str, user, plan: Plan, year: int) -> ImportBatch:
    """
    Parse a year's key-task list (年度重点任务清单) for an existing plan: rows
    name tasks already in the plan and give milestones (a cell without dates
    is one milestone due 31 December of `year`) and, where the plan has none
    yet, responsible units.
    """
    table = read_table(fileobj, size=size, sheet=SHEET_TITLE, headers=APPENDIX_HEADERS)
    rows, _sections = parse_outline(table, years=plan.years, default_year=year)
    if not rows:
        raise ExcelRejected(_("The sheet has no task rows under its header row."))
    unknown = resolve_unit_names(rows)
    _match_tasks(plan, rows)
    payload = {"year": year, "rows": rows, "unknown_units": unknown, "fingerprint": plan_fingerprint(plan)}
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.KEY_TASKS,
        plan=plan,
        filename=filename[:200],
        payload=payload,
        errors=_rows_errors(rows),
        created_by=user,
    )


# Batches: a unit's quarterly updates ------------------------------------------------------------------

SELF_STATUS_BY_WORD = {word: value for value, word in SELF_STATUS_WORDS.items()}


class _DryRun(Exception):
    """Raised to roll back the trial run of a batch's writes."""


def _template_meta(table: Table) -> tuple[dict, dict[str, int]]:
    """({key: value} of the template's information sheet, {task code: revision at download})."""
    rows = table.other_sheets.get(META_SHEET)
    if rows is None:
        raise ExcelRejected(
            _("This is not the update template from the system. Download the template for the quarter and fill it in.")
        )
    info, revisions, in_revisions = {}, {}, False
    for values in rows:
        key, value = text(values[0]) if values else "", values[1] if len(values) > 1 else None
        if [key, text(value)] == META_REVISIONS_HEADER:
            in_revisions = True
        elif in_revisions and key:
            revisions[key] = whole_number(value) or 0
        elif key:
            info[key] = text(value)
    return info, revisions


def _check_template_for(info: dict, *, plan: Plan, unit: Unit, period) -> None:
    """The file must be the template of this plan, quarter and unit: last quarter's file is refused, not misfiled."""
    if info.get("计划编号") != str(plan.pk):
        raise ExcelRejected(
            _("This template is for the plan “%(other)s”, not “%(plan)s”.")
            % {"other": info.get("计划", "?"), "plan": plan}
        )
    if info.get("季度") != period.label:
        raise ExcelRejected(
            _("This template is for %(other)s; you are importing %(period)s. Download this quarter's template.")
            % {"other": info.get("季度", "?"), "period": period}
        )
    if info.get("单位") != unit.name:
        raise ExcelRejected(
            _("This template belongs to %(other)s, not to your unit %(unit)s.")
            % {"other": info.get("单位", "?"), "unit": unit}
        )


def _indicator_columns(table: Table, indicators) -> dict[int, tuple[object, str]]:
    """{column index: (indicator, "value" or "note")} for the columns after the template's fixed ones."""
    by_header = {}
    for indicator in indicators:
        by_header[_squash(indicator_value_header(indicator))] = (indicator, "value")
        by_header[_squash(indicator_note_header(indicator))] = (indicator, "note")
    columns = {}
    for index, header in enumerate(table.headers[len(UPDATE_HEADERS) :], start=len(UPDATE_HEADERS)):
        if not header:
            continue
        if header not in by_header:
            raise ExcelRejected(
                _("The column “%(header)s” is not one of the template's. Download the template again.")
                % {"header": header}
            )
        columns[index] = by_header[header]
    return columns


def _comparable(value) -> str:
    """Text as the template shows it and the sheet gives it back (a browser's \r\n, Excel's \n)."""
    return clean_text(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _decimal(value):
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return value  # unequal to any stored number; the trial run reports it


def _same_as_stored(update, row: dict) -> bool:
    """True when the row says exactly what the stored update says: a pre-filled row left alone."""
    if update is None:
        return False
    fields = ("progress", "problems", "next_steps")
    if any(_comparable(getattr(update, f)) != _comparable(row[f]) for f in fields):
        return False
    if update.self_status != row["self_status"]:
        return False
    stored = {c.indicator_id: (c.value, _comparable(c.description)) for c in update.contributions.all()}
    given = {
        c["indicator"]: (_decimal(c["value"]), _comparable(c["description"]))
        for c in row["contributions"]
        if c["value"] or c["description"]
    }
    return given == {k: v for k, v in stored.items() if k in {c["indicator"] for c in row["contributions"]}}


def _update_data(row: dict) -> dict:
    """What update_save_draft takes from a row: the three texts, the status and the contributions."""
    return {
        "progress": row["progress"],
        "problems": row["problems"],
        "next_steps": row["next_steps"],
        "self_status": row["self_status"],
        "contributions": [
            {"indicator": c["indicator"], "value": c["value"], "description": c["description"]}
            for c in row["contributions"]
        ],
    }


def _write_rows(rows: list[dict], *, unit: Unit, period, user, note: str, tasks: dict) -> None:
    """Create or refresh each row's draft through tasks.services; ValidationError names the row."""
    for row in rows:
        task = tasks[row["task_id"]]
        update = services.update_start(task=task, unit=unit, period=period, user=user)
        services.update_save_draft(
            update=update,
            user=user,
            data=_update_data(row),
            revision=update.revision,
            event=UpdateEvent.Action.IMPORTED,
            note=note,
        )


def _trial_run(rows: list[dict], *, unit, period, user, tasks) -> None:
    """
    Run each row's writes through the services and roll them all back, so the
    preview reports exactly the errors confirming would meet (the services'
    own checks: text lengths, numbers, the task's indicators, states).
    """
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        _write_rows([row], unit=unit, period=period, user=user, note="", tasks=tasks)
                except ValidationError as error:
                    row["errors"].extend(error.messages)
                except services.UpdateConflict:
                    row["errors"].append(_("The update changed while the file was checked. Upload the file again."))
            raise _DryRun
    except _DryRun:
        pass


def import_batch_create_updates(*, fileobj, size: int, filename: str, user, plan: Plan, period) -> ImportBatch:
    """
    Read a unit's filled-in update template for one quarter into rows: which
    drafts it creates or refreshes, and each row's errors. A row for a task the
    unit does not own, for a submitted or approved update it would change, or
    for a draft changed in the system since the template was downloaded is an
    error. Raises ExcelRejected for a file that is not this quarter's template.
    """
    from indicators.models import Indicator  # indicators depends on tasks, not the other way round

    unit = user.unit
    table = read_table(
        fileobj,
        size=size,
        sheet=UPDATE_SHEET,
        headers=UPDATE_HEADERS,
        extra_sheets=[META_SHEET],
        max_columns=MAX_UPDATE_COLUMNS,
    )
    info, revisions = _template_meta(table)
    _check_template_for(info, plan=plan, unit=unit, period=period)
    for min_col, min_row, max_col, max_row in table.merges:
        if max_row > table.header_row:
            ref = f"{_col(min_col)}{min_row}:{_col(max_col)}{max_row}"
            raise ExcelRejected(
                _("Merged cells %(ref)s: the template has no merged cells below its header row.") % {"ref": ref}
            )
    indicators = list(Indicator.objects.filter(plan=plan))
    columns = _indicator_columns(table, indicators)
    tasks = {
        t.code: t
        for t in SpecificTask.objects.filter(work_task__section__plan=plan)
        .select_related("work_task__section__plan")
        .prefetch_related("indicators")
    }
    in_plan = {"task__work_task__section__plan": plan, "unit": unit}
    own = set(Responsibility.objects.filter(**in_plan).values_list("task_id", flat=True))
    quarter = Update.objects.filter(**in_plan, year=period.year, quarter=period.quarter)
    updates = {u.task_id: u for u in quarter.prefetch_related("contributions")}
    rows, seen = [], {}
    for number, values in table.rows:
        cells = list(values) + [None] * (len(table.headers) - len(values))
        code = text(cells[0])
        row = {
            "row": number,
            "code": code,
            "task_id": None,
            "task_text": text(cells[2]),
            "progress": text(cells[6]),
            "problems": text(cells[7]),
            "next_steps": text(cells[8]),
            "self_status": "",
            "self_status_label": text(cells[9]),
            "contributions": [],
            "update_id": None,
            "revision": 0,
            "action": "skip",
            "errors": [],
        }
        rows.append(row)
        task = tasks.get(code)
        if task is None:
            row["errors"].append(_("There is no task %(code)s in this plan.") % {"code": code or "—"})
            continue
        if task.pk not in own:
            row["errors"].append(_("Your unit is not responsible for task %(code)s.") % {"code": code})
            continue
        if code in seen:
            row["errors"].append(_("Task %(code)s is also in row %(row)s.") % {"code": code, "row": seen[code]})
            continue
        seen[code] = number
        row["task_id"] = task.pk
        row["task_text"] = task.text
        word = row["self_status_label"]
        if word:
            row["self_status"] = SELF_STATUS_BY_WORD.get(word, "")
            if not row["self_status"]:
                row["errors"].append(
                    _("自评状态 “%(word)s” is not one of %(words)s.")
                    % {"word": word, "words": "、".join(SELF_STATUS_WORDS.values())}
                )
        fed = {i.pk for i in task.indicators.all()}
        by_indicator = {}
        for index, (indicator, part) in columns.items():
            value = cells[index] if index < len(cells) else None
            entry = by_indicator.setdefault(
                indicator.pk, {"indicator": indicator.pk, "name": indicator.name, "value": None, "description": ""}
            )
            if part == "value":
                entry["value"] = text(value) or None
            else:
                entry["description"] = text(value)
        for entry in by_indicator.values():
            if entry["indicator"] in fed:
                row["contributions"].append(entry)
            elif entry["value"] or entry["description"]:
                row["errors"].append(
                    _("Task %(code)s does not feed the indicator “%(name)s”; leave its cells empty.")
                    % {"code": code, "name": entry["name"]}
                )
        update = updates.get(task.pk)
        row["update_id"], row["revision"] = (update.pk, update.revision) if update else (None, 0)
        if revisions.get(code, 0) != row["revision"]:
            row["errors"].append(
                _("Task %(code)s's update was changed in the system after this template was downloaded. "
                  "Download the template again so that nothing is overwritten.") % {"code": code}
            )
            continue
        filled = any(row[k] for k in ("progress", "problems", "next_steps", "self_status")) or any(
            c["value"] or c["description"] for c in row["contributions"]
        )
        if update is None and not filled:
            continue  # an empty row: nothing to report on this task from the file
        if _same_as_stored(update, row):
            continue
        if update is not None and not update.is_editable_by_unit:
            row["errors"].append(
                _("The update on task %(code)s is %(state)s and cannot be changed by an import.")
                % {"code": code, "state": update.get_state_display()}
            )
            continue
        row["action"] = "update" if update else "create"
    actionable = [r for r in rows if r["action"] != "skip" and not r["errors"]]
    _trial_run(actionable, unit=unit, period=period, user=user, tasks={t.pk: t for t in tasks.values()})
    for row in rows:
        row["action_label"] = str(ACTION_LABELS[row["action"]])
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.UPDATES,
        plan=plan,
        unit=unit,
        filename=filename[:200],
        payload={"period": period.label, "rows": rows},
        errors=_rows_errors(rows),
        created_by=user,
    )


# Confirming -------------------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    batch: ImportBatch
    plan: Plan | None
    summary: dict


def _checked_unit_map(unknown: list[str], unit_map: dict[str, str]) -> dict[str, str]:
    """
    unit_map: unknown name → an existing unit's pk as text, or "" to create it.
    Returns name → the existing unit's name, or "" to create it.
    """
    ids = {v for v in unit_map.values() if v}
    units = {str(u.pk): u.name for u in Unit.objects.filter(pk__in=[i for i in ids if i.isdigit()])}
    resolved = {}
    for name in unknown:
        choice = unit_map.get(name, "")
        if choice and choice not in units:
            raise ImportRefused(_("Choose an existing unit or “create” for %(name)s.") % {"name": name})
        resolved[name] = units.get(choice, "")
    return resolved


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, user, unit_map: dict[str, str] | None = None) -> ApplyResult:
    """
    Write a pending batch: all of it in this transaction, or nothing. Refuses a
    batch with row errors, one already applied or discarded, and one made from
    a plan (or updates) that changed after the upload.
    """
    # Lock the row and read its status again: a second confirm waits here, then finds the batch applied. The
    # payload and errors are written once, with the batch, so the caller's copy of them is current; a plan's
    # payload runs to megabytes and is not read twice.
    status = ImportBatch.objects.select_for_update().filter(pk=batch.pk).values_list("status", flat=True).get()
    if status == ImportBatch.Status.APPLIED:
        raise ImportRefused(_("This file was already imported."))
    if status == ImportBatch.Status.DISCARDED:
        raise ImportRefused(_("This upload was discarded. Upload the file again."))
    if batch.errors:
        raise ImportRefused(_("Some rows have errors. Correct the file and upload it again."))
    payload = batch.payload
    unit_map = _checked_unit_map(payload.get("unknown_units", []), unit_map or {})
    if batch.kind == ImportBatch.Kind.PLAN:
        plan, summary = _apply_plan(payload, unit_map, user)
    elif batch.kind == ImportBatch.Kind.KEY_TASKS:
        plan, summary = _apply_key_tasks(batch, payload, unit_map, user)
    else:
        plan, summary = _apply_updates(batch, payload, user)
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.plan = plan
    batch.save(update_fields=["status", "applied_at", "plan"])
    return ApplyResult(batch=batch, plan=plan, summary=summary)


def _apply_plan(payload: dict, unit_map: dict, user):
    meta = payload["plan"]
    if Plan.objects.filter(title=meta["title"]).exists():
        raise ImportRefused(_("A plan titled “%(title)s” already exists.") % {"title": meta["title"]})
    sections = plan_sections(payload["sections"], payload["rows"])
    items = [item for s in sections for w in s["work_tasks"] for item in w["items"]]
    errors = apply_unit_map(items, payload["unknown_units"], unit_map)
    if errors:
        raise ImportRefused(errors[0])
    result = services.plan_import(data={"plan": meta, "sections": sections}, user=user)
    counts = {
        "tasks": len(items),
        "milestones": sum(len(i["milestones"]) for i in items),
        "units_created": result.units_created,
    }
    return result.plan, counts


def _apply_key_tasks(batch: ImportBatch, payload: dict, unit_map: dict, user):
    plan = Plan.objects.select_for_update().get(pk=batch.plan_id)
    if plan_fingerprint(plan) != payload["fingerprint"]:
        raise ImportRefused(
            _("The plan has changed since this file was uploaded. Upload the file again to see the changes it makes.")
        )
    rows = [r for r in payload["rows"] if r.get("task_id")]
    errors = apply_unit_map(rows, payload["unknown_units"], unit_map)
    if errors:
        raise ImportRefused(errors[0])
    items = [{"task_id": r["task_id"], "milestones": r["milestones"], "units": r["units"]} for r in rows]
    try:
        result = services.plan_key_tasks_add(plan=plan, items=items, user=user)
    except ValidationError as error:
        raise ImportRefused(" ".join(error.messages)) from None
    return plan, {
        "milestones": result.milestones_added,
        "responsibilities": result.responsibilities_added,
        "units_created": result.units_created,
    }


def _apply_updates(batch: ImportBatch, payload: dict, user):
    plan, unit, period = batch.plan, batch.unit, Period.parse(payload["period"])
    rows = [r for r in payload["rows"] if r["action"] in ("create", "update")]
    current = {
        u.task_id: u
        for u in Update.objects.select_for_update().filter(
            task__in=[r["task_id"] for r in rows], unit=unit, year=period.year, quarter=period.quarter
        )
    }
    for row in rows:
        update = current.get(row["task_id"])
        now = (update.pk, update.revision) if update else (None, 0)
        if now != (row["update_id"], row["revision"]):
            raise ImportRefused(
                _("Task %(code)s's update has changed since this file was uploaded. Upload the file again.")
                % {"code": row["code"]}
            )
    tasks = SpecificTask.objects.select_related("work_task__section__plan").in_bulk([r["task_id"] for r in rows])
    try:
        _write_rows(rows, unit=unit, period=period, user=user, note=batch.filename, tasks=tasks)
    except (ValidationError, services.UpdateConflict) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        raise ImportRefused(_("Nothing was saved: %(reason)s") % {"reason": " ".join(messages)}) from None
    return plan, {"n": len(rows)}


def import_batch_discard(*, batch: ImportBatch, user) -> None:
    """Drop a pending batch; an applied one stays as the record of what was imported."""
    if batch.status == ImportBatch.Status.PENDING:
        batch.status = ImportBatch.Status.DISCARDED
        batch.save(update_fields=["status"])
