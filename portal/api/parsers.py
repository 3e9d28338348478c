"""Request parsers that refuse what the database cannot store or Python cannot walk.

Every request body reaches the views through these parsers (REST_FRAMEWORK's
DEFAULT_PARSER_CLASSES and the upload views' ``parser_classes``), so no view and no
serializer has to think about them:

- text PostgreSQL cannot store: a NUL character (``\\x00``, refused by PostgreSQL's text
  types) or a lone UTF-16 surrogate (JSON's ``"\\ud800"``, which cannot be encoded as
  UTF-8) anywhere in a document, keys included → 400 ``invalid_characters`` naming the field;
- JSON nested deeper than MAX_JSON_DEPTH → 400 ``malformed_request`` (Python's parser
  would raise RecursionError at about a thousand levels, and deep documents make every
  walk over them slow).

Query strings and URL paths get the same character check in
``portal.api.middleware.RequestLimitsMiddleware``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from portal.errors import PortalError

# Containers inside containers, counted from the document itself (depth 1).
MAX_JSON_DEPTH = 64

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class InvalidCharacters(PortalError):
    code = "invalid_characters"
    status = 400
    default_message = gettext_lazy(
        "The request contains characters that cannot be stored (NUL or an unpaired surrogate)."
    )


def has_bad_text(text: str) -> bool:
    """True when ``text`` holds a character PostgreSQL text cannot store."""
    return _BAD_TEXT.search(text) is not None


def check_text(values: Iterable[tuple[str, str]], *, where: str) -> None:
    """Raise InvalidCharacters for the first ``(name, text)`` pair whose name or text holds a
    character that cannot be stored; ``where`` says what the names are (``field``,
    ``parameter``, ``path``)."""
    for name, text in values:
        if has_bad_text(name) or has_bad_text(text):
            raise InvalidCharacters(**{where: printable(name)})


def printable(name: str) -> str:
    """``name`` with each character that cannot be stored shown as U+FFFD."""
    return _BAD_TEXT.sub("\ufffd", name)


def check_document(document: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a parsed JSON document without recursion: ParseError when it is nested deeper
    than ``max_depth``, InvalidCharacters (naming the field by its path, ``a.b[2]``) when a
    key or a string holds a character that cannot be stored."""
    stack: list[tuple[Any, str, int]] = [(document, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if has_bad_text(value):
                raise InvalidCharacters(field=path or "(body)")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > max_depth:
            raise ParseError(
                _("The JSON document is nested deeper than %(depth)s levels.")
                % {"depth": max_depth}
            )
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if has_bad_text(key):
                    raise InvalidCharacters(field=printable(child))
                stack.append((item, child, depth + 1))
        else:
            stack.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (strict: no NaN or Infinity), bounded in depth, refusing text that
    cannot be stored."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(
                _("The JSON document is nested deeper than %(depth)s levels.")
                % {"depth": MAX_JSON_DEPTH}
            ) from exc
        check_document(document)
        return document


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser; form fields and file names that cannot be stored are refused."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        check_text(
            ((key, value) for key, values in parsed.data.lists() for value in values),
            where="field",
        )
        check_text(
            (
                (key, upload.name or "")
                for key, uploads in parsed.files.lists()
                for upload in uploads
            ),
            where="field",
        )
        return parsed
