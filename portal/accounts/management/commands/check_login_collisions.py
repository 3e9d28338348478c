"""``manage.py check_login_collisions``: accounts whose logins break the identity rules.

Lists the accounts migration 0003 left without a login key (their login is the same as an
earlier account's but for case or look-alike letters; they cannot sign in until one of the
two is renamed) and logins made before the rules that the rules now refuse (those with
invisible or control characters cannot sign in either). Exits non-zero while any account
cannot sign in, so a deployment script can stop on it. Changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.identity import REASONS
from portal.accounts.selectors import login_problems


class Command(BaseCommand):
    help = (
        "List accounts whose login is the same as another's but for case or look-alike "
        "letters (they cannot sign in until renamed), and logins the login rules refuse."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = login_problems()
        collisions = [p for p in problems if p.reason == "collision"]
        for problem in collisions:
            user, holder = problem.user, problem.holder
            if holder is None:
                line = _(
                    "%(login)r (id %(id)s) has no login key, but its key is free now: "
                    "open the account in the administration site and save it."
                ) % {"login": user.login, "id": user.pk}
            else:
                line = _(
                    "%(login)r (id %(id)s) is the same login as %(holder)r (id %(holder_id)s) "
                    "and cannot sign in: rename one of the two in the administration site."
                ) % {"login": user.login, "id": user.pk, "holder": holder.login,
                     "holder_id": holder.pk}  # fmt: skip
            self.stdout.write(self.style.ERROR(line))
        for problem in problems:
            if problem.reason != "collision":
                line = _("%(login)r (id %(id)s) breaks the login rules: %(reason)s") % {
                    "login": problem.user.login,
                    "id": problem.user.pk,
                    "reason": REASONS[problem.reason],
                }
                if problem.can_sign_in:
                    self.stdout.write(self.style.WARNING(line))
                else:
                    self.stdout.write(
                        self.style.ERROR(line + " " + _("It cannot sign in until renamed."))
                    )
        blocked = sum(1 for p in problems if not p.can_sign_in)
        if blocked:
            raise CommandError(
                ngettext(
                    "%(count)d account cannot sign in until renamed.",
                    "%(count)d accounts cannot sign in until renamed.",
                    blocked,
                )
                % {"count": blocked}
            )
        if problems:
            self.stdout.write(_("Every account can sign in."))
        else:
            self.stdout.write(_("No two logins are the same; every account can sign in."))
