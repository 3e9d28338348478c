"""The domain errors an operation can answer, read from the code: which ``PortalError``
subclasses its view method raises, and those raised (or made, to be raised by the caller:
an explicit result such as ``Admission.refused``) by the Portal functions it calls
(services, selectors, their helpers, and the receivers connected to a signal it sends),
followed through calls to a bounded depth.

For the schema's ``x-error-codes`` (code → HTTP status). It reads source, so it finds
what a direct reading finds: errors raised through a variable or a callback are missed,
and an error raised on a path the view never takes may be listed; a client still branches
on the documented statuses first.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types
import weakref
from collections.abc import Callable
from typing import Any

from portal.errors import PortalError

_PACKAGES = ("portal.", "messaging.", "documents.", "conferencing.")
_MAX_DEPTH = 6


def errors_raised(function: Callable[..., Any]) -> dict[str, int]:
    """``{code: status}`` of the domain errors ``function`` may raise."""
    found: dict[str, int] = {}
    _collect(_unwrap(function), found, set(), 0)
    return dict(sorted(found.items()))


def _unwrap(function: Any) -> Any:
    return inspect.unwrap(getattr(function, "__func__", function))


def _ours(obj: Any) -> bool:
    return getattr(obj, "__module__", "").startswith(_PACKAGES)


@functools.cache
def _tree(function: types.FunctionType) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    """What a name or a dotted attribute (``services.message_send``) names, or None."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, scope)
        if isinstance(owner, types.ModuleType) or (isinstance(owner, type) and _ours(owner)):
            return getattr(owner, node.attr, None)
    return None


def _local_imports(tree: ast.AST) -> dict[str, Any]:
    """Names a function imports in its body (``from portal.x import y`` inside it)."""
    import importlib

    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith(_PACKAGES):
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if value is None:  # a submodule
                    value = importlib.import_module(f"{node.module}.{alias.name}")
                names[alias.asname or alias.name] = value
    return names


def _signal_receivers(func: ast.expr, scope: dict[str, Any]) -> list[Any]:
    """The receivers connected now to a signal the call sends (``version_adding.send(…)``):
    they run inside the sender, and may refuse by raising (documents/signals.py)."""
    from django.dispatch import Signal

    if not (isinstance(func, ast.Attribute) and func.attr == "send"):
        return []
    signal = _resolve(func.value, scope)
    if not isinstance(signal, Signal):
        return []
    receivers = []
    for entry in signal.receivers:
        ref = entry[1]
        receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
        if receiver is not None and _ours(receiver):
            receivers.append(receiver)
    return receivers


def _collect(function: Any, found: dict[str, int], seen: set[Any], depth: int) -> None:
    if not isinstance(function, types.FunctionType) or function in seen or depth > _MAX_DEPTH:
        return
    seen.add(function)
    tree = _tree(function)
    if tree is None:
        return
    scope = {**function.__globals__, **_local_imports(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            error = _resolve(target, scope)
            if isinstance(error, type) and issubclass(error, PortalError):
                found.setdefault(error.code, error.status)
        elif isinstance(node, ast.Call):
            for receiver in _signal_receivers(node.func, scope):
                _collect(_unwrap(receiver), found, seen, depth + 1)
            callee = _resolve(node.func, scope)
            if isinstance(callee, types.FunctionType) and _ours(callee):
                _collect(_unwrap(callee), found, seen, depth + 1)
            elif isinstance(callee, type) and issubclass(callee, PortalError):
                # An error made but not raised here is handed back to be raised by the
                # caller (``Admission.refused``, raised by ``Admission.accepted``).
                found.setdefault(callee.code, callee.status)
