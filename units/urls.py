from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    # Unit scorecards and the bulletin (units.views)
    path("bulletin/", views.bulletin, name="bulletin"),
    path("bulletin/export/", views.bulletin_export, name="bulletin_export"),
    path("<int:unit_id>/scorecard/", views.scorecard, name="scorecard"),
]
