"""PII detection: what an editor is shown to redact, in English and Spanish testimony."""

from __future__ import annotations

import pytest

from archive.models import PiiKind, Segment
from archive.privacy.detection import analyzer, detect_pii, pii_model_check
from archive.privacy.redaction import span_times


def found(text: str, language: str = "en", **kwargs: object) -> list[tuple[str, str]]:
    return [(text[s.char_start : s.char_end], s.kind) for s in detect_pii(text, language, **kwargs)]


@pytest.mark.parametrize(
    ("language", "sentence", "expected", "kind"),
    [
        ("en", "You can reach me at (212) 555-0143 after work.", "(212) 555-0143", PiiKind.PHONE),
        ("en", "My email is maria.gonzalez@example.org.", "maria.gonzalez@example.org", "email"),
        ("en", "My social security number is 123-45-6789.", "123-45-6789", PiiKind.SSN),
        ("en", "They wrote my number, A 123 456 789, on the form.", "A 123 456 789", "a_number"),
        ("en", "The judge read out A-087654321 in court.", "A-087654321", PiiKind.A_NUMBER),
        ("en", "My A-number is 087 654 321.", "087 654 321", PiiKind.A_NUMBER),
        ("en", "I was born on March 3, 1990 in Puebla.", "March 3, 1990", PiiKind.DATE_OF_BIRTH),
        ("en", "My date of birth is 03/03/1990.", "03/03/1990", PiiKind.DATE_OF_BIRTH),
        ("en", "I live at 1420 Fulton Street with my kids.", "1420 Fulton Street", "address"),
        ("en", "Hello, my name is Maria Gonzalez.", "Maria Gonzalez", PiiKind.PERSON),
        ("en", "The lawyer, Mr. Okafor, never called back.", "Okafor", PiiKind.PERSON),
        ("es", "Mi teléfono es (212) 555-0143.", "(212) 555-0143", PiiKind.PHONE),
        ("es", "Mi correo es ana.perez@correo.mx.", "ana.perez@correo.mx", PiiKind.EMAIL),
        ("es", "Mi número de seguro social es 123-45-6789.", "123-45-6789", PiiKind.SSN),
        ("es", "Mi número A es A 123 456 789.", "A 123 456 789", PiiKind.A_NUMBER),
        ("es", "Nací el 3 de marzo de 1990 en Oaxaca.", "3 de marzo de 1990", "date_of_birth"),
        ("es", "Vivo en la calle Hidalgo número 45.", "calle Hidalgo número 45", "address"),
        ("es", "Me llamo María González.", "María González", PiiKind.PERSON),
        ("es", "La señora Rosa Martínez me ayudó en la corte.", "Rosa Martínez", "person"),
    ],
)
def test_each_kind_of_personal_information_is_flagged(language, sentence, expected, kind):
    assert (expected, str(kind)) in found(sentence, language)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "We walked to the market every morning and talked about the weather."),
        ("en", "In 2012 I was arrested after calling the police for help."),
        ("en", "The ICE hold meant I could not post bail for 45 days."),
        ("en", "I called Immigration three times and waited on the way home."),
        ("es", "Caminábamos al mercado todas las mañanas."),
        ("es", "En 2012 me arrestaron después de llamar a la policía."),
    ],
)
def test_plain_sentences_are_not_flagged(language, sentence):
    assert found(sentence, language) == []


def test_a_date_is_only_a_date_of_birth_near_a_word_about_birth():
    assert found("On March 3, 1990 the raid happened.") == []


def test_every_mention_of_the_storytellers_real_name_is_flagged_even_without_accents():
    text = "Everyone at the shelter knew Perez, and Maria too."
    assert found(text, names=["María Pérez"]) == [("Perez", "person"), ("Maria", "person")]


def test_a_name_inside_an_email_is_flagged_once_as_the_email():
    assert found("Write to ana@example.org.", names=["Ana Ruiz"]) == [("ana@example.org", "email")]


def test_other_languages_are_read_with_the_english_rules():
    assert ("(212) 555-0143", "phone") in found("Mon numéro est (212) 555-0143.", "fr")


def test_the_analyzer_is_built_once_per_process():
    assert analyzer() is analyzer()


def test_span_times_come_from_the_words_spoken():
    segment = Segment(
        start=10.0,
        end=16.0,
        text="Call me at (212) 555-0143, please.",
        words=[
            {"start": 10.0, "end": 10.4, "word": " Call", "p": 0.9},
            {"start": 10.4, "end": 10.6, "word": " me", "p": 0.9},
            {"start": 10.6, "end": 10.9, "word": " at", "p": 0.9},
            {"start": 11.0, "end": 12.1, "word": " (212)", "p": 0.9},
            {"start": 12.2, "end": 13.9, "word": " 555-0143,", "p": 0.9},
            {"start": 14.0, "end": 14.5, "word": " please.", "p": 0.9},
        ],
    )
    start = segment.text.index("(212)")
    assert span_times(segment, start, start + len("(212) 555-0143")) == (11.0, 13.9)


def test_span_times_fall_back_to_the_segment_when_words_do_not_match():
    segment = Segment(start=3.0, end=7.5, text="An edited sentence.", words=[])
    assert span_times(segment, 3, 9) == (3.0, 7.5)


def test_the_system_check_finds_the_name_model_installed():
    assert pii_model_check() == []


def test_spanish_sentence_openers_are_not_taken_for_names():
    from archive.privacy.detection import detect_pii

    text = "Soy madre de tres hijos. Ahora hablo con ellos cada día. Llegué en invierno."
    assert detect_pii(text, "es") == []
    spans = detect_pii("Ayer vi a Rosa Martínez en la corte.", "es")
    assert [span.kind for span in spans] == ["person"]


@pytest.mark.parametrize(
    ("language", "sentence", "expected"),
    [
        ("en", "Her number was 718-555-01-I-N, call it.", "718-555-01-I-N"),
        ("en", "Call me at seven one eight five five five zero one one nine.",
         "seven one eight five five five zero one one nine"),
        ("en", "It is 718 555 01 19 if you need me.", "718 555 01 19"),
        ("es", "Mi celular es siete uno ocho, cinco cinco cinco, cero uno uno nueve.",
         "siete uno ocho, cinco cinco cinco, cero uno uno nueve"),
    ],
)  # fmt: skip
def test_phone_numbers_as_whisper_writes_them_are_flagged(language, sentence, expected):
    assert (expected, str(PiiKind.PHONE)) in found(sentence, language)


@pytest.mark.parametrize(
    "sentence",
    [
        "We had one or two meals, three on good days.",
        "Between 1998, 2003 and 2010 I moved three times.",
        "I was held for 45 days and then 12 more.",
    ],
)
def test_counting_words_and_years_are_not_phone_numbers(sentence):
    assert found(sentence) == []
