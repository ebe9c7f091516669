from django.urls import path

from apps.annotations import views

app_name = "annotations"
urlpatterns = [
    path("article/<int:article_pk>/new/", views.annotation_create, name="create"),
    path("<int:pk>/", views.annotation_panel, name="panel"),
    path("<int:pk>/edit/", views.annotation_update, name="update"),
    path("<int:pk>/delete/", views.annotation_delete, name="delete"),
    path("<int:pk>/restore/", views.annotation_restore, name="restore"),
    path("<int:pk>/links/", views.link_create, name="link-create"),
    path("links/<int:pk>/delete/", views.link_delete, name="link-delete"),
    path("article/<int:article_pk>/sources/", views.source_search, name="source-search"),
]
