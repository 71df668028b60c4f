from django.contrib import admin
from django.urls import include, path

from outreach.unsubscribe import unsubscribe_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("jobs.urls")),
    path("unsubscribe/<str:token>", unsubscribe_view, name="unsubscribe"),
]
