from django.urls import path

from apps.articles import views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("assign/", views.article_assign, name="assign"),
    path("<int:pk>/details/", views.article_details, name="details"),
    path("<int:pk>/done/", views.article_done, name="done"),
    path("<int:pk>/story/", views.article_join_story, name="join-story"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
]
