"""The agreement report's options: layers, scope, codes, threshold, metrics and view."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext, gettext_lazy, pgettext

from coding.agreement import bootstrap as boot
from coding.agreement.loading import Scope, default_layers
from coding.agreement.result import ReportParams
from coding.agreement.rows import DEFAULT_THRESHOLD, SORT_KEYS
from coding.assignments import scope as sample_scope
from coding.codebook.selectors import Codebook
from coding.models import Layer
from studies import attributes as attrs
from studies.models import Study, Transcript

BY_CHOICES = [
    ("", gettext_lazy("Codes (pooled)")),
    ("group", gettext_lazy("By group")),
    ("wave", gettext_lazy("By wave")),
    ("design", gettext_lazy("By group × wave")),
    ("drift", gettext_lazy("Coder drift against consensus")),
]
SORT_CHOICES = [(k, k) for k in SORT_KEYS] + [(f"-{k}", k) for k in SORT_KEYS]


def _or(value, default):
    return default if value is None else value


class ReportForm(forms.Form):
    layers = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    group = forms.TypedMultipleChoiceField(coerce=int, required=False)
    wave = forms.TypedMultipleChoiceField(coerce=int, required=False)
    participant = forms.TypedMultipleChoiceField(coerce=int, required=False)
    transcript = forms.TypedMultipleChoiceField(coerce=int, required=False)
    sample = forms.ChoiceField(required=False, label=gettext_lazy("Double-coded sample"))
    code = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    threshold = forms.FloatField(required=False, min_value=0, max_value=1)
    expert = forms.BooleanField(required=False)
    by = forms.ChoiceField(choices=BY_CHOICES, required=False)
    focus = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    bootstrap = forms.IntegerField(
        required=False, min_value=0, max_value=boot.MAX_REPLICATES, label=gettext_lazy("Replicates")
    )
    seed = forms.IntegerField(required=False, min_value=0, max_value=boot.MAX_SEED)

    def __init__(
        self, data: QueryDict, *, layers: list[Layer], study: Study, book: Codebook
    ) -> None:
        super().__init__(data)
        self.layer_objects = layers
        self.study = study
        self.attribute_defs = attrs.definitions(study)
        self.attribute_filters = attrs.filters_from(data)
        self.fields["layers"].choices = [(la.key, la.label) for la in layers]
        self.fields["group"].choices = list(study.groups.values_list("pk", "name"))
        self.fields["wave"].choices = list(study.waves.values_list("pk", "name"))
        self.fields["participant"].choices = list(
            study.participants.order_by("pseudonym").values_list("pk", "pseudonym")
        )
        self.fields["transcript"].choices = list(
            Transcript.objects.filter(study=study).order_by("title").values_list("pk", "title")
        )
        self.fields["sample"].choices = sample_scope.sample_choices(study)
        codes = [(n.pk, "\u2003" * n.depth + n.code.name) for n in book.walk()]
        self.fields["code"].choices = [("", gettext("All codes")), *codes]
        # The options are the study's own names (user content, never translated).
        for name in ("group", "wave", "participant", "transcript", "code", "sample"):
            self.fields[name].widget.attrs["translate"] = "no"
        self.fields["focus"].choices = [("", "—"), *codes]

    @property
    def attribute_fields(self) -> list[dict]:
        """Each defined attribute with the value given (the scope's inputs)."""
        given = {f.name.lower(): f.value for f in self.attribute_filters}
        return [
            {"defn": d, "param": d.key, "value": given.get(d.name.lower(), "")}
            for d in self.attribute_defs
        ]

    def clean(self):
        data = super().clean()
        data["attribute_transcripts"] = None
        if self.attribute_filters:
            pids, tids, errors = attrs.resolve(
                self.study, self.attribute_filters, self.attribute_defs
            )
            if errors:
                raise ValidationError(errors)
            if pids is not None:
                by_participant = set(
                    Transcript.objects.filter(
                        study=self.study, participant_id__in=sorted(pids)
                    ).values_list("pk", flat=True)
                )
                tids = by_participant if tids is None else tids & by_participant
            data["attribute_transcripts"] = sorted(tids)
        return data

    def clean_layers(self) -> list[str]:
        keys = self.cleaned_data["layers"]
        if keys and len(keys) < 2:
            raise ValidationError(gettext("Choose two or more layers to compare."))
        return keys

    def params(self) -> ReportParams:
        data = self.cleaned_data
        keys = data["layers"]
        if keys:
            layers = [la for la in self.layer_objects if la.key in keys]
        else:
            layers = default_layers(self.layer_objects)
        threshold = data.get("threshold")
        sample = sample_scope.sample_transcripts(self.study, data.get("sample") or "", layers)
        return ReportParams(
            layers=layers,
            scope=Scope(
                sample_transcripts=sample[0] if sample else None,
                sample_words=sample[1] if sample else "",
                groups=data["group"],
                waves=data["wave"],
                participants=data["participant"],
                transcripts=data["transcript"],
                attributes=self.attribute_filters,
                attribute_transcripts=data.get("attribute_transcripts"),
            ),
            root_code=data.get("code"),
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            expert=data.get("expert") or False,
            by=data.get("by") or "",
            focus=data.get("focus"),
            sort=data.get("sort") or "code",
            bootstrap=_or(data.get("bootstrap"), boot.DEFAULT_REPLICATES),
            seed=_or(data.get("seed"), boot.DEFAULT_SEED),
        )

    def scope_words(self, params: ReportParams) -> str:
        """The scope in words, with the names of the groups, waves... chosen."""
        scope = params.scope
        if scope.is_all:
            return gettext("All transcripts")
        parts = []
        for name, word, values in (
            ("group", pgettext("scope", "group"), scope.groups),
            ("wave", pgettext("scope", "wave"), scope.waves),
            ("participant", pgettext("scope", "participant"), scope.participants),
            ("transcript", pgettext("scope", "transcript"), scope.transcripts),
        ):
            if values:
                labels = dict(self.fields[name].choices)
                parts.append(f"{word}: " + ", ".join(str(labels.get(v, v)) for v in values))
        parts += [f"{f.name}: {f.value}" for f in scope.attributes]
        if scope.sample_words:
            parts.append(scope.sample_words)
        return "; ".join(parts)
