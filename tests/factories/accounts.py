"""Factories for agencies, departments and users; users are made by the real service."""

from __future__ import annotations

from typing import Any

import factory

from portal.accounts.models import Agency, Department, User
from portal.accounts.services import user_create
from portal.audit.services import RequestContext

DEFAULT_PASSWORD = "Correct-Horse-Battery-42"


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Министерство №{n}")
    short_name = factory.Sequence(lambda n: f"МИН-{n}")


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Отдел {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    login = factory.Sequence(lambda n: f"user{n}")
    last_name = "Иванов"
    first_name = "Пётр"
    middle_name = "Сергеевич"
    position = "Специалист"
    department = None
    agency = factory.LazyAttribute(
        lambda o: o.department.agency if o.department is not None else AgencyFactory()
    )
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        login = kwargs.pop("login")
        password = kwargs.pop("password")
        return user_create(
            actor=None, login=login, password=password, context=RequestContext.system(), **kwargs
        )
