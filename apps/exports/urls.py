from django.urls import path

from apps.exports import views

app_name = "exports"
urlpatterns = [
    path("projects/<int:project_pk>/", views.project_export, name="project-page"),
    path("stories/<int:story_pk>/", views.story_export, name="story-page"),
    path("articles/<int:article_pk>/", views.article_export, name="article-page"),
    path("projects/<int:project_pk>/<str:format_name>/", views.project_export, name="project"),
    path("stories/<int:story_pk>/<str:format_name>/", views.story_export, name="story"),
    path("articles/<int:article_pk>/<str:format_name>/", views.article_export, name="article"),
    path("jobs/<int:pk>/", views.export_job, name="job"),
    path("jobs/<int:pk>/file/", views.export_job_file, name="job-file"),
]
