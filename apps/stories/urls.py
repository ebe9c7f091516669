from django.urls import path

from apps.stories import views

app_name = "stories"
urlpatterns = [
    path("", views.story_list, name="list"),
    path("<int:pk>/", views.story_detail, name="detail"),
    path("<int:pk>/name/", views.story_rename, name="rename"),
]
