from django.urls import path

from apps.articles import views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("<int:pk>/story/", views.article_join_story, name="join-story"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
]
