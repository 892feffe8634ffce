"""Permission decorators for routes; services re-check with the Scope."""
from __future__ import annotations

from functools import wraps

from flask_login import current_user, login_required

from app.auth.models import Role
from app.errors import OutOfScope
from app.scope import current_scope


def roles_required(*roles: Role):
    """Logged in, role among `roles`, and a valid scope (ventana active for VENTANA/VENDEDOR)."""
    allowed = {Role(r) for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if Role(current_user.role) not in allowed:
                raise OutOfScope("No tiene permiso para ver esta página.")
            current_scope()  # refuses a VENTANA/VENDEDOR without an active ventana
            return view(*args, **kwargs)
        return wrapper
    return decorator


def any_role(view):
    return roles_required(Role.ADMIN, Role.VENTANA, Role.VENDEDOR)(view)


admin_required = roles_required(Role.ADMIN)
