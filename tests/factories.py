"""Plain factory functions for test data (``kwargs.setdefault`` style)."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from coding.models import Code, Layer, LayerKind, Segment
from studies.models import Membership, Participant, Role, StakeholderGroup, Study, Transcript, Wave

_seq = itertools.count(1)

SAMPLE_TEXT = (
    "Interviewer: How did the training feel?\n"
    "P01: At first I did not know my role. 我唔知自己嘅角色。\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me 𠝹 and my lived experience helped others."
)


def make_user(**kwargs):
    n = next(_seq)
    kwargs.setdefault("username", f"user{n}")
    password = kwargs.pop("password", "pw")
    user = get_user_model().objects.create_user(**kwargs)
    user.set_password(password)
    user.save()
    return user


def make_study(**kwargs) -> Study:
    kwargs.setdefault("name", f"Study {next(_seq)}")
    return Study.objects.create(**kwargs)


def add_member(study: Study, user, role: str = Role.CODER) -> Membership:
    return Membership.objects.create(study=study, user=user, role=role)


def make_group(study: Study, **kwargs) -> StakeholderGroup:
    kwargs.setdefault("name", f"Group {next(_seq)}")
    kwargs.setdefault("position", study.groups.count())
    return StakeholderGroup.objects.create(study=study, **kwargs)


def make_wave(study: Study, **kwargs) -> Wave:
    kwargs.setdefault("name", f"T{next(_seq)}")
    kwargs.setdefault("position", study.waves.count())
    return Wave.objects.create(study=study, **kwargs)


def make_participant(study: Study, **kwargs) -> Participant:
    kwargs.setdefault("pseudonym", f"P{next(_seq):03d}")
    return Participant.objects.create(study=study, **kwargs)


def make_transcript(study: Study, **kwargs) -> Transcript:
    kwargs.setdefault("title", f"Transcript {next(_seq)}")
    kwargs.setdefault("text", SAMPLE_TEXT)
    kwargs.setdefault("length", len(kwargs["text"]))
    kwargs.setdefault("checksum", Transcript.checksum_of(kwargs["text"]))
    return Transcript.objects.create(study=study, **kwargs)


def make_code(study: Study, **kwargs) -> Code:
    kwargs.setdefault("name", f"Code {next(_seq)}")
    return Code.objects.create(study=study, **kwargs)


def make_layer(study: Study, user=None, **kwargs) -> Layer:
    if user is not None:
        kwargs.setdefault("kind", LayerKind.CODER)
        layer, _ = Layer.objects.get_or_create(study=study, user=user, **kwargs)
        return layer
    kwargs.setdefault("kind", LayerKind.CONSENSUS)
    layer, _ = Layer.objects.get_or_create(study=study, **kwargs)
    return layer


def make_segment(
    transcript: Transcript, code: Code, layer: Layer, start: int, end: int, **kwargs
) -> Segment:
    kwargs.setdefault("quote", transcript.text[start:end])
    return Segment.objects.create(
        transcript=transcript, code=code, layer=layer, start=start, end=end, **kwargs
    )


def make_media(transcript, uploaded_by, **fields):
    """A recording row for ``transcript`` (no file is written: for pages and queries)."""
    from studies.models import TranscriptMedia

    values = {
        "file": "media/x.wav",
        "kind": "audio",
        "content_type": "audio/wav",
        "original_name": "x.wav",
        "size": 3,
        "sha256": "0" * 64,
        **fields,
    }
    return TranscriptMedia.objects.create(transcript=transcript, uploaded_by=uploaded_by, **values)
