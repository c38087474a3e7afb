"""The whole quarterly loop through the pages, as the browser journey walks it."""

from django.urls import reverse

from tasks.models import Update

from .updates_support import *  # noqa: F403 - fixtures
from .updates_support import Q2_2022, form_data, upload


def test_report_return_revise_resubmit_approve(client, set_today, media, task_1, lead_reporter, staff, indicator_1):
    client.force_login(lead_reporter)
    home = client.get(reverse("tasks:unit_home"))
    assert home.status_code == 200
    response = client.post(reverse("tasks:update_start", args=[task_1.pk]), {"period": Q2_2022.label})
    update = Update.objects.get(task=task_1, unit=lead_reporter.unit, year=2022, quarter=2)
    assert response.url == reverse("tasks:update_edit", args=[update.pk])
    assert client.get(response.url).status_code == 200

    data = form_data(update, "submit", **{f"contribution_{indicator_1.pk}": "3", f"contribution_{indicator_1.pk}_description": "新增示范项目3项"})
    data["attachments"] = upload()
    response = client.post(reverse("tasks:update_edit", args=[update.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    update.refresh_from_db()
    assert update.state == Update.State.SUBMITTED
    assert update.attachments.count() == 1

    client.force_login(staff)
    queue = client.get(reverse("tasks:update_list")).content.decode()
    assert f'id="update-row-{update.pk}"' in queue
    detail = client.get(reverse("tasks:update_detail", args=[update.pk])).content.decode()
    assert 'id="btn-return"' in detail
    client.post(reverse("tasks:update_return", args=[update.pk]), {"revision": update.revision, "reason": "请补充项目清单。"})
    update.refresh_from_db()
    assert update.state == Update.State.RETURNED

    client.force_login(lead_reporter)
    assert "请补充项目清单。" in client.get(reverse("tasks:unit_home")).content.decode()
    assert "请补充项目清单。" in client.get(reverse("tasks:update_edit", args=[update.pk])).content.decode()
    data = form_data(update, "submit", progress="已完成项目征集，落地示范项目8项，清单见附件。")
    data[f"contribution_{indicator_1.pk}"] = "3"
    data[f"contribution_{indicator_1.pk}_description"] = "新增示范项目3项"
    response = client.post(reverse("tasks:update_edit", args=[update.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    client.force_login(staff)
    detail = client.get(reverse("tasks:update_detail", args=[update.pk])).content.decode()
    assert "清单见附件" in detail and 'id="version-diff"' in detail
    update.refresh_from_db()
    client.post(reverse("tasks:update_approve", args=[update.pk]), {"revision": update.revision})
    update.refresh_from_db()
    assert update.state == Update.State.APPROVED
    assert update.versions.count() == 2
