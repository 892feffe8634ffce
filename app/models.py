"""Import every domain's models so Alembic and the shell see all tables."""
from app.accounts.models import AccountPayment, AccountStatement, MonthlyClosingBalance, MovementType  # noqa: F401
from app.audit.models import ActivityLog  # noqa: F401
from app.auth.models import LoginSession, Role, User  # noqa: F401
from app.draws.models import (Loteria, LoteriaMultiplier, MultiplierKind, Sorteo,  # noqa: F401
                              SorteoListaExclusion, SorteoStatus)
from app.jobs.models import JobState  # noqa: F401
from app.org.models import Banca, ConfigVersion, Ventana  # noqa: F401
from app.restrictions.models import RestrictionRule  # noqa: F401
from app.sales.models import (ExposureAccumulator, Jugada, PaymentMethod, SalesDraft,  # noqa: F401
                              Ticket, TicketCounter, TicketPayment, TicketStatus)
