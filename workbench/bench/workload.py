"""Benchmark workload and the studies app's operations (see workbench/bench.py)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from studies.models import Membership, Role, Study
from workbench.bench import harness as bench


def build_workload(*, scale: int, log) -> bench.Context:
    """docs/DESIGN.md seed scale (x ``scale``): 77 transcripts of ~50,000 characters, 3 coder
    layers, ~60 codes in 3 levels, ~150 segments per transcript per layer."""
    from django.contrib.auth import get_user_model

    from workbench.demo.build import build_demo_study

    study = build_demo_study(
        scale=scale, coders=3, segments_per_layer=150, target_chars=(45_000, 55_000), stdout=log
    )
    User = get_user_model()
    pi, _ = User.objects.get_or_create(username="pi")
    Membership.objects.get_or_create(study=study, user=pi, defaults={"role": Role.OWNER})
    # Fresh tables have no planner statistics; production databases do (autovacuum).
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM also sets the visibility map, which index-only scans need.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    ctx = bench.Context(scale=scale, study=study)
    ctx.users["pi"] = pi
    for name in ("coder1", "coder2", "coder3"):
        user = User.objects.get(username=name)
        Membership.objects.get_or_create(study=study, user=user, defaults={"role": Role.CODER})
        ctx.users[name] = user
    for name, user in ctx.users.items():
        client = Client()
        client.force_login(user)
        ctx.clients[name] = client
    return ctx


@bench.operation("studies_list")
def studies_list(ctx: bench.Context):
    client, url = ctx.clients["pi"], reverse("studies:study_list")
    return lambda: bench.check_response(client.get(url))


@bench.operation("dashboard")
def dashboard(ctx: bench.Context):
    client, url = ctx.clients["pi"], reverse("studies:study_dashboard", args=[ctx.study.pk])
    return lambda: bench.check_response(client.get(url))


@bench.operation("bulk_import", n=3, warmup=0)
def bulk_import(ctx: bench.Context):
    """Import the study's first 77 transcripts, as a zip with a manifest, into fresh studies."""
    source = ctx.study
    transcripts = list(
        source.transcripts.select_related("participant__group", "wave").order_by("pk")[:77]
    )
    buffer = io.BytesIO()
    lines = ["file,participant,group,wave,title"]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, t in enumerate(transcripts):
            name = f"t{i:03d}.txt"
            archive.writestr(name, t.text.encode("utf-8"))
            lines.append(
                f"{name},{t.participant.pseudonym},{t.participant.group.name},{t.wave.name},{t.title}"
            )
    zip_data = buffer.getvalue()
    manifest = ("\n".join(lines) + "\n").encode("utf-8")
    targets = []
    for i in range(3):
        study = Study.objects.create(name=f"Bulk import target {i}")
        Membership.objects.create(study=study, user=ctx.users["pi"], role=Role.OWNER)
        for g in source.groups.all():
            study.groups.create(name=g.name, position=g.position)
        for w in source.waves.all():
            study.waves.create(name=w.name, position=w.position)
        targets.append(study)
    client = ctx.clients["pi"]

    def run():
        study = targets.pop(0)
        response = client.post(
            reverse("studies:transcript_bulk_import", args=[study.pk]),
            {
                "archive": SimpleUploadedFile("transcripts.zip", zip_data),
                "manifest": SimpleUploadedFile("manifest.csv", manifest),
            },
        )
        bench.check_response(response, 302)
        assert study.transcripts.count() == len(transcripts)

    return run


@bench.operation("offset_map_repetitive", n=5, warmup=1)
def offset_map_repetitive(ctx: bench.Context):
    """Map offsets through a one-character edit of a 2,000,000-character transcript of one
    repeated line, and through edits at both ends of it (issue 9 §2: the line diff was
    quadratic on repeated lines and took minutes)."""
    from studies.offset_map import OffsetMap

    line = "P01: I signed the agreement and the agreement was signed.\n"
    old = (line * (2_000_000 // len(line)))[:-1]
    middle = len(old) // 2
    one_character = old[:middle] + "X" + old[middle + 1 :]
    both_ends = "Interviewer: Welcome.\n" + old.replace("signed.", "signed at last.", 1) + "!"

    def run():
        for new in (one_character, both_ends):
            mapping = OffsetMap(old, new)
            mapping.span(middle - 5, middle + 5)

    return run
