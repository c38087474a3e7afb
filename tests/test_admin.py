import pytest
from django.contrib import admin
from django.urls import reverse

from tasks.models import SpecificTask

MODELS = [model for model in admin.site._registry if model._meta.app_label in {"units", "tasks", "indicators"}]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_searches_in_chinese(client, admin_user, model):
    client.force_login(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": "科技"} if admin.site._registry[model].search_fields else {})
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()


def test_admin_names_are_chinese():
    assert str(SpecificTask._meta.verbose_name) == "具体任务"


def test_admin_task_history_records_who_changed_it(client, admin_user, task_1):
    client.force_login(admin_user)
    url = reverse("admin:tasks_specifictask_change", args=[task_1.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "units"}
    data.update({"text": task_1.text + "（修订）", "deadline": "2023-12-31"})
    for prefix, formset in [(fs.formset.prefix, fs.formset) for fs in page.context["inline_admin_formsets"]]:
        data.update({f"{prefix}-TOTAL_FORMS": len(formset.forms), f"{prefix}-INITIAL_FORMS": len(formset.initial_forms)})
        for i, f in enumerate(formset.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is not None:
                    data[f"{prefix}-{i}-{name}"] = getattr(value, "pk", value)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    latest = task_1.history.latest()
    assert latest.history_user == admin_user
    assert latest.text.endswith("（修订）")
