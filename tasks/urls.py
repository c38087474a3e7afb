from django.urls import path

from .views import plans
from .views import updates
from .views import excel as excel_views

app_name = "tasks"

urlpatterns = [
    # Plans, outline, task list and task pages (tasks.views.plans)
    path("<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("tasks/", plans.task_list, name="task_list"),
    path("tasks/<int:task_id>/", plans.task_detail, name="task_detail"),
    # Quarterly updates and review (tasks.views.updates)
    path("unit/", updates.unit_home, name="unit_home"),
    path("updates/", updates.update_list, name="update_list"),
    path("updates/start/<int:task_id>/", updates.update_start, name="update_start"),
    path("updates/<int:update_id>/", updates.update_detail, name="update_detail"),
    path("updates/<int:update_id>/edit/", updates.update_edit, name="update_edit"),
    path("updates/<int:update_id>/approve/", updates.update_approve, name="update_approve"),
    path("updates/<int:update_id>/return/", updates.update_return, name="update_return"),
    path("updates/<int:update_id>/reopen/", updates.update_reopen, name="update_reopen"),
    path("attachments/<int:attachment_id>/", updates.attachment_download, name="attachment_download"),
    # Excel export and import (tasks.views.excel)
    path("<int:plan_id>/excel/", excel_views.plan_excel, name="plan_excel"),
    path("<int:plan_id>/excel/progress/", excel_views.progress_export, name="excel_progress_export"),
    path("excel/import/plan/", excel_views.plan_import_upload, name="excel_plan_import"),
    path("<int:plan_id>/excel/import/key-tasks/", excel_views.key_tasks_upload, name="excel_key_tasks_import"),
    path("excel/imports/<int:batch_id>/", excel_views.batch_preview, name="excel_batch"),
    path("excel/imports/<int:batch_id>/confirm/", excel_views.batch_confirm, name="excel_batch_confirm"),
    path("excel/imports/<int:batch_id>/discard/", excel_views.batch_discard, name="excel_batch_discard"),
    path("<int:plan_id>/excel/updates/template/", excel_views.update_template, name="excel_update_template"),
    path("<int:plan_id>/excel/updates/import/", excel_views.updates_upload, name="excel_updates_import"),
]
