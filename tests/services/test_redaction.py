"""The redaction aid's detector: names from the roster, emails, UK phone numbers — and no noise."""

from __future__ import annotations

import itertools

import pytest

from eqvisit.app_services import Services
from eqvisit.services.redaction import HitKind, find_personal_data

ROSTER = ("Dr Asha Patel", "Mr Tom Okafor", "Ms Eilidh Morgan", "Mrs Jean Hughes", "Sam Green")


def kinds(text: str) -> list[tuple[HitKind, str]]:
    return [(hit.kind, hit.text) for hit in find_personal_data(text, ROSTER)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Spoke to Asha Patel after the session", [(HitKind.NAME, "Asha Patel")]),
        ("dr patel said the rota is fixed", [(HitKind.NAME, "dr patel")]),
        ("Okafor thought teaching was cancelled", [(HitKind.NAME, "Okafor")]),
        ("Ask Prof. Morgan about it", [(HitKind.NAME, "Prof. Morgan")]),
        ("Sam Green raised it", [(HitKind.NAME, "Sam Green")]),
        ("Dr Asha Patel chaired", [(HitKind.NAME, "Dr Asha Patel")]),
        ("email j.bloggs@nhs.net for the rota", [(HitKind.EMAIL, "j.bloggs@nhs.net")]),
        ("call 07700 900123 out of hours", [(HitKind.PHONE, "07700 900123")]),
        ("switchboard +44 20 7946 0958", [(HitKind.PHONE, "+44 20 7946 0958")]),
        ("bleep via 0161-496-0000 please", [(HitKind.PHONE, "0161-496-0000")]),
        ("(0113) 496 0999 is the office", [(HitKind.PHONE, "(0113) 496 0999")]),
    ],
)
def test_finds_names_emails_and_phone_numbers(
    text: str, expected: list[tuple[HitKind, str]]
) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The ward was busy and the green rating stands",  # 'Green' only with a first name
        "Green rating on induction; Ward 7 was calm",
        "12 learners attended on 2026-03-14 at 09:30",
        "Scored 4 out of 5; 60% positive; n=23",
        "Rota gaps in 2025/2026, 3 of 10 posts vacant",
        "the hughes mechanism was discussed",  # a roster surname in lower case is not a name
        "Shift pattern 0800-2000 with 1 hour break",
        "NTS indicator 12345678 moved",
        "See https://example.org/page for the policy",
    ],
)
def test_no_false_alarm_on_everyday_visit_notes(text: str) -> None:
    assert kinds(text) == []


def test_patel_style_is_flagged_because_a_capitalised_roster_surname_is_a_name() -> None:
    # Written with a capital, a roster surname alone is treated as the person: better one
    # question to the author than a name on the server.
    assert kinds("Patel-style rotas are common") == [(HitKind.NAME, "Patel")]


def test_hits_are_in_order_and_never_overlap() -> None:
    text = "Dr Patel (asha.patel@nhs.net, 07700 900123) and Mr Okafor"
    hits = find_personal_data(text, ROSTER)
    assert [h.kind for h in hits] == [HitKind.NAME, HitKind.EMAIL, HitKind.PHONE, HitKind.NAME]
    for earlier, later in itertools.pairwise(hits):
        assert earlier.end <= later.start
    assert all(text[h.start : h.end] == h.text for h in hits)


def test_no_roster_still_finds_contact_details() -> None:
    assert [h.kind for h in find_personal_data("mail a@b.org or 07700900123")] == [
        HitKind.EMAIL,
        HitKind.PHONE,
    ]


def test_review_lists_only_the_authors_unsynced_text_that_has_hits(demo: Services) -> None:
    (visit,) = demo.visits.list_visits()
    session_id = demo.visits.get(visit.id).sessions[1].id
    demo.capture.save_response(session_id, "specialties", value="Surgery", note="Mr Okafor's team")
    demo.capture.save_response(session_id, "group_size", value=6, note="calm and open group")
    demo.users.sign_in_locally("lay1")
    demo.capture.add_observation(visit.id, "Mess phone 0161 496 0000 was broken", location="Mess")
    lay_items = demo.redaction.review()
    assert [(i.record_type, i.hits[0].kind) for i in lay_items] == [("observations", HitKind.PHONE)]
    demo.users.sign_in_locally("lead")
    (item,) = demo.redaction.review()
    assert (item.record_type, item.question_id, item.hits[0].text) == (
        "responses",
        "specialties",
        "Mr Okafor",
    )
    demo.capture.save_response(session_id, "specialties", value="Surgery", note="a surgical team")
    assert demo.redaction.review() == []
