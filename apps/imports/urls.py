from django.urls import path

from apps.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_new, name="new"),
    path("<int:pk>/", views.import_job, name="job"),
]
