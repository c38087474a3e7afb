from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

from .i18n_check import missing_entries

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_interface_string_has_a_chinese_translation():
    assert [e.msgid for e in missing_entries(PO)] == []


def test_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(PO).translated_entries() if not e.msgid_plural}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(PO.with_suffix(".mo")) if e.msgid and not e.msgid_plural}
    assert source == compiled


def test_interface_text_is_translated_at_runtime():
    with translation.override("zh-hans"):
        assert translation.gettext("Approved") == "已通过"
