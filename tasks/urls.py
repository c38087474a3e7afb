from django.urls import path

from .views import plans

app_name = "tasks"

urlpatterns = [
    # Plans, outline, task list and task pages (tasks.views.plans)
    path("<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    # Quarterly updates and review (tasks.views.updates)
    # Excel export and import (tasks.views.excel)
]
