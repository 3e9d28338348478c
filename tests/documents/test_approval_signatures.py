"""Decisions as a hash chain of simple electronic signatures, and
``manage.py verify_signatures`` catching a tampered row."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from documents.models import ApprovalDecision
from documents.services.approval import approval_route_start, approval_step_decide
from documents.services.approval.signatures import sha256_text, signature_content
from tests.documents.approval_fixtures import make_document
from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers import outside_a_request


def _signed_document(owner, approvers, decisions):
    document = make_document(owner)
    approval_route_start(
        actor=owner, document_id=document.pk, on_new_version="refuse",
        stages=[{"approver_ids": [a.pk], "duration_hours": 24} for a in approvers],
    )  # fmt: skip
    for approver, decision in zip(approvers, decisions, strict=False):
        approval_step_decide(
            actor=approver, document_id=document.pk, decision=decision, comment="Замечаний нет"
        )
    return document


@pytest.fixture
def chains(db):
    agency = AgencyFactory.create(short_name="01-15")
    owner = UserFactory.create(login="owner", agency=agency)
    people = [UserFactory.create(login=f"p{i}", agency=agency) for i in range(3)]
    first = _signed_document(owner, people, ["approve", "approve", "approve"])
    second = _signed_document(owner, people[:2], ["approve", "return"])
    return first, second


@outside_a_request
def test_each_signature_chains_to_the_previous_one(chains):
    first, _second = chains
    rows = list(ApprovalDecision.objects.filter(document=first).order_by("id"))
    assert [r.previous_hash for r in rows] == ["", rows[0].hash, rows[1].hash]
    for row in rows:
        assert row.hash == sha256_text(signature_content(row))
        assert row.version_sha256 == first.current_version.sha256
        assert row.comment_sha256 == sha256_text("Замечаний нет")


@outside_a_request
def test_verify_signatures_passes_on_intact_chains(chains, capsys):
    call_command("verify_signatures")
    assert "5 signature(s) checked, every chain holds." in capsys.readouterr().out
    call_command("verify_signatures", "--document", str(chains[1].pk))
    assert "2 signature(s) checked" in capsys.readouterr().out


@outside_a_request
@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("decision", "reject", "hash does not match the content"),
        ("comment", "Подменённый комментарий", "comment_sha256 does not match the comment"),
        ("version_sha256", "0" * 64, "hash does not match the content"),
    ],
)
def test_verify_signatures_catches_a_tampered_row(chains, capsys, field, value, reason):
    first, second = chains
    tampered = ApprovalDecision.objects.filter(document=first).order_by("id")[1]
    ApprovalDecision.objects.filter(pk=tampered.pk).update(**{field: value})
    with pytest.raises(CommandError) as caught:
        call_command("verify_signatures")
    assert "in 1 document chain(s)" in str(caught.value)
    err = capsys.readouterr().err
    assert f"BROKEN document={first.pk} signature={tampered.pk}: {reason}" in err
    assert str(second.pk) not in err
    # The other document's chain alone still holds.
    call_command("verify_signatures", "--document", str(second.pk))


@outside_a_request
def test_verify_signatures_catches_a_deleted_row(chains, capsys):
    first, _second = chains
    ApprovalDecision.objects.filter(document=first).order_by("id")[0].delete()
    with pytest.raises(SystemExit) as exited:  # as `manage.py verify_signatures` exits
        execute_from_command_line(["manage.py", "verify_signatures"])
    assert exited.value.code == 1
    assert "previous_hash does not match" in capsys.readouterr().err


def test_verify_signatures_takes_only_a_document_id(db):
    with pytest.raises(CommandError):
        call_command("verify_signatures", "--document", "../etc")
