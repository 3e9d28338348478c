"""Django admin of the accounts app: users, agencies and the department tree, for IT staff.

Every change goes through the accounts services (which validate, audit, end sessions and
notify); the admin only renders forms and calls them.
"""

from portal.accounts.admin.org import AgencyAdmin, DepartmentAdmin
from portal.accounts.admin.users import UserAdmin

__all__ = ["AgencyAdmin", "DepartmentAdmin", "UserAdmin"]
