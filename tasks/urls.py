from django.urls import path

from .views import plans
from .views import updates

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
]
