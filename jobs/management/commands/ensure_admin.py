import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an 'admin' superuser with a generated password if no superuser exists."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin user already exists; nothing to do.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username="admin", email="", password=password)
        self.stdout.write(
            "Created the admin user. Sign in at /admin/ with\n"
            f"    username: admin\n    password: {password}\n"
            "This password is shown only once: change it in admin or keep it safe."
        )
