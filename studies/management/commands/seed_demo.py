"""``manage.py seed_demo``: the demo users and the reference demo study."""

from __future__ import annotations

import os
import secrets
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from studies.models import Membership, Role, Study
from workbench.demo import build, story

DOUBLE_CODED_PERCENT = 20  # a stratified fifth of the transcripts is coded by both coders
LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"  # where `manage.py runserver` serves
DEMO_USERS = (
    ("pi", Role.OWNER),
    ("coder1", Role.CODER),
    ("coder2", Role.CODER),
    ("viewer", Role.VIEWER),
)


class Command(BaseCommand):
    help = (
        "Create the demo study (peer support in Hong Kong: 77 transcripts, two coders whose "
        "layers partly agree) and the users pi, coder1, coder2 and viewer. Does nothing if "
        "the study exists, unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--login-url",
            dest="login_url",
            default=LOGIN_URL,
            help="The login address to print (make demo passes the one it serves).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo study and build it again; reset the demo users' passwords.",
        )
        parser.add_argument(
            "--password",
            help="Password for the four demo users (default: $DEMO_PASSWORD, else random).",
        )

    def handle(
        self,
        *args,
        reset: bool = False,
        password: str | None = None,
        login_url: str = LOGIN_URL,
        **options,
    ):
        existing = list(Study.objects.filter(name=build.DEMO_STUDY_NAME).only("pk"))
        password = password or os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        if existing and not reset:
            # The study (and everyone's coding in it) is kept; only the demo users get a
            # fresh password, so that `make demo` always ends with logins that work.
            User = get_user_model()
            for user in User.objects.filter(username__in=[name for name, _ in DEMO_USERS]):
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(
                f"The demo study “{build.DEMO_STUDY_NAME}” already exists (id {existing[0].pk}) "
                "and is kept as it is; the demo users' password was reset. Run "
                "`manage.py seed_demo --reset` to rebuild the study."
            )
            self._print_logins(password, login_url)
            return
        started = time.monotonic()
        with transaction.atomic():
            for study in existing:
                self.stdout.write(f"Deleting the demo study (id {study.pk}) …")
                build.delete_demo_study(study)
            users = {}
            User = get_user_model()
            for username, _ in DEMO_USERS:
                user, _ = User.objects.get_or_create(username=username)
                user.set_password(password)
                user.save(update_fields=["password"])
                users[username] = user
            study = build.build_demo_study(
                owner=users["pi"], stdout=self.stdout, double_coded_percent=DOUBLE_CODED_PERCENT
            )
            for username, role in DEMO_USERS:
                Membership.objects.update_or_create(
                    study=study, user=users[username], defaults={"role": role}
                )
            self.stdout.write("Writing the study's progress: versions, themes, exemplars …")
            story.tell_story(study, owner=users["pi"], coder=users["coder1"])
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created “{study.name}”: {study.transcripts.count()} transcripts, "
                f"{study.codes.count()} codes, "
                f"{sum(layer.segments.count() for layer in study.layers.all())} segments "
                f"in {elapsed:.1f} s."
            )
        )
        self._print_logins(password, login_url)

    def _print_logins(self, password: str, login_url: str) -> None:
        self.stdout.write(f"\nLog in at {login_url} with password {password}")
        for username, role in DEMO_USERS:
            self.stdout.write(f"  {username:<8} ({role.label.lower()})")
