"""DomainError hierarchy and the global error handlers (page / fragment / redirect)."""
from __future__ import annotations

import logging

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth.limits import RateLimited

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business refusal with a Spanish, user-facing message."""

    status = 409

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None,
                 errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ({field: [message]} if field else {})
        if status is not None:
            self.status = status


class InvalidInput(DomainError):
    status = 422


class OutOfScope(DomainError):
    status = 403

    def __init__(self, message: str = "No tiene permiso para ver o modificar este registro.", **kw):
        super().__init__(message, **kw)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "No se encontró el registro solicitado.", **kw):
        super().__init__(message, **kw)


class Conflict(DomainError):
    status = 409


class Throttled(DomainError):
    status = 429


def _wants_fragment() -> bool:
    from app.htmx import is_partial
    return is_partial()


def _error_response(status: int, message: str):
    from app.extensions import db
    db.session.rollback()
    if _wants_fragment():
        return render_template("components/_error.html", message=message, status=status), status
    return render_template("errors/error.html", message=message, status=status), status


MESSAGES = {
    400: "La solicitud no es válida.",
    403: "No tiene permiso para realizar esta acción.",
    404: "La página que busca no existe.",
    405: "Método no permitido.",
    413: "La solicitud es demasiado grande.",
    422: "Revise los datos ingresados.",
    429: "Demasiadas solicitudes. Espere un momento e intente de nuevo.",
    500: "Ocurrió un error inesperado. Intente de nuevo; si persiste, avise al administrador.",
}


def register_error_handlers(app) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return _error_response(err.status, err.message)

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        return _error_response(400, "El formulario expiró o no es válido. Recargue la página e "
                                    "intente de nuevo.")

    @app.errorhandler(RateLimited)
    def _throttled(err: RateLimited):
        log.warning("rate limit exceeded on %s %s: %s", request.method, request.path, err.limit)
        body, status = _error_response(429, err.message)
        # Retry-After (DOMAIN §20): seconds until the breached window resets.
        return body, status, {"Retry-After": str(err.retry_after)}

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if err.code in (301, 302, 303, 307, 308):
            return err
        return _error_response(err.code or 500, MESSAGES.get(err.code, err.description or ""))

    @app.errorhandler(Exception)
    def _unhandled(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(500, MESSAGES[500])
