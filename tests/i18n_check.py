"""
`python -m tests.i18n_check FILE.po` lists entries without a Chinese translation
(untranslated or fuzzy) and exits 1 if there are any. `make messages` runs it.
"""

import sys

import polib


def missing_entries(path):
    po = polib.pofile(path)
    return [e for e in po if e.msgid and not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def main(path):
    missing = missing_entries(path)
    for entry in missing:
        where = ", ".join(f"{f}:{line}" for f, line in entry.occurrences[:2])
        print(f"untranslated: {entry.msgid!r} ({where})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
