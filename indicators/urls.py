from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("plans/<int:plan_id>/", views.plan_dashboard, name="plan_dashboard"),
    path("plans/<int:plan_id>/export.xlsx", views.plan_export, name="plan_export"),
    path("sections/<int:section_id>/", views.section_detail, name="section_detail"),
    path("<int:indicator_id>/", views.indicator_detail, name="indicator_detail"),
]
