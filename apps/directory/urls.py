from django.urls import path

from apps.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("duplicates/", views.source_duplicates, name="duplicates"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/merge/", views.source_merge, name="merge"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="undo"),
]
