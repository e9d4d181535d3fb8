"""Define the attributes the participants already carry (one per key), typed number or date
when every value of the key reads as one, text otherwise."""

from django.db import migrations


def define(apps, schema_editor):
    from studies.attributes import infer_kind

    Study = apps.get_model("studies", "Study")
    Participant = apps.get_model("studies", "Participant")
    Attribute = apps.get_model("studies", "Attribute")
    for study_id in Study.objects.values_list("pk", flat=True):
        values: dict[str, list] = {}
        names: dict[str, str] = {}
        rows = Participant.objects.filter(study_id=study_id).values_list("attributes", flat=True)
        for attrs in rows:
            for key, value in (attrs or {}).items():
                names.setdefault(str(key).lower(), str(key))
                values.setdefault(str(key).lower(), []).append(value)
        Attribute.objects.bulk_create(
            Attribute(
                study_id=study_id,
                scope="participant",
                name=names[lower][:100],
                kind=str(infer_kind(values[lower])),
                position=i,
            )
            for i, lower in enumerate(sorted(names))
        )


class Migration(migrations.Migration):
    dependencies = [("studies", "0006_attribute_definitions")]

    operations = [migrations.RunPython(define, migrations.RunPython.noop)]
