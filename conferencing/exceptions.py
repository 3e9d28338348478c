"""Errors of calls and signalling (stable codes, docs/api.md "Calls")."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PortalError, Throttled


class CallNotFound(NotFound):
    """A call that does not exist and one the actor is not a party of alike."""

    code = "call_not_found"
    default_message = _("Call not found.")


class CallInvalid(InvalidInput):
    code = "call_invalid"
    default_message = _("This call cannot be made.")


class CallSelf(InvalidInput):
    code = "call_self"
    default_message = _("You cannot call yourself.")


class AlreadyInCall(PortalError):
    code = "already_in_call"
    status = 409
    default_message = _("You are already in a call: end it first.")


class CallNotActive(PortalError):
    """The call is over (or not in the state this needs); ``details.state`` says where it is."""

    code = "call_not_active"
    status = 409
    default_message = _("The call is not in a state that allows this.")


class AnsweredElsewhere(PortalError):
    code = "call_answered_elsewhere"
    status = 409
    default_message = _("The call was answered on another device.")


class SignalInvalid(InvalidInput):
    code = "signal_invalid"
    default_message = _("The signal is malformed or too large.")


class SignalThrottled(Throttled):
    code = "signal_rate_limited"
    default_message = _("Too many signalling frames: slow down.")


class NotCallParty(PortalError):
    """The actor is a party of the call, but not the one this is for (the caller
    accepting); ``details.role`` names who may."""

    code = "call_wrong_party"
    status = 403
    default_message = _("Only the other party of the call can do this.")


class CallOnOtherDevice(PortalError):
    """The call is carried by another device of the actor (the one that started or
    accepted it)."""

    code = "call_other_device"
    status = 409
    default_message = _("This call is on another of your devices.")
