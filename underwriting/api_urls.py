from django.urls import path

from underwriting.api import ReviewQueueList

app_name = "staff-api"
urlpatterns = [path("review-tasks/", ReviewQueueList.as_view(), name="review-tasks")]
