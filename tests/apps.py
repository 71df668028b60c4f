from django.apps import AppConfig


class TestSupportConfig(AppConfig):
    name = "tests"
    label = "testsupport"

    def ready(self):
        from . import handlers  # noqa: F401  (registers the test job types)
