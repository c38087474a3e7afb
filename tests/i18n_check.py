"""
The Chinese catalogue's upkeep.

    python -m tests.i18n_check FILE.po              list untranslated or fuzzy entries; exit 1 if any
    python -m tests.i18n_check FILE.po --fill J.json set msgstr from {"English msgid": "中文"} and save

`make messages` runs the first after makemessages; tests/test_i18n.py runs it in the suite.
"""

import json
import sys

import polib


def missing_entries(path):
    po = polib.pofile(path)
    return [e for e in po if e.msgid and not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def fill(path, translations: dict) -> int:
    po = polib.pofile(path, wrapwidth=0)
    for entry in po:
        if entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = None
    po.save(path)
    return len(missing_entries(path))


def main(argv):
    path = argv[0]
    if len(argv) == 3 and argv[1] == "--fill":
        with open(argv[2], encoding="utf-8") as f:
            remaining = fill(path, json.load(f))
        print(f"{remaining} entries still untranslated")
    missing = missing_entries(path)
    for entry in missing:
        where = ", ".join(f"{f}:{line}" for f, line in entry.occurrences[:2])
        print(f"untranslated: {entry.msgid!r} ({where})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
