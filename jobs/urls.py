from django.urls import path

from . import views

urlpatterns = [
    path("api/cron/daily-prospect-queue", views.cron_daily_prospect_queue, name="cron-daily-prospect-queue"),
    path("api/worker/daily-prospect-queue", views.worker_daily_prospect_queue, name="worker-daily-prospect-queue"),
    path("healthz", views.healthz, name="healthz"),
]
