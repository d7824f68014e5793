"""Splitting names into words, and the verb list behind JOB101."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joblint.analysis.words import builtin_verbs, camel_words, snake_case
from joblint.rules.naming import JobNameVerbNoun


@pytest.mark.parametrize(
    ("name", "words", "snake"),
    [
        ("ProcessPaymentJob", ["Process", "Payment", "Job"], "process_payment_job"),
        ("SyncCRMContactsJob", ["Sync", "CRM", "Contacts", "Job"], "sync_crm_contacts_job"),
        ("ExportS3FilesJob", ["Export", "S", "3", "Files", "Job"], "export_s3_files_job"),
        ("HTMLRenderJob", ["HTML", "Render", "Job"], "html_render_job"),
    ],
)
def test_camel_words_and_snake_case(name: str, words: list[str], snake: str) -> None:
    assert camel_words(name) == words
    assert snake_case(name) == snake


@given(st.from_regex(r"[A-Z][a-z]{1,8}([A-Z][a-z]{1,8}){0,4}", fullmatch=True))
def test_snake_case_of_simple_camel_case_round_trips(name: str) -> None:
    snake = snake_case(name)
    assert "".join(part.capitalize() for part in snake.split("_")) == name


def test_verb_list_is_curated() -> None:
    verbs = builtin_verbs()
    assert 300 <= len(verbs) <= 800
    for verb in ("send", "process", "sync", "cleanup", "backfill", "generate", "export"):
        assert verb in verbs
    for not_a_verb in ("welcome", "daily", "user", "job", "task", "base"):
        assert not_a_verb not in verbs


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("WelcomeEmailJob", "starts with `Welcome`, which is not a verb"),
        ("ProcessJob", "names no noun after the verb `Process`"),
        ("PaymentProcessor", "does not end in `Job`"),
        ("Job", "names no action"),
    ],
)
def test_job101_messages_name_the_word_at_fault(name: str, fragment: str) -> None:
    message = JobNameVerbNoun.problem(name, builtin_verbs())
    assert message is not None and fragment in message


@pytest.mark.parametrize("name", ["SendWelcomeEmailJob", "SyncCRMContactsJob", "_CleanupTokensJob"])
def test_job101_accepts_verb_noun_job(name: str) -> None:
    assert JobNameVerbNoun.problem(name, builtin_verbs()) is None
