"""Evidence attachments: type checked by content, size-limited, downloadable only by who may see the update."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tasks import services
from tasks.models import Attachment, Update, UpdateEvent

from .factories import make_update
from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import PDF, PNG, docx_bytes, form_data, submitted, upload

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    "name, content, mime",
    [
        ("报告.pdf", PDF, "application/pdf"),
        ("现场.PNG", PNG, "image/png"),
        ("清单.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("旧版.doc", OLE, "application/msword"),
    ],
)
def test_allowed_files_are_attached_with_their_real_type(draft, lead_reporter, media, name, content, mime):
    attachment = services.attachment_add(update=draft, user=lead_reporter, file=upload(name, content))
    assert (attachment.name, attachment.content_type, attachment.size) == (name, mime, len(content))
    assert attachment.file.read() == content
    assert draft.events.last().action == UpdateEvent.Action.ATTACHED


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("程序.exe", b"MZ\x90\x00" + b"\x00" * 64, "文件类型不允许上传"),
        ("无扩展名", PDF, "文件类型不允许上传"),
        ("伪装.pdf", b"<html><script>alert(1)</script></html>", "内容不是.pdf文件"),
        ("伪装.docx", b"PK\x03\x04" + b"\x00" * 100, "内容不是.docx文件"),
        ("图片.png", PDF, "内容不是.png文件"),
        ("空.pdf", b"", "是空文件"),
    ],
)
def test_forbidden_or_disguised_files_are_refused(draft, lead_reporter, media, name, content, message):
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(update=draft, user=lead_reporter, file=upload(name, content))
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(draft, lead_reporter, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError, match="超过1 MB"):
        services.attachment_add(update=draft, user=lead_reporter, file=upload("大文件.pdf", big))
    assert not Attachment.objects.exists()


def test_the_form_refuses_a_bad_file_in_chinese_and_saves_nothing(client, draft, lead_reporter, media):
    client.force_login(lead_reporter)
    data = form_data(draft, progress="不应保存", attachments=upload("病毒.exe", b"MZ" + b"\x00" * 64))
    response = client.post(reverse("tasks:update_edit", args=[draft.pk]), data)
    assert response.status_code == 400 and "文件类型不允许上传" in response.content.decode()
    draft.refresh_from_db()
    assert draft.progress == "" and not draft.attachments.exists()


def test_several_files_can_be_attached_at_once_with_the_draft(client, draft, lead_reporter, media):
    client.force_login(lead_reporter)
    data = form_data(draft, attachments=[upload("一.pdf"), upload("二.png", PNG)])
    client.post(reverse("tasks:update_edit", args=[draft.pk]), data)
    assert sorted(draft.attachments.values_list("name", flat=True)) == ["一.pdf", "二.png"]


def test_removing_an_attachment_through_the_form_deletes_it_and_its_file(
    client, draft, lead_reporter, media, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(update=draft, user=lead_reporter, file=upload())
    draft.refresh_from_db()
    client.force_login(lead_reporter)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the removal is committed
        client.post(reverse("tasks:update_edit", args=[draft.pk]), form_data(draft, remove_attachments=[attachment.pk]))
    assert not draft.attachments.exists() and stored_files(media) == []
    assert draft.events.filter(action=UpdateEvent.Action.DETACHED, note="证明材料.pdf").exists()


def test_another_updates_attachment_cannot_be_removed_through_the_form(client, draft, lead_reporter, media, task_1):
    other = make_update(task_1, "区科委", 2022, 1, state=Update.State.DRAFT)
    attachment = services.attachment_add(update=other, user=lead_reporter, file=upload())
    client.force_login(lead_reporter)
    response = client.post(reverse("tasks:update_edit", args=[draft.pk]), form_data(draft, remove_attachments=[attachment.pk]))
    assert response.status_code == 400 and "该附件属于其他季度进展" in response.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_failed_submission_leaves_no_stored_file_behind(draft, lead_reporter, media):
    with pytest.raises(ValidationError):
        services.update_save_and_submit(
            update=draft, user=lead_reporter, data={"progress": "不完整"}, revision=draft.revision, add_files=[upload()]
        )
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_submitted_update_takes_no_new_files(draft, lead_reporter, media):
    update = submitted(draft, lead_reporter)
    with pytest.raises(ValidationError, match="正在等待审核"):
        services.attachment_add(update=update, user=lead_reporter, file=upload())


def test_attachment_remove_service(draft, lead_reporter, media):
    attachment = services.attachment_add(update=draft, user=lead_reporter, file=upload())
    services.attachment_remove(attachment=attachment, user=lead_reporter)
    assert not Attachment.objects.exists()


# Downloads ----------------------------------------------------------------------------------------------


@pytest.fixture
def evidence(draft, lead_reporter, media):
    return services.attachment_add(update=draft, user=lead_reporter, file=upload("证明材料.pdf"))


def download(client, attachment):
    return client.get(reverse("tasks:attachment_download", args=[attachment.pk]))


def test_the_unit_downloads_its_file_under_its_own_name(client, evidence, lead_reporter):
    client.force_login(lead_reporter)
    response = download(client, evidence)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "%E8%AF%81%E6%98%8E" in response["Content-Disposition"]


def test_staff_download_any_file(client, evidence, staff):
    client.force_login(staff)
    assert download(client, evidence).status_code == 200


def test_a_draft_file_is_hidden_from_other_units_and_leadership(client, evidence, co_reporter, outsider, leader):
    for user in (co_reporter, outsider, leader):
        client.force_login(user)
        assert download(client, evidence).status_code == 404


def test_an_approved_updates_file_is_open_to_everyone_who_may_read_it(client, evidence, draft, lead_reporter, staff, leader, outsider):
    draft.refresh_from_db()
    services.update_approve(update=submitted(draft, lead_reporter), reviewer=staff)
    for user in (leader, outsider):
        client.force_login(user)
        assert download(client, evidence).status_code == 200


def test_a_missing_stored_file_is_404_not_a_crash(client, evidence, lead_reporter):
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(lead_reporter)
    assert download(client, evidence).status_code == 404
