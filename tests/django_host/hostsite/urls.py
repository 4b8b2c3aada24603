"""The host's URLs."""

from django.urls import path
from visits import views

urlpatterns = [path("visits/<str:review_id>/start", views.start_visit)]
