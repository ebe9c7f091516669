from django.contrib import admin
from django.urls import path

from apps.review import views

app_name = "review"

# Wrapped as the admin's own pages are: signed in, let into the admin, never cached.
view = admin.site.admin_view

urlpatterns = [
    path("", view(views.review_index), name="index"),
    path("project/<int:pk>/dashboard/", view(views.project_dashboard_page), name="dashboard"),
    path("project/<int:pk>/agreement/", view(views.project_agreement_page), name="agreement"),
    path("project/<int:pk>/progress/", view(views.project_progress_page), name="progress"),
    path("article/<int:pk>/curation/", view(views.article_curation), name="curation"),
    path("article/<int:pk>/curated/", view(views.article_curated), name="curated"),
]
