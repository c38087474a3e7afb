from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
]
