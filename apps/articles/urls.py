from django.urls import path

from apps.articles import views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("import/", views.article_import, name="import"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/story/", views.article_join_story, name="join-story"),
]
