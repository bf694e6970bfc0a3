"""Ukrainian is complete: no entry of the catalogue is empty or fuzzy (a fuzzy entry is
not used: it counts as empty), and every string the code marks for translation is in it
with a translation (makemessages on a copy of the code, so the checkout is untouched)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from tests.conftest import ROOT, VENV_BIN, child_env

CATALOGUE = ROOT / "locale" / "uk" / "LC_MESSAGES" / "django.po"
# As README's "Translations" says to run it.
IGNORED = [".venv", "staticfiles", "tests", "bench", "var", "screenshots"]


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def untranslated(catalog: Catalog) -> list[str]:
    def empty(m: Message) -> bool:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        return m.fuzzy or not all(strings)

    return [str(m.id) for m in catalog if m.id and empty(m)]


def test_no_ukrainian_entry_is_empty_or_fuzzy():
    assert untranslated(read(CATALOGUE)) == []


def test_an_empty_or_fuzzy_entry_is_found(tmp_path):
    bad = tmp_path / "bad.po"
    bad.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n#, fuzzy\nmsgid "Guessed"\nmsgstr "Вгадане"\n\n'
        'msgid "Done"\nmsgstr "Готово"\n',
        encoding="utf-8",
    )
    assert untranslated(read(bad)) == ["Empty", "Guessed"]


@pytest.mark.django_db
def test_every_string_marked_in_the_code_has_its_ukrainian(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*IGNORED, ".git", "docs", "__pycache__", "*.mo"),
    )
    command = [str(VENV_BIN / "python"), "manage.py", "makemessages", "-l", "uk"]
    command += ["--no-location", *(f"--ignore={name}" for name in IGNORED)]
    subprocess.run(command, cwd=copy, env=child_env(), check=True, capture_output=True)
    missing = untranslated(read(copy / "locale" / "uk" / "LC_MESSAGES" / "django.po"))
    assert missing == [], f"{len(missing)} strings without Ukrainian: {missing}"


@pytest.mark.django_db
def test_treatment_choices_and_areas_are_named_in_the_readers_language():
    from django.utils import translation
    from django.utils.translation import gettext

    from desk.forms import treatment_choices
    from patients.models import Consultation
    from treatments.models import Treatment

    with translation.override("uk"):
        labels = [str(label) for value, label in treatment_choices().choices if value]
        names = [gettext(t.name) for t in Treatment.objects.filter(is_active=True)]
        areas = Consultation(excluded_areas=["face", "eye_area"]).excluded_area_labels
    assert labels == names
    assert not set(labels) & set(Treatment.objects.values_list("name", flat=True))
    assert areas == ["Обличчя", "Зона навколо очей"]


def test_amended_fields_are_named_as_the_chart_labels_them():
    from django.utils import translation

    from chart.templatetags.amendments import amendment_lines

    with translation.override("uk"):
        (line,) = amendment_lines({"anamnesis": {"from": "", "to": "Сухість"}})
        assert line == ("Анамнез", "—", "Сухість")
        (unknown,) = amendment_lines({"no_such_field": {"from": 1, "to": 2}})
        assert unknown == ("No such field", "1", "2")
