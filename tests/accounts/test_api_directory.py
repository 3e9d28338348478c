"""The staff directory: search by name in either alphabet, department, position."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from tests.factories.accounts import AgencyFactory, DepartmentFactory, UserFactory
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    agency = AgencyFactory.create(name="Министерство финансов")
    it = DepartmentFactory.create(agency=agency, name="Департамент ИТ")
    infra = DepartmentFactory.create(agency=agency, name="Отдел инфраструктуры", parent=it)
    legal = DepartmentFactory.create(agency=agency, name="Юридический отдел")
    people = {
        "ivanova": UserFactory.create(
            login="ivanova", last_name="Иванова", first_name="Юлия", middle_name="Петровна",
            position="Начальник отдела", department=infra,
        ),
        "shchukin": UserFactory.create(
            login="shchukin", last_name="Щукин", first_name="Артём", middle_name="Ильич",
            position="Ведущий специалист", department=it,
        ),
        "zhukova": UserFactory.create(
            login="zhukova", last_name="Жукова", first_name="Мария", middle_name="",
            position="Юрисконсульт", department=legal,
        ),
    }  # fmt: skip
    viewer = UserFactory.create(
        login="viewer", last_name="Смирнов", position="Советник", department=legal
    )
    return SimpleNamespace(
        agency=agency, it=it, infra=infra, legal=legal, people=people, viewer=viewer
    )


def _logins(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {u["login"] for u in response.json()["results"]}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("иванова", {"ivanova"}),
        ("ИВАН", {"ivanova"}),
        ("ivanova", {"ivanova"}),
        ("Iuliia", {"ivanova"}),
        ("Юлия Петровна", {"ivanova"}),
        ("shchukin", {"shchukin"}),
        ("щукин артём", {"shchukin"}),
        ("Zhukova", {"zhukova"}),
        ("нетакого", set()),
    ],
)
def test_search_by_any_part_of_name_in_either_alphabet(org, query, expected):
    client = api_client(org.viewer)
    assert _logins(client.get("/api/v1/users", {"q": query})) == expected


def test_filter_by_department_includes_subdepartments(org):
    client = api_client(org.viewer)
    assert _logins(client.get("/api/v1/users", {"department": org.it.pk})) == {
        "ivanova",
        "shchukin",
    }
    only_it = client.get("/api/v1/users", {"department": org.it.pk, "subdepartments": "false"})
    assert _logins(only_it) == {"shchukin"}


def test_filter_by_position_and_agency(org):
    client = api_client(org.viewer)
    assert _logins(client.get("/api/v1/users", {"position": "специалист"})) == {"shchukin"}
    in_agency = _logins(client.get("/api/v1/users", {"agency": org.agency.pk}))
    assert in_agency == {"ivanova", "shchukin", "zhukova", "viewer"}


def test_unknown_department_is_404(org):
    client = api_client(org.viewer)
    response = client.get("/api/v1/users", {"department": str(uuid.uuid4())})
    assert_api_error(response, 404, "department_not_found")
    for bad in ("not-a-uuid", ""):
        response = client.get("/api/v1/users", {"department": bad})
        assert_api_error(response, 400, "validation_failed")


def test_deactivated_users_are_hidden(org):
    people = org.people
    from portal.accounts.services import user_deactivate
    from portal.audit.services import RequestContext

    user_deactivate(actor=None, user=people["zhukova"], context=RequestContext.system())
    client = api_client(org.viewer)
    assert "zhukova" not in _logins(client.get("/api/v1/users"))
    response = client.get(f"/api/v1/users/{people['zhukova'].pk}")
    assert_api_error(response, 404, "user_not_found")


def test_user_detail_and_pagination(org):
    people = org.people
    client = api_client(org.viewer)
    detail = client.get(f"/api/v1/users/{people['ivanova'].pk}").json()
    assert detail["full_name"] == "Иванова Юлия Петровна"
    assert detail["department"]["name"] == "Отдел инфраструктуры"
    assert "password" not in detail and "search_text" not in detail
    page = client.get("/api/v1/users", {"limit": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = client.get("/api/v1/users", {"limit": 2, "cursor": page["next"]}).json()
    seen = {u["login"] for u in page["results"]} | {u["login"] for u in rest["results"]}
    assert seen == {"ivanova", "shchukin", "zhukova", "viewer"}


def test_departments_of_agency(org):
    client = api_client(org.viewer)
    departments = client.get(f"/api/v1/agencies/{org.agency.pk}/departments").json()["results"]
    by_name = {d["name"]: d for d in departments}
    assert by_name["Отдел инфраструктуры"]["parent"] == str(org.it.pk)
    assert_api_error(
        client.get(f"/api/v1/agencies/{uuid.uuid4()}/departments"), 404, "agency_not_found"
    )


def test_directory_needs_sign_in(org):
    assert_api_error(api_client().get("/api/v1/users"), 401, "not_authenticated")
    assert_api_error(
        api_client().get(f"/api/v1/users/{org.people['ivanova'].pk}"), 401, "not_authenticated"
    )
